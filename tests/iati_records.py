"""A small register for the IATI tests: organisations (IATI identifiers among their aliases), rates and records."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import returns_workbooks
from uxo_swg.audit import set_actor
from uxo_swg.models import (
    Amendment, Commitment, CommitmentLine, Disbursement, ExchangeRate, OperatorReturn, Pledge,
    PledgeLine, ReturnExpenditure, ReturnReceipt,
)

FUND = "UXO Lao Trust Fund (UNDP)"
ORGANISATIONS = [
    ("United States", "donor", ["US", "US-GOV-1"]),
    ("Japan", "donor", ["JICA", "Government of Japan"]),
    ("United Kingdom", "donor", ["FCDO", "GB-GOV-1", "Foreign, Commonwealth and Development Office"]),
    ("Norway", "donor", ["Norwegian MFA"]),
    ("HALO Trust", "ngo", ["The HALO Trust", "GB-CHC-1001813"]),
    ("JMAS", "ngo", ["Japan Mine Action Service"]),
    ("Humanity & Inclusion", "ngo", ["HI"]),
    ("UXO Lao", "national-operator", []),
    (FUND, "pooled-fund", ["UNDP Trust Fund"]),
]
YEN_PER_USD = Decimal("150")


def add_organisations(session) -> dict[str, int]:
    """Store the organisations and their aliases, and monthly JPY and GBP rates; return their ids by name."""
    ids = returns_workbooks.add_organisations(session, ORGANISATIONS)
    for year in (2024, 2025, 2026):
        for month in range(1, 13):
            session.add(ExchangeRate(rate_date=date(year, month, 1), currency="JPY", units_per_usd=YEN_PER_USD, source="test"))
            session.add(ExchangeRate(rate_date=date(year, month, 1), currency="GBP", units_per_usd=Decimal("0.8"), source="test"))
    session.commit()
    return ids


def _agreement(session, ids, ref, donor, recipient, signed, start, end, currency, lines):
    agreement = Commitment(ref=ref, donor_id=ids[donor], recipient_id=ids[recipient], signed_on=signed, start_on=start,
                           end_on=end, currency=currency)
    session.add(agreement)
    session.flush()
    for year, pillar, amount in lines:
        session.add(CommitmentLine(commitment_id=agreement.id, year=year, pillar_code=pillar, amount=Decimal(amount)))
    return agreement


def _paid(session, agreement, on, pillar, amount, province=None):
    session.add(Disbursement(agreement_ref=agreement.ref, commitment_id=agreement.id, donor_id=agreement.donor_id,
                             recipient_id=agreement.recipient_id, paid_on=on, pillar_code=pillar, province_code=province,
                             amount=Decimal(amount), currency=agreement.currency))


def add_register(session, ids: dict[str, int], *, pledge: bool = False) -> None:
    """Store four agreements (one amended twice, one terminated, a fund's contribution and allocation) and payments."""
    set_actor(session, actor="test", via="cli")
    us = _agreement(session, ids, "AG-US-2025-01", "United States", "HALO Trust", date(2025, 2, 14), date(2025, 3, 1),
                    date(2026, 12, 31), "USD", [(2025, "clearance", "1200000"), (2025, "re", "300000"),
                                               (2026, "clearance", "900000")])
    session.add(Amendment(commitment_id=us.id, amended_on=date(2025, 8, 20), change="increase", year=2025,
                          pillar_code="clearance", amount=Decimal("100000"), notes="second team"))
    session.add(Amendment(commitment_id=us.id, amended_on=date(2025, 11, 5), change="decrease", year=2026,
                          pillar_code="clearance", amount=Decimal("200000"), notes="budget cut"))
    _paid(session, us, date(2025, 3, 20), "clearance", "600000", "LA-XI")
    _paid(session, us, date(2025, 4, 2), "re", "150000", "LA-SV")
    _paid(session, us, date(2025, 9, 10), "clearance", "700000", "LA-SV")
    jp = _agreement(session, ids, "AG-JP-2024-07", "Japan", "JMAS", date(2024, 7, 1), date(2024, 7, 1), date(2025, 12, 31),
                    "JPY", [(2024, "clearance", "40000000"), (2025, "clearance", "60000000")])
    _paid(session, jp, date(2024, 8, 1), "clearance", "40000000", "LA-XI")
    _paid(session, jp, date(2025, 5, 12), "clearance", "30000000", "LA-XI")
    session.add(Amendment(commitment_id=jp.id, amended_on=date(2025, 10, 15), change="terminate", year=2025,
                          new_end=date(2025, 10, 31), notes="project closed early"))
    no = _agreement(session, ids, "AG-NO-TF-2025", "Norway", FUND, date(2025, 1, 20), date(2025, 1, 20), date(2025, 12, 31),
                    "USD", [(2025, "unallocated", "500000")])
    _paid(session, no, date(2025, 2, 1), "unallocated", "500000")
    tf = _agreement(session, ids, "AG-TF-UXOLAO-2025", FUND, "UXO Lao", date(2025, 3, 1), date(2025, 3, 1), date(2025, 12, 31),
                    "USD", [(2025, "clearance", "400000")])
    _paid(session, tf, date(2025, 6, 15), "clearance", "400000", "national")
    session.add(Disbursement(donor_id=ids["United Kingdom"], recipient_id=ids["Humanity & Inclusion"], paid_on=date(2025, 7, 7),
                             pillar_code="va", province_code="LA-SV", amount=Decimal("80000"), currency="USD"))
    if pledge:
        p = Pledge(ref="PL-UK-2026", donor_id=ids["United Kingdom"], announced_on=date(2025, 11, 20), currency="USD")
        session.add(p)
        session.flush()
        session.add(PledgeLine(pledge_id=p.id, year=2026, pillar_code="va", amount=Decimal("250000")))
    session.commit()


def add_returns(session, ids: dict[str, int]) -> None:
    """Store HALO's 2025-Q2 return (a receipt and expenditure funded by the US) and JMAS's 2025-Q3 (yen, by Japan)."""
    set_actor(session, actor="test", via="cli")
    halo = OperatorReturn(operator_id=ids["HALO Trust"], quarter="2025-Q2")
    jmas = OperatorReturn(operator_id=ids["JMAS"], quarter="2025-Q3")
    session.add_all([halo, jmas])
    session.flush()
    session.add(ReturnReceipt(return_id=halo.id, received_on=date(2025, 4, 5), donor_id=ids["United States"],
                              agreement_ref="AG-US-2025-01", pillar_code="re", amount=Decimal("150000"), currency="USD"))
    session.add(ReturnExpenditure(return_id=halo.id, pillar_code="clearance", province_code="LA-XI", amount=Decimal("500000"),
                                  currency="USD", funded_by_id=ids["United States"]))
    session.add(ReturnExpenditure(return_id=halo.id, pillar_code="re", province_code="LA-SV", amount=Decimal("100000"),
                                  currency="USD", funded_by_id=ids["United States"]))
    session.add(ReturnExpenditure(return_id=jmas.id, pillar_code="clearance", province_code="LA-XI",
                                  amount=Decimal("20000000"), currency="JPY", funded_by_id=ids["Japan"]))
    session.commit()
