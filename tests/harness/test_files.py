"""Writes the harness makes: whole or not at all, and one line when the disk says no."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from harness import files
from harness.errors import HarnessError


def test_a_write_replaces_the_file_whole_and_keeps_its_mode(tmp_path: Path):
    target = tmp_path / "reports" / "build.json"
    files.write_text(target, "{}")
    assert target.read_text() == "{}"
    assert target.stat().st_mode & 0o777 == 0o666 & ~files._UMASK  # not mkstemp's 0600
    target.chmod(0o640)
    files.write_text(target, '{"a": 1}')
    assert target.read_text() == '{"a": 1}'
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["build.json"]


def test_a_full_disk_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    target = tmp_path / "build.json"
    target.write_text("old")

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "replace", full)
    with pytest.raises(HarnessError) as refused:
        files.write_text(target, "new", "report")
    assert str(refused.value).startswith(
        f"{target}: cannot write the report (No space left on device): make {tmp_path} a "
    )
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["build.json"]


def test_an_interrupt_between_write_and_rename_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    target = tmp_path / "no-registry.env"
    target.write_text("old")

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["no-registry.env"]


def test_a_file_where_the_directory_should_be_is_one_line(tmp_path: Path):
    (tmp_path / "reports").write_text("not a directory")
    # Before: NotADirectoryError / FileExistsError tracebacks from every report writer.
    reports = tmp_path / "reports"
    with pytest.raises(HarnessError) as refused:
        files.write_text(reports / "build.json", "{}", "report")
    assert str(refused.value) == (
        f"{reports}/build.json: cannot write the report: {reports} is a file, not a directory: "
        "move it away, then run again"
    )
    with pytest.raises(HarnessError, match=rf"^{reports}/contract: cannot create the report dir"):
        files.make_dir(reports / "contract", "report directory")
    with pytest.raises(
        HarnessError, match=rf"^{reports}/s.md: cannot write the summary: {reports}"
    ):
        files.append_text(reports / "s.md", "x", "summary")
    with pytest.raises(HarnessError, match=r"cannot write the summary: it is a directory"):
        files.append_text(tmp_path, "x", "summary")
