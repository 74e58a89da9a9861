"""Agreements as they really change (counting rule 4): yearly lines, then amendments, never edits of the past.

An agreement is signed with lines (a year, a pillar, an amount in its currency). Later it
is increased, decreased or terminated by amendments, each dated. What an amendment adds
to (or takes from) the amount committed is its *delta*, counted on the day it was made:
an increase adds its amount, a decrease subtracts it, and a termination subtracts what
had not been disbursed against the agreement by that day. The agreement's current state
on a day is its lines plus the deltas made by then.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from .conversion import RateBook, RateMissing

ZERO = Decimal(0)
CHANGES = ("increase", "decrease", "terminate")


@dataclass(frozen=True)
class Line:
    """A signed line of an agreement: the year it is for, its pillar and amount."""

    record_id: int
    year: int
    pillar: str
    amount: Decimal


@dataclass(frozen=True)
class Change:
    """An amendment as recorded: an increase or decrease of a line, or a termination."""

    record_id: int
    on: date
    change: str  # increase | decrease | terminate
    year: int
    pillar: str | None = None  # a termination without a pillar ends every pillar
    amount: Decimal | None = None  # increase and decrease only, positive
    new_end: date | None = None


@dataclass(frozen=True)
class Delta:
    """What an amendment changes in the amount committed, for one year and pillar (negative: less)."""

    record_id: int
    on: date
    change: str
    year: int
    pillar: str
    amount: Decimal


@dataclass(frozen=True)
class Paid:
    """A donor-side disbursement made against the agreement."""

    on: date
    pillar: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Agreement:
    """A signed agreement with its lines and its amendments' deltas, for counting, the pipeline and the cliff."""

    record_id: int
    ref: str
    pledge_id: int | None
    donor: str
    recipient: str
    signed_on: date
    start_on: date
    end_on: date
    currency: str
    lines: tuple[Line, ...] = ()
    deltas: tuple[Delta, ...] = ()
    changes: tuple[Change, ...] = ()
    national: bool = False
    flow: str | None = None  # "allocation": an agreement of a pooled fund with an operator (rule 11)
    fund: str | None = None
    in_kind: bool = False

    @property
    def pillars(self) -> list[str]:
        """Return the pillars of the agreement's lines, in order of first appearance."""
        return list(dict.fromkeys(line.pillar for line in self.lines))

    def amounts_on(self, day: date) -> dict[tuple[int, str], Decimal]:
        """Return the amount committed per (year, pillar) as known on the day (lines plus deltas made by then)."""
        out: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
        if self.signed_on > day:
            return {}
        for line in self.lines:
            out[(line.year, line.pillar)] += line.amount
        for d in self.deltas:
            if d.on <= day:
                out[(d.year, d.pillar)] += d.amount
        return dict(out)

    def end_on_day(self, day: date) -> date:
        """Return the end date as known on the day: the last new end given by an amendment made by then."""
        end = self.end_on
        for c in sorted(self.changes, key=lambda c: (c.on, c.record_id)):
            if c.on > day:
                break
            if c.new_end is not None:
                end = c.new_end
            elif c.change == "terminate":
                end = c.on
        return end


def deltas(lines: Iterable[Line], changes: Iterable[Change], paid: Iterable[Paid], currency: str,
           rates: RateBook | None = None) -> list[Delta]:
    """Return each amendment's signed change to the amount committed, per year and pillar (rule 4).

    A termination subtracts, per pillar (the one it names, or each of the agreement's), the
    current amount less what had been disbursed against the agreement by its day, never
    below zero, for the termination's year. A disbursement in another currency is converted
    through US dollars at the rates of its own day; one with no rate is left out.
    """
    lines = list(lines)
    paid = sorted(paid, key=lambda p: p.on)
    current: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        current[line.pillar] += line.amount
    out: list[Delta] = []
    for c in sorted(changes, key=lambda c: (c.on, c.record_id)):
        if c.change in ("increase", "decrease"):
            pillar = c.pillar or (lines[0].pillar if lines else "unallocated")
            signed = (c.amount or ZERO) if c.change == "increase" else -(c.amount or ZERO)
            current[pillar] += signed
            out.append(Delta(c.record_id, c.on, c.change, c.year, pillar, signed))
            continue
        for pillar in ([c.pillar] if c.pillar else list(current)):
            spent = sum((_in_currency(p, currency, c.on, rates) for p in paid if p.on <= c.on and p.pillar == pillar), ZERO)
            left = max(current[pillar] - spent, ZERO)
            if left:
                current[pillar] -= left
                out.append(Delta(c.record_id, c.on, c.change, c.year, pillar, -left))
    return out


def _in_currency(p: Paid, currency: str, day: date, rates: RateBook | None) -> Decimal:
    """Return a disbursement's amount in the agreement's currency (converted through USD where it differs)."""
    if p.currency == currency:
        return p.amount
    if rates is None:
        return ZERO
    try:
        usd = rates.to_usd(p.amount, p.currency, p.on).usd
        return usd * rates.rate(currency, p.on).units_per_usd
    except RateMissing:
        return ZERO
