"""Images a suite builds in a throwaway tree, kept between runs as one tagged layer cache each.

The classic builder caches layers only in images it has: removing a tree's images with
`docker image rm --force` deleted their parent layers, so every run built them again from
nothing (`npm ci` and `next build`, `pip install`). Instead each image keeps a single tag,
`:test-cache`, moved to the newest build; its other tags go, and the image it replaced is
removed, so the cache holds one image per name and never grows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from harness import proc

TAG = "test-cache"
# The tag every build of a component gets (harness.docker.images): the newest build.
NEWEST = "dev"


@contextmanager
def kept(patterns: Sequence[str], run: proc.Runner = proc.run) -> Iterator[None]:
    """Afterwards, each image matching patterns keeps only its newest build, tagged :test-cache."""
    try:
        yield
    finally:
        for pattern in patterns:
            _keep_newest(pattern, run)


def _keep_newest(pattern: str, run: proc.Runner) -> None:
    listed = run(
        ["docker", "image", "ls", "--format", "{{.Repository}} {{.Tag}} {{.ID}}", pattern],
        timeout=60,
    ).stdout.split("\n")
    tags: dict[str, dict[str, str]] = {}
    for row in listed:
        if len(fields := row.split()) == 3 and fields[1] != "<none>":
            tags.setdefault(fields[0], {})[fields[1]] = fields[2]
    for repository, ids in tags.items():
        old = ids.get(TAG)
        if NEWEST in ids:
            run(["docker", "tag", f"{repository}:{NEWEST}", f"{repository}:{TAG}"], timeout=60)
        stale = [f"{repository}:{tag}" for tag in ids if tag != TAG]
        if stale:
            run(["docker", "image", "rm", *stale], timeout=120)
        if old is not None and NEWEST in ids and old != ids[NEWEST]:
            # The previous cache, now untagged: its own layers go, the ones it shares stay.
            run(["docker", "image", "rm", old], timeout=120)
