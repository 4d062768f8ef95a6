"""Container healthcheck: exit 0 if the worker heartbeat is fresh, 1 with a reason if not.

The engine runs it every few seconds while the worker is up: it reads its two settings from
the environment as config.Settings would (names in any case), without importing pydantic.
"""

import os
import sys
from pathlib import Path

from heartbeat import DEFAULT_MAX_AGE_S, DEFAULT_PATH, heartbeat_problem


def main() -> int:
    """Check HEARTBEAT_PATH against HEARTBEAT_MAX_AGE_S."""
    env = {name.upper(): value for name, value in os.environ.items()}
    path = env.get("HEARTBEAT_PATH", DEFAULT_PATH)
    max_age = env.get("HEARTBEAT_MAX_AGE_S", str(DEFAULT_MAX_AGE_S))
    try:
        problem = heartbeat_problem(Path(path), float(max_age))
    except ValueError:
        problem = f"HEARTBEAT_MAX_AGE_S={max_age!r}: not a number of seconds"
    if problem:
        print(f"unhealthy: {problem}")
        return 1
    print("healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
