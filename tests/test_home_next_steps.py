"""The home page says what each role should do next, each item linking to where it is done (issue 13).

Today is 20 November 2025 here: the last closed quarter is 2025-Q3, its returns were due on 30 October.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from conftest import csrf_token
from returns_workbooks import add_disbursement, add_organisations, return_workbook, xlsx
from uxo_swg.db import get_session
from uxo_swg.home import todo as todo_module
from uxo_swg.models import Disbursement, ReviewerPillar, SummaryReport, User
from uxo_swg.returns.services import import_return
from uxo_swg.summaries.jobs import open_drafts

TODAY = date(2025, 11, 20)
UNMATCHED = [date(2025, 8, 3), "Japan", None, "JP-7", "clearance", "Xiengkhouang", 5000, "USD", None]


@pytest.fixture
def quarter(app, monkeypatch):
    """HALO sent its 2025-Q3 return (late: it is stored today) with a receipt nobody recorded; MAG and UXO Lao did not.

    The United States paid HALO in July; a payment in riel has no rate; the 2025-Q3 drafts are open.
    """
    monkeypatch.setattr("uxo_swg.home.routes._today", lambda: TODAY)
    monkeypatch.setattr("uxo_swg.home.todo.ecb_last_date", lambda: TODAY - timedelta(days=10))
    with app.app_context():
        s = get_session()
        ids = add_organisations(s)
        add_disbursement(s, ids)
        s.add(Disbursement(donor_id=ids["Japan"], recipient_id=ids["MAG"], paid_on=date(2025, 9, 1), pillar_code="re",
                           amount=1000000, currency="KHR"))
        s.commit()
        import_return(xlsx(return_workbook(receipts=[UNMATCHED])), "halo-q3.xlsx", session=s, actor="test")
        open_drafts("2025-Q3", s)
    return ids


def todo(client, role):
    """Return the items of one role's section: (text, link) pairs."""
    page = client.get("/").get_data(as_text=True)
    section = page.split(f'id="todo-{role}"')[1].split("<h3")[0].split("</section>")[0]
    return [(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip(), (re.findall(r'href="([^"]+)"', li) or [None])[0])
            for li in re.findall(r"<li class=\"[a-z]+\">(.*?)</li>\n", section, re.S)]


def find(items, words):
    found = [(text, link) for text, link in items if words in text]
    assert found, f"{words!r} not in {[t for t, _ in items]}"
    return found[0]


def test_co_chairs_see_returns_receipts_rates_and_drafts_to_act_on(quarter, client, login):
    login("co-chair")
    items = todo(client, "co-chair")
    text, link = find(items, "return(s) for 2025-Q3 are missing")
    assert text == "2 return(s) for 2025-Q3 are missing (due 2025-10-30): MAG, UXO Lao. See who has reported"
    assert link == "/returns/?quarter=2025-Q3"
    assert find(items, "arrived late: HALO Trust")[1] == "/returns/?quarter=2025-Q3"
    assert find(items, "1 receipt(s) reported for 2025-Q3 match no donor-side payment")[1] == \
        "/reconciliation/?quarter=2025-Q3#open-receipts"
    text, link = find(items, "for want of an exchange rate (KHR, from 2025-09-01)")
    assert link is None and "An admin loads them on the Exchange rates page" in text
    drafts = [(t, l) for t, l in items if "the draft is open and not published" in t]
    assert len(drafts) == 5 and ("TWG summary · clearance · 2025-Q3: the draft is open and not published, no comment yet. "
                                 "Review and publish", "/summaries/twg/2025-Q3/clearance") in drafts
    assert not any("ECB" in t for t, _ in items)  # the built-in table ended 10 days ago: not stale yet


def test_the_stale_built_in_rates_are_flagged_with_the_page_that_loads_rates(quarter, client, login, monkeypatch):
    monkeypatch.setattr("uxo_swg.home.todo.ecb_last_date", lambda: date(2025, 9, 30))
    login("admin")
    items = todo(client, "admin")
    text, link = find(items, "The built-in ECB reference rates end on 2025-09-30, 51 days ago")
    assert link == "/admin/rates" and "as a CSV file" in text
    assert find(items, "for want of an exchange rate")[1] == "/admin/rates"
    assert 'id="todo-co-chair"' not in client.get("/").get_data(as_text=True)


def test_an_operator_sees_its_return_status_due_date_and_what_it_sent(quarter, app, client, login):
    login("operator", organisation="HALO Trust")
    items = todo(client, "operator")
    text, link = find(items, "Your 2025-Q3 return was received (late; it was due on 2025-10-30), version 1.")
    assert re.fullmatch(r"/returns/\d+", link)
    assert find(items, "Sent: 2025-Q3, version 1, halo-q3.xlsx.")[1] == link
    assert find(items, "Your 2025-Q4 return will be due by 2026-01-30")[1] == "/returns/?quarter=2025-Q4"
    assert 'id="todo-co-chair"' not in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("operator", organisation="MAG")
    items = todo(client, "operator")
    assert find(items, "Your 2025-Q3 return is missing: it was due on 2025-10-30.")[1] == "/returns/?quarter=2025-Q3"
    assert not any(t.startswith("Sent:") for t, _ in items)


def test_a_reviewer_sees_the_drafts_of_the_pillars_they_follow(quarter, app, client, login):
    email = login("reviewer")
    items = todo(client, "reviewer")
    assert len(items) == 5 and all(link.endswith("#comments") for _, link in items)
    with app.app_context():
        s = get_session()
        user = s.exec(select(User).where(User.email == email)).one()
        s.add(ReviewerPillar(user_id=user.id, pillar_code="va"))
        s.commit()
    items = todo(client, "reviewer")
    assert items == [("TWG summary · va · 2025-Q3: not published yet; 0 comment(s) so far. Read and comment",
                      "/summaries/twg/2025-Q3/va#comments")]
    assert 'id="todo-co-chair"' not in client.get("/").get_data(as_text=True)


def test_the_demo_opens_the_drafts_of_its_last_closed_quarter(demo_app, client, login):
    with demo_app.app_context():
        drafts = get_session().exec(select(SummaryReport.kind, SummaryReport.period, SummaryReport.pillar_code)).all()
    assert sorted(drafts) == [("twg", "2026-Q3", p) for p in ("clearance", "im", "policy", "re", "va")]
    client.post("/login", data={"email": "reviewer@demo.example", "password": "demo password",
                                "csrf_token": csrf_token(client)})
    assert len(todo(client, "reviewer")) == 5


def test_the_unmatched_receipts_item_follows_the_records_it_counts(quarter, app, client, login):
    # Counted once per change of the data (the home page of every co-chair asks): never stale.
    login("co-chair")
    assert find(todo(client, "co-chair"), "1 receipt(s) reported for 2025-Q3 match no donor-side payment")
    assert find(todo(client, "co-chair"), "1 receipt(s) reported for 2025-Q3 match no donor-side payment")
    with app.app_context():
        s = get_session()
        add_disbursement(s, quarter, ref="JP-7", donor="Japan", paid_on=date(2025, 8, 1), amount=5000)
    assert find(todo(client, "co-chair"), "Every receipt operators reported for 2025-Q3 matches a donor-side payment")


def test_the_returns_item_is_counted_once_per_change_and_day_and_follows_a_new_return(quarter, app, client, login,
                                                                                       monkeypatch):
    counted = []
    real = todo_module.quarter_status

    def counting(*args, **kwargs):
        counted.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(todo_module, "quarter_status", counting)
    login("co-chair")
    missing = "2 return(s) for 2025-Q3 are missing (due 2025-10-30): MAG, UXO Lao."
    assert find(todo(client, "co-chair"), missing)
    assert find(todo(client, "co-chair"), missing)
    assert len(counted) == 1  # the second view: the list kept for this version of the data and this day
    with app.app_context():
        import_return(xlsx(return_workbook(operator="MAG")), "mag-q3.xlsx", session=get_session(), actor="test")
    assert find(todo(client, "co-chair"), "1 return(s) for 2025-Q3 are missing (due 2025-10-30): UXO Lao.")
    assert find(todo(client, "co-chair"), "arrived late: HALO Trust, MAG")
    assert len(counted) == 2
    monkeypatch.setattr("uxo_swg.home.routes._today", lambda: TODAY + timedelta(days=1))  # a new day: counted again
    assert find(todo(client, "co-chair"), "1 return(s) for 2025-Q3 are missing")
    assert len(counted) == 3
