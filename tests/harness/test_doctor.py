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
