"""Reading the audit trail with filters (it is never edited)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from ..models import AuditLog
from ..timezone import local_day_start

PAGE_SIZE = 50


@dataclass
class AuditFilter:
    entity: str = ""
    entity_id: str = ""
    actor: str = ""
    via: str = ""
    since: date | None = None
    until: date | None = None


def search_audit(flt: AuditFilter, page: int, *, session: Session) -> tuple[list[AuditLog], int]:
    """Return one page of audit entries matching the filter, newest first, and the total count."""
    query = select(AuditLog)
    if flt.entity:
        query = query.where(AuditLog.entity == flt.entity)
    if flt.entity_id:
        query = query.where(AuditLog.entity_id == flt.entity_id)
    if flt.actor:
        query = query.where(col(AuditLog.actor).contains(flt.actor.lower()))
    if flt.via:
        query = query.where(AuditLog.via == flt.via)
    if flt.since:  # days as the users live them, in Vientiane
        query = query.where(col(AuditLog.at) >= local_day_start(flt.since))
    if flt.until:
        query = query.where(col(AuditLog.at) < local_day_start(flt.until + timedelta(days=1)))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(AuditLog.id).desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return list(rows), total


def audited_entities(*, session: Session) -> list[str]:
    """Return the names of the record types that have audit entries."""
    return list(session.exec(select(AuditLog.entity).distinct().order_by(AuditLog.entity)).all())
