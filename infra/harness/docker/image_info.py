"""What the engine knows about a local image, read with `docker image inspect`."""

from __future__ import annotations

from harness import proc


def inspect(ref: str, fmt: str, run: proc.Runner = proc.run) -> str | None:
    """One Go-template field of a local image, or None when the image is absent."""
    done = run(["docker", "image", "inspect", "--format", fmt, ref], timeout=30)
    return done.stdout.strip() if done.ok else None


def label(ref: str, name: str, run: proc.Runner = proc.run) -> str | None:
    """A label's value on a local image ("" when unset), or None when the image is absent."""
    return inspect(ref, f'{{{{ index .Config.Labels "{name}" }}}}', run)


def size_mb(ref: str, run: proc.Runner = proc.run) -> float | None:
    """A local image's size in MB, or None when the image is absent."""
    size = inspect(ref, "{{.Size}}", run)
    return int(size) / 1e6 if size and size.isdigit() else None
