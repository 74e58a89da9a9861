"""Reconciliation of operators' receipts with donor-side disbursements (counting rule 5), and co-chairs' decisions."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from conftest import csrf_token
from returns_workbooks import add_disbursement, add_organisations, return_workbook, xlsx
from uxo_swg.domain.counting import Entry, match_receipts
from uxo_swg.domain.periods import parse_quarter
from uxo_swg.funding import figures_for
from uxo_swg.models import AuditLog, ReconciliationDecision, ReturnReceipt
from uxo_swg.reconciliation.services import reconcile
from uxo_swg.returns.services import import_return

Q3 = parse_quarter("2025-Q3")


def receipt(day, donor="United States", via=None, ref=None, amount=100000, currency="USD"):
    return [day, donor, via, ref, "clearance", "Xiengkhouang", amount, currency, None]


@pytest.fixture
def ids(session):
    return add_organisations(session)


def store(session, *receipts, operator="HALO Trust"):
    import_return(xlsx(return_workbook(operator=operator, receipts=receipts)), f"{len(receipts)}.xlsx", session=session, actor="test")
    return session.exec(select(ReturnReceipt).order_by(ReturnReceipt.id.desc())).first()


def disbursed(session):
    return figures_for(Q3, session=session).total("disbursed")


# --- the rule, pure -----------------------------------------------------------------------

def entry(kind, rid, day, ref="A-1", donor="US", recipient="HALO", via=None, amount="100"):
    return Entry(kind, rid, day, "clearance", Decimal(amount), "USD", donor=donor, recipient=recipient, via=via, agreement_ref=ref)


def test_match_receipts_with_confirmed_and_rejected_pairs():
    r1, r2 = entry("receipt", 1, date(2025, 8, 1)), entry("receipt", 2, date(2025, 8, 2), ref=None)
    d1, d2 = entry("disbursement", 10, date(2025, 7, 30)), entry("disbursement", 11, date(2025, 7, 31), ref=None)
    pairs, unmatched = match_receipts([r1, r2], [d1, d2])
    assert [(r.record_id, d.record_id) for r, d in pairs] == [(1, 10)] and unmatched == [r2]
    pairs, unmatched = match_receipts([r1, r2], [d1, d2], confirmed={(2, 11)}, rejected={(1, 10)})
    assert [(r.record_id, d.record_id) for r, d in pairs] == [(2, 11)] and unmatched == [r1]


# --- the page and the summaries -------------------------------------------------------------

def test_matched_pair_counts_once_and_is_shown_where_amounts_differ(session, ids):
    add_disbursement(session, ids, amount="100000")
    store(session, receipt(date(2025, 8, 1), ref="US-2025-01", amount=98000))
    r = reconcile(Q3, session=session)
    assert r.matched == 1 and len(r.differing) == 1
    assert (r.differing[0].disbursement.amount, r.differing[0].receipt.amount) == (Decimal("100000"), Decimal("98000"))
    assert r.open_receipts == [] and r.unacknowledged == []
    assert disbursed(session) == Decimal("100000")


def test_receipt_via_a_channel_matches_a_payment_to_the_channel(session, ids):
    add_disbursement(session, ids, recipient="UXO Lao Trust Fund (UNDP)")
    store(session, receipt(date(2025, 8, 1), via="UNDP Trust Fund", ref="US-2025-01"))
    r = reconcile(Q3, session=session)
    assert r.matched == 1 and r.open_receipts == []


def test_receipt_with_no_record_and_payment_nobody_acknowledged(session, ids):
    add_disbursement(session, ids, ref="US-OTHER", recipient="MAG", amount="50000")
    store(session, receipt(date(2025, 8, 1), donor="Japan", ref="JP-9", amount=7000))
    r = reconcile(Q3, session=session)
    assert [o.receipt.amount for o in r.open_receipts] == [Decimal("7000")]
    assert [d.amount for d in r.unacknowledged] == [Decimal("50000")]
    assert disbursed(session) == Decimal("57000")  # the unmatched receipt counts on the operator's word


def test_suggestion_confirmed_by_a_co_chair_changes_the_summaries_at_once(client, login, session, ids):
    did = add_disbursement(session, ids, ref="US-2025-01", amount="100000", paid_on=date(2025, 7, 25))
    rec = store(session, receipt(date(2025, 8, 3), ref=None, amount=99500))  # no agreement ref: the rule cannot match
    assert disbursed(session) == Decimal("199500")  # counted twice until someone decides
    r = reconcile(Q3, session=session)
    assert [d.id for d in r.open_receipts[0].suggestions] == [did]
    session.rollback()  # end the read, so the login can write
    email = login("co-chair")
    page = client.get("/reconciliation/?quarter=2025-Q3").get_data(as_text=True)
    assert "Confirm match" in page and f"disbursement {did}" in page
    response = client.post("/reconciliation/decide", data={
        "csrf_token": csrf_token(client, "/reconciliation/?quarter=2025-Q3"), "receipt_id": rec.id, "disbursement_id": did,
        "decision": "confirm", "note": "same transfer, bank fee", "quarter": "2025-Q3"})
    assert response.status_code == 302
    session.rollback()
    assert disbursed(session) == Decimal("100000")
    r = reconcile(Q3, session=session)
    assert r.open_receipts == [] and r.unacknowledged == [] and r.differing[0].confirmed
    audit = session.exec(select(AuditLog).where(AuditLog.entity == "reconciliation_decision")).one()
    assert audit.actor == email and audit.action == "insert" and "bank fee" in audit.after
    page = client.get("/reconciliation/?quarter=2025-Q3").get_data(as_text=True)
    assert "same transfer, bank fee" in page and email in page


def test_rejecting_an_automatic_match_unpairs_it(client, login, session, ids):
    did = add_disbursement(session, ids, amount="100000")
    rec = store(session, receipt(date(2025, 8, 1), ref="US-2025-01", amount=60000))
    assert disbursed(session) == Decimal("100000")
    session.rollback()
    login("co-chair")
    client.post("/reconciliation/decide", data={
        "csrf_token": csrf_token(client, "/reconciliation/"), "receipt_id": rec.id, "disbursement_id": did,
        "decision": "reject", "note": "", "quarter": "2025-Q3"})
    session.rollback()
    decision = session.exec(select(ReconciliationDecision)).one()
    assert (decision.receipt_id, decision.disbursement_id, decision.decision) == (rec.id, did, "reject")
    r = reconcile(Q3, session=session)
    assert r.matched == 0 and len(r.open_receipts) == 1 and len(r.unacknowledged) == 1
    assert r.open_receipts[0].suggestions == []  # a rejected pair is not suggested again
    assert disbursed(session) == Decimal("160000")


def test_changing_a_decision_replaces_it_keeps_the_first_and_is_audited(client, login, session, ids):
    did = add_disbursement(session, ids)
    rec = store(session, receipt(date(2025, 8, 1), ref=None, amount=100000))
    session.rollback()
    login("admin")
    for decision in ("confirm", "reject"):
        client.post("/reconciliation/decide", data={
            "csrf_token": csrf_token(client, "/reconciliation/"), "receipt_id": rec.id, "disbursement_id": did,
            "decision": decision, "quarter": "2025-Q3"})
    session.rollback()
    first, second = session.exec(select(ReconciliationDecision).order_by(ReconciliationDecision.id)).all()
    assert (first.decision, second.decision) == ("confirm", "reject")
    assert first.undone_at is not None and first.replaced_by_id == second.id and second.undone_at is None
    actions = session.exec(select(AuditLog.action).where(AuditLog.entity == "reconciliation_decision").order_by(AuditLog.id)).all()
    assert sorted(actions) == ["insert", "insert", "update", "update"]


def test_bad_decisions_are_refused(client, login, session, ids):
    login("co-chair")
    token = csrf_token(client, "/reconciliation/")
    refused = client.post("/reconciliation/decide", data={"csrf_token": token, "receipt_id": 1, "disbursement_id": 1,
                                                          "decision": "maybe"}, follow_redirects=True)
    assert "The decision was not recorded: Decision: Invalid value, must be one of: confirm, reject." in refused.get_data(as_text=True)
    response = client.post("/reconciliation/decide", data={"csrf_token": token, "receipt_id": 999, "disbursement_id": 999,
                                                           "decision": "confirm"}, follow_redirects=True)
    assert "no longer exists" in response.get_data(as_text=True)
    assert session.exec(select(ReconciliationDecision)).all() == []


def test_only_co_chairs_and_admins_reconcile(client, login, ids):
    login("operator", organisation="HALO Trust")
    assert client.get("/reconciliation/").status_code == 403
    assert client.post("/reconciliation/decide", data={"receipt_id": 1}).status_code in (400, 403)


def test_superseded_receipts_are_not_reconciled(session, ids):
    add_disbursement(session, ids)
    store(session, receipt(date(2025, 8, 1), ref="US-2025-01", amount=1))
    store(session, receipt(date(2025, 8, 1), ref="US-2025-01", amount=100000), receipt(date(2025, 8, 9), donor="Japan", amount=5))
    r = reconcile(Q3, session=session)
    assert r.matched == 1 and r.differing == [] and len(r.open_receipts) == 1
    assert re.match(r"^HALO Trust$", r.open_receipts[0].operator)


def decide_on(client, rec_id, did, decision, quarter="2025-Q3"):
    return client.post("/reconciliation/decide", data={
        "csrf_token": csrf_token(client, f"/reconciliation/?quarter={quarter}"), "receipt_id": rec_id,
        "disbursement_id": did, "decision": decision, "note": "", "quarter": quarter})


def test_not_the_same_money_is_not_paired_again_with_a_payment_of_another_quarter(client, login, session, ids):
    # HALO's receipt of 98,000 on 1 August; the United States paid 100,000 in July and 98,000 the next March,
    # both under US-2025-01. The rule pairs the receipt with July's payment (the nearest date).
    july = add_disbursement(session, ids, amount="100000", paid_on=date(2025, 7, 25))
    march = add_disbursement(session, ids, amount="98000", paid_on=date(2026, 3, 10))
    rec = store(session, receipt(date(2025, 8, 1), ref="US-2025-01", amount=98000))
    assert [(p.receipt.id, p.disbursement.id) for p in reconcile(Q3, session=session).differing] == [(rec.id, july)]
    session.rollback()
    login("co-chair")
    decide_on(client, rec.id, july, "reject")
    session.rollback()
    r = reconcile(Q3, session=session)
    # The receipt stands alone (counted on HALO's word) and July's payment waits for its receipt: the row changed.
    assert r.differing == [] and r.matched == 0
    assert [o.receipt.id for o in r.open_receipts] == [rec.id] and [d.id for d in r.unacknowledged] == [july]
    assert july not in [d.id for d in r.open_receipts[0].suggestions]  # never suggested again
    assert disbursed(session) == Decimal("198000")
    # March's payment is not taken for it either: it stays for its own quarter.
    assert [d.id for d in reconcile(parse_quarter("2026-Q1"), session=session).unacknowledged] == [march]


def test_a_co_chair_undoes_a_decision_which_stays_listed_as_undone(client, login, session, ids):
    did = add_disbursement(session, ids, amount="100000")
    rec = store(session, receipt(date(2025, 8, 1), ref="US-2025-01", amount=60000))
    session.rollback()
    email = login("co-chair")
    decide_on(client, rec.id, did, "reject")
    session.rollback()
    assert disbursed(session) == Decimal("160000")
    decision = session.exec(select(ReconciliationDecision)).one()
    page = client.get("/reconciliation/?quarter=2025-Q3").get_data(as_text=True)
    assert f"/reconciliation/decisions/{decision.id}/undo" in page and "not the same money" in page
    session.rollback()
    response = client.post(f"/reconciliation/decisions/{decision.id}/undo", data={
        "csrf_token": csrf_token(client, "/reconciliation/?quarter=2025-Q3"), "quarter": "2025-Q3"})
    assert response.status_code == 302 and "quarter=2025-Q3" in response.headers["Location"]
    session.rollback()
    kept = session.exec(select(ReconciliationDecision)).one()  # superseded, not deleted
    assert kept.undone_at is not None and kept.replaced_by_id is None
    assert reconcile(Q3, session=session).matched == 1  # the rule pairs them again
    assert disbursed(session) == Decimal("100000")
    audit = session.exec(select(AuditLog).where(AuditLog.entity == "reconciliation_decision", AuditLog.action == "update")).one()
    assert audit.actor == email and "undone_at" in audit.after
    page = client.get("/reconciliation/?quarter=2025-Q3").get_data(as_text=True)
    assert "undone" in page and f"/reconciliation/decisions/{decision.id}/undo" not in page
    session.rollback()
    again = client.post(f"/reconciliation/decisions/{decision.id}/undo", data={
        "csrf_token": csrf_token(client, "/reconciliation/?quarter=2025-Q3"), "quarter": "2025-Q3"}, follow_redirects=True)
    assert "already undone" in again.get_data(as_text=True)
    # And the pair can be decided again afterwards.
    decide_on(client, rec.id, did, "reject")
    session.rollback()
    assert len(session.exec(select(ReconciliationDecision)).all()) == 2
    assert disbursed(session) == Decimal("160000")
