"""The records a summary counts, read from the database.

A live page reads them summed in SQL (`grouped`): per kind, date, currency and the keys the
summary shows, so a summary over a million rows converts one group at a time. The list of
records behind a figure and a published snapshot read them one by one. Both give the same
figures: a group is converted at the one rate all its records share.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..db import month_start
from ..domain.conversion import RateBook
from ..domain.counting import Entry, match_receipts
from ..domain.periods import Period, parse_quarter, quarter_of
from ..domain.summary import Agreement, Difference, PledgeEntry, ReturnStatus, scope_period
from ..models import (
    Commitment,
    CommitmentLine,
    Disbursement,
    OperatorReturn,
    Organisation,
    Pledge,
    PledgeLine,
    Requirement,
    ReturnExpenditure,
    ReturnReceipt,
)
from ..reconciliation.services import match_decisions


WORK_MEM = "32MB"


@dataclass
class SummaryInputs:
    """What a summary is computed from: entries (grouped or single records) and side lists."""

    entries: list[Entry]
    pledges: list[PledgeEntry]
    pledge_ids: dict[int, int]
    agreements: list[Agreement]
    differences: list[Difference]
    returns: list[ReturnStatus]


@dataclass(frozen=True)
class _Names:
    """Organisation names by id, and which organisations are the national government."""

    names: dict[int, str]
    government: frozenset[int]

    def name(self, oid: int | None) -> str | None:
        return self.names.get(oid)  # None for no organisation


@dataclass(frozen=True)
class _Flow:
    """Where one kind of flow keeps its columns: the group queries are the same for all."""

    kind: str
    on: Any
    currency: Any
    pillar: Any
    donor: Any
    recipient: Any
    province: Any
    amount: Any
    joins: tuple = ()


def _read(session: Session, statement: Any) -> Any:
    """Run a query as plain Core rows: the ORM's result machinery costs more than the rows here."""
    return session.connection().execute(statement)


def load_summary_inputs(kind: str, period: Period, *, session: Session, rates: RateBook, pillar: str | None = None,
                        grouped: bool = True) -> SummaryInputs:
    """Return the entries a summary counts, receipts matched away, and the lists beside its tables."""
    if session.get_bind().dialect.name == "postgresql":
        # The summary's groups are counted in memory: with the default 4 MB PostgreSQL
        # expects (wrongly) as many groups as rows and sorts on disk instead, twice as slow.
        # SET LOCAL ends with the transaction.
        _read(session, sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    orgs = _Names(dict(_read(session, select(Organisation.id, Organisation.name)).all()),
                  frozenset(_read(session, select(Organisation.id).where(Organisation.kind == "government")).scalars()))
    first, last = scope_period(kind, period)
    pillar_is = lambda column: [column == pillar] if pillar else []  # noqa: E731
    pledges, pledge_ids = _pledges(period, first, last, session=session, orgs=orgs, pillar_is=pillar_is)
    agreements = _agreements(kind, period, first, last, session=session, orgs=orgs, pillar_is=pillar_is)
    entries: list[Entry] = list(pledges)
    entries.extend(Entry("commitment", a.record_id, a.signed_on, a.pillar, a.amount, a.currency, donor=a.donor,
                         national=a.national, recipient=a.recipient, agreement_ref=a.ref)
                   for a in agreements if first <= a.signed_on <= last)

    # Currencies whose rate holds for whole months are summed per month, the others per day.
    steady = rates.steady_currencies(first, last)
    d, r, ret = Disbursement, ReturnReceipt, OperatorReturn
    disbursed = _Flow("disbursement", d.paid_on, d.currency, d.pillar_code, d.donor_id, d.recipient_id, d.province_code, d.amount)
    live = [col(d.cancelled_at).is_(None), col(d.paid_on) >= first, col(d.paid_on) <= last, *pillar_is(col(d.pillar_code))]
    if grouped:
        entries += _groups(disbursed, live, period, steady, session=session, orgs=orgs, pillar=pillar)
    else:
        entries += [_disbursement_entry(x, orgs) for x in _read(session, select(*_DISBURSEMENT_COLUMNS).where(*live)).all()]

    # Receipts: those that can match a disbursement (rule 5) are read one by one with their
    # candidates; the others are summed like disbursements.
    receipt_where = [col(ret.superseded_by_id).is_(None), col(r.received_on) >= first, col(r.received_on) <= last,
                     *pillar_is(col(r.pillar_code))]
    confirmed, rejected = match_decisions(session=session)
    receipts, candidates = _matchable(receipt_where, confirmed, session=session, orgs=orgs)
    if grouped:
        received = _Flow("receipt", r.received_on, r.currency, r.pillar_code, r.donor_id, ret.operator_id, r.province_code,
                         r.amount, ((ret, col(r.return_id) == col(ret.id)),))
        # The ids are integers the database gave: written into the statement, however many.
        read = sa.bindparam("read", sorted(receipts), expanding=True, literal_execute=True)
        entries += _groups(received, [*receipt_where, col(r.id).not_in(read)] if receipts else receipt_where, period,
                           steady, session=session, orgs=orgs, pillar=pillar)
    else:
        receipts.update((x.record_id, x) for x in (_receipt_entry(row, orgs) for row in _read(
            session, select(*_RECEIPT_COLUMNS).join(ret, col(r.return_id) == col(ret.id)).where(*receipt_where)).all()))
    pairs, unmatched = match_receipts(list(receipts.values()), candidates, confirmed, rejected)
    entries += unmatched
    differences = [
        Difference(dis.agreement_ref or "", dis.donor or "", rec.recipient or "", dis.pillar, dis.record_id, dis.rate_date,
                   dis.amount, rec.record_id, rec.rate_date, rec.amount, dis.currency)
        for rec, dis in pairs if (rec.amount, rec.currency) != (dis.amount, dis.currency) and dis.rate_date <= last
        and period.contains(rec.rate_date)
    ]

    for x in _read(session, select(Requirement.id, Requirement.year, Requirement.pillar_code, Requirement.amount, Requirement.currency)
                          .where(col(Requirement.superseded_by_id).is_(None), col(Requirement.cancelled_at).is_(None),
                                 Requirement.year == period.year, *pillar_is(col(Requirement.pillar_code)))).all():
        entries.append(Entry("requirement", x.id, date(x.year, 1, 1), x.pillar_code, x.amount, x.currency))
    entries += _expenditure(period, first, last, grouped, session=session, orgs=orgs, pillar_is=pillar_is)
    return SummaryInputs(entries, pledges, pledge_ids, agreements, differences,
                         _return_statuses(period, session=session, orgs=orgs) if kind == "twg" else [])


def _groups(flow: _Flow, where: list, period: Period, steady: set[str], *, session: Session, orgs: _Names,
            pillar: str | None) -> list[Entry]:
    """Return a flow's amounts summed in SQL: with every key the summary shows in the period, coarsely before it.

    Before the period only the year to date and the trend count them, which need no more
    than the date, currency, pillar and whether the money is national, so there the donor,
    recipient and province are left out of the groups: one scan of the window. PostgreSQL
    then sums the period's groups once per table (GROUPING SETS: totals, donors, operators,
    provinces) rather than once per combination of donor, recipient and province.
    """
    when = sa.case((col(flow.currency).in_(sorted(steady)), month_start(flow.on)), else_=flow.on) if steady else flow.on
    national = sa.case((col(flow.donor).in_(sorted(orgs.government)), sa.literal(True)), else_=sa.literal(False))
    shown = col(flow.on) >= period.start
    # The keys are computed in a subquery and grouped by name outside it, so each expression
    # (and its parameters) is written once. A blank province is '' in the period, so that
    # NULL means "before the period" alone.
    rows = select(sa.type_coerce(when, sa.Date()).label("on"), flow.currency.label("currency"), flow.pillar.label("pillar"),
                  national.label("national"), sa.case((shown, flow.donor)).label("donor"),
                  sa.case((shown, flow.recipient)).label("recipient"),
                  sa.case((shown, sa.func.coalesce(flow.province, ""))).label("province"), flow.amount.label("amount"))
    for table, on in flow.joins:
        rows = rows.join(table, on)
    inner = rows.where(*where).subquery()
    keys = [inner.c[k] for k in ("on", "currency", "pillar", "national", "donor", "recipient", "province")]

    def entry(on: date, currency: str, pillar_code: str | None, is_national: bool, donor: int | None,
              recipient: int | None, province: str | None, amount: Any, facet: str | None = None) -> Entry:
        return Entry(flow.kind, 0, on, pillar_code or pillar or "", amount, currency, donor=orgs.name(donor),
                     national=bool(is_national), recipient=orgs.name(recipient), province=province or None, facet=facet)

    summed = select(*keys, sa.func.sum(inner.c.amount).label("amount")).group_by(*keys)
    if session.get_bind().dialect.name != "postgresql":
        return [entry(*x) for x in _read(session, summed).all()]
    # The groups above are summed again, once per table: a few thousand rows, not the window's.
    groups = summed.subquery()
    on, currency, pillar_code, is_national, donor, recipient, province = (
        groups.c[k] for k in ("on", "currency", "pillar", "national", "donor", "recipient", "province"))
    grouping = sa.func.grouping(donor, recipient, province)  # a bit set where a column is left out of the set
    facets = {7: "totals", 3: "donors", 5: "operators", 6: "provinces"}
    sets = sa.func.grouping_sets(sa.tuple_(on, currency, pillar_code, is_national), sa.tuple_(on, currency, is_national, donor),
                                 sa.tuple_(on, currency, is_national, recipient), sa.tuple_(on, currency, is_national, province))
    # A table's groups are of the period (NULL keys are the days before it) and not national money.
    wanted = (grouping == 7) | (is_national.is_(False) & (((grouping == 3) & donor.is_not(None))
                                                          | ((grouping == 5) & recipient.is_not(None))
                                                          | ((grouping == 6) & province.is_not(None))))
    rows = _read(session, select(on, currency, pillar_code, is_national, donor, recipient, province,
                               sa.func.sum(groups.c.amount), grouping).group_by(sets).having(wanted)).all()
    return [entry(*x, facet=facets[g]) for *x, g in rows]


def _matchable(receipt_where: list, confirmed: set[tuple[int, int]], *, session: Session,
               orgs: _Names) -> tuple[dict[int, Entry], list[Entry]]:
    """Return the window's receipts that could match a disbursement (rule 5) by id, and those disbursements.

    One statement: a receipt with an agreement ref joined to the live disbursements of the
    same ref and donor whose recipient or channel is the receipt's operator or channel (an
    index lookup per receipt). A co-chair's confirmed pairs are added: their receipts of the
    window and their disbursements, whatever the rule says.
    """
    d, r, ret = Disbursement, ReturnReceipt, OperatorReturn
    ours = (col(ret.operator_id), col(r.via_id))
    rows = _read(session, select(*_RECEIPT_COLUMNS, *_DISBURSEMENT_COLUMNS).select_from(r)
                 .join(ret, col(r.return_id) == col(ret.id))
                 .join(d, (col(d.agreement_ref) == col(r.agreement_ref)) & (col(d.donor_id) == col(r.donor_id))
                       & (col(d.recipient_id).in_(ours) | col(d.via_id).in_(ours)))
                 .where(*receipt_where, col(r.agreement_ref).is_not(None), col(d.cancelled_at).is_(None))).all()
    width = len(_RECEIPT_COLUMNS)
    receipts = {x[0]: _receipt_entry(x[:width], orgs) for x in rows}
    disbursements = {x[width]: _disbursement_entry(x[width:], orgs) for x in rows}
    wanted = {rid for rid, _did in confirmed} - receipts.keys()
    if wanted:
        receipts.update((x[0], _receipt_entry(x, orgs)) for x in _read(session, select(*_RECEIPT_COLUMNS).join(
            ret, col(r.return_id) == col(ret.id)).where(*receipt_where, col(r.id).in_(wanted))).all())
    wanted = {did for _rid, did in confirmed} - disbursements.keys()
    if wanted:
        disbursements.update((x[0], _disbursement_entry(x, orgs)) for x in _read(session, select(*_DISBURSEMENT_COLUMNS).where(
            col(d.id).in_(wanted), col(d.cancelled_at).is_(None))).all())
    return receipts, list(disbursements.values())


def _pledges(period: Period, first: date, last: date, *, session: Session, orgs: _Names,
             pillar_is: Callable) -> tuple[list[PledgeEntry], dict[int, int]]:
    """Return the pledge lines for the year and later (the pipeline) or announced in the window, with their pledges' ids."""
    multi = set(_read(session, select(PledgeLine.pledge_id).group_by(col(PledgeLine.pledge_id))
                             .having(sa.func.count(sa.distinct(PledgeLine.year)) > 1)).scalars())
    line, p = PledgeLine, Pledge
    pledges, pledge_ids = [], {}
    for x in _read(session,
        select(line.id, line.year, line.pillar_code, line.amount, p.id.label("pledge_id"), p.ref, p.announced_on, p.currency,
               p.donor_id, p.recipient_id, p.ccm_specific)
        .join(p, col(line.pledge_id) == col(p.id))
        .where(col(p.cancelled_at).is_(None), *pillar_is(col(line.pillar_code)))
        .where((col(line.year) >= period.year) | ((col(p.announced_on) >= first) & (col(p.announced_on) <= last)))
    ).all():
        pledges.append(PledgeEntry("pledge", x.id, x.announced_on, x.pillar_code, x.amount, x.currency,
                                   donor=orgs.name(x.donor_id), national=x.donor_id in orgs.government,
                                   recipient=orgs.name(x.recipient_id), year=x.year, ccm_specific=x.ccm_specific,
                                   multi_year=x.pledge_id in multi, pledge_ref=x.ref))
        pledge_ids[x.id] = x.pledge_id
    return pledges, pledge_ids


def _agreements(kind: str, period: Period, first: date, last: date, *, session: Session, orgs: _Names,
                pillar_is: Callable) -> list[Agreement]:
    """Return the agreements signed in the window and, for an SWG summary, those of the pipeline and the funding cliff."""
    c = Commitment
    wanted = col(c.signed_on) >= first
    if kind == "swg":
        pipeline = select(PledgeLine.pledge_id).where(col(PledgeLine.year) >= period.year)
        wanted = wanted | (col(c.end_on) > period.end) | col(c.pledge_id).in_(pipeline)
    line = CommitmentLine  # until amendments are counted: an agreement per pillar, its lines summed
    keys = (c.id, c.ref, c.pledge_id, c.donor_id, c.recipient_id, line.pillar_code, c.signed_on, c.start_on, c.end_on)
    return [
        Agreement(x.id, x.ref, x.pledge_id, orgs.name(x.donor_id) or "", orgs.name(x.recipient_id) or "", x.pillar_code,
                  x.signed_on, x.start_on, x.end_on, x.amount, x.currency, x.donor_id in orgs.government)
        for x in _read(session, select(*keys, sa.func.sum(line.amount).label("amount"), c.currency)
                              .join(line, col(line.commitment_id) == col(c.id))
                              .where(col(c.cancelled_at).is_(None), *pillar_is(col(line.pillar_code)), wanted)
                              .group_by(*keys, c.currency)).all()
    ]


def _expenditure(period: Period, first: date, last: date, grouped: bool, *, session: Session, orgs: _Names,
                 pillar_is: Callable) -> list[Entry]:
    """Return the operators' expenditure for the quarters of the window, dated the first day of its quarter.

    Grouped, the quarters before the period are summed per currency and pillar only (the
    year to date and the trend need no more).
    """
    e, ret = ReturnExpenditure, OperatorReturn
    quarters = []
    q = quarter_of(first)
    while q.start <= last:
        quarters.append(str(q))
        q = q.shift(1)
    where = [col(ret.superseded_by_id).is_(None), col(ret.quarter).in_(quarters), *pillar_is(col(e.pillar_code))]
    if grouped:
        shown = col(ret.quarter) >= str(quarter_of(period.start))  # '2025-Q1' < '2025-Q3': quarters sort as text
        inner = (select(col(ret.quarter).label("quarter"), col(e.currency).label("currency"), col(e.pillar_code).label("pillar"),
                        sa.case((shown, ret.operator_id)).label("operator"), sa.case((shown, e.province_code)).label("province"),
                        col(e.amount).label("amount"))
                 .join(ret, col(e.return_id) == col(ret.id)).where(*where).subquery())
        keys = [inner.c.quarter, inner.c.currency, inner.c.pillar, inner.c.operator, inner.c.province]
        rows = [(0, *x) for x in _read(session, select(*keys, sa.func.sum(inner.c.amount)).group_by(*keys)).all()]
    else:
        rows = _read(session, select(e.id, ret.quarter, e.currency, e.pillar_code, ret.operator_id, e.province_code, e.amount)
                            .join(ret, col(e.return_id) == col(ret.id)).where(*where)).all()
    starts = {quarter: parse_quarter(quarter).start for quarter in quarters}
    return [Entry("expenditure", rid, starts[quarter], pillar_code, amount, currency, recipient=orgs.name(operator_id),
                  province=province)
            for rid, quarter, currency, pillar_code, operator_id, province, amount in rows]


# The columns an entry needs, read as plain rows: building ORM objects for tens of thousands
# of records took most of a summary's time (bench/summary.py).
_DISBURSEMENT_COLUMNS = (Disbursement.id, Disbursement.paid_on, Disbursement.pillar_code, Disbursement.amount,
                         Disbursement.currency, Disbursement.donor_id, Disbursement.recipient_id, Disbursement.via_id,
                         Disbursement.province_code, Disbursement.agreement_ref)


_RECEIPT_COLUMNS = (ReturnReceipt.id, ReturnReceipt.received_on, ReturnReceipt.pillar_code, ReturnReceipt.amount,
                    ReturnReceipt.currency, ReturnReceipt.donor_id, OperatorReturn.operator_id, ReturnReceipt.via_id,
                    ReturnReceipt.province_code, ReturnReceipt.agreement_ref)


def _receipt_entry(x: Any, orgs: _Names) -> Entry:
    """Return a row of _RECEIPT_COLUMNS as an entry: the operator is the recipient."""
    rid, on, pillar_code, amount, currency, donor, operator, via, province, ref = x
    return Entry("receipt", rid, on, pillar_code, amount, currency, donor=orgs.name(donor), national=donor in orgs.government,
                 recipient=orgs.name(operator), via=orgs.name(via), province=province, agreement_ref=ref)


def _disbursement_entry(x: Any, orgs: _Names) -> Entry:
    """Return a row of _DISBURSEMENT_COLUMNS as an entry."""
    did, paid_on, pillar_code, amount, currency, donor, recipient, via, province, ref = x
    return Entry("disbursement", did, paid_on, pillar_code, amount, currency, donor=orgs.name(donor),
                 national=donor in orgs.government, recipient=orgs.name(recipient), via=orgs.name(via), province=province,
                 agreement_ref=ref)


def _return_statuses(period: Period, *, session: Session, orgs: _Names) -> list[ReturnStatus]:
    """Return the operators expected to report for the quarter (those who reported in the year before) and what they filed."""
    quarters = [str(q) for q in period.last(5)]
    seen: dict[int, date | None] = {}
    for operator_id, quarter, submitted_on, uploaded_at in _read(session,
        select(OperatorReturn.operator_id, OperatorReturn.quarter, OperatorReturn.submitted_on, OperatorReturn.uploaded_at)
        .where(col(OperatorReturn.superseded_by_id).is_(None), col(OperatorReturn.quarter).in_(quarters))).all():
        seen.setdefault(operator_id, None)
        if quarter == str(period):
            seen[operator_id] = submitted_on or uploaded_at.date()
    return sorted((ReturnStatus(orgs.name(o) or "", filed) for o, filed in seen.items()), key=lambda s: s.operator)
