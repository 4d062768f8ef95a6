"""The crop calendar reference table: loading, validation and month windows.

The table (reference/crop_calendar.csv) is indicative: typical months compiled from ICAR and
state agriculture department crop calendars, not district- or variety-specific advice.
"""

import csv
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Season = Literal["kharif", "rabi", "zaid"]
SEASONS: tuple[Season, ...] = get_args(Season)
Month = Annotated[int, Field(ge=1, le=12)]
# snake_case, as in the path: `uttar_pradesh`, never `Uttar Pradesh` or `uttar-pradesh`.
STATE_PATTERN = r"^[a-z]+(?:_[a-z]+)*$"
STATE_MAX_LENGTH = 40
# Resolved from this file, not the working directory: the image runs from /app, tests elsewhere.
DEFAULT_FILE = Path(__file__).resolve().parent / "reference" / "crop_calendar.csv"
COLUMNS = (
    "state",
    "season",
    "crop",
    "sowing_start",
    "sowing_end",
    "harvest_start",
    "harvest_end",
    "note",
)


class CalendarRow(BaseModel):
    """One crop of one state and season, as the reference table states it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    state: str = Field(pattern=STATE_PATTERN, max_length=STATE_MAX_LENGTH)
    season: Season
    crop: str = Field(min_length=1, max_length=64)
    sowing_start: Month
    sowing_end: Month
    harvest_start: Month
    harvest_end: Month
    note: str | None = Field(default=None, max_length=200)

    @field_validator("note", mode="before")
    @classmethod
    def _empty_note(cls, value: object) -> object:
        # csv gives an empty string for an empty last column; the API says null.
        return value or None


def months(start: int, end: int) -> list[int]:
    """The months of an inclusive window in order, running over the year end when start > end."""
    if start <= end:
        return list(range(start, end + 1))
    return [*range(start, 13), *range(1, end + 1)]


def in_window(month: int, start: int, end: int) -> bool:
    """Whether `month` falls in the inclusive window start..end (which may wrap the year end)."""
    if start <= end:
        return start <= month <= end
    return month >= start or month <= end


def state_name(state: str) -> str:
    """Display name of a state slug: `west_bengal` -> `West Bengal`."""
    return state.replace("_", " ").title()


def load_calendar(path: Path = DEFAULT_FILE) -> list[CalendarRow]:
    """Read and validate the table; any bad row fails loudly, naming its line."""
    with path.open(encoding="utf-8", newline="") as handle:
        # Comment lines carry the table's provenance; csv itself has no comment syntax.
        numbered = [
            (number, line)
            for number, line in enumerate(handle, start=1)
            if line.strip() and not line.startswith("#")
        ]
    if not numbered:
        raise ValueError(f"{path}: no header row")
    reader = csv.reader(line for _, line in numbered)
    header = tuple(next(reader))
    if header != COLUMNS:
        raise ValueError(f"{path}: header {header} is not {COLUMNS}")
    rows: list[CalendarRow] = []
    seen: set[tuple[str, str, str]] = set()
    for (number, _), values in zip(numbered[1:], reader, strict=True):
        if len(values) != len(COLUMNS):
            raise ValueError(f"{path}:{number}: {len(values)} columns, expected {len(COLUMNS)}")
        try:
            row = CalendarRow(**dict(zip(COLUMNS, values, strict=True)))
        except ValidationError as exc:
            raise ValueError(f"{path}:{number}: {exc}") from exc
        key = (row.state, row.season, row.crop)
        if key in seen:
            raise ValueError(f"{path}:{number}: duplicate {row.crop!r} in {row.state} {row.season}")
        seen.add(key)
        rows.append(row)
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows
