"""The hash locks (harness.locks): present, hashed, and holding every pin of their sources."""

from __future__ import annotations

import ast
import shutil
import tomllib
from pathlib import Path

from harness import locks, paths, registry

ROOT = paths.repo_root(Path(__file__))


def test_every_lock_is_hashed_and_holds_its_sources_pins():
    reg = registry.load(ROOT)
    found = [p for lock in locks.table(ROOT, reg) for p in locks.problems(ROOT, lock)]
    assert found == []


def test_a_pin_changed_without_relocking_is_caught(tmp_path: Path):
    directory = tmp_path / "services/x/backend"
    directory.mkdir(parents=True)
    source = ROOT / "services/yield_api/backend"
    shutil.copy(source / "requirements.txt", directory / "requirements.txt")
    pinned = (source / "requirements.in").read_text().replace("rq==3.0.0", "rq==3.0.1")
    (directory / "requirements.in").write_text(pinned)
    lock = locks.Lock(
        "services/x/backend/requirements.txt", ("services/x/backend/requirements.in",)
    )
    assert locks.problems(tmp_path, lock) == [
        "services/x/backend/requirements.txt: rq is 3.0.0, services/x/backend/requirements.in "
        "pins 3.0.1: run `nox -s lock`"
    ]
    unhashed = (directory / "requirements.txt").read_text().replace("--hash=sha256:", "--x=")
    (directory / "requirements.txt").write_text(unhashed)
    assert any("has no --hash" in p for p in locks.problems(tmp_path, lock))


def test_every_harness_lock_names_groups_pyproject_defines():
    groups = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"])
    wanted = {g for names in locks.HARNESS_LOCKS.values() for g in names}
    assert wanted | {locks.BUILD_GROUP, locks.UNIT_GROUP} <= groups


def test_images_and_venvs_install_only_with_require_hashes():
    template = (ROOT / "infra/docker-templates/Dockerfile.python").read_text()
    installs = [line for line in template.splitlines() if " install " in line]
    # The lock with hashes; the local wheel (no index) with --no-deps.
    assert all("--require-hashes" in line or "--no-deps" in line for line in installs), installs
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    # One pip call, in harness.installs, reached from _install; every install it is handed
    # is a lock or local code.
    installs = [n for n in ast.walk(tree) if _called(n, "install")]
    assert [ast.unparse(n) for n in installs] == ["installs.install(session, ROOT, calls, check)"]
    helper = ast.parse((ROOT / "infra/harness/installs.py").read_text())
    pip_installs = [
        ast.unparse(n) for n in ast.walk(helper)
        if isinstance(n, ast.Tuple) and all(isinstance(e, ast.Constant) for e in n.elts)
        and "'pip', 'install'" in ast.unparse(n)
    ]  # fmt: skip
    # uv's pip or pip itself (harness.installs.installer), then the call as it was handed.
    assert sorted(pip_installs) == [
        "('python', '-m', 'pip', 'install')", "('uv', 'pip', 'install', '--compile-bytecode')"
    ]  # fmt: skip
    steps = [ast.unparse(n) for n in ast.walk(helper) if isinstance(n, ast.Tuple)
             and any(isinstance(e, ast.Starred) for e in n.elts)]  # fmt: skip
    assert steps == ["(*install_argv, *call)"]
    handed = [
        arg for n in ast.walk(tree) if _called(n, "_install") or _called(n, "append")
        for arg in n.args if isinstance(arg, ast.Tuple)
    ]  # fmt: skip
    handed += [
        t for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and isinstance(n.value, ast.List)
        for t in n.value.elts if isinstance(t, ast.Tuple)
    ]  # fmt: skip
    assert len(handed) >= 5
    for call in handed:
        starred = {e.value.id for e in call.elts if isinstance(e, ast.Starred)
                   and isinstance(e.value, ast.Name)}  # fmt: skip
        assert starred & {"LOCKED", "LOCAL"}, ast.unparse(call)


def _called(node: ast.AST, name: str) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) == name
