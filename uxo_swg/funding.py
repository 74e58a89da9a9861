"""Reading the stored records as entries the counting rules can count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .domain.counting import Entry, Figures, count, match_receipts
from .reconciliation.services import match_decisions
from .domain.periods import Period, parse_quarter, quarter_of
from .domain.summary import Agreement, Difference, PledgeEntry, ReturnStatus, scope_period
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


# --- summaries (issue 6): entries summed in the database, one conversion per group -------

@dataclass
class SummaryInputs:
    """What a summary is computed from: entries (grouped or single records) and side lists."""

    entries: list[Entry]
    pledges: list[PledgeEntry]
    pledge_ids: dict[int, int]
    agreements: list[Agreement]
    differences: list[Difference]
    returns: list[ReturnStatus]


def load_summary_inputs(kind: str, period: Period, *, session: Session, pillar: str | None = None,
                        grouped: bool = True) -> SummaryInputs:
    """Return the entries a summary counts, receipts matched away.

    With `grouped`, disbursements, expenditure and receipts that cannot match (no agreement
    ref) are summed in SQL per kind, date, currency and every key the summary shows, so a
    summary over a million rows converts one group at a time; without it, each entry is one
    record (for the list of records behind a figure and for a published snapshot).
    """
    orgs = _organisations(session)
    # Plain dicts, not ORM attributes: these run once per entry, hundreds of thousands of times.
    names = {oid: o.name for oid, o in orgs.items()}
    kinds = {oid: o.kind for oid, o in orgs.items()}
    name = lambda oid: names[oid] if oid is not None else None  # noqa: E731
    national = lambda oid: kinds[oid] == "government"  # noqa: E731
    first, last = scope_period(kind, period)
    year = period.year_period
    pillar_is = lambda column: [column == pillar] if pillar else []  # noqa: E731
    entries: list[Entry] = []

    # Pledge lines: for the year (and later, for the pipeline) or announced in the window.
    multi = select(PledgeLine.pledge_id).group_by(col(PledgeLine.pledge_id)).having(sa.func.count(sa.distinct(PledgeLine.year)) > 1)
    multi_ids = set(session.exec(multi).all())
    pledges: list[PledgeEntry] = []
    pledge_ids: dict[int, int] = {}
    for line, p in session.exec(
        select(PledgeLine, Pledge).join(Pledge, col(PledgeLine.pledge_id) == col(Pledge.id))
        .where(col(Pledge.cancelled_at).is_(None), *pillar_is(col(PledgeLine.pillar_code)))
        .where((col(PledgeLine.year) >= year.year) | ((col(Pledge.announced_on) >= first) & (col(Pledge.announced_on) <= last)))
    ).all():
        pledges.append(PledgeEntry("pledge", line.id, p.announced_on, line.pillar_code, line.amount, p.currency,
                                   donor=name(p.donor_id), national=national(p.donor_id), recipient=name(p.recipient_id),
                                   year=line.year, ccm_specific=p.ccm_specific, multi_year=p.id in multi_ids, pledge_ref=p.ref))
        pledge_ids[line.id] = p.id
    entries.extend(pledges)

    agreements = [
        Agreement(c.id, c.ref, c.pledge_id, name(c.donor_id) or "", name(c.recipient_id) or "", c.pillar_code, c.signed_on,
                  c.start_on, c.end_on, c.amount, c.currency, national(c.donor_id))
        for c in session.exec(select(Commitment).where(
            col(Commitment.cancelled_at).is_(None), *pillar_is(col(Commitment.pillar_code)),
            (col(Commitment.signed_on) >= first) | (col(Commitment.end_on) > period.end) | (col(Commitment.pledge_id).is_not(None)))).all()
    ]
    entries.extend(Entry("commitment", a.record_id, a.signed_on, a.pillar, a.amount, a.currency, donor=a.donor,
                         national=a.national, recipient=a.recipient, agreement_ref=a.ref)
                   for a in agreements if first <= a.signed_on <= last)

    d = Disbursement
    live = [col(d.cancelled_at).is_(None), col(d.paid_on) >= first, col(d.paid_on) <= last, *pillar_is(col(d.pillar_code))]
    if grouped:
        # In the period itself, every key the summary shows (donor, operator, province); before it
        # (year to date and trend) only totals and pillars count, so those days are summed coarsely.
        for paid_on, currency, pillar_code, donor_id, recipient_id, province, total in session.exec(
            select(d.paid_on, d.currency, d.pillar_code, d.donor_id, d.recipient_id, d.province_code, sa.func.sum(d.amount))
            .where(*live, col(d.paid_on) >= period.start)
            .group_by(d.paid_on, d.currency, d.pillar_code, d.donor_id, d.recipient_id, d.province_code)
        ).all():
            entries.append(Entry("disbursement", 0, paid_on, pillar_code, total, currency, donor=name(donor_id),
                                 national=national(donor_id), recipient=name(recipient_id), province=province))
        government = sa.case((col(d.donor_id).in_({oid for oid, k in kinds.items() if k == "government"}), 1), else_=0)
        for paid_on, currency, pillar_code, is_national, total in session.exec(
            select(d.paid_on, d.currency, d.pillar_code, government, sa.func.sum(d.amount))
            .where(*live, col(d.paid_on) < period.start).group_by(d.paid_on, d.currency, d.pillar_code, government)
        ).all():
            entries.append(Entry("disbursement", 0, paid_on, pillar_code, total, currency, national=bool(is_national)))
    else:
        entries.extend(_disbursement_entry(x, name, national)
                       for x in session.exec(select(*_DISBURSEMENT_COLUMNS).where(*live)).all())

    r, ret = ReturnReceipt, OperatorReturn
    receipt_where = [col(ret.superseded_by_id).is_(None), col(r.received_on) >= first, col(r.received_on) <= last,
                     *pillar_is(col(r.pillar_code))]
    # Only receipts with an agreement ref, or in a co-chair's confirmed pair, can match: read those one by one.
    confirmed, rejected = match_decisions(session=session)  # the co-chairs' reconciliation decisions
    may_match = col(r.agreement_ref).is_not(None) | col(r.id).in_({rid for rid, _did in confirmed})
    # Plain columns, not ORM objects: there may be tens of thousands of receipts in the window.
    receipt_rows = (select(r.id, r.received_on, r.pillar_code, r.amount, r.currency, r.donor_id, ret.operator_id, r.via_id,
                           r.province_code, r.agreement_ref)
                    .join(ret, col(r.return_id) == col(ret.id)).where(*receipt_where))
    receipts = [
        Entry("receipt", x.id, x.received_on, x.pillar_code, x.amount, x.currency, donor=name(x.donor_id),
              national=national(x.donor_id), recipient=name(x.operator_id), via=name(x.via_id), province=x.province_code,
              agreement_ref=x.agreement_ref)
        for x in session.exec(receipt_rows.where(may_match) if grouped else receipt_rows).all()
    ]
    refs = {x.agreement_ref for x in receipts if x.agreement_ref}
    decided = {did for _rid, did in confirmed}
    # match_receipts looks disbursements up by (agreement ref, donor) and, for confirmed pairs, by id:
    # the others cannot match, so they are not made into entries.
    wanted = {(x.agreement_ref, x.donor) for x in receipts if x.agreement_ref}
    candidates = [_disbursement_entry(x, name, national) for x in session.exec(
        select(*_DISBURSEMENT_COLUMNS).where(col(d.cancelled_at).is_(None),
                                             col(d.agreement_ref).in_(refs) | col(d.id).in_(decided))).all()
                  if x.id in decided or (x.agreement_ref, name(x.donor_id)) in wanted] if refs or decided else []
    pairs, unmatched = match_receipts(receipts, candidates, confirmed, rejected)
    entries.extend(unmatched)
    if grouped:
        for received_on, currency, pillar_code, donor_id, operator_id, province, total in session.exec(
            select(r.received_on, r.currency, r.pillar_code, r.donor_id, ret.operator_id, r.province_code, sa.func.sum(r.amount))
            .join(ret, col(r.return_id) == col(ret.id)).where(*receipt_where, sa.not_(may_match))
            .group_by(r.received_on, r.currency, r.pillar_code, r.donor_id, ret.operator_id, r.province_code)
        ).all():
            entries.append(Entry("receipt", 0, received_on, pillar_code, total, currency, donor=name(donor_id),
                                 national=national(donor_id), recipient=name(operator_id), province=province))
    differences = [
        Difference(dis.agreement_ref or "", dis.donor or "", rec.recipient or "", dis.pillar, dis.record_id, dis.rate_date,
                   dis.amount, rec.record_id, rec.rate_date, rec.amount, dis.currency)
        for rec, dis in pairs if (rec.amount, rec.currency) != (dis.amount, dis.currency) and dis.rate_date <= last
        and period.contains(rec.rate_date)
    ]

    for req in session.exec(select(Requirement).where(col(Requirement.superseded_by_id).is_(None),
                                                      col(Requirement.cancelled_at).is_(None),
                                                      Requirement.year == year.year, *pillar_is(col(Requirement.pillar_code)))).all():
        entries.append(Entry("requirement", req.id, date(req.year, 1, 1), req.pillar_code, req.amount, req.currency))

    e = ReturnExpenditure
    quarters = _quarters(first, last)
    spend_where = [col(ret.superseded_by_id).is_(None), col(ret.quarter).in_(quarters), *pillar_is(col(e.pillar_code))]
    if grouped:
        spend = session.exec(select(ret.quarter, e.currency, e.pillar_code, ret.operator_id, e.province_code, sa.func.sum(e.amount))
                             .join(ret, col(e.return_id) == col(ret.id)).where(*spend_where)
                             .group_by(ret.quarter, e.currency, e.pillar_code, ret.operator_id, e.province_code)).all()
        rows = [(0, q, c, p, o, prov, total) for q, c, p, o, prov, total in spend]
    else:
        rows = [(x.id, q, x.currency, x.pillar_code, o, x.province_code, x.amount) for x, q, o in session.exec(
            select(e, ret.quarter, ret.operator_id).join(ret, col(e.return_id) == col(ret.id)).where(*spend_where)).all()]
    for rid, q, currency, pillar_code, operator_id, province, total in rows:
        entries.append(Entry("expenditure", rid, parse_quarter(q).start, pillar_code, total, currency,
                             recipient=name(operator_id), province=province))

    return SummaryInputs(entries, pledges, pledge_ids, agreements, differences,
                         _return_statuses(period, session=session, name=name) if kind == "twg" else [])


def _quarters(first: date, last: date) -> list[str]:
    out, q = [], quarter_of(first)
    while q.start <= last:
        out.append(str(q))
        q = q.shift(1)
    return out


# The columns an entry needs: read as plain rows, since building tens of thousands of ORM
# objects for the match candidates took most of a summary's time (bench/summary.py).
_DISBURSEMENT_COLUMNS = (Disbursement.id, Disbursement.paid_on, Disbursement.pillar_code, Disbursement.amount,
                         Disbursement.currency, Disbursement.donor_id, Disbursement.recipient_id, Disbursement.via_id,
                         Disbursement.province_code, Disbursement.agreement_ref)


def _disbursement_entry(d: Any, name, national) -> Entry:
    """Return a disbursement (a row of _DISBURSEMENT_COLUMNS, or the record itself) as an entry."""
    return Entry("disbursement", d.id, d.paid_on, d.pillar_code, d.amount, d.currency, donor=name(d.donor_id),
                 national=national(d.donor_id), recipient=name(d.recipient_id), via=name(d.via_id),
                 province=d.province_code, agreement_ref=d.agreement_ref)


def _return_statuses(period: Period, *, session: Session, name) -> list[ReturnStatus]:
    """Return the operators expected to report for the quarter (those who reported in the year before) and what they filed."""
    quarters = [str(q) for q in period.last(5)]
    seen: dict[int, date | None] = {}
    for operator_id, quarter, submitted_on, uploaded_at in session.exec(
        select(OperatorReturn.operator_id, OperatorReturn.quarter, OperatorReturn.submitted_on, OperatorReturn.uploaded_at)
        .where(col(OperatorReturn.superseded_by_id).is_(None), col(OperatorReturn.quarter).in_(quarters))).all():
        seen.setdefault(operator_id, None)
        if quarter == str(period):
            seen[operator_id] = submitted_on or uploaded_at.date()
    return sorted((ReturnStatus(name(o) or "", filed) for o, filed in seen.items()), key=lambda s: s.operator)
