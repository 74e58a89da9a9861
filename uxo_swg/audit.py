"""The audit trail: every insert, update and delete of a stored record, with who and how."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .db import Versioned, bulk_insert
from .models import (
    AuditLog, JobHistory, JobRun, LoginAttempt, LoginThrottle, Notice, OutgoingEmail, ReminderSent, UserSession, utcnow,
)

# Records whose changes are bookkeeping, not data: the log itself, job claims, logins and their sessions;
# the jobs' own history, notices (and their read marks), e-mails and reminders made.
_NOT_AUDITED = (AuditLog, JobRun, LoginAttempt, LoginThrottle, UserSession, JobHistory, Notice, OutgoingEmail, ReminderSent)
_SECRET_COLUMNS = {"password_hash", "token_hash"}


def set_actor(session: Session, *, actor: str, via: str, user_id: int | None = None) -> None:
    """Record who changes data through this session, and from which action."""
    session.info["audit_actor"] = {"actor": actor, "via": via, "user_id": user_id}


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@event.listens_for(Versioned, "before_update", propagate=True)
def _remember_version(_mapper: Any, _connection: Any, target: Any) -> None:
    # The UPDATE of a versioned row replaces the version's history with the new value
    # (version_id_col): keep the version it had, for the audit entry's "before".
    state = inspect(target)
    history = state.attrs.version.load_history()
    read = history.deleted or history.unchanged
    if read:
        state.info["audit_version_before"] = read[0]


def _state(obj: Any, which: str) -> dict[str, Any]:
    """Return the column values of obj before or after the flush."""
    state = inspect(obj)
    out: dict[str, Any] = {}
    version_before = state.info.pop("audit_version_before", None) if which == "before" else None
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _SECRET_COLUMNS:
            out[key] = "(hidden)"
            continue
        if key == "version" and version_before is not None:
            out[key] = version_before
            continue
        if which == "after":
            out[key] = _plain(getattr(obj, key))
        else:
            hist = state.attrs[key].history
            if hist.deleted:
                out[key] = _plain(hist.deleted[0])
            elif hist.unchanged:
                out[key] = _plain(hist.unchanged[0])
            else:
                out[key] = _plain(state.attrs[key].loaded_value)
    return out


def _identity(obj: Any) -> str:
    return ",".join(str(v) for v in inspect(obj).mapper.primary_key_from_instance(obj))


@event.listens_for(Session, "after_flush")
def _write_audit(session: Session, _ctx: Any) -> None:
    actor = session.info.get("audit_actor", {"actor": "system", "via": "unknown", "user_id": None})
    rows: list[dict[str, Any]] = []
    now = utcnow()
    changes = [("insert", o) for o in session.new] + [("update", o) for o in session.dirty] + [
        ("delete", o) for o in session.deleted
    ]
    for action, obj in changes:
        if isinstance(obj, _NOT_AUDITED) or not hasattr(obj, "__table__"):
            continue
        bumped = "audit_version_before" in inspect(obj).info  # a versioned row's UPDATE ran (its history is gone)
        if action == "update" and not bumped and not session.is_modified(obj, include_collections=False):
            continue
        before = None if action == "insert" else _state(obj, "before")
        after = None if action == "delete" else _state(obj, "after")
        if action == "update":
            changed = {k for k in after if before.get(k) != after.get(k)}
            if not changed:
                continue
            before = {k: before[k] for k in sorted(changed)}
            after = {k: after[k] for k in sorted(changed)}
        rows.append(
            {
                "at": now,
                "user_id": actor["user_id"],
                "actor": actor["actor"],
                "via": actor["via"],
                "action": action,
                "entity": obj.__table__.name,
                "entity_id": _identity(obj),
                "before": None if before is None else json.dumps(before, ensure_ascii=False),
                "after": None if after is None else json.dumps(after, ensure_ascii=False),
            }
        )
    if rows:
        session.connection().execute(sa.insert(AuditLog.__table__), rows)


def log_bulk_insert(session: Session, table: sa.Table, rows: list[dict[str, Any]], ids: list[Any]) -> None:
    """Audit rows inserted with a Core bulk insert (which bypasses the ORM flush hook).

    `rows` are the inserted values and `ids` their primary keys, in the same order.
    """
    actor = session.info.get("audit_actor", {"actor": "system", "via": "unknown", "user_id": None})
    now = utcnow()
    entries = [
        {
            "at": now, "user_id": actor["user_id"], "actor": actor["actor"], "via": actor["via"], "action": "insert",
            "entity": table.name, "entity_id": str(ident),
            "before": None,
            "after": json.dumps({"id": ident, **{k: _plain(v) for k, v in row.items() if k not in _SECRET_COLUMNS}}, ensure_ascii=False),
        }
        for row, ident in zip(rows, ids)
    ]
    if entries:
        bulk_insert(session, AuditLog.__table__, entries, returning_ids=False)
