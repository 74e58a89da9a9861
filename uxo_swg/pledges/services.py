"""One function per action of the co-chairs: record, change and cancel; each commits once.

Edits are guarded by optimistic locking: a form carries the `version` it was opened at,
and a save against a record changed since then is refused with who changed it and when,
and nothing is saved. The record is read again under a lock before the check, and the
UPDATE itself checks the version (models.Versioned), so of two saves at the same instant
exactly one wins. Records are cancelled or superseded, never deleted; every change is
in the audit log (the session hook).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Callable, TypeVar

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from ..db import write_transaction
from ..domain.messages import N_, Explained, message
from ..models import AuditLog, Commitment, Disbursement, ImportBatch, Pledge, PledgeLine, Requirement, utcnow
from ..timezone import local_time


class Conflict(Explained):
    """A save against a record someone else changed since the form was opened."""


class ActionRefused(Explained, ValueError):
    """An action that cannot be done as asked, with the reason."""


RELOAD = N_("nothing was saved. Reload the page to see the current values, then make your change again.")
Action = TypeVar("Action", bound=Callable[..., Any])


def check_version(record: Any, version: int | None, *, session: Session) -> None:
    """Raise Conflict when the record is no longer at the version the form was opened at."""
    if version is not None and record.version == version:
        return
    last = session.exec(select(AuditLog).where(AuditLog.entity == record.__table__.name, AuditLog.entity_id == str(record.id))
                        .order_by(col(AuditLog.id).desc())).first()
    if last is None:
        raise Conflict(N_("this record was changed by someone else since you opened it; {reload}"), reload=message(RELOAD))
    raise Conflict(N_("this record was changed by {who} at {when} (Vientiane time) since you opened it; {reload}"),
                   who=last.actor or message(N_("someone")), when=local_time(last.at), reload=message(RELOAD))


def guarded(action: Action) -> Action:
    """Run a saving action in a write transaction; a simultaneous save that won makes it a Conflict."""

    @functools.wraps(action)
    def run(*args: Any, session: Session, **kwargs: Any) -> Any:
        write_transaction(session)
        try:
            return action(*args, session=session, **kwargs)
        except StaleDataError:
            session.rollback()
            raise Conflict(N_("this record was changed by someone else at the same moment; {reload}"),
                           reload=message(RELOAD)) from None

    return run  # type: ignore[return-value]


def _unique_ref(model: Any, ref: str, own_id: int | None, *, session: Session) -> None:
    other = session.exec(select(model).where(model.ref == ref)).first()
    if other is not None and other.id != own_id:
        raise ActionRefused(N_("the ref {ref} is already used by another record"), ref=repr(ref))


@dataclass
class PledgeData:
    """What the pledge form gives."""

    ref: str
    donor_id: int
    recipient_id: int | None
    announced_on: date
    announced_at: str
    currency: str
    ccm_specific: bool
    notes: str
    lines: list[tuple[int, str, Decimal]]  # year, pillar, amount


@guarded
def save_pledge(data: PledgeData, *, session: Session, pledge_id: int | None = None, version: int | None = None) -> Pledge:
    """Record a new pledge with its yearly lines, or change one (lines matched by year and pillar)."""
    check_lines(data.lines, "a pledge")
    _unique_ref(Pledge, data.ref, pledge_id, session=session)
    if pledge_id is None:
        pledge = Pledge(ref=data.ref, donor_id=data.donor_id, announced_on=data.announced_on, currency=data.currency)
    else:
        pledge = _get(Pledge, pledge_id, session=session)
        check_version(pledge, version, session=session)
        if pledge.cancelled_at is not None:
            raise ActionRefused(N_("a cancelled pledge cannot be changed"))
        pledge.version += 1
    for name in ("ref", "donor_id", "recipient_id", "announced_on", "announced_at", "currency", "ccm_specific", "notes"):
        setattr(pledge, name, getattr(data, name))
    session.add(pledge)
    session.flush()
    sync_lines(PledgeLine, "pledge_id", pledge.id, data.lines, session=session)
    session.commit()
    return pledge


def check_lines(lines: list[tuple[int, str, Decimal]], what: str) -> None:
    """Refuse a pledge's or agreement's lines when there are none or two share a year and pillar."""
    keys = [(y, p) for y, p, _ in lines]
    if not lines:
        raise ActionRefused(N_("an agreement needs at least one line with a year, a pillar and an amount") if what == "an agreement"
                            else N_("a pledge needs at least one line with a year, a pillar and an amount"))
    if len(set(keys)) != len(keys):
        raise ActionRefused(N_("two lines have the same year and pillar: put their amounts on one line"))


def sync_lines(model: Any, parent: str, parent_id: int, lines: list[tuple[int, str, Decimal]], *, session: Session) -> None:
    """Make the stored lines of a pledge or agreement those of the form, matched by year and pillar."""
    existing = {(ln.year, ln.pillar_code): ln for ln in session.exec(select(model).where(getattr(model, parent) == parent_id))}
    for year, pillar, amount in lines:
        line = existing.pop((year, pillar), None) or model(**{parent: parent_id}, year=year, pillar_code=pillar, amount=amount)
        line.amount = amount
        session.add(line)
    for line in existing.values():  # a line taken off the form; its values stay in the audit log
        session.delete(line)


@guarded
def cancel(model: Any, record_id: int, version: int | None, *, session: Session) -> Any:
    """Cancel a pledge, agreement, disbursement or requirement (it stays, marked cancelled)."""
    record = _get(model, record_id, session=session)
    check_version(record, version, session=session)
    if record.cancelled_at is not None:
        raise ActionRefused(N_("this record is already cancelled"))
    record.cancelled_at = utcnow()
    record.version += 1
    session.add(record)
    session.commit()
    return record


@guarded
def reinstate(model: Any, record_id: int, version: int | None, *, session: Session) -> Any:
    """Count a cancelled pledge, agreement, disbursement or requirement again (it was cancelled in error)."""
    record = _get(model, record_id, session=session)
    check_version(record, version, session=session)
    if record.cancelled_at is None:
        raise ActionRefused(N_("this record is not cancelled"))
    batch = session.get(ImportBatch, record.import_batch_id) if record.import_batch_id else None
    if batch is not None and batch.rolled_back_at is not None:
        raise ActionRefused(N_("it was cancelled by rolling back import {number} ({filename}): import that "
                               "file again to reinstate its records"), number=batch.id, filename=batch.filename)
    if model is Requirement:
        _check_requirement_free(record, session=session)
    record.cancelled_at = None
    record.version += 1
    session.add(record)
    session.commit()
    return record


def _check_requirement_free(record: Requirement, *, session: Session) -> None:
    """Refuse to reinstate a requirement that was replaced, or whose year and pillar have another one now."""
    if record.superseded_by_id is not None:
        raise ActionRefused(N_("a newer requirement replaced this one: change that one instead"))
    current = session.exec(select(Requirement).where(
        Requirement.year == record.year, Requirement.pillar_code == record.pillar_code, Requirement.id != record.id,
        col(Requirement.superseded_by_id).is_(None), col(Requirement.cancelled_at).is_(None))).first()
    if current is not None:
        raise ActionRefused(N_("{year} {pillar} has another requirement now (number {number}): replace that one instead"),
                            year=record.year, pillar=record.pillar_code, number=current.id)


@guarded
def save_record(model: Any, values: dict[str, Any], *, session: Session, record_id: int | None = None,
                version: int | None = None, commit: bool = True) -> Any:
    """Record a new agreement or disbursement, or change one (`commit=False`: flush, for an action that goes on)."""
    if "ref" in values:
        _unique_ref(model, values["ref"], record_id, session=session)
    if values.get("pledge_id"):
        pledge = _get(Pledge, values["pledge_id"], session=session)
        if pledge.donor_id != values["donor_id"]:
            raise ActionRefused(N_("pledge {ref} was made by another donor"), ref=pledge.ref)
    if model is Disbursement and values.get("commitment_id"):
        agreement = _get(Commitment, values["commitment_id"], session=session)
        if agreement.donor_id != values["donor_id"]:
            raise ActionRefused(N_("agreement {ref} was signed by another donor"), ref=agreement.ref)
        values["agreement_ref"] = agreement.ref
        values["pledge_id"] = values.get("pledge_id") or agreement.pledge_id
    if record_id is None:
        record = model(**values)
    else:
        record = _get(model, record_id, session=session)
        check_version(record, version, session=session)
        if record.cancelled_at is not None:
            raise ActionRefused(N_("a cancelled record cannot be changed"))
        for name, value in values.items():
            setattr(record, name, value)
        record.version += 1
    session.add(record)
    session.commit() if commit else session.flush()
    return record


@guarded
def save_requirement(values: dict[str, Any], *, session: Session, replaces_id: int | None = None,
                     version: int | None = None) -> Requirement:
    """Record a requirement; one for a year and pillar that already has one supersedes it."""
    old = None
    if replaces_id is not None:
        old = _get(Requirement, replaces_id, session=session)
        check_version(old, version, session=session)
        if old.superseded_by_id is not None or old.cancelled_at is not None:
            raise ActionRefused(N_("this requirement was already replaced or cancelled"))
    current = session.exec(select(Requirement).where(
        Requirement.year == values["year"], Requirement.pillar_code == values["pillar_code"],
        col(Requirement.superseded_by_id).is_(None), col(Requirement.cancelled_at).is_(None))).all()
    new = Requirement(**values)
    session.add(new)
    session.flush()
    replaced = {r.id: r for r in [*current, *([old] if old else [])]}
    for older in replaced.values():
        older.superseded_by_id = new.id
        older.version += 1
        session.add(older)
    session.commit()
    return new


def _get(model: Any, record_id: int, *, session: Session) -> Any:
    # FOR UPDATE on PostgreSQL: two saves of one record wait for each other; read again
    # (populate_existing), not the copy the page loaded earlier, so the version check holds.
    record = session.get(model, record_id, with_for_update=True, populate_existing=True)
    if record is None:
        raise ActionRefused(N_("no {record} has the number {number}"), record=model.__table__.name.replace("_", " "),
                            number=record_id)
    return record
