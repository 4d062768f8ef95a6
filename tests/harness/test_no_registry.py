"""No-registry mode: forced by the env var, or decided by one bounded probe."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from harness.bases import no_registry
from harness.errors import HarnessError


@pytest.mark.parametrize("value", ["1", "true", "on"])
def test_forced_on(value: str):
    mode = no_registry.decide({no_registry.FORCE_ENV: value}, probe=_must_not_probe)
    assert mode.on
    assert "forced" in mode.announcement()


@pytest.mark.parametrize("value", ["0", "false", "off"])
def test_forced_off(value: str):
    assert not no_registry.decide({no_registry.FORCE_ENV: value}, probe=_must_not_probe).on


def test_bad_value_is_refused():
    with pytest.raises(HarnessError, match=r"use 1 .* 0"):
        no_registry.decide({no_registry.FORCE_ENV: "maybe"}, probe=_must_not_probe)


def _must_not_probe(url: str) -> tuple[bool, str]:
    raise AssertionError(f"probed {url} although the mode was forced")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_registry_turns_the_mode_on():
    url = f"http://127.0.0.1:{_closed_port()}/v2/"
    mode = no_registry.decide({no_registry.PROBE_URL_ENV: url})
    assert mode.on
    assert url in mode.reason
    assert "ON" in mode.announcement()


@pytest.fixture
def fake_registry() -> Iterator[str]:
    """A local HTTP server answering /v2/ like a registry that wants a token (401)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(401 if self.path == "/v2/" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    # A short poll interval: shutdown() waits up to one interval.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_answering_registry_keeps_the_mode_off(fake_registry: str):
    mode = no_registry.decide({no_registry.PROBE_URL_ENV: f"{fake_registry}/v2/"})
    assert not mode.on
    assert "answered 401" in mode.reason


def test_something_that_is_not_a_registry_counts_as_unreachable(fake_registry: str):
    mode = no_registry.decide({no_registry.PROBE_URL_ENV: f"{fake_registry}/elsewhere/"})
    assert mode.on
    assert "answered 404" in mode.reason


def test_yes_and_no_are_read_alike_for_every_flag(monkeypatch: pytest.MonkeyPatch):
    # Before: ANNADATA_NO_PROVISION=false (any value but "" or "0") refused provisioning.
    from harness import envflags

    assert envflags.flag("X", {"X": " Off "}) is False
    assert envflags.flag("X", {"X": "YES"}) is True
    assert envflags.flag("X", {"X": ""}) is None
    assert envflags.flag("X", {}) is None
    with pytest.raises(HarnessError, match=r"^X='flase': use 1 \(yes\) or 0 \(no\)"):
        envflags.flag("X", {"X": "flase"})


@pytest.mark.parametrize("url", ["notaurl", "http://[::1", "ftp://mirror/v2/", "http:///v2/"])
def test_a_probe_url_that_is_not_http_is_refused_not_taken_for_an_outage(url: str):
    # Before: "notaurl" turned no-registry mode on ("unreachable"); "http://[::1" was a
    # traceback (httpx.InvalidURL).
    with pytest.raises(HarnessError, match=rf"^{no_registry.PROBE_URL_ENV}="):
        no_registry.decide({no_registry.PROBE_URL_ENV: url}, probe=_must_not_probe)


@pytest.mark.parametrize(
    ("text", "line"),
    [("# header\nPYTHON_IMAGE\n", 2), ("PYTHON_IMAGE=\n", 1), ("python image=x:y\n", 1)],
)
def test_an_edited_env_file_is_named_at_its_line(tmp_path, text: str, line: int):
    # Before: a line without `=` was a ValueError traceback; an empty value passed through.
    env_file = tmp_path / ".annadata" / "no-registry.env"
    env_file.parent.mkdir()
    env_file.write_text(text)
    with pytest.raises(HarnessError, match=rf"^\.annadata/no-registry\.env:{line}: expected NAME"):
        no_registry.image_env(tmp_path)


def test_the_env_file_bases_writes_reads_back(tmp_path):
    env_file = tmp_path / ".annadata" / "no-registry.env"
    env_file.parent.mkdir()
    env_file.write_text("# written by bases\n\nPYTHON_IMAGE=annadata-local/python:3.11-slim\n")
    assert no_registry.image_env(tmp_path) == {"PYTHON_IMAGE": "annadata-local/python:3.11-slim"}
