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


# Tightened request constraints: rule suffix -> (schema before, schema after, the keyword).
# Each pair is tried on a query parameter and on a body property (request-parameter-* and
# request-property-*), the other of the two keeping a plain schema.
TIGHTENED: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    "max-decreased": ({"type": "integer", "maximum": 100}, {"type": "integer", "maximum": 50},
                      "maximum"),
    "max-set": ({"type": "integer"}, {"type": "integer", "maximum": 100}, "maximum"),
    "exclusive-max-decreased": ({"type": "number", "exclusiveMaximum": 60},
                                {"type": "number", "exclusiveMaximum": 45}, "exclusiveMaximum"),
    "exclusive-max-set": ({"type": "number"}, {"type": "number", "exclusiveMaximum": 60},
                          "exclusiveMaximum"),
    "min-increased": ({"type": "integer", "minimum": 1}, {"type": "integer", "minimum": 5},
                      "minimum"),
    "min-set": ({"type": "integer"}, {"type": "integer", "minimum": 1}, "minimum"),
    "exclusive-min-increased": ({"type": "number", "exclusiveMinimum": 0},
                                {"type": "number", "exclusiveMinimum": 0.5}, "exclusiveMinimum"),
    "exclusive-min-set": ({"type": "number"}, {"type": "number", "exclusiveMinimum": 0},
                          "exclusiveMinimum"),
    "max-length-decreased": ({"type": "string", "maxLength": 40},
                             {"type": "string", "maxLength": 20}, "maxLength"),
    "max-length-set": ({"type": "string"}, {"type": "string", "maxLength": 40}, "maxLength"),
    "min-length-increased": ({"type": "string", "minLength": 1},
                             {"type": "string", "minLength": 3}, "minLength"),
    "min-length-set": ({"type": "string"}, {"type": "string", "minLength": 1}, "minLength"),
    "max-items-decreased": ({"type": "array", "items": {"type": "string"}, "maxItems": 16},
                            {"type": "array", "items": {"type": "string"}, "maxItems": 7},
                            "maxItems"),
    "max-items-set": ({"type": "array", "items": {"type": "string"}},
                      {"type": "array", "items": {"type": "string"}, "maxItems": 16}, "maxItems"),
    "min-items-increased": ({"type": "array", "items": {"type": "string"}, "minItems": 1},
                            {"type": "array", "items": {"type": "string"}, "minItems": 2},
                            "minItems"),
    "min-items-set": ({"type": "array", "items": {"type": "string"}},
                      {"type": "array", "items": {"type": "string"}, "minItems": 1}, "minItems"),
    "pattern-added": ({"type": "string"}, {"type": "string", "pattern": "^[a-z_]+$"}, "pattern"),
    "pattern-changed": ({"type": "string", "pattern": "^[a-z_]+$"},
                        {"type": "string", "pattern": "^[a-z]+$"}, "pattern"),
    "became-enum": ({"type": "string"}, {"type": "string", "enum": ["kharif", "rabi"]}, "enum"),
}  # fmt: skip
PLOTS = "/paths/~1api~1v1~1plots/post"
WHERE = {
    "parameter": f"{PLOTS}/parameters/0/schema",
    "property": f"{PLOTS}/requestBody/content/application~1json/schema/properties/code",
}
PLAIN = {"type": "string"}


def _plots(parameter: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    """A document whose one operation takes a query parameter and a body property `code`."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "demo", "version": "1.0.0"},
        "paths": {"/api/v1/plots": {"post": {
            "parameters": [{"name": "code", "in": "query", "required": False,
                            "schema": parameter}],
            "requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/PlotIn"}}}},
            "responses": {"200": {"description": "ok"}},
        }}},
        "components": {"schemas": {"PlotIn": {"type": "object", "properties": {"code": prop}}}},
    }  # fmt: skip


def _pair(kind: str, before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    if kind == "parameter":
        return _plots(before, PLAIN), _plots(after, PLAIN)
    return _plots(PLAIN, before), _plots(PLAIN, after)


CONSTRAINT_CASES = [(kind, suffix) for kind in WHERE for suffix in TIGHTENED]


def test_every_rule_has_a_case():
    constraint_rules = {f"request-{kind}-{suffix}" for kind, suffix in CONSTRAINT_CASES}
    assert set(CASES) | constraint_rules == set(breaking.RULES)
    assert not set(CASES) & constraint_rules


@pytest.mark.parametrize(("kind", "suffix"), CONSTRAINT_CASES)
def test_each_tightened_constraint_fires_alone_with_its_pointer(kind: str, suffix: str):
    before, after, keyword = TIGHTENED[suffix]
    rule = f"request-{kind}-{suffix}"
    found = [f for f in breaking.compare(*_pair(kind, before, after)) if f.breaking]
    assert [(f.rule, f.pointer) for f in found] == [(rule, f"{WHERE[kind]}/{keyword}")]
    assert breaking.RULES[rule] in found[0].message


@pytest.mark.parametrize(
    ("kind", "suffix"), [case for case in CONSTRAINT_CASES if case[1] != "pattern-changed"]
)
def test_the_same_constraint_loosened_is_not_breaking(kind: str, suffix: str):
    before, after, _ = TIGHTENED[suffix]
    assert [f for f in breaking.compare(*_pair(kind, after, before)) if f.breaking] == []


def test_a_bound_is_read_through_the_null_branch_of_an_optional_value():
    # What FastAPI writes for `str | None = Query(max_length=...)`.
    def optional(max_length: int) -> dict[str, Any]:
        return {"anyOf": [{"type": "string", "maxLength": max_length}, {"type": "null"}]}

    found = breaking.compare(_plots(optional(40), PLAIN), _plots(optional(20), PLAIN))
    assert [(f.rule, f.pointer) for f in found] == [
        ("request-parameter-max-length-decreased", f"{WHERE['parameter']}/maxLength")
    ]
    assert found[0].message.endswith("query parameter 'code': maxLength 40 -> 20")
