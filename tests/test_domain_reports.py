"""The reports' pure rules: fiscal years, what left a donor, annual average rates, the Monitor's currency."""
from datetime import date
from decimal import Decimal

import pytest

from uxo_swg.domain.article7 import article7
from uxo_swg.domain.conversion import LoadedRates, NoRateInYear, Rate, RateBook
from uxo_swg.domain.counting import Entry, left_the_donor, national_money
from uxo_swg.domain.donor_years import fiscal_year, left_in_spans
from uxo_swg.domain.monitor import monitor, rate_finder

D = Decimal


class Builtin:
    """A stand-in for the ECB table: one EUR rate a month in 2025."""

    def __init__(self, rates):
        self.rates = LoadedRates(rates)

    def latest(self, currency, on, not_before):
        return self.rates.latest(currency, on, not_before)

    def between(self, currency, first, last):
        return self.rates.between(currency, first, last)


def paid(donor, on, amount, currency="USD", **kw):
    return Entry("disbursement", 0, on, kw.pop("pillar", "clearance"), D(amount), currency, donor=donor, **kw)


@pytest.mark.parametrize("start, first, last", [
    (4, date(2025, 4, 1), date(2026, 3, 31)), (10, date(2025, 10, 1), date(2026, 9, 30)),
    (1, date(2025, 1, 1), date(2025, 12, 31)), (None, date(2025, 1, 1), date(2025, 12, 31)),
    (7, date(2025, 7, 1), date(2026, 6, 30))])
def test_a_fiscal_year_starts_in_the_calendar_year(start, first, last):
    assert fiscal_year(2025, start) == (first, last)


def test_what_left_a_donor_is_never_a_funds_allocation_nor_the_governments_money():
    assert left_the_donor(paid("Japan", date(2025, 1, 1), 1))
    assert left_the_donor(paid("Japan", date(2025, 1, 1), 1, flow="contribution", fund="TF"))
    assert not left_the_donor(paid("TF", date(2025, 1, 1), 1, flow="allocation", fund="TF"))
    assert not left_the_donor(paid("GoL", date(2025, 1, 1), 1, national=True))
    assert national_money(paid("GoL", date(2025, 1, 1), 1, national=True, flow="contribution", fund="TF"))
    assert not left_the_donor(Entry("pledge", 0, date(2025, 1, 1), "va", D(1), "USD", donor="Japan"))
    spans = {"Japan": fiscal_year(2025, 4)}
    left, missing = left_in_spans([paid("Japan", date(2025, 3, 31), 5), paid("Japan", date(2025, 4, 1), 7),
                                   paid("Japan", date(2026, 3, 31), 11), paid("Japan", date(2026, 4, 1), 13),
                                   paid("Japan", date(2025, 6, 1), 1, currency="XXX")], spans, RateBook(LoadedRates()))
    assert left == {"Japan": D(18)} and [(m.currency, m.on) for m in missing] == [("XXX", date(2025, 6, 1))]


def test_annual_average_takes_loaded_rates_first_then_the_builtin_ones():
    loaded = LoadedRates([Rate(date(2025, 3, 1), "JPY", D(150), "un"), Rate(date(2025, 9, 1), "JPY", D(141), "un"),
                          Rate(date(2024, 12, 1), "JPY", D(999), "un"), Rate(date(2026, 1, 1), "JPY", D(999), "un")])
    builtin = Builtin([Rate(date(2025, m, 2), "EUR", D("0.8") + D(m) / 100, "ecb") for m in range(1, 13)]
                      + [Rate(date(2025, 5, 2), "JPY", D(1), "ecb")])
    book = RateBook(loaded, builtin)
    assert book.annual_average("JPY", 2025).units_per_usd == D("145.5")  # the ECB's JPY is not averaged in
    assert book.annual_average("EUR", 2025).units_per_usd == D("0.865")  # 0.80 + (0.01 + ... + 0.12) / 12
    assert book.annual_average("USD", 2025).units_per_usd == 1
    with pytest.raises(NoRateInYear, match="no GBP exchange rate on record in 2025"):
        book.annual_average("GBP", 2025)
    assert rate_finder(book, 2025, "value-date")("JPY", date(2025, 9, 3)).units_per_usd == 141
    with pytest.raises(ValueError, match="unknown rates"):
        rate_finder(book, 2025, "monthly")


def test_monitor_restates_other_currencies_in_the_national_one_and_picks_the_largest_without_a_country():
    book = RateBook(LoadedRates([Rate(date(2025, 6, 1), "EUR", D("0.9"), "t"), Rate(date(2025, 6, 1), "NOK", D(10), "t")]))
    entries = [paid("Norway", date(2025, 6, 5), 9, "EUR"), paid("Norway", date(2025, 6, 5), 100, "NOK"),
               paid("EU", date(2025, 6, 5), 90, "EUR"), paid("EU", date(2025, 6, 5), 100, "NOK"),
               paid("Japan", date(2024, 12, 31), 5)]  # not of 2025
    doc = monitor(2025, entries, book, {"Norway": "NOK", "EU": None})
    assert [(r["donor"], r["currency"], r["amount"], r["usd"], r["currency_from"]) for r in doc["rows"]] == [
        ("EU", "EUR", "99.00", "110.00", "paid most in"),  # EUR 90 (100 USD) beats NOK 100 (10 USD); NOK 100 = EUR 9
        ("Norway", "NOK", "200.00", "20.00", "country")]  # EUR 9 = 10 USD = NOK 100
    assert doc["total_usd"] == "130.00" and "average_rates" not in doc


def test_article7_keeps_in_kind_apart_and_never_counts_a_fund_as_donor():
    book = RateBook(LoadedRates())
    entries = [paid("Japan", date(2025, 2, 1), 10, in_kind=True, pillar="va"), paid("Japan", date(2025, 2, 1), 5),
               paid("TF", date(2025, 2, 1), 7, flow="allocation", fund="TF"),
               paid("Japan", date(2025, 2, 1), 3, flow="contribution", fund="TF"),
               paid("GoL", date(2025, 2, 1), 4, national=True, in_kind=True)]
    doc = article7(2025, entries, book, {"Japan": True})
    assert [(r["donor"], r["support"], r["usd"], r["pillars"]["va"]) for r in doc["international"]] == [
        ("Japan", "cash", "8.00", "0.00"), ("Japan", "in-kind", "10.00", "10.00")]
    assert doc["national"] == [{"pillar": "clearance", "currency": "USD", "support": "in-kind", "amount": "4.00", "usd": "4.00"}]
    assert (doc["totals"]["in_kind_usd"], doc["totals"]["international_in_kind_usd"]) == ("14.00", "10.00")
