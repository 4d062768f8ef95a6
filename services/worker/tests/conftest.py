"""Put the worker directory on sys.path so its modules import from any working directory."""

import sys
from pathlib import Path

WORKER_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = WORKER_DIR.parents[1]
sys.path.insert(0, str(WORKER_DIR))
