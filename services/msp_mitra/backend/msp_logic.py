"""Pure MSP arithmetic: year-over-year change and market price comparison."""

import re
from itertools import pairwise

from annadata_common.exceptions import InvalidInputError

_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


def check_marketing_year(year: str) -> str:
    """The year if it looks like 2024-25 (consecutive years), else InvalidInputError."""
    match = _YEAR.match(year)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise InvalidInputError(
            f"marketing year {year!r} must look like 2024-25 (consecutive years)"
        )
    return year


def percent_change(old: float, new: float) -> float:
    """Percent change from old to new, rounded to 2 decimals."""
    return round((new - old) / old * 100, 2)


def year_over_year(prices: list[tuple[str, int]]) -> list[dict[str, object]]:
    """Changes between consecutive listed years (sorted by year)."""
    ordered = sorted(prices)
    return [
        {
            "from_year": prev_year,
            "to_year": year,
            "from_msp": prev,
            "to_msp": price,
            "change_rs": price - prev,
            "change_pct": percent_change(prev, price),
        }
        for (prev_year, prev), (year, price) in pairwise(ordered)
    ]


def compare_to_msp(msp: int, market_price: float) -> dict[str, object]:
    """How a market price stands against the MSP."""
    difference = round(market_price - msp, 2)
    position = "below" if difference < 0 else "above" if difference > 0 else "at"
    return {
        "msp_rs_per_quintal": msp,
        "market_price_rs_per_quintal": market_price,
        "difference_rs": difference,
        "difference_pct": percent_change(msp, market_price),
        "position": position,
    }
