"""The register's records gathered into IATI activities: one per agreement, per pledge with no agreement, and the rest.

Each activity carries its budgets per year and its transactions in original currencies:
commitments (2: an agreement's lines at its signature, then each amendment's change as
counting rule 4 counts it), disbursements (3), operators' receipts naming the agreement
(1, incoming funds) and the expenditure its recipient reported as funded by its donor (4).
Disbursements recorded against no agreement go to their pledge's activity when the pledge
has no agreement, otherwise to one activity per donor and recipient.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from ..domain.agreements import Change, Line, Paid, deltas
from ..domain.periods import parse_quarter
from ..models import (
    Amendment, Commitment, CommitmentLine, Disbursement, OperatorReturn, Pledge, PledgeLine, ReturnExpenditure, ReturnReceipt,
)
from ..rates import rate_book

ZERO = Decimal(0)


@dataclass(frozen=True)
class Tx:
    """A transaction to write: its type, dates, amount in its own currency, parties and pillar."""

    type: str
    on: date
    value_date: date
    amount: Decimal
    currency: str
    provider_id: int
    receiver_id: int | None
    pillar: str
    ref: str
    description: str


@dataclass
class ActivityRecord:
    """What one IATI activity says, read from the register."""

    key: str  # the part of the iati-identifier after the reporting organisation's
    kind: str  # agreement | pledge | other
    title: str
    currency: str
    donor_id: int
    recipient_id: int | None
    start_on: date
    end_on: date
    ended_on: date | None = None  # actual end: the termination's end, or the end when past
    own_ref: str = ""  # the register's ref (other-identifier A1)
    notes: str = ""
    budgets: dict[tuple[int, str], Decimal] = field(default_factory=dict)  # (year, "1" original | "2" revised)
    pillars: dict[str, Decimal] = field(default_factory=dict)
    provinces: set[str] = field(default_factory=set)
    transactions: list[Tx] = field(default_factory=list)


def activity_records(*, session: Session, year: int | None = None) -> list[ActivityRecord]:
    """Return the register's activities (those with anything in the year, cut to the year, when one is given)."""
    agreements = session.exec(select(Commitment).where(col(Commitment.cancelled_at).is_(None)).order_by(Commitment.ref)).all()
    by_id = {a.id: _agreement(a) for a in agreements}
    by_ref = {(a.ref, a.donor_id): a.id for a in agreements}
    pledged = {a.pledge_id for a in agreements if a.pledge_id}
    pledges = {p.id: _pledge(p, session=session) for p in session.exec(
        select(Pledge).where(col(Pledge.cancelled_at).is_(None)).order_by(Pledge.ref)).all() if p.id not in pledged}
    lines = session.exec(select(CommitmentLine).where(col(CommitmentLine.commitment_id).in_(list(by_id) or [0]))).all()
    amendments = session.exec(select(Amendment).where(col(Amendment.cancelled_at).is_(None),
                                                      col(Amendment.commitment_id).in_(list(by_id) or [0]))).all()
    disbursements = session.exec(select(Disbursement).where(col(Disbursement.cancelled_at).is_(None))
                                 .order_by(Disbursement.paid_on, Disbursement.id)).all()
    others: dict[tuple[int, int], ActivityRecord] = {}
    paid: dict[int, list[Paid]] = defaultdict(list)
    for d in disbursements:
        owner = d.commitment_id if d.commitment_id in by_id else by_ref.get((d.agreement_ref, d.donor_id))
        activity = by_id.get(owner) or pledges.get(d.pledge_id) or others.get((d.donor_id, d.recipient_id))
        if activity is None:
            activity = others[(d.donor_id, d.recipient_id)] = ActivityRecord(
                f"D{d.donor_id}-R{d.recipient_id}", "other", "Disbursements recorded against no agreement", d.currency,
                d.donor_id, d.recipient_id, d.paid_on, d.paid_on)
        if owner in by_id:
            paid[owner].append(Paid(d.paid_on, d.pillar_code, d.amount, d.currency))
        activity.transactions.append(Tx("3", d.paid_on, d.paid_on, d.amount, d.currency, d.donor_id, d.recipient_id,
                                        d.pillar_code, _disbursement_ref(activity, d), d.notes))
        activity.start_on, activity.end_on = min(activity.start_on, d.paid_on), max(activity.end_on, d.paid_on)
        if d.province_code and d.province_code != "national":
            activity.provinces.add(d.province_code)
    _commitments(by_id, agreements, lines, amendments, paid, session=session)
    _returns(by_id, agreements, session=session)
    records = [*by_id.values(), *pledges.values(), *others.values()]
    return [r for r in (_in_year(r, year) for r in records) if r is not None] if year else records


def _disbursement_ref(activity: ActivityRecord, d: Disbursement) -> str:
    """Return the transaction's ref: its activity, its id and, where it has one, its province (read back on import)."""
    province = f"/{d.province_code}" if d.province_code else ""
    return f"{activity.own_ref or activity.key}/disbursement/{d.id}{province}"


def _agreement(a: Commitment) -> ActivityRecord:
    return ActivityRecord(a.ref, "agreement", f"Agreement {a.ref}", a.currency, a.donor_id, a.recipient_id, a.start_on,
                          a.end_on, own_ref=a.ref, notes=a.notes)


def _pledge(p: Pledge, *, session: Session) -> ActivityRecord:
    lines = session.exec(select(PledgeLine).where(PledgeLine.pledge_id == p.id)).all()
    years = [ln.year for ln in lines] or [p.announced_on.year]
    record = ActivityRecord(f"PLEDGE-{p.ref}", "pledge", f"Pledge {p.ref}", p.currency, p.donor_id, p.recipient_id,
                            date(min(years), 1, 1), date(max(years), 12, 31), own_ref=p.ref, notes=p.notes)
    for ln in lines:
        record.budgets[(ln.year, "1")] = record.budgets.get((ln.year, "1"), ZERO) + ln.amount
        record.pillars[ln.pillar_code] = record.pillars.get(ln.pillar_code, ZERO) + ln.amount
    return record


def _commitments(by_id: dict[int, ActivityRecord], agreements: list[Commitment], lines: list[CommitmentLine],
                 amendments: list[Amendment], paid: dict[int, list[Paid]], *, session: Session) -> None:
    """Add each agreement's lines and amendments: commitment transactions, budgets, pillars and end dates."""
    rates = rate_book(session=session)
    heads = {a.id: a for a in agreements}
    own_lines: dict[int, list[Line]] = defaultdict(list)
    for ln in sorted(lines, key=lambda ln: (ln.year, ln.pillar_code)):
        own_lines[ln.commitment_id].append(Line(ln.id, ln.year, ln.pillar_code, ln.amount))
    changes: dict[int, list[Change]] = defaultdict(list)
    for a in sorted(amendments, key=lambda a: (a.amended_on, a.id)):
        changes[a.commitment_id].append(Change(a.amended_on, a.change, a.year, a.pillar_code, a.amount, a.new_end, a.id))
    for agreement_id, record in by_id.items():
        head = heads[agreement_id]
        for ln in own_lines[agreement_id]:
            record.transactions.append(Tx("2", head.signed_on, head.signed_on, ln.amount, head.currency, head.donor_id,
                                          head.recipient_id, ln.pillar, f"{head.ref}/line/{ln.year}/{ln.pillar}",
                                          f"Signed for {ln.year}"))
            record.budgets[(ln.year, "1")] = record.budgets.get((ln.year, "1"), ZERO) + ln.amount
            record.pillars[ln.pillar] = record.pillars.get(ln.pillar, ZERO) + ln.amount
        kinds = {c.ident: c for c in changes[agreement_id]}
        made = deltas(own_lines[agreement_id], changes[agreement_id], paid.get(agreement_id, ()), head.currency, rates)
        for d in made:
            change = kinds[d.record_id]
            record.transactions.append(Tx("2", d.on, d.on, d.amount, head.currency, head.donor_id, head.recipient_id, d.pillar,
                                          f"{head.ref}/amendment/{d.record_id}/{d.change}/{d.year}/{d.pillar}",
                                          f"Amendment ({d.change}) for {d.year}"))
            # The revised budget of the year: its lines and what the amendments changed.
            revised = record.budgets.get((d.year, "2"), record.budgets.get((d.year, "1"), ZERO))
            record.budgets[(d.year, "2")] = revised + d.amount
        for c in changes[agreement_id]:
            if c.change == "terminate" and not any(d.record_id == c.ident for d in made):  # nothing was left to take off
                record.transactions.append(Tx("2", c.amended_on, c.amended_on, ZERO, head.currency, head.donor_id,
                                              head.recipient_id, "", f"{head.ref}/amendment/{c.ident}/terminate/{c.year}",
                                              "Terminated: nothing was left to take off"))
            if c.change == "terminate":
                record.ended_on = c.new_end or c.amended_on
            elif c.new_end is not None:
                record.end_on = c.new_end


def _returns(by_id: dict[int, ActivityRecord], agreements: list[Commitment], *, session: Session) -> None:
    """Add the receipts operators reported against each agreement (1) and the expenditure its donor funded (4)."""
    current = select(OperatorReturn.id).where(col(OperatorReturn.superseded_by_id).is_(None))
    returns = {r.id: r for r in session.exec(select(OperatorReturn).where(col(OperatorReturn.id).in_(current))).all()}
    by_ref = {(a.ref, a.donor_id): a for a in agreements}
    for r in session.exec(select(ReturnReceipt).where(col(ReturnReceipt.return_id).in_(list(returns) or [0]))
                          .order_by(ReturnReceipt.received_on, ReturnReceipt.id)).all():
        head = by_ref.get((r.agreement_ref, r.donor_id))
        if head is None:
            continue
        operator = returns[r.return_id].operator_id
        by_id[head.id].transactions.append(Tx("1", r.received_on, r.received_on, r.amount, r.currency, r.donor_id, operator,
                                              r.pillar_code, f"{head.ref}/receipt/{r.id}", "Received, as the operator reported"))
    for e in session.exec(select(ReturnExpenditure).where(col(ReturnExpenditure.return_id).in_(list(returns) or [0]),
                                                          col(ReturnExpenditure.funded_by_id).is_not(None))
                          .order_by(ReturnExpenditure.id)).all():
        ret = returns[e.return_id]
        quarter = parse_quarter(ret.quarter)
        # The agreement of that donor with that operator running in the quarter (the first signed, when several are).
        head = next((a for a in sorted(agreements, key=lambda a: (a.signed_on, a.id))
                     if a.donor_id == e.funded_by_id and a.recipient_id == ret.operator_id
                     and a.start_on <= quarter.end and by_id[a.id].end_on >= quarter.start), None)
        if head is None:
            continue
        activity = by_id[head.id]
        activity.transactions.append(Tx("4", quarter.end, quarter.start, e.amount, e.currency, ret.operator_id, None,
                                        e.pillar_code, f"{head.ref}/expenditure/{e.id}", f"Spent in {ret.quarter}"))
        if e.province_code and e.province_code != "national":
            activity.provinces.add(e.province_code)


def _in_year(record: ActivityRecord, year: int) -> ActivityRecord | None:
    """Return the activity cut to the year's transactions and budgets, or None when it has nothing in the year."""
    record.transactions = [t for t in record.transactions if t.on.year == year]
    record.budgets = {k: v for k, v in record.budgets.items() if k[0] == year}
    return record if record.transactions or record.budgets else None
