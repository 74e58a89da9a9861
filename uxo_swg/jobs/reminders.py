"""The `return-reminders` job: operators reminded of a quarter's return before, on and after its due date.

Every day, for each operator without a return for one of the last four quarters, the latest
reminder step reached (7 days before the due date, the due date, then every week while late:
see config.py) is made once: a notice to each of the operator's users, and an e-mail when SMTP
is configured. Once a week the co-chairs get a digest of the operators whose return is late.
Each reminder and digest is claimed by its key (`reminder_sent`), so none is made twice.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from ..domain.reminders import due_on, iso_week, quarters_to_watch, reminder_step
from ..mail import deliver_pending, mail_configured
from ..models import OperatorReturn, Organisation
from ..notices import texts
from ..notices.services import active_users, claim_reminder, notify
from ..returns.services import OPERATOR_KINDS
from ..scheduler import Job, register


def send_return_reminders(period: str, session: Session) -> str:
    """Make the return reminders (and the weekly digest) due on the day `period`; say what was made."""
    today = date.fromisoformat(period)
    config = current_app.config
    email = mail_configured(config)
    quarters = quarters_to_watch(today)
    operators = session.exec(select(Organisation).where(col(Organisation.kind).in_(OPERATOR_KINDS),
                                                        col(Organisation.merged_into_id).is_(None))
                             .order_by(Organisation.name)).all()
    received = set(session.exec(select(OperatorReturn.operator_id, OperatorReturn.quarter)
                                .where(col(OperatorReturn.quarter).in_([str(q) for q in quarters]))).all())
    reminded: list[str] = []
    late: list[tuple[str, date, list[str]]] = []
    for quarter in sorted(quarters):
        late_names = []
        for operator in operators:
            if (operator.id, str(quarter)) in received:
                continue
            step = reminder_step(quarter, today, due_days=config["RETURN_DUE_DAYS"],
                                 days_before=config["RETURN_REMINDER_DAYS"], late_every=config["RETURN_LATE_EVERY_DAYS"])
            if today > due_on(quarter, config["RETURN_DUE_DAYS"]):
                late_names.append(operator.name)
            users = active_users(session=session, organisation_id=operator.id)
            if step is None or not users:
                continue  # nothing due yet, or nobody to remind (the digest still names a late operator)
            if not claim_reminder(f"return:{operator.id}:{quarter}:{step.name}", "return-reminder",
                                  f"{operator.name} {quarter} {step.name}", session=session):
                continue
            subject, body = texts.return_reminder(operator.name, str(quarter), step.due, step.kind, today)
            notify(users, subject, body, link=f"/returns/?quarter={quarter}", email=email, session=session)
            reminded.append(f"{operator.name} {quarter} {step.name}")
        if late_names:
            late.append((str(quarter), due_on(quarter, config["RETURN_DUE_DAYS"]), late_names))
    digest = _digest(late, today, email, config["RETURN_DIGEST_WEEKDAY"], session=session)
    session.commit()
    sent, errors = deliver_pending(session=session, config=config)
    parts = [f"reminded {len(reminded)} operator quarter(s)" + (f": {'; '.join(reminded)}" if reminded else "")]
    if digest:
        parts.append(digest)
    if email:
        parts.append(f"{sent} e-mail(s) sent" + (f", {len(errors)} not sent: {'; '.join(errors)}" if errors else ""))
    return "; ".join(parts)


def _digest(late: list[tuple[str, date, list[str]]], today: date, email: bool, weekday: int, *, session: Session) -> str:
    """Send the co-chairs the week's digest of late returns, once a week from the configured weekday on."""
    if today.weekday() < weekday:
        return ""
    count = sum(len(names) for _, _, names in late)
    if not claim_reminder(f"return-digest:{iso_week(today)}", "return-digest", f"{count} late", session=session):
        return ""
    if not late:
        return "weekly digest: no return is late"
    co_chairs = active_users(session=session, role="co-chair")
    subject, body = texts.return_digest(late, today)
    notify(co_chairs, subject, body, link="/returns/", email=email, session=session)
    return f"weekly digest of {count} late return(s) to {len(co_chairs)} co-chair(s)"


RETURN_REMINDERS = register(Job(
    name="return-reminders",
    run=send_return_reminders,
    period_due=date.isoformat,
    cron={"hour": 7, "minute": 0},  # Asia/Vientiane
    schedule=_l("every day at 07:00"),
    check_period=date.fromisoformat,
))
