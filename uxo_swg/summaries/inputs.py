"""The records a summary counts, read from the database.

A live page reads them summed in SQL (`grouped`): per kind, date, currency and the keys the
summary shows, so a summary over a million rows converts one group at a time. The list of
records behind a figure and a published snapshot read them one by one. Both give the same
figures: a group is converted at the one rate all its records share.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ..data_version import wrote_data
from ..db import month_start
from ..domain.agreements import Agreement
from ..domain.conversion import RateBook, RateMissing
from ..domain.counting import Entry, match_receipts
from ..domain.funds import Movement, balances
from ..domain.periods import YEARS, Period, parse_quarter, quarter_of
from ..domain.summary import Difference, PledgeEntry, ReturnStatus, scope_period
from ..models import (
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
from .agreement_inputs import agreement_entries, load_agreements
from .reading import id_list, read


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
    balances: dict[str, dict[str, Any]]  # per pooled fund: its balance at the period's end (rule 11)
    missing_rates: list[RateMissing]  # rates the balances could not be valued at


@dataclass(frozen=True)
class _Names:
    """Organisation names by id, which organisations are the national government, and which are pooled funds."""

    names: dict[int, str]
    government: frozenset[int]
    funds: frozenset[int] = frozenset()

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
    in_kind: Any = None  # a condition: support given in kind (rule 12)


def load_summary_inputs(kind: str, period: Period, *, session: Session, rates: RateBook, pillar: str | None = None,
                        grouped: bool = True) -> SummaryInputs:
    """Return the entries a summary counts, receipts matched away, and the lists beside its tables."""
    if session.get_bind().dialect.name == "postgresql":
        # The summary's groups are counted in memory: with the default 4 MB PostgreSQL
        # expects (wrongly) as many groups as rows and sorts on disk instead, twice as slow.
        # SET LOCAL ends with the transaction.
        read(session, sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    organisations = read(session, select(Organisation.id, Organisation.name, Organisation.kind)).all()
    orgs = _Names({o: name for o, name, _kind in organisations},
                  frozenset(o for o, _name, kind in organisations if kind == "government"),
                  frozenset(o for o, _name, kind in organisations if kind == "pooled-fund"))
    first, last = scope_period(kind, period)
    pillar_is = lambda column: [column == pillar] if pillar else []  # noqa: E731

    # Currencies whose rate holds for whole months are summed per month, the others per day.
    steady = rates.steady_currencies(first, last)
    d, r, ret = Disbursement, ReturnReceipt, OperatorReturn
    funds = id_list("funds", orgs.funds)
    disbursed = _Flow("disbursement", d.paid_on, d.currency, d.pillar_code, d.donor_id, d.recipient_id, d.province_code, d.amount,
                      in_kind=d.support == "in-kind")
    live = [col(d.cancelled_at).is_(None), col(d.paid_on) >= first, col(d.paid_on) <= last, *pillar_is(col(d.pillar_code))]
    # Money into and out of pooled funds (rule 11) is read one by one, all of it at once: it is
    # little, and the window's entries, the matching of the funds' receipts and the balances
    # all come from it. The rest of the window's disbursements is summed in SQL, alongside.
    through_fund = (col(d.donor_id).in_(funds) | col(d.recipient_id).in_(funds)) if orgs.funds else sa.false()
    direct = [*live, sa.not_(through_fund)]
    postgresql = session.get_bind().dialect.name == "postgresql"
    alongside = _Alongside.start(session, _group_statement(disbursed, direct, period, steady, orgs=orgs,
                                                           postgresql=postgresql)) if grouped else None

    pledges, pledge_ids = _pledges(period, first, last, session=session, orgs=orgs, pillar_is=pillar_is)
    agreements = load_agreements(kind, period, first, last, session=session, orgs=orgs, rates=rates, pillar=pillar)
    entries: list[Entry] = list(pledges)
    entries += agreement_entries(agreements, period, first, last)
    fund_rows = read(session, select(*_DISBURSEMENT_COLUMNS).where(col(d.cancelled_at).is_(None), through_fund)).all() \
        if orgs.funds else []
    if grouped:
        entries += [_disbursement_entry(x, orgs) for x in fund_rows
                    if first <= x.paid_on <= last and (not pillar or x.pillar_code == pillar)]
    else:
        entries += [_disbursement_entry(x, orgs) for x in read(session, select(*_DISBURSEMENT_COLUMNS).where(*live)).all()]

    # Receipts: those that can match a disbursement (rule 5) are read one by one with their
    # candidates; the others are summed like disbursements. Receipts from a pooled fund (its
    # name as donor or via) are matched against the fund's allocations, since its first record.
    # No channel is not a fund: `via_id IN (...)` is NULL on a receipt without one, and NOT NULL would drop it.
    via_fund = col(r.via_id).is_not(None) & col(r.via_id).in_(funds)
    from_fund = (col(r.donor_id).in_(funds) | via_fund) if orgs.funds else sa.false()
    receipt_where = [col(ret.superseded_by_id).is_(None), col(r.received_on) >= first, col(r.received_on) <= last,
                     *pillar_is(col(r.pillar_code)), sa.not_(from_fund)]
    confirmed, rejected = match_decisions(session=session)
    receipts, candidates = _matchable(receipt_where, confirmed, session=session, orgs=orgs)
    if grouped:
        received = _Flow("receipt", r.received_on, r.currency, r.pillar_code, r.donor_id, ret.operator_id, r.province_code,
                         r.amount, ((ret, col(r.return_id) == col(ret.id)),))
        seen = id_list("seen", receipts)
        entries += _groups(received, [*receipt_where, col(r.id).not_in(seen)] if receipts else receipt_where, period,
                           steady, session=session, orgs=orgs, pillar=pillar)
    else:
        receipts.update((x.record_id, x) for x in (_receipt_entry(row, orgs) for row in read(
            session, select(*_RECEIPT_COLUMNS).join(ret, col(r.return_id) == col(ret.id)).where(*receipt_where)).all()))
    pairs, unmatched = match_receipts(list(receipts.values()), candidates, confirmed, rejected)
    entries += unmatched
    fund_pairs, fund_unmatched = _fund_receipts(last, from_fund, fund_rows, confirmed, rejected, session=session, orgs=orgs) \
        if orgs.funds else ([], [])
    entries += [e for e in fund_unmatched if first <= e.rate_date and (not pillar or e.pillar == pillar)]
    differences = [
        Difference(dis.agreement_ref or "", dis.donor or "", rec.recipient or "", dis.pillar, dis.record_id, dis.rate_date,
                   dis.amount, rec.record_id, rec.rate_date, rec.amount, dis.currency)
        for rec, dis in [*pairs, *fund_pairs] if (rec.amount, rec.currency) != (dis.amount, dis.currency)
        and dis.rate_date <= last and period.contains(rec.rate_date) and (not pillar or rec.pillar == pillar)
    ]
    held, missing = balances(_fund_movements(last, fund_rows, fund_unmatched, orgs), period.end, rates) \
        if orgs.funds else ({}, [])

    for x in read(session, select(Requirement.id, Requirement.year, Requirement.pillar_code, Requirement.amount, Requirement.currency)
                          .where(col(Requirement.superseded_by_id).is_(None), col(Requirement.cancelled_at).is_(None),
                                 Requirement.year == period.year, *pillar_is(col(Requirement.pillar_code)))).all():
        entries.append(Entry("requirement", x.id, date(x.year, 1, 1), x.pillar_code, x.amount, x.currency))
    entries += _expenditure(period, first, last, grouped, session=session, orgs=orgs, pillar_is=pillar_is)
    if grouped:
        entries += _groups(disbursed, direct, period, steady, session=session, orgs=orgs, pillar=pillar,
                           rows=alongside.rows() if alongside is not None else None)
    return SummaryInputs(entries, pledges, pledge_ids, agreements, differences,
                         _return_statuses(period, session=session, orgs=orgs) if kind == "twg" else [], held, missing)


def _fund_receipts(last: date, from_fund: Any, fund_rows: list[Any], confirmed: set[tuple[int, int]],
                   rejected: set[tuple[int, int]], *, session: Session, orgs: _Names) -> tuple[list[tuple[Entry, Entry]], list[Entry]]:
    """Return the receipts from pooled funds up to the day, matched against the funds' allocations (rule 11).

    Since the fund's first record: what is not matched counts as an allocation on the
    operator's word, in the sector's figures of its date and in the fund's balance. The
    candidates are the funds' allocations with a receipt's agreement ref (from `fund_rows`,
    every live disbursement into or out of a fund) and the disbursements a co-chair paired.
    """
    r, ret = ReturnReceipt, OperatorReturn
    receipts = [_receipt_entry(x, orgs) for x in read(session, select(*_RECEIPT_COLUMNS).join(ret, col(r.return_id) == col(ret.id))
                                                     .where(col(ret.superseded_by_id).is_(None), col(r.received_on) <= last,
                                                            from_fund)).all()]
    if not receipts:
        return [], []
    refs = {e.agreement_ref for e in receipts if e.agreement_ref}
    ours = {e.record_id for e in receipts}
    wanted = {did for rid, did in confirmed if rid in ours}
    rows = {x.id: x for x in fund_rows if (x.donor_id in orgs.funds and x.agreement_ref in refs) or x.id in wanted}
    wanted -= rows.keys()  # paired with a disbursement that is not the fund's
    if wanted:
        d = Disbursement
        rows.update((x.id, x) for x in read(session, select(*_DISBURSEMENT_COLUMNS).where(
            col(d.cancelled_at).is_(None), col(d.id).in_(id_list("wanted", wanted)))).all())
    return match_receipts(receipts, [_disbursement_entry(x, orgs) for x in rows.values()], confirmed, rejected)


def _fund_movements(last: date, fund_rows: list[Any], unmatched: list[Entry], orgs: _Names) -> list[Movement]:
    """Return what went into and out of each pooled fund up to the day (the balance, rule 11).

    `fund_rows` are the live disbursements into or out of a fund; a receipt from a fund that
    matches none of them is money out of it on the operator's word.
    """
    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for _id, paid_on, _pillar, amount, currency, donor, recipient, *_rest in fund_rows:
        if paid_on > last:
            continue
        if recipient in orgs.funds:
            held[(orgs.name(recipient) or "", currency)] += amount
        if donor in orgs.funds:
            held[(orgs.name(donor) or "", currency)] -= amount
    for e in unmatched:
        held[(e.fund or "", e.currency)] -= e.amount
    return [Movement(fund, currency, amount) for (fund, currency), amount in held.items()]


def _groups(flow: _Flow, where: list, period: Period, steady: set[str], *, session: Session, orgs: _Names,
            pillar: str | None, rows: Any = None) -> list[Entry]:
    """Return a flow's amounts summed in SQL: with every key the summary shows in the period, coarsely before it.

    Before the period only the year to date and the trend count them, which need no more
    than the date, currency, pillar and whether the money is national, so there the donor,
    recipient and province are left out of the groups: one scan of the window. PostgreSQL
    then sums the period's groups once per table (GROUPING SETS: totals, donors, operators,
    provinces) rather than once per combination of donor, recipient and province. `rows`:
    the rows of `_group_statement`, when they were read elsewhere (`_Alongside`).
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    if rows is None:
        rows = read(session, _group_statement(flow, where, period, steady, orgs=orgs, postgresql=postgresql)).all()

    def entry(on: date, currency: str, pillar_code: str | None, is_national: bool, donor: int | None,
              recipient: int | None, province: str | None, kind_in: bool | None, amount: Any, facet: str | None = None) -> Entry:
        return Entry(flow.kind, 0, on, pillar_code or pillar or "", amount, currency, donor=orgs.name(donor),
                     national=bool(is_national), recipient=orgs.name(recipient), province=province or None, facet=facet,
                     in_kind=bool(kind_in))

    if not postgresql:
        return [entry(*x) for x in rows]
    facets = {7: "totals", 3: "donors", 5: "operators", 6: "provinces"}
    return [entry(*x, facet=facets[g]) for *x, g in rows]


def _group_statement(flow: _Flow, where: list, period: Period, steady: set[str], *, orgs: _Names, postgresql: bool) -> Any:
    """Return the statement `_groups` reads (see there)."""
    when = sa.case((col(flow.currency).in_(sorted(steady)), month_start(flow.on)), else_=flow.on) if steady else flow.on
    national = sa.case((col(flow.donor).in_(sorted(orgs.government)), sa.literal(True)), else_=sa.literal(False))
    shown = col(flow.on) >= period.start
    in_kind = sa.case((shown & flow.in_kind, sa.literal(True)), else_=sa.literal(False)) if flow.in_kind is not None \
        else sa.literal(False)
    # The keys are computed in a subquery and grouped by name outside it, so each expression
    # (and its parameters) is written once. A blank province is '' in the period, so that
    # NULL means "before the period" alone.
    rows = select(sa.type_coerce(when, sa.Date()).label("on"), flow.currency.label("currency"), flow.pillar.label("pillar"),
                  national.label("national"), sa.case((shown, flow.donor)).label("donor"),
                  sa.case((shown, flow.recipient)).label("recipient"),
                  sa.case((shown, sa.func.coalesce(flow.province, ""))).label("province"), in_kind.label("in_kind"),
                  flow.amount.label("amount"))
    for table, on in flow.joins:
        rows = rows.join(table, on)
    inner = rows.where(*where).subquery()
    keys = [inner.c[k] for k in ("on", "currency", "pillar", "national", "donor", "recipient", "province", "in_kind")]
    summed = select(*keys, sa.func.sum(inner.c.amount).label("amount")).group_by(*keys)
    if not postgresql:
        return summed
    # The groups above are summed again, once per table: a few thousand rows, not the window's.
    groups = summed.subquery()
    on, currency, pillar_code, is_national, donor, recipient, province, kind_in = (
        groups.c[k] for k in ("on", "currency", "pillar", "national", "donor", "recipient", "province", "in_kind"))
    grouping = sa.func.grouping(donor, recipient, province)  # a bit set where a column is left out of the set
    sets = sa.func.grouping_sets(sa.tuple_(on, currency, pillar_code, is_national), sa.tuple_(on, currency, is_national, donor, kind_in),
                                 sa.tuple_(on, currency, is_national, recipient), sa.tuple_(on, currency, is_national, province))
    # A table's groups are of the period (NULL keys are the days before it) and not national money.
    wanted = (grouping == 7) | (is_national.is_(False) & (((grouping == 3) & donor.is_not(None))
                                                          | ((grouping == 5) & recipient.is_not(None))
                                                          | ((grouping == 6) & province.is_not(None))))
    return select(on, currency, pillar_code, is_national, donor, recipient, province, kind_in,
                  sa.func.sum(groups.c.amount), grouping).group_by(sets).having(wanted)


class _Alongside:
    """A statement read on a connection of its own, in a thread, while the summary reads the rest on its own.

    The window's disbursements are the longest read of a summary (as long as everything else
    together); with a second connection the database works on both at once (PostgreSQL in
    another server process, SQLite in this one: sqlite3 lets go of the GIL while it reads).
    Only when the session's transaction has written no data yet, so that the other
    connection sees what the session would: what was committed (on PostgreSQL each
    statement of a READ COMMITTED transaction sees what was committed when it began; SQLite's
    WAL gives a reader the last commit). Not for an in-memory SQLite database, which a second
    connection would not share.
    """

    def __init__(self, engine: Engine, statement: Any) -> None:
        self._rows: list[Any] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._read, args=(engine, statement), daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, session: Session, statement: Any) -> "_Alongside | None":
        """Return the read started alongside the session, or None where it cannot be (SQLite, data written)."""
        bind = session.get_bind()
        if not isinstance(bind, Engine) or wrote_data(session.connection()):
            return None
        if bind.dialect.name == "sqlite" and (bind.url.database or ":memory:") == ":memory:" or "mode=memory" in str(bind.url):
            return None
        return cls(bind, statement)

    def _read(self, engine: Engine, statement: Any) -> None:
        try:
            with engine.connect() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
                self._rows = conn.execute(statement).all()
                conn.rollback()
        except BaseException as error:  # given to the summary's thread, which raises it
            self._error = error

    def rows(self) -> list[Any]:
        """Return the rows, once read; raise what the read raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._rows is not None
        return self._rows


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
    same = [col(d.agreement_ref) == col(r.agreement_ref), col(d.donor_id) == col(r.donor_id), col(d.cancelled_at).is_(None)]
    found = select(*_RECEIPT_COLUMNS).select_from(r).join(ret, col(r.return_id) == col(ret.id))
    if session.get_bind().dialect.name == "postgresql":
        # Per receipt, two index lookups on the whole key: by recipient, by channel. An OR of
        # the two reads every disbursement of the ref and donor and checks each (3 times slower).
        candidates = sa.union(select(*_DISBURSEMENT_COLUMNS).where(*same, col(d.recipient_id).in_(ours)),
                              select(*_DISBURSEMENT_COLUMNS).where(*same, col(d.via_id).in_(ours))).lateral("candidate")
        found = found.add_columns(*candidates.c).join(candidates, sa.true())
    else:  # SQLite has no LATERAL; its planner reads the (ref, donor) index and checks the rest
        found = found.add_columns(*_DISBURSEMENT_COLUMNS).join(
            d, sa.and_(*same, col(d.recipient_id).in_(ours) | col(d.via_id).in_(ours)))
    rows = read(session, found.where(*receipt_where, col(r.agreement_ref).is_not(None))).all()
    width = len(_RECEIPT_COLUMNS)
    receipts, disbursements = {}, {}
    for x in rows:  # a receipt comes once per candidate, a candidate once per receipt
        if x[0] not in receipts:
            receipts[x[0]] = _receipt_entry(x[:width], orgs)
        if x[width] not in disbursements:
            disbursements[x[width]] = _disbursement_entry(x[width:], orgs)
    wanted = {rid for rid, _did in confirmed} - receipts.keys()
    if wanted:
        receipts.update((x[0], _receipt_entry(x, orgs)) for x in read(session, select(*_RECEIPT_COLUMNS).join(
            ret, col(r.return_id) == col(ret.id)).where(*receipt_where, col(r.id).in_(wanted))).all())
    wanted = {did for _rid, did in confirmed} - disbursements.keys()
    if wanted:
        disbursements.update((x[0], _disbursement_entry(x, orgs)) for x in read(session, select(*_DISBURSEMENT_COLUMNS).where(
            col(d.id).in_(wanted), col(d.cancelled_at).is_(None))).all())
    return receipts, list(disbursements.values())


def _pledges(period: Period, first: date, last: date, *, session: Session, orgs: _Names,
             pillar_is: Callable) -> tuple[list[PledgeEntry], dict[int, int]]:
    """Return the pledge lines for the year and later (the pipeline) or announced in the window, with their pledges' ids."""
    multi = set(read(session, select(PledgeLine.pledge_id).group_by(col(PledgeLine.pledge_id))
                             .having(sa.func.count(sa.distinct(PledgeLine.year)) > 1)).scalars())
    line, p = PledgeLine, Pledge
    pledges, pledge_ids = [], {}
    for x in read(session,
        select(line.id, line.year, line.pillar_code, line.amount, p.id.label("pledge_id"), p.ref, p.announced_on, p.currency,
               p.donor_id, p.recipient_id, p.ccm_specific)
        .join(p, col(line.pledge_id) == col(p.id))
        .where(col(p.cancelled_at).is_(None), *pillar_is(col(line.pillar_code)))
        .where((col(line.year) >= period.year) | ((col(p.announced_on) >= first) & (col(p.announced_on) <= last)))
    ).all():
        fund = orgs.name(x.donor_id) if x.donor_id in orgs.funds else None  # a fund's own pledge: shown under it (rule 11)
        pledges.append(PledgeEntry("pledge", x.id, x.announced_on, x.pillar_code, x.amount, x.currency,
                                   donor=orgs.name(x.donor_id), national=x.donor_id in orgs.government,
                                   recipient=orgs.name(x.recipient_id), year=x.year, flow="allocation" if fund else None,
                                   fund=fund, ccm_specific=x.ccm_specific, multi_year=x.pledge_id in multi, pledge_ref=x.ref))
        pledge_ids[x.id] = x.pledge_id
    return pledges, pledge_ids


def _expenditure(period: Period, first: date, last: date, grouped: bool, *, session: Session, orgs: _Names,
                 pillar_is: Callable) -> list[Entry]:
    """Return the operators' expenditure for the quarters of the window, dated the first day of its quarter.

    Grouped, the quarters before the period are summed per currency and pillar only (the
    year to date and the trend need no more). Expenditure funded by the government is
    national spending (rule 6).
    """
    e, ret = ReturnExpenditure, OperatorReturn
    national = sa.case((col(e.funded_by_id).in_(id_list("government", orgs.government)), sa.literal(True)),
                       else_=sa.literal(False)) if orgs.government else sa.literal(False)
    quarters = []
    q = quarter_of(first)
    while q.start <= last:
        if q.year in YEARS:  # a window reaching before the first year a quarter may have
            quarters.append(str(q))
        q = q.shift(1)
    where = [col(ret.superseded_by_id).is_(None), col(ret.quarter).in_(quarters), *pillar_is(col(e.pillar_code))]
    if grouped:
        shown = col(ret.quarter) >= str(quarter_of(period.start))  # '2025-Q1' < '2025-Q3': quarters sort as text
        inner = (select(col(ret.quarter).label("quarter"), col(e.currency).label("currency"), col(e.pillar_code).label("pillar"),
                        sa.case((shown, ret.operator_id)).label("operator"), sa.case((shown, e.province_code)).label("province"),
                        national.label("national"), col(e.amount).label("amount"))
                 .join(ret, col(e.return_id) == col(ret.id)).where(*where).subquery())
        keys = [inner.c.quarter, inner.c.currency, inner.c.pillar, inner.c.operator, inner.c.province, inner.c.national]
        rows = [(0, *x) for x in read(session, select(*keys, sa.func.sum(inner.c.amount)).group_by(*keys)).all()]
    else:
        rows = read(session, select(e.id, ret.quarter, e.currency, e.pillar_code, ret.operator_id, e.province_code, national,
                                    e.amount).join(ret, col(e.return_id) == col(ret.id)).where(*where)).all()
    starts = {quarter: parse_quarter(quarter).start for quarter in quarters}
    return [Entry("expenditure", rid, starts[quarter], pillar_code, amount, currency, recipient=orgs.name(operator_id),
                  province=province, national=bool(is_national))
            for rid, quarter, currency, pillar_code, operator_id, province, is_national, amount in rows]


# The columns an entry needs, read as plain rows: building ORM objects for tens of thousands
# of records took most of a summary's time (bench/summary.py).
_DISBURSEMENT_COLUMNS = (Disbursement.id, Disbursement.paid_on, Disbursement.pillar_code, Disbursement.amount,
                         Disbursement.currency, Disbursement.donor_id, Disbursement.recipient_id, Disbursement.via_id,
                         Disbursement.province_code, Disbursement.agreement_ref, Disbursement.support)


_RECEIPT_COLUMNS = (ReturnReceipt.id, ReturnReceipt.received_on, ReturnReceipt.pillar_code, ReturnReceipt.amount,
                    ReturnReceipt.currency, ReturnReceipt.donor_id, OperatorReturn.operator_id, ReturnReceipt.via_id,
                    ReturnReceipt.province_code, ReturnReceipt.agreement_ref)


def _receipt_entry(x: Any, orgs: _Names) -> Entry:
    """Return a row of _RECEIPT_COLUMNS as an entry: the operator is the recipient.

    A receipt naming a pooled fund as donor or via is an allocation of that fund (rule 11):
    the fund takes the donor's place, for matching and counting.
    """
    rid, on, pillar_code, amount, currency, donor, operator, via, province, ref = x
    fund = via if via in orgs.funds else donor if donor in orgs.funds else None
    if fund is not None:
        return Entry("receipt", rid, on, pillar_code, amount, currency, donor=orgs.name(fund), recipient=orgs.name(operator),
                     province=province, agreement_ref=ref, flow="allocation", fund=orgs.name(fund))
    return Entry("receipt", rid, on, pillar_code, amount, currency, donor=orgs.name(donor), national=donor in orgs.government,
                 recipient=orgs.name(operator), via=orgs.name(via), province=province, agreement_ref=ref)


def _disbursement_entry(x: Any, orgs: _Names) -> Entry:
    """Return a row of _DISBURSEMENT_COLUMNS as an entry: into a pooled fund a contribution, out of one an allocation."""
    did, paid_on, pillar_code, amount, currency, donor, recipient, via, province, ref, support = x
    flow = "contribution" if recipient in orgs.funds else "allocation" if donor in orgs.funds else None
    return Entry("disbursement", did, paid_on, pillar_code, amount, currency, donor=orgs.name(donor),
                 national=donor in orgs.government, recipient=orgs.name(recipient), via=orgs.name(via), province=province,
                 agreement_ref=ref, flow=flow, fund=orgs.name(recipient if flow == "contribution" else donor) if flow else None,
                 in_kind=support == "in-kind")


def _return_statuses(period: Period, *, session: Session, orgs: _Names) -> list[ReturnStatus]:
    """Return the operators expected to report for the quarter (those who reported in the year before) and what they filed."""
    quarters = [str(q) for q in period.last(5)]
    seen: dict[int, date | None] = {}
    for operator_id, quarter, submitted_on, uploaded_at in read(session,
        select(OperatorReturn.operator_id, OperatorReturn.quarter, OperatorReturn.submitted_on, OperatorReturn.uploaded_at)
        .where(col(OperatorReturn.superseded_by_id).is_(None), col(OperatorReturn.quarter).in_(quarters))).all():
        seen.setdefault(operator_id, None)
        if quarter == str(period):
            seen[operator_id] = submitted_on or uploaded_at.date()
    return sorted((ReturnStatus(orgs.name(o) or "", filed) for o, filed in seen.items()), key=lambda s: s.operator)
