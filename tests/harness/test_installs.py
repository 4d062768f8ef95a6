"""A session skips its installs only when nothing they read changed."""

from __future__ import annotations

from pathlib import Path

from harness import installs


def _tree(root: Path) -> Path:
    (root / "lib").mkdir(parents=True)
    (root / "lib/pyproject.toml").write_text("[project]\nname = 'lib'\n")
    (root / "requirements.txt").write_text("fastapi==1.0\n")
    return root


def test_the_fingerprint_follows_what_the_installs_read(tmp_path: Path):
    root = _tree(tmp_path / "repo")
    calls = [("-r", "requirements.txt"), ("--no-deps", "-e", "./lib"), ("pytest==9.2.0",)]
    first = installs.fingerprint(root, calls)
    assert installs.fingerprint(root, calls) == first
    (root / "lib/module.py").write_text("X = 1\n")  # code: an editable install needs nothing
    assert installs.fingerprint(root, calls) == first
    (root / "requirements.txt").write_text("fastapi==1.1\n")
    assert installs.fingerprint(root, calls) != first
    second = installs.fingerprint(root, calls)
    (root / "lib/pyproject.toml").write_text("[project]\nname = 'lib'\nversion = '2'\n")
    assert installs.fingerprint(root, calls) != second
    third = installs.fingerprint(root, calls)
    assert installs.fingerprint(root, [*calls[:2], ("pytest==9.2.1",)]) != third
    # The same files elsewhere: an editable install there points elsewhere.
    assert installs.fingerprint(_tree(tmp_path / "other"), calls) != third


def test_a_stamp_is_current_only_for_its_own_fingerprint(tmp_path: Path):
    assert not installs.current(tmp_path, "abc")
    (tmp_path / installs.STAMP).write_text("abc")
    assert installs.current(tmp_path, "abc")
    assert not installs.current(tmp_path, "abd")
