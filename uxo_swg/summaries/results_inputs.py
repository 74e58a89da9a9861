"""The outputs and targets a summary sets beside its money (spec section 10), read from the database.

A summary reads the outputs of the current returns of its year to date in one aggregate
statement (GROUP BY quarter, pillar, indicator, province): the period's figures, the year
to date and the provinces are all taken from those groups. The lines behind a figure are
read one by one only when someone opens them.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..domain.counting import PILLARS
from ..domain.periods import Period
from ..domain.results import (
    PEOPLE, OutputFigure, OutputGroup, by_province, outputs_rows, results_rows, spent_of, tally,
)
from ..models import OperatorReturn, Organisation, ReturnOutput, Target
from .reading import read


def year_to_date_quarters(period: Period) -> list[str]:
    """Return the quarters from January to the period's end, as `2025-Q1` ... (the target's year to date)."""
    return [str(q) for q in Period(period.year, "Y").quarters() if q.start <= period.end]


def period_quarters(period: Period) -> list[str]:
    """Return the quarters of the period."""
    return [str(q) for q in period.quarters()] if period.kind != "Q" else [str(period)]


def _current(pillar: str | None, quarters: list[str]) -> list[Any]:
    o, ret = ReturnOutput, OperatorReturn
    where = [col(ret.superseded_by_id).is_(None), col(ret.quarter).in_(quarters)]
    return where + ([col(o.pillar_code) == pillar] if pillar else [])


def load_output_groups(period: Period, *, session: Session, pillar: str | None = None) -> list[OutputGroup]:
    """Return the outputs of the current returns for the year to date, summed per quarter, pillar, indicator, province."""
    o, ret = ReturnOutput, OperatorReturn
    split = col(o.women).is_not(None)  # the importer takes women, men, girls and boys all four or none
    with_people = sa.type_coerce(sa.case((split, o.value)), o.__table__.c.value.type)
    keys = (ret.quarter, o.pillar_code, o.indicator, o.province_code)
    statement = (select(*keys, sa.func.count(), sa.func.sum(o.value), sa.func.sum(with_people),
                        *(sa.func.sum(getattr(o, name)) for name in PEOPLE))
                 .join(ret, col(o.return_id) == col(ret.id))
                 .where(*_current(pillar, year_to_date_quarters(period)))
                 .group_by(*keys))
    groups = []
    for quarter, pillar_code, indicator, province, lines, value, value_with_people, *people in read(session, statement).all():
        groups.append(OutputGroup(quarter, pillar_code, indicator, province, int(lines), value or Decimal(0),
                                  value_with_people or Decimal(0), *(None if n is None else int(n) for n in people)))
    return groups


def load_targets(year: int, *, session: Session, pillar: str | None = None) -> dict[tuple[str, str], Decimal]:
    """Return the year's current targets per (pillar, indicator): neither superseded nor cancelled."""
    t = Target
    statement = select(t.pillar_code, t.indicator, t.target).where(
        t.year == year, col(t.superseded_by_id).is_(None), col(t.cancelled_at).is_(None),
        *([t.pillar_code == pillar] if pillar else []))
    return {(p, i): target for p, i, target in read(session, statement).all()}


def results_extras(period: Period, figures: dict[str, Decimal], *, session: Session,
                   pillar: str | None = None) -> dict[str, Any]:
    """Return the summary's `outputs`, `results` and land released by province, from its money figures."""
    pillars = [pillar] if pillar else list(PILLARS)
    groups = load_output_groups(period, session=session, pillar=pillar)
    in_period = set(period_quarters(period))
    return {
        "outputs": outputs_rows(tally(groups, in_period), pillars),
        "results": results_rows(pillars, tally(groups, in_period), tally(groups), spent_of(figures, pillars),
                                load_targets(period.year, session=session, pillar=pillar)),
        "land_released_by_province": by_province(groups, in_period),
    }


def output_lines(period: Period, figure: OutputFigure, *, session: Session, pillar: str | None = None,
                 ) -> list[dict[str, Any]]:
    """Return the current return lines a results figure is made of: operator, quarter, province, value, people."""
    if pillar and figure.pillar != pillar:
        return []
    o = ReturnOutput
    quarters = year_to_date_quarters(period) if figure.year_to_date else period_quarters(period)
    where = _current(figure.pillar, quarters) + [o.indicator == figure.indicator]
    if figure.province is not None:
        where.append(o.province_code == figure.province)
    return _lines(where, session=session)


def frozen_output_lines(period: Period, *, session: Session, pillar: str | None = None) -> list[dict[str, Any]]:
    """Return every output line of the year to date with the figure keys it belongs to, for a published version."""
    in_period = set(period_quarters(period))
    out = []
    for line in _lines(_current(pillar, year_to_date_quarters(period)), session=session):
        code, indicator = line["pillar"], line["indicator"]
        keys = [OutputFigure(code, indicator, year_to_date=True).key]
        if line["quarter"] in in_period:
            keys += [OutputFigure(code, indicator).key, OutputFigure(code, indicator, province=line["province"]).key]
        out.append({**line, "keys": keys})
    return out


def _lines(where: list[Any], *, session: Session) -> list[dict[str, Any]]:
    o, ret = ReturnOutput, OperatorReturn
    statement = (select(o.id, o.row, ret.id, ret.version_no, ret.quarter, Organisation.name, o.pillar_code, o.province_code,
                        o.indicator, o.value, *(getattr(o, name) for name in PEOPLE))
                 .join(ret, col(o.return_id) == col(ret.id)).join(Organisation, col(Organisation.id) == col(ret.operator_id))
                 .where(*where).order_by(col(ret.quarter), col(Organisation.name), col(o.row), col(o.id)))
    return [_line(*x) for x in read(session, statement).all()]


def _line(line_id: int, row: int, return_id: int, version_no: int, quarter: str, operator: str, pillar: str,
          province: str, indicator: str, value: Decimal, *people: int | None) -> dict[str, Any]:
    """Return one output line as the row a person checks (and a published version keeps)."""
    return {"kind": "output", "id": line_id, "row": row, "return_id": return_id, "return_version": version_no,
            "quarter": quarter, "operator": operator, "pillar": pillar, "province": province, "indicator": indicator,
            "value": format(value.normalize(), "f"), **dict(zip(PEOPLE, people))}
