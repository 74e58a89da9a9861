"""Every counting rule of spec section 6 through the summary, with hand-computed expectations."""
from datetime import date
from decimal import Decimal

from uxo_swg.domain.conversion import LoadedRates, Rate, RateBook
from uxo_swg.domain.counting import Entry, match_receipts
from uxo_swg.domain.periods import parse_period
from uxo_swg.domain.summary import PledgeEntry, compute, differences, document

D = Decimal
RATES = RateBook(LoadedRates([
    Rate(date(2024, 12, 1), "EUR", D("0.5"), "t"),
    Rate(date(2025, 6, 30), "EUR", D("0.8"), "t"),
    Rate(date(2025, 8, 1), "EUR", D("0.9"), "t"),
    Rate(date(2025, 7, 1), "JPY", D("150"), "t"),
    Rate(date(2025, 7, 1), "LAK", D("20000"), "t"),
]))


def flow(kind, rid, on, amount, currency="USD", pillar="clearance", **kw):
    return Entry(kind, rid, on, pillar, D(amount), currency, **kw)


def scenario():
    """The records of the worked example; receipts matched as the loader does."""
    pledges = [
        # Ireland: one multi-year, CCM-specific pledge in EUR announced 2025-08-10 (rate 0.9 of 2025-08-01).
        PledgeEntry("pledge", 1, date(2025, 8, 10), "clearance", D(900), "EUR", donor="Ireland", year=2025,
                    ccm_specific=True, multi_year=True, pledge_ref="PL-IE"),
        PledgeEntry("pledge", 2, date(2025, 8, 10), "clearance", D(1800), "EUR", donor="Ireland", year=2026,
                    ccm_specific=True, multi_year=True, pledge_ref="PL-IE"),
        # United States: for 2025, announced on the last day of 2024 (EUR rate not needed: USD).
        PledgeEntry("pledge", 3, date(2024, 12, 31), "clearance", D(5000), "USD", donor="United States", year=2025,
                    pledge_ref="PL-US"),
        # The national budget: pledged, reported on its own line.
        PledgeEntry("pledge", 4, date(2025, 7, 10), "clearance", D("40000000"), "LAK", donor="Government", year=2025,
                    national=True, pledge_ref="PL-GOL"),
    ]
    disbursements = [
        flow("disbursement", 11, date(2025, 7, 15), "1500000", "JPY", donor="Japan", recipient="HALO", province="LA-SV",
             agreement_ref="AG-J"),
        # Paid to a pass-through channel (a trust fund) for an operator.
        flow("disbursement", 12, date(2025, 9, 30), "2000", donor="United States", recipient="Trust Fund",
             province="LA-XI", agreement_ref="AG-US"),
        flow("disbursement", 13, date(2025, 10, 1), "3000", donor="United States", recipient="Trust Fund",
             agreement_ref="AG-US"),
        flow("disbursement", 14, date(2025, 8, 1), "40000000", "LAK", donor="Government", recipient="UXO Lao", national=True),
        flow("disbursement", 15, date(2025, 8, 1), "100", "KHR", donor="Cambodia", recipient="HALO"),
        flow("disbursement", 16, date(2025, 2, 1), "300", donor="United States", recipient="UXO Lao", province="LA-XI"),
        flow("disbursement", 17, date(2025, 8, 5), "4000", pillar="unallocated", donor="Korea", recipient="UXO Lao"),
    ]
    receipts = [
        # Matches 11 (same ref, donor, operator as recipient) with a different amount: counted once, at 11's.
        flow("receipt", 21, date(2025, 7, 20), "1450000", "JPY", donor="Japan", recipient="HALO", agreement_ref="AG-J"),
        # The operator names the channel as Via: matches 12.
        flow("receipt", 22, date(2025, 9, 5), "2000", donor="United States", recipient="UXO Lao", via="Trust Fund",
             agreement_ref="AG-US"),
        # No donor-side record: counted as disbursed.
        flow("receipt", 23, date(2025, 8, 20), "700", donor="Norway", recipient="NPA", province="LA-SL"),
        # Same ref but another donor: no match, counted.
        flow("receipt", 24, date(2025, 8, 21), "50", donor="Norway", recipient="HALO", agreement_ref="AG-J"),
    ]
    others = [
        flow("commitment", 31, date(2025, 7, 1), "450", "EUR", donor="Ireland", recipient="HALO"),  # rate 0.8 of 06-30
        flow("expenditure", 41, date(2025, 7, 1), "1200", recipient="HALO", province="LA-SV"),
        flow("expenditure", 42, date(2025, 10, 1), "999", recipient="HALO", province="LA-SV"),
        flow("requirement", 51, date(2025, 1, 1), "20000"),
        flow("requirement", 52, date(2025, 1, 1), "5000", pillar="va"),
    ]
    pairs, unmatched = match_receipts(receipts, disbursements)
    return pledges + disbursements + unmatched + others, pairs


def test_receipts_match_by_ref_donor_and_operator_or_channel():
    _entries, pairs = scenario()
    assert sorted((r.record_id, d.record_id) for r, d in pairs) == [(21, 11), (22, 12)]


def test_twg_quarter_figures_by_hand():
    entries, _ = scenario()
    c = compute("twg", parse_period("2025-Q3"), entries, RATES, pillar="clearance")
    doc = document("twg", parse_period("2025-Q3"), c, pillar="clearance")
    t = doc["totals"]
    assert t["requirement"] == "20000.00"
    assert t["pledged"] == "6000.00"            # 900 EUR / 0.9 + 5,000 USD (the 2026 line is not for 2025)
    assert t["pledged_in_period"] == "3000.00"  # both Irish lines announced in Q3: 2,700 EUR / 0.9
    assert t["committed"] == "562.50"           # 450 EUR / 0.8, the rate of 2025-06-30
    assert t["disbursed"] == "12750.00"         # 1,500,000 JPY / 150 + 2,000 + 700 + 50; receipts 21, 22 matched
    assert t["disbursed_ytd"] == "13050.00"     # + 300 paid in February
    assert t["spent"] == "1200.00"              # the Q4 spend is not in Q3
    assert t["national"] == "2000.00"           # 40,000,000 LAK / 20,000, not in the international total
    assert t["coverage"] == "0.7525"            # (13,050 + 2,000 national) / 20,000 (rule 7: the whole plan)
    assert t["pledge_coverage"] == "0.4000"     # (6,000 + 2,000 national) / 20,000
    assert t["gap"] == "12000.00"               # 20,000 - 6,000 - 2,000
    assert doc["national"]["pledged"] == "2000.00"
    assert [(m["currency"], m["date"]) for m in doc["missing_rates"]] == [("KHR", "2025-08-01")]
    donors = {d["donor"]: d for d in doc["donors"]}
    assert "Government" not in donors and "Korea" not in donors  # national; other pillar
    assert donors["Ireland"]["pledged_multi_year"] == donors["Ireland"]["pledged_ccm"] == "1000.00"
    assert donors["United States"]["pledged_multi_year"] == "0.00"
    assert donors["Japan"]["disbursed"] == "10000.00" and donors["Norway"]["disbursed"] == "750.00"
    assert {o["operator"]: (o["received"], o["spent"]) for o in doc["operators"]} == {
        "HALO": ("10050.00", "1200.00"), "Trust Fund": ("2000.00", "0.00"), "NPA": ("700.00", "0.00")}
    assert {p["province"]: p["disbursed"] for p in doc["provinces"]} == {
        "LA-SV": "10000.00", "LA-XI": "2000.00", "LA-SL": "700.00", "national": "50.00"}
    trend = {r["period"]: r["disbursed"] for r in doc["trend"]}
    assert list(trend)[0] == "2023-Q4" and len(trend) == 8
    assert trend["2025-Q1"] == "300.00" and trend["2025-Q3"] == "12750.00" and trend["2025-Q2"] == "0.00"


def test_each_figure_is_the_sum_of_its_records():
    entries, _ = scenario()
    c = compute("twg", parse_period("2025-Q3"), entries, RATES, pillar="clearance")
    records = c.records("totals|disbursed")
    assert sorted(r.entry.record_id for r in records) == [11, 12, 23, 24]
    assert sum(r.conversion.usd for r in records) == c.figures["totals|disbursed"]
    japan = c.records("donors|Japan|disbursed")[0].conversion
    assert (japan.rate, japan.rate_date) == (D(150), date(2025, 7, 1))


def test_groups_summed_once_per_table_give_the_figures_of_the_records():
    """PostgreSQL sums a period's flows once per table (facets); the figures must not change."""
    from dataclasses import replace

    entries, _ = scenario()
    faceted = []
    for e in entries:
        if e.kind not in ("disbursement", "receipt", "commitment", "expenditure"):
            faceted.append(e)
            continue
        faceted += [replace(e, facet="totals", donor=None, recipient=None, province=None),
                    replace(e, facet="donors", recipient=None, province=None),
                    replace(e, facet="operators", donor=None, province=None),
                    replace(e, facet="provinces", donor=None, recipient=None)]
    for kind, period, pillar in (("twg", "2025-Q3", "clearance"), ("swg", "2025-H2", None)):
        p = parse_period(period)
        by_record = document(kind, p, compute(kind, p, entries, RATES, pillar=pillar), pillar=pillar)
        by_table = document(kind, p, compute(kind, p, faceted, RATES, pillar=pillar, keep_lines=False), pillar=pillar)
        assert by_table == by_record
        assert by_record["donors"] and by_record["operators"] and by_record["provinces"]
    # A group summed for one table adds to that table only.
    q3 = parse_period("2025-Q3")
    alone = compute("twg", q3, [replace(entries[4], facet="operators")], RATES)  # Japan's 1,500,000 JPY to HALO
    assert dict(alone.figures) == {"operators|HALO|received": D(10000)}


def test_swg_half_with_unallocated_pillar_and_year_boundary():
    entries, _ = scenario()
    doc = document("swg", parse_period("2025-H2"), compute("swg", parse_period("2025-H2"), entries, RATES))
    pillars = {p["pillar"]: p for p in doc["pillars"]}
    assert pillars["unallocated"]["disbursed"] == "4000.00" and pillars["unallocated"]["coverage"] is None
    assert doc["totals"]["disbursed"] == "19750.00"   # Q3's 12,750 + 4,000 unallocated + 3,000 paid 2025-10-01
    assert pillars["va"]["requirement"] == "5000.00" and pillars["va"]["coverage"] == "0.0000"
    assert doc["totals"]["requirement"] == "25000.00"
    h1 = document("swg", parse_period("2025-H1"), compute("swg", parse_period("2025-H1"), entries, RATES))
    assert h1["totals"]["disbursed"] == "300.00"
    assert h1["totals"]["pledged_in_period"] == "0.00"   # announced 2024-12-31: counted for 2025, not in 2025-H1
    assert h1["totals"]["pledged"] == "6000.00"


def test_differences_figure_by_figure():
    entries, _ = scenario()
    q3 = parse_period("2025-Q3")
    before = document("twg", q3, compute("twg", q3, entries, RATES, pillar="clearance"), pillar="clearance")
    more = entries + [flow("disbursement", 99, date(2025, 9, 1), "250", donor="Japan", recipient="HALO", province="LA-SV")]
    after = document("twg", q3, compute("twg", q3, more, RATES, pillar="clearance"), pillar="clearance")
    changed = {k: (a, b) for k, a, b in differences(before, after)}
    assert changed["totals|disbursed"] == ("12750.00", "13000.00")
    assert changed["donors|Japan|disbursed"] == ("10000.00", "10250.00")
    assert changed["totals|coverage"] == ("0.7525", "0.7650")  # national 2,000 included (rule 7)
    assert "totals|pledged" not in changed
