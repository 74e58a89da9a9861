"""The work plan's targets (spec section 10): recorded by co-chairs or imported from the register's `Targets` sheet.

A target is for a year, pillar and indicator. Like a requirement, a new target for the same
year, pillar and indicator supersedes the current one, which is kept; a target entered in
error is cancelled; none is deleted. Every change is audited by the session hook.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable

from sqlmodel import Session, col, select

from importers.register import TargetRow

from ..domain.messages import N_, Explained
from ..models import ImportBatch, Target
from .services import ActionRefused, _get, check_version


@dataclass(frozen=True)
class TargetFilters:
    """What the targets list is filtered by."""

    year: int | None = None
    pillar: str | None = None
    cancelled: bool = False


def find_targets(filters: TargetFilters, *, session: Session) -> list[Target]:
    """Return the current targets (or the cancelled ones) matching the filters, newest year first."""
    query = select(Target).where(col(Target.superseded_by_id).is_(None))
    if filters.year:
        query = query.where(Target.year == filters.year)
    if filters.pillar:
        query = query.where(Target.pillar_code == filters.pillar)
    cancelled = col(Target.cancelled_at)
    query = query.where(cancelled.is_not(None) if filters.cancelled else cancelled.is_(None))
    return list(session.exec(query.order_by(col(Target.year).desc(), col(Target.pillar_code), col(Target.indicator))).all())


def _current(year: int, pillar: str, indicator: str, *, session: Session) -> list[Target]:
    return list(session.exec(select(Target).where(
        Target.year == year, Target.pillar_code == pillar, Target.indicator == indicator,
        col(Target.superseded_by_id).is_(None), col(Target.cancelled_at).is_(None))).all())


def _supersede(older: Iterable[Target], new: Target) -> None:
    for target in older:
        target.superseded_by_id = new.id
        target.version += 1


def save_target(values: dict[str, Any], *, session: Session, replaces_id: int | None = None,
                version: int | None = None) -> Target:
    """Record a target; one for a year, pillar and indicator that already has one supersedes it."""
    old = None
    if replaces_id is not None:
        old = _get(Target, replaces_id, session=session)
        check_version(old, version, session=session)
        if old.superseded_by_id is not None or old.cancelled_at is not None:
            raise ActionRefused(N_("this target was already replaced or cancelled"))
    current = _current(values["year"], values["pillar_code"], values["indicator"], session=session)
    new = Target(**values)
    session.add(new)
    session.flush()
    _supersede({t.id: t for t in [*current, *([old] if old else [])]}.values(), new)
    session.commit()
    return new


def store_targets(rows: list[TargetRow], batch_id: int, now: datetime, *, session: Session) -> tuple[int, int]:
    """Store a register's targets (one per year, pillar and indicator), superseding changed ones; return (created, unchanged)."""
    created = unchanged = 0
    for r in rows:
        current = _current(r.year, r.pillar, r.indicator, session=session)
        if current and all(t.target == r.target for t in current):
            unchanged += 1
            continue
        new = Target(year=r.year, pillar_code=r.pillar, indicator=r.indicator, target=r.target, source=r.source,
                     import_batch_id=batch_id, created_at=now)
        session.add(new)
        session.flush()
        _supersede(current, new)
        created += 1
    session.flush()
    return created, unchanged


def rollback_targets(batch: ImportBatch, now: datetime, *, session: Session) -> None:
    """Cancel the targets an import created; the targets they had replaced apply again."""
    for target in session.exec(select(Target).where(Target.import_batch_id == batch.id, col(Target.cancelled_at).is_(None))).all():
        target.cancelled_at = now
        target.version += 1
        for older in session.exec(select(Target).where(Target.superseded_by_id == target.id)).all():
            older.superseded_by_id = None
            older.version += 1


def reinstate_targets(batch: ImportBatch, *, session: Session) -> int:
    """Reinstate the targets a rolled-back import's rollback cancelled; return how many."""
    records = session.exec(select(Target).where(Target.import_batch_id == batch.id,
                                                Target.cancelled_at == batch.rolled_back_at)).all()
    for target in records:
        target.cancelled_at = None
        target.version += 1
        _supersede([t for t in _current(target.year, target.pillar_code, target.indicator, session=session)
                    if t.id != target.id], target)
    return len(records)


class TargetError(Explained, ValueError):
    """A target typed in a way that is not a number of the indicator's units."""


def target_value(text: str) -> Decimal:
    """Return a target typed in the form as a Decimal above zero with at most four decimals, or raise ValueError."""
    from decimal import InvalidOperation

    try:
        number = Decimal(text.replace(",", "").replace(" ", "").strip())
    except InvalidOperation:
        raise TargetError(N_("{value} is not a number"), value=repr(text)) from None
    if not number.is_finite() or number <= 0:
        raise TargetError(N_("the target must be a number above zero"))
    if number != number.quantize(Decimal("0.0001")):
        raise TargetError(N_("write the target with at most four decimals"))
    return number
