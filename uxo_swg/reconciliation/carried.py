"""A co-chair's decisions follow their receipts into the next version of a return.

An operator who sends a corrected return stores every row again, under new ids. A receipt
the co-chairs had confirmed as a disbursement's money (or said was not) would otherwise
lose that decision, and money they had paired by hand would be counted twice again. A
receipt of the new version with the same content (date, donor, channel, ref, pillar,
province, amount, currency) takes the decisions in force on the old one; a receipt that
changed needs a new decision. Twins (two identical rows) are paired in row order.
"""
from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from ..models import ReconciliationDecision, ReturnReceipt

_CONTENT = (ReturnReceipt.received_on, ReturnReceipt.donor_id, ReturnReceipt.via_id, ReturnReceipt.agreement_ref,
            ReturnReceipt.pillar_code, ReturnReceipt.province_code, ReturnReceipt.amount, ReturnReceipt.currency)


def _receipts_by_content(return_id: int, *, session: Session) -> dict[tuple, list[int]]:
    """Return a return's receipt ids per content, in row order."""
    out: dict[tuple, list[int]] = defaultdict(list)
    for rid, *content in session.exec(select(ReturnReceipt.id, *_CONTENT).where(ReturnReceipt.return_id == return_id)
                                      .order_by(ReturnReceipt.row, ReturnReceipt.id)).all():
        out[tuple(content)].append(rid)
    return out


def carry_decisions(previous_id: int, new_id: int, *, session: Session) -> int:
    """Give the new version's unchanged receipts the decisions in force on the previous version's; return how many.

    The decisions keep who decided, when and why; the audit log records the copy under the
    upload that made it. The old decisions stay as they were, on the superseded receipts.
    """
    d, r = ReconciliationDecision, ReturnReceipt
    in_force = session.exec(select(d).join(r, col(d.receipt_id) == col(r.id))
                            .where(r.return_id == previous_id, col(d.undone_at).is_(None)).order_by(d.id)).all()
    if not in_force:
        return 0
    old = _receipts_by_content(previous_id, session=session)
    new = _receipts_by_content(new_id, session=session)
    place = {rid: (content, n) for content, rids in old.items() for n, rid in enumerate(rids)}
    carried = 0
    for decision in in_force:
        content, n = place[decision.receipt_id]
        twins = new.get(content, [])
        if n < len(twins):
            session.add(ReconciliationDecision(receipt_id=twins[n], disbursement_id=decision.disbursement_id,
                                               decision=decision.decision, note=decision.note,
                                               decided_by_id=decision.decided_by_id, decided_at=decision.decided_at))
            carried += 1
    session.flush()
    return carried
