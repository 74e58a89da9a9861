"""Reconciliation: operators' receipts against the co-chairs' donor-side disbursements (counting rule 5)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from ..db import write_transaction
from ..domain.counting import Entry, match_receipts
from ..domain.messages import N_, Explained
from ..domain.periods import Period
from ..models import Disbursement, OperatorReturn, Organisation, ReconciliationDecision, ReturnReceipt, User, utcnow
from ..paging import Page
from ..summaries.reading import id_list, read

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


@dataclass
class OpenReceipt:
    """A receipt no disbursement matches, with up to three disbursements that look like it (closest amount first)."""

    receipt: ReturnReceipt
    operator: str
    operator_id: int = 0
    suggestions: list[Disbursement] = field(default_factory=list)


@dataclass
class Reconciliation:
    """The quarter's reconciliation: differing pairs, receipts with no record, unacknowledged payments, decisions.

    The receipts with no record, the unacknowledged payments and the decisions (with who
    decided and who undid) are one page each (`pages`), counted and cut by the database; all
    of them when no page size was asked.
    """

    quarter: Period
    names: dict[int, str]
    matched: int = 0
    differing: list[Pair] = field(default_factory=list)
    pages: dict[str, Page] = field(default_factory=dict)

    @property
    def open_receipts(self) -> list[OpenReceipt]:
        return self.pages["open_receipts"].items

    @property
    def unacknowledged(self) -> list[Disbursement]:
        return self.pages["unacknowledged"].items

    @property
    def decisions(self) -> list[tuple[ReconciliationDecision, str, str]]:
        return self.pages["decisions"].items


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


def _paying_column(funds: set[int]) -> Any:
    """Who paid a receipt (`paying`), in SQL."""
    r = ReturnReceipt
    return sa.case((col(r.via_id).in_(id_list("funds", funds)), r.via_id), else_=r.donor_id) if funds else col(r.donor_id)


def _matchable(window: list, funds: set[int], confirmed: set[tuple[int, int]], *, session: Session) -> tuple[
        dict[int, tuple[Any, int]], dict[int, Any]]:
    """Return the window's receipts that can match a disbursement (rule 5), with their operator, and those disbursements.

    One statement pairs each receipt with an agreement ref with the live disbursements of the
    same ref and payer whose recipient or channel is the receipt's operator or channel; a
    co-chair's confirmed pairs are added. Every other receipt matches nothing, whatever the
    others do (`match_receipts` only pairs what `receipt_matches` or a confirmation pairs).
    The records are read as plain rows (attributes by column name): building ORM objects for
    a quarter's hundreds of pairs cost more than the statements.
    """
    r, d, ret = ReturnReceipt, Disbursement, OperatorReturn
    channel = sa.case((col(r.via_id).in_(id_list("funds_via", funds)), sa.null()), else_=r.via_id) if funds else col(r.via_id)
    ours = (col(ret.operator_id), channel)
    pairs = read(session, select(r.id, d.id).join(ret, col(r.return_id) == col(ret.id))
                 .join(d, (col(d.agreement_ref) == col(r.agreement_ref)) & (col(d.donor_id) == _paying_column(funds))
                       & (col(d.recipient_id).in_(ours) | col(d.via_id).in_(ours)))
                 .where(*window, col(r.agreement_ref).is_not(None), col(d.cancelled_at).is_(None))).all()
    receipt_ids = {rid for rid, _did in pairs} | {rid for rid, _did in confirmed}
    receipts = {x.id: (x, x.operator_id) for x in read(session, select(*r.__table__.c, ret.operator_id).join(
        ret, col(r.return_id) == col(ret.id)).where(*window, col(r.id).in_(id_list("receipts", receipt_ids))))} \
        if receipt_ids else {}
    wanted = {did for _rid, did in pairs} | {did for rid, did in confirmed if rid in receipts}
    disbursements = {y.id: y for y in read(session, select(*d.__table__.c).where(
        col(d.id).in_(id_list("disbursements", wanted)), col(d.cancelled_at).is_(None)))} if wanted else {}
    return receipts, disbursements


def _suggestions(open_receipts: list[OpenReceipt], used: set[int], rejected: set[tuple[int, int]], funds: set[int],
                 quarter: Period, *, session: Session) -> None:
    """Fill in the suggested disbursements of the receipts shown: one statement for the page."""
    if not open_receipts:
        return
    r, d, ret = ReturnReceipt, Disbursement, OperatorReturn
    theirs = (col(ret.operator_id), col(r.via_id))
    rows = session.exec(select(r.id, d).join(ret, col(r.return_id) == col(ret.id))
                        .join(d, (col(d.donor_id) == _paying_column(funds)) & (col(d.currency) == col(r.currency))
                              & (col(d.recipient_id).in_(theirs) | col(d.via_id).in_(theirs)))
                        .where(col(r.id).in_(id_list("shown", [o.receipt.id for o in open_receipts])),
                               col(d.cancelled_at).is_(None), col(d.paid_on) >= quarter.start - WINDOW,
                               col(d.paid_on) <= quarter.end + WINDOW)).all()
    found: dict[int, list[Disbursement]] = {}
    for rid, disbursement in rows:
        found.setdefault(rid, []).append(disbursement)
    for o in open_receipts:
        candidates = [x for x in found.get(o.receipt.id, []) if x.id not in used and (o.receipt.id, x.id) not in rejected
                      and _looks_like(o.receipt, o.operator_id, x, funds)]
        candidates.sort(key=lambda x: (abs(x.amount - o.receipt.amount), abs(x.paid_on - o.receipt.received_on), x.id))
        o.suggestions = candidates[:3]


def _page(name: str, query: Any, pages: dict[str, int] | None, size: int | None, *, session: Session,
          rows: Callable[[list], list] = list) -> Page:
    """Return one section's page (or all of it without a size): counted, sorted and cut by the database."""
    total = session.exec(select(sa.func.count()).select_from(query.order_by(None).subquery())).one()
    fetch = lambda offset, limit: rows(session.exec(query.offset(offset).limit(limit)).all())  # noqa: E731
    return Page.counted(total, (pages or {}).get(name), fetch, size or max(total, 1))


def reconcile(quarter: Period, *, session: Session, pages: dict[str, int] | None = None,
              size: int | None = None) -> Reconciliation:
    """Return the quarter's reconciliation, with the co-chairs' decisions applied (as the summaries count).

    Only receipts that can match a disbursement are read and matched in Python; the receipts
    left open, the payments no receipt acknowledged and the decisions are listed by the
    database, `size` a page (page numbers in `pages`, by section), so a page costs about the
    same with 200 receipts in the quarter as with 200,000.
    """
    orgs = session.exec(select(Organisation.id, Organisation.name, Organisation.kind)).all()
    names = {oid: name for oid, name, _kind in orgs}
    funds = {oid for oid, _name, kind in orgs if kind == "pooled-fund"}
    start, end = quarter.start - WINDOW, quarter.end + WINDOW
    r, d, ret = ReturnReceipt, Disbursement, OperatorReturn
    window = [col(ret.superseded_by_id).is_(None), col(r.received_on) >= start, col(r.received_on) <= end]
    confirmed, rejected = match_decisions(session=session)
    receipts, disbursements = _matchable(window, funds, confirmed, session=session)
    pairs, _unmatched = match_receipts([_receipt_entry(x, oid, names, funds) for x, oid in receipts.values()],
                                       [_disbursement_entry(y, names) for y in disbursements.values()], confirmed, rejected)
    out = Reconciliation(quarter=quarter, names=names)
    used, paired = set(), set()
    for rec, dis in pairs:
        used.add(dis.record_id)
        paired.add(rec.record_id)
        (receipt, operator_id), disbursement = receipts[rec.record_id], disbursements[dis.record_id]
        if not (quarter.contains(receipt.received_on) or quarter.contains(disbursement.paid_on)):
            continue
        out.matched += 1
        if (receipt.amount, receipt.currency) != (disbursement.amount, disbursement.currency):
            out.differing.append(Pair(receipt, disbursement, names[operator_id], (receipt.id, disbursement.id) in confirmed))
    out.differing.sort(key=lambda p: (p.disbursement.paid_on, p.receipt.id))

    open_receipts = (select(r, ret.operator_id).join(ret, col(r.return_id) == col(ret.id))
                     .where(col(ret.superseded_by_id).is_(None), col(r.received_on) >= quarter.start,
                            col(r.received_on) <= quarter.end, col(r.id).not_in(id_list("paired", paired)))
                     .order_by(r.received_on, r.id))
    out.pages["open_receipts"] = _page("open_receipts", open_receipts, pages, size, session=session, rows=lambda found: [
        OpenReceipt(x, names[oid], oid) for x, oid in found])
    _suggestions(out.open_receipts, used, rejected, funds, quarter, session=session)
    # Read once, used twice (count and page): the operators, and those who reported receipts in the window.
    received = sa.exists().where(col(r.return_id) == col(ret.id), col(r.received_on) >= start, col(r.received_on) <= end)
    reporting = session.exec(select(ret.operator_id).where(col(ret.superseded_by_id).is_(None), received).distinct()).all()
    operators = {oid for oid, _name, kind in orgs if kind in OPERATOR_KINDS} | set(reporting)
    to_operator = id_list("operators", operators)
    unacknowledged = (select(d).where(col(d.cancelled_at).is_(None), col(d.paid_on) >= quarter.start,
                                      col(d.paid_on) <= quarter.end, col(d.id).not_in(id_list("used", used)),
                                      col(d.recipient_id).in_(to_operator) | col(d.via_id).in_(to_operator))
                      .order_by(d.paid_on, d.id))
    out.pages["unacknowledged"] = _page("unacknowledged", unacknowledged, pages, size, session=session)
    # Every decision on the window's receipts, in force, undone or replaced: the few decided receipts are
    # looked up, not the window's receipts.
    decided = session.exec(select(ReconciliationDecision.receipt_id).distinct()).all()
    in_window = set(session.exec(select(r.id).join(ret, col(r.return_id) == col(ret.id))
                                 .where(col(r.id).in_(id_list("decided", decided)), *window)).all()) if decided else set()
    decider, undoer = aliased(User), aliased(User)
    decisions = (select(ReconciliationDecision, decider.email, undoer.email)
                 .outerjoin(decider, decider.id == col(ReconciliationDecision.decided_by_id))
                 .outerjoin(undoer, undoer.id == col(ReconciliationDecision.undone_by_id))
                 .where(col(ReconciliationDecision.receipt_id).in_(id_list("in_window", in_window)))
                 .order_by(col(ReconciliationDecision.decided_at).desc(), col(ReconciliationDecision.id).desc()))
    out.pages["decisions"] = _page("decisions", decisions, pages, size, session=session, rows=lambda found: [
        (decision, who or "", undone_by or "") for decision, who, undone_by in found])
    return out
