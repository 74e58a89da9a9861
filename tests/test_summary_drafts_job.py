"""The scheduled job that opens each quarter's summary drafts, and who sees them listed."""
from datetime import date

from sqlmodel import select

from conftest import PASSWORD, csrf_token
from uxo_swg.db import get_session
from uxo_swg.models import AuditLog, Organisation, SummaryReport
from uxo_swg.scheduler import JOBS, run_job
from uxo_swg.summaries.jobs import quarter_just_ended


def test_the_job_is_registered_for_the_first_day_of_each_quarter(app):
    job = JOBS["summary-drafts"]
    assert job.cron == {"month": "1,4,7,10", "day": 1, "hour": 6, "minute": 0}
    assert quarter_just_ended(date(2025, 7, 1)) == "2025-Q2"
    assert quarter_just_ended(date(2026, 1, 1)) == "2025-Q4"  # across the year boundary


def test_opens_five_twg_drafts_and_the_swg_draft_at_a_half_year_end(app):
    with app.app_context():
        s = get_session()
        outcome = run_job("summary-drafts", None, session=s, today=date(2025, 7, 1))
        assert outcome.startswith("summary-drafts 2025-Q2: opened 6 draft(s)")
        reports = s.exec(select(SummaryReport.kind, SummaryReport.period, SummaryReport.pillar_code)
                         .order_by(SummaryReport.id)).all()
        assert reports == [("twg", "2025-Q2", p) for p in ("clearance", "va", "re", "im", "policy")] + [("swg", "2025-H1", "")]
        audited = s.exec(select(AuditLog.actor, AuditLog.via).where(AuditLog.entity == "summary_report")).all()
        assert audited == [("scheduler", "scheduler")] * 6
        # the same quarter again does nothing; a mid-half quarter opens no SWG draft
        assert "already done" in run_job("summary-drafts", "2025-Q2", session=s)
        assert "opened 5 draft(s)" in run_job("summary-drafts", "2025-Q3", session=s)
        assert len(s.exec(select(SummaryReport)).all()) == 11


def test_a_draft_opened_by_hand_is_left_as_it_is(app, client, login):
    login("co-chair")
    token = csrf_token(client, "/summaries/twg/2025-Q3/va")
    client.post("/summaries/twg/2025-Q3/va/comments", data={"csrf_token": token, "body": "Where is Korea?"})
    with app.app_context():
        assert "opened 4 draft(s)" in run_job("summary-drafts", "2025-Q3", session=get_session())


def test_bad_period_is_refused_by_the_command(runner):
    result = runner.invoke(args=["run-job", "summary-drafts", "--period", "2025-Q9"])
    assert result.exit_code != 0 and "2025-Q9" in result.output


def test_open_drafts_are_listed_for_the_pillars_a_reviewer_follows(app, client, make_user):
    with app.app_context():
        run_job("summary-drafts", "2025-Q4", session=get_session())
    reviewer = make_user("reviewer")
    client.post("/login", data={"email": reviewer, "password": PASSWORD, "csrf_token": csrf_token(client)})
    page = client.get("/summaries/").get_data(as_text=True)
    assert "/summaries/twg/2025-Q4/clearance" in page and "/summaries/twg/2025-Q4/policy" in page
    client.post("/summaries/follow", data={"csrf_token": csrf_token(client, "/summaries/"), "pillars": ["va"]})
    page = client.get("/summaries/").get_data(as_text=True)
    assert "/summaries/twg/2025-Q4/va" in page and "/summaries/swg/2025-H2/all" in page
    assert "/summaries/twg/2025-Q4/clearance" not in page


def test_operators_see_published_summaries_but_no_drafts(app, client, login):
    with app.app_context():
        s = get_session()
        s.add(Organisation(name="MAG", kind="ngo"))
        s.commit()
        run_job("summary-drafts", "2025-Q4", session=s)
    login("operator", organisation="MAG")
    page = client.get("/summaries/")
    assert page.status_code == 200
    assert "/summaries/twg/2025-Q4" not in page.get_data(as_text=True)
