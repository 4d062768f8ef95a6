"""One before/after pair per breaking rule, additive changes passing, and the major bump."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from harness.contract import breaking

# A small FastAPI-shaped document: $refs to components, Optional as anyOf [..., null].
BEFORE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "demo", "version": "1.2.0"},
    "paths": {
        "/api/v1/jobs": {
            "post": {
                "parameters": [
                    {"name": "dry_run", "in": "query", "required": False,
                     "schema": {"type": "boolean"}},
                    {"name": "unit", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["t_ha", "kg_ha"]}},
                ],
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/JobIn"}}},
                },
                "responses": {
                    "202": {"description": "queued", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/JobOut"}}}},
                    "422": {"description": "invalid"},
                },
            }
        },
        "/api/v1/models": {"get": {"responses": {"200": {"description": "ok"}}}},
    },
    "components": {
        "schemas": {
            "JobIn": {
                "type": "object",
                "required": ["model"],
                "properties": {
                    "model": {"type": "string", "enum": ["crop_yield", "weather"]},
                    "records": {"type": "array", "items": {"type": "object"}},
                    "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
            },
            "JobOut": {
                "type": "object",
                "required": ["job_id", "status"],
                "properties": {
                    "job_id": {"type": "string"},
                    "status": {"type": "string"},
                    "eta_s": {"type": "integer"},
                },
            },
        }
    },
}  # fmt: skip
JOBS = "/paths/~1api~1v1~1jobs/post"
BODY = f"{JOBS}/requestBody/content/application~1json/schema"
OUT = f"{JOBS}/responses/202/content/application~1json/schema"


def _after(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    after = copy.deepcopy(BEFORE)
    change(after)
    return after


def _job_in(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["components"]["schemas"]["JobIn"]


def _job_out(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["components"]["schemas"]["JobOut"]


def _post(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["paths"]["/api/v1/jobs"]["post"]


CASES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "api-removed-without-deprecation": (
        lambda s: s["paths"].pop("/api/v1/models"), "/paths/~1api~1v1~1models/get"),
    "response-success-status-removed": (
        lambda s: _post(s)["responses"].pop("202"), f"{JOBS}/responses/202"),
    "response-media-type-removed": (
        lambda s: _post(s)["responses"]["202"].update(content={"text/csv": {}}),
        f"{JOBS}/responses/202/content/application~1json"),
    "new-required-request-parameter": (
        lambda s: _post(s)["parameters"].append(
            {"name": "season", "in": "query", "required": True, "schema": {"type": "string"}}),
        f"{JOBS}/parameters/2"),
    "request-parameter-became-required": (
        lambda s: _post(s)["parameters"][0].update(required=True), f"{JOBS}/parameters/0"),
    "request-parameter-type-changed": (
        lambda s: _post(s)["parameters"][0].update(schema={"type": "integer"}),
        f"{JOBS}/parameters/0/schema"),
    "request-parameter-enum-value-removed": (
        lambda s: _post(s)["parameters"][1]["schema"].update(enum=["t_ha"]),
        f"{JOBS}/parameters/1/schema/enum"),
    "request-body-became-required": (
        lambda s: _post(s)["requestBody"].update(required=True), f"{JOBS}/requestBody"),
    "new-required-request-property": (
        lambda s: (_job_in(s)["properties"].update(season={"type": "string"}),
                   _job_in(s)["required"].append("season")),
        f"{BODY}/properties/season"),
    "request-property-became-required": (
        lambda s: _job_in(s)["required"].append("records"), f"{BODY}/properties/records"),
    "request-property-type-changed": (
        lambda s: _job_in(s)["properties"]["note"].update(
            anyOf=[{"type": "integer"}, {"type": "null"}]),
        f"{BODY}/properties/note"),
    "request-property-enum-value-removed": (
        lambda s: _job_in(s)["properties"]["model"].update(enum=["crop_yield"]),
        f"{BODY}/properties/model/enum"),
    "response-required-property-removed": (
        lambda s: (_job_out(s)["properties"].pop("status"),
                   _job_out(s)["required"].remove("status")),
        f"{OUT}/properties/status"),
    "response-property-became-optional": (
        lambda s: _job_out(s)["required"].remove("status"), f"{OUT}/properties/status"),
    "response-property-became-nullable": (
        lambda s: _job_out(s)["properties"].update(
            job_id={"anyOf": [{"type": "string"}, {"type": "null"}]}),
        f"{OUT}/properties/job_id"),
}  # fmt: skip


def test_every_rule_has_a_case():
    assert set(CASES) == set(breaking.RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_fires_on_its_change_alone_with_its_pointer(rule: str):
    change, where = CASES[rule]
    found = [f for f in breaking.compare(BEFORE, _after(change)) if f.breaking]
    assert [(f.rule, f.pointer) for f in found] == [(rule, where)]
    assert breaking.RULES[rule] in found[0].message


def test_additive_changes_are_info_not_breaking():
    def additive(s: dict[str, Any]) -> None:
        s["paths"]["/api/v1/health"] = {"get": {"responses": {"200": {"description": "ok"}}}}
        _post(s)["parameters"].append(
            {"name": "season", "in": "query", "required": False, "schema": {"type": "string"}}
        )
        _job_in(s)["properties"]["season"] = {"type": "string"}
        _job_out(s)["properties"]["queued_at"] = {"type": "string"}  # an optional response field
        _job_out(s)["required"].append("eta_s")  # a response promising more breaks nobody
        _post(s)["parameters"][1]["schema"]["enum"].append("q_acre")

    found = breaking.compare(BEFORE, _after(additive))
    assert [f for f in found if f.breaking] == []
    assert {f.rule for f in found} == {
        "api-added", "new-optional-request-parameter", "new-optional-request-property",
        "response-property-added",
    }  # fmt: skip


def test_removing_a_deprecated_operation_is_allowed():
    before = _after(lambda s: s["paths"]["/api/v1/models"]["get"].update(deprecated=True))
    after = _after(lambda s: s["paths"].pop("/api/v1/models"))
    assert [f for f in breaking.compare(before, after) if f.breaking] == []


def test_identical_documents_have_no_findings():
    assert breaking.compare(BEFORE, copy.deepcopy(BEFORE)) == []


@pytest.mark.parametrize(
    ("old", "new", "accepted"),
    [("1.2.0", "2.0.0", True), ("1.2.0", "1.3.0", False), ("v1", "v2", True), ("x", "2", False)],
)
def test_a_raised_major_version_accepts_breaking_changes(old: str, new: str, accepted: bool):
    assert breaking.major_raised({"info": {"version": old}}, {"info": {"version": new}}) is accepted
