"""Reading the stored records as entries the counting rules can count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from .domain.counting import Entry, Figures, count, match_receipts
from .reconciliation.services import match_decisions
from .domain.periods import Period
from .models import (
    Commitment,
    Disbursement,
    OperatorReturn,
    Organisation,
    Pillar,
    Pledge,
    PledgeLine,
    Requirement,
    ReturnExpenditure,
    ReturnReceipt,
)
from .rates import rate_book


@dataclass
class Glance:
    """A year's figures with the names a page needs."""

    figures: Figures
    pillars: list[Pillar]
    donors: list[tuple[str, Decimal]]


def _organisations(session: Session) -> dict[int, Organisation]:
    return {o.id: o for o in session.exec(select(Organisation)).all()}


def load_entries(period: Period, *, session: Session) -> list[Entry]:
    """Return every entry that can count in the period, receipts already matched away."""
    orgs = _organisations(session)
    name = lambda oid: orgs[oid].name if oid is not None else None  # noqa: E731
    national = lambda oid: orgs[oid].kind == "government"  # noqa: E731
    year = period.year_period
    entries: list[Entry] = []

    pledge_rows = session.exec(
        select(PledgeLine, Pledge)
        .join(Pledge, col(PledgeLine.pledge_id) == col(Pledge.id))
        .where(col(Pledge.cancelled_at).is_(None))
        .where((col(PledgeLine.year) == year.year) | ((col(Pledge.announced_on) >= period.start) & (col(Pledge.announced_on) <= period.end)))
    ).all()
    for line, pledge in pledge_rows:
        entries.append(Entry("pledge", line.id, pledge.announced_on, line.pillar_code, line.amount, pledge.currency,
                             donor=name(pledge.donor_id), national=national(pledge.donor_id),
                             recipient=name(pledge.recipient_id), year=line.year))

    for c in session.exec(select(Commitment).where(col(Commitment.cancelled_at).is_(None),
                                                   col(Commitment.signed_on) >= period.start,
                                                   col(Commitment.signed_on) <= period.end)).all():
        entries.append(Entry("commitment", c.id, c.signed_on, c.pillar_code, c.amount, c.currency,
                             donor=name(c.donor_id), national=national(c.donor_id),
                             recipient=name(c.recipient_id), agreement_ref=c.ref))

    def disbursement_entry(d: Disbursement) -> Entry:
        return Entry("disbursement", d.id, d.paid_on, d.pillar_code, d.amount, d.currency,
                     donor=name(d.donor_id), national=national(d.donor_id), recipient=name(d.recipient_id),
                     via=name(d.via_id), province=d.province_code, agreement_ref=d.agreement_ref)

    disbursements = session.exec(select(Disbursement).where(col(Disbursement.cancelled_at).is_(None),
                                                            col(Disbursement.paid_on) >= period.start,
                                                            col(Disbursement.paid_on) <= period.end)).all()
    entries.extend(disbursement_entry(d) for d in disbursements)

    receipts = [
        Entry("receipt", r.id, r.received_on, r.pillar_code, r.amount, r.currency, donor=name(r.donor_id),
              national=national(r.donor_id), recipient=name(ret.operator_id), via=name(r.via_id),
              province=r.province_code, agreement_ref=r.agreement_ref)
        for r, ret in session.exec(
            select(ReturnReceipt, OperatorReturn)
            .join(OperatorReturn, col(ReturnReceipt.return_id) == col(OperatorReturn.id))
            .where(col(OperatorReturn.superseded_by_id).is_(None),
                   col(ReturnReceipt.received_on) >= period.start, col(ReturnReceipt.received_on) <= period.end)
        ).all()
    ]
    refs = {r.agreement_ref for r in receipts if r.agreement_ref}
    confirmed, rejected = match_decisions(session=session)  # the co-chairs' reconciliation decisions
    decided = {did for _rid, did in confirmed}
    candidates = [
        disbursement_entry(d)
        for d in session.exec(select(Disbursement).where(col(Disbursement.cancelled_at).is_(None),
                                                         col(Disbursement.agreement_ref).in_(refs) | col(Disbursement.id).in_(decided))).all()
    ] if refs or decided else []
    _pairs, unmatched = match_receipts(receipts, candidates, confirmed, rejected)
    entries.extend(unmatched)

    for req in session.exec(select(Requirement).where(col(Requirement.superseded_by_id).is_(None),
                                                      col(Requirement.cancelled_at).is_(None),
                                                      Requirement.year == year.year)).all():
        entries.append(Entry("requirement", req.id, date(req.year, 1, 1), req.pillar_code, req.amount, req.currency))

    quarters = [str(q) for q in period.quarters()]
    for e, ret in session.exec(
        select(ReturnExpenditure, OperatorReturn)
        .join(OperatorReturn, col(ReturnExpenditure.return_id) == col(OperatorReturn.id))
        .where(col(OperatorReturn.superseded_by_id).is_(None), col(OperatorReturn.quarter).in_(quarters))
    ).all():
        q = Period(int(ret.quarter[:4]), "Q", int(ret.quarter[-1]))
        entries.append(Entry("expenditure", e.id, q.start, e.pillar_code, e.amount, e.currency,
                             recipient=name(ret.operator_id), province=e.province_code))
    return entries


def figures_for(period: Period, *, session: Session) -> Figures:
    """Return the counted figures of the period."""
    return count(load_entries(period, session=session), period, rate_book(session=session))


def year_at_a_glance(period: Period, *, session: Session) -> Glance:
    """Return the year's figures per pillar and the largest donors by disbursement."""
    figures = figures_for(period, session=session)
    pillars = list(session.exec(select(Pillar).order_by(col(Pillar.sort_order))).all())
    donors: dict[str, Decimal] = {}
    for c in figures.counted:
        if c.measure == "disbursed" and not c.entry.national and c.entry.donor:
            donors[c.entry.donor] = donors.get(c.entry.donor, Decimal(0)) + c.conversion.usd
    top = sorted(donors.items(), key=lambda kv: -kv[1])[:10]
    return Glance(figures=figures, pillars=pillars, donors=top)
