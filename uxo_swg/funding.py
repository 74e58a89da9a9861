"""A period's figures at a glance (the home page): the summaries' counting, without their tables."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from .domain.conversion import RateMissing
from .domain.counting import Figures
from .domain.periods import Period
from .domain.summary import count
from .models import Pillar
from .rates import rate_book
from .summaries.cache import cached
from .summaries.inputs import load_summary_inputs


@dataclass
class Glance:
    """A year's figures with the names a page needs."""

    figures: Figures
    pillars: list[Pillar]
    donors: list[tuple[str, Decimal]]
    missing: list[str] = field(default_factory=list)  # amounts left out for want of a rate, said in words


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
    return Glance(figures=figures, pillars=pillars, donors=top, missing=[str(m) for m in figures.missing_rates])


def glance(period: Period, *, session: Session) -> Glance:
    """Return the year at a glance: computed once per change of the data, for every worker (summaries/cache.py)."""
    def fresh() -> dict[str, Any]:
        found = year_at_a_glance(period, session=session)
        f = found.figures
        return {"by_pillar": {p: {m: str(v) for m, v in row.items()} for p, row in f.by_pillar.items()},
                "national": {m: str(v) for m, v in f.national.items()},
                "donors": [[d, str(usd)] for d, usd in found.donors], "missing": found.missing,
                "missing_rates": [[m.currency, m.on.isoformat()] for m in f.missing_rates]}

    payload = cached(f"glance|{period}|", fresh, session=session)
    by_pillar = {p: {m: Decimal(v) for m, v in row.items()} for p, row in payload["by_pillar"].items()}
    figures = Figures(period, by_pillar=by_pillar, national={m: Decimal(v) for m, v in payload["national"].items()},
                      donors={d: Decimal(usd) for d, usd in payload["donors"]},
                      missing_rates=[RateMissing(c, date.fromisoformat(on)) for c, on in payload["missing_rates"]])
    pillars = list(session.exec(select(Pillar).order_by(col(Pillar.sort_order))).all())
    return Glance(figures=figures, pillars=pillars, donors=[(d, Decimal(usd)) for d, usd in payload["donors"]],
                  missing=payload["missing"])
