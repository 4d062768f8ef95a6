"""The doctor's table and port check."""

from __future__ import annotations

import socket

from harness import doctor


def test_port_free_sees_a_listener():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not doctor.port_free(port)
    assert doctor.port_free(port)


def test_render_puts_a_fix_under_rows_that_are_not_ok():
    rows = [
        doctor.Row("docker engine", "ok", "engine 20.10"),
        doctor.Row("host ports", "warn", "taken: 8000", "stop what holds them"),
    ]
    text = doctor.render(rows)
    assert "-> stop what holds them" in text
    assert text.count("->") == 1
    assert not doctor.failed(rows)
    assert doctor.failed([*rows, doctor.Row("free disk", "fail", "1 GB", "free space")])


def test_bad_settings_and_recipes_are_rows_not_an_abort(registry_root, monkeypatch):
    # Before: ANNADATA_NO_REGISTRY=maybe or a broken stand-ins.toml ended the doctor with one
    # error, hiding every other row.
    from .conftest import FakeDocker, ok

    (registry_root / "infra/bases").mkdir(parents=True)
    (registry_root / "infra/bases/stand-ins.toml").write_text("[debian]\ntag = 3\n")
    monkeypatch.setenv("ANNADATA_NO_REGISTRY", "maybe")
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    fake = FakeDocker({("docker", "version"): ok("27.0.0 27.0.0"), ("docker",): ok("2.29.0")})
    rows = {r.check: r for r in doctor.check(registry_root, run=fake, say=lambda _: None)}
    assert rows["container registry"].status == "fail"
    assert rows["container registry"].fix.startswith("ANNADATA_NO_REGISTRY='maybe': use 1")
    assert rows["stand-in images"].fix.startswith(
        "infra/bases/stand-ins.toml:1: [debian]: 'provides'"
    )
    assert rows["service registry"].status == "ok"
    assert doctor.failed(list(rows.values()))
