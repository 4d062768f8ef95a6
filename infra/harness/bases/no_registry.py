"""No-registry mode: decide whether the stack uses local stand-ins instead of pulled images."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from harness import paths
from harness.errors import HarnessError

# 1 forces no-registry mode on, 0 forces it off; unset means: probe the registry.
FORCE_ENV = "ANNADATA_NO_REGISTRY"
PROBE_URL_ENV = "ANNADATA_REGISTRY_PROBE_URL"
DEFAULT_PROBE_URL = "https://registry-1.docker.io/v2/"
# Long enough for a slow but working network, short enough not to stall every run.
PROBE_TIMEOUT = 4.0


@dataclass(frozen=True)
class Mode:
    """Whether no-registry mode is on, and the one line that says why."""

    on: bool
    reason: str

    def announcement(self) -> str:
        """The line the harness prints when it decides."""
        if self.on:
            return (
                f"harness: no-registry mode ON ({self.reason}): third-party images are local "
                f"stand-ins from `nox -s bases` ({FORCE_ENV}=0 forces it off)"
            )
        return f"harness: no-registry mode off ({self.reason})"


def registry_answers(url: str, timeout: float = PROBE_TIMEOUT) -> tuple[bool, str]:
    """One bounded GET of the registry's /v2/ endpoint: 200 or 401 means it answers."""
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=False)
    except httpx.TimeoutException:
        return False, f"{url} did not answer within {timeout:g}s"
    except httpx.HTTPError as exc:
        return False, f"{url} unreachable ({type(exc).__name__}: {exc})"
    if response.status_code in (200, 401):
        return True, f"{url} answered {response.status_code}"
    return False, f"{url} answered {response.status_code}, not a registry's 200/401"


def decide(
    env: Mapping[str, str] | None = None,
    probe: Callable[[str], tuple[bool, str]] = registry_answers,
) -> Mode:
    """The mode from $ANNADATA_NO_REGISTRY if set, else from one probe of the registry."""
    env = os.environ if env is None else env
    forced = env.get(FORCE_ENV, "").strip()
    if forced in ("1", "true", "yes", "on"):
        return Mode(True, f"forced by {FORCE_ENV}={forced}")
    if forced in ("0", "false", "no", "off"):
        return Mode(False, f"forced by {FORCE_ENV}={forced}")
    if forced:
        raise HarnessError(f"{FORCE_ENV}={forced!r}: use 1 (force on), 0 (force off) or unset")
    answered, why = probe(env.get(PROBE_URL_ENV, DEFAULT_PROBE_URL))
    return Mode(not answered, why)


def image_env(root: Path) -> dict[str, str]:
    """The image variables from the env file `nox -s bases` wrote."""
    env_file = root / paths.NO_REGISTRY_ENV_FILE
    try:
        lines = env_file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise HarnessError(
            f"no-registry mode is on but {paths.NO_REGISTRY_ENV_FILE} is missing: "
            "run `nox -s bases`"
        ) from None
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {key: value for key, value in pairs}
