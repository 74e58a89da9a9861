"""The workspace's lists read in SQL: filtered, sorted and paged by the database, totals summed per currency and date.

A page costs what its rows cost: the database filters, counts, sorts and cuts the page; the
page's rows are then summarised one by one as before (`summarise_pledges`, `convert`). The
US$ total of every matching record is summed in SQL per (currency, date) and each group is
converted with the rate book (counting rule 1: every record of a group shares its rate), so
Python converts as many groups as there are distinct dates, not records. Money stays exact:
amounts are scaled integers in SQL (`ScaledDecimal`), converted as Decimals in Python. Only
the order of a list sorted by US$ uses a float quotient in SQL, never a figure shown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Iterable

import sqlalchemy as sa
from sqlmodel import Session, col

from ..db import month_start
from ..domain.conversion import RateBook, RateMissing
from ..models import Amendment, Commitment, CommitmentLine, Disbursement, Organisation, Pledge, PledgeLine
from ..summaries.reading import id_list, read
from .listing import Order, Page, page_of
from .queries import STATUSES, Filters, PledgeSummary, common_filters, convert, convert_lines, summarise_pledges, with_lines

ZERO = Decimal(0)
CURRENCY_CODE = re.compile("[A-Z]{3}")


@dataclass
class Groups:
    """A list's matching records summed per currency and date, converted: the US$ total and the rates of the dates."""

    total: Decimal
    missing: int  # records left out of the total: no rate for their date
    records: int  # records in the groups: every record that matches
    rates: list[tuple[str, date, Decimal | None]]  # (currency, date, units per USD, None without a rate) of each group
    steady: frozenset[str] = frozenset()  # currencies summed per month: a group's date is its month's first day


def steady_currencies(session: Session, on: Any, rates: RateBook) -> frozenset[str]:
    """Return the currencies whose loaded rate holds for whole months over every date of the column.

    Their amounts are summed per month before they are converted, exactly (the summaries do
    the same): every day of such a month has the one rate, so a list converts a few hundred
    groups rather than one per distinct date.
    """
    first, last = read(session, sa.select(sa.func.min(on), sa.func.max(on))).one()
    return frozenset(rates.steady_currencies(first, last)) if first is not None else frozenset()


def grouped_date(currency: Any, on: Any, steady: frozenset[str]) -> Any:
    """Return the date a record is grouped by: its month's first day for a steady currency, else its own."""
    if not steady:
        return on
    return sa.type_coerce(sa.case((col(currency).in_(sorted(steady)), month_start(on)), else_=on), sa.Date())


def convert_groups(rows: Iterable[Any], rates: RateBook, steady: frozenset[str] = frozenset()) -> Groups:
    """Return the US$ total of (currency, date, amount, records) groups, each converted at its date's rate."""
    total, missing, count, found = ZERO, 0, 0, []
    for currency, on, amount, records in rows:
        count += records
        try:
            conversion = rates.to_usd(amount if amount is not None else ZERO, currency, on)
        except RateMissing:
            missing += records
            found.append((currency, on, None))
            continue
        total += conversion.usd
        found.append((currency, on, conversion.rate))
    return Groups(total, missing, count, found, steady)


def month_end(day: date) -> date:
    """Return the last day of the day's month."""
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def usd_key(groups: Groups, currency: Any, on: Any, amount: Any, *, session: Session) -> Any:
    """Return the US$ value of a record to sort by (a float; NULL without a rate), at the rates the groups used.

    The rate of a record's date is found by a CASE on the currency, then a binary search over
    the runs of dates that share a rate (one run a month for monthly rates), written into the
    statement as literals: a few comparisons per record, no join and no parameter limit.
    """
    runs: dict[str, list[list[Any]]] = {}
    for code, day, units in sorted(groups.rates, key=lambda g: (g[0], g[1])):
        if not CURRENCY_CODE.fullmatch(code):
            continue  # never write into SQL what is not a currency code (none is stored)
        own = runs.setdefault(code, [])
        last = month_end(day) if code in groups.steady else day  # a month's group stands for all its days
        if own and own[-1][2] == units:
            own[-1][1] = last
        else:
            own.append([day, last, units])
    dialect = session.get_bind().dialect
    column = {"on": on.compile(dialect=dialect).string, "currency": currency.compile(dialect=dialect).string}
    literal = (lambda d: f"DATE '{d.isoformat()}'") if dialect.name == "postgresql" else (lambda d: f"'{d.isoformat()}'")

    def search(found: list[list[Any]]) -> str:
        if len(found) == 1:
            first, last, units = found[0]
            if units is None:
                return "NULL"
            within = f"{column['on']} >= {literal(first)} AND {column['on']} <= {literal(last)}"
            return f"CASE WHEN {within} THEN {float(units)!r} END"
        middle = len(found) // 2
        return (f"CASE WHEN {column['on']} < {literal(found[middle][0])} THEN {search(found[:middle])} "
                f"ELSE {search(found[middle:])} END")

    if not runs:
        return sa.null()
    cases = " ".join(f"WHEN '{code}' THEN {search(found)}" for code, found in runs.items())
    rate = sa.literal_column(f"(CASE {column['currency']} {cases} END)", sa.Float)
    return sa.cast(amount, sa.Float) / rate


def text_key(expression: Any, session: Session) -> Any:
    """Return a text sort key compared character by character, the same on SQLite and PostgreSQL."""
    key = sa.func.lower(expression)
    return key.collate("C") if session.get_bind().dialect.name == "postgresql" else key


def name_of(column: Any) -> Any:
    """Return the name of the organisation a column points at, as a scalar subquery."""
    return sa.select(Organisation.name).where(Organisation.id == column).scalar_subquery()


# --- pledges ---------------------------------------------------------------------------

def _line_in_view(filters: Filters) -> list[Any]:
    return [*([PledgeLine.year == filters.year] if filters.year else []),
            *([PledgeLine.pillar_code == filters.pillar] if filters.pillar else [])]


def pledges_query(filters: Filters) -> Any:
    """Return the pledges that match the filters other than status (a select of Pledge)."""
    query = sa.select(Pledge)
    if filters.donor_id:
        query = query.where(Pledge.donor_id == filters.donor_id)
    if filters.recipient_id:
        query = query.where(Pledge.recipient_id == filters.recipient_id)
    if filters.year or filters.pillar:
        query = query.where(col(Pledge.id).in_(sa.select(PledgeLine.pledge_id).where(*_line_in_view(filters))))
    if filters.status != "cancelled" and not filters.include_cancelled:
        query = query.where(col(Pledge.cancelled_at).is_(None))
    return query


def pledge_in_view(filters: Filters) -> Any:
    """Return a pledge's amount in view (its lines of the year and pillar filtered), as a scalar subquery."""
    return (sa.select(sa.func.sum(PledgeLine.amount)).where(PledgeLine.pledge_id == Pledge.id, *_line_in_view(filters))
            .scalar_subquery())


def pledge_groups(query: Any, filters: Filters, steady: frozenset[str] = frozenset()) -> Any:
    """Return the pledges of the query summed per currency and announcement date: (currency, date, amount, pledges)."""
    # The amount in view is a subquery per pledge (an index lookup), not a join: with a status
    # filter PostgreSQL expects few pledges and chose a nested loop over every line.
    on = grouped_date(Pledge.currency, Pledge.announced_on, steady)
    return _summed(query.with_only_columns(Pledge.currency, on.label("on"), pledge_in_view(filters).label("amount")))


def _summed(rows: Any) -> Any:
    """Return (currency, on, amount) rows summed per currency and date: (currency, date, amount, records)."""
    matching = rows.subquery()
    return (sa.select(matching.c.currency, matching.c.on, sa.func.sum(matching.c.amount), sa.func.count())
            .group_by(matching.c.currency, matching.c.on))


def _live_agreement() -> list[Any]:
    return [Commitment.pledge_id == Pledge.id, col(Commitment.cancelled_at).is_(None)]


def _foreign() -> Any:
    """Whether a pledge has a live agreement or payment in another currency (its status is then compared in US$)."""
    agreements = sa.exists().where(*_live_agreement(), Commitment.currency != Pledge.currency)
    payments = sa.exists().where(Disbursement.pledge_id == Pledge.id, col(Disbursement.cancelled_at).is_(None),
                                 Disbursement.currency != Pledge.currency)
    return agreements | payments


def status_code(mixed: dict[str, list[int]]) -> Any:
    """Return a pledge's status as its index in STATUSES, in SQL.

    Compared in the pledge's currency (exact: scaled integers), as `PledgeSummary.status`
    does; the pledges with an agreement or payment in another currency are compared in US$
    in Python first (`mixed_statuses`) and named here by id.
    """
    def summed(select: Any) -> Any:
        return sa.func.coalesce(select.scalar_subquery(), 0)

    total = summed(sa.select(sa.func.sum(PledgeLine.amount)).where(PledgeLine.pledge_id == Pledge.id))
    signed = sa.case((Amendment.change == "increase", Amendment.amount), else_=-col(Amendment.amount))
    lines = sa.select(sa.func.sum(CommitmentLine.amount)).join(Commitment, CommitmentLine.commitment_id == Commitment.id)
    committed = summed(lines.where(*_live_agreement())) + summed(
        sa.select(sa.func.sum(signed)).join(Commitment, Amendment.commitment_id == Commitment.id)
        .where(*_live_agreement(), col(Amendment.cancelled_at).is_(None), col(Amendment.amount).is_not(None)))
    disbursed = summed(sa.select(sa.func.sum(Disbursement.amount)).where(Disbursement.pledge_id == Pledge.id,
                                                                          col(Disbursement.cancelled_at).is_(None)))
    index = STATUSES.index
    same_currency = sa.case(
        (disbursed > 0, sa.case((disbursed >= total, index("fully disbursed")), else_=index("partly disbursed"))),
        (committed > 0, sa.case((committed >= total, index("committed")), else_=index("partly committed"))),
        else_=index("announced"))
    named = [(col(Pledge.id).in_(id_list(f"mixed_{index(status)}", ids)), index(status)) for status, ids in mixed.items() if ids]
    return sa.case((col(Pledge.cancelled_at).is_not(None), index("cancelled")), *named, else_=same_currency)


def mixed_statuses(query: Any, *, session: Session, rates: RateBook) -> dict[str, list[int]]:
    """Return the ids of the query's live pledges compared in US$ (another currency against them), by status.

    Their agreements, amendments and payments are read summed per currency and date (a few
    statements whatever their number) and counted by `PledgeSummary.status`, so the list
    agrees with the pledge's own page.
    """
    compared_in_usd = query.where(col(Pledge.cancelled_at).is_(None), _foreign()).with_only_columns(Pledge.id)
    found = read(session, compared_in_usd).scalars().all()
    if not found:
        return {}
    ids = id_list("mixed", found)  # read once: a subquery would be evaluated again by each statement below
    c, cl, a, d = Commitment, CommitmentLine, Amendment, Disbursement
    pledges = read(session, sa.select(Pledge.id, Pledge.currency, Pledge.announced_on, sa.func.sum(PledgeLine.amount))
                   .outerjoin(PledgeLine, PledgeLine.pledge_id == Pledge.id).where(col(Pledge.id).in_(ids))
                   .group_by(Pledge.id, Pledge.currency, Pledge.announced_on)).all()
    live = [col(c.pledge_id).in_(ids), col(c.cancelled_at).is_(None)]
    signed = sa.case((a.change == "increase", a.amount), else_=-col(a.amount))
    flows = {
        "commitments": sa.select(c.pledge_id, c.currency, c.signed_on, sa.func.sum(cl.amount))
        .outerjoin(cl, cl.commitment_id == c.id).where(*live).group_by(c.pledge_id, c.currency, c.signed_on),
        "amendments": sa.select(c.pledge_id, c.currency, a.amended_on, sa.func.sum(signed)).join(c, a.commitment_id == c.id)
        .where(*live, col(a.cancelled_at).is_(None), col(a.amount).is_not(None)).group_by(c.pledge_id, c.currency, a.amended_on),
        "disbursements": sa.select(d.pledge_id, d.currency, d.paid_on, sa.func.sum(d.amount))
        .where(col(d.pledge_id).in_(ids), col(d.cancelled_at).is_(None)).group_by(d.pledge_id, d.currency, d.paid_on),
    }
    items: dict[str, dict[int, list[Any]]] = {}
    for name, select in flows.items():
        items[name] = {}
        for pledge_id, currency, on, amount in read(session, select).all():
            items[name].setdefault(pledge_id, []).append(convert(rates, None, amount or ZERO, currency, on))
    out: dict[str, list[int]] = {}
    for pledge_id, currency, announced_on, total in pledges:
        total = total or ZERO
        summary = PledgeSummary(SimpleNamespace(cancelled_at=None, currency=currency), [],
                                convert(rates, None, total, currency, announced_on), total,
                                *(items[name].get(pledge_id, []) for name in ("commitments", "disbursements", "amendments")))
        out.setdefault(summary.status, []).append(pledge_id)
    return out


# --- agreements and disbursements --------------------------------------------------------

def agreements_query(filters: Filters) -> Any:
    """Return the agreements that match the filters (a select of Commitment)."""
    query = common_filters(sa.select(Commitment), Commitment, filters, col(Commitment.signed_on))
    if filters.pillar:
        query = query.where(col(Commitment.id).in_(sa.select(CommitmentLine.commitment_id)
                                                   .where(CommitmentLine.pillar_code == filters.pillar)))
    return query


def _agreement_line(filters: Filters, commitment_id: Any) -> list[Any]:
    return [CommitmentLine.commitment_id == commitment_id,
            *([CommitmentLine.pillar_code == filters.pillar] if filters.pillar else [])]


def agreement_in_view(filters: Filters) -> Any:
    """Return an agreement's amount in view (its lines of the pillar filtered), as a scalar subquery."""
    return sa.select(sa.func.sum(CommitmentLine.amount)).where(*_agreement_line(filters, Commitment.id)).scalar_subquery()


def agreement_groups(query: Any, filters: Filters, steady: frozenset[str] = frozenset()) -> Any:
    """Return the agreements of the query summed per currency and signature date: (currency, date, amount, agreements)."""
    on = grouped_date(Commitment.currency, Commitment.signed_on, steady)
    return _summed(query.with_only_columns(Commitment.currency, on.label("on"), agreement_in_view(filters).label("amount")))


def disbursements_query(filters: Filters) -> Any:
    """Return the disbursements that match the filters (a select of Disbursement)."""
    return common_filters(sa.select(Disbursement), Disbursement, filters, col(Disbursement.paid_on))


def disbursement_groups(query: Any, steady: frozenset[str] = frozenset()) -> Any:
    """Return the disbursements of the query summed per currency and payment date: (currency, date, amount, payments)."""
    on = grouped_date(Disbursement.currency, Disbursement.paid_on, steady)
    return _summed(query.with_only_columns(Disbursement.currency, on.label("on"), Disbursement.amount.label("amount")))


# --- the pages ---------------------------------------------------------------------------

PLEDGE_SORTS = ("announced", "ref", "donor", "usd", "status")
AGREEMENT_SORTS = ("signed", "ref", "donor", "usd")
DISBURSEMENT_SORTS = ("paid", "donor", "recipient", "usd")


def plan_for_pages(session: Session) -> None:
    """Tell PostgreSQL not to JIT-compile this transaction's statements.

    A list's statement carries large expressions (the status CASE, the rates of a US$ sort),
    which raise its estimated cost past `jit_above_cost`: compiling it then took 1 to 3 s
    where running it takes tens of milliseconds (bench/load.py). SET LOCAL ends with the
    transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        read(session, sa.text("SET LOCAL jit = off"))


def _text(column: Any, session: Session) -> Any:
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


def pledge_page(filters: Filters, order: Order, *, session: Session, rates: RateBook) -> tuple[Page, Groups]:
    """Return the page of pledges asked for, each summarised, and the US$ total of every pledge the filters match."""
    plan_for_pages(session)
    query = pledges_query(filters)
    by_status = order.sort == "status"
    mixed = mixed_statuses(query, session=session, rates=rates) if filters.status or by_status else {}
    if filters.status:
        query = query.where(status_code(mixed) == STATUSES.index(filters.status))
    steady = steady_currencies(session, Pledge.announced_on, rates)
    groups = convert_groups(read(session, pledge_groups(query, filters, steady)), rates, steady)
    keys = {"announced": col(Pledge.announced_on), "ref": _text(col(Pledge.ref), session),
            "donor": text_key(name_of(Pledge.donor_id), session), "status": status_code(mixed) if by_status else col(Pledge.id),
            "usd": usd_key(groups, col(Pledge.currency), col(Pledge.announced_on), pledge_in_view(filters), session=session)}
    page = page_of(session, query, keys, order, col(Pledge.id), total=groups.records)
    page.items = summarise_pledges(page.items, filters, session=session, rates=rates)
    return page, groups


def agreement_page(filters: Filters, order: Order, *, session: Session, rates: RateBook) -> tuple[Page, Groups]:
    """Return the page of agreements asked for, with their lines in view, and the US$ total of every match."""
    plan_for_pages(session)
    query = agreements_query(filters)
    steady = steady_currencies(session, Commitment.signed_on, rates)
    groups = convert_groups(read(session, agreement_groups(query, filters, steady)), rates, steady)
    keys = {"signed": col(Commitment.signed_on), "ref": _text(col(Commitment.ref), session),
            "donor": text_key(name_of(Commitment.donor_id), session),
            "usd": usd_key(groups, col(Commitment.currency), col(Commitment.signed_on), agreement_in_view(filters),
                           session=session)}
    page = page_of(session, query, keys, order, col(Commitment.id), total=groups.records)
    page.items = [convert_lines(rates, c, lines) for c, lines in with_lines(page.items, filters.pillar, session=session)]
    return page, groups


def disbursement_page(filters: Filters, order: Order, *, session: Session, rates: RateBook) -> tuple[Page, Groups]:
    """Return the page of disbursements asked for, converted, and the US$ total of every match."""
    plan_for_pages(session)
    query = disbursements_query(filters)
    steady = steady_currencies(session, Disbursement.paid_on, rates)
    groups = convert_groups(read(session, disbursement_groups(query, steady)), rates, steady)
    keys = {"paid": col(Disbursement.paid_on), "donor": text_key(name_of(Disbursement.donor_id), session),
            "recipient": text_key(name_of(Disbursement.recipient_id), session),
            "usd": usd_key(groups, col(Disbursement.currency), col(Disbursement.paid_on), col(Disbursement.amount),
                           session=session)}
    page = page_of(session, query, keys, order, col(Disbursement.id), total=groups.records)
    page.items = [convert(rates, d, d.amount, d.currency, d.paid_on) for d in page.items]
    return page, groups
