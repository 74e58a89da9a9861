"""Money counted once however it travels (rules 4, 6, 7, 11, 12), on the database: worked examples counted by hand.

Each test stores a small example and reads the summary a person would open; the same
tests run on SQLite and PostgreSQL (TEST_DATABASE_URL).
"""
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from uxo_swg.db import get_session
from uxo_swg.domain.periods import parse_quarter
from uxo_swg.domain.summary import flatten
from uxo_swg.models import (
    Amendment, Commitment, CommitmentLine, Disbursement, ExchangeRate, OperatorReturn, Organisation, Pledge, PledgeLine,
    Requirement, ReturnExpenditure, ReturnReceipt,
)
from uxo_swg.reconciliation.services import reconcile
from uxo_swg.summaries import services

D = Decimal
KINDS = {"United States": "donor", "Japan": "donor", "Australia": "donor", "Norway": "donor", "Government": "government",
         "Trust Fund": "pooled-fund", "UNDP": "multilateral", "UXO Lao": "national-operator", "HALO": "ngo", "NRA": "government"}


@pytest.fixture
def s(app):
    with app.app_context():
        session = get_session()
        yield session


def orgs(s):
    o = {name: Organisation(name=name, kind=kind) for name, kind in KINDS.items()}
    s.add_all(o.values())
    s.flush()
    return o


def rate(s, on, currency, units):
    s.add(ExchangeRate(rate_date=on, currency=currency, units_per_usd=D(units), source="test"))


def pay(s, o, donor, to, on, amount, currency="USD", pillar="clearance", ref=None, **kw):
    d = Disbursement(donor_id=o[donor].id, recipient_id=o[to].id, paid_on=on, pillar_code=pillar, amount=D(amount),
                     currency=currency, agreement_ref=ref, **kw)
    s.add(d)
    s.flush()
    return d


def agreement(s, o, ref, donor, to, signed, lines, currency="USD", end=None, pledge=None):
    c = Commitment(ref=ref, donor_id=o[donor].id, recipient_id=o[to].id, signed_on=signed, start_on=signed,
                   end_on=end or date(signed.year + 1, 12, 31), currency=currency, pledge_id=pledge)
    s.add(c)
    s.flush()
    s.add_all(CommitmentLine(commitment_id=c.id, year=y, pillar_code=p, amount=D(a)) for y, p, a in lines)
    s.flush()
    return c


def summary(s, kind, period, pillar=None):
    doc, _ = services.compute_summary(services.scope_of(kind, period, pillar), session=s)
    return doc


def identity_holds(doc):
    """Rule 11: sum(donors.disbursed) - sum(pooled_funds.received) + sum(pooled_funds.allocated) = totals.disbursed."""
    donors = sum((D(r["disbursed"]) for r in doc["donors"]), D(0))
    received = sum((D(f["received"]) for f in doc["pooled_funds"]), D(0))
    allocated = sum((D(f["allocated"]) for f in doc["pooled_funds"]), D(0))
    # each figure is rounded to cents on its own: the sides may differ by a cent per row
    slack = D("0.01") * (len(doc["donors"]) + 2 * len(doc["pooled_funds"]) + 1)
    return abs(donors - received + allocated - D(doc["totals"]["disbursed"])) <= slack


def test_a_trust_fund_transfer_reported_by_the_operator_is_not_counted_twice(s):
    """The issue's example: two US$5M transfers the fund made to UXO Lao, one receipt naming the fund, one the US via it."""
    o = orgs(s)
    pay(s, o, "United States", "Trust Fund", date(2025, 7, 1), "10000000", pillar="unallocated", ref="US-TF-1")
    pay(s, o, "Japan", "HALO", date(2025, 7, 10), "8690000")  # direct: the pillar's figure before the fund is used
    a1 = pay(s, o, "Trust Fund", "UXO Lao", date(2025, 8, 1), "5000000", ref="TF-UXO-1")
    a2 = pay(s, o, "Trust Fund", "UXO Lao", date(2025, 9, 1), "5000000", ref="TF-UXO-2")
    ret = OperatorReturn(operator_id=o["UXO Lao"].id, quarter="2025-Q3")
    s.add(ret)
    s.flush()
    s.add(ReturnReceipt(return_id=ret.id, received_on=date(2025, 8, 3), donor_id=o["Trust Fund"].id, agreement_ref="TF-UXO-1",
                        pillar_code="clearance", amount=D("5000000"), currency="USD"))
    s.add(ReturnReceipt(return_id=ret.id, received_on=date(2025, 9, 4), donor_id=o["United States"].id,
                        via_id=o["Trust Fund"].id, agreement_ref="TF-UXO-2", pillar_code="clearance", amount=D("4999000"),
                        currency="USD"))
    s.commit()
    doc = summary(s, "twg", "2025-Q3", "clearance")
    # 8.69M direct + 10M allocated by the fund; not 18.69M + the operator's 10M, nor the 10M paid in
    assert doc["totals"]["disbursed"] == "18690000.00"
    assert {r["donor"] for r in doc["donors"]} == {"Japan"}  # the fund is no donor; the US paid into it as "unallocated"
    assert {r["operator"]: r["received"] for r in doc["operators"]} == {"HALO": "8690000.00", "UXO Lao": "10000000.00"}
    # the receipt naming the US via the fund is matched to the fund's allocation: its difference is shown
    assert [(r["agreement_ref"], r["donor"], r["difference"]) for r in doc["reconciliation"]] == [
        ("TF-UXO-2", "Trust Fund", "-1000.0000")]
    swg = summary(s, "swg", "2025-H2")
    assert swg["totals"]["disbursed"] == "18690000.00"
    us = next(r for r in swg["donors"] if r["donor"] == "United States")
    assert (us["disbursed"], us["via_pooled_funds"]) == ("10000000.00", "10000000.00")
    [fund] = swg["pooled_funds"]
    assert (fund["received"], fund["allocated"], fund["balance"]) == ("10000000.00", "10000000.00", "0.00")
    assert identity_holds(swg) and identity_holds(doc)
    # reconciliation shows both receipts matched, none open
    rec = reconcile(parse_quarter("2025-Q3"), session=s)
    assert rec.matched == 2 and not rec.open_receipts
    assert {a1.id, a2.id}.isdisjoint({d.id for d in rec.unacknowledged})


def test_an_unmatched_receipt_from_the_fund_counts_as_its_allocation_and_is_suggested(s):
    o = orgs(s)
    pay(s, o, "Norway", "Trust Fund", date(2025, 1, 10), "900", "EUR", pillar="unallocated")
    allocation = pay(s, o, "Trust Fund", "UXO Lao", date(2025, 7, 2), "300", ref="TF-UXO-1", pillar="im")
    ret = OperatorReturn(operator_id=o["UXO Lao"].id, quarter="2025-Q3")
    s.add(ret)
    s.flush()
    s.add(ReturnReceipt(return_id=ret.id, received_on=date(2025, 7, 20), donor_id=o["Trust Fund"].id, pillar_code="clearance",
                        amount=D("200"), currency="USD"))
    s.add(ReturnReceipt(return_id=ret.id, received_on=date(2025, 7, 5), donor_id=o["Japan"].id, via_id=o["Trust Fund"].id,
                        pillar_code="im", amount=D("290"), currency="USD"))  # no ref: counted, and suggested
    rate(s, date(2025, 1, 1), "EUR", "0.9")
    rate(s, date(2025, 12, 1), "EUR", "0.8")
    s.commit()
    doc = summary(s, "swg", "2025-H2")
    [fund] = doc["pooled_funds"]
    assert fund["allocated"] == "790.00"  # 300 recorded + 200 and 290 on UXO Lao's word
    assert fund["received"] == "0.00"  # Norway paid in during the first half
    # balance: EUR 900 in, US$ 790 out: at the rate of 2025-12-01 (0.8) EUR 900 = US$ 1,125
    assert fund["balance_by_currency"] == [{"currency": "EUR", "amount": "900.0000"}, {"currency": "USD", "amount": "-790.0000"}]
    assert fund["balance"] == "335.00"
    assert doc["totals"]["disbursed"] == "790.00" and identity_holds(doc)
    rec = reconcile(parse_quarter("2025-Q3"), session=s)
    suggested = {o_.receipt.amount: [d.id for d in o_.suggestions] for o_ in rec.open_receipts}
    assert suggested[D("290")] == [allocation.id]  # from the same fund (named as via), amount within 10%
    assert suggested[D("200")] == []


def test_a_funds_balance_in_two_currencies_after_contributions_and_allocations(s):
    o = orgs(s)
    rate(s, date(2024, 12, 1), "EUR", "0.8")
    for month in (1, 4, 6):
        rate(s, date(2025, month, 15), "JPY", "150")
    rate(s, date(2025, 6, 1), "EUR", "0.9")
    pay(s, o, "Norway", "Trust Fund", date(2024, 12, 15), "1000", "EUR", pillar="unallocated")
    pay(s, o, "Japan", "Trust Fund", date(2025, 2, 1), "3000000", "JPY", pillar="unallocated")
    pay(s, o, "Trust Fund", "UXO Lao", date(2025, 5, 1), "1500000", "JPY")
    pay(s, o, "Trust Fund", "HALO", date(2025, 6, 10), "200", "EUR", pillar="re")
    pay(s, o, "Trust Fund", "HALO", date(2025, 7, 10), "100", "EUR", pillar="re")  # after the half: not in its balance
    s.commit()
    doc = summary(s, "swg", "2025-H1")
    [fund] = doc["pooled_funds"]
    assert fund["balance_by_currency"] == [{"currency": "EUR", "amount": "800.0000"}, {"currency": "JPY", "amount": "1500000.0000"}]
    # at the rates of 2025-06-30: EUR 800 / 0.9 + JPY 1,500,000 / 150 = 888.89 + 10,000.00
    assert fund["balance"] == "10888.89"
    assert fund["received"] == "20000.00"  # Japan's JPY 3M at 150 (Norway's EUR paid in 2024)
    assert fund["allocated"] == "10222.22"  # JPY 1.5M at 150 + EUR 200 at 0.9
    assert fund["allocated_by_recipient"] == [{"recipient": "HALO", "amount": "222.22"},
                                              {"recipient": "UXO Lao", "amount": "10000.00"}]
    assert identity_holds(doc)


def test_amendments_in_later_quarters_leave_the_earlier_quarters_unchanged(s):
    o = orgs(s)
    c = agreement(s, o, "AG-US-1", "United States", "HALO", date(2025, 2, 1), [(2025, "clearance", "1000")],
                  end=date(2026, 3, 31))
    pay(s, o, "United States", "HALO", date(2025, 3, 1), "250", ref="AG-US-1")
    s.commit()
    before = {q: summary(s, "twg", q, "clearance") for q in ("2025-Q1",)}
    s.add(Amendment(commitment_id=c.id, amended_on=date(2025, 5, 1), change="increase", year=2025, pillar_code="clearance",
                    amount=D(300), notes="top-up"))
    s.add(Amendment(commitment_id=c.id, amended_on=date(2025, 8, 1), change="decrease", year=2025, pillar_code="clearance",
                    amount=D(100), notes="cut"))
    pay(s, o, "United States", "HALO", date(2025, 10, 1), "350", ref="AG-US-1")
    s.add(Amendment(commitment_id=c.id, amended_on=date(2025, 11, 1), change="terminate", year=2025, notes="ended early"))
    s.commit()
    q = {p: summary(s, "twg", p, "clearance")["totals"] for p in ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")}
    assert q["2025-Q1"] == before["2025-Q1"]["totals"]  # nothing taken out of the past
    assert [q[p]["committed"] for p in q] == ["1000.00", "300.00", "-100.00", "-600.00"]  # 1,200 - 600 paid by 1 Nov
    assert [q[p]["committed_for_year"] for p in q] == ["1000.00", "1300.00", "1200.00", "600.00"]
    swg = summary(s, "swg", "2025-H2")
    assert swg["totals"]["committed"] == "-700.00" and swg["totals"]["committed_for_year"] == "600.00"
    assert swg["cliff"] == []  # terminated on 1 November: no longer ends within the coming year
    [edge] = summary(s, "swg", "2025-H1")["cliff"]  # the current amount at the end of June, and its end date
    assert (edge["amount"], edge["ends_on"]) == ("1300.0000", "2026-03-31")


def test_a_two_year_agreement_counts_each_line_for_its_year(s):
    o = orgs(s)
    agreement(s, o, "AG-JP-2", "Japan", "UXO Lao", date(2025, 4, 1), [(2025, "clearance", "600"), (2026, "clearance", "400"),
                                                                       (2026, "re", "100")])
    s.commit()
    h1 = summary(s, "swg", "2025-H1")
    assert (h1["totals"]["committed"], h1["totals"]["committed_for_year"]) == ("1100.00", "600.00")
    assert next(r for r in h1["donors"] if r["donor"] == "Japan")["committed"] == "1100.00"
    h26 = summary(s, "swg", "2026-H1")
    assert (h26["totals"]["committed"], h26["totals"]["committed_for_year"]) == ("0.00", "500.00")
    assert {p["pillar"]: p["committed_for_year"] for p in h26["pillars"]}["re"] == "100.00"


def test_the_pipeline_compares_a_pledge_and_its_agreement_in_their_currency(s):
    """The issue's example: AUD 1.5M pledged, AUD 1.5M agreed, converted at two dates: nothing is uncommitted."""
    o = orgs(s)
    rate(s, date(2025, 1, 1), "AUD", "1.5")
    rate(s, date(2025, 3, 1), "AUD", "1.6")
    p = Pledge(ref="PL-AU", donor_id=o["Australia"].id, announced_on=date(2025, 1, 15), currency="AUD")
    s.add(p)
    s.flush()
    s.add(PledgeLine(pledge_id=p.id, year=2025, pillar_code="clearance", amount=D(1500000)))
    s.add(PledgeLine(pledge_id=p.id, year=2025, pillar_code="va", amount=D(300000)))
    agreement(s, o, "AG-AU", "Australia", "HALO", date(2025, 3, 10), [(2025, "clearance", "1500000")], currency="AUD",
              pledge=p.id)
    s.commit()
    rows = summary(s, "swg", "2025-H1")["pipeline"]
    assert [(r["pillar"], r["not_committed"]) for r in rows] == [("va", "200000.00")]  # AUD 300,000 at 1.5


def test_coverage_with_national_money_and_government_funded_spending(s):
    o = orgs(s)
    for month in (1, 2, 3):
        rate(s, date(2025, month, 1), "LAK", "20000")
    s.add(Requirement(year=2025, pillar_code="clearance", amount=D(10000), currency="USD"))
    for ref, donor, amount, currency in (("PL-JP", "Japan", "4000", "USD"), ("PL-GOL", "Government", "40000000", "LAK")):
        p = Pledge(ref=ref, donor_id=o[donor].id, announced_on=date(2025, 1, 5), currency=currency)
        s.add(p)
        s.flush()
        s.add(PledgeLine(pledge_id=p.id, year=2025, pillar_code="clearance", amount=D(amount)))
    agreement(s, o, "AG-JP", "Japan", "HALO", date(2025, 2, 1), [(2025, "clearance", "3000")])
    agreement(s, o, "AG-GOL", "Government", "UXO Lao", date(2025, 2, 1), [(2025, "clearance", "20000000")], currency="LAK")
    pay(s, o, "Japan", "HALO", date(2025, 3, 1), "1500")
    pay(s, o, "Government", "UXO Lao", date(2025, 3, 1), "10000000", "LAK")
    ret = OperatorReturn(operator_id=o["UXO Lao"].id, quarter="2025-Q1")
    s.add(ret)
    s.flush()
    s.add(ReturnExpenditure(return_id=ret.id, pillar_code="clearance", province_code="LA-XI", amount=D(14000000), currency="LAK",
                            funded_by_id=o["Government"].id))
    s.add(ReturnExpenditure(return_id=ret.id, pillar_code="clearance", province_code="LA-XI", amount=D(900), currency="USD",
                            funded_by_id=o["Japan"].id))
    s.add(ReturnExpenditure(return_id=ret.id, pillar_code="clearance", province_code="LA-XI", amount=D(100), currency="USD",
                            own_funds=True))
    s.commit()
    for doc in (summary(s, "twg", "2025-Q1", "clearance"), summary(s, "swg", "2025-H1")):
        t, row = doc["totals"], next(p for p in doc["pillars"] if p["pillar"] == "clearance")
        for figures in (t, row):
            assert figures["coverage"] == "0.2000"         # (1,500 + 500) / 10,000
            assert figures["pledge_coverage"] == "0.6000"  # (4,000 + 2,000) / 10,000
            assert figures["gap"] == "4000.00"             # 10,000 - 4,000 - 2,000
            assert figures["unmet"] == "6000.00"           # 10,000 - 3,000 - 1,000
        assert t["spent"] == "1000.00" and doc["national"]["spent"] == "700.00"  # LAK 14M on the national line
        assert doc["national"]["committed_for_year"] == "1000.00" and not doc["missing_rates"]


def test_in_kind_support_is_counted_and_shown_apart(s):
    o = orgs(s)
    pay(s, o, "Japan", "HALO", date(2025, 7, 1), "100", support="in-kind")
    pay(s, o, "Japan", "HALO", date(2025, 7, 1), "50")
    pay(s, o, "Japan", "Trust Fund", date(2025, 7, 1), "30", support="in-kind", pillar="unallocated")
    s.commit()
    for grouped in (True, False):
        doc, _ = services.compute_summary(services.scope_of("swg", "2025-H2"), session=s, grouped=grouped)
        [japan] = doc["donors"]
        assert (japan["disbursed"], japan["in_kind"], japan["via_pooled_funds"]) == ("180.00", "130.00", "30.00")
        assert doc["totals"]["disbursed"] == "150.00"


def test_rule_11_identity_and_grouped_figures_equal_the_records_one_by_one(app):
    """Random records with pooled funds, amendments, in-kind support and national spending, over three years.

    In every summary, the identity of rule 11 holds, and every figure summed in SQL equals
    the same figure counted record by record.
    """
    rnd = random.Random(11)
    with app.app_context():
        s = get_session()
        o = orgs(s)
        o["Fund B"] = Organisation(name="Fund B", kind="pooled-fund")
        s.add(o["Fund B"])
        s.flush()
        for year in (2023, 2024, 2025):
            for month in range(1, 13):
                rate(s, date(year, month, 1), "EUR", D("0.9") + D(month) / 100)
                rate(s, date(year, month, 1), "LAK", D(20000 + month))
                rate(s, date(year, month, 16), "LAK", D(20500 + month))
        donors = [("Japan", "EUR"), ("Norway", "USD"), ("United States", "USD"), ("Government", "LAK")]
        funds = ["Trust Fund", "Fund B"]
        operators = ["HALO", "UXO Lao", "NRA"]
        pillars = ["clearance", "clearance", "va", "re", "unallocated"]
        provinces = ["LA-XI", "LA-SV", None]
        day = lambda: date(2023, 1, 1) + timedelta(days=rnd.randrange(3 * 365))  # noqa: E731
        allocations = []
        for i in range(200):
            donor, currency = rnd.choice(donors)
            shape = rnd.random()
            if shape < 0.25:  # a contribution
                pay(s, o, donor, rnd.choice(funds), day(), D(rnd.randrange(100, 900000)) / 100, currency, "unallocated",
                    support="in-kind" if i % 9 == 0 else "cash")
            elif shape < 0.5:  # an allocation
                allocations.append(pay(s, o, rnd.choice(funds), rnd.choice(operators), day(), D(rnd.randrange(100, 90000)) / 100,
                                       rnd.choice(["USD", "EUR"]), rnd.choice(pillars), ref=f"TF-{i}",
                                       province_code=rnd.choice(provinces)))
            else:
                pay(s, o, donor, rnd.choice(operators), day(), D(rnd.randrange(100, 900000)) / 100, currency, rnd.choice(pillars),
                    ref=f"AG-{i % 10}", province_code=rnd.choice(provinces), support="in-kind" if i % 7 == 0 else "cash")
        returns = {}
        for operator in operators:
            for year in (2023, 2024, 2025):
                for q in (1, 2, 3, 4):
                    returns[(operator, year, q)] = OperatorReturn(operator_id=o[operator].id, quarter=f"{year}-Q{q}")
        s.add_all(returns.values())
        s.flush()
        names = {org.id: n for n, org in o.items()}
        for i in range(120):
            twin = rnd.choice(allocations) if i % 2 else None
            on = min(twin.paid_on + timedelta(days=rnd.randrange(0, 20)) if twin else day(), date(2025, 12, 31))
            operator = names[twin.recipient_id] if twin else rnd.choice(operators)
            fund = twin.donor_id if twin else o[rnd.choice(funds)].id
            donor_id, via_id = (fund, None) if i % 3 else (o[rnd.choice(donors)[0]].id, fund)
            if i % 5 == 0:  # an ordinary receipt from a donor
                donor_id, via_id = o[rnd.choice(donors)[0]].id, None
            s.add(ReturnReceipt(return_id=returns[(operator, on.year, (on.month - 1) // 3 + 1)].id, received_on=on,
                                donor_id=donor_id, via_id=via_id, agreement_ref=twin.agreement_ref if twin else None,
                                pillar_code=twin.pillar_code if twin else rnd.choice(pillars), province_code=rnd.choice(provinces),
                                currency=twin.currency if twin else "USD",
                                amount=twin.amount if twin and i % 4 else D(rnd.randrange(100, 90000)) / 100))
        for ret in returns.values():
            for _ in range(2):
                s.add(ReturnExpenditure(return_id=ret.id, pillar_code=rnd.choice(pillars), province_code="LA-XI",
                                        amount=D(rnd.randrange(100, 90000)), currency=rnd.choice(["USD", "LAK"]),
                                        funded_by_id=o[rnd.choice(["Government", "Japan", "Trust Fund"])].id))
        for i in range(30):
            donor, currency = rnd.choice(donors + [("Trust Fund", "USD")])
            signed = day()
            c = agreement(s, o, f"AGR-{i}", donor, rnd.choice(operators), signed,
                          [(signed.year, rnd.choice(pillars[:4]), D(rnd.randrange(1000, 90000))),
                           (signed.year + 1, "unallocated", D(rnd.randrange(1000, 90000)))], currency=currency)
            for k in range(rnd.randrange(0, 3)):
                on = signed + timedelta(days=30 * (k + 1))
                change = rnd.choice(["increase", "decrease", "terminate"])
                s.add(Amendment(commitment_id=c.id, amended_on=on, change=change, year=on.year,
                                pillar_code=None if change == "terminate" else "unallocated",
                                amount=None if change == "terminate" else D(rnd.randrange(10, 900)), notes="random"))
                if change == "terminate":
                    break
        s.add(Requirement(year=2025, pillar_code="clearance", amount=D(2000000), currency="USD"))
        s.commit()
        for scope in (services.scope_of("twg", "2025-Q3", "clearance"), services.scope_of("twg", "2024-Q1", "unallocated"),
                      services.scope_of("swg", "2025-H1"), services.scope_of("swg", "2024-H2")):
            grouped, _ = services.compute_summary(scope, session=s, grouped=True)
            by_record, _ = services.compute_summary(scope, session=s, grouped=False)
            assert flatten(grouped) == flatten(by_record), scope.title
            assert grouped["pooled_funds"] == by_record["pooled_funds"], scope.title
            assert identity_holds(grouped), scope.title
            assert D(grouped["totals"]["disbursed"]) > 0 and grouped["pooled_funds"], scope.title
            assert scope.kind == "twg" or D(grouped["national"]["spent"]) > 0, scope.title
        assert any(D(r["via_pooled_funds"]) for r in summary(s, "swg", "2025-H1")["donors"])


def test_the_summary_page_workbook_and_json_show_each_fund(app, client, login):
    import io
    import json
    import re

    from openpyxl import load_workbook

    with app.app_context():
        s = get_session()
        o = orgs(s)
        pay(s, o, "Japan", "Trust Fund", date(2025, 7, 1), "1000", pillar="unallocated", support="in-kind")
        pay(s, o, "Trust Fund", "UXO Lao", date(2025, 8, 1), "400", ref="TF-1")
        s.commit()
    login("co-chair")
    page = client.get("/summaries/swg/2025-H2/all").get_data(as_text=True)
    assert "Pooled fund: Trust Fund" in page and "of which through pooled funds" in page
    links = {m.group(2): m.group(1).replace("&amp;", "&")
             for m in re.finditer(r'href="([^"]*figure=funds%7CTrust(?:%20|\+)Fund%7C(\w+))"', page)}
    assert set(links) >= {"received", "allocated"}
    records = client.get(links["allocated"]).get_data(as_text=True)
    assert "UXO Lao" in records and "TF-1" in records
    workbook = load_workbook(io.BytesIO(client.get("/summaries/swg/2025-H2/all/export.xlsx").data))
    rows = [[c.value for c in r] for r in workbook["Pooled funds"].iter_rows(min_row=2)]
    assert ["Trust Fund", "Allocated to", "UXO Lao", 400, "USD"] in rows
    assert ["Trust Fund", "Received from", "Japan", 1000, "USD"] in rows
    donors = workbook["Donors"]
    assert [c.value for c in donors[1]][5:7] == ["Through pooled funds", "In kind"]
    assert [c.value for c in donors[2]][:7] == ["Japan", 0, 0, 0, 1000, 1000, 1000]
    with app.app_context():
        doc = json.loads(json.dumps(summary(get_session(), "swg", "2025-H2")))
    assert doc["pooled_funds"][0]["received_by_donor"] == [{"donor": "Japan", "amount": "1000.00"}]


def test_a_summary_counts_what_its_own_transaction_wrote_and_reads_alongside_only_committed_data(s, monkeypatch):
    """The window's disbursements are summed on a second connection, alongside the rest.

    That connection sees only committed data: a summary computed in a transaction that has
    written records (not yet committed) must read them itself, or it would miss them.
    """
    from uxo_swg.summaries import inputs

    started = []
    real_start = inputs._Alongside.start
    monkeypatch.setattr(inputs._Alongside, "start", classmethod(lambda cls, session, statement: started.append(
        real_start(session, statement)) or started[-1]))
    o = orgs(s)
    pay(s, o, "Japan", "HALO", date(2025, 7, 10), "1000")
    s.commit()
    assert summary(s, "twg", "2025-Q3", "clearance")["totals"]["disbursed"] == "1000.00"
    assert [x is not None for x in started] == [True]  # read alongside (the test databases are files, not memory)

    pay(s, o, "Norway", "HALO", date(2025, 8, 1), "250.50")  # flushed, not committed
    assert summary(s, "twg", "2025-Q3", "clearance")["totals"]["disbursed"] == "1250.50"
    assert started[-1] is None  # read in the transaction that wrote it
    s.rollback()
    assert summary(s, "twg", "2025-Q3", "clearance")["totals"]["disbursed"] == "1000.00"
