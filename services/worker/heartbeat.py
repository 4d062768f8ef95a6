"""Heartbeat file: the worker writes a timestamp, the healthcheck judges its age."""

import threading
import time
from pathlib import Path

# The settings' defaults (config.Settings): here, so the healthcheck reads them without
# importing the settings (pydantic takes most of a check's 0.3 s of CPU).
DEFAULT_PATH = "/tmp/worker-heartbeat"  # noqa: S108 - a container-local file
DEFAULT_MAX_AGE_S = 30.0


def write_heartbeat(path: Path, now: float | None = None) -> None:
    """Atomically write the current Unix time to path."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{time.time() if now is None else now:.3f}\n", encoding="utf-8")
    tmp.replace(path)  # rename is atomic, so a reader never sees a half-written file


def heartbeat_problem(path: Path, max_age_s: float, now: float | None = None) -> str | None:
    """None if the heartbeat is fresh, else a one-line reason."""
    try:
        written = float(path.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        return f"no heartbeat file at {path} (worker not started?)"
    except (OSError, ValueError) as exc:
        return f"unreadable heartbeat file {path}: {exc}"
    age = (time.time() if now is None else now) - written
    if age > max_age_s:
        return f"heartbeat is {age:.1f}s old (limit {max_age_s}s) in {path}: worker stalled?"
    return None


class HeartbeatThread(threading.Thread):
    """Daemon thread writing the heartbeat every interval until stopped."""

    def __init__(self, path: Path, interval_s: float) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self.path = path
        self.interval_s = interval_s
        self.stopped = threading.Event()

    def run(self) -> None:
        """Write, then wait; stop promptly when asked."""
        while not self.stopped.is_set():
            write_heartbeat(self.path)
            self.stopped.wait(self.interval_s)

    def stop(self) -> None:
        """Ask the thread to end."""
        self.stopped.set()
