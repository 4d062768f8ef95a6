"""Shared fixtures of the harness unit tests (no Docker)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness import hostlock, proc

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def own_locks(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tests' own machine-wide locks: a fake engine's builds must not wait for real ones."""
    directory = tmp_path_factory.mktemp("locks")
    monkeypatch.setenv(hostlock.DIR_ENV, str(directory))
    return directory


@pytest.fixture
def registry_root(tmp_path: Path) -> Path:
    """A throwaway repository root with the real schema and every registry directory."""
    shutil.copytree(REPO / "infra/schemas", tmp_path / "infra/schemas")
    data = json.loads((REPO / "services.json").read_text())
    for service in data["services"].values():
        for component in service["components"].values():
            (tmp_path / component["directory"]).mkdir(parents=True, exist_ok=True)
            for mount in component.get("mounts", ()):
                (tmp_path / mount).mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "services.json", tmp_path / "services.json")
    (tmp_path / "noxfile.py").touch()
    return tmp_path


class FakeDocker:
    """Fakes the CLI at its argument boundary: answers by argv prefix, records every call."""

    def __init__(self, answers: dict[tuple[str, ...], proc.Result | list[proc.Result]]):
        self.answers = answers
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, argv, **_options) -> proc.Result:
        argv = tuple(argv)
        self.calls.append(argv)
        for prefix in sorted(self.answers, key=len, reverse=True):
            if argv[: len(prefix)] == prefix:
                answer = self.answers[prefix]
                if isinstance(answer, list):
                    return answer.pop(0) if len(answer) > 1 else answer[0]
                return answer
        return proc.Result(argv, 1, "", f"fake: unexpected command {' '.join(argv)}")


def ok(stdout: str = "") -> proc.Result:
    """A successful fake result."""
    return proc.Result((), 0, stdout, "")


def fail(stderr: str = "failed", code: int = 1) -> proc.Result:
    """A failed fake result."""
    return proc.Result((), code, "", stderr)
