"""Container healthcheck: exit 0 if the worker heartbeat is fresh, 1 with a reason if not."""

import sys
from pathlib import Path

from config import Settings
from heartbeat import heartbeat_problem


def main() -> int:
    """Check HEARTBEAT_PATH against HEARTBEAT_MAX_AGE_S."""
    settings = Settings()
    problem = heartbeat_problem(Path(settings.heartbeat_path), settings.heartbeat_max_age_s)
    if problem:
        print(f"unhealthy: {problem}")
        return 1
    print("healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
