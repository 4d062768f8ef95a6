"""The request and response bases and IsoDate: what they accept, refuse and document."""

import datetime as dt
from enum import StrEnum

import pytest
from fastapi import FastAPI
from pydantic import Field, ValidationError

from annadata_common.schemas import IsoDate, RequestModel, ResponseModel, untyped_operations


class Crop(StrEnum):
    wheat = "wheat"


class Sample(RequestModel):
    ph: float
    crop: Crop = Field(strict=False)
    sampled_on: IsoDate


class Report(ResponseModel):
    ph: float
    sampled_on: IsoDate


GOOD = {"ph": 6, "crop": "wheat", "sampled_on": "2025-04-15"}


def test_a_good_request_is_read_with_typed_values():
    sample = Sample.model_validate(GOOD)
    assert (sample.ph, sample.crop, sample.sampled_on) == (6.0, Crop.wheat, dt.date(2025, 4, 15))


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("ph", "6.5", "float_type"),
        ("ph", True, "float_type"),
        ("ph", float("nan"), "finite_number"),
        ("crop", "rice", "enum"),
        ("extra", 1, "extra_forbidden"),
    ],
)
def test_a_request_refuses_coercion_nan_and_unknown_fields(field: str, value: object, error: str):
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({**GOOD, field: value})
    assert [e["type"] for e in caught.value.errors()] == [error]


@pytest.mark.parametrize(
    "value",
    ["2025-04-15T00:00:00", "20250415", "2025-W16-2", "15/04/2025", 0, 1744675200, "2025-02-30"],
)
def test_a_date_is_a_yyyy_mm_dd_string_of_a_real_day(value: object):
    with pytest.raises(ValidationError, match="sampled_on"):
        Sample.model_validate({**GOOD, "sampled_on": value})


def test_a_response_takes_a_date_object_and_writes_the_iso_string():
    report = Report(ph=6.5, sampled_on=dt.date(2025, 4, 15))
    assert report.model_dump(mode="json") == {"ph": 6.5, "sampled_on": "2025-04-15"}
    with pytest.raises(ValidationError):
        Report(ph=6.5, sampled_on=dt.datetime(2025, 4, 15, tzinfo=dt.UTC))


def test_both_bases_document_a_closed_object_and_the_date_format():
    for model in (Sample, Report):
        schema = model.model_json_schema()
        assert schema["additionalProperties"] is False
        assert schema["properties"]["sampled_on"] == {
            "format": "date", "title": "Sampled On", "type": "string"
        }  # fmt: skip


def test_untyped_operations_names_each_body_and_response_that_takes_any_object():
    app = FastAPI()

    @app.post("/typed")
    def typed(sample: Sample) -> Report:
        return Report(ph=sample.ph, sampled_on=sample.sampled_on)

    @app.get("/loose")
    def loose() -> dict[str, object]:
        return {}

    @app.get("/loose-list")
    def loose_list() -> list[dict[str, object]]:
        return []

    @app.get("/bare")
    def bare():  # the point: no annotation, no schema
        return 1

    assert untyped_operations(app.openapi()) == [
        "GET /loose 200", "GET /loose-list 200", "GET /bare 200"
    ]  # fmt: skip
