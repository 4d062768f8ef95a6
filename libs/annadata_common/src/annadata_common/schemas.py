"""The bases every request and response model derives from, and the one date type."""

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class RequestModel(BaseModel):
    """A request body: unknown fields, numbers sent as strings or booleans, and NaN are 422s."""

    # In strict mode an Enum field takes only a member, never its JSON value: declare such a
    # field `Field(strict=False)` (the value must still be one of the enum's).
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ResponseModel(BaseModel):
    """A response body: its schema lists every field and no others (additionalProperties false)."""

    model_config = ConfigDict(extra="forbid")


def _iso_date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    # Lax pydantic reads 0 as 1970-01-01 and "2025-04-15T00:00:00" as a date, and Python's
    # fromisoformat takes "20250415" and "2025-W16-2": the contract says YYYY-MM-DD only.
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be an ISO date string YYYY-MM-DD, e.g. 2025-04-15")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a calendar date") from None


# A calendar date, YYYY-MM-DD and nothing else, in requests and responses alike.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def untyped_operations(spec: Mapping[str, Any]) -> list[str]:
    """`METHOD path part` of each JSON request body or response whose schema takes any object."""
    found = []
    for path, item in (spec.get("paths") or {}).items():
        for method, operation in item.items():
            parts = {"body": operation.get("requestBody") or {}, **operation.get("responses", {})}
            for part, described in parts.items():
                media = (described.get("content") or {}).get("application/json")
                if media is not None and _takes_anything(spec, media.get("schema")):
                    found.append(f"{method.upper()} {path} {part}")
    return found


def _takes_anything(spec: Mapping[str, Any], schema: Any) -> bool:
    """Whether schema accepts any value, any object, or a list of either: nothing to check."""
    while isinstance(schema, Mapping) and "$ref" in schema:
        target: Any = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    if not isinstance(schema, Mapping) or not set(schema) - {"title", "description"}:
        return True
    if schema.get("type") == "array":
        return _takes_anything(spec, schema.get("items"))
    return (
        schema.get("type") == "object"
        and not schema.get("properties")
        and schema.get("additionalProperties", True) in (True, {})
    )
