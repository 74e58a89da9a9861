"""A period's figures at a glance (the home page): the summaries' counting, without their tables."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from .domain.counting import MEASURES, PILLARS, Figures
from .domain.periods import Period
from .domain.summary import SEP, compute, key
from .models import Pillar
from .rates import rate_book
from .summaries.inputs import load_summary_inputs

ZERO = Decimal(0)


@dataclass
class Glance:
    """A year's figures with the names a page needs."""

    figures: Figures
    pillars: list[Pillar]
    donors: list[tuple[str, Decimal]]


def _counted(period: Period, *, session: Session) -> tuple[Figures, dict[str, Decimal]]:
    """Return the period's figures per pillar and national, and every figure by key (`domain.summary`)."""
    rates = rate_book(session=session)
    # Summed in SQL as a live summary is (counting rules of section 6; no trend, no lines).
    inputs = load_summary_inputs("glance", period, session=session, rates=rates)
    computed = compute("glance", period, inputs.entries, rates, keep_lines=False)
    f = computed.figures
    codes = list(PILLARS) + sorted({k.split(SEP)[1] for k in f if k.startswith("pillars" + SEP)} - set(PILLARS))
    figures = Figures(period=period, missing_rates=computed.missing_rates,
                      by_pillar={p: {m: f.get(key("pillars", p, m), ZERO) for m in MEASURES} for p in codes},
                      national={m: f.get(key("national", m), ZERO) for m in MEASURES})
    return figures, f


def figures_for(period: Period, *, session: Session) -> Figures:
    """Return the counted figures of the period."""
    return _counted(period, session=session)[0]


def year_at_a_glance(period: Period, *, session: Session) -> Glance:
    """Return the year's figures per pillar and the largest donors by disbursement (international money)."""
    figures, by_key = _counted(period, session=session)
    pillars = list(session.exec(select(Pillar).order_by(col(Pillar.sort_order))).all())
    donors = {k.split(SEP)[1]: usd for k, usd in by_key.items() if k.startswith("donors" + SEP) and k.endswith(SEP + "disbursed")}
    top = sorted(((d, usd) for d, usd in donors.items() if usd), key=lambda kv: (-kv[1], kv[0]))[:10]
    return Glance(figures=figures, pillars=pillars, donors=top)
