"""The scheduler process: periodic jobs, each run claimed once per period in the database.

APScheduler 3 runs in its own process (`uxo-swg scheduler`), never inside web workers: each
worker would run every job once more. A run first inserts `job_run(job, period)`, which is
UNIQUE, so a second scheduler, a restart or a manual `uxo-swg run-job` never does the same
period's work twice.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from .audit import set_actor
from .db import write_transaction
from .domain.messages import N_, Said, nested
from .models import JobHistory, JobRun, utcnow

log = logging.getLogger(__name__)

#: The scheduler's clock: the working group's local time.
TIMEZONE = "Asia/Vientiane"


@dataclass(frozen=True)
class Job:
    """A periodic job: what it does for a period, which period is due on a day, and when it runs."""

    name: str
    run: Callable[[str, Session], str]  # (period, session) -> what it did
    period_due: Callable[[date], str]  # the period a run on this day is for
    cron: dict  # APScheduler cron trigger fields
    schedule: str = ""  # the cron fields in words, for the Jobs page
    check_period: Callable[[str], object] | None = None  # raises ValueError for a period the job cannot run for
    writes: bool = True  # False: the job writes no record (a backup), and takes no write lock


JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    """Add a job to the scheduler's list."""
    JOBS[job.name] = job
    return job


def claim(job: str, period: str, *, session: Session) -> bool:
    """Record that `job` runs for `period`; return False when some run already claimed it."""
    try:
        with session.begin_nested():
            session.add(JobRun(job=job, period=period))
    except sa.exc.IntegrityError:
        return False
    session.commit()
    return True


def run_job(name: str, period: str | None, *, session: Session, today: date | None = None,
            actor: str = "scheduler") -> str:
    """Run a job for a period (the one due today by default), at most once per period; keep it in the history."""
    job = JOBS[name]
    period = period or job.period_due(today or date.today())
    if job.check_period is not None:
        job.check_period(period)  # a period that cannot be read is refused before anything is claimed
    set_actor(session, actor=actor, via="scheduler")
    if not claim(name, period, session=session):
        return Said(N_("{job} {period}: already done, nothing to do"), job=name, period=period)
    run_id, started_at = session.exec(sa.select(JobRun.id, JobRun.started_at)
                                      .where(JobRun.job == name, JobRun.period == period)).one()
    try:
        if job.writes:
            write_transaction(session)  # SQLite: a job reads, then writes what it read
        outcome = job.run(period, session)
    except Exception as error:
        # Release the claim so the next run tries again; the job's own work was rolled back.
        session.rollback()
        write_transaction(session)
        session.execute(sa.delete(JobRun).where(JobRun.id == run_id, JobRun.finished_at.is_(None)))
        session.add(JobHistory(job=name, period=period, actor=actor, started_at=started_at, finished_at=utcnow(),
                               outcome="failed", detail=f"{type(error).__name__}: {error}"))
        session.commit()
        raise
    write_transaction(session)  # the job may have committed: its end is written in a write transaction of its own
    run = session.get(JobRun, run_id)
    run.finished_at = utcnow()
    session.add(run)
    session.add(JobHistory(job=name, period=period, actor=actor, started_at=started_at, finished_at=run.finished_at,
                           outcome="done", detail=outcome))
    session.commit()
    return Said(N_("{job} {period}: {outcome}"), job=name, period=period, outcome=nested(outcome))


def next_run(job: Job, now: datetime) -> datetime | None:
    """Return when the scheduler next starts the job after `now` (aware), in Asia/Vientiane time."""
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger(timezone=TIMEZONE, **job.cron).get_next_fire_time(None, now)


def serve(app: Flask) -> None:
    """Run the scheduler in this process until it is stopped."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from .db import get_session

    scheduler = BlockingScheduler(timezone=TIMEZONE)
    for job in JOBS.values():
        def fire(name: str = job.name) -> None:
            with app.app_context():
                try:
                    log.info(run_job(name, None, session=get_session()))
                except Exception:  # one failing run must not stop the scheduler
                    log.exception("job %s failed", name)

        scheduler.add_job(fire, "cron", id=job.name, name=job.name, coalesce=True, max_instances=1, misfire_grace_time=3600, **job.cron)
    if "preview-cleanup" in JOBS:  # at start too: uploads left while the scheduler was down
        with app.app_context():
            try:
                log.info("at start: %s", JOBS["preview-cleanup"].run("start", get_session()))
            except Exception:
                log.exception("preview clean-up at start failed")
    log.info("scheduler started with %s", ", ".join(JOBS) or "no jobs")
    scheduler.start()
