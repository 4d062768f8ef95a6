"""Print the audit's and adoption's figures: audit seconds, image sizes, adopted smoke time.

Usage: nox -s bench -- adopt [--no-docker]
- audit seconds (with the probe) on the largest corpus repository and on this checkout;
- with Docker: the plan monorepo adopted, `nox -s smoke` run in it (seconds), its images'
  sizes against the plan's example Dockerfile (bench/Dockerfile.plan-example) built on the
  same requirements; the images built here are removed afterwards. Asserts nothing.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import registry
from harness.adopt import audit, writer
from harness.bases import no_registry
from harness.docker import image_info, images

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests import adopt_corpus as corpus  # noqa: E402  (the corpus lives with the tests)

PLAN_IMAGE = "annadata-bench/plan-example:adopt"


def _timed_audit(path: Path, probe: bool = True) -> tuple[float, int]:
    started = time.perf_counter()
    found = audit.run_audit(path, use_probe=probe)
    return time.perf_counter() - started, found.files


def _python_base() -> list[str]:
    """The python stand-in as the plan example's base, in no-registry mode."""
    env = no_registry.image_env(ROOT) if no_registry.decide().on else {}
    return ["--build-arg", f"PYTHON_IMAGE={env['PYTHON_IMAGE']}"] if "PYTHON_IMAGE" in env else []


def main(argv: list[str]) -> int:
    """Print one line per figure."""
    with tempfile.TemporaryDirectory(prefix="annadata-bench-adopt-") as tmp:
        plan = corpus.plan_monorepo(Path(tmp) / "plan")
        seconds, files = _timed_audit(plan)
        print(f"audit plan_monorepo (largest corpus repo, probe on): {seconds:.1f}s, {files} files")
        seconds, files = _timed_audit(corpus.big_tree(Path(tmp) / "big"), probe=False)
        print(f"audit a 10,000-file tree (node_modules skipped, probe off): {seconds:.1f}s, "
              f"{files} files read")  # fmt: skip
        seconds, files = _timed_audit(ROOT)
        print(f"audit this repository (probe on): {seconds:.1f}s, {files} files")
        if "--no-docker" in argv:
            return 0
        writer.run(plan, say=lambda _line: None)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "nox", "-s", "smoke"], cwd=plan,
                              capture_output=True, text=True, check=False)  # fmt: skip
        # A fresh tree, but the engine may still hold builder-stage layers of an earlier run.
        print(f"smoke of the adopted two-service tree (fresh tree, builds included): "
              f"{time.perf_counter() - started:.1f}s, exit {done.returncode}")  # fmt: skip
        reg = registry.load(plan)
        try:
            for comp in reg.components():
                size = image_info.size_mb(f"{images.image_name(comp)}:dev")
                print(f"image {images.image_name(comp)}: {size:.0f} MB" if size else
                      f"image {images.image_name(comp)}: not built")  # fmt: skip
            built = subprocess.run(
                ["docker", "build", "--quiet", "--tag", PLAN_IMAGE, "--build-arg",
                 "SERVICE_DIR=.", *_python_base(), "--file",
                 str(ROOT / "bench/Dockerfile.plan-example"), str(plan / "protein_lab/backend")],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            size = image_info.size_mb(PLAN_IMAGE) if built.returncode == 0 else None
            print(
                f"plan's example Dockerfile on protein_lab/backend: "
                f"{f'{size:.0f} MB' if size else 'did not build: ' + built.stderr[-200:]}"
            )
        finally:
            for comp in reg.components():
                # Every tag of the tree's images (:dev and :<sha>), nothing else.
                tags = subprocess.run(
                    ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}",
                     images.image_name(comp)], capture_output=True, text=True, check=False,
                ).stdout.split()  # fmt: skip
                if tags:
                    subprocess.run(["docker", "image", "rm", "--force", *tags],
                                   capture_output=True, check=False)  # fmt: skip
            subprocess.run(["docker", "image", "rm", "--force", PLAN_IMAGE],
                           capture_output=True, check=False)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
