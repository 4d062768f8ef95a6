"""The error bodies every service documents, so its OpenAPI contract covers what it answers.

FastAPI documents only its own 422 (a list of validation errors). Services also raise
HTTPException with one sentence (404 unknown id, 422 a rule the schema cannot express),
and Starlette answers 400 to a body that is not JSON; clients and the contract tests
must see those shapes in the spec too.
"""

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    """An error the service raised itself: one human-readable sentence."""

    detail: str


class ValidationIssue(BaseModel):
    """One item of FastAPI's request validation error."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrors(BaseModel):
    """FastAPI's own 422 body."""

    detail: list[ValidationIssue]


def error_responses() -> dict[int | str, dict[str, Any]]:
    """The app-wide `responses=` of every service: 400, 404 and both 422 shapes."""
    return {
        400: {"model": ErrorDetail, "description": "The body is not valid JSON."},
        404: {"model": ErrorDetail, "description": "No such resource."},
        422: {
            "model": ValidationErrors | ErrorDetail,
            "description": "Invalid input: a list of field errors, or one sentence.",
        },
    }
