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


class _Recorder:
    """A nox session at its install boundary: records steps, skips them like `nox -R`."""

    def __init__(self, venv: Path, no_install: bool, backend: str = "venv") -> None:
        self.virtualenv = type("Venv", (), {"location": str(venv), "venv_backend": backend})()
        self.no_install = no_install
        self.ran: list[tuple[str, tuple[str, ...]]] = []

    def log(self, *args: object) -> None:
        self.ran.append(("log", tuple(map(str, args))))

    def run(self, *args: str, silent: bool = False) -> str:
        assert silent  # pip's output would mix into the session's own
        self.ran.append(("run", args))
        return ""

    def run_install(self, *args: str, silent: bool = False) -> str | None:
        assert silent
        if self.no_install:
            return None
        self.ran.append(("run_install", args))
        return ""


def test_nox_r_skips_stale_installs_but_not_a_venv_that_never_had_them(tmp_path: Path):
    root = _tree(tmp_path / "repo")
    calls = [("-r", "requirements.txt")]
    venv = tmp_path / "venv"
    venv.mkdir()
    # Empty (a session with nothing to do made it): `nox -R` must still install.
    empty = _Recorder(venv, no_install=True)
    installs.install(empty, root, calls, check=True)
    assert [kind for kind, _ in empty.ran] == ["run", "run", "run"]
    assert empty.ran[0][1] == ("python", "-m", "pip", "install", "-r", "requirements.txt")
    assert empty.ran[1][1] == ("python", "-m", "pip", "check")
    # Stale (its lock changed since): `nox -R` means leave it alone.
    (venv / installs.STAMP).write_text("an older fingerprint")
    stale = _Recorder(venv, no_install=True)
    installs.install(stale, root, calls, check=False)
    assert stale.ran == []
    # Without -R the stale venv is brought up to date; once stamped, nothing runs.
    plain = _Recorder(venv, no_install=False)
    installs.install(plain, root, calls, check=False)
    assert [kind for kind, _ in plain.ran] == ["run_install", "run_install"]
    (venv / installs.STAMP).write_text(installs.fingerprint(root, calls))
    again = _Recorder(venv, no_install=False)
    installs.install(again, root, calls, check=False)
    assert [kind for kind, _ in again.ran] == ["log"]


def test_a_uv_venv_installs_and_checks_with_uvs_pip_and_compiles_bytecode(tmp_path: Path):
    root = _tree(tmp_path / "repo")
    venv = tmp_path / "venv"
    venv.mkdir()
    session = _Recorder(venv, no_install=False, backend="uv")
    installs.install(session, root, [("-r", "requirements.txt")], check=True)
    assert [args[:-2] if args[0] == "python" else args for _, args in session.ran] == [
        ("uv", "pip", "install", "--compile-bytecode", "-r", "requirements.txt"),
        ("uv", "pip", "check"),
        ("python", "-c", installs.WRITE),
    ]
