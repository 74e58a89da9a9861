"""The Jobs page: each job's schedule and next run, the history of runs, and running one now."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from ..models import JobHistory
from ..scheduler import JOBS, next_run, run_job

#: Runs listed on the Jobs page, newest first.
HISTORY_SHOWN = 100


@dataclass
class JobView:
    """A job as the Jobs page shows it."""

    name: str
    schedule: str
    next_run: datetime | None
    last: JobHistory | None


def job_views(now: datetime, *, session: Session) -> list[JobView]:
    """Return every registered job with its schedule, next run and last run."""
    views = []
    for name, job in sorted(JOBS.items()):
        last = session.exec(select(JobHistory).where(JobHistory.job == name)
                            .order_by(col(JobHistory.started_at).desc(), col(JobHistory.id).desc())).first()
        views.append(JobView(name, job.schedule or str(job.cron), next_run(job, now), last))
    return views


def history(job: str | None = None, *, session: Session) -> list[JobHistory]:
    """Return the latest runs, of one job or of all, newest first."""
    query = select(JobHistory).order_by(col(JobHistory.started_at).desc(), col(JobHistory.id).desc()).limit(HISTORY_SHOWN)
    if job:
        query = query.where(JobHistory.job == job)
    return list(session.exec(query).all())


def run_now(name: str, period: str | None, *, session: Session, actor: str) -> str:
    """Run a job now for a period (the one due today by default), as an admin; say what it did.

    A period already done is not done again; a failure is in the history and raised.
    """
    if name not in JOBS:
        raise KeyError(name)
    return run_job(name, period or None, session=session, actor=actor)
