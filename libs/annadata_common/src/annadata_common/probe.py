"""Container healthcheck of a backend: `python -m annadata_common.probe [PATH]`.

Exits 0 when GET http://127.0.0.1:$UVICORN_PORT/PATH (default /health) answers 2xx within
3 s, else prints why and exits 1. Slim images have no curl, and one exec-form command
with no per-service arguments lets every backend share compose's healthcheck block.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

TIMEOUT_S = 3.0


def probe(url: str, timeout: float = TIMEOUT_S) -> str | None:
    """None when url answers 2xx, else the reason it did not."""
    try:
        # The URL is always http://127.0.0.1 built below, never user input.
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return None if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"


def main(argv: Sequence[str] | None = None) -> int:
    """Probe the local backend; print the reason and return 1 when it is not healthy."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = args[0] if args else "/health"
    url = f"http://127.0.0.1:{os.environ.get('UVICORN_PORT', '8000')}{path}"
    problem = probe(url)
    if problem:
        print(f"unhealthy: GET {url}: {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
