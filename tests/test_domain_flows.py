"""Rules 4, 6, 7, 11 and 12 on small worked examples counted by hand (pure domain, no database)."""
from datetime import date
from decimal import Decimal

from uxo_swg.domain.agreements import Agreement, Change, Line, Paid, deltas
from uxo_swg.domain.conversion import LoadedRates, Rate, RateBook
from uxo_swg.domain.counting import Entry
from uxo_swg.domain.funds import Movement, balances
from uxo_swg.domain.periods import parse_period
from uxo_swg.domain.summary import PledgeEntry, cliff, compute, document, pipeline

D = Decimal
RATES = RateBook(LoadedRates([
    Rate(date(2024, 1, 1), "EUR", D("0.8"), "t"), Rate(date(2025, 6, 1), "EUR", D("0.9"), "t"),
    Rate(date(2025, 1, 1), "AUD", D("1.5"), "t"), Rate(date(2025, 3, 1), "AUD", D("1.6"), "t"),
    Rate(date(2025, 9, 1), "AUD", D("1.4"), "t"), Rate(date(2025, 12, 1), "AUD", D("1.25"), "t"),
    Rate(date(2025, 12, 1), "EUR", D("0.8"), "t"),
]))


def e(kind, rid, on, amount, currency="USD", pillar="clearance", **kw):
    return Entry(kind, rid, on, pillar, D(amount), currency, **kw)


def doc(kind, period, entries, pillar=None, balances=None):
    p = parse_period(period)
    return document(kind, p, compute(kind, p, entries, RATES, pillar=pillar), pillar=pillar, balances=balances)


# --- rule 11: pooled funds ---------------------------------------------------------------

def fund_example():
    """US pays 1,000 into the Trust Fund, Japan 500 into it and 200 to HALO directly; the fund allocates 600 to UXO Lao."""
    return [
        e("disbursement", 1, date(2025, 7, 1), "1000", donor="US", recipient="Fund", flow="contribution", fund="Fund",
          pillar="unallocated"),
        e("disbursement", 2, date(2025, 7, 2), "500", donor="Japan", recipient="Fund", flow="contribution", fund="Fund",
          pillar="unallocated"),
        e("disbursement", 3, date(2025, 7, 3), "200", donor="Japan", recipient="HALO", province="LA-XI"),
        e("disbursement", 4, date(2025, 8, 1), "600", donor="Fund", recipient="UXO Lao", flow="allocation", fund="Fund",
          province="LA-SV"),
        # UXO Lao also reports 300 from the fund that the fund's records do not show: an allocation on its word.
        e("receipt", 5, date(2025, 8, 20), "300", donor="Fund", recipient="UXO Lao", flow="allocation", fund="Fund",
          pillar="re"),
    ]


def test_a_contribution_and_its_allocation_are_counted_once():
    entries = fund_example()
    d = doc("swg", "2025-H2", entries)
    assert d["totals"]["disbursed"] == "1100.00"  # 200 direct + 600 + 300 allocated; the 1,500 paid in is not counted again
    assert {p["pillar"]: p["disbursed"] for p in d["pillars"]}["unallocated"] == "0.00"
    donors = {r["donor"]: r for r in d["donors"]}
    assert set(donors) == {"US", "Japan"}  # the fund is never a donor row
    assert donors["US"]["disbursed"] == "1000.00" and donors["US"]["via_pooled_funds"] == "1000.00"
    assert donors["Japan"]["disbursed"] == "700.00" and donors["Japan"]["via_pooled_funds"] == "500.00"
    assert {o["operator"] for o in d["operators"]} == {"HALO", "UXO Lao"}  # nor an operator row
    assert {p["province"]: p["disbursed"] for p in d["provinces"]} == {"LA-XI": "200.00", "LA-SV": "600.00",
                                                                        "national": "300.00"}
    [fund] = d["pooled_funds"]
    assert fund["received"] == "1500.00" and fund["allocated"] == "900.00"
    assert fund["received_by_donor"] == [{"donor": "Japan", "amount": "500.00"}, {"donor": "US", "amount": "1000.00"}]
    assert fund["allocated_by_pillar"] == [{"pillar": "clearance", "amount": "600.00"}, {"pillar": "re", "amount": "300.00"}]
    assert fund["allocated_by_recipient"] == [{"recipient": "UXO Lao", "amount": "900.00"}]
    # the identity of rule 11
    donors_sum = sum(D(r["disbursed"]) for r in d["donors"])
    assert donors_sum - D(fund["received"]) + D(fund["allocated"]) == D(d["totals"]["disbursed"])
    assert [t["disbursed"] for t in d["trend"]][-1] == "1100.00"


def test_fund_pledges_and_agreements_are_shown_under_the_fund_not_counted_again():
    entries = [
        PledgeEntry("pledge", 1, date(2025, 2, 1), "unallocated", D(1000), "USD", donor="US", recipient="Fund", year=2025),
        e("commitment", 2, date(2025, 2, 2), "1000", donor="US", recipient="Fund", pillar="unallocated"),
        e("commitment", 3, date(2025, 3, 1), "800", donor="Fund", recipient="UXO Lao", flow="allocation", fund="Fund"),
        e("commitment_year", 3, date(2025, 3, 1), "800", donor="Fund", recipient="UXO Lao", flow="allocation", fund="Fund",
          year=2025),
    ]
    d = doc("swg", "2025-H1", entries)
    assert d["totals"]["pledged"] == "1000.00" and d["totals"]["committed"] == "1000.00"
    assert d["totals"]["committed_for_year"] == "0.00"
    assert d["pooled_funds"][0]["committed"] == "800.00"
    assert [r["donor"] for r in d["donors"]] == ["US"]


def test_a_funds_balance_in_two_currencies_at_the_rate_of_the_last_day():
    held, missing = balances([Movement("Fund", "USD", D(1000)), Movement("Fund", "EUR", D(900)),
                              Movement("Fund", "USD", D(-600)), Movement("Fund", "EUR", D(-100))], date(2025, 12, 31), RATES)
    assert missing == []
    assert held["Fund"]["by_currency"] == {"USD": D(400), "EUR": D(800)}
    assert held["Fund"]["usd"] == D(400) + D(800) / D("0.8")  # 1,400.00: EUR at the rate of 2025-12-01
    d = doc("swg", "2025-H2", [], balances=held)
    assert d["pooled_funds"][0]["balance"] == "1400.00"
    assert d["pooled_funds"][0]["balance_by_currency"] == [{"currency": "EUR", "amount": "800"},
                                                           {"currency": "USD", "amount": "400"}]


def test_in_kind_support_counts_like_cash_and_is_shown_apart():
    entries = [e("disbursement", 1, date(2025, 7, 1), "100", donor="Japan", recipient="HALO", in_kind=True),
               e("disbursement", 2, date(2025, 7, 1), "50", donor="Japan", recipient="HALO")]
    donor = doc("swg", "2025-H2", entries)["donors"][0]
    assert (donor["disbursed"], donor["in_kind"]) == ("150.00", "100.00")


# --- rule 4: agreements that change -----------------------------------------------------

def test_increase_decrease_and_termination_in_later_quarters_leave_earlier_quarters_unchanged():
    lines = [Line(1, 2025, "clearance", D(1000))]
    changes = [Change(date(2025, 5, 1), "increase", 2025, "clearance", D(300), ident=10),
               Change(date(2025, 8, 1), "decrease", 2025, "clearance", D(100), ident=11),
               Change(date(2025, 11, 1), "terminate", 2025, None, None, ident=12)]
    paid = [Paid(date(2025, 4, 1), "clearance", D(250), "USD"), Paid(date(2025, 10, 1), "clearance", D(350), "USD"),
            Paid(date(2025, 12, 1), "clearance", D(99), "USD")]  # after the termination: not taken into account
    found = deltas(lines, changes, paid, "USD")
    # termination: 1,000 + 300 - 100 = 1,200 current, 600 disbursed by 2025-11-01: 600 is taken off
    assert [(d.record_id, d.amount) for d in found] == [(10, D(300)), (11, D(-100)), (12, D(-600))]
    a = Agreement(1, "AG", None, "US", "HALO", date(2025, 2, 1), date(2025, 2, 1), date(2026, 12, 31), "USD",
                  tuple(lines), tuple(found), tuple(changes))
    entries = []
    for d in found:
        entries.append(e("amendment", d.record_id, d.on, str(d.amount), donor="US", year=d.year))
        entries.append(e("amendment_year", d.record_id, d.on, str(d.amount), donor="US", year=d.year))
    entries += [e("commitment", 1, a.signed_on, "1000", donor="US", year=2025),
                e("commitment_year", 1, a.signed_on, "1000", donor="US", year=2025)]
    by_quarter = {q: doc("twg", q, entries, pillar="clearance")["totals"] for q in ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")}
    assert [by_quarter[q]["committed"] for q in by_quarter] == ["1000.00", "300.00", "-100.00", "-600.00"]
    assert [by_quarter[q]["committed_for_year"] for q in by_quarter] == ["1000.00", "1300.00", "1200.00", "600.00"]
    assert a.amounts_on(date(2025, 6, 30)) == {(2025, "clearance"): D(1300)}
    assert a.end_on_day(date(2025, 10, 31)) == date(2026, 12, 31)
    assert a.end_on_day(date(2025, 12, 31)) == date(2025, 11, 1)


def test_a_two_year_agreement_counts_each_line_for_its_year_and_all_when_signed():
    entries = [e("commitment", 1, date(2025, 3, 1), "600", year=2025), e("commitment", 2, date(2025, 3, 1), "400", year=2026),
               e("commitment_year", 1, date(2025, 3, 1), "600", year=2025),
               e("commitment_year", 2, date(2025, 3, 1), "400", year=2026)]
    assert doc("swg", "2025-H1", entries)["totals"]["committed"] == "1000.00"
    assert doc("swg", "2025-H1", entries)["totals"]["committed_for_year"] == "600.00"
    assert doc("swg", "2026-H1", entries)["totals"]["committed_for_year"] == "400.00"
    assert doc("swg", "2026-H1", entries)["totals"]["committed"] == "0.00"


def test_the_pipeline_compares_a_pledge_and_its_agreement_in_their_own_currency():
    # AUD 1.5M pledged on 2025-01-10 (1.5 AUD/USD) and agreed on 2025-03-10 (1.6): nothing is left, not US$62,500.
    pledge = PledgeEntry("pledge", 7, date(2025, 1, 10), "clearance", D(1_500_000), "AUD", donor="Australia", year=2025,
                         pledge_ref="PL-AU")
    agreement = Agreement(1, "AG-AU", 70, "Australia", "HALO", date(2025, 3, 10), date(2025, 3, 10), date(2026, 3, 9), "AUD",
                          (Line(1, 2025, "clearance", D(1_500_000)),))
    assert pipeline([pledge], [agreement], parse_period("2025-H1"), RATES, {7: 70}) == []
    # a decrease of AUD 300,000 leaves that much uncommitted: 300,000 / 1.5 = US$200,000 at the pledge's rate
    cut = Change(date(2025, 4, 1), "decrease", 2025, "clearance", D(300_000), ident=5)
    reduced = Agreement(1, "AG-AU", 70, "Australia", "HALO", date(2025, 3, 10), date(2025, 3, 10), date(2026, 3, 9), "AUD",
                        agreement.lines, tuple(deltas(agreement.lines, [cut], [], "AUD")), (cut,))
    [row] = pipeline([pledge], [reduced], parse_period("2025-H1"), RATES, {7: 70})
    assert (row["pledged"], row["not_committed"]) == ("1000000.00", "200000.00")
    # the funding cliff uses current amounts and end dates
    [edge] = cliff([reduced], parse_period("2025-H1"), RATES)
    assert (edge["amount"], edge["ends_on"]) == ("1200000", "2026-03-09")
    ended = Agreement(1, "AG-AU", 70, "Australia", "HALO", date(2025, 3, 10), date(2025, 3, 10), date(2026, 3, 9), "AUD",
                      agreement.lines, (), (Change(date(2025, 5, 1), "increase", 2025, "clearance", D(0),
                                                   new_end=date(2025, 6, 1), ident=6),))
    assert cliff([ended], parse_period("2025-H1"), RATES) == []


# --- rules 6 and 7: the whole plan --------------------------------------------------------

def test_coverage_gap_and_unmet_count_national_money():
    entries = [e("requirement", 1, date(2025, 1, 1), "10000"),
               PledgeEntry("pledge", 2, date(2025, 1, 5), "clearance", D(4000), "USD", donor="Japan", year=2025),
               PledgeEntry("pledge", 3, date(2025, 1, 6), "clearance", D(2000), "USD", donor="Gov", national=True, year=2025),
               e("commitment_year", 4, date(2025, 2, 1), "3000", donor="Japan", year=2025),
               e("commitment_year", 5, date(2025, 2, 1), "1000", donor="Gov", national=True, year=2025),
               e("disbursement", 6, date(2025, 3, 1), "1500", donor="Japan", recipient="HALO"),
               e("disbursement", 7, date(2025, 3, 1), "500", donor="Gov", recipient="UXO Lao", national=True),
               e("expenditure", 8, date(2025, 1, 1), "700", recipient="UXO Lao", national=True),
               e("expenditure", 9, date(2025, 1, 1), "900", recipient="HALO")]
    d = doc("twg", "2025-Q1", entries, pillar="clearance")
    t, row = d["totals"], d["pillars"][0]
    for figures in (t, row):
        assert figures["coverage"] == "0.2000"          # (1,500 + 500) / 10,000
        assert figures["pledge_coverage"] == "0.6000"   # (4,000 + 2,000) / 10,000
        assert figures["gap"] == "4000.00"              # 10,000 - 4,000 - 2,000
        assert figures["unmet"] == "6000.00"            # 10,000 - 3,000 - 1,000
    assert t["spent"] == "900.00" and d["national"]["spent"] == "700.00"  # government-funded spending: the national line
    assert t["disbursed"] == "1500.00" and d["national"]["disbursed"] == "500.00"
