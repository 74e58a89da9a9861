from datetime import date
from decimal import Decimal

import pytest

from uxo_swg.domain.conversion import LoadedRates, Rate, RateBook, RateMissing


def rate(on, currency, units, source="loaded"):
    return Rate(on, currency, Decimal(units), source)


class FakeBuiltin:
    """A built-in source with a fixed set of rates (the ECB adapter is tested separately)."""

    def __init__(self, *rates):
        self.rates = LoadedRates(rates)

    def latest(self, currency, on, not_before):
        return self.rates.latest(currency, on, not_before)


def test_latest_rate_on_or_before_the_date():
    book = RateBook(LoadedRates([rate(date(2025, 1, 31), "LAK", "21500"), rate(date(2025, 2, 28), "LAK", "21700")]))
    conv = book.to_usd(Decimal("21700000"), "LAK", date(2025, 3, 15))
    assert conv.rate == Decimal("21700") and conv.rate_date == date(2025, 2, 28)
    assert conv.usd == Decimal(1000)
    assert conv.source == "loaded"
    # on the very day of a rate, that rate applies
    assert book.to_usd(Decimal("21500"), "LAK", date(2025, 1, 31)).usd == Decimal(1)


def test_month_end_and_leap_day():
    book = RateBook(LoadedRates([rate(date(2024, 2, 29), "LAK", "20800")]))
    assert book.rate("LAK", date(2024, 3, 31)).on == date(2024, 2, 29)  # 31 days later: still valid
    with pytest.raises(RateMissing):
        book.rate("LAK", date(2024, 4, 1))  # 32 days later: too old


def test_missing_rate_names_currency_and_date_never_one():
    book = RateBook(LoadedRates([rate(date(2025, 1, 1), "LAK", "21000")]))
    with pytest.raises(RateMissing) as missing:
        book.to_usd(Decimal(5), "NOK", date(2025, 6, 30))
    assert "NOK" in str(missing.value) and "2025-06-30" in str(missing.value)
    with pytest.raises(RateMissing, match="LAK.*2024-12-31"):
        book.to_usd(Decimal(5), "LAK", date(2024, 12, 31))  # only a later rate exists


def test_loaded_rate_within_31_days_wins_over_newer_builtin():
    loaded = LoadedRates([rate(date(2025, 3, 1), "EUR", "0.95", "UN operational rate")])
    builtin = FakeBuiltin(rate(date(2025, 3, 20), "EUR", "0.92", "ECB"))
    book = RateBook(loaded, builtin)
    assert book.rate("EUR", date(2025, 3, 21)).source == "UN operational rate"
    # once the loaded rate is older than 31 days, the built-in one serves
    assert book.rate("EUR", date(2025, 4, 5)).source == "ECB"


def test_jpy_and_krw_convert_exactly():
    book = RateBook(LoadedRates([rate(date(2025, 1, 2), "JPY", "157.2"), rate(date(2025, 1, 2), "KRW", "1472.5")]))
    assert book.to_usd(Decimal(157200000), "JPY", date(2025, 1, 3)).usd == Decimal(1000000)
    assert book.to_usd(Decimal(2945000000), "KRW", date(2025, 1, 2)).usd == Decimal(2000000)


def test_usd_needs_no_rate():
    conv = RateBook(LoadedRates()).to_usd(Decimal("12.34"), "usd", date(2025, 1, 1))
    assert conv.usd == Decimal("12.34") and conv.rate == 1


def test_a_currency_is_steady_by_month_only_when_one_loaded_rate_covers_each_whole_month():
    monthly = [rate(date(2025, m, 1), "LAK", str(21000 + m)) for m in range(1, 7)]
    book = RateBook(LoadedRates(monthly + [rate(date(2025, 3, 17), "THB", "35"), rate(date(2025, 1, 1), "EUR", "0.9")]))
    assert book.steady_by_month("LAK", date(2025, 1, 1), date(2025, 6, 30))
    assert book.steady_by_month("usd", date(2020, 1, 1), date(2025, 6, 30))  # no rate needed
    # A month before the first rate, or after the last one grows older than 31 days at the month's end.
    assert not book.steady_by_month("LAK", date(2024, 12, 1), date(2025, 6, 30))
    assert not book.steady_by_month("LAK", date(2025, 6, 1), date(2025, 7, 31))
    # A new rate in the middle of March: two rates in one month.
    assert not book.steady_by_month("THB", date(2025, 3, 1), date(2025, 3, 31))
    # 17 March + 31 days covers 1-17 April only: from the 18th no rate, so April is not steady either.
    assert not book.steady_by_month("THB", date(2025, 4, 1), date(2025, 4, 30))
    # A rate dated 1 January lasts until 1 February: January only (31 days).
    assert book.steady_by_month("EUR", date(2025, 1, 1), date(2025, 1, 31))
    assert not book.steady_by_month("EUR", date(2025, 1, 1), date(2025, 2, 28))
    assert not book.steady_by_month("CHF", date(2025, 1, 1), date(2025, 1, 31))  # built-in rates change daily
    assert book.steady_currencies(date(2025, 1, 1), date(2025, 6, 30)) == {"USD", "LAK"}
