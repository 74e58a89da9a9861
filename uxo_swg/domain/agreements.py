"""A signed agreement as it changes: its lines, then its amendments in date order.

An amendment never edits the past (spec section 2): an increase adds to the line of its
year and pillar, a decrease takes from it (never below nothing), a termination ends the
agreement and nothing may follow it. The form and the register import check amendments
here, and the agreement's page shows the running amounts this returns.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from .money import MoneyError, parse_amount

Key = tuple[int, str]  # year, pillar
ZERO = Decimal(0)


class AmendmentRefused(ValueError):
    """An amendment that cannot be made, with the reason and the change it concerns."""

    def __init__(self, message: str, change: "Change | None" = None, column: str = ""):
        super().__init__(message)
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
    raise AmendmentRefused(f"the agreement has lines for several pillars ({', '.join(pillars)}): say which one "
                           f"this {change} is for", column="Pillar")


def replay(signed_on: date, start_on: date, end_on: date, lines: dict[Key, Decimal],
           changes: Iterable[Change]) -> list[Step]:
    """Return the agreement after each amendment in date order; raise AmendmentRefused at the first that cannot be."""
    current = dict(lines)
    end, terminated = end_on, None
    steps = []
    for ch in sorted(changes, key=lambda c: c.amended_on):  # stable: same-day changes keep their order
        if ch.amended_on < signed_on:
            raise AmendmentRefused(f"the amendment is dated {ch.amended_on}, before the agreement was signed "
                                   f"({signed_on})", ch, "Amended on")
        if terminated is not None:
            raise AmendmentRefused(f"the agreement was terminated on {terminated}: nothing can change after that", ch,
                                   "Amended on")
        if ch.new_end is not None and ch.new_end < start_on:
            raise AmendmentRefused(f"the new end ({ch.new_end}) is before the agreement starts ({start_on})", ch, "New end")
        if ch.change == "terminate":
            terminated, end = ch.amended_on, ch.new_end or ch.amended_on
            steps.append(Step(ch, None, sum(current.values(), ZERO), end, True))
            continue
        key = (ch.year, ch.pillar or "")
        have = current.get(key, ZERO)
        amount = ch.amount or ZERO
        if ch.change == "decrease" and amount > have:
            raise AmendmentRefused(f"a decrease of {amount} for {ch.year} and {ch.pillar} is more than the {have} the "
                                   "agreement holds for that year and pillar on that date", ch, "Amount")
        current[key] = have + amount if ch.change == "increase" else have - amount
        end = ch.new_end or end
        steps.append(Step(ch, current[key], sum(current.values(), ZERO), end, False))
    return steps


CHANGES = ("increase", "decrease", "terminate")


def make_change(amended_on: date, change: str, year: int | None, pillar: str | None, amount: Decimal | None,
                new_end: date | None, *, currency: str, lines: Iterable[Key], ident: Any = None) -> Change:
    """Return the amendment with its year and pillar filled in, or raise AmendmentRefused saying what is wrong."""
    if change not in CHANGES:
        raise AmendmentRefused(f"{change!r} is not a change: use increase, decrease or terminate", column="Change")
    year = year or amended_on.year
    if change == "terminate":
        if amount is not None:
            raise AmendmentRefused("a termination has no amount: it ends the agreement (record a decrease to reduce it)",
                                   column="Amount")
        return Change(amended_on, change, year, None, None, new_end or amended_on, ident)
    pillar = pillar_of(change, pillar, lines)
    if amount is None:
        raise AmendmentRefused(f"enter the amount of the {change}, in the agreement's currency ({currency})",
                               column="Amount")
    try:
        amount = parse_amount(amount, currency)
    except MoneyError as error:
        raise AmendmentRefused(str(error), column="Amount") from None
    if amount <= 0:
        raise AmendmentRefused(f"the amount must be positive: a {'decrease' if change == 'increase' else change} "
                               "says which way it goes", column="Amount")
    return Change(amended_on, change, year, pillar, amount, new_end, ident)
