"""The `rate-watch` job: admins warned when a currency in use has no usable rate for recent dates.

A currency is in use when a record of the last 90 days or of the current quarter is in it
(pledges announced, agreements signed, payments made and received, expenditure reported,
the year's requirements and pledges). Each date such a record is converted at, and today,
must have a rate from the 31 days before it (counting rule 1). A warning is made once per
currency and latest known rate; a second one only after new rates were loaded and ran out
again. The admins are also warned, once, when the built-in ECB table ends before today.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from ..domain.conversion import RateMissing
from ..domain.periods import quarter_of
from ..mail import deliver_pending, mail_configured
from ..models import (
    Commitment, Disbursement, ExchangeRate, OperatorReturn, Pledge, PledgeLine, Requirement, ReturnExpenditure,
    ReturnReceipt,
)
from ..notices import texts
from ..notices.services import active_users, claim_reminder, notify
from ..rates import ecb_rates, rate_book
from ..scheduler import Job, register

#: Records dated within this many days before today put their currency under watch.
WINDOW_DAYS = 90


def currencies_in_use(today: date, *, session: Session) -> dict[str, set[date]]:
    """Return each currency in use around today with the dates its amounts are converted at."""
    quarter = quarter_of(today)
    first = min(today - timedelta(days=WINDOW_DAYS), quarter.start)
    uses: dict[str, set[date]] = {}

    def add(rows) -> None:
        for currency, day in rows:
            uses.setdefault(currency.upper(), set()).add(day)

    for model, day in ((Pledge, Pledge.announced_on), (Commitment, Commitment.signed_on), (Disbursement, Disbursement.paid_on)):
        add(session.exec(select(model.currency, day).distinct()
                         .where(day >= first, day <= today, col(model.cancelled_at).is_(None))).all())
    add(session.exec(select(ReturnReceipt.currency, ReturnReceipt.received_on).distinct()
                     .join(OperatorReturn, OperatorReturn.id == ReturnReceipt.return_id)
                     .where(ReturnReceipt.received_on >= first, ReturnReceipt.received_on <= today,
                            col(OperatorReturn.superseded_by_id).is_(None))).all())
    quarters = {str(quarter_of(first)): quarter_of(first), str(quarter): quarter}
    expenditure = session.exec(select(ReturnExpenditure.currency, OperatorReturn.quarter).distinct()
                               .join(OperatorReturn, OperatorReturn.id == ReturnExpenditure.return_id)
                               .where(col(OperatorReturn.quarter).in_(quarters),
                                      col(OperatorReturn.superseded_by_id).is_(None))).all()
    add((currency, quarters[text].start) for currency, text in expenditure)  # converted at the quarter's first day
    add([(c, date(today.year, 1, 1)) for c in session.exec(
        select(Requirement.currency).distinct().where(Requirement.year == today.year,
                                                      col(Requirement.cancelled_at).is_(None),
                                                      col(Requirement.superseded_by_id).is_(None))).all()])
    add(session.exec(select(Pledge.currency, Pledge.announced_on).distinct()
                     .join(PledgeLine, PledgeLine.pledge_id == Pledge.id)
                     .where(PledgeLine.year == today.year, col(Pledge.cancelled_at).is_(None))).all())
    uses.pop("USD", None)
    for dates in uses.values():
        dates.add(today)
    return uses


def last_rate_on(currency: str, today: date, *, session: Session) -> date | None:
    """Return the date of the latest rate known for the currency on or before today (loaded or ECB)."""
    loaded = session.exec(select(sa.func.max(ExchangeRate.rate_date))
                          .where(ExchangeRate.currency == currency, ExchangeRate.rate_date <= today)).one()
    bounds = ecb_rates().bounds(currency)
    ecb = min(bounds[1], today) if bounds and bounds[0] <= today else None
    return max((d for d in (loaded, ecb) if d is not None), default=None)


def watch_rates(period: str, session: Session) -> str:
    """Warn the admins of currencies in use without a usable rate on the day `period`; say what was found."""
    today = date.fromisoformat(period)
    config = current_app.config
    email = mail_configured(config)
    book = rate_book(session=session)
    admins = active_users(session=session, role="admin")
    missing: dict[str, list[date]] = {}
    uses = currencies_in_use(today, session=session)
    for currency, dates in sorted(uses.items()):
        for day in sorted(dates):
            try:
                book.rate(currency, day)
            except RateMissing:
                missing.setdefault(currency, []).append(day)
    warned = []
    for currency, dates in missing.items():
        last = last_rate_on(currency, today, session=session)
        if claim_reminder(f"rate:{currency}:{last or 'none'}", "rate-missing", f"{currency}: {len(dates)} date(s)",
                          session=session):
            subject, body = texts.rate_missing(currency, dates, last)
            notify(admins, subject, body, link="/admin/rates", email=email, session=session)
            warned.append(currency)
    ecb_last = ecb_rates().last_date()
    if ecb_last < today and claim_reminder(f"ecb-ends:{ecb_last}", "ecb-ends", "", session=session):
        subject, body = texts.ecb_table_ends(ecb_last, today)
        notify(admins, subject, body, link="/admin/rates", email=email, session=session)
        warned.append(f"the ECB table ending on {ecb_last}")
    session.commit()
    sent, errors = deliver_pending(session=session, config=config)
    said = (f"{len(uses)} currency(ies) in use, without a rate: {', '.join(sorted(missing)) or 'none'}; "
            f"warned {len(admins)} admin(s) of: {', '.join(warned) or 'nothing new'}")
    if email:
        said += f"; {sent} e-mail(s) sent" + (f", {len(errors)} not sent: {'; '.join(errors)}" if errors else "")
    return said


RATE_WATCH = register(Job(
    name="rate-watch",
    run=watch_rates,
    period_due=date.isoformat,
    cron={"hour": 7, "minute": 15},  # Asia/Vientiane
    schedule=_l("every day at 07:15"),
    check_period=date.fromisoformat,
))
