"""How the API writes values and pages: exact amounts as text, ISO dates, and when a record last changed."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from ..domain.counting import PILLARS
from ..domain.money import round_for_currency
from ..login_sessions import aware
from ..models import Amendment, AuditLog, Organisation

ZERO = Decimal(0)


def money(amount: Decimal | None, currency: str) -> str | None:
    """Return an amount as text with the currency's own decimals ("1250.50", JPY "125000"), never a float."""
    return None if amount is None else format(round_for_currency(amount, currency), "f")


def day(value: date | None) -> str | None:
    """Return a date as ISO text (2025-03-31)."""
    return None if value is None else value.isoformat()


def moment(value: datetime | None) -> str | None:
    """Return a moment as ISO text in UTC (2025-10-01T08:30:00+00:00)."""
    return None if value is None else aware(value).astimezone(timezone.utc).isoformat()


def pillar_order(code: str | None) -> int:
    """Return where a pillar comes in the spec's order (unknown ones last)."""
    return PILLARS.index(code) if code in PILLARS else len(PILLARS)


def lines_of(lines: Iterable[Any], currency: str) -> list[dict[str, Any]]:
    """Return yearly lines (pledge or agreement) by year and pillar, amounts as text."""
    ordered = sorted(lines, key=lambda ln: (ln.year, pillar_order(ln.pillar_code)))
    return [{"year": ln.year, "pillar": ln.pillar_code, "amount": money(ln.amount, currency)} for ln in ordered]


class Names:
    """The organisations' names, read once per request, to write a reference as {"id", "name"}."""

    def __init__(self, *, session: Session):
        self.by_id = dict(session.exec(select(Organisation.id, Organisation.name)).all())

    def ref(self, org_id: int | None) -> dict[str, Any] | None:
        """Return the reference to an organisation (None for none)."""
        return None if org_id is None else {"id": org_id, "name": self.by_id.get(org_id, "")}


def refs(model: Any, ids: Iterable[int | None], *, session: Session) -> dict[int, dict[str, Any]]:
    """Return {"id", "ref"} of the pledges or agreements with these ids."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(model.id, model.ref).where(col(model.id).in_(wanted))).all()
    return {i: {"id": i, "ref": ref} for i, ref in rows}


def page_of(query: Any, args: dict[str, Any], *, session: Session) -> tuple[list[Any], int]:
    """Return the rows of the page the arguments ask for, and how many rows the whole query has."""
    total = session.exec(select(sa.func.count()).select_from(query.order_by(None).subquery())).one()
    per_page = args["per_page"]
    rows = session.exec(query.offset((args["page"] - 1) * per_page).limit(per_page)).all()
    return list(rows), int(total)


def _touched(entity: str, since: datetime) -> Any:
    return select(AuditLog.entity_id).where(AuditLog.entity == entity, AuditLog.at >= since)


def changed_since(model: Any, since: datetime) -> ColumnElement[bool]:
    """Return the condition: the record was created, or changed (the audit log says), at or after `since`."""
    return sa.or_(col(model.created_at) >= since,
                  sa.cast(model.id, sa.String).in_(_touched(model.__tablename__, since)))


def amended_since(since: datetime) -> Any:
    """Return the ids of the agreements whose amendments were made or changed at or after `since`."""
    return (select(Amendment.commitment_id)
            .join(AuditLog, sa.and_(AuditLog.entity == "amendment", AuditLog.entity_id == sa.cast(Amendment.id, sa.String)))
            .where(AuditLog.at >= since))


def last_changes(records: list[Any], *, session: Session, amendments: bool = False) -> dict[int, str]:
    """Return when each record was last created or changed (its amendments too), by id, as ISO text."""
    if not records:
        return {}
    ids = [r.id for r in records]
    latest: dict[int, datetime] = {r.id: aware(r.created_at) for r in records}
    entity = records[0].__table__.name
    rows = list(session.exec(select(AuditLog.entity_id, sa.func.max(AuditLog.at)).where(
        AuditLog.entity == entity, col(AuditLog.entity_id).in_([str(i) for i in ids])).group_by(AuditLog.entity_id)).all())
    changes = [(int(i), at) for i, at in rows]
    if amendments:
        changes += session.exec(
            select(Amendment.commitment_id, sa.func.max(AuditLog.at))
            .join(AuditLog, sa.and_(AuditLog.entity == "amendment", AuditLog.entity_id == sa.cast(Amendment.id, sa.String)))
            .where(col(Amendment.commitment_id).in_(ids)).group_by(Amendment.commitment_id)).all()
    for record_id, at in changes:
        if at is not None:
            latest[record_id] = max(latest[record_id], aware(at))
    return {i: moment(at) for i, at in latest.items()}


def cancelled_status(query: Any, model: Any, status: str) -> Any:
    """Return the query kept to active records, to cancelled ones, or to all."""
    if status == "active":
        return query.where(col(model.cancelled_at).is_(None))
    if status == "cancelled":
        return query.where(col(model.cancelled_at).is_not(None))
    return query


def where_equal(query: Any, args: dict[str, Any], columns: dict[str, Any]) -> Any:
    """Return the query kept to the rows whose columns equal the arguments given (by argument name)."""
    for name, column in columns.items():
        if args.get(name) is not None:
            query = query.where(column == args[name])
    return query


def between(query: Any, column: Any, first: date | None, last: date | None) -> Any:
    """Return the query kept to the rows whose date is within [first, last] (either may be open)."""
    if first is not None:
        query = query.where(column >= first)
    if last is not None:
        query = query.where(column <= last)
    return query
