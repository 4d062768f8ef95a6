"""No-registry mode: decide whether the stack uses local stand-ins instead of pulled images."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from harness import envflags, paths, safeload
from harness.errors import HarnessError

# 1 forces no-registry mode on, 0 forces it off; unset means: probe the registry.
FORCE_ENV = "ANNADATA_NO_REGISTRY"
PROBE_URL_ENV = "ANNADATA_REGISTRY_PROBE_URL"
DEFAULT_PROBE_URL = "https://registry-1.docker.io/v2/"
# Long enough for a slow but working network, short enough not to stall every run.
PROBE_TIMEOUT = 4.0
_VARIABLE = re.compile(r"[A-Z][A-Z0-9_]*")


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
    forced = envflags.flag(FORCE_ENV, env)
    if forced is not None:
        return Mode(forced, f"forced by {FORCE_ENV}={env[FORCE_ENV].strip()}")
    url = env.get(PROBE_URL_ENV) or DEFAULT_PROBE_URL
    if not _is_http_url(url):
        raise HarnessError(
            f"{PROBE_URL_ENV}={url!r}: not an http(s) URL: give a registry's /v2/ endpoint, "
            f"e.g. {DEFAULT_PROBE_URL}, or unset it"
        )
    answered, why = probe(url)
    return Mode(not answered, why)


def _is_http_url(url: str) -> bool:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)


def image_env(root: Path) -> dict[str, str]:
    """The image variables from the env file `nox -s bases` wrote."""
    env_file = root / paths.NO_REGISTRY_ENV_FILE
    if not env_file.exists():
        raise HarnessError(
            f"no-registry mode is on but {paths.NO_REGISTRY_ENV_FILE} is missing: "
            "run `nox -s bases`"
        )
    where = paths.NO_REGISTRY_ENV_FILE
    text = safeload.read_text(env_file, "no-registry env file", where=where)
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not _VARIABLE.fullmatch(key) or not value.strip():
            raise HarnessError(
                f"{where}:{number}: expected NAME_IMAGE=image:tag, got {line.strip()[:60]!r}: "
                "`nox -s bases` writes this file; run it again instead of editing it"
            )
        found[key] = value.strip()
    return found
