"""The demo data set: the donors, the trust fund, the government and the operators of the Lao sector, 2023 to 2026.

Money moves as it does in the sector: several donors pay into a UNDP-managed trust fund,
which allocates to UXO Lao and the NRA; others (the United States among them) pay the
NGOs directly; the government pays UXO Lao and the NRA in kip and gives premises and
staff in kind. Every payment follows the signing of its agreement; operators' returns
report the money they were paid and spend it in the provinces where they work. Figures
are illustrative, of the size the sector reports (about US$45-50 million a year,
national share included), in the donors' own currencies; they are not official data.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlmodel import Session, select

from .accounts import hash_password
from .audit import set_actor
from .demo_data import (
    AMENDMENTS, AREAS, DEALS, FORGOTTEN, FUND, GOVERNMENT, LATE, NAME_FUNDERS, NOT_FILED, OPERATOR_ONLY, OPERATORS,
    ORGANISATIONS, PLEDGES, RATE_ANCHORS, RATE_SOURCES, RATE_YEARS, REQUIREMENTS, UN_RATES, VIA_FUND, Deal,
)
from .domain.money import round_for_currency
from .domain.periods import Period, quarter_of
from .domain.reference import normalise
from .models import (
    Amendment, Commitment, CommitmentLine, Disbursement, ExchangeRate, OperatorReturn, Organisation, OrganisationAlias,
    Pledge, PledgeLine, Requirement, ReturnExpenditure, ReturnOutput, ReturnReceipt, User,
)

# Demo accounts, one per role; never load the demo into a production database.
DEMO_PASSWORD = "demo password"
DEMO_USERS = [
    ("admin@demo.example", "admin", None),
    ("cochair@demo.example", "co-chair", None),
    ("operator@demo.example", "operator", "HALO Trust"),
    ("reviewer@demo.example", "reviewer", None),
]


SIGN = {"increase": 1, "decrease": -1}


@dataclass(frozen=True)
class Payment:
    """One instalment of an agreement: one pillar, on one day, for one province."""

    deal: Deal
    paid_on: date
    pillar: str
    province: str | None
    amount: Decimal


def monthly_rates() -> dict[tuple[str, date], Decimal]:
    """Return the demo's units per US dollar, per currency and first day of each month."""
    first, last = RATE_YEARS
    out = {}
    for currency, anchors in RATE_ANCHORS.items():
        for year in range(first, last + 1):
            low, high = Decimal(anchors[year - first]), Decimal(anchors[year - first + 1])
            for month in range(1, 13):
                units = low + (high - low) * (month - 1) / 12
                out[(currency, date(year, month, 1))] = units.quantize(Decimal("0.0001"))
    return out


def to_usd(amount: Decimal, currency: str, on: date, rates: dict[tuple[str, date], Decimal]) -> Decimal:
    """Return the amount in US dollars at the demo's rate of the month."""
    return amount if currency == "USD" else amount / rates[(currency, on.replace(day=1))]


def instalments(deal: Deal, rnd: random.Random) -> list[Payment]:
    """Return the agreement's instalments: never before signing or start, never after end or termination.

    Each year's line is paid in equal parts in the deal's months; an amendment changes what
    the instalments after it pay, and a termination stops them.
    """
    changes = sorted((a for a in AMENDMENTS if a[0] == deal.ref), key=lambda a: a[1])
    first = max(deal.signed, deal.start)
    out = []
    for year, amounts in deal.lines.items():
        days = [date(year, m, 5) + timedelta(days=rnd.randint(0, 20)) for m in deal.months]
        days = [d for d in days if first <= d <= deal.end]
        for pillar, amount in amounts.items():
            areas = AREAS.get(deal.recipient, {}).get(pillar) or [None]
            mine = [a for a in changes if a[3] == year and a[4] in (None, pillar)]
            left, seen = Decimal(amount), 0
            for i, day in enumerate(days):
                while seen < len(mine) and mine[seen][1] <= day:  # the amendments made before this instalment
                    _ref, _on, change, _year, _pillar, changed, _notes = mine[seen]
                    left = Decimal(0) if change == "terminate" else left + SIGN[change] * Decimal(changed)
                    seen += 1
                share = round_for_currency(left / (len(days) - i), deal.currency)
                if share <= 0:
                    break
                left -= share
                out.append(Payment(deal, day, pillar, areas[i % len(areas)], share))
    return out


def load_demo(*, session: Session, until: date = date(2026, 11, 15)) -> str:
    """Load the demo data set in one transaction; return what was loaded."""
    if session.exec(select(Organisation)).first() is not None:
        return "the database already holds organisations; the demo data was not loaded"
    set_actor(session, actor="demo", via="cli")
    rnd = random.Random(2026)
    orgs = _organisations(session)
    rates = monthly_rates()
    session.add_all(ExchangeRate(rate_date=on, currency=currency, units_per_usd=units,
                                 source=RATE_SOURCES.get(currency, UN_RATES)) for (currency, on), units in rates.items())
    for year in range(2023, 2027):
        for pillar, amount in REQUIREMENTS.items():
            grown = round_for_currency(Decimal(amount) * (Decimal("1.03") ** (year - 2023)), "USD")
            session.add(Requirement(year=year, pillar_code=pillar, amount=grown, currency="USD",
                                    source=f"National UXO work plan {year}"))
    agreements, plan = _agreements(session, orgs, rnd, until)
    paid = [p for p in plan if p.paid_on <= until]
    for p in paid:
        agreement = agreements[p.deal.ref]
        session.add(Disbursement(agreement_ref=agreement.ref, commitment_id=agreement.id, pledge_id=agreement.pledge_id,
                                 donor_id=agreement.donor_id, recipient_id=agreement.recipient_id, paid_on=p.paid_on,
                                 pillar_code=p.pillar, province_code=p.province, amount=p.amount, currency=agreement.currency,
                                 support=agreement.support))
    returns = _returns(session, orgs, plan, paid, rates, rnd, until)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for the four accounts: Argon2 is slow on purpose
    session.add_all(User(email=email, roles=roles, organisation_id=orgs[org].id if org else None,
                         password_hash=password_hash) for email, roles, org in DEMO_USERS)
    session.commit()
    from .demo_results import demo_outputs_and_targets; demo_outputs_and_targets(session)  # noqa: E702 (issue 16)
    from .summaries.jobs import open_drafts

    drafts = open_drafts(str(quarter_of(until).shift(-1)), session)  # as the scheduler did on the quarter's first day
    users = ", ".join(email for email, _, _ in DEMO_USERS)
    return (f"demo data loaded: {len(orgs)} organisations, {len(PLEDGES)} pledges, {len(agreements)} agreements, "
            f"{len(paid)} disbursements, {returns} operator returns; {drafts}; "
            f"log in as {users} with the password {DEMO_PASSWORD!r}")


def _organisations(session: Session) -> dict[str, Organisation]:
    """Store the organisations with their aliases; return them by name."""
    orgs = {name: Organisation(name=name, kind=kind, country=country, ccm_state_party=ccm, fiscal_year_start=fiscal)
            for name, kind, country, _aliases, ccm, fiscal in ORGANISATIONS}
    session.add_all(orgs.values())
    session.flush()
    session.add_all(OrganisationAlias(organisation_id=orgs[name].id, alias=alias, key=normalise(alias))
                    for name, _kind, _country, aliases, _ccm, _fiscal in ORGANISATIONS for alias in aliases)
    return orgs


def _agreements(session: Session, orgs: dict[str, Organisation], rnd: random.Random,
                until: date) -> tuple[dict[str, Commitment], list[Payment]]:
    """Store the pledges, the agreements signed by the day and their amendments; return them and their instalments."""
    pledges = {p.ref: Pledge(ref=p.ref, donor_id=orgs[p.donor].id, announced_on=p.announced, announced_at=p.where,
                             currency=p.currency, ccm_specific=p.ccm_specific,
                             recipient_id=orgs[p.recipient].id if p.recipient else None) for p in PLEDGES}
    session.add_all(pledges.values())
    session.flush()
    signed = [d for d in DEALS if d.signed <= until]
    agreements = {d.ref: Commitment(ref=d.ref, pledge_id=pledges[d.pledge].id if d.pledge else None, donor_id=orgs[d.donor].id,
                                    recipient_id=orgs[d.recipient].id, signed_on=d.signed, start_on=d.start, end_on=d.end,
                                    currency=d.currency, support=d.support, notes=d.notes) for d in signed}
    session.add_all(agreements.values())
    session.flush()
    for p in PLEDGES:
        session.add_all(PledgeLine(pledge_id=pledges[p.ref].id, year=year, pillar_code=pillar, amount=Decimal(amount))
                        for year, per_pillar in p.lines.items() for pillar, amount in per_pillar.items())
    for d in signed:
        session.add_all(CommitmentLine(commitment_id=agreements[d.ref].id, year=year, pillar_code=pillar, amount=Decimal(amount))
                        for year, per_pillar in d.lines.items() for pillar, amount in per_pillar.items())
    session.add_all(Amendment(commitment_id=agreements[ref].id, amended_on=on, change=change, year=year, pillar_code=pillar,
                              amount=Decimal(amount) if amount else None, notes=notes)
                    for ref, on, change, year, pillar, amount, notes in AMENDMENTS if on <= until)
    return agreements, [p for d in signed for p in instalments(d, rnd)]


def _returns(session: Session, orgs: dict[str, Organisation], plan: list[Payment], paid: list[Payment],
             rates: dict[tuple[str, date], Decimal], rnd: random.Random, until: date) -> int:
    """Store the operators' quarterly returns from 2025 to the last full quarter; return how many.

    Receipts are the payments the operator was sent, a few days later (one forgotten, some
    short of bank charges; the trust fund's allocations name the fund, or once the original
    donor via the fund); spending is the year's money spread over the quarters and the
    provinces the operator works in.
    """
    receipts: dict[tuple[str, str], list[ReturnReceipt]] = defaultdict(list)
    for p in paid:
        d = p.deal
        if d.recipient not in OPERATORS or d.support != "cash" or (d.ref, p.paid_on.month) == FORGOTTEN:
            continue
        received_on = p.paid_on + timedelta(days=rnd.randint(3, 9))
        amount = p.amount
        if rnd.random() < 0.08:  # bank charges, or a rate applied on arrival
            amount = amount - rnd.choice((25, 40, 65, 120)) if d.currency == "USD" else \
                round_for_currency(amount * Decimal("0.997"), d.currency)
        donor, via = orgs[d.donor], None
        if (d.ref, p.paid_on.month, d.recipient) == (VIA_FUND[0], VIA_FUND[1], "UXO Lao"):
            donor, via = orgs[VIA_FUND[2]], orgs[FUND]
        receipts[(d.recipient, str(quarter_of(received_on)))].append(ReturnReceipt(
            return_id=0, received_on=received_on, donor_id=donor.id, via_id=via.id if via else None,
            agreement_ref=d.ref, pillar_code=p.pillar, province_code=p.province, amount=amount, currency=d.currency))
    # The money each operator gets in a year, in US dollars, by funder and pillar: what it spends.
    budget: dict[tuple[str, int], dict[tuple[str, str], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for p in plan:
        if p.deal.recipient in OPERATORS and p.deal.support == "cash":
            usd = to_usd(p.amount, p.deal.currency, p.paid_on, rates)
            budget[(p.deal.recipient, p.paid_on.year)][(p.deal.donor, p.pillar)] += usd
    for operator, donor, on, pillar, province, amount, currency, ref in OPERATOR_ONLY:
        budget[(operator, on.year)][(donor, pillar)] += to_usd(Decimal(amount), currency, on, rates)
        receipts[(operator, str(quarter_of(on)))].append(ReturnReceipt(
            return_id=0, received_on=on, donor_id=orgs[donor].id, agreement_ref=ref, pillar_code=pillar,
            province_code=province, amount=Decimal(amount), currency=currency))

    stored: list[tuple[OperatorReturn, list]] = []
    spent_share = {key: Decimal(rnd.randint(84, 96)) / 100 for key in sorted(budget)}
    quarter = Period(2025, "Q", 1)
    while quarter.end < until:
        for operator in OPERATORS:
            if (operator, str(quarter)) in NOT_FILED:
                continue
            filed = quarter.end + timedelta(days=LATE.get((operator, str(quarter)), rnd.randint(8, 25)))
            ret = OperatorReturn(operator_id=orgs[operator].id, quarter=str(quarter), prepared_by="Finance officer",
                                 email=f"finance@{operator.split()[0].lower()}.example",
                                 filename=f"{operator} {quarter}.xlsx", submitted_on=filed,
                                 uploaded_at=datetime.combine(filed, time(3), tzinfo=timezone.utc))
            year_budget = budget.get((operator, quarter.year), {})
            share = spent_share.get((operator, quarter.year), Decimal(0)) / 4 * Decimal(rnd.randint(92, 108)) / 100
            spending = _spending(operator, quarter, year_budget, share, orgs, rates, rnd)
            rows = [*receipts.get((operator, str(quarter)), []), *spending]
            stored.append((ret, rows))
        quarter = quarter.shift(1)
    session.add_all(ret for ret, _rows in stored)
    session.flush()
    for ret, rows in stored:
        numbers: dict[type, int] = defaultdict(lambda: 2)  # each sheet's first data row
        for row in rows:
            row.return_id, row.row = ret.id, numbers[type(row)]
            numbers[type(row)] += 1
        session.add_all(rows)
    return len(stored)


def _spending(operator: str, quarter: Period, year_budget: dict[tuple[str, str], Decimal], share: Decimal,
              orgs: dict[str, Organisation], rates: dict[tuple[str, date], Decimal], rnd: random.Random) -> list:
    """Return a quarter's expenditure rows (by funder where the operator names them) and output rows."""
    spent: dict[tuple[str | None, str, str], Decimal] = defaultdict(Decimal)
    for (funder, pillar), usd in sorted(year_budget.items()):
        provinces = AREAS[operator][pillar]
        weights = [Decimal(rnd.randint(60, 140)) for _ in provinces]
        for province, weight in zip(provinces, weights):
            spent[(funder if operator in NAME_FUNDERS else None, pillar, province)] += usd * share * weight / sum(weights)
    rows: list = []
    by_place: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (funder, pillar, province), usd in spent.items():
        by_place[(pillar, province)] += usd
        currency = "LAK" if funder == GOVERNMENT else "USD"  # UXO Lao books the national budget in kip
        amount = round_for_currency(usd * rates[("LAK", quarter.start)], "LAK") if currency == "LAK" \
            else usd.quantize(Decimal(1))
        rows.append(ReturnExpenditure(return_id=0, pillar_code=pillar, province_code=province, amount=amount,
                                      currency=currency, funded_by_id=orgs[funder].id if funder else None))
    for (pillar, province), usd in sorted(by_place.items()):
        rows += [ReturnOutput(return_id=0, pillar_code=pillar, province_code=province, indicator=indicator, value=value)
                 for indicator, value in _outputs(pillar, usd, rnd)]
    return rows


def _outputs(pillar: str, usd: Decimal, rnd: random.Random) -> list[tuple[str, Decimal]]:
    """Return what the money bought: hectares and items for clearance, people reached for education and assistance."""
    if pillar == "clearance":
        hectares = (usd / rnd.randint(9000, 14000)).quantize(Decimal("0.1"))
        items = (hectares * rnd.randint(15, 40)).quantize(Decimal(1))
        return [("land_released_ha", hectares), ("items_destroyed", items)]
    if pillar == "re":
        sessions = (usd / rnd.randint(400, 700)).quantize(Decimal(1))
        return [("re_sessions", sessions), ("re_beneficiaries", (sessions * rnd.randint(25, 45)).quantize(Decimal(1)))]
    if pillar == "va":
        return [("va_beneficiaries", (usd / rnd.randint(250, 600)).quantize(Decimal(1)))]
    return []
