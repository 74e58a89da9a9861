"""Defects users found on the pages (issue 13): labels, numbers, errors, public summaries, the audit log, rates advice."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
from sqlmodel import select

from conftest import csrf_token
from test_summaries import build, cancel_the_riel_disbursement
from uxo_swg.db import get_session
from uxo_swg.models import AuditLog, Disbursement, Setting, SummaryVersion, User
from uxo_swg.summaries import services

TWG = "/summaries/twg/2025-Q3/clearance"


@pytest.fixture
def example(app):
    with app.app_context():
        build(get_session())
    return app


def publish(app, email="chair.person@example.org"):
    """Publish the TWG summary of the worked example as a co-chair; return the version's id."""
    cancel_the_riel_disbursement(app)
    with app.app_context():
        s = get_session()
        user = s.exec(select(User).where(User.email == email)).first() or User(email=email, roles="co-chair")
        s.add(user)
        s.commit()
        return services.publish(services.scope_of("twg", "2025-Q3", "clearance"), user, session=s).id


def test_figure_keys_read_as_the_working_group_says_them():
    from uxo_swg.summaries.labels import figure_label

    assert figure_label("totals|disbursed_ytd") == "Totals · disbursed, year to date"
    assert figure_label("provinces|LA-XE|disbursed") == "Province · Xekong · disbursed"
    assert figure_label("pillars|va|unmet") == "Pillar · Victim Assistance · not yet committed"
    assert figure_label("donors|Japan|via_pooled_funds") == "Donor · Japan · through pooled funds"


def test_what_changed_and_the_records_show_names_and_readable_numbers(example, client, login):
    version_id = publish(example)
    with example.app_context():
        s = get_session()
        jpy = s.exec(select(Disbursement).where(Disbursement.currency == "JPY")).one()
        jpy.amount *= 2  # a correction after publication: 20,000 USD instead of 10,000
        s.add(jpy)
        s.commit()
    login("reviewer")
    changes = client.get(TWG).get_data(as_text=True).split('id="changes"')[1].split("</section>")[0]
    assert "Totals · disbursed, year to date" in changes and "Province · Savannakhet · disbursed" in changes
    assert "disbursed_ytd" not in changes and "LA-SV" not in changes
    records = client.get(f"/summaries/published/{version_id}/records?figure=provinces|LA-SV|disbursed").get_data(as_text=True)
    assert "what <q>Province · Savannakhet · disbursed</q> is made of" in records
    assert "1,500,000" in records and "1500000.0000" not in records and "<td>Savannakhet</td>" in records


def test_a_bad_quarter_gets_a_page_saying_what_was_wrong_and_what_a_quarter_looks_like(app, client, login):
    login("co-chair")
    for url in ("/reconciliation/?quarter=2025-Q7", "/returns/?quarter=last%20one"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 400, url
        assert "could not be read" in body and "A quarter is written as its year, a dash, Q and its number 1 to 4" in body
        assert re.search(r"\d{4}-Q[1-4] is (January|April|July|October) to (March|June|September|December) \d{4}", body)
        assert "UXO Sector Working Group" in body and 'href="/' + url.split("/")[1] + '/"' in body  # the layout, a way back
    assert "a quarter is Q1 to Q4" in client.get("/reconciliation/?quarter=2025-Q7").get_data(as_text=True)


def test_the_public_summary_has_a_login_link_and_no_e_mail_address(example, client):
    version_id = publish(example)
    with example.app_context():
        s = get_session()
        s.add(Setting(key=services.PUBLIC_SUMMARIES, value="1"))
        s.commit()
    for url in (f"/summaries/published/{version_id}", "/summaries/"):
        page = client.get(url)
        body = page.get_data(as_text=True)
        assert page.status_code == 200, url
        assert "chair.person@example.org" not in body and "a co-chair" in body
        assert re.search(r'<a href="/login\?next=[^"]*">Log in</a>', body), url


def test_pages_say_how_to_load_a_missing_rate_in_the_web_not_on_the_command_line(example, client, login, make_user):
    login("admin")
    for url in ("/?year=2025", TWG):
        body = client.get(url).get_data(as_text=True)
        assert "no KHR exchange rate" in body, url
        assert "uxo-swg" not in body and "import-rates" not in body, url
        assert '<a href="/admin/rates">Exchange rates</a>' in body, url
    token = csrf_token(client, "/admin/users")
    refused = client.post("/admin/users", data={"csrf_token": token, "email": "fin@halo.example", "roles": ["operator"],
                                                "organisation_id": "0", "password": "a good long password"})
    assert "an operator must belong to an organisation" in refused.get_data(as_text=True)
    assert "--organisation" not in refused.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    login("co-chair")
    refused = client.post(TWG + "/publish", data={"csrf_token": csrf_token(client, TWG), "confirmed": "yes"},
                          follow_redirects=True).get_data(as_text=True)
    assert "no KHR exchange rate" in refused and "Exchange rates page" in refused and "uxo-swg" not in refused
    assert "ask an admin" in client.get(TWG).get_data(as_text=True)


def test_the_command_line_still_says_how_to_load_a_rate_there(example, runner):
    result = runner.invoke(args=["summary", "twg", "--pillar", "clearance", "--quarter", "2025-Q3", "--format", "json"])
    assert "no KHR exchange rate" in result.stderr and "load one with `uxo-swg import-rates`" in result.stderr


def test_publishing_asks_first(example, client, login):
    cancel_the_riel_disbursement(example)
    login("co-chair")
    asked = client.post(TWG + "/publish", data={"csrf_token": csrf_token(client, TWG)})
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Publish version 1 of TWG summary" in body
    assert "A published version never changes and cannot be withdrawn" in body and 'href="' + TWG + '"' in body
    with example.app_context():
        assert get_session().exec(select(SummaryVersion)).first() is None
    done = client.post(TWG + "/publish", data={"csrf_token": csrf_token(client, TWG), "confirmed": "yes"})
    assert done.status_code == 302 and "/summaries/published/" in done.headers["Location"]


def test_long_audit_values_are_cut_with_a_link_to_the_whole(example, client, login):
    version_id = publish(example)
    with example.app_context():
        entry = get_session().exec(select(AuditLog).where(AuditLog.entity == "summary_version")).one()
        whole = json.loads(entry.after)["records_json"]
    assert len(whole) > 2000
    login("co-chair")
    page = client.get("/audit/").get_data(as_text=True)
    assert whole not in page and whole[:150] in page.replace("&#34;", '"')
    link = f'href="/audit/{entry.id}#records_json"'
    assert link in page and f"see the whole ({len(whole):,} characters)" in page
    assert len(page) < 40 * 1000  # one page of the log, not the frozen summaries
    full = client.get(f"/audit/{entry.id}").get_data(as_text=True)
    assert whole in full.replace("&#34;", '"') and f"summary_version #{version_id}" in full
    assert client.get("/audit/999999").status_code == 404


def test_the_audit_filter_days_are_vientiane_days(example, client, login):
    with example.app_context():
        s = get_session()
        s.add(AuditLog(at=datetime(2025, 3, 1, 18, 0, tzinfo=timezone.utc), actor="night@example.org", action="update",
                       entity="pledge", entity_id="1"))  # 01:00 on 2 March in Vientiane
        s.commit()
    login("co-chair")
    assert "night@example.org" in client.get("/audit/?since=2025-03-02&until=2025-03-02").get_data(as_text=True)
    assert "night@example.org" not in client.get("/audit/?since=2025-03-01&until=2025-03-01").get_data(as_text=True)


def test_the_province_maps_have_a_legend(example, client, login):
    from uxo_swg.summaries.exports import MAP_NONE, MAP_SHADES, map_legend

    assert [s["label"] for s in map_legend({"LA-SV": 500.0, "LA-XI": 1000.0})] == [
        "nothing disbursed", "up to US$ 200", "over US$ 200, up to US$ 400", "over US$ 400, up to US$ 600",
        "over US$ 600, up to US$ 800", "over US$ 800, up to US$ 1,000"]
    assert map_legend({}, "ha") == [{"upper": 0.0, "colour": MAP_NONE, "label": "none reported"}]
    login("reviewer")
    page = client.get(TWG).get_data(as_text=True)
    legend = page.split('id="chart-map-legend"')[1].split("</figure>")[0]
    assert "Disbursed in 2025-Q3, by province" in legend and "nothing disbursed" in legend
    assert [f'fill="{c}"' in legend for c in [MAP_NONE, *MAP_SHADES]] == [True] * 6
