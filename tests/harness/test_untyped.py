"""Which parts of a spec no schema constrains (lint's ANN012), on specs shaped as FastAPI's."""

from __future__ import annotations

from typing import Any

from harness.contract.untyped import untyped

CLOSED = {"type": "object", "properties": {"ph": {"type": "number"}}, "additionalProperties": False}


def _json(schema: Any) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _spec(operations: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "paths": {path: {"get": op} for path, op in operations.items()},
        "components": {"schemas": {
            "Report": CLOSED,
            "Loose": {"type": "object", "additionalProperties": True, "title": "Loose"},
            "Loop": {"$ref": "#/components/schemas/Loop"},
        }},
    }  # fmt: skip


def _found(spec: dict[str, Any]) -> list[str]:
    return [u.text() for u in untyped(spec)]


def test_closed_models_maps_and_bodiless_statuses_pass():
    spec = _spec({
        "/typed": {"responses": {"200": _json({"$ref": "#/components/schemas/Report"})}},
        "/map": {"responses": {"200": _json({"type": "object",
                                             "additionalProperties": {"type": "string"}})}},
        "/list": {"responses": {"200": _json({"type": "array", "items": CLOSED})}},
        "/deleted": {"responses": {"204": {"description": "Gone"}}},
        "/text": {"responses": {"200": {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
        "/nullable": {"responses": {"200": _json({"anyOf": [CLOSED, {"type": "null"}]})}},
    })  # fmt: skip
    assert _found(spec) == []


def test_open_objects_lists_of_them_and_open_branches_are_named_with_their_status():
    spec = _spec({
        "/dict": {"responses": {"200": _json({"type": "object", "additionalProperties": True})}},
        "/ref": {"responses": {"201": _json({"$ref": "#/components/schemas/Loose"})}},
        "/rows": {"responses": {"200": _json({"type": "array", "items": {"type": "object"}})}},
        "/either": {"responses": {"200": _json({"anyOf": [CLOSED, {"type": "object"}]})}},
        "/bare": {"responses": {"200": _json({})}},
        "/error": {"responses": {"200": _json(CLOSED), "404": _json({"title": "Any"})}},
    })  # fmt: skip
    assert _found(spec) == [
        "GET /dict: the 200 response takes any object",
        "GET /ref: the 201 response takes any object",
        "GET /rows: the 200 response takes any object",
        "GET /either: the 200 response takes any object",
        "GET /bare: the 200 response takes any object",
        "GET /error: the 404 response takes any object",
    ]


def test_a_success_response_with_no_schema_is_named():
    spec = _spec({
        "/nothing": {"responses": {"200": {"description": "OK"}}},
        "/no-schema": {"responses": {"202": {"content": {"application/json": {}}}}},
        "/range": {"responses": {"2XX": {"description": "OK"}}},
        "/error-only": {"responses": {"200": _json(CLOSED), "500": {"description": "Oops"}}},
    })  # fmt: skip
    assert _found(spec) == [
        "GET /nothing: the 200 response has no schema",
        "GET /no-schema: the 202 response has no schema",
        "GET /range: the 2XX response has no schema",
    ]


def test_an_open_request_body_is_named():
    spec = _spec({"/in": {"requestBody": _json({"type": "object"}),
                          "responses": {"200": _json(CLOSED)}}})  # fmt: skip
    assert _found(spec) == ["GET /in: the request body takes any object"]


def test_cycles_dangling_references_and_wrong_shapes_are_left_to_the_spec_validator():
    spec = _spec({
        "/loop": {"responses": {"200": _json({"$ref": "#/components/schemas/Loop"})}},
        "/dangling": {"responses": {"200": _json({"$ref": "#/components/schemas/Nope"})}},
        "/remote": {"responses": {"200": _json({"$ref": "other.yaml#/X"})}},
        "/list-op": {"responses": ["200"]},
        "/odd-anyof": {"responses": {"200": _json({"anyOf": "x", "type": "string"})}},
    })  # fmt: skip
    spec["paths"]["/not-a-mapping"] = ["get"]
    assert _found(spec) == []
    assert untyped({"paths": None}) == []
    assert untyped({}) == []
