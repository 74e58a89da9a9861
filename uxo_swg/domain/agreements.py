"""Agreements as they really change (counting rule 4): yearly lines, then amendments, never edits of the past.

An agreement is signed with lines (a year, a pillar, an amount in its currency). Later it is
increased, decreased or terminated by amendments, each dated. The form and the register
import check amendments here (`make_change`, `replay`), and the agreement's page shows the
running amounts `replay` returns. What an amendment adds to (or takes from) the amount
committed is its *delta*, counted on the day it was made (`deltas`): an increase adds its
amount, a decrease subtracts it, and a termination subtracts what had not been disbursed
against the agreement by that day. The agreement's state on a day is its lines plus the
deltas made by then.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from .conversion import RateBook, RateMissing
from .messages import N_, Explained, message
from .money import MoneyError, parse_amount

Key = tuple[int, str]  # year, pillar
ZERO = Decimal(0)


class AmendmentRefused(Explained, ValueError):
    """An amendment that cannot be made, with the reason (a template and its values) and the change it concerns."""

    def __init__(self, template: str, change: "Change | None" = None, column: str = "", **params: Any):
        super().__init__(template, **params)
        self.change = change
        self.column = column  # the field or register column to blame: Amended on, Amount, Pillar ...


@dataclass(frozen=True)
class Change:
    """An amendment as the rules see it; `ident` says which one (its id, or its row in a file)."""

    amended_on: date
    change: str  # increase | decrease | terminate
    year: int
    pillar: str | None
    amount: Decimal | None
    new_end: date | None = None
    ident: Any = None


@dataclass(frozen=True)
class Step:
    """The agreement just after one amendment."""

    change: Change
    line: Decimal | None  # the amount of the amended year and pillar afterwards (None: a termination)
    total: Decimal  # every line afterwards
    end_on: date
    terminated: bool


def pillar_of(change: str, pillar: str | None, lines: Iterable[Key]) -> str | None:
    """Return the pillar an amendment is for: the one given, or the agreement's only pillar."""
    if change == "terminate" or pillar:
        return pillar
    pillars = sorted({p for _, p in lines})
    if len(pillars) == 1:
        return pillars[0]
    raise AmendmentRefused(N_("the agreement has lines for several pillars ({pillars}): say which one "
                              "this {kind} is for"), column="Pillar", pillars=", ".join(pillars), kind=message(change))


def replay(signed_on: date, start_on: date, end_on: date, lines: dict[Key, Decimal],
           changes: Iterable[Change]) -> list[Step]:
    """Return the agreement after each amendment in date order; raise AmendmentRefused at the first that cannot be."""
    current = dict(lines)
    end, terminated = end_on, None
    steps = []
    for ch in sorted(changes, key=lambda c: c.amended_on):  # stable: same-day changes keep their order
        if ch.amended_on < signed_on:
            raise AmendmentRefused(N_("the amendment is dated {date}, before the agreement was signed ({signed})"), ch,
                                   "Amended on", date=str(ch.amended_on), signed=str(signed_on))
        if terminated is not None:
            raise AmendmentRefused(N_("the agreement was terminated on {date}: nothing can change after that"), ch,
                                   "Amended on", date=str(terminated))
        if ch.new_end is not None and ch.new_end < start_on:
            raise AmendmentRefused(N_("the new end ({end}) is before the agreement starts ({start})"), ch, "New end",
                                   end=str(ch.new_end), start=str(start_on))
        if ch.change == "terminate":
            terminated, end = ch.amended_on, ch.new_end or ch.amended_on
            steps.append(Step(ch, None, sum(current.values(), ZERO), end, True))
            continue
        key = (ch.year, ch.pillar or "")
        have = current.get(key, ZERO)
        amount = ch.amount or ZERO
        if ch.change == "decrease" and amount > have:
            raise AmendmentRefused(N_("a decrease of {amount} for {year} and {pillar} is more than the {have} the "
                                      "agreement holds for that year and pillar on that date"), ch, "Amount",
                                   amount=str(amount), year=ch.year, pillar=str(ch.pillar), have=str(have))
        current[key] = have + amount if ch.change == "increase" else have - amount
        end = ch.new_end or end
        steps.append(Step(ch, current[key], sum(current.values(), ZERO), end, False))
    return steps


CHANGES = (N_("increase"), N_("decrease"), N_("terminate"))  # marked: sentences name the change


def make_change(amended_on: date, change: str, year: int | None, pillar: str | None, amount: Decimal | None,
                new_end: date | None, *, currency: str, lines: Iterable[Key], ident: Any = None) -> Change:
    """Return the amendment with its year and pillar filled in, or raise AmendmentRefused saying what is wrong."""
    if change not in CHANGES:
        raise AmendmentRefused(N_("{kind} is not a change: use increase, decrease or terminate"), column="Change",
                               kind=repr(change))
    year = year or amended_on.year
    if change == "terminate":
        if amount is not None:
            raise AmendmentRefused(N_("a termination has no amount: it ends the agreement (record a decrease to reduce it)"),
                                   column="Amount")
        return Change(amended_on, change, year, None, None, new_end or amended_on, ident)
    pillar = pillar_of(change, pillar, lines)
    if amount is None:
        raise AmendmentRefused(N_("enter the amount of the {kind}, in the agreement's currency ({currency})"),
                               column="Amount", kind=message(change), currency=currency)
    try:
        amount = parse_amount(amount, currency)
    except MoneyError as error:
        raise AmendmentRefused(error.template, column="Amount", **error.params) from None
    if amount <= 0:
        raise AmendmentRefused(N_("the amount must be positive: a {kind} says which way it goes"), column="Amount",
                               kind=message("decrease" if change == "increase" else change))
    return Change(amended_on, change, year, pillar, amount, new_end, ident)


@dataclass(frozen=True)
class Line:
    """A signed line of an agreement: the year it is for, its pillar and amount."""

    record_id: int
    year: int
    pillar: str
    amount: Decimal


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
        for c in sorted(self.changes, key=lambda c: (c.amended_on, c.ident)):
            if c.amended_on > day:
                break
            if c.new_end is not None:
                end = c.new_end
            elif c.change == "terminate":
                end = c.amended_on
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
    for c in sorted(changes, key=lambda c: (c.amended_on, c.ident)):
        if c.change in ("increase", "decrease"):
            pillar = c.pillar or (lines[0].pillar if lines else "unallocated")
            signed = (c.amount or ZERO) if c.change == "increase" else -(c.amount or ZERO)
            current[pillar] += signed
            out.append(Delta(c.ident, c.amended_on, c.change, c.year, pillar, signed))
            continue
        for pillar in ([c.pillar] if c.pillar else list(current)):
            spent = sum((_in_currency(p, currency, c.amended_on, rates) for p in paid
                         if p.on <= c.amended_on and p.pillar == pillar), ZERO)
            left = max(current[pillar] - spent, ZERO)
            if left:
                current[pillar] -= left
                out.append(Delta(c.ident, c.amended_on, c.change, c.year, pillar, -left))
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
