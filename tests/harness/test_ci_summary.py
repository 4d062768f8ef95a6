"""The CI step summary, from a reports/ directory written the way the sessions write it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import summary as ci_summary
from harness.errors import HarnessError

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


@pytest.mark.parametrize(
    ("rel", "content", "expected"),
    [
        ("build.json", b"[1, 2]\n",
         "reports/build.json:1: (top level): [1, 2] is not of type 'object': not what "
         "`nox -s build` writes; run it again, or delete the file"),
        ("build.json", b'{\n  "yield_api.backend": 3\n}\n',
         "reports/build.json:2: yield_api.backend: 3 is not of type 'object'"),
        ("build.json", b'{\n  "a": {"seconds": 1, "size_mb": 2},\n  "b": {"seconds": "x"}\n}\n',
         "reports/build.json:3: b: 'size_mb' is a required property"),
        ("build.json", b'{"a": {}', "reports/build.json:1:9: invalid JSON"),
        ("build.json", b"\xff", "reports/build.json:1: the report is not UTF-8 text"),
        ("contract/summary.json", b'"x"', "reports/contract/summary.json:1: (top level): 'x'"),
        ("contract/summary.json", b'{"yield_api": {"ok": "yes"}}',
         "reports/contract/summary.json:1: yield_api.ok: 'yes' is not of type 'boolean'"),
        ("junit/x.xml", b'<testsuite>\n<testcase name="a"',
         "reports/junit/x.xml:2: not well-formed XML (unclosed token): run the suite that "
         "wrote it again, or delete the file"),
        ("junit/x.xml", b"<html/>", "reports/junit/x.xml:1: not JUnit XML (its root is <html>)"),
        ("junit/x.xml", b'<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
         b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
         b'<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">'
         b'<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">'
         b']>\n<testsuite><testcase name="&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"/></testsuite>\n',
         "reports/junit/x.xml:3: not well-formed XML (limit on input amplification factor"),
    ],
)  # fmt: skip
def test_a_corrupt_report_is_one_line_naming_its_line(
    registry_root: Path, rel: str, content: bytes, expected: str
):
    # Before: tracebacks (TypeError, KeyError, UnicodeDecodeError) or a silent "0 tests".
    path = registry_root / "reports" / rel
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(HarnessError) as refused:
        ci_summary.markdown(registry_root)
    assert str(refused.value).startswith(expected), refused.value


def test_a_report_that_is_not_a_file_is_refused_not_read(registry_root: Path):
    junit = registry_root / "reports" / "junit"
    junit.mkdir(parents=True)
    (junit / "zero.xml").symlink_to("/dev/zero")  # before: read until memory ran out
    with pytest.raises(HarnessError, match=r"^reports/junit/zero.xml: the JUnit report is not a "):
        ci_summary.markdown(registry_root)
    (junit / "zero.xml").unlink()
    (junit / "dir.xml").mkdir()  # before: IsADirectoryError traceback
    with pytest.raises(HarnessError, match=r"^reports/junit/dir.xml: the JUnit report is not a "):
        ci_summary.markdown(registry_root)


def test_a_failed_summary_appends_nothing(registry_root: Path):
    import subprocess
    import sys

    (registry_root / "reports").mkdir()
    (registry_root / "reports" / "build.json").write_text("[]")
    out = registry_root / "summary.md"
    out.write_text("earlier step\n")
    done = subprocess.run(
        [sys.executable, "-m", "harness", "--root", str(registry_root), "summary",
         "--output", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("error: reports/build.json:1: ")
    assert out.read_text() == "earlier step\n"
