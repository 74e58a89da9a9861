"""Reading the workspace: pledges with their USD value and status, lists with filters and totals."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from ..domain.conversion import Conversion, RateBook, RateMissing
from ..models import (
    Amendment, Commitment, CommitmentLine, Disbursement, ImportBatch, Organisation, Pillar, Pledge, PledgeLine, Requirement,
)
from ..rates import rate_book

STATUSES = ("announced", "partly committed", "committed", "partly disbursed", "fully disbursed", "cancelled")
ZERO = Decimal(0)


@dataclass
class Filters:
    """What a list is narrowed to; None means every value."""

    year: int | None = None
    donor_id: int | None = None
    pillar: str | None = None
    recipient_id: int | None = None
    status: str | None = None
    include_cancelled: bool = False


@dataclass
class Converted:
    """A record with its amount in USD (None when no rate applies, with the reason)."""

    record: Any
    amount: Decimal
    currency: str
    on: date
    conversion: Conversion | None = None
    missing: str = ""
    lines: list[Any] = field(default_factory=list)  # an agreement's lines (in view)

    @property
    def usd(self) -> Decimal | None:
        return self.conversion.usd if self.conversion else None


def convert(rates: RateBook, record: Any, amount: Decimal, currency: str, on: date) -> Converted:
    """Return the record's amount converted at the rate of its own date, or the missing rate's reason."""
    try:
        return Converted(record, amount, currency, on, rates.to_usd(amount, currency, on))
    except RateMissing as missing:
        return Converted(record, amount, currency, on, None, str(missing))


@dataclass
class PledgeSummary:
    """A pledge with its lines, its USD value, what was committed and disbursed against it, and its status."""

    pledge: Pledge
    lines: list[PledgeLine]
    value: Converted  # the lines in view, in the pledge's currency and in USD
    total: Decimal  # every line, in the pledge's currency
    commitments: list[Converted] = field(default_factory=list)
    disbursements: list[Converted] = field(default_factory=list)
    amendments: list[Converted] = field(default_factory=list)  # increases, and decreases as negative amounts

    def _sum(self, items: list[Converted]) -> tuple[Decimal, Decimal | None]:
        same = sum((c.amount for c in items if c.currency == self.pledge.currency), ZERO)
        usd = sum((c.usd for c in items if c.usd is not None), ZERO)
        return same, (None if any(c.usd is None for c in items) else usd)

    @property
    def committed(self) -> Decimal:
        return self._sum(self.commitments + self.amendments)[0]

    @property
    def committed_usd(self) -> Decimal | None:
        return self._sum(self.commitments + self.amendments)[1]

    @property
    def disbursed(self) -> Decimal:
        return self._sum(self.disbursements)[0]

    @property
    def disbursed_usd(self) -> Decimal | None:
        return self._sum(self.disbursements)[1]

    @property
    def status(self) -> str:
        """Return the pledge's status, comparing in its own currency (or in USD when currencies are mixed)."""
        if self.pledge.cancelled_at is not None:
            return "cancelled"
        items = self.commitments + self.disbursements
        if all(c.currency == self.pledge.currency for c in items):
            total, committed, disbursed = self.total, self.committed, self.disbursed
        else:
            total = self.total_usd or ZERO
            committed, disbursed = self.committed_usd or ZERO, self.disbursed_usd or ZERO
        if disbursed > 0:
            return "fully disbursed" if disbursed >= total else "partly disbursed"
        if committed > 0:
            return "committed" if committed >= total else "partly committed"
        return "announced"

    @property
    def total_usd(self) -> Decimal | None:
        conv = self.value.conversion
        return None if conv is None else self.total / conv.rate


def organisation_names(*, session: Session) -> dict[int, str]:
    """Return every organisation's name by id."""
    return {o.id: o.name for o in session.exec(select(Organisation)).all()}


def active_organisations(*, session: Session) -> list[Organisation]:
    """Return the organisations not merged into another, by name."""
    return list(session.exec(select(Organisation).where(col(Organisation.merged_into_id).is_(None)).order_by(Organisation.name)).all())


def pillars(*, session: Session) -> list[Pillar]:
    """Return the pillars in their order."""
    return list(session.exec(select(Pillar).order_by(col(Pillar.sort_order))).all())


def summarise_pledges(pledges: list[Pledge], filters: Filters, *, session: Session, rates: RateBook | None = None) -> list[PledgeSummary]:
    """Return each pledge with its lines, conversion, linked agreements and payments, and status."""
    rates = rates or rate_book(session=session)
    ids = [p.id for p in pledges]
    lines: dict[int, list[PledgeLine]] = {i: [] for i in ids}
    commitments: dict[int, list[Converted]] = {i: [] for i in ids}
    disbursements: dict[int, list[Converted]] = {i: [] for i in ids}
    amendments: dict[int, list[Converted]] = {i: [] for i in ids}
    for chunk_start in range(0, len(ids), 900):
        chunk = ids[chunk_start:chunk_start + 900]
        for ln in session.exec(select(PledgeLine).where(col(PledgeLine.pledge_id).in_(chunk)).order_by(PledgeLine.year, PledgeLine.pillar_code)):
            lines[ln.pledge_id].append(ln)
        agreements = {c.id: c for c in session.exec(select(Commitment).where(col(Commitment.pledge_id).in_(chunk),
                                                                           col(Commitment.cancelled_at).is_(None)))}
        for c, c_lines in with_lines(list(agreements.values()), None, session=session):
            commitments[c.pledge_id].append(convert_lines(rates, c, c_lines))
        for a in session.exec(select(Amendment).where(col(Amendment.commitment_id).in_(list(agreements)),
                                                      col(Amendment.cancelled_at).is_(None), col(Amendment.amount).is_not(None))):
            c = agreements[a.commitment_id]
            signed = a.amount if a.change == "increase" else -a.amount  # rule 1: at the amendment's own date
            amendments[c.pledge_id].append(convert(rates, a, signed, c.currency, a.amended_on))
        for d in session.exec(select(Disbursement).where(col(Disbursement.pledge_id).in_(chunk), col(Disbursement.cancelled_at).is_(None))):
            disbursements[d.pledge_id].append(convert(rates, d, d.amount, d.currency, d.paid_on))
    out = []
    for p in pledges:
        in_view = [ln for ln in lines[p.id] if (filters.year is None or ln.year == filters.year)
                   and (filters.pillar is None or ln.pillar_code == filters.pillar)]
        amount = sum((ln.amount for ln in in_view), ZERO)
        out.append(PledgeSummary(p, lines[p.id], convert(rates, p, amount, p.currency, p.announced_on),
                                 sum((ln.amount for ln in lines[p.id]), ZERO), commitments[p.id], disbursements[p.id],
                                 amendments[p.id]))
    return out


def find_pledges(filters: Filters, *, session: Session) -> list[PledgeSummary]:
    """Return the pledges that match the filters, summarised."""
    query = select(Pledge)
    if filters.donor_id:
        query = query.where(Pledge.donor_id == filters.donor_id)
    if filters.recipient_id:
        query = query.where(Pledge.recipient_id == filters.recipient_id)
    if filters.year or filters.pillar:
        sub = select(PledgeLine.pledge_id)
        if filters.year:
            sub = sub.where(PledgeLine.year == filters.year)
        if filters.pillar:
            sub = sub.where(PledgeLine.pillar_code == filters.pillar)
        query = query.where(col(Pledge.id).in_(sub))
    if filters.status != "cancelled" and not filters.include_cancelled:
        query = query.where(col(Pledge.cancelled_at).is_(None))
    summaries = summarise_pledges(list(session.exec(query).all()), filters, session=session)
    if filters.status:
        summaries = [s for s in summaries if s.status == filters.status]
    return summaries


def common_filters(query: Any, model: Any, filters: Filters, on: Any) -> Any:
    """Return the query narrowed to the filters agreements and disbursements share (year of `on`, donor, ...)."""
    if filters.year:
        query = query.where(on >= date(filters.year, 1, 1), on <= date(filters.year, 12, 31))
    if filters.donor_id:
        query = query.where(model.donor_id == filters.donor_id)
    if filters.pillar and model is not Commitment:  # an agreement's pillars are on its lines
        query = query.where(model.pillar_code == filters.pillar)
    if filters.recipient_id:
        query = query.where(model.recipient_id == filters.recipient_id)
    if filters.status == "cancelled":
        query = query.where(col(model.cancelled_at).is_not(None))
    elif not filters.include_cancelled:
        query = query.where(col(model.cancelled_at).is_(None))
    return query


def convert_lines(rates: RateBook, agreement: Commitment, lines: list[CommitmentLine]) -> Converted:
    """Return the agreement's lines summed and converted at its signature date, the lines kept alongside."""
    converted = convert(rates, agreement, sum((ln.amount for ln in lines), ZERO), agreement.currency, agreement.signed_on)
    converted.lines = lines
    return converted


def with_lines(agreements: list[Commitment], pillar: str | None, *, session: Session) -> list[tuple[Commitment, list[CommitmentLine]]]:
    """Return each agreement with its lines (of the pillar, when one is given), by year and pillar."""
    lines: dict[int, list[CommitmentLine]] = {c.id: [] for c in agreements}
    ids = list(lines)
    for start in range(0, len(ids), 900):
        query = select(CommitmentLine).where(col(CommitmentLine.commitment_id).in_(ids[start:start + 900]))
        if pillar:
            query = query.where(CommitmentLine.pillar_code == pillar)
        for ln in session.exec(query.order_by(CommitmentLine.year, CommitmentLine.pillar_code)):
            lines[ln.commitment_id].append(ln)
    return [(c, lines[c.id]) for c in agreements]


def find_commitments(filters: Filters, *, session: Session) -> list[Converted]:
    """Return the agreements that match the filters, their lines (of the pillar filtered) converted at their signature date."""
    rates = rate_book(session=session)
    query = common_filters(select(Commitment), Commitment, filters, col(Commitment.signed_on))
    if filters.pillar:
        query = query.where(col(Commitment.id).in_(select(CommitmentLine.commitment_id)
                                                   .where(CommitmentLine.pillar_code == filters.pillar)))
    agreements = list(session.exec(query).all())
    return [convert_lines(rates, c, lines) for c, lines in with_lines(agreements, filters.pillar, session=session)]


def find_disbursements(filters: Filters, *, session: Session) -> list[Converted]:
    """Return the disbursements that match the filters, converted at their payment date."""
    rates = rate_book(session=session)
    query = common_filters(select(Disbursement), Disbursement, filters, col(Disbursement.paid_on))
    return [convert(rates, d, d.amount, d.currency, d.paid_on) for d in session.exec(query).all()]


def find_requirements(filters: Filters, *, session: Session) -> list[Converted]:
    """Return the current requirements that match the filters, converted at the first day of their year."""
    rates = rate_book(session=session)
    query = select(Requirement).where(col(Requirement.superseded_by_id).is_(None))
    if filters.year:
        query = query.where(Requirement.year == filters.year)
    if filters.pillar:
        query = query.where(Requirement.pillar_code == filters.pillar)
    if filters.status == "cancelled":
        query = query.where(col(Requirement.cancelled_at).is_not(None))
    elif not filters.include_cancelled:
        query = query.where(col(Requirement.cancelled_at).is_(None))
    return [convert(rates, r, r.amount, r.currency, date(r.year, 1, 1)) for r in session.exec(query).all()]


def usd_total(items: list[Any]) -> tuple[Decimal, int]:
    """Return the USD sum of converted items and how many had no rate."""
    converted = [getattr(i, "value", i) for i in items]
    return sum((c.usd for c in converted if c.usd is not None), ZERO), sum(1 for c in converted if c.usd is None)


def import_batches(*, session: Session) -> list[ImportBatch]:
    """Return the register imports, newest first."""
    return list(session.exec(select(ImportBatch).where(ImportBatch.kind == "register").order_by(col(ImportBatch.id).desc())).all())
