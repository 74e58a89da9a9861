"""IATI export: every file validates against IATI 2.03 offline, and its transactions add up to the summaries' figures."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

import uxo_swg
from sqlmodel import select

from conftest import PG_URL
from iati_records import FUND, add_organisations, add_register, add_returns
from uxo_swg import create_app
from uxo_swg.db import get_session, scratch_schema
from uxo_swg.domain.money import round_half_up
from uxo_swg.iati.export import SCHEMA, schema_errors
from uxo_swg.iati.services import ReportingOrg, save_reporting_org
from uxo_swg.migrate import upgrade
from uxo_swg.models import AuditLog, Commitment, Disbursement, IatiProposal, Setting
from uxo_swg.rates import rate_book
from uxo_swg.summaries.services import compute_summary, scope_of

REPORTING = ReportingOrg("LA-GOV-1", "National Regulatory Authority for UXO/Mine Action", "10")
HALVES = ("2025-H1", "2025-H2")


@pytest.fixture
def register(app, session):
    """An app whose database holds the small register, its returns and the reporting organisation."""
    ids = add_organisations(session)
    add_register(session, ids, pledge=True)
    add_returns(session, ids)
    save_reporting_org(REPORTING, session=session)
    return ids


def export(runner, tmp_path, *args):
    out = tmp_path / "activities.xml"
    result = runner.invoke(args=["export", "iati", *args, "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes(), result.output


def usd_by_type(xml: bytes, session, without_donor: str | None = None) -> dict[str, Decimal]:
    """Return the file's transactions summed in US dollars per type, each at the rate of its value date."""
    rates = rate_book(session=session)
    totals: dict[str, Decimal] = {}
    for activity in etree.fromstring(xml).iter("iati-activity"):
        funder = activity.find("participating-org[@role='1']/narrative").text
        if funder == without_donor:
            continue
        for tx in activity.iter("transaction"):
            value = tx.find("value")
            usd = rates.to_usd(Decimal(value.text), value.get("currency"), date.fromisoformat(value.get("value-date"))).usd
            kind = tx.find("transaction-type").get("code")
            totals[kind] = totals.get(kind, Decimal(0)) + usd
    return {k: round_half_up(v) for k, v in totals.items()}


def year_figure(session, *path) -> Decimal:
    """Return a figure of the SWG summaries of 2025-H1 and 2025-H2, added (a list's rows summed on their key)."""
    total = Decimal(0)
    for half in HALVES:
        doc, _ = compute_summary(scope_of("swg", half), session=session)
        section, field = path
        rows = doc[section] if isinstance(doc[section], list) else [doc[section]]
        total += sum((Decimal(r[field]) for r in rows), Decimal(0))
    return total


def test_the_years_export_validates_and_adds_up_to_the_summaries(register, runner, session, tmp_path):
    xml, said = export(runner, tmp_path, "--year", "2025")
    assert schema_errors(xml) == []
    assert SCHEMA.is_relative_to(Path(uxo_swg.__file__).parent)  # the repository's copy of the schema, read offline
    broken = xml.replace(b"<reporting-org", b"<reporting-organisation", 1).replace(b"</reporting-org>", b"</reporting-organisation>", 1)
    assert any("reporting-organisation" in e for e in schema_errors(broken))  # the check can fail
    assert "5 activities" in said and "valid against IATI 2.03" in said
    usd = usd_by_type(xml, session)
    # Disbursements: the sector's figure counts the fund's allocation, not Norway's contribution to it (rule 11).
    assert usd["3"] == year_figure(session, "totals", "disbursed") + year_figure(session, "pooled_funds", "received")
    # Commitments: the fund's own agreement with UXO Lao is shown under the fund, not counted again (rule 11).
    assert usd_by_type(xml, session, without_donor=FUND)["2"] == year_figure(session, "totals", "committed")
    assert usd["4"] == year_figure(session, "totals", "spent")
    assert usd["1"] == Decimal("150000.00")  # HALO's receipt, as its return says


def test_the_whole_export_validates_with_pledges_budgets_locations_and_parties(register, runner, session, tmp_path):
    xml, said = export(runner, tmp_path)
    assert schema_errors(xml) == []
    root = etree.fromstring(xml)
    activities = {a.findtext("iati-identifier"): a for a in root.iter("iati-activity")}
    assert set(activities) == {"LA-GOV-1-AG-US-2025-01", "LA-GOV-1-AG-JP-2024-07", "LA-GOV-1-AG-NO-TF-2025",
                               "LA-GOV-1-AG-TF-UXOLAO-2025", "LA-GOV-1-PLEDGE-PL-UK-2026",
                               f"LA-GOV-1-D{register['United Kingdom']}-R{register['Humanity & Inclusion']}"}
    us = activities["LA-GOV-1-AG-US-2025-01"]
    assert us.find("reporting-org").get("ref") == "LA-GOV-1"
    assert [(p.get("role"), p.get("ref"), p.findtext("narrative")) for p in us.iter("participating-org")] == [
        ("1", "US-GOV-1", "United States"), ("3", "US-GOV-1", "United States"), ("4", "GB-CHC-1001813", "HALO Trust")]
    assert us.find("recipient-country").get("code") == "LA"
    assert sorted(loc.get("ref") for loc in us.iter("location")) == ["LA-SV", "LA-XI"]
    budgets = {(b.get("type"), b.find("period-start").get("iso-date")[:4]): b.findtext("value") for b in us.iter("budget")}
    assert budgets == {("1", "2025"): "1500000.00", ("1", "2026"): "900000.00", ("2", "2025"): "1600000.00",
                       ("2", "2026"): "700000.00"}
    commitments = [(t.findtext("value"), t.find("value").get("value-date")) for t in us.iter("transaction")
                   if t.find("transaction-type").get("code") == "2"]
    assert commitments == [("1200000.00", "2025-02-14"), ("300000.00", "2025-02-14"), ("900000.00", "2025-02-14"),
                           ("100000.00", "2025-08-20"), ("-200000.00", "2025-11-05")]
    first = next(us.iter("transaction"))
    assert [(s.get("vocabulary"), s.get("code")) for s in first.iter("sector")] == [("1", "15250"), ("99", "clearance")]
    jp = activities["LA-GOV-1-AG-JP-2024-07"]
    termination = [t for t in jp.iter("transaction") if "terminate" in t.get("ref")]
    assert [(t.findtext("value"), t.find("value").get("currency")) for t in termination] == [("-30000000", "JPY")]
    assert jp.find("activity-date[@type='4']").get("iso-date") == "2025-10-31"
    pledge = activities["LA-GOV-1-PLEDGE-PL-UK-2026"]
    assert [(s.get("vocabulary"), s.get("code"), s.get("percentage")) for s in pledge.iter("sector")] == [
        ("1", "15250", "100"), ("99", "va", "100")]
    assert pledge.find("budget").get("status") == "1" and pledge.find("budget/value").text == "250000.00"


def test_export_without_a_reporting_organisation_is_refused(app, runner, tmp_path):
    result = runner.invoke(args=["export", "iati", "--output", str(tmp_path / "x.xml")])
    assert result.exit_code == 1
    assert "reporting organisation's IATI identifier and name are not set" in result.output
    assert not (tmp_path / "x.xml").exists()


def test_co_chair_downloads_the_export(register, client, login):
    login("co-chair")
    response = client.get("/iati/export.xml?year=2025")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="uxo-swg-iati-2025.xml"'
    assert schema_errors(response.data) == []
    assert b"LA-GOV-1-AG-US-2025-01" in response.data
    assert 'href="/iati/export.xml' not in client.get("/iati/").get_data(as_text=True)  # a form with a year, not a link
    assert 'action="/iati/export.xml"' in client.get("/iati/").get_data(as_text=True)


def test_admin_sets_the_reporting_organisation_and_it_is_audited(app, client, login, session):
    from conftest import csrf_token

    login("admin")
    token = csrf_token(client, "/admin/iati")
    bad = client.post("/admin/iati", data={"ref": "not an id", "name": "NRA", "type": "10", "csrf_token": token})
    assert bad.status_code == 400 and "an IATI organisation identifier is an agency prefix" in bad.get_data(as_text=True)
    response = client.post("/admin/iati", data={"ref": "LA-GOV-1", "name": "NRA", "type": "10", "csrf_token": token})
    assert response.status_code == 302
    stored = {s.key: s.value for s in session.exec(select(Setting)).all()}
    assert stored["iati_reporting_org_ref"] == "LA-GOV-1" and stored["iati_reporting_org_name"] == "NRA"
    audited = session.exec(select(AuditLog).where(AuditLog.entity == "setting")).all()
    assert {a.entity_id for a in audited} >= {"iati_reporting_org_ref", "iati_reporting_org_name"}
    assert all(a.actor.startswith("admin") for a in audited)


@pytest.fixture
def second_app(tmp_path):
    """An app on a second, empty database (same server), for the round trip."""
    if PG_URL:
        with scratch_schema(PG_URL, "t2") as url:
            upgrade(url)
            app = create_app("test", DATABASE_URL=url, UPLOAD_FOLDER=str(tmp_path / "uploads2"))
            yield app
            app.extensions["engine"].dispose()
        return
    url = f"sqlite:///{tmp_path / 'second.sqlite'}"
    upgrade(url)
    app = create_app("test", DATABASE_URL=url, UPLOAD_FOLDER=str(tmp_path / "uploads2"))
    yield app
    app.extensions["engine"].dispose()


def test_round_trip_gives_the_same_summaries(app, second_app, runner, tmp_path):
    with app.app_context():
        session = get_session()
        add_register(session, add_organisations(session))
        save_reporting_org(REPORTING, session=session)
        before = {half: compute_summary(scope_of("swg", half), session=session)[0] for half in HALVES}
    xml, _ = export(runner, tmp_path)
    with second_app.app_context():
        add_organisations(get_session())
    result = second_app.test_cli_runner().invoke(args=["import-iati", str(tmp_path / "activities.xml"), "--accept"])
    assert result.exit_code == 0, result.output
    assert "proposed: 4 agreements, 3 amendments, 8 disbursements" in result.output
    assert "accepted 15 proposal(s)" in result.output
    with second_app.app_context():
        session = get_session()
        after = {half: compute_summary(scope_of("swg", half), session=session)[0] for half in HALVES}
        assert session.exec(select(IatiProposal).where(IatiProposal.status != "accepted")).all() == []
        assert len(session.exec(select(Commitment)).all()) == 4 and len(session.exec(select(Disbursement)).all()) == 8
    for half in HALVES:
        assert after[half]["totals"] == before[half]["totals"], half
        assert after[half] == before[half], half
