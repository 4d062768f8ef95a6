"""The container healthcheck against a real local HTTP server."""

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from annadata_common import probe


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    # shutdown() waits for serve_forever's next poll: 0.5 s by default.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_healthy_endpoint_exits_zero(port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UVICORN_PORT", str(port))
    assert probe.main([]) == 0


def test_503_exits_one_and_says_why(
    port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("UVICORN_PORT", str(port))
    assert probe.main(["/ready"]) == 1
    assert f"GET http://127.0.0.1:{port}/ready: HTTP 503" in capsys.readouterr().out


def test_closed_port_exits_one_and_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("UVICORN_PORT", "1")
    assert probe.main([]) == 1
    assert "/health: ConnectionRefusedError: Connection refused" in capsys.readouterr().out


@pytest.fixture
def raw_server() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP server that answers each connection with the next queued bytes (none: silence)."""
    answers: list[bytes] = []
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(1024)
                if answers:
                    conn.sendall(answers.pop(0))
                else:
                    conn.recv(1024)  # holds the connection until the client gives up

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1], answers
    server.close()


def test_an_answer_that_is_not_http_is_named(raw_server: tuple[int, list[bytes]]) -> None:
    port, answers = raw_server
    answers.append(b"SSH-2.0-OpenSSH_9.2\r\n")
    assert probe.probe(port, "/health") == "not an HTTP answer: b'SSH-2.0-OpenSSH_9.2\\r\\n'"


def test_a_2xx_after_http_1_0_is_healthy(raw_server: tuple[int, list[bytes]]) -> None:
    port, answers = raw_server
    answers += [b"HTTP/1.0 204 No Content\r\n\r\n", b"HTTP/1.1 302 Found\r\n\r\n"]
    assert probe.probe(port, "/health") is None
    assert probe.probe(port, "/health") == "HTTP 302"


def test_a_silent_server_times_out(raw_server: tuple[int, list[bytes]]) -> None:
    port, _ = raw_server
    assert probe.probe(port, "/health", timeout=0.2) == "TimeoutError: timed out"


@pytest.mark.parametrize("value", ["http", "65536", "0"])
def test_a_port_that_is_not_a_port_is_named(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("UVICORN_PORT", value)
    assert probe.main([]) == 1
    assert f"UVICORN_PORT={value!r}: not a port" in capsys.readouterr().out


def test_a_status_that_is_not_three_digits_is_not_http(raw_server: tuple[int, list[bytes]]) -> None:
    port, answers = raw_server
    answers.append(b"HTTP/1.1 2\r\n\r\n")
    assert probe.probe(port, "/health") == "not an HTTP answer: b'HTTP/1.1 2\\r\\n'"
