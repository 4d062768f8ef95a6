"""Where every command writes its reports (CI uploads reports/; the summary reads them)."""

from __future__ import annotations

from pathlib import Path

REPORTS_DIR = "reports"
JUNIT_DIR = "reports/junit"
BUILD = "reports/build.json"
SMOKE_DIR = "reports/smoke"
SMOKE_JUNIT = "reports/junit/smoke.xml"
CONTRACT_DIR = "reports/contract"
CONTRACT_SUMMARY = "reports/contract/summary.json"
K8S_DIR = "reports/k8s"
CHART_DIR = "reports/chart"
# One CycloneDX SBOM per published image (harness.sbom); the publish workflow attaches them.
SBOM_DIR = "reports/sbom"
PUBLISHED = "reports/publish.json"
# The formats `lint --format` and `audit --format` write (the command line offers them
# without importing the linters).
LINT_FORMATS = ("text", "json", "sarif")
AUDIT_FORMATS = ("md", "json")


def junit(root: Path, name: str) -> Path:
    """The JUnit XML file of one suite."""
    return root / JUNIT_DIR / f"{name}.xml"


def smoke_run(root: Path, project: str) -> Path:
    """Where one smoke run keeps its logs, override file and timings."""
    return root / SMOKE_DIR / project
