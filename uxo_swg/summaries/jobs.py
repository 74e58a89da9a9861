"""The summaries' scheduled job: open the drafts of the quarter (and half-year) that just ended.

On the first day of each quarter the scheduler opens the TWG drafts of the quarter that ended,
one per working group pillar, and after June and December the SWG draft of the half-year, so
they are listed on the summaries page for reviewers to read and comment on before the meeting.
Opening a draft stores its (empty) report record; its figures stay live until a co-chair
publishes it. A draft that is already open is left as it is.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from ..domain.periods import half_of, parse_quarter, quarter_of
from ..scheduler import Job, register
from . import services

#: The five TWGs' pillars (not "unallocated", which no working group reviews on its own).
TWG_PILLARS = ("clearance", "va", "re", "im", "policy")


def open_drafts(period: str, session: Session) -> str:
    """Open the TWG drafts of the quarter, and the SWG draft when the quarter ends a half-year."""
    quarter = parse_quarter(period)
    scopes = [services.Scope("twg", quarter, pillar) for pillar in TWG_PILLARS]
    if quarter.index in (2, 4):
        scopes.append(services.Scope("swg", half_of(quarter.end)))
    opened = [scope for scope in scopes if services.open_report(scope, session=session)]
    session.commit()
    if not opened:
        return "every draft was already open"
    return f"opened {len(opened)} draft(s): " + ", ".join(scope.title for scope in opened)


def quarter_just_ended(day: date) -> str:
    """The quarter before the one the day is in."""
    return str(quarter_of(day).shift(-1))


SUMMARY_DRAFTS = register(Job(
    name="summary-drafts",
    run=open_drafts,
    period_due=quarter_just_ended,
    cron={"month": "1,4,7,10", "day": 1, "hour": 6, "minute": 0},  # Asia/Vientiane
    schedule=_l("the first day of each quarter at 06:00"),
))
