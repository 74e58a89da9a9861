"""Conversion to US dollars by the counting rule: the latest rate on or before the date."""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable, Protocol

#: A rate older than this many days before the date is no rate at all.
MAX_RATE_AGE_DAYS = 31


class RateMissing(LookupError):
    """No usable rate for a currency on a date."""

    def __init__(self, currency: str, on: date):
        self.currency = currency
        self.on = on
        # Said where it is read: the command line adds how to load one there, a page links to where it is done.
        super().__init__(f"no {currency} exchange rate on or in the {MAX_RATE_AGE_DAYS} days before {on.isoformat()}")


class NoRateInYear(RateMissing):
    """No rate on record for a currency in a whole year (an annual average cannot be taken)."""

    def __init__(self, currency: str, year: int):
        message = f"no {currency} exchange rate on record in {year}: load some with `uxo-swg import-rates`"
        LookupError.__init__(self, message)
        self.currency = currency
        self.on = date(year, 12, 31)
        self.year = year


@dataclass(frozen=True)
class Rate:
    """Units of a currency per US dollar on a date, and where that figure comes from."""

    on: date
    currency: str
    units_per_usd: Decimal
    source: str


@dataclass(frozen=True)
class Conversion:
    """An amount converted to USD, with the rate, its date and its source."""

    amount: Decimal
    currency: str
    usd: Decimal
    rate: Decimal
    rate_date: date
    source: str


class RateSource(Protocol):
    """Anything that can tell the latest rate of a currency on or before a date."""

    def latest(self, currency: str, on: date, not_before: date) -> Rate | None:
        """Return the latest rate in [not_before, on], or None."""


class LoadedRates:
    """Rates loaded from files, kept sorted by date per currency."""

    def __init__(self, rates: Iterable[Rate] = ()):
        self._dates: dict[str, list[date]] = {}
        self._rates: dict[str, list[Rate]] = {}
        for rate in sorted(rates, key=lambda r: (r.currency, r.on)):
            self._dates.setdefault(rate.currency, []).append(rate.on)
            self._rates.setdefault(rate.currency, []).append(rate)

    def latest(self, currency: str, on: date, not_before: date) -> Rate | None:
        """Return the latest loaded rate in [not_before, on], or None."""
        dates = self._dates.get(currency)
        if not dates:
            return None
        i = bisect.bisect_right(dates, on)
        if i == 0:
            return None
        rate = self._rates[currency][i - 1]
        return rate if rate.on >= not_before else None

    def between(self, currency: str, first: date, last: date) -> list[Rate]:
        """Return the loaded rates of the currency dated from `first` to `last`, oldest first."""
        dates = self._dates.get(currency, [])
        return self._rates.get(currency, [])[bisect.bisect_left(dates, first):bisect.bisect_right(dates, last)]

    def currencies(self) -> set[str]:
        """Return the currencies that have loaded rates."""
        return set(self._dates)

    def steady_by_month(self, currency: str, first: date, last: date) -> bool:
        """Return whether each month from `first` to `last` has one loaded rate for all its days."""
        dates = self._dates.get(currency)
        if not dates:
            return False
        month = date(first.year, first.month, 1)
        while month <= last:
            following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
            i = bisect.bisect_right(dates, month)
            if i == 0 or (following - dates[i - 1]).days - 1 > MAX_RATE_AGE_DAYS:
                return False  # no rate on the first day, or it grows too old before the month ends
            if i < len(dates) and dates[i] < following:
                return False  # a new rate during the month
            month = following
        return True


class RateBook:
    """Converts amounts to USD: loaded rates first, built-in reference rates after."""

    def __init__(self, loaded: RateSource, builtin: RateSource | None = None):
        self.loaded = loaded
        self.builtin = builtin
        self._cache: dict[tuple[str, date], Rate] = {}

    def rate(self, currency: str, on: date) -> Rate:
        """Return the rate that applies to the currency on the date, or raise RateMissing."""
        found = self._cache.get((currency, on))
        if found is not None:
            return found
        code = currency.upper()
        if code == "USD":
            found = Rate(on, "USD", Decimal(1), "identity")
        else:
            not_before = on - timedelta(days=MAX_RATE_AGE_DAYS)
            found = self.loaded.latest(code, on, not_before)
            if found is None and self.builtin is not None:
                found = self.builtin.latest(code, on, not_before)
            if found is None:
                raise RateMissing(code, on)
        self._cache[(currency, on)] = found
        return found

    def steady_by_month(self, currency: str, first: date, last: date) -> bool:
        """Return whether, in every month from `first` to `last`, one loaded rate applies to every day.

        Amounts of such a currency can be summed per month before they are converted: a
        month lies within one quarter, half and year, and its days share one rate.
        """
        code = currency.upper()
        if code == "USD":
            return True
        return isinstance(self.loaded, LoadedRates) and self.loaded.steady_by_month(code, first, last)

    def steady_currencies(self, first: date, last: date) -> set[str]:
        """Return USD and the loaded currencies whose rate holds for whole months from `first` to `last`."""
        codes = self.loaded.currencies() if isinstance(self.loaded, LoadedRates) else set()
        return {"USD"} | {c for c in codes if self.steady_by_month(c, first, last)}

    def rates_in_year(self, currency: str, year: int) -> list[Rate]:
        """Return the currency's rates on record in the year: the loaded ones, or where none is loaded the built-in ones."""
        code, first, last = currency.upper(), date(year, 1, 1), date(year, 12, 31)
        between = getattr(self.loaded, "between", None)
        found = between(code, first, last) if between else []
        if not found and self.builtin is not None and hasattr(self.builtin, "between"):
            found = self.builtin.between(code, first, last)
        return list(found)

    def annual_average(self, currency: str, year: int) -> Rate:
        """Return the mean of the currency's rates on record in the year (units per USD), or raise NoRateInYear.

        Loaded rates first, as in rule 1: where the currency has loaded rates in the year,
        only those are averaged; otherwise the built-in reference rates of the year are.
        """
        code = currency.upper()
        if code == "USD":
            return Rate(date(year, 12, 31), "USD", Decimal(1), "identity")
        found = self.rates_in_year(code, year)
        if not found:
            raise NoRateInYear(code, year)
        mean = sum((r.units_per_usd for r in found), Decimal(0)) / len(found)
        sources = sorted({r.source for r in found})
        return Rate(date(year, 12, 31), code, mean, f"mean of {len(found)} rate(s) of {year} ({'; '.join(sources)})")

    def to_usd(self, amount: Decimal, currency: str, on: date) -> Conversion:
        """Return the amount converted to USD at the rate of its date (unrounded)."""
        rate = self.rate(currency, on)
        return Conversion(
            amount=amount,
            currency=currency.upper(),
            usd=amount / rate.units_per_usd,
            rate=rate.units_per_usd,
            rate_date=rate.on,
            source=rate.source,
        )
