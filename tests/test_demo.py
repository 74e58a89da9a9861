"""The demo data set tells the truth about how money moves in the sector (spec sections 2, 3 and 6)."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal as D

import pytest
from sqlmodel import func, select

from uxo_swg.db import get_session
from uxo_swg.directory import Directory
from uxo_swg.domain.periods import parse_quarter
from uxo_swg.models import (
    Amendment, Commitment, CommitmentLine, Disbursement, ExchangeRate, OperatorReturn, Organisation, Pledge, ReturnExpenditure,
    ReturnOutput, ReturnReceipt,
)
from uxo_swg.rates import rate_book
from uxo_swg.summaries import services

FUND = "UXO Lao Trust Fund (UNDP)"
# Where each operator works, approximately, from what the operators publish (not the demo's own table).
WORKS_IN = {
    "HALO Trust": {"LA-SV", "LA-XI"},
    "MAG": {"LA-XI", "LA-KH"},
    "NPA": {"LA-XE", "LA-SL", "LA-AT"},
    "UXO Lao": {"LA-XI", "LA-HO", "LA-LP", "LA-SV", "LA-SL", "LA-XE", "LA-CH", "LA-AT", "LA-KH"},
    "Humanity & Inclusion": {"LA-SV", "LA-SL"},
    "JMAS": {"LA-XI"},
    "World Education": {"LA-XI", "LA-HO"},
    "COPE": {"LA-VT", "national"},
    "NRA": {"national"},
}
# Each operator spends, in a year, this share of what its returns say it received that year.
SPENT_OF_RECEIVED = (D("0.6"), D("1.0"))


@pytest.fixture
def db(demo_app):
    with demo_app.app_context():
        yield get_session()


def _names(db) -> dict[int, str]:
    return dict(db.exec(select(Organisation.id, Organisation.name)).all())


def _returns(db, model):
    return db.exec(select(model, OperatorReturn).join(OperatorReturn, model.return_id == OperatorReturn.id)).all()


def test_payments_follow_their_agreements_and_go_where_the_operators_work(db):
    names = _names(db)
    agreements = {c.id: c for c in db.exec(select(Commitment)).all()}
    paid = db.exec(select(Disbursement)).all()
    assert len(paid) > 200
    for d in paid:
        agreement = agreements[d.commitment_id]
        assert d.agreement_ref == agreement.ref
        assert agreement.signed_on <= d.paid_on, f"{d.agreement_ref} paid on {d.paid_on}, signed on {agreement.signed_on}"
        assert agreement.start_on <= d.paid_on <= agreement.end_on, f"{d.agreement_ref} paid on {d.paid_on} outside its term"
        recipient = names[d.recipient_id]
        if recipient in WORKS_IN:
            assert d.province_code in WORKS_IN[recipient], f"{recipient} paid for {d.province_code}"
    for row, ret in [*_returns(db, ReturnExpenditure), *_returns(db, ReturnReceipt), *_returns(db, ReturnOutput)]:
        operator = names[ret.operator_id]
        assert row.province_code in WORKS_IN[operator], f"{operator} {ret.quarter}: {type(row).__name__} in {row.province_code}"
    spent_in = {names[ret.operator_id] for _row, ret in _returns(db, ReturnExpenditure)}
    assert spent_in == set(WORKS_IN) - {"NRA"}  # every operator reports; the NRA is not an operator


def test_the_trust_fund_is_paid_by_donors_and_allocates_once_in_the_swg_summaries(db):
    fund = db.exec(select(Organisation).where(Organisation.name == FUND)).one()
    nra = Directory.load(session=db).find("National Regulatory Authority")
    assert fund.kind == "pooled-fund" and (nra.name, nra.kind) == ("NRA", "government")
    assert Directory.load(session=db).find("NRA").id == nra.id  # no longer an alias of the government
    names = _names(db)
    contributors = set(db.exec(select(Disbursement.donor_id).where(Disbursement.recipient_id == fund.id)).all())
    allocated_to = {names[r] for r in db.exec(select(Disbursement.recipient_id).where(Disbursement.donor_id == fund.id)).all()}
    assert len(contributors) >= 3 and allocated_to == {"UXO Lao", "NRA"}

    for half in ("2025-H1", "2025-H2"):
        doc, _ = services.compute_summary(services.scope_of("swg", half), session=db)
        assert doc["missing_rates"] == [], half
        [section] = doc["pooled_funds"]
        assert section["fund"] == FUND and len(section["received_by_donor"]) >= 3
        assert {r["recipient"] for r in section["allocated_by_recipient"]} == {"UXO Lao", "NRA"}
        assert D(section["balance"]) > 0
        assert FUND not in {d["donor"] for d in doc["donors"]} | {o["operator"] for o in doc["operators"]}
        # Rule 11: what left the donors, less what the fund received, plus what it allocated, is the sector's total.
        rows = len(doc["donors"]) + 2 * len(doc["pooled_funds"])
        left_donors = sum(D(d["disbursed"]) for d in doc["donors"])
        identity = left_donors - D(section["received"]) + D(section["allocated"])
        assert abs(identity - D(doc["totals"]["disbursed"])) <= D("0.01") * rows, half
        # UXO Lao's receipts from the fund (naming the fund, or Japan via the fund) matched its allocations: not counted again.
        period = services.scope_of("swg", half).period
        allocations = db.exec(select(func.sum(Disbursement.amount)).where(
            Disbursement.donor_id == fund.id, Disbursement.paid_on >= period.start, Disbursement.paid_on <= period.end)).one()
        assert D(section["allocated"]) == D(allocations).quantize(D("0.01"))
        assert D(next(o for o in doc["operators"] if o["operator"] == "NRA")["received"]) > 0  # an allocation, international
    via_fund = db.exec(select(ReturnReceipt).where(ReturnReceipt.via_id == fund.id)).all()
    assert {names[r.donor_id] for r in via_fund} == {"Japan"}  # one instalment, its two pillars
    assert db.exec(select(func.count()).select_from(ReturnReceipt).where(ReturnReceipt.donor_id == fund.id)).one() > 5


def test_agreements_are_signed_amended_and_span_years_and_the_us_pays_ngos_directly(db):
    names = _names(db)
    ngos = {o.id for o in db.exec(select(Organisation).where(Organisation.kind == "ngo")).all()}
    us = Directory.load(session=db).find("United States")
    us_paid = {names[d.recipient_id] for d in db.exec(select(Disbursement).where(Disbursement.donor_id == us.id)).all()}
    assert us_paid and all(d in {names[n] for n in ngos} for d in us_paid) and {"HALO Trust", "MAG", "NPA"} <= us_paid
    assert db.exec(select(Disbursement).where(Disbursement.donor_id == us.id, Disbursement.via_id.is_not(None))).first() is None

    by_ref = {c.ref: c for c in db.exec(select(Commitment)).all()}
    changes = {(by_ref_id.ref, a.change): a for a in db.exec(select(Amendment)).all()
               for by_ref_id in [next(c for c in by_ref.values() if c.id == a.commitment_id)]}
    increase = changes[("AG-US-MAG-2025", "increase")]
    assert increase.amended_on.month == 8 and increase.amount == D("1000000")
    paid = db.exec(select(func.sum(Disbursement.amount)).where(Disbursement.agreement_ref == "AG-US-MAG-2025")).one()
    assert D(paid) == D("6500000")  # the line and the increase, paid in full
    assert changes[("AG-UK-MAG-2026", "decrease")].amount > 0
    ended = changes[("AG-US-COPE-2026", "terminate")]
    assert ended.notes and db.exec(select(Disbursement).where(Disbursement.agreement_ref == "AG-US-COPE-2026",
                                                              Disbursement.paid_on > ended.amended_on)).first() is None
    years = defaultdict(set)
    for line in db.exec(select(CommitmentLine)).all():
        years[line.commitment_id].add(line.year)
    assert max(len(y) for y in years.values()) >= 3

    for name, ccm, fiscal in [("Japan", True, 4), ("United Kingdom", True, 4), ("New Zealand", True, 7), ("Norway", True, 1),
                              ("United States", False, 10), ("Republic of Korea", False, 1)]:
        org = Directory.load(session=db).find(name)
        assert (org.ccm_state_party, org.fiscal_year_start) == (ccm, fiscal), name


def test_national_money_in_kip_support_in_kind_and_a_rate_for_every_month(db):
    names = _names(db)
    government = Directory.load(session=db).find("Government of Lao PDR")
    national = db.exec(select(Disbursement).where(Disbursement.donor_id == government.id)).all()
    assert {d.currency for d in national} == {"LAK"} and {names[d.recipient_id] for d in national} == {"UXO Lao", "NRA"}
    assert db.exec(select(Pledge).where(Pledge.donor_id == government.id)).all()
    in_kind = db.exec(select(Disbursement).where(Disbursement.support == "in-kind")).all()
    assert {names[d.donor_id] for d in in_kind} == {"Japan", "Government of Lao PDR"}
    assert db.exec(select(Commitment).where(Commitment.support == "in-kind")).all()

    used = {c for c in db.exec(select(Disbursement.currency)).all()} | {c for c in db.exec(select(Pledge.currency)).all()}
    loaded = defaultdict(set)
    for currency, on in db.exec(select(ExchangeRate.currency, ExchangeRate.rate_date)).all():
        loaded[currency].add((on.year, on.month))
    every_month = {(y, m) for y in range(2023, 2027) for m in range(1, 13)}
    assert {c: every_month - loaded[c] for c in used - {"USD"}} == {c: set() for c in used - {"USD"}}
    # UXO Lao books the national budget's spending in kip, funded by the government (rule 6).
    national_spent = [e for e, _ret in _returns(db, ReturnExpenditure) if e.funded_by_id == government.id]
    assert national_spent and {e.currency for e in national_spent} == {"LAK"}


def test_returns_report_what_was_paid_and_spend_about_what_came_in(db):
    names = _names(db)
    fund = Directory.load(session=db).find(FUND)
    paid = defaultdict(list)
    for d in db.exec(select(Disbursement)).all():
        paid[(d.agreement_ref, d.donor_id, d.recipient_id, d.pillar_code)].append(d)
    differ = 0
    for r, ret in _returns(db, ReturnReceipt):
        donor = fund.id if r.via_id == fund.id else r.donor_id
        sent = [d for d in paid.get((r.agreement_ref, donor, ret.operator_id, r.pillar_code), []) if d.paid_on < r.received_on
                <= d.paid_on + timedelta(days=10)]
        if names[r.donor_id] == "UNICEF":  # reported by the operator alone: counted on its word (rule 5)
            assert not sent
            continue
        assert len(sent) == 1, f"{names[ret.operator_id]} {ret.quarter}: {r.agreement_ref} received on {r.received_on}"
        assert (sent[0].currency, sent[0].province_code) == (r.currency, r.province_code)
        differ += sent[0].amount != r.amount
    assert 0 < differ < 20  # bank charges: something for reconciliation to show

    rates = rate_book(session=db)
    received, spent = defaultdict(D), defaultdict(D)
    for r, ret in _returns(db, ReturnReceipt):
        received[(names[ret.operator_id], ret.quarter[:4])] += rates.to_usd(r.amount, r.currency, r.received_on).usd
    for e, ret in _returns(db, ReturnExpenditure):
        spent[(names[ret.operator_id], ret.quarter[:4])] += rates.to_usd(e.amount, e.currency, parse_quarter(ret.quarter).start).usd
    assert set(spent) == set(received) and len(spent) == 16  # eight operators, 2025 and 2026
    low, high = SPENT_OF_RECEIVED
    for key, usd in sorted(spent.items()):
        assert low <= usd / received[key] <= high, f"{key}: spent {usd:.0f} of {received[key]:.0f} received"
    assert {e.funded_by_id is None for e, _ret in _returns(db, ReturnExpenditure)} == {True, False}

    hectares = defaultdict(D)
    for o, ret in _returns(db, ReturnOutput):
        if o.indicator == "land_released_ha" and ret.quarter.startswith("2025"):
            hectares[names[ret.operator_id]] += o.value
    assert all(D(200) <= hectares[o] <= D(1500) for o in ("HALO Trust", "MAG", "NPA", "UXO Lao")), hectares


def test_the_demo_command_fills_an_empty_database_once(runner, app):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "demo data loaded" in first.output, first.output
    assert "not loaded" in runner.invoke(args=["demo"]).output
    with app.app_context():
        s = get_session()
        assert s.exec(select(func.count()).select_from(Organisation).where(Organisation.kind == "pooled-fund")).one() == 1
        assert s.exec(select(func.count()).select_from(OperatorReturn)).one() > 40
