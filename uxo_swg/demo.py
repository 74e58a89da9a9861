"""The demo data set: the donors, channels and operators of the Lao sector, 2023 to 2026.

Figures are illustrative, in the donors' own currencies and of the size the sector
reports (about US$45-50 million a year); they are not official data.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlmodel import Session, select

from .accounts import hash_password
from .audit import set_actor
from .domain.money import round_for_currency
from .domain.periods import Period
from .models import (
    Commitment, CommitmentLine, Disbursement, ExchangeRate, OperatorReturn, Organisation, OrganisationAlias, Pledge,
    PledgeLine, Requirement, ReturnExpenditure, ReturnOutput, ReturnReceipt, User,
)
from .domain.reference import normalise

ORGANISATIONS = [
    # name, kind, country, aliases
    ("United States", "donor", "US", ["US", "USA", "U.S. Department of State", "United States of America"]),
    ("Japan", "donor", "JP", ["Government of Japan", "JICA"]),
    ("New Zealand", "donor", "NZ", ["NZ", "MFAT"]),
    ("Norway", "donor", "NO", ["Norwegian MFA"]),
    ("United Kingdom", "donor", "GB", ["UK", "FCDO"]),
    ("Ireland", "donor", "IE", ["Irish Aid"]),
    ("Luxembourg", "donor", "LU", []),
    ("Germany", "donor", "DE", ["German Federal Foreign Office"]),
    ("Canada", "donor", "CA", []),
    ("Republic of Korea", "donor", "KR", ["Korea", "KOICA", "South Korea"]),
    ("Australia", "donor", "AU", ["DFAT"]),
    ("Switzerland", "donor", "CH", ["SDC"]),
    ("European Union", "multilateral", None, ["EU"]),
    ("UNDP", "multilateral", None, ["United Nations Development Programme"]),
    ("UXO Lao Trust Fund (UNDP)", "multilateral", None, ["UNDP Trust Fund", "UXO Trust Fund"]),
    ("UNICEF", "multilateral", None, []),
    ("UXO Lao", "national-operator", "LA", ["Lao National UXO Programme"]),
    ("Humanitarian Teams of the Lao People's Army", "national-operator", "LA", ["Army Humanitarian Teams", "Team 58"]),
    ("HALO Trust", "ngo", "GB", ["The HALO Trust", "HALO"]),
    ("MAG", "ngo", "GB", ["Mines Advisory Group"]),
    ("NPA", "ngo", "NO", ["Norwegian People's Aid"]),
    ("Humanity & Inclusion", "ngo", "FR", ["HI", "Handicap International"]),
    ("JMAS", "ngo", "JP", ["Japan Mine Action Service"]),
    ("World Education", "ngo", "US", ["WE", "World Education Laos"]),
    ("COPE", "ngo", "LA", ["Cooperative Orthotic and Prosthetic Enterprise"]),
    ("BACTEC Lao", "commercial", "LA", []),
    ("Milsearch Lao", "commercial", "LA", []),
    ("Government of Lao PDR", "government", "LA", ["GoL", "Lao Government", "National Regulatory Authority", "NRA"]),
]

# Demo accounts, one per role; never load the demo into a production database.
DEMO_PASSWORD = "demo password"
DEMO_USERS = [
    ("admin@demo.example", "admin", None),
    ("cochair@demo.example", "co-chair", None),
    ("operator@demo.example", "operator", "HALO Trust"),
    ("reviewer@demo.example", "reviewer", None),
]

# Kip per US dollar, monthly, from the Bank of the Lao PDR (illustrative round figures).
LAK_PER_USD = {2023: ("17500", "190"), 2024: ("20500", "120"), 2025: ("21700", "15"), 2026: ("21600", "10")}

# donor, currency, announced on, where, recipient, CCM specific, {year: {pillar: amount}}
PLEDGES = [
    ("United States", "USD", date(2023, 3, 15), "Bilateral letter", "UXO Lao Trust Fund (UNDP)", False,
     {2023: {"clearance": "22000000", "va": "3000000", "re": "2000000"},
      2024: {"clearance": "22000000", "va": "3000000", "re": "2000000"},
      2025: {"clearance": "22000000", "va": "3000000", "re": "2000000"}}),
    ("United States", "USD", date(2025, 11, 20), "SWG plenary, November 2025", None, False,
     {2026: {"clearance": "20000000", "va": "3000000", "re": "2000000", "im": "1000000"}}),
    ("Japan", "JPY", date(2024, 4, 10), "Exchange of notes", "UXO Lao", False,
     {2024: {"clearance": "450000000", "re": "50000000"}, 2025: {"clearance": "450000000", "re": "50000000"},
      2026: {"clearance": "400000000", "re": "50000000"}}),
    ("Republic of Korea", "KRW", date(2024, 6, 3), "SWG plenary, June 2024", "UXO Lao Trust Fund (UNDP)", True,
     {2024: {"unallocated": "2600000000"}, 2025: {"unallocated": "2600000000"}, 2026: {"unallocated": "2600000000"}}),
    ("New Zealand", "NZD", date(2023, 7, 1), "Bilateral letter", "UXO Lao", True,
     {2023: {"clearance": "3000000"}, 2024: {"clearance": "3000000"}, 2025: {"clearance": "2500000"}, 2026: {"clearance": "2500000"}}),
    ("Norway", "NOK", date(2023, 2, 1), "Framework agreement", "NPA", True,
     {2023: {"clearance": "35000000", "policy": "2000000"}, 2024: {"clearance": "35000000", "policy": "2000000"},
      2025: {"clearance": "33000000", "policy": "2000000"}, 2026: {"clearance": "33000000", "policy": "2000000"}}),
    ("United Kingdom", "GBP", date(2024, 1, 25), "Bilateral letter", "MAG", False,
     {2024: {"clearance": "2000000"}, 2025: {"clearance": "2000000"}, 2026: {"clearance": "1800000"}}),
    ("Ireland", "EUR", date(2024, 5, 14), "SWG plenary, June 2024", "HALO Trust", True,
     {2024: {"clearance": "1000000", "re": "200000"}, 2025: {"clearance": "1000000", "re": "200000"}}),
    ("Luxembourg", "EUR", date(2025, 3, 4), "Bilateral letter", "UXO Lao Trust Fund (UNDP)", False,
     {2025: {"va": "600000", "im": "200000"}, 2026: {"va": "600000", "im": "200000"}}),
    ("Germany", "EUR", date(2025, 2, 17), "Bilateral letter", "Humanity & Inclusion", False,
     {2025: {"va": "900000", "re": "300000"}, 2026: {"va": "900000", "re": "300000"}}),
    ("Canada", "CAD", date(2025, 6, 12), "SWG plenary, June 2025", "World Education", True,
     {2025: {"va": "700000", "policy": "150000"}}),
    ("Australia", "AUD", date(2023, 9, 20), "Bilateral letter", "HALO Trust", False,
     {2023: {"clearance": "1500000"}, 2024: {"clearance": "1500000"}, 2025: {"clearance": "1500000"}}),
    ("Switzerland", "CHF", date(2024, 11, 5), "SWG plenary, November 2024", "UXO Lao Trust Fund (UNDP)", True,
     {2025: {"im": "400000", "policy": "300000"}, 2026: {"im": "400000", "policy": "300000"}}),
    ("European Union", "EUR", date(2025, 9, 30), "Financing agreement", "UXO Lao Trust Fund (UNDP)", False,
     {2026: {"clearance": "2000000", "va": "500000"}}),
    ("Government of Lao PDR", "LAK", date(2023, 1, 10), "National budget", "UXO Lao", False,
     {2023: {"clearance": "30000000000", "policy": "8000000000"}, 2024: {"clearance": "34000000000", "policy": "9000000000"},
      2025: {"clearance": "36000000000", "policy": "9000000000"}, 2026: {"clearance": "38000000000", "policy": "10000000000"}}),
]

# Costed needs of the national work plan (US dollars).
REQUIREMENTS = {"clearance": "42000000", "va": "6500000", "re": "3200000", "im": "1500000", "policy": "1800000"}

# Where each donor's money is finally spent: operator (and channel) by pillar.
OPERATOR_OF = {
    "UXO Lao Trust Fund (UNDP)": "UXO Lao", "NPA": "NPA", "MAG": "MAG", "HALO Trust": "HALO Trust", "UXO Lao": "UXO Lao",
    "Humanity & Inclusion": "Humanity & Inclusion", "World Education": "World Education",
}
PROVINCES_WORKED = {
    "UXO Lao": ["LA-XI", "LA-HO", "LA-SV", "LA-SL", "LA-CH", "LA-AT", "LA-XE", "LA-LP", "LA-KH"],
    "NPA": ["LA-SV", "LA-SL", "LA-XE", "LA-AT"], "MAG": ["LA-XI", "LA-KH"], "HALO Trust": ["LA-SV", "LA-SL"],
    "Humanity & Inclusion": ["LA-SV", "LA-VT", "national"], "World Education": ["LA-XI", "LA-HO", "national"],
}


def _lak_rates() -> list[ExchangeRate]:
    rates = []
    for year, (start, step) in LAK_PER_USD.items():
        for month in range(1, 13):
            if date(year, month, 1) > date(2026, 11, 1):
                break
            units = Decimal(start) + Decimal(step) * (month - 1)
            rates.append(ExchangeRate(rate_date=date(year, month, 1), currency="LAK", units_per_usd=units,
                                      source="Bank of the Lao PDR (demo)"))
    return rates


def load_demo(*, session: Session, until: date = date(2026, 11, 15)) -> str:
    """Load the demo data set in one transaction; return what was loaded."""
    if session.exec(select(Organisation)).first() is not None:
        return "the database already holds organisations; the demo data was not loaded"
    set_actor(session, actor="demo", via="cli")
    rnd = random.Random(2026)
    orgs: dict[str, Organisation] = {}
    for name, kind, country, aliases in ORGANISATIONS:
        org = Organisation(name=name, kind=kind, country=country)
        session.add(org)
        session.flush()
        orgs[name] = org
        session.add_all(OrganisationAlias(organisation_id=org.id, alias=a, key=normalise(a)) for a in aliases)
    session.add_all(_lak_rates())

    for year in range(2023, 2027):
        for pillar, amount in REQUIREMENTS.items():
            grown = round_for_currency(Decimal(amount) * (Decimal("1.03") ** (year - 2023)), "USD")
            session.add(Requirement(year=year, pillar_code=pillar, amount=grown, currency="USD",
                                    source=f"National UXO work plan {year}"))

    counts = {"pledges": 0, "commitments": 0, "disbursements": 0, "returns": 0}
    for n, (donor, currency, announced, where, recipient, ccm, lines) in enumerate(PLEDGES, start=1):
        pledge = Pledge(ref=f"PL-{announced.year}-{n:03d}", donor_id=orgs[donor].id, announced_on=announced,
                        announced_at=where, currency=currency, ccm_specific=ccm,
                        recipient_id=orgs[recipient].id if recipient else None)
        session.add(pledge)
        session.flush()
        counts["pledges"] += 1
        receiver = orgs[recipient] if recipient else orgs["UXO Lao Trust Fund (UNDP)"]
        for year, per_pillar in lines.items():
            for pillar, amount in per_pillar.items():
                session.add(PledgeLine(pledge_id=pledge.id, year=year, pillar_code=pillar, amount=Decimal(amount)))
            signed = max(date(year, 1, 15), announced + timedelta(days=30))
            if signed > until:
                continue
            for pillar, amount in per_pillar.items():
                ref = f"AG-{donor[:3].upper()}-{year}-{pillar[:3].upper()}-{n:02d}"
                commitment = Commitment(ref=ref, pledge_id=pledge.id, donor_id=orgs[donor].id, recipient_id=receiver.id,
                                        signed_on=signed, start_on=date(year, 1, 1), end_on=date(year + 1, 6, 30),
                                        currency=currency)
                session.add(commitment)
                session.flush()
                session.add(CommitmentLine(commitment_id=commitment.id, year=year, pillar_code=pillar, amount=Decimal(amount)))
                counts["commitments"] += 1
                # Four quarterly instalments, the last one sometimes late or short.
                for q in range(4):
                    paid = date(year, 3 * q + 2, 10) + timedelta(days=rnd.randint(0, 40))
                    if paid > until:
                        break
                    share = Decimal(amount) / 4 * (Decimal("0.9") if q == 3 and rnd.random() < 0.3 else 1)
                    operator = OPERATOR_OF.get(receiver.name, "UXO Lao")
                    via = receiver if receiver.name != operator else None
                    province = rnd.choice(PROVINCES_WORKED.get(operator, ["national"]))
                    session.add(Disbursement(agreement_ref=ref, commitment_id=commitment.id, pledge_id=pledge.id,
                                             donor_id=orgs[donor].id, recipient_id=orgs[operator].id,
                                             via_id=via.id if via else None, paid_on=paid, pillar_code=pillar,
                                             province_code=province, amount=round_for_currency(share, currency),
                                             currency=currency))
                    counts["disbursements"] += 1
    session.flush()
    counts["returns"] = _returns(session, orgs, rnd, until)
    for email, roles, org in DEMO_USERS:
        session.add(User(email=email, roles=roles, organisation_id=orgs[org].id if org else None,
                         password_hash=hash_password(DEMO_PASSWORD)))
    session.commit()
    from .demo_results import demo_outputs_and_targets; demo_outputs_and_targets(session)  # noqa: E702 (issue 16)
    users = ", ".join(email for email, _, _ in DEMO_USERS)
    return (f"demo data loaded: {len(orgs)} organisations, {counts['pledges']} pledges, {counts['commitments']} agreements, "
            f"{counts['disbursements']} disbursements, {counts['returns']} operator returns; "
            f"log in as {users} with the password {DEMO_PASSWORD!r}")


def _returns(session: Session, orgs: dict[str, Organisation], rnd: random.Random, until: date) -> int:
    """Quarterly returns of the operators for 2025 to the last full quarter: receipts, spend, outputs."""
    count = 0
    quarter = Period(2025, "Q", 1)
    while quarter.end < until:
        for operator, provinces in PROVINCES_WORKED.items():
            if rnd.random() < 0.1:  # someone is always late
                continue
            ret = OperatorReturn(operator_id=orgs[operator].id, quarter=str(quarter), prepared_by="Finance officer",
                                 email=f"finance@{operator.split()[0].lower()}.example", filename=f"{operator} {quarter}.xlsx",
                                 submitted_on=quarter.end + timedelta(days=20),
                                 uploaded_at=datetime.combine(quarter.end + timedelta(days=20), time(3), tzinfo=timezone.utc))
            session.add(ret)
            session.flush()
            count += 1
            paid = session.exec(select(Disbursement).where(Disbursement.recipient_id == orgs[operator].id,
                                                           Disbursement.paid_on >= quarter.start,
                                                           Disbursement.paid_on <= quarter.end)).all()
            row = 2
            for d in paid:
                if rnd.random() < 0.15:  # not every receipt is reported
                    continue
                amount = d.amount if rnd.random() > 0.1 else round_for_currency(d.amount * Decimal("0.98"), d.currency)
                session.add(ReturnReceipt(return_id=ret.id, row=row, received_on=d.paid_on + timedelta(days=rnd.randint(1, 12)),
                                          donor_id=d.donor_id, via_id=d.via_id, agreement_ref=d.agreement_ref,
                                          pillar_code=d.pillar_code, province_code=d.province_code, amount=amount,
                                          currency=d.currency))
                row += 1
            pillars = sorted({d.pillar_code for d in paid} - {"unallocated"}) or ["clearance"]
            for i, pillar in enumerate(pillars):
                for province in provinces[:3]:
                    spent = Decimal(rnd.randint(30, 300) * 1000)
                    session.add(ReturnExpenditure(return_id=ret.id, row=2 + i, pillar_code=pillar, province_code=province,
                                                  amount=spent, currency="USD"))
                    if pillar == "clearance":
                        session.add(ReturnOutput(return_id=ret.id, row=2 + i, pillar_code=pillar, province_code=province,
                                                 indicator="land_released_ha", value=Decimal(rnd.randint(40, 400))))
                        session.add(ReturnOutput(return_id=ret.id, row=2 + i, pillar_code=pillar, province_code=province,
                                                 indicator="items_destroyed", value=Decimal(rnd.randint(300, 6000))))
        quarter = quarter.shift(1)
    return count
