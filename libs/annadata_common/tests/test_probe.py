"""The container healthcheck against a real local HTTP server."""

import http.server
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


def test_closed_port_exits_one(port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UVICORN_PORT", "1")
    assert probe.main([]) == 1
