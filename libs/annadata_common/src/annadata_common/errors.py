"""The error bodies every service documents, so its OpenAPI contract covers what it answers.

FastAPI documents only its own 422 (a list of validation errors). Services also answer
with one sentence (404 unknown id, 422 a rule the schema cannot express: the domain
exceptions of annadata_common.exceptions), and Starlette answers 400 to a body that is not
JSON; clients and the contract tests must see those shapes in the spec too.
"""

import math
import reprlib
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from annadata_common.exceptions import InvalidInputError, NotFoundError
from annadata_common.settings import DEFAULT_MAX_BODY_BYTES

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
        413: {
            "model": ErrorDetail,
            "description": "The body is larger than the service accepts: MAX_BODY_BYTES "
            f"(default {DEFAULT_MAX_BODY_BYTES} bytes).",
        },
        422: {
            "model": ValidationErrors | ErrorDetail,
            "description": "Invalid input: a list of field errors, or one sentence.",
        },
    }


# A rejected input is echoed as at most this many characters: a 20 MB body must not come
# back as a 20 MB error (the encoding alone blocked the event loop for seconds).
ECHO_PREFIX_CHARS = 64
# Bounded work for containers: reprlib visits a few items per level, never the whole input.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxdict, _SHORT.maxlist, _SHORT.maxtuple = 2, 4, 4, 4
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = ECHO_PREFIX_CHARS


def _prefix(value: object) -> object:
    """value when it is a short scalar, else a short text of its beginning."""
    if value is None or isinstance(value, bool | int | float):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**18:
            return _cut(str(value))
        return value
    if isinstance(value, str):
        return _cut(value)
    return _cut(_SHORT.repr(value))


def _cut(text: str) -> str:
    return text if len(text) <= ECHO_PREFIX_CHARS else text[:ECHO_PREFIX_CHARS] + "..."


def short_errors(errors: list[Any]) -> list[Any]:
    """FastAPI's validation errors with each `input` cut to a short prefix (ECHO_PREFIX_CHARS)."""
    shortened = []
    for error in errors:
        if isinstance(error, dict) and "input" in error:
            error = {**error, "input": _prefix(error["input"])}
        shortened.append(error)
    return shortened


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
    """FastAPI's 422 body, each input echoed as a short prefix, NaN and infinities as strings."""
    # Python's JSON parser accepts NaN, Infinity and 1e400; FastAPI's default handler echoes
    # the input, and the response cannot encode it: a 500 instead of the 422.
    errors = short_errors(list(exc.errors())) if isinstance(exc, RequestValidationError) else []
    return JSONResponse(status_code=422, content={"detail": _json_safe(jsonable_encoder(errors))})


async def domain_error_handler(_: Request, exc: Exception) -> JSONResponse:
    """A domain exception as its status (DOMAIN_STATUS) and the one-sentence ErrorDetail body."""
    status = next(code for kind, code in DOMAIN_STATUS.items() if isinstance(exc, kind))
    return JSONResponse(status_code=status, content=ErrorDetail(detail=str(exc)).model_dump())
