"""IATI import: donors' files become proposals a co-chair accepts or rejects; the rest is skipped and counted."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import func, select

from conftest import csrf_token
from iati_records import add_organisations
from uxo_swg.iati.services import ProposalRefused, accept_proposal, import_iati, reject_proposal
from uxo_swg.models import Amendment, AuditLog, Commitment, CommitmentLine, Disbursement, IatiProposal
from uxo_swg.summaries.services import compute_summary, scope_of

DATA = Path(__file__).parent / "data" / "iati"
SEVERAL = "donor-2.03-several.xml"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def proposals(session, **where) -> list[IatiProposal]:
    query = select(IatiProposal).order_by(IatiProposal.id)
    for name, value in where.items():
        query = query.where(getattr(IatiProposal, name) == value)
    return list(session.exec(query).all())


def one(session, activity, kind, **where) -> IatiProposal:
    found = [p for p in proposals(session, activity_id=activity, kind=kind)
             if all(getattr(p, k) == v for k, v in where.items())]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def orgs(session):
    return add_organisations(session)


def test_a_donors_file_proposes_its_lao_mine_action_and_counts_the_rest(orgs, session):
    report = import_iati(read(SEVERAL), SEVERAL, session=session, actor="test")
    assert report.errors == [] and report.committed
    assert report.describe() == ("5 activities read, 3 of them Lao mine action; "
                                 "proposed: 2 agreements, 1 amendment, 3 disbursements")
    assert report.skipped_lines() == ["1 activities for other countries",
                                      "1 activities outside mine action (no sector 15250)", "1 expenditure transactions"]
    clearance = one(session, "GB-GOV-1-300777-101", "agreement")
    assert (clearance.agreement_ref, clearance.currency, clearance.amount) == ("GB-GOV-1-300777-101", "GBP", Decimal("1000000"))
    assert clearance.lines == '[[2025, "unallocated", "600000.00"], [2026, "unallocated", "400000.00"]]'  # the budgets' years
    assert (clearance.donor_id, clearance.recipient_id) == (orgs["United Kingdom"], orgs["HALO Trust"])
    assert (clearance.start_on, clearance.end_on) == (date(2025, 3, 1), date(2026, 12, 31))
    increase = one(session, "GB-GOV-1-300777-101", "amendment")
    assert (increase.change, increase.amount, increase.dated_on) == ("increase", Decimal("50000"), date(2025, 10, 1))
    paid = proposals(session, activity_id="GB-GOV-1-300777-101", kind="disbursement")
    # One value in the activity's default currency, one in its own; both in Xieng Khouang, the only location.
    assert [(p.amount, p.currency, p.province_code) for p in paid] == [
        (Decimal("300000"), "GBP", "LA-XI"), (Decimal("250000"), "USD", "LA-XI")]
    assert {p.recipient_id for p in paid} == {orgs["HALO Trust"]}  # by IATI ref (an alias), and by name
    region = one(session, "GB-GOV-1-301234-102", "agreement")
    assert (region.amount, region.currency) == (Decimal("100000"), "USD")  # Lao PDR's half of 200,000
    assert region.recipient_id is None and region.recipient_name == "Lao Disabled People's Association"
    assert "Lao PDR is 50% of the activity" in region.note and "DAC 152" in region.note
    water = one(session, "GB-GOV-1-305555-101", "disbursement")
    assert (water.amount, water.recipient_id) == (Decimal("60000"), orgs["Humanity & Inclusion"])  # 60% mine action
    assert session.exec(select(func.count()).select_from(Commitment)).one() == 0  # nothing counted before a decision


def test_accepting_stores_ordinary_audited_records_that_the_summaries_count(orgs, session):
    import_iati(read(SEVERAL), SEVERAL, session=session, actor="test")
    agreement = one(session, "GB-GOV-1-300777-101", "agreement")
    increase = one(session, "GB-GOV-1-300777-101", "amendment")
    with pytest.raises(ProposalRefused, match="accept the activity's agreement first"):
        accept_proposal(increase.id, session=session, actor="chair@example.org")
    accepted = accept_proposal(agreement.id, session=session, actor="chair@example.org")
    stored = session.exec(select(Commitment).where(Commitment.ref == "GB-GOV-1-300777-101")).one()
    assert accepted.status == "accepted" and accepted.records == f"commitment:{stored.id}"
    lines = session.exec(select(CommitmentLine).where(CommitmentLine.commitment_id == stored.id)
                         .order_by(CommitmentLine.year)).all()
    assert [(ln.year, ln.pillar_code, ln.amount) for ln in lines] == [(2025, "unallocated", Decimal("600000")),
                                                                      (2026, "unallocated", Decimal("400000"))]
    accept_proposal(increase.id, session=session, actor="chair@example.org")
    assert session.exec(select(Amendment).where(Amendment.commitment_id == stored.id)).one().amount == Decimal("50000")
    for p in proposals(session, activity_id="GB-GOV-1-300777-101", kind="disbursement"):
        accept_proposal(p.id, session=session, actor="chair@example.org")
    paid = session.exec(select(Disbursement).order_by(Disbursement.paid_on)).all()
    assert [(d.commitment_id, d.agreement_ref, d.amount, d.currency) for d in paid] == [
        (stored.id, stored.ref, Decimal("300000"), "GBP"), (stored.id, stored.ref, Decimal("250000"), "USD")]
    audited = session.exec(select(AuditLog).where(AuditLog.actor == "chair@example.org")).all()
    assert {a.entity for a in audited} >= {"commitment", "commitment_line", "amendment", "disbursement", "iati_proposal"}
    h1, _ = compute_summary(scope_of("swg", "2025-H1"), session=session)
    h2, _ = compute_summary(scope_of("swg", "2025-H2"), session=session)
    # At the test's 0.8 pounds to the dollar: 1,000,000 GBP signed, 300,000 GBP paid in H1; 50,000 GBP more and US$250,000 in H2.
    assert (h1["totals"]["committed"], h1["totals"]["disbursed"]) == ("1250000.00", "375000.00")
    assert (h2["totals"]["committed"], h2["totals"]["disbursed"]) == ("62500.00", "250000.00")
    with pytest.raises(ProposalRefused, match="already accepted"):
        accept_proposal(agreement.id, session=session, actor="chair@example.org")


def test_nothing_is_proposed_twice_even_after_a_rejection(orgs, session):
    import_iati(read(SEVERAL), SEVERAL, session=session, actor="test")
    water = one(session, "GB-GOV-1-305555-101", "disbursement")
    reject_proposal(water.id, session=session, actor="chair@example.org", note="counted under the WASH programme")
    again = import_iati(read(SEVERAL), "fcdo-november.xml", session=session, actor="test")
    assert sum(again.proposed.values()) == 0
    assert "6 transactions already proposed (from this or an earlier file)" in again.skipped_lines()
    assert len(proposals(session)) == 6 and one(session, "GB-GOV-1-305555-101", "disbursement").status == "rejected"


def test_what_the_register_already_holds_is_not_proposed(orgs, session):
    held = Commitment(ref="GB-GOV-1-300777-101", donor_id=orgs["United Kingdom"], recipient_id=orgs["HALO Trust"],
                      signed_on=date(2025, 2, 10), start_on=date(2025, 3, 1), end_on=date(2026, 12, 31), currency="GBP")
    session.add(held)
    session.flush()
    session.add(Disbursement(agreement_ref=held.ref, commitment_id=held.id, donor_id=held.donor_id, recipient_id=held.recipient_id,
                             paid_on=date(2025, 3, 15), pillar_code="unallocated", amount=Decimal("300000"), currency="GBP"))
    session.commit()
    report = import_iati(read(SEVERAL), SEVERAL, session=session, actor="test")
    assert "1 agreements the register already holds (same agreement ref and donor)" in report.skipped_lines()
    assert "1 disbursements the register already holds (same agreement ref and donor)" in report.skipped_lines()
    assert [p.amount for p in proposals(session, activity_id="GB-GOV-1-300777-101")] == [Decimal("50000"), Decimal("250000")]


def test_an_unknown_organisation_is_shown_and_chosen_by_the_co_chair(orgs, session):
    import_iati(read(SEVERAL), SEVERAL, session=session, actor="test")
    region = one(session, "GB-GOV-1-301234-102", "agreement")
    with pytest.raises(ProposalRefused, match="the recipient Lao Disabled People's Association matches no organisation"):
        accept_proposal(region.id, session=session, actor="chair@example.org")
    assert one(session, "GB-GOV-1-301234-102", "agreement").status == "pending"
    accept_proposal(region.id, session=session, actor="chair@example.org", recipient_id=orgs["Humanity & Inclusion"])
    assert session.exec(select(Commitment)).one().recipient_id == orgs["Humanity & Inclusion"]


def test_a_2_01_file_with_sectors_on_its_transactions(orgs, session):
    report = import_iati(read("multilateral-2.01.xml"), "jica.xml", session=session, actor="test")
    assert report.describe() == "1 activity read, 1 of them Lao mine action; proposed: 1 agreement, 1 disbursement"
    assert report.skipped_lines() == ["1 transactions outside mine action (no sector 15250)"]
    agreement = one(session, "JP-8-2024-LAO-0042", "agreement")
    assert (agreement.amount, agreement.currency, agreement.lines) == (Decimal("30000000"), "JPY",
                                                                       '[[2024, "unallocated", "30000000"]]')
    assert (agreement.donor_id, agreement.recipient_id) == (orgs["Japan"], orgs["JMAS"])  # names and aliases, no refs
    assert one(session, "JP-8-2024-LAO-0042", "disbursement").amount == Decimal("15000000")


def test_a_file_with_nothing_for_lao_mine_action_stores_nothing_and_says_why(orgs, runner, session):
    result = runner.invoke(args=["import-iati", str(DATA / "nothing-for-laos.xml")])
    assert result.exit_code == 0
    assert "2 activities read, 0 of them Lao mine action; proposed: nothing new" in result.output
    assert "skipped: 1 activities for other countries" in result.output
    assert proposals(session) == []


HUGE = b"<?xml version='1.0'?><iati-activities version='2.03'>" + b"<iati-activity/>" * 80_000 + b"</iati-activities>"


@pytest.mark.parametrize("name, data, said", [
    ("malformed.xml", None, "not well-formed XML (line 8: Opening and ending tag mismatch"),
    ("billion-laughs.xml", None, "declares a DTD or entities"),
    ("external-entity.xml", None, "declares a DTD or entities"),
    ("huge.xml", HUGE, "the file is 1.2 MB; files up to 1 MB are read"),
    ("old.xml", b"<iati-activities version='1.05'><iati-activity/></iati-activities>", "the file is IATI version 1.05"),
    ("org.xml", b"<iati-organisations version='2.03'/>", "root element is <iati-organisations>"),
    ("empty.xml", b"  ", "the file is empty"),
])
def test_malformed_and_hostile_files_are_refused_with_a_sentence_and_nothing_stored(orgs, app, session, tmp_path, name,
                                                                                     data, said):
    path = tmp_path / name
    path.write_bytes(data if data is not None else read(name))
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    audited = session.exec(select(func.count()).select_from(AuditLog)).one()
    result = app.test_cli_runner().invoke(args=["import-iati", str(path)])
    assert result.exit_code == 1
    assert said in result.output and "nothing was stored" in result.output
    assert proposals(session) == [] and session.exec(select(func.count()).select_from(AuditLog)).one() == audited


def test_an_unreadable_amount_in_a_kept_activity_is_an_error_and_nothing_is_stored(orgs, session):
    data = read(SEVERAL).replace(b"<value value-date=\"2025-03-15\">300000.00</value>",
                                 b"<value value-date=\"2025-03-15\">300,000 GBP</value>")
    report = import_iati(data, SEVERAL, session=session, actor="test")
    assert report.errors == ["activity GB-GOV-1-300777-101, transaction 2 (line 39): value '300,000 GBP' is not a number"]
    assert proposals(session) == []


def test_cli_dry_run_stores_nothing_and_accept_accepts_what_it_can(orgs, runner, session):
    dry = runner.invoke(args=["import-iati", str(DATA / SEVERAL), "--dry-run"])
    assert dry.exit_code == 0 and dry.output.startswith("dry run, nothing stored:")
    assert proposals(session) == []
    result = runner.invoke(args=["import-iati", str(DATA / SEVERAL), "--accept"])
    assert "accepted 5 proposal(s)" in result.output
    assert "Lao Disabled People's Association matches no organisation" in result.output  # left pending, said
    assert result.exit_code == 1
    assert [p.kind for p in proposals(session, status="pending")] == ["agreement"]


def test_co_chair_uploads_reviews_accepts_and_rejects_on_the_web(orgs, client, login, session):
    login("co-chair")
    token = csrf_token(client, "/iati/")
    response = client.post("/iati/import", data={"file": (io.BytesIO(read(SEVERAL)), SEVERAL), "csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("/iati/proposals")
    page = client.get("/iati/proposals").get_data(as_text=True)
    assert "Not in the register: Lao Disabled People&#39;s Association" in page
    assert "GB-GOV-1-300777-101" in page and "1,000,000.00 GBP" in page
    region = one(session, "GB-GOV-1-301234-102", "agreement")
    refused = client.post(f"/iati/proposals/{region.id}/accept", data={"csrf_token": token}, follow_redirects=True)
    assert "matches no organisation" in refused.get_data(as_text=True)
    client.post(f"/iati/proposals/{region.id}/accept",
                data={"csrf_token": token, "recipient_id": orgs["Humanity & Inclusion"]})
    water = one(session, "GB-GOV-1-305555-101", "disbursement")
    client.post(f"/iati/proposals/{water.id}/reject", data={"csrf_token": token, "note": "WASH, not UXO"})
    session.expire_all()
    assert one(session, "GB-GOV-1-301234-102", "agreement").status == "accepted"
    assert (one(session, "GB-GOV-1-305555-101", "disbursement").status,
            one(session, "GB-GOV-1-305555-101", "disbursement").decision_note) == ("rejected", "WASH, not UXO")
    hostile = client.post("/iati/import", data={"file": (io.BytesIO(read("billion-laughs.xml")), "x.xml"),
                                                "csrf_token": token}, content_type="multipart/form-data")
    assert hostile.status_code == 422 and "declares a DTD or entities" in hostile.get_data(as_text=True)


def test_shares_are_split_exactly_the_last_part_taking_what_rounding_left():
    from uxo_swg.domain.iati import split

    assert split(Decimal("100.00"), {"clearance": 1, "re": 1, "va": 1}, "USD") == {
        "clearance": Decimal("33.33"), "re": Decimal("33.33"), "va": Decimal("33.34")}
    assert split(Decimal("1000"), {2025: Decimal("600"), 2026: Decimal("400")}, "JPY") == {2025: 600, 2026: 400}
