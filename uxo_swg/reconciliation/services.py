"""Reconciliation: operators' receipts against the co-chairs' donor-side disbursements (counting rule 5)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from ..db import write_transaction
from ..domain.counting import Entry, match_receipts
from ..domain.messages import N_, Explained
from ..domain.periods import Period
from ..models import Disbursement, OperatorReturn, Organisation, ReconciliationDecision, ReturnReceipt, User, utcnow

DECISIONS = ("confirm", "reject")
#: A receipt may arrive this long after (or, booked early, before) the payment it is.
WINDOW = timedelta(days=60)
#: Suggested matches: same currency, amounts within this share of each other, dates within WINDOW.
CLOSE_AMOUNT = Decimal("0.10")
OPERATOR_KINDS = ("national-operator", "ngo", "commercial")


class DecisionError(Explained, ValueError):
    """A decision that cannot be recorded, with the reason."""


def match_decisions(*, session: Session) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """Return the co-chairs' (receipt id, disbursement id) pairs: confirmed ones and rejected ones."""
    confirmed: set[tuple[int, int]] = set()
    rejected: set[tuple[int, int]] = set()
    for rid, did, decision in session.exec(select(ReconciliationDecision.receipt_id, ReconciliationDecision.disbursement_id,
                                                  ReconciliationDecision.decision)
                                           .where(col(ReconciliationDecision.undone_at).is_(None))).all():
        (confirmed if decision == "confirm" else rejected).add((rid, did))
    return confirmed, rejected


def _in_force(receipt_id: int, disbursement_id: int, *, session: Session) -> ReconciliationDecision | None:
    return session.exec(select(ReconciliationDecision).where(
        ReconciliationDecision.receipt_id == receipt_id, ReconciliationDecision.disbursement_id == disbursement_id,
        col(ReconciliationDecision.undone_at).is_(None)).execution_options(populate_existing=True)).first()


def _end(decision: ReconciliationDecision, user: User) -> None:
    decision.undone_at, decision.undone_by_id = utcnow(), user.id
    decision.version += 1


def decide(receipt_id: int, disbursement_id: int, decision: str, note: str, *, session: Session,
           user: User) -> ReconciliationDecision:
    """Record a co-chair's decision on a receipt and a disbursement; one already in force is kept, marked replaced."""
    if decision not in DECISIONS:
        raise DecisionError(N_("{decision} is not a decision: confirm or reject"), decision=repr(decision))
    write_transaction(session)
    receipt = session.get(ReturnReceipt, receipt_id)
    disbursement = session.get(Disbursement, disbursement_id)
    if receipt is None or disbursement is None:
        raise DecisionError(N_("that receipt or disbursement no longer exists: reload the page"))
    existing = _in_force(receipt_id, disbursement_id, session=session)
    if existing is not None and (existing.decision, existing.note) == (decision, note[:500]):
        session.rollback()
        return existing
    new = ReconciliationDecision(receipt_id=receipt_id, disbursement_id=disbursement_id, decision=decision,
                                 note=note[:500], decided_by_id=user.id)
    try:
        if existing is not None:
            _end(existing, user)
            session.flush()  # out of force first: one decision in force per pair (a unique index)
        session.add(new)
        session.flush()
        if existing is not None:
            existing.replaced_by_id = new.id
        session.commit()
    except (sa.exc.IntegrityError, StaleDataError):
        # Two decisions on one pair at once: the unique index (or the version check) keeps one.
        session.rollback()
        raise DecisionError(N_("another co-chair recorded a decision on this pair at the same moment: "
                               "reload the page to see it, and change it there if needed")) from None
    return new


def undo(decision_id: int, *, session: Session, user: User) -> ReconciliationDecision:
    """Undo a decision in force: the pair is left to the rule again; the decision stays, marked undone."""
    write_transaction(session)
    decision = session.get(ReconciliationDecision, decision_id, populate_existing=True)
    if decision is None:
        raise DecisionError(N_("there is no such decision: reload the page"))
    if decision.undone_at is not None:
        raise DecisionError(N_("this decision was already undone or replaced: reload the page"))
    _end(decision, user)
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise DecisionError(N_("another co-chair changed this decision at the same moment: reload the page")) from None
    return decision


@dataclass
class Pair:
    """A receipt and the disbursement it was matched to, and whether a co-chair confirmed it."""

    receipt: ReturnReceipt
    disbursement: Disbursement
    operator: str
    confirmed: bool = False


class _Suggester:
    """Finds the disbursements that look like a receipt, among those no receipt matched (by donor and currency)."""

    def __init__(self, free: list[Disbursement], rejected: set[tuple[int, int]], funds: set[int]) -> None:
        self.rejected = rejected
        self.funds = funds
        self.by_donor: dict[tuple[int, str], list[Disbursement]] = {}
        for d in free:
            self.by_donor.setdefault((d.donor_id, d.currency), []).append(d)

    def suggest(self, receipt: ReturnReceipt, operator_id: int) -> list[Disbursement]:
        candidates = self.by_donor.get((paying(receipt, self.funds), receipt.currency), [])
        found = [d for d in candidates
                 if (receipt.id, d.id) not in self.rejected and _looks_like(receipt, operator_id, d, self.funds)]
        found.sort(key=lambda d: (abs(d.amount - receipt.amount), abs(d.paid_on - receipt.received_on)))
        return found[:3]


@dataclass
class OpenReceipt:
    """A receipt no disbursement matches, with (looked up when first read) up to three that look like it."""

    receipt: ReturnReceipt
    operator: str
    operator_id: int = 0
    suggester: _Suggester | None = field(default=None, repr=False, compare=False)

    @cached_property
    def suggestions(self) -> list[Disbursement]:
        """Return up to three disbursements that look like the receipt, closest amount first."""
        return self.suggester.suggest(self.receipt, self.operator_id) if self.suggester else []


@dataclass
class Reconciliation:
    """The quarter's reconciliation: differing pairs, receipts with no record, unacknowledged payments."""

    quarter: Period
    names: dict[int, str]
    matched: int = 0
    differing: list[Pair] = field(default_factory=list)
    open_receipts: list[OpenReceipt] = field(default_factory=list)
    unacknowledged: list[Disbursement] = field(default_factory=list)
    decisions: list[tuple[ReconciliationDecision, str, str]] = field(default_factory=list)  # with who decided, who undid


def _disbursement_entry(d: Disbursement, names: dict[int, str]) -> Entry:
    return Entry("disbursement", d.id, d.paid_on, d.pillar_code, d.amount, d.currency, donor=names.get(d.donor_id),
                 recipient=names.get(d.recipient_id), via=names.get(d.via_id), agreement_ref=d.agreement_ref)


def paying(r: ReturnReceipt, funds: set[int]) -> int:
    """Return who paid a receipt as rule 11 reads it: the pooled fund it names as via or donor, else its donor."""
    return r.via_id if r.via_id in funds else r.donor_id


def _receipt_entry(r: ReturnReceipt, operator_id: int, names: dict[int, str], funds: set[int]) -> Entry:
    via = None if r.via_id in funds else names.get(r.via_id)
    return Entry("receipt", r.id, r.received_on, r.pillar_code, r.amount, r.currency, donor=names.get(paying(r, funds)),
                 recipient=names.get(operator_id), via=via, agreement_ref=r.agreement_ref)


def _looks_like(r: ReturnReceipt, operator_id: int, d: Disbursement, funds: set[int]) -> bool:
    """Return whether a disbursement is a plausible match: same donor (or fund), operator or channel, close amount and date."""
    if d.donor_id != paying(r, funds) or d.currency != r.currency:
        return False
    if not ({d.recipient_id, d.via_id} - {None}) & ({operator_id, r.via_id} - {None}):
        return False
    if abs(d.paid_on - r.received_on) > WINDOW:
        return False
    return abs(d.amount - r.amount) <= CLOSE_AMOUNT * max(d.amount, r.amount)


def reconcile(quarter: Period, *, session: Session) -> Reconciliation:
    """Return the quarter's reconciliation, with the co-chairs' decisions applied (as the summaries count)."""
    orgs = session.exec(select(Organisation)).all()
    names = {o.id: o.name for o in orgs}
    funds = {o.id for o in orgs if o.kind == "pooled-fund"}
    start, end = quarter.start - WINDOW, quarter.end + WINDOW
    receipts = session.exec(
        select(ReturnReceipt, OperatorReturn.operator_id)
        .join(OperatorReturn, col(ReturnReceipt.return_id) == col(OperatorReturn.id))
        .where(col(OperatorReturn.superseded_by_id).is_(None), col(ReturnReceipt.received_on) >= start,
               col(ReturnReceipt.received_on) <= end)).all()
    operator_of = {r.id: oid for r, oid in receipts}
    receipt_by_id = {r.id: r for r, _oid in receipts}
    confirmed, rejected = match_decisions(session=session)
    refs = {r.agreement_ref for r, _ in receipts if r.agreement_ref}
    decided = {did for _rid, did in confirmed}
    live = col(Disbursement.cancelled_at).is_(None)
    nearby = (col(Disbursement.paid_on) >= start) & (col(Disbursement.paid_on) <= end)
    disbursements = session.exec(select(Disbursement).where(
        live, nearby | col(Disbursement.agreement_ref).in_(refs) | col(Disbursement.id).in_(decided))).all()
    disbursement_by_id = {d.id: d for d in disbursements}
    pairs, unmatched = match_receipts([_receipt_entry(r, oid, names, funds) for r, oid in receipts],
                                      [_disbursement_entry(d, names) for d in disbursements], confirmed, rejected)
    out = Reconciliation(quarter=quarter, names=names)
    used = set()
    for rec, dis in pairs:
        used.add(dis.record_id)
        receipt, disbursement = receipt_by_id[rec.record_id], disbursement_by_id[dis.record_id]
        if not (quarter.contains(receipt.received_on) or quarter.contains(disbursement.paid_on)):
            continue
        out.matched += 1
        if (receipt.amount, receipt.currency) != (disbursement.amount, disbursement.currency):
            out.differing.append(Pair(receipt, disbursement, names[operator_of[receipt.id]],
                                      (receipt.id, disbursement.id) in confirmed))
    free = [d for d in disbursements if d.id not in used]
    suggester = _Suggester(free, rejected, funds)  # suggestions are looked up for the receipts a page shows only
    for rec in unmatched:
        receipt = receipt_by_id[rec.record_id]
        if not quarter.contains(receipt.received_on):
            continue
        oid = operator_of[receipt.id]
        out.open_receipts.append(OpenReceipt(receipt, names[oid], oid, suggester))
    operator_ids = {o.id for o in orgs if o.kind in OPERATOR_KINDS} | set(operator_of.values())
    out.unacknowledged = sorted(
        (d for d in free if quarter.contains(d.paid_on) and (d.recipient_id in operator_ids or d.via_id in operator_ids)),
        key=lambda d: (d.paid_on, d.id))
    out.differing.sort(key=lambda p: (p.disbursement.paid_on, p.receipt.id))
    out.open_receipts.sort(key=lambda o: (o.receipt.received_on, o.receipt.id))
    emails = {u.id: u.email for u in session.exec(select(User)).all()}
    decisions = (select(ReconciliationDecision)
                 .join(ReturnReceipt, col(ReturnReceipt.id) == col(ReconciliationDecision.receipt_id))
                 .join(OperatorReturn, col(ReturnReceipt.return_id) == col(OperatorReturn.id))
                 .where(col(OperatorReturn.superseded_by_id).is_(None), col(ReturnReceipt.received_on) >= start,
                        col(ReturnReceipt.received_on) <= end)  # the receipts read above, without listing their ids
                 .order_by(col(ReconciliationDecision.decided_at).desc(), col(ReconciliationDecision.id).desc()))
    for decision in session.exec(decisions).all():
        out.decisions.append((decision, emails.get(decision.decided_by_id, ""), emails.get(decision.undone_by_id, "")))
    return out
