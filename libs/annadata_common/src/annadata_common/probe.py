"""Container healthcheck of a backend: `python -m annadata_common.probe [PATH]`.

Exits 0 when GET http://127.0.0.1:$UVICORN_PORT/PATH (default /health) answers 2xx within
3 s, else prints why and exits 1. Slim images have no curl, and one exec-form command
with no per-service arguments lets every backend share compose's healthcheck block.

It speaks HTTP over a bare socket on purpose: the engine runs it every few seconds in every
backend for as long as a stack is up. Measured in a backend container: 84 ms of CPU per
check with urllib (it imports http.client, email and ssl), 47 ms with the socket.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Sequence

TIMEOUT_S = 3.0
HOST = "127.0.0.1"
# Enough for any status line; a longer first line is not HTTP.
STATUS_LINE_MAX = 256


def probe(port: int, path: str, timeout: float = TIMEOUT_S) -> str | None:
    """None when GET path on the local port answers 2xx, else the reason it did not."""
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n"
    try:
        with socket.socket() as conn:
            conn.settimeout(timeout)
            # bytes: a str host would import the idna codec only to encode an IP address.
            conn.connect((HOST.encode(), port))
            conn.sendall(request.encode("ascii"))
            with conn.makefile("rb") as answer:
                status_line = answer.readline(STATUS_LINE_MAX)
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    version, _, rest = status_line.partition(b" ")
    code = rest[:3]
    if not version.startswith(b"HTTP/") or not (len(code) == 3 and code.isdigit()):
        return f"not an HTTP answer: {status_line[:80]!r}"
    return None if code.startswith(b"2") else f"HTTP {code.decode()}"


def main(argv: Sequence[str] | None = None) -> int:
    """Probe the local backend; print the reason and return 1 when it is not healthy."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = args[0] if args else "/health"
    port = os.environ.get("UVICORN_PORT", "8000")
    url = f"http://{HOST}:{port}{path}"
    if port.isdigit() and 0 < int(port) < 65536:
        problem = probe(int(port), path)
    else:
        problem = f"UVICORN_PORT={port!r}: not a port"
    if problem:
        print(f"unhealthy: GET {url}: {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
