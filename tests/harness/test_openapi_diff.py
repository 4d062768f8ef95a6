"""Drift reports: operations and schemas added, removed, changed, each with its pointer."""

from __future__ import annotations

import copy
from pathlib import Path

from harness.contract.openapi_diff import differences, dump, load

from .test_breaking import BEFORE


def test_equal_documents_have_no_differences_whatever_the_key_order():
    shuffled = dict(reversed(list(copy.deepcopy(BEFORE).items())))
    assert differences(BEFORE, shuffled) == []


def test_operations_and_schemas_are_reported_added_removed_and_changed():
    after = copy.deepcopy(BEFORE)
    del after["paths"]["/api/v1/models"]
    after["paths"]["/api/v1/crops"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    after["paths"]["/api/v1/jobs"]["post"]["responses"]["202"]["description"] = "accepted"
    after["components"]["schemas"]["Crop"] = {"type": "object"}
    del after["components"]["schemas"]["JobOut"]
    after["components"]["schemas"]["JobIn"]["properties"]["model"]["enum"].append("x")
    after["info"]["version"] = "1.3.0"
    assert differences(BEFORE, after) == [
        "operation GET /api/v1/crops: added",
        "operation POST /api/v1/jobs: changed at "
        "/paths/~1api~1v1~1jobs/post/responses/202/description",
        "operation GET /api/v1/models: removed",
        "schema Crop: added",
        "schema JobIn: changed at /components/schemas/JobIn/properties/model/enum/2",
        "schema JobOut: removed",
        "document: changed at /info/version",
    ]


def test_dump_and_load_round_trip_the_document(tmp_path: Path):
    path = tmp_path / "openapi.yaml"
    path.write_text(dump(BEFORE))
    assert load(path) == BEFORE
    assert path.read_text().startswith("openapi: 3.1.0\ninfo:\n")  # the generator's key order
