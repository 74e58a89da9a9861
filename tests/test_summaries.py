"""Summaries on the database: the worked example, drafts, publishing, versions, exports, CLI, roles."""
import io
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from conftest import csrf_token
from uxo_swg.db import get_session
from uxo_swg.models import (
    Commitment, CommitmentLine, Disbursement, ExchangeRate, OperatorReturn, Organisation, Pledge, PledgeLine, Requirement,
    ReturnExpenditure, ReturnReceipt, Setting, SummaryVersion,
)
from uxo_swg.summaries import services

D = Decimal
ORGS = {"Ireland": "donor", "United States": "donor", "Japan": "donor", "Government": "government", "Cambodia": "donor",
        "Korea": "donor", "Norway": "donor", "HALO": "ngo", "Trust Fund": "multilateral", "UXO Lao": "national-operator",
        "NPA": "ngo", "=1+2": "donor"}


def build(session):
    """Store the worked example of test_counting_rules.py as records; return the organisations by name."""
    o = {}
    for name, kind in ORGS.items():
        o[name] = Organisation(name=name, kind=kind)
        session.add(o[name])
    session.flush()
    for on, cur, units in [(date(2024, 12, 1), "EUR", "0.5"), (date(2025, 6, 30), "EUR", "0.8"), (date(2025, 8, 1), "EUR", "0.9"),
                           (date(2025, 7, 1), "JPY", "150"), (date(2025, 7, 1), "LAK", "20000")]:
        session.add(ExchangeRate(rate_date=on, currency=cur, units_per_usd=D(units), source="test"))
    pledges = [("PL-IE", "Ireland", date(2025, 8, 10), "EUR", True, [(2025, "900"), (2026, "1800")]),
               ("PL-US", "United States", date(2024, 12, 31), "USD", False, [(2025, "5000")]),
               ("PL-GOL", "Government", date(2025, 7, 10), "LAK", False, [(2025, "40000000")])]
    for ref, donor, on, cur, ccm, lines in pledges:
        p = Pledge(ref=ref, donor_id=o[donor].id, announced_on=on, currency=cur, ccm_specific=ccm)
        session.add(p)
        session.flush()
        session.add_all(PledgeLine(pledge_id=p.id, year=y, pillar_code="clearance", amount=D(a)) for y, a in lines)
    agreement = Commitment(ref="AG-IE", donor_id=o["Ireland"].id, recipient_id=o["HALO"].id, signed_on=date(2025, 7, 1),
                           start_on=date(2025, 7, 1), end_on=date(2026, 3, 31), currency="EUR")
    session.add(agreement)
    session.flush()
    session.add(CommitmentLine(commitment_id=agreement.id, year=2025, pillar_code="clearance", amount=D(450)))
    dis = [("AG-J", "Japan", "HALO", date(2025, 7, 15), "clearance", "LA-SV", "1500000", "JPY"),
           ("AG-US", "United States", "Trust Fund", date(2025, 9, 30), "clearance", "LA-XI", "2000", "USD"),
           ("AG-US", "United States", "Trust Fund", date(2025, 10, 1), "clearance", None, "3000", "USD"),
           (None, "Government", "UXO Lao", date(2025, 8, 1), "clearance", None, "40000000", "LAK"),
           (None, "Cambodia", "HALO", date(2025, 8, 1), "clearance", None, "100", "KHR"),
           (None, "United States", "UXO Lao", date(2025, 2, 1), "clearance", "LA-XI", "300", "USD"),
           (None, "Korea", "UXO Lao", date(2025, 8, 5), "unallocated", None, "4000", "USD")]
    for ref, donor, to, on, pillar, province, amount, cur in dis:
        session.add(Disbursement(agreement_ref=ref, donor_id=o[donor].id, recipient_id=o[to].id, paid_on=on, pillar_code=pillar,
                                 province_code=province, amount=D(amount), currency=cur))
    returns = {}
    for operator in ("HALO", "UXO Lao", "NPA"):
        returns[operator] = OperatorReturn(operator_id=o[operator].id, quarter="2025-Q3", submitted_on=date(2025, 10, 15))
        session.add(returns[operator])
    q4 = OperatorReturn(operator_id=o["HALO"].id, quarter="2025-Q4", submitted_on=date(2026, 1, 15))
    session.add(q4)
    session.flush()
    rec = [("HALO", "Japan", None, "AG-J", date(2025, 7, 20), None, "1450000", "JPY"),
           ("UXO Lao", "United States", "Trust Fund", "AG-US", date(2025, 9, 5), None, "2000", "USD"),
           ("NPA", "Norway", None, None, date(2025, 8, 20), "LA-SL", "700", "USD"),
           ("HALO", "Norway", None, "AG-J", date(2025, 8, 21), None, "50", "USD")]
    for operator, donor, via, ref, on, province, amount, cur in rec:
        session.add(ReturnReceipt(return_id=returns[operator].id, received_on=on, donor_id=o[donor].id,
                                  via_id=o[via].id if via else None, agreement_ref=ref, pillar_code="clearance",
                                  province_code=province, amount=D(amount), currency=cur))
    session.add(ReturnExpenditure(return_id=returns["HALO"].id, pillar_code="clearance", province_code="LA-SV", amount=D(1200), currency="USD"))
    session.add(ReturnExpenditure(return_id=q4.id, pillar_code="clearance", province_code="LA-SV", amount=D(999), currency="USD"))
    session.add(Requirement(year=2025, pillar_code="clearance", amount=D(20000), currency="USD"))
    session.add(Requirement(year=2025, pillar_code="va", amount=D(5000), currency="USD"))
    session.commit()
    return o


@pytest.fixture
def example(app):
    with app.app_context():
        build(get_session())
    return app


TWG = ("twg", "2025-Q3", "clearance")


@pytest.mark.parametrize("grouped", [True, False])
def test_the_worked_example_from_the_database(example, grouped):
    with example.app_context():
        doc, _ = services.compute_summary(services.scope_of(*TWG), session=get_session(), grouped=grouped)
    t = doc["totals"]
    assert (t["requirement"], t["pledged"], t["pledged_in_period"], t["committed"]) == ("20000.00", "6000.00", "3000.00", "562.50")
    assert (t["disbursed"], t["disbursed_ytd"], t["spent"], t["national"]) == ("12750.00", "13050.00", "1200.00", "2000.00")
    # rule 7: national money counts against the whole plan (2,000 pledged and disbursed)
    assert (t["coverage"], t["pledge_coverage"], t["gap"]) == ("0.7525", "0.4000", "12000.00")
    assert [(m["currency"], m["date"]) for m in doc["missing_rates"]] == [("KHR", "2025-08-01")]
    assert {o["operator"]: o["received"] for o in doc["operators"]} == {"HALO": "10050.00", "Trust Fund": "2000.00", "NPA": "700.00"}
    donors = {d["donor"]: d for d in doc["donors"]}
    assert donors["Ireland"]["pledged_ccm"] == donors["Ireland"]["pledged_multi_year"] == "1000.00"
    # The matched Japanese pair differs by 50,000 JPY: shown side by side.
    assert [(r["agreement_ref"], r["disbursed"], r["received"]) for r in doc["reconciliation"]] == [
        ("AG-J", "1500000.0000", "1450000.0000")]
    assert {r["operator"]: r["filed_on"] for r in doc["returns"]} == {"HALO": "2025-10-15", "UXO Lao": "2025-10-15", "NPA": "2025-10-15"}


def test_swg_pipeline_and_cliff(example):
    with example.app_context():
        doc, _ = services.compute_summary(services.scope_of("swg", "2025-H2"), session=get_session())
    assert doc["totals"]["disbursed"] == "19750.00"
    assert {p["pillar"]: p["disbursed"] for p in doc["pillars"]}["unallocated"] == "4000.00"
    # AG-IE (signed 2025-07-01, ends 2026-03-31) is not linked to a pledge: the Irish pledge is all pipeline.
    assert [(r["pledge_ref"], r["year"], r["not_committed"]) for r in doc["pipeline"]] == [
        ("PL-IE", 2025, "1000.00"), ("PL-US", 2025, "5000.00"), ("PL-IE", 2026, "2000.00")]
    assert [(r["agreement_ref"], r["ends_on"], r["usd"]) for r in doc["cliff"]] == [("AG-IE", "2026-03-31", "562.50")]


def test_cli_json_follows_section_7(example):
    result = example.test_cli_runner().invoke(args=["summary", "twg", "--pillar", "clearance", "--quarter", "2025-Q3", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"kind", "period", "pillar", "currency", "totals", "pillars", "donors", "operators", "provinces"} <= set(doc)
    assert doc["kind"] == "twg" and doc["currency"] == "USD" and doc["totals"]["disbursed"] == "12750.00"
    assert set(doc["pillars"][0]) >= {"pillar", "requirement", "pledged", "committed", "disbursed", "spent", "coverage"}
    assert "no KHR exchange rate" in result.stderr
    bad = example.test_cli_runner().invoke(args=["summary", "swg", "--half", "2025-Q3"])
    assert bad.exit_code != 0 and "is not a half" in bad.output


def test_cli_xlsx_and_html_files(example, tmp_path):
    runner = example.test_cli_runner()
    out = tmp_path / "swg.xlsx"
    result = runner.invoke(args=["summary", "swg", "--half", "2025-H2", "--format", "xlsx", "--output", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert {"Totals", "Pillars", "Donors", "Operators", "Provinces", "Trend", "Pipeline", "Funding cliff"} <= set(wb.sheetnames)
    donors = {row[0].value: row for row in wb["Donors"].iter_rows(min_row=2)}
    assert donors["Japan"][4].value == 10000 and donors["Japan"][4].number_format == "#,##0.00"
    html = tmp_path / "twg.html"
    result = runner.invoke(args=["summary", "twg", "--pillar", "clearance", "--quarter", "2025-Q3", "--format", "html", "--output", str(html)])
    assert result.exit_code == 0, result.output
    text = html.read_text()
    assert "12,750.00" in text and "Survey and Clearance" in text and "<script" not in text


def test_xlsx_text_that_looks_like_a_formula_stays_text(example):
    with example.app_context():
        s = get_session()
        evil = s.exec(select(Organisation).where(Organisation.name == "=1+2")).one()
        halo = s.exec(select(Organisation).where(Organisation.name == "HALO")).one()
        s.add(Disbursement(donor_id=evil.id, recipient_id=halo.id, paid_on=date(2025, 8, 9), pillar_code="clearance",
                           amount=D(10), currency="USD"))
        s.commit()
    from uxo_swg.summaries.exports import workbook

    with example.app_context():
        doc, _ = services.compute_summary(services.scope_of(*TWG), session=get_session())
    wb = load_workbook(io.BytesIO(workbook(doc)))
    cell = next(row[0] for row in wb["Donors"].iter_rows(min_row=2) if row[0].value == "=1+2")
    assert cell.data_type == "s"  # a string, never a live formula


def cancel_the_riel_disbursement(app):
    """Cancel the one amount without a rate, so the summaries can be published."""
    with app.app_context():
        s = get_session()
        d = s.exec(select(Disbursement).where(Disbursement.currency == "KHR")).one()
        d.cancelled_at = datetime.now(timezone.utc)
        s.add(d)
        s.commit()


def publish_as_cochair(client, login):
    cancel_the_riel_disbursement(client.application)
    login("co-chair")
    url = "/summaries/twg/2025-Q3/clearance"
    token = csrf_token(client, url)
    return client.post(url + "/publish", data={"csrf_token": token, "confirmed": "yes"})


def test_publish_freezes_and_a_change_shows_in_the_draft(example, client, login):
    response = publish_as_cochair(client, login)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    published_url = response.headers["Location"]
    page = client.get(published_url).get_data(as_text=True)
    assert "PUBLISHED · version 1" in page and "12,750.00" in page
    with example.app_context():
        s = get_session()
        d = s.exec(select(Disbursement).where(Disbursement.agreement_ref == "AG-J")).one()
        d.amount = D(1800000)  # a correction: 12,000 USD instead of 10,000
        s.add(d)
        s.commit()
        version = s.exec(select(SummaryVersion)).one()
        frozen = json.loads(version.figures_json)
        rates = json.loads(version.rates_json)
    assert frozen["totals"]["disbursed"] == "12750.00"
    assert {"currency": "JPY", "date": "2025-07-01", "units_per_usd": "150", "source": "test"} in rates
    again = client.get(published_url).get_data(as_text=True)
    assert "12,750.00" in again and "14,750.00" not in again
    # The frozen records behind a figure are the ones of publication time.
    records = client.get(published_url + "/records?figure=donors|Japan|disbursed").get_data(as_text=True)
    assert "1,500,000" in records and "10,000.00" in records
    draft = client.get("/summaries/twg/2025-Q3/clearance").get_data(as_text=True)
    assert "DRAFT" in draft and "14,750.00" in draft
    assert "What changed since published version 1" in draft
    assert "Donor · Japan · disbursed" in draft
    live = client.get("/summaries/twg/2025-Q3/clearance/records?figure=donors|Japan|disbursed").get_data(as_text=True)
    assert "1,800,000" in live and "12,000.00" in live
    # A second publication is version 2, and it shows what changed from version 1.
    token = csrf_token(client, "/summaries/twg/2025-Q3/clearance")
    second = client.post("/summaries/twg/2025-Q3/clearance/publish", data={"csrf_token": token, "confirmed": "yes"})
    v2 = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "PUBLISHED · version 2" in v2 and "What changed from version 1" in v2 and "Totals · disbursed" in v2


def test_publish_refused_while_a_rate_is_missing_in_an_swg_summary(example, client, login):
    login("co-chair")
    url = "/summaries/swg/2025-H2/all"
    token = csrf_token(client, url)
    response = client.post(url + "/publish", data={"csrf_token": token, "confirmed": "yes"}, follow_redirects=True)
    assert "no KHR exchange rate" in response.get_data(as_text=True)
    with example.app_context():
        assert get_session().exec(select(SummaryVersion)).first() is None


def test_reviewer_comments_and_operator_sees_published_only(example, client, login, make_user):
    login("reviewer")
    url = "/summaries/twg/2025-Q3/clearance"
    token = csrf_token(client, url)
    assert client.post(url + "/comments", data={"csrf_token": token, "body": "Check the Norwegian receipt of AG-J."}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Check the Norwegian receipt of AG-J." in page and "Publish version" not in page
    assert client.post(url + "/publish", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login("operator", organisation="HALO")
    assert client.get(url).status_code == 403
    assert client.get(url + "/records?figure=totals|disbursed").status_code == 403
    assert client.get(url + "/export.json").status_code == 403


def test_reviewer_sees_drafts_of_followed_pillars_only(example, client, login):
    login("reviewer")
    token = csrf_token(client, "/summaries/")
    assert client.post("/summaries/follow", data={"csrf_token": token, "pillars": ["va"]}).status_code == 302
    assert client.get("/summaries/twg/2025-Q3/clearance").status_code == 403
    assert client.get("/summaries/twg/2025-Q3/va").status_code == 200
    assert client.get("/summaries/swg/2025-H2/all").status_code == 200


def test_published_summaries_public_only_when_the_admin_allows(example, client, login):
    location = publish_as_cochair(client, login).headers["Location"]
    anonymous = example.test_client()
    assert anonymous.get(location).status_code == 302
    assert "/login" in anonymous.get("/summaries/").headers["Location"]
    with example.app_context():
        s = get_session()
        s.add(Setting(key="public_summaries", value="1"))
        s.commit()
    page = anonymous.get(location)
    assert page.status_code == 200 and "12,750.00" in page.get_data(as_text=True)
    assert anonymous.get(location + "/export.json").get_json()["totals"]["disbursed"] == "12750.00"
    assert anonymous.get("/summaries/twg/2025-Q3/clearance").status_code == 302  # drafts never
    listing = anonymous.get("/summaries/").get_data(as_text=True)
    assert location.split("localhost")[-1] in listing and "Drafts open for review" not in listing


def test_draft_exports_and_bad_addresses(example, client, login):
    login("co-chair")
    doc = client.get("/summaries/twg/2025-Q3/clearance/export.json").get_json()
    assert doc["totals"]["disbursed"] == "12750.00"
    xlsx = client.get("/summaries/twg/2025-Q3/clearance/export.xlsx")
    assert xlsx.status_code == 200 and "Trend" in load_workbook(io.BytesIO(xlsx.data)).sheetnames
    assert client.get("/summaries/twg/2025-Q9/clearance").status_code == 404
    assert client.get("/summaries/twg/2025-Q3/nonsense").status_code == 404
    assert client.get("/summaries/twg/2025-Q3/clearance/export.pdf").status_code == 404
    assert client.get("/summaries/?kind=twg&pillar=clearance&period=2025-q3").headers["Location"].endswith("/summaries/twg/2025-Q3/clearance")
    page = client.get("/summaries/?kind=swg&pillar=clearance&period=2025-Q3").get_data(as_text=True)
    assert "is not a half" in page


def test_co_chair_narrative_is_frozen_with_the_version(example, client, login):
    cancel_the_riel_disbursement(example)
    login("co-chair")
    url = "/summaries/swg/2025-H1/all"
    token = csrf_token(client, url)
    response = client.post(url + "/narrative", data={"csrf_token": token, "narrative": "Clearance is on track.",
                                                     "decisions": "Ask donors to fill the VA gap.", "version": "0"})
    assert response.status_code == 302
    stale = client.post(url + "/narrative", data={"csrf_token": token, "narrative": "Old tab", "decisions": "", "version": "0"},
                        follow_redirects=True)
    assert "someone else saved the narrative" in stale.get_data(as_text=True)
    published = client.post(url + "/publish", data={"csrf_token": token, "confirmed": "yes"})
    page = client.get(published.headers["Location"]).get_data(as_text=True)
    assert "Clearance is on track." in page and "Ask donors to fill the VA gap." in page


def test_demo_summaries_look_realistic(demo_app, client, login):
    login("co-chair")
    twg = client.get("/summaries/twg/2025-Q3/clearance")
    assert twg.status_code == 200
    with demo_app.app_context():
        doc, _ = services.compute_summary(services.scope_of(*TWG), session=get_session())
        swg, _ = services.compute_summary(services.scope_of("swg", "2025-H1"), session=get_session())
    assert D("20000000") < D(doc["totals"]["requirement"]) < D("60000000")
    assert D(doc["totals"]["disbursed"]) > 0 and D(doc["totals"]["national"]) > 0
    assert not doc["missing_rates"] and not swg["missing_rates"]
    assert len(swg["donors"]) >= 8 and len(swg["pipeline"]) > 0
    # Rule 9: summed unrounded, rounded when shown; so the rows add up to the total within half a cent each.
    assert abs(sum(D(p["disbursed"]) for p in swg["pillars"]) - D(swg["totals"]["disbursed"])) <= D("0.005") * 6
    assert 'id="chart-map"' in twg.get_data(as_text=True)


@pytest.mark.parametrize("grouped", [True, False])
def test_a_co_chairs_confirmed_match_counts_once_even_without_agreement_ref(example, grouped):
    from uxo_swg.models import ReconciliationDecision

    scope = services.scope_of(*TWG)
    with example.app_context():
        s = get_session()
        norway, npa = (s.exec(select(Organisation).where(Organisation.name == n)).one() for n in ("Norway", "NPA"))
        paid = Disbursement(donor_id=norway.id, recipient_id=npa.id, paid_on=date(2025, 8, 18), pillar_code="clearance",
                            province_code="LA-SL", amount=D(700), currency="USD")
        s.add(paid)
        s.commit()
        before, _ = services.compute_summary(scope, session=s, grouped=grouped)
        receipt = s.exec(select(ReturnReceipt).where(ReturnReceipt.amount == D(700))).one()
        s.add(ReconciliationDecision(receipt_id=receipt.id, disbursement_id=paid.id, decision="confirm"))
        s.commit()
        after, _ = services.compute_summary(scope, session=s, grouped=grouped)
    assert before["totals"]["disbursed"] == "13450.00"  # the receipt and the disbursement, not known to be one
    assert after["totals"]["disbursed"] == "12750.00"   # matched by decision: counted once, donor-side


@pytest.mark.parametrize("grouped", [True, False])
def test_a_receipt_matches_by_operator_or_channel_on_either_side(app, grouped):
    """Rule 5 looked up in the database: each receipt below is the operator's side of one disbursement.

    Same ref and donor, and the donor's recipient or channel is the operator or the channel
    the receipt names: four ways. A fifth receipt has the ref and donor but neither side
    in common, and one more names a rejected pair: both are money of their own.
    """
    from uxo_swg.models import ReconciliationDecision

    with app.app_context():
        s = get_session()
        o = {n: Organisation(name=n, kind=k) for n, k in [("Japan", "donor"), ("HALO", "ngo"), ("MAG", "ngo"),
                                                            ("NPA", "ngo"), ("Trust Fund", "multilateral")]}
        s.add_all(o.values())
        s.flush()
        paid = {}
        for ref, to, via, on, amount in [("AG-1", "HALO", None, date(2025, 7, 10), 1000),     # recipient = operator
                                         ("AG-2", "Trust Fund", None, date(2025, 7, 11), 2000),  # recipient = receipt's channel
                                         ("AG-3", "Trust Fund", "MAG", date(2025, 7, 12), 4000),  # channel = operator
                                         ("AG-4", "HALO", "Trust Fund", date(2025, 7, 13), 8000),  # channel = receipt's channel
                                         ("AG-5", "HALO", None, date(2025, 7, 14), 16000)]:
            paid[ref] = Disbursement(agreement_ref=ref, donor_id=o["Japan"].id, recipient_id=o[to].id,
                                     via_id=o[via].id if via else None, paid_on=on, pillar_code="clearance",
                                     province_code="LA-XI", amount=D(amount), currency="USD")
        s.add_all(paid.values())
        returns = {n: OperatorReturn(operator_id=o[n].id, quarter="2025-Q3") for n in ("HALO", "MAG", "NPA")}
        s.add_all(returns.values())
        s.flush()
        received = {}
        for key, operator, via, ref, amount in [("1", "HALO", None, "AG-1", 990), ("2", "MAG", "Trust Fund", "AG-2", 1990),
                                                ("3", "MAG", None, "AG-3", 3990), ("4", "NPA", "Trust Fund", "AG-4", 7990),
                                                ("none", "NPA", None, "AG-1", 32000), ("rejected", "HALO", None, "AG-5", 64000)]:
            received[key] = ReturnReceipt(return_id=returns[operator].id, received_on=date(2025, 8, 1), donor_id=o["Japan"].id,
                                          via_id=o[via].id if via else None, agreement_ref=ref, pillar_code="clearance",
                                          province_code="LA-XI", amount=D(amount), currency="USD")
        s.add_all(received.values())
        s.flush()
        s.add(ReconciliationDecision(receipt_id=received["rejected"].id, disbursement_id=paid["AG-5"].id, decision="reject"))
        s.commit()
        doc, _ = services.compute_summary(services.scope_of("twg", "2025-Q3", "clearance"), session=s, grouped=grouped)
    # The five disbursements (31,000) and the two receipts that are money of their own.
    assert doc["totals"]["disbursed"] == "127000.00"
    assert sorted((r["agreement_ref"], r["operator"], r["difference"]) for r in doc["reconciliation"]) == [
        ("AG-1", "HALO", "-10.0000"), ("AG-2", "MAG", "-10.0000"), ("AG-3", "MAG", "-10.0000"), ("AG-4", "NPA", "-10.0000")]


def test_grouped_figures_equal_the_records_one_by_one(app):
    """What a live page sums in SQL (per month or day, per table on PostgreSQL) equals the records counted one by one.

    Random records over three years: several currencies (monthly rates, a currency whose
    rate changes mid-month, USD), national money, channels, blank provinces, receipts that
    match and receipts that do not, expenditure before and in the period.
    """
    import random

    from uxo_swg.domain.summary import flatten

    rnd = random.Random(2026)
    with app.app_context():
        s = get_session()
        names = [("Japan", "donor"), ("Norway", "donor"), ("Korea", "donor"), ("Government", "government"),
                 ("HALO", "ngo"), ("MAG", "ngo"), ("UXO Lao", "national-operator"), ("Trust Fund", "multilateral")]
        o = {n: Organisation(name=n, kind=k) for n, k in names}
        s.add_all(o.values())
        s.flush()
        for year in (2022, 2023, 2024, 2025):
            for month in range(1, 13):
                s.add(ExchangeRate(rate_date=date(year, month, 1), currency="EUR", units_per_usd=D("0.9") + D(month) / 100,
                                   source="t"))
                s.add(ExchangeRate(rate_date=date(year, month, 1), currency="LAK", units_per_usd=D(20000 + month), source="t"))
                s.add(ExchangeRate(rate_date=date(year, month, 16), currency="LAK", units_per_usd=D(20500 + month), source="t"))
        donors = [("Japan", "EUR"), ("Norway", "USD"), ("Korea", "LAK"), ("Government", "LAK")]
        operators = ["HALO", "MAG", "UXO Lao"]
        provinces = ["LA-XI", "LA-SV", "LA-HO", None]
        pillars = ["clearance", "clearance", "va", "re", "unallocated"]
        day = lambda: date(2023, 1, 1) + timedelta(days=rnd.randrange(3 * 365))  # noqa: E731
        paid = []
        for i in range(300):
            donor, currency = rnd.choice(donors)
            d = Disbursement(agreement_ref=f"AG-{i % 20}" if i % 3 else None, donor_id=o[donor].id,
                             recipient_id=o[rnd.choice(operators)].id, via_id=o["Trust Fund"].id if i % 7 == 0 else None,
                             paid_on=day(), pillar_code=rnd.choice(pillars), province_code=rnd.choice(provinces),
                             amount=D(rnd.randrange(100, 900000)) / 100, currency=currency)
            s.add(d)
            paid.append(d)
        returns = {}
        for operator in operators:
            for year in (2023, 2024, 2025):
                for q in (1, 2, 3, 4):
                    returns[(operator, year, q)] = OperatorReturn(operator_id=o[operator].id, quarter=f"{year}-Q{q}")
        s.add_all(returns.values())
        s.flush()
        for i in range(150):
            twin = rnd.choice(paid) if i % 2 else None  # half of them the operator's side of a disbursement
            on = twin.paid_on + timedelta(days=rnd.randrange(0, 20)) if twin else day()
            on = min(on, date(2025, 12, 31))
            operator = next(n for n, org in o.items() if twin and org.id == twin.recipient_id) if twin else rnd.choice(operators)
            donor, currency = (next(n for n, org in o.items() if org.id == twin.donor_id), twin.currency) if twin else rnd.choice(donors)
            s.add(ReturnReceipt(return_id=returns[(operator, on.year, (on.month - 1) // 3 + 1)].id, received_on=on,
                                donor_id=o[donor].id, via_id=twin.via_id if twin else None,
                                agreement_ref=twin.agreement_ref if twin else (f"AG-{i % 20}" if i % 3 else None),
                                pillar_code=twin.pillar_code if twin else rnd.choice(pillars),
                                province_code=rnd.choice(provinces), currency=currency,
                                amount=(twin.amount if twin and i % 4 else D(rnd.randrange(100, 900000)) / 100)))
        for key, ret in returns.items():
            for _ in range(3):
                s.add(ReturnExpenditure(return_id=ret.id, pillar_code=rnd.choice(pillars),
                                        province_code=rnd.choice(provinces[:-1]), amount=D(rnd.randrange(100, 90000)),
                                        currency=rnd.choice(["USD", "EUR"])))
        s.add(Requirement(year=2025, pillar_code="clearance", amount=D(20000000), currency="USD"))
        s.commit()
        for scope in (services.scope_of("twg", "2025-Q3", "clearance"), services.scope_of("twg", "2025-Q1", "va"),
                      services.scope_of("swg", "2025-H1"), services.scope_of("swg", "2024-H2")):
            grouped, _ = services.compute_summary(scope, session=s, grouped=True)
            by_record, _ = services.compute_summary(scope, session=s, grouped=False)
            assert flatten(grouped) == flatten(by_record), scope.title
            assert grouped["reconciliation" if scope.kind == "twg" else "pipeline"] == \
                by_record["reconciliation" if scope.kind == "twg" else "pipeline"]
            assert D(grouped["totals"]["disbursed"]) > 0 and D(grouped["national"]["disbursed_ytd"]) > 0, scope.title
            assert grouped["donors"] and grouped["operators"] and grouped["provinces"] and not grouped["missing_rates"]
