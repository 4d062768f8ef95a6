"""What the contract's live stack starts: the backends, the workers taking their jobs."""

from __future__ import annotations

from pathlib import Path

from harness import paths, registry
from harness.contract import check

ROOT = paths.repo_root(Path(__file__))


def test_a_backend_that_queues_jobs_gets_the_worker_and_others_do_not():
    reg = registry.load(ROOT)
    # yield_api answers 503 on POST /api/v1/jobs with no worker: the worker shares its Redis.
    takers = check.job_takers(reg, [reg.component("yield_api.backend")])
    assert [c.ref for c in takers] == ["worker.worker"]
    # msp_mitra's Postgres is no queue any worker reads.
    assert check.job_takers(reg, [reg.component("msp_mitra.backend")]) == []
    assert check.job_takers(reg, []) == []
