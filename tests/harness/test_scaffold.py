"""The scaffold (`nox -s new-service`): what it writes, what it refuses, what it leaves behind."""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from harness import registry
from harness.errors import HarnessError
from harness.lint import policy, tools
from harness.scaffold import compose_edit, jsontext
from harness.scaffold import new_service as scaffold

from .conftest import REPO


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files (what git sees) but the test suites, copied once.

    tests/ is a third of the files, and nothing the scaffold reads or writes: leaving it out
    makes each test's copy (and pytest's later removal of it) that much cheaper.
    """
    pristine = tools.copy_files(REPO, tmp_path_factory.mktemp("pristine"))
    shutil.rmtree(pristine / "tests")
    return pristine


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the repository to scaffold into."""
    shutil.copytree(pristine, tmp_path / "repo")
    return tmp_path / "repo"


@pytest.fixture(scope="module")
def refusing(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy, with a stray services/ directory, shared by runs that must write nothing.

    Each such test compares the files before and after its own run, so a run that writes
    fails there, whichever test shares the copy after it.
    """
    repo = tmp_path_factory.mktemp("refusing") / "repo"
    shutil.copytree(pristine, repo)
    (repo / "services/stray").mkdir()
    return repo


@pytest.fixture(scope="module", autouse=True)
def edits_computed_once() -> Iterator[None]:
    """The compose edits, memoised by everything they read: most tests scaffold the same
    service into the same files, and each edit is two round-trip YAML reads (0.4 s).

    The edit is a pure function of its text, components and registry (Component and
    Registry reprs hold every field but the registry's path, which only names the file in an
    error). An edit that raises is not stored: each test still sees its own error.
    """
    memo: dict[tuple[str, str, str, str], str] = {}

    def memoised(edit: Callable[..., str]) -> Callable[..., str]:
        def run(text: str, components: list[registry.Component], reg: registry.Registry) -> str:
            held = None if reg is None else (reg.services, reg.infrastructure)
            key = (edit.__name__, text, repr(components), repr(held))
            if key not in memo:
                memo[key] = edit(text, components, reg)
            return memo[key]

        return run

    with pytest.MonkeyPatch.context() as patch:
        for name in ("add_components", "add_hot_reload"):
            patch.setattr(compose_edit, name, memoised(getattr(compose_edit, name)))
        yield


def _first_free(root: Path, start: int, *also: int) -> int:
    """The port the scaffold should take: the lowest at or above start that nobody uses."""
    taken = set(registry.load(root).host_ports().values()) | set(also)
    return next(p for p in range(start, start + 1000) if p not in taken)


def _snapshot(root: Path) -> dict[str, str]:
    """Every file's hash, but the harness's own state (.annadata/, where the lock lives)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != ".annadata"
    }


def _compose(root: Path) -> dict:
    return YAML(typ="safe").load((root / "docker-compose.yml").read_text())["services"]


def test_committed_files_are_in_the_form_the_scaffold_writes():
    # Otherwise the first scaffold would also reformat lines it did not mean to touch.
    text = (REPO / "services.json").read_text()
    assert jsontext.dumps(json.loads(text)) == text
    for name in ("docker-compose.yml", "docker-compose.override.yml.sample"):
        compose = (REPO / name).read_text()
        assert compose_edit.round_trip(compose) == compose, name


def test_a_backend_is_copied_and_registered_everywhere(repo: Path, capsys):
    edited = ("services.json", "docker-compose.yml", "docker-compose.override.yml.sample",
              ".env.example")  # fmt: skip
    before = {rel: (repo / rel).read_text() for rel in edited}
    port = _first_free(repo, 8000)
    assert scaffold.run(repo, "pest_alerts") == 0

    comp = registry.load(repo).component("pest_alerts.backend")
    assert (comp.port, comp.entrypoint, comp.profile) == (port, "app:app", None)
    service = _compose(repo)["pest_alerts-backend"]
    assert service["ports"] == [f"127.0.0.1:${{PEST_ALERTS_BACKEND_PORT:-{port}}}:{port}"]
    assert service["labels"]["traefik.http.routers.pest_alerts-backend.rule"] == (
        "Host(`pest-alerts.api.localhost`)"
    )
    # Shared blocks through the file's anchors: the merged values are the seed services'.
    seed = _compose(repo)["yield_api-backend"]
    for key in ("read_only", "cap_drop", "logging", "healthcheck", "tmpfs"):
        assert service[key] == seed[key], key
    assert "<<: *app" in (repo / "docker-compose.yml").read_text().split("pest_alerts-backend:")[1]
    assert f"PEST_ALERTS_BACKEND_PORT={port}\n" in (repo / ".env.example").read_text()

    # Each edit only inserts lines: nothing else in those files moved or changed.
    for rel, old in before.items():
        matcher = difflib.SequenceMatcher(
            None, old.splitlines(), (repo / rel).read_text().splitlines(), autojunk=False
        )
        assert {op for op, *_ in matcher.get_opcodes()} == {"equal", "insert"}, rel
    backend = repo / "services/pest_alerts/backend"
    texts = [p.read_text() for p in backend.rglob("*") if p.is_file()]
    assert not any(re.search(r"__[A-Z_]+__", t) for t in texts)
    assert 'SERVICE_NAME = "pest_alerts"' in (backend / "config.py").read_text()
    assert "title: pest_alerts" in (backend / "openapi.yaml").read_text()
    assert f"ARG SERVICE_DIR=services/pest_alerts/backend\nARG SERVICE_PORT={port}" in (
        (backend / "Dockerfile").read_text()
    )
    assert policy.check(repo) == []
    out = capsys.readouterr().out
    assert f"port {port} (PEST_ALERTS_BACKEND_PORT), http://pest-alerts.api.localhost" in out


def test_a_frontend_and_profile_get_the_next_ports_and_wiring(repo: Path):
    scaffold.run(repo, "pest_alerts")
    api, web_port = _first_free(repo, 8000), _first_free(repo, 3000)
    scaffold.run(repo, "seed_catalog", frontend=True, profile="extras")

    reg = registry.load(repo)
    backend, frontend = reg.services["seed_catalog"]
    assert (backend.port, frontend.port) == (api, web_port)
    assert web_port > 3000  # 3000 is protein_engineering's
    assert frontend.depends_on == ("seed_catalog.backend",)
    assert reg.profiles() == ["extras", "ml"]
    services = _compose(repo)
    assert services["seed_catalog-frontend"]["profiles"] == ["extras"]
    assert services["seed_catalog-frontend"]["depends_on"] == {
        "seed_catalog-backend": {"condition": "service_healthy"}
    }
    assert services["seed_catalog-frontend"]["healthcheck"]["test"][-1] == (
        f"http://127.0.0.1:{web_port}/"
    )
    hot = YAML(typ="safe").load((repo / "docker-compose.override.yml.sample").read_text())
    assert hot["services"]["seed_catalog-backend"]["volumes"][0] == (
        "./services/seed_catalog/backend:/src:ro"
    )
    assert hot["services"]["seed_catalog-frontend"]["environment"] == {
        "PORT": str(web_port), "API_URL": f"http://seed_catalog-backend:{api}"
    }  # fmt: skip
    assert hot["services"]["seed_catalog-frontend"]["image"] == "annadata/seed_catalog-frontend:hot"
    web = repo / "services/seed_catalog/frontend"
    assert f"ARG API_UPSTREAM=seed_catalog-backend:{api}" in (web / "Dockerfile").read_text()
    assert f"port: {web_port}," in (web / "vite.config.js").read_text()
    assert json.loads((web / "package.json").read_text())["name"] == "seed-catalog-frontend"
    assert "<title>seed_catalog · Annadata</title>" in (web / "index.html").read_text()
    assert policy.check(repo) == []


def test_the_next_free_port_skips_taken_ones_and_fills_gaps():
    assert scaffold._free_port(8000, {8000, 8001, 8002}) == 8003
    assert scaffold._free_port(8000, {8000, 8002}) == 8001
    assert scaffold._free_port(3000, set()) == 3000


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("PestAlerts", "invalid service name 'PestAlerts': use snake_case"),
        ("pest-alerts", "invalid service name 'pest-alerts'"),
        ("pest__alerts", "invalid service name"),
        ("1pest", "invalid service name"),
        ("p" * 41, "at most 40 characters"),
        ("postgres", "service name 'postgres' is reserved"),
        ("template", "service name 'template' is reserved"),
        ("msp_mitra", "services.json: service 'msp_mitra' already exists"),
        ("stray", "services/stray already exists (not in services.json)"),
    ],
)
def test_a_bad_name_is_refused_and_nothing_is_written(refusing: Path, name: str, message: str):
    before = _snapshot(refusing)
    with pytest.raises(HarnessError, match=re.escape(message)):
        scaffold.run(refusing, name)
    assert _snapshot(refusing) == before


def test_a_bad_profile_is_refused(refusing: Path):
    before = _snapshot(refusing)
    with pytest.raises(HarnessError, match="invalid profile 'default'"):
        scaffold.run(refusing, "pest_alerts", profile="default")
    with pytest.raises(HarnessError, match="invalid profile 'Extra-s'"):
        scaffold.run(refusing, "pest_alerts", profile="Extra-s")
    assert _snapshot(refusing) == before


def test_dry_run_prints_the_diff_and_writes_nothing(repo: Path, capsys):
    before = _snapshot(repo)
    web_port = _first_free(repo, 3000, _first_free(repo, 8000))
    assert scaffold.run(repo, "pest_alerts", frontend=True, dry_run=True) == 0
    out = capsys.readouterr().out
    assert _snapshot(repo) == before
    for rel in ("services.json", "docker-compose.yml", "docker-compose.override.yml.sample",
                ".env.example"):  # fmt: skip
        assert f"+++ b/{rel}" in out
    assert "+  pest_alerts-frontend:" in out
    assert f"+PEST_ALERTS_FRONTEND_PORT={web_port}" in out
    assert "  services/pest_alerts/frontend/package-lock.json (" in out
    assert out.rstrip().endswith("dry run: nothing written")


@pytest.mark.parametrize(
    ("failure", "raised"),
    [
        (OSError(28, "No space left on device"), HarnessError),
        (KeyboardInterrupt(), KeyboardInterrupt),
    ],
    ids=["disk", "ctrl-c"],
)
def test_a_failure_midway_puts_every_file_back(
    repo: Path, monkeypatch, failure: BaseException, raised: type
):
    before = _snapshot(repo)
    real_replace = os.replace
    calls = []

    def replace_then_fail(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise failure
        real_replace(src, dst)

    monkeypatch.setattr(scaffold.os, "replace", replace_then_fail)
    with pytest.raises(raised):
        scaffold.run(repo, "pest_alerts")
    # services.json was already replaced: it is restored; the new directory and every
    # staged file are gone.
    assert _snapshot(repo) == before


def test_a_result_the_lint_rejects_is_rolled_back(repo: Path):
    shutil.rmtree(repo / "services/_template/backend/tests")
    before = _snapshot(repo)
    expected = (
        r"scaffolding pest_alerts would leave a lint finding, so nothing was written: "
        r"services.json: ANN001 pest_alerts has no tests/"
    )
    with pytest.raises(HarnessError, match=expected):
        scaffold.run(repo, "pest_alerts")
    assert _snapshot(repo) == before


def test_an_unknown_placeholder_in_the_template_is_named(repo: Path):
    readme = repo / "services/_template/README.md"
    readme.write_text(readme.read_text() + "\nOwner: __OWNER_TEAM__\n")
    expected = r"services/_template/README.md: unknown placeholder __OWNER_TEAM__ \(known: __SERV"
    with pytest.raises(HarnessError, match=expected):
        scaffold.run(repo, "pest_alerts", dry_run=True)


def test_a_missing_shared_block_is_named():
    reg_comp = registry.Component("x", "backend", "services/x/backend", port=8003)
    with pytest.raises(HarnessError, match=r"no `&python-build` anchor"):
        compose_edit.add_components("x-app: &app {restart: 'no'}\nservices: {}\n", [reg_comp],
                                    None)  # fmt: skip


def test_a_failure_before_the_rename_leaves_nothing(repo: Path, monkeypatch):
    before = _snapshot(repo)

    def no_space(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scaffold, "_stage_file", no_space)
    with pytest.raises(HarnessError, match=r"^scaffolding pest_alerts: cannot write services.json: "
                       r"No space left on device; nothing was written$"):  # fmt: skip
        scaffold.run(repo, "pest_alerts")
    assert _snapshot(repo) == before
    assert [p.name for p in (repo / "services").iterdir() if p.name.startswith(".")] == []


def test_a_directory_made_meanwhile_is_kept_and_nothing_written(repo: Path, monkeypatch):
    real_rename = os.rename

    def someone_else_first(src, dst):
        Path(dst).mkdir()
        (Path(dst) / "my_work.py").write_text("precious = True\n")
        real_rename(src, dst)

    monkeypatch.setattr(scaffold.os, "rename", someone_else_first)
    before = {rel: (repo / rel).read_text() for rel in ("services.json", ".env.example")}
    with pytest.raises(
        HarnessError,
        match=r"cannot write services/pest_alerts: Directory not empty; nothing was written",
    ):
        scaffold.run(repo, "pest_alerts")
    assert (repo / "services/pest_alerts/my_work.py").read_text() == "precious = True\n"
    assert {rel: (repo / rel).read_text() for rel in before} == before


def test_a_file_edited_after_the_plan_is_not_overwritten(repo: Path):
    planned = scaffold.plan(repo, "pest_alerts")
    (repo / ".env.example").write_text((repo / ".env.example").read_text() + "MINE=1\n")
    before = _snapshot(repo)
    with pytest.raises(HarnessError, match=r"^.env.example changed since the plan was made"):
        scaffold.apply(repo, planned)
    assert _snapshot(repo) == before


def test_a_second_run_at_the_same_time_is_refused(repo: Path):
    lock_path = repo / ".annadata/new-service.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(HarnessError, match="another `nox -s new-service` is running"):
            scaffold.run(repo, "pest_alerts")
    assert scaffold.run(repo, "pest_alerts") == 0


def test_only_what_git_sees_of_the_template_is_copied(repo: Path):
    subprocess.run(["git", "init", "--quiet"], cwd=repo, check=True)
    backend = repo / "services/_template/backend"
    (backend / ".env.local").write_text("SECRET_TOKEN=x\n")
    (backend / "__pycache__").mkdir()
    (backend / "__pycache__/app.cpython-311.pyc").write_bytes(b"\x00\xff")
    scaffold.run(repo, "pest_alerts")
    new = repo / "services/pest_alerts/backend"
    assert not (new / ".env.local").exists()
    assert not (new / "__pycache__").exists()
    assert (new / ".env.example").is_file()
    # Same permissions as its siblings (the staging directory starts private).
    assert (new.parent.stat().st_mode & 0o777) == ((repo / "services").stat().st_mode & 0o777)


def test_a_binary_file_in_the_template_is_named(repo: Path):
    (repo / "services/_template/backend/logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(
        HarnessError, match=r"services/_template/backend/logo.png:1: the template file is not UTF-8"
    ):
        scaffold.run(repo, "pest_alerts", dry_run=True)


def test_a_compose_file_without_services_is_named():
    comp = registry.Component("x", "backend", "services/x/backend", port=8003)
    with pytest.raises(HarnessError, match=r"^docker-compose.yml:1: no `services:` key, not a map"):
        compose_edit.add_components("", [comp], None)


BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 7)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x-app: &app {}\nservices:\n", ":2: `services:` is empty, not a mapping of services"),
        ("x-app: &app {}\nservices: web\n", ":2: `services:` is a string, not a mapping"),
        ("- web\n- db\n", ":1: the top level is a list, not a mapping of services"),
        ("x-app: &app {}\nservices:\n  web: *nowhere\n", ":3: found undefined alias 'nowhere'"),
        (BOMB, ":6: YAML aliases here expand to more than 200,000 nodes"),
    ],
)
def test_odd_but_readable_compose_files_are_named_at_their_line(text: str, expected: str):
    # Before: no line for a `services:` that is null or a string, "not valid YAML" without
    # the reason for an undefined alias, and an alias bomb went to ruamel unchecked.
    comp = registry.Component("x", "backend", "services/x/backend", port=8003)
    with pytest.raises(HarnessError) as refused:
        compose_edit.add_components(text, [comp], None)
    assert str(refused.value).startswith(f"docker-compose.yml{expected}"), refused.value


@pytest.mark.parametrize(
    "rel", ["docker-compose.yml", ".env.example", "docker-compose.override.yml.sample"]
)
def test_an_edited_file_that_is_not_text_is_named_and_nothing_written(repo: Path, rel: str):
    # Before: a UnicodeDecodeError traceback; a symlink to /dev/zero was read forever.
    before = _snapshot(repo)
    (repo / rel).write_bytes((repo / rel).read_bytes() + b"# caf\xe9\n")
    with pytest.raises(
        HarnessError, match=rf"^{re.escape(rel)}:\d+: the file to edit is not UTF-8"
    ):
        scaffold.run(repo, "pest_alerts")
    (repo / rel).unlink()
    (repo / rel).symlink_to("/dev/zero")
    with pytest.raises(
        HarnessError, match=rf"^{re.escape(rel)}: the file to edit is not a regular"
    ):
        scaffold.run(repo, "pest_alerts")
    (repo / rel).unlink()
    shutil.copy(REPO / rel, repo / rel)
    assert _snapshot(repo) == before
