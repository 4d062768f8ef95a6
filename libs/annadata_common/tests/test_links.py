"""OpenAPI links as FastAPI writes them into the spec."""

from fastapi import FastAPI
from pydantic import BaseModel

from annadata_common.links import read_back


class Note(BaseModel):
    id: int


def test_the_link_points_at_the_read_operation_and_lands_in_the_spec():
    app = FastAPI()

    @app.post("/api/v1/notes", status_code=201, responses={201: read_back(
        "GetNote", "/api/v1/notes/{note_id}", note_id="$response.body#/id")})  # fmt: skip
    def create() -> Note:
        return Note(id=1)

    @app.get("/api/v1/notes/{note_id}")
    def read(note_id: int) -> Note:
        return Note(id=note_id)

    spec = app.openapi()
    created = spec["paths"]["/api/v1/notes"]["post"]["responses"]["201"]
    assert created["description"] == "Successful Response"  # FastAPI's own entry, kept
    assert created["links"] == {
        "GetNote": {
            "operationRef": "#/paths/~1api~1v1~1notes~1{note_id}/get",
            "parameters": {"note_id": "$response.body#/id"},
        }
    }
    token = created["links"]["GetNote"]["operationRef"].split("/")[2]
    assert token.replace("~1", "/") in spec["paths"]
