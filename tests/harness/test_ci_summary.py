"""The CI step summary, from a reports/ directory written the way the sessions write it."""

from __future__ import annotations

import json
from pathlib import Path

from harness import summary as ci_summary

SMOKE = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="3">
<testcase classname="t" name="test_health_is_ok_with_every_dependency[msp_mitra.backend]">
  <failure message="503">503</failure></testcase>
<testcase classname="t" name="test_docs_and_openapi_answer[msp_mitra.backend]"/>
<testcase classname="t" name="test_health_is_ok_with_every_dependency[yield_api.backend]"/>
</testsuite></testsuites>
"""


def test_the_table_shows_build_health_and_contract_per_component(registry_root: Path):
    reports = registry_root / "reports"
    (reports / "junit").mkdir(parents=True)
    (reports / "junit" / "smoke.xml").write_text(SMOKE)
    (reports / "build.json").write_text(json.dumps({
        "yield_api.backend": {"seconds": 11.84, "size_mb": 396},
    }))  # fmt: skip
    (reports / "contract").mkdir()
    (reports / "contract" / "summary.json").write_text(json.dumps({
        "yield_api": {"ok": True, "examples": 441, "stateful_scenarios": 30},
        "msp_mitra": {"ok": False, "failures": 2, "breaking": 1, "accepted": False, "drift": 0},
        "crop_calendar": {"ok": False, "failures": 0, "frontend": 1},
    }))  # fmt: skip
    text = ci_summary.markdown(registry_root)
    assert (
        "| yield_api.backend | 11.8 | 396 | passed | ok, 441 examples, 30 stateful scenarios |"
        in text
    )
    assert "| crop_calendar.backend | - | - | - | **1 frontend call unanswered** |" in text
    assert "| msp_mitra.backend | - | - | **failed** | **2 failures, 1 breaking** |" in text
    assert "| worker.worker | - | - | - |  |" in text
    assert "| smoke | 3 | 1 | 0 |" in text
    assert "- `smoke: test_health_is_ok_with_every_dependency[msp_mitra.backend]`" in text


def test_the_command_appends_to_the_output_file(registry_root: Path):
    import subprocess
    import sys

    out = registry_root / "summary.md"
    out.write_text("earlier step\n")
    subprocess.run(
        [sys.executable, "-m", "harness", "--root", str(registry_root), "summary",
         "--output", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert out.read_text().startswith("earlier step\n## Annadata gate\n")
