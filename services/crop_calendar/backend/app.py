"""crop_calendar backend: indicative sowing and harvest months of crops by state and season."""

from typing import Annotated

from calendar_data import (
    SEASONS,
    STATE_MAX_LENGTH,
    STATE_PATTERN,
    CalendarRow,
    Month,
    Season,
    in_window,
    load_calendar,
    months,
    state_name,
)
from config import SERVICE_NAME, Settings
from fastapi import FastAPI, Query
from fastapi import Path as PathParam
from pydantic import Field

from annadata_common.app_factory import create_service_app
from annadata_common.exceptions import NotFoundError
from annadata_common.schemas import ResponseModel

State = Annotated[
    str,
    PathParam(
        pattern=STATE_PATTERN,
        max_length=STATE_MAX_LENGTH,
        description="State in snake_case, as GET /api/v1/states lists it",
        examples=["punjab"],
    ),
]


class StateSeasons(ResponseModel):
    """A state of the table and the seasons it has crops for."""

    state: str = Field(examples=["punjab"])
    name: str = Field(examples=["Punjab"])
    seasons: list[Season]


class MonthWindow(ResponseModel):
    """Inclusive span of months; a start after its end runs over the year end."""

    start: Month
    end: Month
    months: list[Month] = Field(description="Every month of the window, in order")


class CropWindows(ResponseModel):
    """When one crop is sown and harvested."""

    crop: str = Field(examples=["Wheat"])
    season: Season
    sowing: MonthWindow
    harvest: MonthWindow
    note: str | None


class CropCalendar(ResponseModel):
    """The crops of one state, with the filters that selected them."""

    state: str = Field(examples=["punjab"])
    name: str = Field(examples=["Punjab"])
    season: Season | None = Field(description="The season filter, null for all seasons")
    month: Month | None = Field(description="The month filter, null for the whole year")
    crops: list[CropWindows]


def _window(start: int, end: int) -> MonthWindow:
    return MonthWindow(start=start, end=end, months=months(start, end))


def _crop(row: CalendarRow) -> CropWindows:
    return CropWindows(
        crop=row.crop,
        season=row.season,
        sowing=_window(row.sowing_start, row.sowing_end),
        harvest=_window(row.harvest_start, row.harvest_end),
        note=row.note,
    )


def _active_in(row: CalendarRow, month: int) -> bool:
    return in_window(month, row.sowing_start, row.sowing_end) or in_window(
        month, row.harvest_start, row.harvest_end
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the reference table is read and validated once, here."""
    settings = settings or Settings()
    rows = load_calendar()
    by_state: dict[str, list[CalendarRow]] = {}
    for row in rows:
        by_state.setdefault(row.state, []).append(row)
    known = sorted(by_state)
    season_order = {season: index for index, season in enumerate(SEASONS)}

    app = create_service_app(
        settings,
        [],
        title=SERVICE_NAME,
        description="Indicative sowing and harvest months of major crops by Indian state and "
        "season (ICAR and state agriculture department crop calendars).",
    )

    # First route under /api/: the smoke test calls the first parameterless GET of the spec.
    @app.get("/api/v1/states", tags=["calendar"])
    def list_states() -> list[StateSeasons]:
        """States in the table and the seasons each has crops for."""
        return [
            StateSeasons(
                state=state,
                name=state_name(state),
                seasons=sorted({r.season for r in by_state[state]}, key=season_order.__getitem__),
            )
            for state in known
        ]

    @app.get("/api/v1/crop-calendar/{state}", tags=["calendar"])
    def crop_calendar(
        state: State,
        season: Annotated[Season | None, Query(description="Only this season")] = None,
        month: Annotated[
            int | None,
            Query(ge=1, le=12, description="Only crops sown or harvested in this month (1-12)"),
        ] = None,
    ) -> CropCalendar:
        """Sowing and harvest windows of a state's crops, optionally for one season or month."""
        if state not in by_state:
            raise NotFoundError(
                f"unknown state {state!r}; known states: {', '.join(known)} "
                "(see GET /api/v1/states)"
            )
        selected = [
            row
            for row in by_state[state]
            if (season is None or row.season == season)
            and (month is None or _active_in(row, month))
        ]
        selected.sort(key=lambda row: season_order[row.season])
        return CropCalendar(
            state=state,
            name=state_name(state),
            season=season,
            month=month,
            crops=[_crop(row) for row in selected],
        )

    return app


app = create_app()
