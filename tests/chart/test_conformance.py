"""Each render of the chart agrees with services.json and docker-compose.yml, aspect by aspect."""

from __future__ import annotations

import pytest

from . import conformance
from .conftest import CASES


@pytest.mark.parametrize("check", sorted(conformance.CHECKS))
@pytest.mark.parametrize(("profile", "kube"), CASES, ids=[f"{p}-{k}" for p, k in CASES])
def test_render_matches_registry_and_compose(cases, profile, kube, check):
    case = cases[(profile, kube)]
    assert conformance.CHECKS[check](case) == []
