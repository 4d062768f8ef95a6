"""The stack files adopt writes: the Annadata stack's shared blocks, then the adopted tree's own.

They are copied from this checkout's docker-compose.yml and .env.example, so an edit there
that would break an adopted stack fails here, without Docker or a corpus tree (the
adopt-corpus session then runs real ones).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness import registry, safeload
from harness.adopt import audit, stack_files
from harness.docker.compose import COMPOSE_FILE, ENV_TEMPLATE, OVERRIDE_SAMPLE
from harness.errors import HarnessError
from harness.lint import policy

# What the registry and the policy read besides the stack files (adopt copies them too).
READ = ("infra/schemas", "infra/docker-templates")


def _tree(root: Path, depends_on: list[str]) -> registry.Registry:
    """A tree with one foreign backend that depends_on infrastructure, and its stack files."""
    backend = {"directory": "jobs", "entrypoint": "main:app", "port": 8000, "health": "/health",
               "openapi": "/openapi.json", "requirements": "jobs/requirements.txt",
               "dockerfile": "infra/docker/jobs-backend/Dockerfile",
               "depends_on": depends_on}  # fmt: skip
    service = {"description": "a queue app", "components": {"backend": backend}}
    data = {"services": {"jobs": service}, "infrastructure": audit.infrastructure(depends_on)}
    (root / "jobs").mkdir()
    (root / "jobs/requirements.txt").write_text("fastapi==0.115.0\n")
    (root / "services.json").write_text(json.dumps(data))
    for rel in READ:
        shutil.copytree(stack_files.CHECKOUT / rel, root / rel)
    reg = registry.load(root)
    (root / COMPOSE_FILE).write_text(stack_files.compose(reg, "jobs"))
    (root / ENV_TEMPLATE).write_text(stack_files.env_example(reg, {}))
    (root / OVERRIDE_SAMPLE).write_text(stack_files.override_sample(reg))
    return reg


@pytest.mark.parametrize("depends_on", [[], ["postgres", "redis"]], ids=["bare", "postgres_redis"])
def test_the_stack_files_pass_the_policy(tmp_path: Path, depends_on: list[str]):
    _tree(tmp_path, depends_on)
    # Only the findings on the three stack files: the tree has no Dockerfile or spec (ANN001).
    found = [str(f) for f in policy.check(tmp_path)
             if f.path in (COMPOSE_FILE, ENV_TEMPLATE, OVERRIDE_SAMPLE)]  # fmt: skip
    assert found == []


def test_each_container_joins_only_the_networks_it_needs(tmp_path: Path):
    _tree(tmp_path, ["postgres", "redis"])
    services = safeload.load_yaml(tmp_path / COMPOSE_FILE, COMPOSE_FILE)["services"]
    assert services["jobs-backend"]["networks"] == ["jobs", "postgres", "redis"]
    assert services["postgres"]["networks"] == ["postgres"]
    # Traefik: its edge, the proxy's, and the adopted service's network (none of Annadata's).
    assert list(services["traefik"]["networks"]) == ["edge", "socket_proxy", "jobs"]
    assert "volumes" not in services["traefik"]


def test_a_foreign_app_gets_the_passwords_in_its_urls(tmp_path: Path):
    _tree(tmp_path, ["postgres", "redis"])
    services = safeload.load_yaml(tmp_path / COMPOSE_FILE, COMPOSE_FILE)["services"]
    env = services["jobs-backend"]["environment"]
    assert env["REDIS_URL"] == (
        "redis://:${REDIS_PASSWORD:?set REDIS_PASSWORD (cp .env.example .env)}@redis:6379/0"
    )
    # The user and database defaults are the shared credentials block's, whatever they are.
    assert env["DATABASE_URL"] == (
        f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{env['POSTGRES_DB']}"
    )


def test_blocks_keep_the_comments_above_a_key():
    text = "a: 1\n\n# about b\n# more\nb:\n  # inside\n  c: 2\n\nd: 3\n"
    found = stack_files.blocks(text, "x.yml")
    assert found["b"].comments == "# about b\n# more\n"
    assert found["b"].body == "b:\n  # inside\n  c: 2\n"
    assert stack_files.blocks(text, "x.yml", "b")["c"].text == "  # inside\n  c: 2\n"


def test_a_missing_shared_block_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    reg = _tree(tmp_path, [])
    source = tmp_path / "checkout"
    source.mkdir()
    text = (stack_files.CHECKOUT / COMPOSE_FILE).read_text()
    (source / COMPOSE_FILE).write_text(text.replace("x-hardened: &hardened", "x-other: &hardened"))
    monkeypatch.setattr(stack_files, "CHECKOUT", source)
    with pytest.raises(HarnessError, match=r"docker-compose.yml .*: no `x-hardened` block"):
        stack_files.compose(reg, "jobs")
