"""A corrected return keeps the co-chairs' decisions on the receipts it did not change (counted once after a re-send)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import col, select

from returns_workbooks import add_disbursement
from test_reconciliation import Q3, disbursed, ids, receipt, store  # noqa: F401  (ids is a fixture)
from uxo_swg.models import AuditLog, ReconciliationDecision, ReturnReceipt, User
from uxo_swg.reconciliation.services import decide


def _decide(session, receipt_id, disbursement_id, decision, make_user):
    email = make_user("co-chair")
    session.rollback()  # end the read begun before the user was created
    user = session.exec(select(User).where(User.email == email)).one()
    decide(receipt_id, disbursement_id, decision, "checked with the bank", session=session, user=user)


def _receipt(session, amount):
    return session.exec(select(ReturnReceipt).where(ReturnReceipt.amount == Decimal(amount))
                        .order_by(col(ReturnReceipt.id).desc())).first()


def _in_force(session):
    return session.exec(select(ReconciliationDecision).where(col(ReconciliationDecision.undone_at).is_(None))
                        .order_by(ReconciliationDecision.id)).all()


def test_a_confirmed_pair_stays_confirmed_when_the_operator_sends_a_corrected_return(session, ids, make_user):
    did = add_disbursement(session, ids, ref="US-2025-01", amount="100000", paid_on=date(2025, 7, 25))
    paired = receipt(date(2025, 8, 3), ref=None, amount=99500)  # no ref: only a co-chair can pair it
    first = store(session, paired)
    _decide(session, first.id, did, "confirm", make_user)
    assert disbursed(session) == Decimal("100000")

    # The operator corrects another row: the paired receipt is stored again, under a new id.
    store(session, paired, receipt(date(2025, 8, 9), donor="Japan", amount=5))
    assert disbursed(session) == Decimal("100005")  # not 199,505: the pair still counts once
    decisions = _in_force(session)
    new_receipt = session.exec(select(ReturnReceipt).where(ReturnReceipt.amount == Decimal("99500"),
                                                           ReturnReceipt.id != first.id)).one()
    assert [(x.receipt_id, x.disbursement_id, x.decision) for x in decisions] == [
        (first.id, did, "confirm"), (new_receipt.id, did, "confirm")]
    assert decisions[1].note == "checked with the bank" and decisions[1].decided_by_id == decisions[0].decided_by_id
    audit = session.exec(select(AuditLog).where(AuditLog.entity == "reconciliation_decision", AuditLog.action == "insert")
                         .order_by(col(AuditLog.id).desc())).first()
    assert audit.actor == "test" and str(new_receipt.id) in audit.after  # the upload that copied it


def test_a_rejected_match_stays_rejected_and_a_changed_receipt_needs_a_new_decision(session, ids, make_user):
    did = add_disbursement(session, ids, amount="100000")  # ref US-2025-01, matched by the rule
    store(session, receipt(date(2025, 8, 1), ref="US-2025-01", amount=60000), receipt(date(2025, 8, 2), ref=None, amount=7))
    assert disbursed(session) == Decimal("100007")  # the rule pairs the 60,000 with the 100,000
    _decide(session, _receipt(session, 60000).id, did, "reject", make_user)
    assert disbursed(session) == Decimal("160007")

    store(session, receipt(date(2025, 8, 1), ref="US-2025-01", amount=60000), receipt(date(2025, 8, 2), ref=None, amount=8))
    assert disbursed(session) == Decimal("160008")  # still not paired: the rejection followed the receipt
    assert len(_in_force(session)) == 2

    # The operator changes the rejected receipt's amount: the rule pairs it again until someone decides.
    store(session, receipt(date(2025, 8, 1), ref="US-2025-01", amount=61000), receipt(date(2025, 8, 2), ref=None, amount=8))
    assert disbursed(session) == Decimal("100008")
    changed = _receipt(session, 61000)
    assert len(_in_force(session)) == 2 and changed.id not in {x.receipt_id for x in _in_force(session)}
