"""Reading `st run`'s output: the stateful phase's figures and one repro line per failure."""

from __future__ import annotations

from pathlib import Path

from harness.contract import live

# A real run's output: the liar's forgetful notes (tests/contract), schemathesis 4.32.5.
OUTPUT = (Path(__file__).parent / "fixtures/schemathesis/stateful-failure.txt").read_text()


def test_the_stateful_phase_figures_are_read_from_the_output():
    assert live.stateful(OUTPUT) == live.Stateful(scenarios=7, links_covered=1, links_total=1)
    assert live.stateful(OUTPUT).text() == "7 (1/1 links)"


def test_a_run_without_a_stateful_phase_has_no_figures():
    without = "\n".join(line for line in OUTPUT.splitlines() if "Scenarios:" not in line)
    assert live.stateful(without) is None


def test_a_stateful_failure_is_one_repro_line_with_its_calls_in_order():
    assert live._repro_lines(OUTPUT) == [
        "Stateful tests: ST302 Created resource not found [404]: curl -X POST -H "
        "'Content-Type: application/json' -d '{\"text\": \"\"}' http://127.0.0.1:8000/api/v1/notes"
        " && curl -X GET http://127.0.0.1:8000/api/v1/notes/4"
    ]
