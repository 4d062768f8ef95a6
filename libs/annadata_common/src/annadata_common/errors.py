"""The error bodies every service documents, so its OpenAPI contract covers what it answers.

FastAPI documents only its own 422 (a list of validation errors). Services also answer
with one sentence (404 unknown id, 422 a rule the schema cannot express: the domain
exceptions of annadata_common.exceptions), and Starlette answers 400 to a body that is not
JSON; clients and the contract tests must see those shapes in the spec too.
"""

import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from annadata_common.exceptions import InvalidInputError, NotFoundError

# Each domain exception's status; its message is the documented ErrorDetail body.
DOMAIN_STATUS: dict[type[Exception], int] = {NotFoundError: 404, InvalidInputError: 422}


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


def _json_safe(value: object) -> object:
    """value with NaN and the infinities as strings: a JSON response cannot carry them."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


async def validation_error_handler(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own 422 body, with rejected NaN and infinite inputs echoed as strings."""
    # Python's JSON parser accepts NaN, Infinity and 1e400; FastAPI's default handler echoes
    # the input, and the response cannot encode it: a 500 instead of the 422.
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse(status_code=422, content={"detail": _json_safe(jsonable_encoder(errors))})


async def domain_error_handler(_: Request, exc: Exception) -> JSONResponse:
    """A domain exception as its status (DOMAIN_STATUS) and the one-sentence ErrorDetail body."""
    status = next(code for kind, code in DOMAIN_STATUS.items() if isinstance(exc, kind))
    return JSONResponse(status_code=status, content=ErrorDetail(detail=str(exc)).model_dump())
