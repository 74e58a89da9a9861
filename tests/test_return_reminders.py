"""The `return-reminders` job on a frozen clock: before, on and after the due date, once each, and the digest."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from calendar_helpers import SmtpInbox, free_port, run_days
from uxo_swg.db import get_session
from uxo_swg.domain.periods import parse_quarter
from uxo_swg.domain.reminders import reminder_step
from uxo_swg.models import JobHistory, JobRun, Notice, OperatorReturn, Organisation, User
from uxo_swg.scheduler import run_job


def _return(session, operator: str, quarter: str, on: date) -> None:
    org = session.exec(select(Organisation).where(Organisation.name == operator)).one()
    session.add(OperatorReturn(operator_id=org.id, quarter=quarter, uploaded_at=datetime(on.year, on.month, on.day, 9, tzinfo=timezone.utc)))


@pytest.fixture
def sector(app, make_user):
    """Two operators that sent every return up to 2025-Q2; Beta also sent 2025-Q3 on time. Who's who."""
    with app.app_context():
        s = get_session()
        s.add_all([Organisation(name="Alpha Demining", kind="ngo"), Organisation(name="Beta Clearance", kind="commercial"),
                   Organisation(name="Gamma Donor", kind="donor")])
        s.commit()
        for name in ("Alpha Demining", "Beta Clearance"):
            for quarter in ("2024-Q4", "2025-Q1", "2025-Q2"):
                _return(s, name, quarter, parse_quarter(quarter).end + timedelta(days=10))
        _return(s, "Beta Clearance", "2025-Q3", date(2025, 10, 25))
        s.commit()
    people = {
        "alpha": make_user("operator", organisation="Alpha Demining"),
        "alpha2": make_user("operator", organisation="Alpha Demining"),
        "beta": make_user("operator", organisation="Beta Clearance"),
        "chair": make_user("co-chair"),
        "admin": make_user("admin"),
        "gone": make_user("operator", organisation="Alpha Demining"),
    }
    with app.app_context():
        s = get_session()
        gone = s.exec(select(User).where(User.email == people["gone"])).one()
        gone.active = False
        s.add(gone)
        s.commit()
    return people


def test_reminder_steps_before_on_and_after_the_due_date():
    q3 = parse_quarter("2025-Q3")
    step = lambda day: reminder_step(q3, day, due_days=30, days_before=(7, 0), late_every=7)  # noqa: E731
    assert step(date(2025, 10, 22)) is None
    assert step(date(2025, 10, 23)).name == "due-in-7-days"
    assert step(date(2025, 10, 29)).name == "due-in-7-days"  # the latest step reached, made once by its key
    assert step(date(2025, 10, 30)).name == "due-today"
    assert step(date(2025, 11, 5)).name == "due-today"
    assert (step(date(2025, 11, 6)).name, step(date(2025, 11, 6)).on) == ("late-1", date(2025, 11, 6))
    assert step(date(2026, 1, 1)).name == "late-9"  # 63 days after 2025-10-30
    q4 = parse_quarter("2025-Q4")  # across the year end: due 2026-01-30 with the default 30 days
    assert reminder_step(q4, date(2026, 1, 23), due_days=30, days_before=(7, 0), late_every=7).due == date(2026, 1, 30)
    assert reminder_step(q4, date(2026, 2, 9), due_days=45, days_before=(14,), late_every=7).name == "due-in-14-days"


def test_reminders_across_a_quarter_end_and_a_year_end_are_made_on_their_days_once(app, sector):
    made = run_days(app, "return-reminders", date(2025, 10, 20), date(2026, 2, 16))
    by = lambda who: {day: [s for e, s in items if e == sector[who]] for day, items in made.items()}  # noqa: E731
    alpha = {day: subjects for day, subjects in by("alpha").items() if subjects}
    q3_late = [date(2025, 10, 30) + timedelta(days=7 * n) for n in range(1, 16)]  # 2025-11-06 ... 2026-02-12
    expected = {date(2025, 10, 23): ["Your 2025-Q3 return is due on 2025-10-30"],
                date(2025, 10, 30): ["Your 2025-Q3 return is due today"]}
    for day in q3_late:
        expected.setdefault(day, []).append("Your 2025-Q3 return is late")
    expected.setdefault(date(2026, 1, 23), []).append("Your 2025-Q4 return is due on 2026-01-30")
    expected.setdefault(date(2026, 1, 30), []).append("Your 2025-Q4 return is due today")
    for day in (date(2026, 2, 6), date(2026, 2, 13)):
        expected.setdefault(day, []).append("Your 2025-Q4 return is late")
    assert alpha == {day: sorted(subjects) for day, subjects in sorted(expected.items())}
    assert by("alpha2") == by("alpha")  # every user of the operator, the disabled one none
    assert not any(by("gone").values()) and not any(by("admin").values())
    beta = {day: subjects for day, subjects in by("beta").items() if subjects}  # Q3 sent on time: Q4 only
    assert beta == {date(2026, 1, 23): ["Your 2025-Q4 return is due on 2026-01-30"],
                    date(2026, 1, 30): ["Your 2025-Q4 return is due today"],
                    date(2026, 2, 6): ["Your 2025-Q4 return is late"], date(2026, 2, 13): ["Your 2025-Q4 return is late"]}
    # the co-chairs' digest: Mondays once someone is late (nobody was on 20 and 27 October)
    chair = {day for day, subjects in by("chair").items() if subjects}
    mondays = {date(2025, 11, 3) + timedelta(days=7 * n) for n in range(16)}
    assert chair == mondays
    with app.app_context():
        s = get_session()
        chair_user = s.exec(select(User).where(User.email == sector["chair"])).one()
        digest = s.exec(select(Notice).where(Notice.user_id == chair_user.id).order_by(Notice.id.desc())).first()
        assert digest.subject == "Returns late this week: 3"
        assert "2025-Q3 (due 2025-10-30, 109 days ago): Alpha Demining" in digest.body
        assert "2025-Q4 (due 2026-01-30, 17 days ago): Alpha Demining, Beta Clearance" in digest.body
        alpha_user = s.exec(select(User).where(User.email == sector["alpha"])).one()
        late = s.exec(select(Notice).where(Notice.user_id == alpha_user.id).order_by(Notice.id.desc())).first()
        assert "Alpha Demining's quarterly return for 2025-Q4 was due on 2026-01-30; it is 14 days late" in late.body
        assert late.link == "/returns/?quarter=2025-Q4"
        # a restart that lost every job claim makes nothing twice: each reminder's key is kept
        count = len(s.exec(select(Notice)).all())
        for run in s.exec(select(JobRun)).all():
            s.delete(run)
        s.commit()
        assert "reminded 0 operator quarter(s)" in run_job("return-reminders", "2026-02-13", session=s)
        assert "reminded 0" in run_job("return-reminders", "2026-02-16", session=s)
        assert len(s.exec(select(Notice)).all()) == count
        assert "already done" in run_job("return-reminders", "2026-02-16", session=s)


def test_a_return_received_stops_the_reminders(app, sector):
    run_days(app, "return-reminders", date(2025, 11, 6), date(2025, 11, 6))
    with app.app_context():
        _return(get_session(), "Alpha Demining", "2025-Q3", date(2025, 11, 10))
        get_session().commit()
    made = run_days(app, "return-reminders", date(2025, 11, 7), date(2025, 11, 30))
    assert not any(sector["alpha"] == e for items in made.values() for e, _ in items)


@pytest.fixture
def smtp(app):
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TLS="none",
                      MAIL_FROM="secretariat@uxo-swg.example")
    yield inbox.messages
    controller.stop()


def test_reminders_and_the_digest_are_e_mailed_to_the_right_people(app, sector, smtp):
    with app.app_context():
        said = run_job("return-reminders", "2025-10-23", session=get_session())
    assert "2 e-mail(s) sent" in said
    assert sorted(rcpt for _, rcpts, _ in smtp for rcpt in rcpts) == sorted([sector["alpha"], sector["alpha2"]])
    sender, _, message = smtp[0]
    assert sender == "secretariat@uxo-swg.example" and message["From"] == "secretariat@uxo-swg.example"
    assert message["Subject"] == "Your 2025-Q3 return is due on 2025-10-30"
    assert "Alpha Demining's quarterly return for 2025-Q3 is due in 7 days, on 2025-10-30." in message.get_content()
    smtp.clear()
    with app.app_context():
        run_job("return-reminders", "2025-11-03", session=get_session())  # a Monday, Alpha late since 31 October
    received = {rcpts[0]: message for _, rcpts, message in smtp}
    assert set(received) == {sector["alpha"], sector["alpha2"], sector["chair"]}
    assert received[sector["chair"]]["Subject"] == "Returns late this week: 1"
    assert "2025-Q3 (due 2025-10-30, 4 days ago): Alpha Demining" in received[sector["chair"]].get_content()
    assert received[sector["alpha"]]["Subject"] == "Your 2025-Q3 return is due today"  # the due-today step, caught up
    with app.app_context():
        s = get_session()
        run_job("return-reminders", "2025-11-04", session=s)
        history = s.exec(select(JobHistory).order_by(JobHistory.id)).all()
    assert len(smtp) == 3  # nothing new on the 4th
    assert [(h.period, h.outcome) for h in history] == [("2025-10-23", "done"), ("2025-11-03", "done"), ("2025-11-04", "done")]


def test_an_e_mail_that_could_not_be_sent_is_sent_by_the_next_run(app, sector, smtp):
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    with app.app_context():
        said = run_job("return-reminders", "2025-10-23", session=get_session())
    assert "could not reach the SMTP server" in said and smtp == []
    app.config["SMTP_PORT"] = port
    with app.app_context():
        said = run_job("return-reminders", "2025-10-24", session=get_session())
    assert "reminded 0" in said and "2 e-mail(s) sent" in said
    assert len(smtp) == 2


def test_two_schedulers_at_once_remind_once(app, sector):
    """Two threads, each with its own session, start the job together: for one day, and for two days."""
    def race(periods):
        barrier = threading.Barrier(len(periods))
        results, errors = [], []

        def worker(period):
            try:
                with app.app_context():
                    barrier.wait()
                    results.append(run_job("return-reminders", period, session=get_session()))
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(p,)) for p in periods]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        return results

    results = race(["2025-10-23", "2025-10-23"])
    assert sorted("already done" in r for r in results) == [False, True]
    results = race(["2025-10-30", "2025-10-31"])  # two periods, both claimed: the reminder's key decides
    assert all("already done" not in r for r in results)
    with app.app_context():
        s = get_session()
        alpha = s.exec(select(User).where(User.email == sector["alpha"])).one()
        subjects = sorted(n.subject for n in s.exec(select(Notice).where(Notice.user_id == alpha.id)).all())
    assert subjects == ["Your 2025-Q3 return is due on 2025-10-30", "Your 2025-Q3 return is due today"]
