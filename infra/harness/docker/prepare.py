"""The one image-preparation step every Docker command takes: engine, mode, stand-ins, images.

The no-registry decision is made once here and pinned in the environment, so the stack a
command starts afterwards (and any pytest run in the same process) uses the same images it
built with.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness import git, registry
from harness.bases import no_registry, standin_build, standins
from harness.docker import engine, images
from harness.errors import HarnessError


@dataclass(frozen=True)
class Prepared:
    """What a command runs on: the engine, the mode, the tag and the third-party image names."""

    engine: engine.Engine
    mode: no_registry.Mode
    tag: str
    # Variables naming third-party images (the stand-ins in no-registry mode; else empty).
    image_env: dict[str, str]
    built: list[images.Built] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


_decided: list[no_registry.Mode] = []


def _mode(say: Callable[[str], None]) -> no_registry.Mode:
    """The mode, decided (and announced) once per process; pinned for child processes too."""
    if not _decided:
        mode = no_registry.decide()
        say(mode.announcement())
        os.environ[no_registry.FORCE_ENV] = "1" if mode.on else "0"
        _decided.append(mode)
    return _decided[0]


def prepare(
    root: Path,
    reg: registry.Registry,
    comps: Sequence[registry.Component],
    *,
    allow_provision: bool = True,
    build: bool = True,
    cache: images.LayerCache | None = None,
    say: Callable[[str], None] = print,
) -> Prepared:
    """Ensure an engine, decide the mode once, build stand-ins and then comps' images.

    build=False builds nothing: it checks that comps' images exist at the current tag (a
    HarnessError names the first missing one), for a suite run by hand after `nox -s build`.
    cache: a registry to pull build layers from and push them to (CI).
    """
    # Settings and recipes before the engine: a typo must not wait for (or install) Docker.
    mode = _mode(say)
    if mode.on and build:
        standins.check(root)
    eng = engine.ensure(root=root, allow_provision=allow_provision, say=say)
    timings: dict[str, float] = {}
    started = time.monotonic()
    if mode.on and build:
        standin_build.build(root, say=say)
        timings["bases"] = time.monotonic() - started
    image_env = no_registry.image_env(root) if mode.on else {}
    tag = git.short_sha(root)
    built: list[images.Built] = []
    if build and comps:
        started = time.monotonic()
        built = images.build(root, reg, comps, tag=tag, image_env=image_env, cache=cache, say=say)
        timings["build"] = time.monotonic() - started
        say(images.table(built))
    elif not build:
        absent = images.missing(comps, tag)
        if absent:
            raise HarnessError(f"image {absent[0]} is missing: run `nox -s build`")
    return Prepared(eng, mode, tag, image_env, built, timings)
