"""The threshold data is internally consistent."""

import pytest
from thresholds import THRESHOLDS, Stage

RULES = [
    pytest.param(rule, id=f"{crop}-{stage}-{rule.kind}")
    for crop, info in THRESHOLDS.items()
    for stage, stage_info in info.stages.items()
    for rule in stage_info.rules
]


@pytest.mark.parametrize("rule", RULES)
def test_severe_is_beyond_moderate(rule) -> None:
    if rule.comparison == ">=":
        assert rule.severe > rule.moderate
    else:
        assert rule.severe < rule.moderate


@pytest.mark.parametrize("rule", RULES)
def test_only_disease_rules_have_a_temperature_window(rule) -> None:
    windowed = rule.temperature_window_c is not None
    assert windowed == (rule.kind == "disease_risk_humid")
    if windowed:
        low, high = rule.temperature_window_c
        assert low < high


@pytest.mark.parametrize("crop", list(THRESHOLDS))
def test_each_crop_runs_from_sowing_to_maturity_with_one_rule_per_kind(crop) -> None:
    stages = list(THRESHOLDS[crop].stages)
    assert stages[0] is Stage.sowing
    assert stages[-1] is Stage.maturity
    # Stages are listed in growth order, which is also the enum's order.
    assert stages == sorted(stages, key=list(Stage).index)
    for info in THRESHOLDS[crop].stages.values():
        kinds = [rule.kind for rule in info.rules]
        assert len(kinds) == len(set(kinds))
        assert "heavy_rain" in kinds
