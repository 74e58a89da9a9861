"""Helpers of the calendar tests: a local SMTP server, and running a daily job over a range of days."""
from __future__ import annotations

import socket
from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

from sqlmodel import select

from uxo_swg.db import get_session
from uxo_swg.models import Notice, User
from uxo_swg.scheduler import run_job


class SmtpInbox:
    """What a local aiosmtpd server received: (sender, recipients, parsed message) per e-mail."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], object]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              message_from_bytes(envelope.content, policy=default_policy)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def run_days(app, job: str, first: date, last: date, before_day=None) -> dict[date, list[tuple[str, str]]]:
    """Run a daily job for each day from first to last; return the new notices (e-mail, subject) of each day."""
    made: dict[date, list[tuple[str, str]]] = {}
    with app.app_context():
        session = get_session()
        seen = session.exec(select(Notice.id).order_by(Notice.id.desc())).first() or 0
        emails = {u.id: u.email for u in session.exec(select(User)).all()}
        for day in days(first, last):
            if before_day:
                before_day(day, session)
            run_job(job, day.isoformat(), session=session)
            new = session.exec(select(Notice).where(Notice.id > seen).order_by(Notice.id)).all()
            if new:
                made[day] = [(emails[n.user_id], n.subject) for n in new]
                seen = new[-1].id
    return made
