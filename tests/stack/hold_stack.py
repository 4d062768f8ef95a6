"""Bring a fixture stack up and hold it until a signal arrives: the signal tests' subject.

Usage: python hold_stack.py ROOT PROJECT REPORT_DIR IMAGE PROFILE WAIT_TIMEOUT
Prints UP once the stack is healthy; exits 130 after teardown when interrupted.
"""

import signal
import sys
import time
from pathlib import Path

from harness.docker.stack import Stack

FIXTURE = Path(__file__).parent / "fixtures" / "compose.yml"


def main(argv: list[str]) -> int:
    """Hold the stack; any way out goes through down()."""
    root, project, report, image, profile, wait = argv
    # As a terminal starts it: a gate launched in the background (`nox ... &`) hands its
    # children SIGINT ignored, and Ctrl-C is what this holder is here to receive.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    stack = Stack(
        Path(root),
        [FIXTURE],
        name=project,
        report_dir=Path(report),
        run_env={"PROBE_IMAGE": image},
        profiles=[profile] if profile != "default" else [],
        wait_timeout=int(wait),
    )
    try:
        stack.up()
        print("UP", flush=True)
        time.sleep(600)
    except KeyboardInterrupt:
        print("INTERRUPTED", flush=True)
        return 130
    finally:
        stack.down()
        print("DOWN", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
