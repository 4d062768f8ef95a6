"""Entry point of `python -m harness`."""

import signal
import sys
from types import FrameType


def _quiet_exit(signum: int, frame: FrameType | None) -> None:
    # A signal while the modules below import: exit as interrupted, without a traceback.
    sys.exit(130)


signal.signal(signal.SIGINT, _quiet_exit)
signal.signal(signal.SIGTERM, _quiet_exit)

from harness.cli import main  # noqa: E402 - after the handlers, on purpose

sys.exit(main())
