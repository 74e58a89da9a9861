"""Pooled funds (counting rule 11): what a fund holds between the contributions it receives and its allocations."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from .conversion import RateBook, RateMissing

ZERO = Decimal(0)


@dataclass(frozen=True)
class Movement:
    """Money into a fund (a contribution, positive) or out of it (an allocation, negative), summed per currency."""

    fund: str
    currency: str
    amount: Decimal


def balances(movements: Iterable[Movement], day: date, rates: RateBook) -> tuple[dict[str, dict[str, Any]], list[RateMissing]]:
    """Return each fund's balance per currency and in USD at the rate of the day, and the rates that were missing.

    A fund whose balance cannot be valued for want of a rate has `usd` None; its balance
    per currency is still given.
    """
    held: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for m in movements:
        held[m.fund][m.currency] += m.amount
    out: dict[str, dict[str, Any]] = {}
    missing: list[RateMissing] = []
    for fund, by_currency in held.items():
        usd: Decimal | None = ZERO
        for currency, amount in by_currency.items():
            if not amount:
                continue
            try:
                usd = None if usd is None else usd + rates.to_usd(amount, currency, day).usd
            except RateMissing as error:
                missing.append(error)
                usd = None
        out[fund] = {"usd": usd, "by_currency": {c: a for c, a in by_currency.items() if a}}
    return out, missing
