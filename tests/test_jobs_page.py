"""The admins' Jobs page (schedules, next runs, history, run now) and the bell with its notices."""
from __future__ import annotations

import re

from sqlmodel import select

from conftest import csrf_token
from uxo_swg.db import get_session
from uxo_swg.models import JobHistory, Notice, User
from uxo_swg.notices.services import notify
from uxo_swg.scheduler import JOBS, Job, register, run_job


def test_jobs_page_lists_schedules_next_runs_and_history(app, client, login):
    def broken(period, session):
        raise RuntimeError("disk full")

    register(Job("broken", broken, lambda day: "2025", {"hour": 3}, schedule="every day at 03:00"))
    try:
        admin = login("admin")
        page = client.get("/admin/jobs/").get_data(as_text=True)
        for name, when in (("return-reminders", "every day at 07:00"), ("rate-watch", "every day at 07:15"),
                           ("backup", "every night at 02:00"), ("summary-drafts", "")):
            assert f">{name}</a>" in page and when in page
        assert re.search(r"<td>\d{4}-\d{2}-\d{2} 07:00</td>", page)  # the next run of the reminders
        token = csrf_token(client, "/admin/jobs/")
        response = client.post("/admin/jobs/summary-drafts/run", data={"csrf_token": token, "period": "2025-Q3"},
                               follow_redirects=True)
        assert "summary-drafts 2025-Q3: opened 5 draft(s)" in response.get_data(as_text=True)
        again = client.post("/admin/jobs/summary-drafts/run", data={"csrf_token": token, "period": "2025-Q3"},
                            follow_redirects=True).get_data(as_text=True)
        assert "already done, nothing to do" in again
        bad = client.post("/admin/jobs/rate-watch/run", data={"csrf_token": token, "period": "2025-13-01"},
                          follow_redirects=True).get_data(as_text=True)
        assert "the period &#39;2025-13-01&#39; cannot be read" in bad
        failed = client.post("/admin/jobs/broken/run", data={"csrf_token": token}, follow_redirects=True)
        assert "broken failed: RuntimeError: disk full. It can be run again." in failed.get_data(as_text=True)
        assert client.post("/admin/jobs/nope/run", data={"csrf_token": token}).status_code == 404
        with app.app_context():
            runs = get_session().exec(select(JobHistory.job, JobHistory.period, JobHistory.outcome, JobHistory.actor,
                                             JobHistory.detail).order_by(JobHistory.id)).all()
        assert runs[0][:4] == ("summary-drafts", "2025-Q3", "done", admin)
        assert runs[1] == ("broken", "2025", "failed", admin, "RuntimeError: disk full")
        history = client.get("/admin/jobs/?job=broken").get_data(as_text=True)
        assert "RuntimeError: disk full" in history and "opened 5 draft(s)" not in history
    finally:
        JOBS.pop("broken")


def test_the_bell_counts_unread_notices_and_each_user_marks_their_own_read(app, client, login, make_user):
    email = login("co-chair")
    other = make_user("co-chair")
    with app.app_context():
        s = get_session()
        users = s.exec(select(User).where(User.email.in_([email, other]))).all()
        notify(users, "Returns late this week: 2", "2025-Q3: MAG, NPA", link="/returns/", session=s)
        notify([u for u in users if u.email == email], "Second", "body", session=s)
        s.commit()
        mine = s.exec(select(Notice).join(User).where(User.email == email).order_by(Notice.id)).all()
    home = client.get("/").get_data(as_text=True)
    assert 'class="bell unread"' in home and '<span class="count">2</span>' in home
    page = client.get("/notices/").get_data(as_text=True)
    assert "Returns late this week: 2" in page and "2025-Q3: MAG, NPA" in page
    token = csrf_token(client, "/notices/")
    client.post(f"/notices/{mine[0].id}/read", data={"csrf_token": token})
    assert '<span class="count">1</span>' in client.get("/").get_data(as_text=True)
    client.post("/notices/read", data={"csrf_token": token})
    assert '<span class="count">0</span>' in client.get("/").get_data(as_text=True)
    with app.app_context():
        s = get_session()
        theirs = s.exec(select(Notice).join(User).where(User.email == other)).all()
    assert [n.read_at for n in theirs] == [None]  # read marks are per user


def test_run_job_command_knows_the_calendar_jobs(runner, app):
    result = runner.invoke(args=["run-job", "rate-watch", "--period", "2025-10-03"])
    assert result.exit_code == 0 and "rate-watch 2025-10-03: 0 currency(ies) in use" in result.output
    bad = runner.invoke(args=["run-job", "return-reminders", "--period", "2025-Q3"])
    assert bad.exit_code != 0 and "2025-Q3" in bad.output
    with app.app_context():
        assert "reminded 0" in run_job("return-reminders", "2025-10-03", session=get_session())
