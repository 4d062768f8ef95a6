"""Service Dockerfiles are their template with only first-block ARG defaults changed."""

from __future__ import annotations

import shutil

import pytest

from harness import registry
from harness.docker import dockerfiles
from harness.errors import HarnessError

from .conftest import REPO

TEMPLATE = """# comment
ARG PYTHON_IMAGE=python:3.11-slim
ARG SERVICE_DIR=services/_template/backend
ARG SERVICE_PORT=8000

FROM ${PYTHON_IMAGE} AS base
ARG SERVICE_PORT=9999
"""


def test_render_changes_only_first_block_defaults():
    out = dockerfiles.render(
        TEMPLATE, {"SERVICE_DIR": "services/x/backend", "SERVICE_PORT": "8005"}
    )
    assert "ARG SERVICE_DIR=services/x/backend\n" in out
    assert "ARG SERVICE_PORT=8005\n" in out
    # The ARG inside a stage is not the first block: untouched.
    assert out.endswith("ARG SERVICE_PORT=9999\n")
    assert (
        out.replace("services/x/backend", "services/_template/backend").replace("=8005", "=8000")
        == TEMPLATE
    )


def test_render_refuses_an_arg_the_template_lacks():
    with pytest.raises(HarnessError, match="no `ARG ENTRYPOINT=` line before the first FROM"):
        dockerfiles.render(TEMPLATE, {"ENTRYPOINT": "app:app"}, "Dockerfile.python")


def test_frontend_proxies_to_its_backend_by_compose_name():
    reg = registry.load(REPO)
    args = dockerfiles.service_args(reg, reg.component("msp_mitra.frontend"))
    assert args == {
        "SERVICE_DIR": "services/msp_mitra/frontend",
        "SERVICE_PORT": "5173",
        "API_UPSTREAM": "msp_mitra-backend:8001",
    }


def test_committed_service_dockerfiles_match_their_templates():
    reg = registry.load(REPO)
    assert dockerfiles.drifted(REPO, reg) == []


def test_a_hand_edit_is_drift_and_write_repairs_it(registry_root):
    shutil.copytree(REPO / "infra/docker-templates", registry_root / "infra/docker-templates")
    reg = registry.load(registry_root)
    assert len(dockerfiles.write_all(registry_root, reg)) == len(reg.components())
    target = registry_root / "services/yield_api/backend/Dockerfile"
    target.write_text(target.read_text().replace("USER 10001:10001", "USER root"))
    assert dockerfiles.drifted(registry_root, reg) == ["services/yield_api/backend/Dockerfile"]
    assert dockerfiles.write_all(registry_root, reg) == ["services/yield_api/backend/Dockerfile"]
    assert dockerfiles.drifted(registry_root, reg) == []


def test_first_difference_points_at_the_edited_line(registry_root):
    shutil.copytree(REPO / "infra/docker-templates", registry_root / "infra/docker-templates")
    reg = registry.load(registry_root)
    dockerfiles.write_all(registry_root, reg)
    rel = "services/msp_mitra/backend/Dockerfile"
    lines = (registry_root / rel).read_text().splitlines()
    edited = lines.index("USER 10001:10001") + 1
    lines[edited - 1] = "USER root"
    (registry_root / rel).write_text("\n".join(lines) + "\n")
    assert dockerfiles.first_drifted_line(registry_root, reg, rel) == edited
