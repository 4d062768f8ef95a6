"""JSON log lines: one object per line with the agreed keys."""

import json
import logging

import pytest

from annadata_common.logging import configure_logging


def test_log_line_is_json_with_extras(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("svc-test", "DEBUG")
    logging.getLogger("annadata.test").info("hello %s", "world", extra={"request_id": "r1"})
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["message"] == "hello world"
    assert record["level"] == "INFO"
    assert record["logger"] == "annadata.test"
    assert record["service"] == "svc-test"
    assert record["request_id"] == "r1"
    assert record["ts"].endswith("+00:00")


def test_level_filters_lower_levels(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("svc-test", "WARNING")
    logging.getLogger("annadata.test").info("hidden")
    assert capsys.readouterr().out == ""
