"""Evaluate a daily forecast against the thresholds of one crop stage."""

import math
from collections.abc import Sequence
from typing import Protocol

from thresholds import (
    RAIN_WINDOW_DAYS,
    THRESHOLDS,
    AlertKind,
    Comparison,
    Crop,
    Rule,
    Severity,
    Stage,
    Variable,
)

from annadata_common.exceptions import InvalidInputError
from annadata_common.schemas import ResponseModel


class DayWeather(Protocol):
    """The forecast fields the rules read (the API's ForecastDay has them)."""

    @property
    def tmax_c(self) -> float: ...
    @property
    def tmin_c(self) -> float: ...
    @property
    def rainfall_mm(self) -> float: ...
    @property
    def rh_pct(self) -> float: ...
    @property
    def wind_kmh(self) -> float: ...


class Alert(ResponseModel):
    """A threshold the day's weather crossed, with what to do about it."""

    kind: AlertKind
    severity: Severity
    variable: Variable
    comparison: Comparison
    threshold: float
    observed: float
    condition: str
    advice: str


class StageNotApplicableError(InvalidInputError):
    """The growth stage is not one the crop goes through."""


def stage_rules(crop: Crop, stage: Stage) -> tuple[Rule, ...]:
    """The rules of one crop stage, or StageNotApplicableError naming the crop's stages."""
    stages = THRESHOLDS[crop].stages
    if stage not in stages:
        names = ", ".join(stages)
        raise StageNotApplicableError(
            f"stage {stage.value!r} does not apply to {crop.value}; its stages are: {names}"
        )
    return stages[stage].rules


def _crosses(value: float, comparison: Comparison, threshold: float) -> bool:
    return value >= threshold if comparison == ">=" else value <= threshold


def _observed(rule: Rule, days: Sequence[DayWeather], index: int) -> float | None:
    """The value the rule compares on day `index`, or None when its conditions do not hold."""
    day = days[index]
    window = rule.temperature_window_c
    if window is not None and not (window[0] <= day.tmin_c and day.tmax_c <= window[1]):
        return None
    if rule.variable == "rainfall_3day_mm":
        # Only forecast days count: rain before the forecast is unknown to the service.
        recent = days[max(0, index - RAIN_WINDOW_DAYS + 1) : index + 1]
        # Rounded: 24.4 + 39.8 + 0.8 must compare as 65.0, not as 64.99999999999999.
        return round(math.fsum(d.rainfall_mm for d in recent), 2)
    return float(getattr(day, rule.variable))


def _condition(rule: Rule, threshold: float) -> str:
    text = f"{rule.variable} {rule.comparison} {threshold:g}"
    if rule.temperature_window_c is not None:
        low, high = rule.temperature_window_c
        text += f" with tmin_c and tmax_c between {low:g} and {high:g} °C"
    return text


def evaluate(rules: Sequence[Rule], days: Sequence[DayWeather]) -> list[list[Alert]]:
    """For each day, the alerts its weather raises (one per rule, at the worst level crossed)."""
    result: list[list[Alert]] = []
    for index in range(len(days)):
        alerts = []
        for rule in rules:
            value = _observed(rule, days, index)
            if value is None:
                continue
            for severity, threshold in (("severe", rule.severe), ("moderate", rule.moderate)):
                if _crosses(value, rule.comparison, threshold):
                    alerts.append(
                        Alert(
                            kind=rule.kind,
                            severity=severity,
                            variable=rule.variable,
                            comparison=rule.comparison,
                            threshold=threshold,
                            observed=value,
                            condition=_condition(rule, threshold),
                            advice=rule.advice,
                        )
                    )
                    break
        result.append(alerts)
    return result
