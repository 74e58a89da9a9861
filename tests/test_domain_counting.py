"""The counting rules of spec section 6, with hand-computed expectations."""
from datetime import date
from decimal import Decimal

from uxo_swg.domain.conversion import LoadedRates, Rate, RateBook
from uxo_swg.domain.counting import Entry, coverage, funding_gap, match_receipts
from uxo_swg.domain.summary import count
from uxo_swg.domain.periods import parse_period

D = Decimal
RATES = RateBook(LoadedRates([
    Rate(date(2024, 12, 20), "EUR", D("0.8"), "t"),
    Rate(date(2025, 3, 1), "EUR", D("0.9"), "t"),
    Rate(date(2025, 6, 1), "LAK", D("20000"), "t"),
    Rate(date(2025, 9, 1), "JPY", D("150"), "t"),
]))


def e(kind, rid, on, amount, currency="USD", pillar="clearance", **kw):
    return Entry(kind, rid, on, pillar, D(amount), currency, **kw)


def test_multi_year_pledge_counts_per_year_and_in_announcing_period():
    lines = [e("pledge", 1, date(2025, 3, 10), "900", "EUR", year=2025),
             e("pledge", 2, date(2025, 3, 10), "900", "EUR", year=2026)]
    q1 = count(lines, parse_period("2025-Q1"), RATES)
    assert q1.by_pillar["clearance"]["pledged"] == D(1000)          # 900 EUR / 0.9, the 2025 line only
    assert q1.by_pillar["clearance"]["pledged_in_period"] == D(2000)  # both lines announced in Q1
    q3 = count(lines, parse_period("2025-Q3"), RATES)
    assert q3.by_pillar["clearance"]["pledged"] == D(1000)
    assert q3.by_pillar["clearance"]["pledged_in_period"] == 0
    assert count(lines, parse_period("2026"), RATES).total("pledged") == D(1000)


def test_each_amount_at_the_rate_of_its_own_date():
    entries = [e("disbursement", 1, date(2025, 1, 5), "80", "EUR"),   # rate of 2024-12-20: 0.8 -> 100
               e("disbursement", 2, date(2025, 3, 5), "90", "EUR")]   # rate of 2025-03-01: 0.9 -> 100
    figures = count(entries, parse_period("2025-Q1"), RATES)
    assert figures.total("disbursed") == D(200)
    assert [c.conversion.rate_date for c in figures.counted] == [date(2024, 12, 20), date(2025, 3, 1)]


def test_missing_rate_is_listed_not_counted_as_one():
    figures = count([e("disbursement", 1, date(2025, 2, 1), "100", "NOK")], parse_period("2025-Q1"), RATES)
    assert figures.total("disbursed") == 0
    assert len(figures.missing_rates) == 1 and figures.missing_rates[0].currency == "NOK"


def test_periods_at_year_boundaries():
    entries = [e("commitment", 1, date(2024, 12, 31), "10"), e("commitment", 2, date(2025, 1, 1), "20")]
    assert count(entries, parse_period("2024-Q4"), RATES).total("committed") == D(10)
    assert count(entries, parse_period("2025-H1"), RATES).total("committed") == D(20)


def test_national_contribution_on_its_own_line():
    entries = [e("disbursement", 1, date(2025, 7, 1), "40000000", "LAK", national=True),
               e("disbursement", 2, date(2025, 7, 1), "500", donor="Japan")]
    figures = count(entries, parse_period("2025-Q3"), RATES)
    assert figures.national["disbursed"] == D(2000)
    assert figures.total("disbursed") == D(500)


def test_unallocated_pillar_counts_in_totals():
    entries = [e("pledge", 1, date(2025, 9, 2), "300000", "JPY", pillar="unallocated", year=2025),
               e("pledge", 2, date(2025, 9, 2), "1000", year=2025)]
    figures = count(entries, parse_period("2025"), RATES)
    assert figures.by_pillar["unallocated"]["pledged"] == D(2000)
    assert figures.total("pledged") == D(3000)


def test_coverage_and_gap():
    entries = [e("requirement", 1, date(2025, 1, 1), "4000"), e("pledge", 2, date(2025, 1, 1), "5000", year=2025),
               e("disbursement", 3, date(2025, 5, 1), "1000")]
    figures = count(entries, parse_period("2025-H1"), RATES)
    assert figures.coverage() == D("0.25")
    assert figures.gap() == 0  # over-pledged: never below zero
    assert funding_gap(D(10), D(4)) == D(6)
    assert coverage(D(1), D(0)) is None


def test_receipt_matches_donor_side_by_ref_donor_and_recipient_or_via():
    disb = e("disbursement", 10, date(2025, 4, 1), "100", donor="US", recipient="UXO Lao", via="UNDP Trust Fund", agreement_ref="AG-1")
    same = e("receipt", 1, date(2025, 4, 5), "98", donor="US", recipient="UXO Lao", agreement_ref="AG-1")
    via_only = e("receipt", 2, date(2025, 4, 5), "100", donor="US", recipient="Other", via="UNDP Trust Fund", agreement_ref="AG-1")
    other_ref = e("receipt", 3, date(2025, 4, 5), "100", donor="US", recipient="UXO Lao", agreement_ref="AG-2")
    other_donor = e("receipt", 4, date(2025, 4, 5), "100", donor="Japan", recipient="UXO Lao", agreement_ref="AG-1")
    pairs, unmatched = match_receipts([same, other_ref, other_donor], [disb])
    assert pairs == [(same, disb)]
    assert unmatched == [other_ref, other_donor]
    pairs, _ = match_receipts([via_only], [disb])
    assert pairs == [(via_only, disb)]
    # one disbursement matches one receipt only
    pairs, unmatched = match_receipts([same, via_only], [disb])
    assert len(pairs) == 1 and len(unmatched) == 1


def test_unmatched_receipt_counts_as_disbursed():
    disb = e("disbursement", 10, date(2025, 4, 1), "100", donor="US", recipient="UXO Lao", agreement_ref="AG-1")
    matched = e("receipt", 1, date(2025, 4, 5), "98", donor="US", recipient="UXO Lao", agreement_ref="AG-1")
    lone = e("receipt", 2, date(2025, 5, 5), "50", donor="US", recipient="UXO Lao")
    _, unmatched = match_receipts([matched, lone], [disb])
    figures = count([disb, *unmatched], parse_period("2025-Q2"), RATES)
    assert figures.total("disbursed") == D(150)  # the pair once, at the donor-side amount


def test_sums_unrounded_then_rounded_once():
    rates = RateBook(LoadedRates([Rate(date(2025, 1, 1), "EUR", D(3), "t")]))
    entries = [e("disbursement", i, date(2025, 1, 2), "1", "EUR") for i in range(3)]
    assert count(entries, parse_period("2025-Q1"), rates).total("disbursed").quantize(D("0.01")) == D("1.00")
