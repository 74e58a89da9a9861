"""Support by donor as the Landmine and Cluster Munition Monitor tabulates it (spec section 9).

One row per donor: what left it in the calendar year (the donor table's rule,
counting.left_the_donor), in the donor's national currency and in US dollars.

The national currency is the currency of the donor's country where the caller knows it
(an organisation's country); otherwise the currency the donor paid the most in that year,
measured in US dollars at the rates of the payments' dates (the same choice whatever the
conversion), ties going to the first code in alphabetical order. Amounts paid in another
currency are restated in the national currency through the US dollar, at the same rates.

Rates: `value-date` converts each amount at the rate of its own date (rule 1);
`annual-average` at the mean of the rates on record for its currency in the year, loaded
rates first (RateBook.annual_average), which is how the Monitor converts.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

from .article7 import original_amount
from .conversion import Rate, RateBook, RateMissing
from .counting import Entry, left_the_donor
from .money import round_half_up
from .periods import Period
from .summary import money

ZERO = Decimal(0)
METHODS = ("value-date", "annual-average")


def rate_finder(rates: RateBook, year: int, method: str) -> Callable[[str, date], Rate]:
    """Return the function giving the rate of a currency on a date by the method (raises RateMissing)."""
    if method == "value-date":
        return rates.rate
    if method != "annual-average":
        raise ValueError(f"unknown rates {method!r}: use {' or '.join(METHODS)}")
    averages: dict[str, Rate] = {}

    def average(currency: str, _on: date) -> Rate:
        if currency not in averages:
            averages[currency] = rates.annual_average(currency, year)
        return averages[currency]

    return average


def paid_most_in(entries: Iterable[Entry], rates: RateBook) -> str:
    """Return the currency of the largest US dollar value among the entries (at their dates' rates)."""
    usd: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for e in entries:
        try:
            usd[e.currency] += rates.to_usd(e.amount, e.currency, e.rate_date).usd
        except RateMissing:
            usd[e.currency] += ZERO
    return sorted(usd.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def monitor(year: int, entries: Iterable[Entry], rates: RateBook, national_currency: Mapping[str, str | None],
            method: str = "value-date") -> dict[str, Any]:
    """Return the Monitor's table of the year as the JSON of spec section 9, with how each row was made."""
    period = Period(year, "Y")
    rate_of = rate_finder(rates, year, method)
    by_donor: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        if left_the_donor(e) and period.contains(e.rate_date):
            by_donor[e.donor or ""].append(e)
    rows, missing, used = [], {}, {}
    total = ZERO
    for donor in sorted(by_donor, key=str.casefold):
        paid = by_donor[donor]
        known = national_currency.get(donor)
        currency = known or paid_most_in(paid, rates)
        amount = usd = ZERO
        paid_in: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for e in paid:
            try:
                rate = rate_of(e.currency, e.rate_date)
                value = e.amount / rate.units_per_usd
                if e.currency == currency:
                    restated = e.amount
                else:
                    national = rate_of(currency, e.rate_date)
                    used[(national.currency, national.on, national.source)] = national
                    restated = value * national.units_per_usd
            except RateMissing as error:
                missing.setdefault((error.currency, error.on), error)
                continue
            used[(rate.currency, rate.on, rate.source)] = rate
            amount += restated
            usd += value
            paid_in[e.currency] += e.amount
        total += usd
        rows.append({"donor": donor, "currency": currency, "amount": original_amount(amount, currency), "usd": money(usd),
                     "currency_from": "country" if known else "paid most in",
                     "paid_in": [{"currency": c, "amount": original_amount(a, c)} for c, a in sorted(paid_in.items())]})
    doc: dict[str, Any] = {"year": year, "rates": method, "rows": rows, "total_usd": money(total)}
    if method == "annual-average":
        averages = sorted((r for r in used.values() if r.currency != "USD"), key=lambda r: r.currency)
        doc["average_rates"] = [{"currency": r.currency, "units_per_usd": str(round_half_up(r.units_per_usd, 10)),
                                 "source": r.source} for r in averages]
    doc["missing_rates"] = [{"currency": m.currency, "date": m.on.isoformat(), "message": str(m)}
                            for m in sorted(missing.values(), key=lambda m: (m.currency, m.on))]
    return doc
