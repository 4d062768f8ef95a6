"""Ten scaffolded services keep the whole lint and `docker compose config` clean (no Docker)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from harness import cli, lint, registry
from harness.lint import tools

from .conftest import ROOT

# Every shape the scaffold makes: plain, with a frontend, in a profile, both.
SHAPES = [[], ["--frontend"], ["--profile", "extras"], ["--frontend", "--profile", "extras"]]


def test_ten_services_lint_clean_with_unique_ports(checkout: Path):
    for i in range(10):
        assert cli.main(["--root", str(checkout), "new-service", f"idea_{i}", *SHAPES[i % 4]]) == 0

    found = lint.collect(checkout)
    assert [f.text() for f in found if f.level == "error"] == []

    config = subprocess.run(
        [tools.binary("docker-compose"), "--project-directory", str(checkout),
         "--env-file", str(checkout / ".env.example"), "--profile", "*",
         "config", "--format", "json"],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    services = json.loads(config)["services"]
    published = [p["published"] for s in services.values() for p in s.get("ports", [])]
    reg = registry.load(checkout)
    assert len(reg.services) == len(registry.load(ROOT).services) + 10
    assert set(services) == {c.compose_name for c in reg.components()} | set(reg.infrastructure)
    assert len(published) == len(set(published)), sorted(published)
