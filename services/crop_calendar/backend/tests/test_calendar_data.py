"""The reference table loads, every row is valid, and month windows handle the year end."""

from pathlib import Path

import pytest
from calendar_data import (
    COLUMNS,
    DEFAULT_FILE,
    SEASONS,
    in_window,
    load_calendar,
    months,
    state_name,
)

HEADER = ",".join(COLUMNS)


def test_reference_table_rows_are_valid() -> None:
    rows = load_calendar()
    assert DEFAULT_FILE.is_file()
    assert len(rows) >= 40
    states = {r.state for r in rows}
    assert len(states) >= 6
    for row in rows:
        assert row.season in SEASONS
        for month in (row.sowing_start, row.sowing_end, row.harvest_start, row.harvest_end):
            assert 1 <= month <= 12, row
        assert row.crop
        # A crop is not harvested in the months it is still being sown.
        assert not set(months(row.sowing_start, row.sowing_end)) & set(
            months(row.harvest_start, row.harvest_end)
        ), row
    # Every state has crops in every season.
    for state in states:
        assert {r.season for r in rows if r.state == state} == set(SEASONS), state


def test_reference_table_has_year_wrapping_windows() -> None:
    rows = load_calendar()
    assert any(r.sowing_start > r.sowing_end for r in rows)
    assert any(r.harvest_start > r.harvest_end for r in rows)


def test_loads_independently_of_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_calendar()


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(3, 5, [3, 4, 5]), (7, 7, [7]), (11, 2, [11, 12, 1, 2]), (12, 1, [12, 1])],
)
def test_months(start: int, end: int, expected: list[int]) -> None:
    assert months(start, end) == expected


@pytest.mark.parametrize(
    ("month", "start", "end", "inside"),
    [
        (4, 3, 5, True),
        (6, 3, 5, False),
        (2, 3, 5, False),
        (12, 11, 2, True),
        (1, 11, 2, True),
        (2, 11, 2, True),
        (3, 11, 2, False),
        (10, 11, 2, False),
    ],
)
def test_in_window(month: int, start: int, end: int, inside: bool) -> None:
    assert in_window(month, start, end) is inside


def test_state_name() -> None:
    assert state_name("west_bengal") == "West Bengal"


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "calendar.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_comments_and_empty_note(tmp_path: Path) -> None:
    path = _write(tmp_path, "# provenance", HEADER, "goa,kharif,Rice,6,7,10,11,")
    (row,) = load_calendar(path)
    assert (row.state, row.sowing_start, row.harvest_end, row.note) == ("goa", 6, 11, None)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("goa,kharif,Rice,0,7,10,11,", "sowing_start"),
        ("goa,kharif,Rice,6,13,10,11,", "sowing_end"),
        ("goa,kharif,Rice,6,7,x,11,", "harvest_start"),
        ("goa,monsoon,Rice,6,7,10,11,", "season"),
        ("Goa,kharif,Rice,6,7,10,11,", "state"),
        ("goa,kharif,,6,7,10,11,", "crop"),
        ("goa,kharif,Rice,6,7,10,11", "7 columns"),
    ],
)
def test_bad_rows_fail_naming_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = _write(tmp_path, "# comment", HEADER, "goa,rabi,Wheat,11,12,3,4,", line)
    with pytest.raises(ValueError, match=message) as caught:
        load_calendar(path)
    assert f"{path}:4:" in str(caught.value)


def test_duplicate_rows_and_bad_header_fail(tmp_path: Path) -> None:
    row = "goa,kharif,Rice,6,7,10,11,"
    with pytest.raises(ValueError, match="duplicate 'Rice'"):
        load_calendar(_write(tmp_path, HEADER, row, row))
    with pytest.raises(ValueError, match="header"):
        load_calendar(_write(tmp_path, "state,crop", row))
    with pytest.raises(ValueError, match="no rows"):
        load_calendar(_write(tmp_path, HEADER))
