"""Scheduled jobs run once per period, whoever starts them, and a failed run can be retried."""
from datetime import date

import pytest
from sqlmodel import select

from uxo_swg.db import get_session
from uxo_swg.models import JobRun, Organisation
from uxo_swg.scheduler import JOBS, Job, claim, register, run_job


@pytest.fixture
def counting_job():
    calls = []

    def work(period, session):
        calls.append(period)
        session.add(Organisation(name=f"made for {period}", kind="donor"))
        session.commit()
        return "one organisation"

    register(Job("test-job", work, lambda day: f"{day.year}-Q{(day.month - 1) // 3 + 1}", {"day": 1}))
    yield calls
    JOBS.pop("test-job")


def test_a_period_is_done_once(app, counting_job):
    with app.app_context():
        s = get_session()
        assert run_job("test-job", None, session=s, today=date(2025, 7, 2)) == "test-job 2025-Q3: one organisation"
        assert "already done" in run_job("test-job", "2025-Q3", session=s)
        run_job("test-job", "2025-Q4", session=s)
        assert counting_job == ["2025-Q3", "2025-Q4"]
        runs = s.exec(select(JobRun).order_by(JobRun.id)).all()
        assert [(r.period, r.finished_at is not None) for r in runs] == [("2025-Q3", True), ("2025-Q4", True)]


def test_claim_is_unique_across_sessions(app):
    with app.app_context():
        first = get_session()
        assert claim("x", "2025-Q1", session=first)
    with app.app_context():
        assert not claim("x", "2025-Q1", session=get_session())


def test_failed_run_releases_its_claim_and_keeps_nothing(app):
    attempts = []

    def flaky(period, session):
        attempts.append(period)
        session.add(Organisation(name="half done", kind="donor"))
        session.flush()
        if len(attempts) == 1:
            raise RuntimeError("database went away")
        session.commit()
        return "ok"

    register(Job("flaky", flaky, lambda day: "2025", {"day": 1}))
    try:
        with app.app_context():
            s = get_session()
            with pytest.raises(RuntimeError):
                run_job("flaky", "2025", session=s)
            assert s.exec(select(Organisation)).all() == []
            assert s.exec(select(JobRun)).all() == []
            assert run_job("flaky", "2025", session=s) == "flaky 2025: ok"
    finally:
        JOBS.pop("flaky")


def test_run_job_command(runner, counting_job):
    result = runner.invoke(args=["run-job", "test-job", "--period", "2024-Q2"])
    assert result.exit_code == 0 and "2024-Q2: one organisation" in result.output
    again = runner.invoke(args=["run-job", "test-job", "--period", "2024-Q2"])
    assert "already done" in again.output
    unknown = runner.invoke(args=["run-job", "nope"])
    assert unknown.exit_code != 0 and "no job 'nope'" in unknown.output
