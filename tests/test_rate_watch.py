"""The `rate-watch` job on a frozen clock: admins warned once when a currency in use runs out of rates."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from calendar_helpers import SmtpInbox, free_port, run_days
from uxo_swg.db import get_session
from uxo_swg.jobs.ratewatch import currencies_in_use
from uxo_swg.models import Disbursement, ExchangeRate, Notice, Organisation, Pledge, ReminderSent
from uxo_swg.rates import ecb_rates
from uxo_swg.scheduler import run_job


@pytest.fixture
def records(app, make_user):
    """LAK rates on the first of each month to 2025-12-01; a LAK and a THB payment, a VND pledge (no rate ever)."""
    with app.app_context():
        s = get_session()
        donor, operator = Organisation(name="Gamma Donor", kind="donor"), Organisation(name="Alpha Demining", kind="ngo")
        s.add_all([donor, operator])
        s.flush()
        s.add_all(ExchangeRate(rate_date=date(2025, month, 1), currency="LAK", units_per_usd=Decimal("21500"),
                               source="BOL") for month in range(1, 13))
        for paid_on, currency in ((date(2025, 11, 15), "LAK"), (date(2025, 12, 10), "THB")):
            s.add(Disbursement(donor_id=donor.id, recipient_id=operator.id, paid_on=paid_on, pillar_code="clearance",
                               amount=Decimal("1000"), currency=currency))
        s.add(Pledge(ref="PL-VND", donor_id=donor.id, announced_on=date(2025, 10, 5), currency="VND"))
        s.add(Pledge(ref="PL-OLD", donor_id=donor.id, announced_on=date(2024, 3, 5), currency="XAF",
                     cancelled_at=datetime(2024, 4, 1, tzinfo=timezone.utc)))
        s.commit()
    return {"admin": make_user("admin"), "admin2": make_user("admin"), "chair": make_user("co-chair")}


def _load_lak(day, session):
    if day == date(2026, 1, 5):
        session.add(ExchangeRate(rate_date=date(2026, 1, 1), currency="LAK", units_per_usd=Decimal("21600"), source="BOL"))
        session.commit()


def test_currencies_in_use_and_the_dates_they_are_converted_at(app, records):
    with app.app_context():
        uses = currencies_in_use(date(2025, 12, 20), session=get_session())
    assert uses == {"LAK": {date(2025, 11, 15), date(2025, 12, 20)}, "THB": {date(2025, 12, 10), date(2025, 12, 20)},
                    "VND": {date(2025, 10, 5), date(2025, 12, 20)}}


def test_warnings_across_the_year_end_are_made_on_their_days_once(app, records):
    made = run_days(app, "rate-watch", date(2025, 12, 20), date(2026, 2, 5), before_day=_load_lak)
    admin = {day: [s for e, s in items if e == records["admin"]] for day, items in made.items()}
    assert {day: subjects for day, subjects in admin.items() if subjects} == {
        date(2025, 12, 20): ["No VND exchange rate for recent dates"],
        date(2026, 1, 2): ["No LAK exchange rate for recent dates"],  # 2025-12-01's rate served 31 days, to 1 January
        date(2026, 2, 2): ["No LAK exchange rate for recent dates"],  # the rate loaded on 5 January ran out too
    }
    admin2 = {day: [s for e, s in items if e == records["admin2"]] for day, items in made.items()}
    assert admin2 == admin
    assert not any(e == records["chair"] for items in made.values() for e, _ in items)
    with app.app_context():
        s = get_session()
        bodies = [n.body for n in s.exec(select(Notice).where(Notice.subject.contains("LAK")).order_by(Notice.id)).all()]
        assert "no usable LAK rate (one from the 31 days before) for: 2026-01-02." in bodies[0]
        assert "The latest LAK rate known is of 2025-12-01." in bodies[0] and "Users → Exchange rates" in bodies[0]
        assert "The latest LAK rate known is of 2026-01-01." in bodies[-1]
        keys = sorted(s.exec(select(ReminderSent.key)).all())
        assert keys == ["rate:LAK:2025-12-01", "rate:LAK:2026-01-01", "rate:VND:none"]


def test_the_ecb_table_ending_before_today_is_said_once(app, records):
    last = ecb_rates().last_date()
    made = run_days(app, "rate-watch", date.fromordinal(last.toordinal() - 1), date.fromordinal(last.toordinal() + 3))
    ecb = [(day, s) for day, items in made.items() for e, s in items if e == records["admin"] and "ECB" in s]
    assert ecb == [(date.fromordinal(last.toordinal() + 1), f"The built-in ECB rates end on {last.isoformat()}")]


def test_warnings_are_e_mailed_to_the_admins(app, records):
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TLS="none", MAIL_FROM="swg@example.org")
        with app.app_context():
            said = run_job("rate-watch", "2026-01-02", session=get_session())
    finally:
        controller.stop()
    assert "without a rate: LAK, VND" in said and "4 e-mail(s) sent" in said
    received = sorted((rcpts[0], m["Subject"]) for _, rcpts, m in inbox.messages)
    assert received == sorted([(records[a], f"No {c} exchange rate for recent dates") for a in ("admin", "admin2")
                               for c in ("LAK", "VND")])
