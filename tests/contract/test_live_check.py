"""The live check (schemathesis) catches a backend whose responses break its contract."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import paths, registry
from harness.contract import live
from harness.docker import compose, images
from harness.docker.prepare import prepare
from harness.docker.stack import Stack

ROOT = paths.repo_root(Path(__file__))
FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def liar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the liar backend, up on an ephemeral port; torn down afterwards."""
    reg = registry.load(ROOT)
    comp = reg.component("protein_engineering.backend")
    prepared = prepare(ROOT, reg, [comp])
    stack = Stack(
        ROOT,
        [FIXTURES / "compose.yml"],
        name=compose.unique_name("annadata-liar"),
        report_dir=tmp_path_factory.mktemp("liar"),
        run_env={
            "LIAR_IMAGE": f"{images.image_name(comp)}:{prepared.tag}",
            "LIAR_DIR": str(FIXTURES / "liar"),
        },
        wait_timeout=60,
    )
    with stack:
        yield f"http://127.0.0.1:{stack.host_port('liar', 8000)}"


def test_a_response_that_breaks_the_contract_fails_with_a_repro(liar: str, tmp_path: Path):
    report, repro, _ = live.schemathesis(
        FIXTURES / "liar" / "openapi.yaml", liar, tmp_path / "liar.xml", examples=5
    )
    assert report["test_cases"]["unique_failures"] >= 1
    assert any("Response violates schema" in line for line in repro), repro
    assert any(f"curl -X GET {liar}/api/v1/crop" in line for line in repro), repro
    assert "<failure" in (tmp_path / "liar.xml").read_text()


def test_the_same_service_against_an_honest_contract_passes(liar: str, tmp_path: Path):
    report, repro, done = live.schemathesis(
        FIXTURES / "honest.yaml", liar, tmp_path / "honest.xml", examples=5
    )
    assert report["test_cases"]["unique_failures"] == 0, done.stdout[-2000:]
    assert report["operations"]["tested"] == 1
    assert repro == []
