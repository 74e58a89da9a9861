"""The demo's results (spec section 10): realistic outputs with people reached, and the work plan's targets.

`load_demo` calls `demo_outputs_and_targets` last, once its returns are stored: it works on
whatever returns the demo made, so the demo's own shape may change without this module.
"""
from __future__ import annotations

import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, col, select

from .audit import set_actor
from .domain.results import MAIN_INDICATORS
from .models import OperatorReturn, ReturnExpenditure, ReturnOutput, Target

#: Shares of the people reached by sex and age (women, men, girls, boys), roughly as EORE and VA reports give them.
SPLIT = {"re_beneficiaries": (Decimal("0.27"), Decimal("0.23"), Decimal("0.26")),
         "va_beneficiaries": (Decimal("0.31"), Decimal("0.49"), Decimal("0.08"))}
#: Share of them living with a disability: a few among risk education audiences, most survivors in victim assistance.
DISABILITY = {"re_beneficiaries": (2, 6), "va_beneficiaries": (55, 85)}
PEOPLE_RANGE = {"re_beneficiaries": (400, 2500), "va_beneficiaries": (25, 160)}
TARGET_YEARS = (2025, 2026)


def demo_outputs_and_targets(session: Session) -> str:
    """Give the demo returns realistic outputs and people reached, record targets for 2025 and 2026, and commit."""
    if session.exec(select(Target)).first() is not None:
        return "targets are already recorded; the demo's results were left as they are"
    set_actor(session, actor="demo", via="cli")
    rnd = random.Random(16)
    returns = session.exec(select(OperatorReturn).order_by(col(OperatorReturn.id))).all()
    outputs: dict[int, list[ReturnOutput]] = defaultdict(list)
    for line in session.exec(select(ReturnOutput).order_by(col(ReturnOutput.id))).all():
        outputs[line.return_id].append(line)
    spending: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for return_id, pillar, province in session.exec(select(ReturnExpenditure.return_id, ReturnExpenditure.pillar_code,
                                                           ReturnExpenditure.province_code)).all():
        spending[return_id].add((pillar, province))
    added = 0
    for ret in returns:
        lines = outputs[ret.id]
        for line in lines:
            if line.indicator == "land_released_ha":  # tens of hectares per province and quarter: hundreds a year
                line.value = Decimal(rnd.randint(1500, 6000)) / 100
            elif line.indicator in SPLIT and line.women is None:
                _split(line, rnd)
        have = {(line.pillar_code, line.indicator, line.province_code) for line in lines}
        row = max((line.row for line in lines), default=1) + 1
        for pillar, province in sorted(spending[ret.id]):
            for indicator, value in _work(pillar, rnd):
                if (pillar, indicator, province) in have:
                    continue
                line = ReturnOutput(return_id=ret.id, row=row, pillar_code=pillar, province_code=province,
                                    indicator=indicator, value=value)
                if indicator in SPLIT:
                    _split(line, rnd)
                session.add(line)
                lines.append(line)
                row += 1
                added += 1
    session.flush()
    targets = _targets(returns, outputs)
    session.add_all(targets)
    session.commit()
    return f"demo results: {added} output lines added, people reached split by sex and age, {len(targets)} targets"


def _work(pillar: str, rnd: random.Random) -> list[tuple[str, Decimal]]:
    """Return the outputs a quarter's work on a pillar in one province reports (a pillar without outputs: none)."""
    if pillar == "clearance":
        return [("land_released_ha", Decimal(rnd.randint(1500, 6000)) / 100), ("items_destroyed", Decimal(rnd.randint(300, 4000)))]
    if pillar == "re":
        people = rnd.randint(*PEOPLE_RANGE["re_beneficiaries"])
        return [("re_sessions", Decimal(people // rnd.randint(30, 60) + 1)), ("re_beneficiaries", Decimal(people))]
    if pillar == "va":
        return [("va_beneficiaries", Decimal(rnd.randint(*PEOPLE_RANGE["va_beneficiaries"])))]
    return []


def _split(line: ReturnOutput, rnd: random.Random) -> None:
    """Split the people reached by sex and age so that the four add up to the value, and count those with a disability."""
    total = int(line.value)
    shares = SPLIT[line.indicator]
    parts = [int((Decimal(total) * (share + Decimal(rnd.randint(-3, 3)) / 100)).to_integral_value(ROUND_HALF_UP))
             for share in shares]
    parts = [min(max(p, 0), total) for p in parts]
    while sum(parts) > total:
        parts[parts.index(max(parts))] -= 1
    line.women, line.men, line.girls = parts
    line.boys = total - sum(parts)
    low, high = DISABILITY[line.indicator]
    line.with_disability = total * rnd.randint(low, high) // 100


def _targets(returns: list[OperatorReturn], outputs: dict[int, list[ReturnOutput]]) -> list[Target]:
    """Return targets for 2025 and 2026: a little above what the current 2025 returns reported, rounded."""
    done: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for ret in returns:
        if ret.superseded_by_id is None and ret.quarter.startswith("2025-"):
            for line in outputs[ret.id]:
                done[(line.pillar_code, line.indicator)] += line.value
    main = {(p, i) for p, i in MAIN_INDICATORS.items()}
    out = []
    for year, growth in zip(TARGET_YEARS, (Decimal("1.1"), Decimal("1.2"))):
        for (pillar, indicator), value in sorted(done.items()):
            if (pillar, indicator) not in main and indicator not in ("items_destroyed", "re_sessions"):
                continue
            step = Decimal(100) if value * growth >= 2000 else Decimal(10)
            target = ((value * growth) / step).to_integral_value(ROUND_HALF_UP) * step
            out.append(Target(year=year, pillar_code=pillar, indicator=indicator, target=max(target, step),
                              source=f"National UXO work plan {year} (demo)"))
    return out
