"""A period's figures at a glance (the home page): the summaries' counting, without their tables."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from .domain.counting import Figures
from .domain.periods import Period
from .domain.summary import count
from .models import Pillar
from .rates import rate_book
from .summaries.inputs import load_summary_inputs


@dataclass
class Glance:
    """A year's figures with the names a page needs."""

    figures: Figures
    pillars: list[Pillar]
    donors: list[tuple[str, Decimal]]


def figures_for(period: Period, *, session: Session) -> Figures:
    """Return the counted figures of the period, summed in SQL as a live summary's are (no lines kept)."""
    rates = rate_book(session=session)
    inputs = load_summary_inputs("glance", period, session=session, rates=rates)
    return count(inputs.entries, period, rates, keep_lines=False)


def year_at_a_glance(period: Period, *, session: Session) -> Glance:
    """Return the year's figures per pillar and the largest donors by disbursement (international money)."""
    figures = figures_for(period, session=session)
    pillars = list(session.exec(select(Pillar).order_by(col(Pillar.sort_order))).all())
    top = sorted(((d, usd) for d, usd in figures.donors.items() if usd), key=lambda kv: (-kv[1], kv[0]))[:10]
    return Glance(figures=figures, pillars=pillars, donors=top)
