"""The throwaway stack's pure parts: compose argv, the per-run override, failure wording."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from harness import proc
from harness.docker import compose, owners, stack
from harness.docker.stack import Stack, StackError
from harness.errors import HarnessError

from .conftest import FakeDocker, ok

CONFIG = {
    "services": {
        "api": {
            "ports": [{"target": 8001, "published": "8001", "host_ip": "127.0.0.1"}],
            "healthcheck": {"test": ["CMD", "true"], "interval": "10s"},
        },
        "proxy": {"ports": [{"target": 80}, {"target": 8080}, {"target": 80}]},
        "job": {},
    }
}


def test_project_argv_is_a_list_with_every_option():
    project = compose.Project(
        Path("/repo"),
        "p-1",
        (Path("/repo/a.yml"), Path("/r/o.yml")),
        (Path("/repo/.env"),),
        ("ml",),
    )
    assert project.argv("up", "--wait") == [
        "docker", "compose", "--project-name", "p-1", "--project-directory", "/repo",
        "--file", "/repo/a.yml", "--file", "/r/o.yml", "--env-file", "/repo/.env",
        "--profile", "ml", "up", "--wait",
    ]  # fmt: skip


def test_unique_names_differ():
    assert compose.unique_name("x") != compose.unique_name("x")


def test_override_makes_every_published_port_ephemeral_and_nothing_restart(tmp_path: Path):
    path = tmp_path / "override.yml"
    stack.write_yaml(stack.override_for(CONFIG), path)
    text = path.read_text()
    assert "ports: !override" in text  # replaces, not appends to, the base file's ports
    assert 'restart: "no"' in text
    assert "env_file: !reset []" in text  # a developer's per-service .env is not read
    data = YAML(typ="safe").load(io.StringIO(text.replace("!override", "").replace("!reset", "")))
    services = data["services"]
    assert services["api"]["ports"] == ["127.0.0.1::8001"]
    assert services["proxy"]["ports"] == ["127.0.0.1::80", "127.0.0.1::8080"]
    assert "ports" not in services["job"]
    assert "test: !override" in text  # the check is replaced, not merged into
    check = services["api"]["healthcheck"]
    assert (check["interval"], check["timeout"], check["test"][0]) == ("2s", "38s", "CMD-SHELL")
    assert "healthcheck" not in services["proxy"]  # none to speed up: do not invent one


def test_a_subset_run_leaves_the_networks_where_no_peer_runs(tmp_path: Path):
    # The shape of ours: a proxy on every service's network, a database on one of them.
    config = {
        "services": {
            "proxy": {"networks": {"edge": {"aliases": ["proxy-edge"]}, "a": None, "b": None}},
            "a-backend": {"networks": {"a": None, "db": None}},
            "a-frontend": {"networks": {"a": None}},
            "b-backend": {"networks": {"b": None, "db": None}},
            "db": {"networks": {"db": None}},
        }
    }
    path = tmp_path / "override.yml"
    stack.write_yaml(stack.override_for(config, ["proxy", "a-backend", "db"]), path)
    text = path.read_text()
    assert "networks: !override" in text  # replaces the base file's map, not merged into it
    services = YAML(typ="safe").load(
        io.StringIO(text.replace("!override", "").replace("!reset", ""))
    )["services"]
    # b's network: its one other member is not started. edge: the proxy's alone, kept.
    assert services["proxy"]["networks"] == {"edge": {"aliases": ["proxy-edge"]}, "a": {}}
    # Each network of a-backend has a running peer (the proxy, the database): unchanged.
    assert "networks" not in services["a-backend"]
    assert "networks" not in services["db"]
    # A service none of whose networks has a running peer keeps them: with none, compose
    # would put it on a default network.
    alone = stack.override_for(config, ["b-backend"])["services"]
    assert "networks" not in alone["b-backend"]
    # The whole stack (no subset): every network stays as the compose file has it.
    whole = stack.override_for(config)["services"]
    assert all("networks" not in entry for entry in whole.values())


def _ps(*containers: dict) -> str:
    return "\n".join(json.dumps(c) for c in containers)


def test_a_failed_up_names_the_exited_service_not_the_healthy_one(tmp_path: Path):
    said: list[str] = []
    fake = FakeDocker(
        {
            ("docker", "compose"): ok(),
            ("docker", "inspect"): ok("null"),
        }
    )
    s = Stack(tmp_path, [tmp_path / "c.yml"], name="p", report_dir=tmp_path / "r", run=fake,
              say=said.append)  # fmt: skip
    ps = _ps(
        {"Service": "db", "State": "running", "Health": "healthy", "ID": "1"},
        {"Service": "api", "State": "exited", "Health": "", "ExitCode": 3, "ID": "2"},
        {"Service": "web", "State": "created", "Health": "", "ExitCode": 0, "ID": "3"},
    )
    fake.answers[("docker", "compose", "--project-name", "p", "--project-directory",
                  str(tmp_path), "--file", str(tmp_path / "c.yml"), "ps")] = ok(ps)  # fmt: skip
    headline = s._diagnose(proc.Result((), 1, "", "container p-api-1 exited (3)"))
    assert headline.startswith("stack p: a service failed to start: api exited (3) ")
    assert "db" not in headline
    assert "web" not in headline  # waiting on api: an effect, shown in the ps table only
    assert "--- api: exited (3)" in "\n".join(said)


def test_an_oom_killed_service_is_named_with_the_fix(tmp_path: Path):
    fake = FakeDocker(
        {
            ("docker", "compose"): ok(),
            ("docker", "inspect"): ok(json.dumps({"OOMKilled": True, "ExitCode": 137})),
        }
    )
    s = Stack(tmp_path, [tmp_path / "c.yml"], name="p", report_dir=tmp_path / "r", run=fake,
              say=lambda _line: None)  # fmt: skip
    ps = _ps({"Service": "web", "State": "restarting", "Health": "", "ExitCode": 137, "ID": "9"})
    fake.answers[("docker", "compose", "--project-name", "p", "--project-directory",
                  str(tmp_path), "--file", str(tmp_path / "c.yml"), "ps")] = ok(ps)  # fmt: skip
    headline = s._diagnose(proc.Result((), 1, "", "container p-web-1 is restarting"))
    assert "web killed by the OOM killer: raise its memory limit" in headline


def test_a_project_that_already_exists_is_refused_and_left_alone(tmp_path: Path, monkeypatch):
    # `--project-name annadata` once pointed a run's teardown at the dev stack's volume.
    monkeypatch.setattr(owners, "records_dir", lambda: tmp_path / "owners")
    fake = FakeDocker(
        {
            ("docker", "ps"): ok("c0ffee\n"),
            ("docker", "network", "ls"): ok(""),
            ("docker", "volume", "ls"): ok("annadata_pgdata\n"),
        }
    )
    s = Stack(tmp_path, [tmp_path / "c.yml"], name="annadata", report_dir=tmp_path / "r",
              run=fake, say=lambda _line: None)  # fmt: skip
    with pytest.raises(StackError) as refused, s:
        pytest.fail("the stack must not come up")
    message = str(refused.value)
    assert message.startswith("compose project 'annadata' already exists (1 containers, 1 volumes)")
    assert "\n" not in message
    # Nothing was run against the project: no up, no down, no removal.
    assert not [c for c in fake.calls if c[:2] == ("docker", "compose") or "rm" in c]
    assert not (tmp_path / "owners").exists() or not list((tmp_path / "owners").iterdir())


def test_an_orphaned_stack_is_removed_and_a_live_one_is_not(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(owners, "records_dir", lambda: tmp_path)
    owners.record("live-run")  # this process: alive
    (tmp_path / "dead-run.json").write_text(json.dumps({"pid": 2**22 + 1, "start": "1"}))
    (tmp_path / "reused-pid.json").write_text(json.dumps({"pid": os.getpid(), "start": "0"}))
    fake = FakeDocker(
        {
            ("docker", "ps"): ok("c1\n"),
            ("docker", "network", "ls"): ok("n1\n"),
            ("docker", "volume", "ls"): ok(""),
            ("docker", "rm"): ok(),
            ("docker", "network", "rm"): ok(),
        }
    )
    said: list[str] = []
    assert owners.reap(fake, said.append) == ["dead-run", "reused-pid"]
    assert ("docker", "rm", "--force", "--volumes", "c1") in fake.calls
    assert ("docker", "network", "rm", "n1") in fake.calls
    assert len(said) == 2
    assert [p.stem for p in tmp_path.glob("*.json")] == ["live-run"]


def test_a_report_directory_that_is_a_file_is_one_line_and_nothing_is_left(
    tmp_path: Path, monkeypatch
):
    # Before: a FileExistsError traceback out of `up` (the stack's teardown still ran).
    monkeypatch.setattr(owners, "records_dir", lambda: tmp_path / "owners")
    fake = FakeDocker(
        {("docker", "ps"): ok(""), ("docker", "network", "ls"): ok(""),
         ("docker", "volume", "ls"): ok("")}
    )  # fmt: skip
    (tmp_path / "reports").write_text("a file where the directory goes")
    s = Stack(tmp_path, [tmp_path / "c.yml"], name="p", report_dir=tmp_path / "reports" / "p",
              run_env={"A": "1"}, run=fake, say=lambda _line: None)  # fmt: skip
    with pytest.raises(HarnessError) as refused, s:
        pytest.fail("the stack must not come up")
    assert str(refused.value).startswith(f"{tmp_path}/reports/p: cannot create the report dir")
    assert "is a file, not a directory" in str(refused.value)
    assert not [c for c in fake.calls if "up" in c]
    assert list((tmp_path / "owners").iterdir()) == []  # released: nothing to reap


def test_a_build_report_of_the_wrong_shape_is_replaced_not_a_traceback(tmp_path: Path):
    # Before: a list (or non-UTF-8 bytes) in reports/build.json failed the build at its end.
    from harness.docker import images

    built = images.Built("yield_api.backend", "annadata/x:1", 1.04, 300.0, 200.0, True)
    for content in (b"[1, 2]", b"\xff", b'{"a": 1'):
        (tmp_path / "reports").mkdir(exist_ok=True)
        (tmp_path / "reports" / "build.json").write_bytes(content)
        images.record(tmp_path, [built])
        data = json.loads((tmp_path / "reports" / "build.json").read_text())
        assert data == {"yield_api.backend": {"image": "annadata/x:1", "seconds": 1.0,
                        "size_mb": 300, "base_mb": 200, "cached": True}}  # fmt: skip


def test_suite_timings_that_are_not_ours_are_ignored(tmp_path: Path):
    from harness import smoke

    for content in (b"[1]", b"\xff", b'{"up": "x", "down": 2}'):
        (tmp_path / smoke.TIMINGS_FILE).write_bytes(content)
        assert smoke._suite_timings(tmp_path) in ({}, {"down": 2.0})
    assert smoke._suite_timings(tmp_path / "absent") == {}


def test_logs_that_cannot_be_saved_do_not_stop_the_teardown(tmp_path: Path, monkeypatch):
    # Before: an OSError from the log directory skipped `compose down`: the stack leaked.
    monkeypatch.setattr(owners, "records_dir", lambda: tmp_path / "owners")
    fake = FakeDocker(
        {("docker", "ps"): ok(""), ("docker", "network", "ls"): ok(""),
         ("docker", "volume", "ls"): ok(""), ("docker", "compose"): ok('{"Service": "web"}')}
    )  # fmt: skip
    blocked = tmp_path / "r" / "logs"
    blocked.parent.mkdir()
    blocked.write_text("a file where the log directory goes")

    def run(argv: list[str], **options: object) -> proc.Result:
        if options.get("log") is not None:
            return proc.run(["true"], log=Path(str(options["log"])))  # the real log handling
        return fake(argv, **options)

    said: list[str] = []
    s = Stack(tmp_path, [tmp_path / "c.yml"], name="p", report_dir=tmp_path / "r", run=run,
              isolated=False, say=said.append)  # fmt: skip
    s._claim()
    s.down()
    assert any(c[:2] == ("docker", "compose") and "down" in c for c in fake.calls)
    assert [line for line in said if "logs not saved" in line] == [
        f"stack p: logs not saved: {blocked}: cannot create the log directory ({blocked} is a "
        "file, not a directory): move what is in the way, or make its parent writable, then run "
        "again"
    ]


def test_a_compose_alias_bomb_or_a_dev_zero_env_file_never_reaches_compose(
    tmp_path: Path, monkeypatch
):
    # Before: `compose config` expanded the aliases (gigabytes) or read /dev/zero forever.
    monkeypatch.setattr(owners, "records_dir", lambda: tmp_path / "owners")
    fake = FakeDocker({("docker",): ok("")})
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 7)
    )
    (tmp_path / "c.yml").write_text(bomb)
    (tmp_path / ".env").symlink_to("/dev/zero")
    s = Stack(tmp_path, [tmp_path / "c.yml"], name="p", report_dir=tmp_path / "r", run=fake,
              say=lambda _line: None)  # fmt: skip
    with pytest.raises(HarnessError, match=r"^c.yml:6: YAML aliases here expand"), s:
        pytest.fail("the stack must not come up")
    (tmp_path / "c.yml").write_text("services: {}\n")
    s = Stack(tmp_path, [tmp_path / "c.yml"], name="p", report_dir=tmp_path / "r", run=fake,
              env_files=[tmp_path / ".env"], say=lambda _line: None)  # fmt: skip
    with pytest.raises(HarnessError, match=r"^\.env: the env file is not a regular file"), s:
        pytest.fail("the stack must not come up")
    assert fake.calls == []


def test_one_compose_logs_output_is_split_by_service():
    containers = [
        {"Name": "p-1-web-1", "Service": "web"}, {"Name": "p-1-web-2", "Service": "web"},
        {"Name": "fixed-name", "Service": "db"}, {"Name": "p-1-quiet-1", "Service": "quiet"},
    ]  # fmt: skip
    text = (
        "WARN compose's own line\n"
        "web-1       | a | b\n"
        "fixed-name  | ready\n"
        "  a continuation\n"
        "web-2       | c\n"
    )
    assert list(stack.split_logs(text.splitlines(keepends=True), containers, "p-1")) == [
        (None, "WARN compose's own line\n"),
        ("web", "web-1       | a | b\n"),
        ("db", "fixed-name  | ready\n"),
        ("db", "  a continuation\n"),
        ("web", "web-2       | c\n"),
    ]


def test_a_layered_file_ups_the_same_project_again_after_saving_its_logs(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(owners, "records_dir", lambda: tmp_path / "owners")
    # `[]`: an empty config to `compose config` and no containers to `compose ps`.
    fake = FakeDocker({("docker",): ok(""), ("docker", "compose"): ok("[]")})
    base, hot, bomb = tmp_path / "c.yml", tmp_path / "hot.yml", tmp_path / "bomb.yml"
    base.write_text("services: {}\n")
    hot.write_text("services: {}\n")
    bomb.write_text(
        "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 7))
    )
    s = Stack(tmp_path, [base], name="p", report_dir=tmp_path / "r", isolated=False, run=fake,
              say=lambda _line: None)  # fmt: skip
    with s:
        with pytest.raises(HarnessError, match=r"^bomb.yml:6: YAML aliases here expand"):
            s.layer(bomb)
        s.layer(hot)
    ups = [c for c in fake.calls if "up" in c]
    # The same project, its files grown by the layer; the bad file never reached compose.
    assert [c[c.index("--project-name") + 1] for c in ups] == ["p", "p"]
    assert [[c[i + 1] for i, a in enumerate(c) if a == "--file"] for c in ups] == [
        [str(base)], [str(base), str(hot)]
    ]  # fmt: skip
    assert not [c for c in fake.calls if str(bomb) in c]
    # The logs saved before the layer's `up` replaced the containers.
    first_logs = next(i for i, c in enumerate(fake.calls) if "logs" in c)
    assert first_logs < fake.calls.index(ups[1])
    assert (tmp_path / "r" / "logs-before-hot.yml").is_dir()
    # Torn down with the layer too, and not layered again once down.
    (down,) = [c for c in fake.calls if "down" in c]
    assert str(hot) in down
    with pytest.raises(HarnessError, match=r"^stack p: not up, nothing to layer hot.yml on"):
        s.layer(hot)


def test_logs_that_cannot_be_saved_do_not_stop_a_layer(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(owners, "records_dir", lambda: tmp_path / "owners")
    fake = FakeDocker({("docker",): ok(""), ("docker", "compose"): ok("[]")})
    hot = tmp_path / "hot.yml"
    hot.write_text("services: {}\n")
    blocked = tmp_path / "r" / "logs-before-hot.yml"
    said: list[str] = []
    s = Stack(tmp_path, [tmp_path / "c.yml"], name="p", report_dir=tmp_path / "r", run=fake,
              isolated=False, say=said.append)  # fmt: skip
    with s:
        blocked.write_text("a file where the log directory goes")
        s.layer(hot)
        assert len([c for c in fake.calls if "up" in c]) == 2
    assert [line for line in said if "logs not saved" in line] == [
        f"stack p: logs not saved: {blocked}: cannot create the log directory ({blocked} is a "
        "file, not a directory): move what is in the way, or make its parent writable, then run "
        "again"
    ]
