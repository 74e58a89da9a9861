"""Importing the pledge register: validate the whole file, preview it, store it in one transaction.

Rows are read and stored chunk by chunk inside one transaction, so memory stays flat
however long the register is; a dry run (the preview) or a file with any error is rolled
back, so nothing of it stays. Checks against what is already stored (a ref already used,
rows of one pledge that disagree) are made per chunk with one query each.

Re-importing: a file whose content (sha256) was imported before adds nothing. Rows
identical to records already stored from another file are counted as unchanged, so an
updated register that repeats last month's rows adds only the new ones. A rolled-back
import keeps its batch (the sha256 stays unique per kind); importing the same file again
revalidates it and reinstates the records the rollback cancelled, in the same batch.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from importers.problems import explained, problem
from importers.register import COMMITMENTS, DISBURSEMENTS, ORGANISATIONS, PLEDGES, REQUIREMENTS, RegisterReader
from importers.workbook import MAX_FILE_BYTES, WorkbookRejected, inspect_xlsx, open_workbook

from ..audit import set_actor
from ..db import write_transaction
from ..directory import Directory
from ..domain.messages import N_, Explained, message
from ..domain.money import round_for_currency
from ..domain.reference import normalise
from ..models import (
    Amendment, Commitment, Disbursement, ImportBatch, Organisation, OrganisationAlias, Pledge, PledgeLine, Requirement, utcnow,
)
from ..rates import iso_currencies, rate_book
from ..timezone import local_time
from .import_agreements import store_amendments, store_commitments
from .import_rows import ImportResult, MissingRates, Recent, bump, chunks, insert_rows, pledges_by_ref
from .targets import reinstate_targets, rollback_targets, store_targets

KIND = "register"


class RollbackRefused(Explained, ValueError):
    """An import batch that cannot be rolled back."""


def import_register(data: bytes, filename: str, *, session: Session, actor: str, via: str = "import",
                    user_id: int | None = None, commit: bool = True, max_bytes: int = MAX_FILE_BYTES) -> ImportResult:
    """Validate the register workbook and, when `commit` and there is no error, store it in one transaction."""
    result = ImportResult(filename=filename)
    try:
        book = inspect_xlsx(data, max_bytes)
    except WorkbookRejected as rejected:
        result.problems.append(explained(rejected))
        return result
    result.sha256 = hashlib.sha256(data).hexdigest()
    write_transaction(session)  # SQLite: the write lock before the batches are read (a preview writes, then rolls back)
    previous = session.exec(select(ImportBatch).where(ImportBatch.kind == KIND, ImportBatch.sha256 == result.sha256)).first()
    if previous is not None and previous.rolled_back_at is None:
        result.already_imported, result.batch_id = True, previous.id
        return result
    set_actor(session, actor=actor, via=via, user_id=user_id)
    try:
        if previous is not None:
            _reinstate(book, previous, result, session=session)
        else:
            batch = ImportBatch(kind=KIND, sha256=result.sha256, filename=filename[:255], imported_by_id=user_id)
            session.add(batch)
            session.flush()
            result.batch_id = batch.id
            _store(book, batch, result, session=session)
            batch.summary = result.describe()[:1000]
            session.add(batch)
            session.flush()
        if result.errors or not commit:
            session.rollback()
        else:
            session.commit()
            result.committed = True
    except WorkbookRejected as rejected:
        session.rollback()
        result.problems.append(explained(rejected))
    except sa.exc.IntegrityError:
        # The same file confirmed twice at once: the second waits on the batch's UNIQUE (kind, sha256)
        # until the first commits, then fails here and is told the file is imported.
        session.rollback()
        return _imported_meanwhile(result, session=session)
    except AlreadyReinstated:
        session.rollback()
        return _imported_meanwhile(result, session=session)
    except BaseException:
        session.rollback()
        raise
    if not result.committed and previous is None:
        result.batch_id = None
    return result


class AlreadyReinstated(Exception):
    """A rolled-back import that a concurrent confirmation reinstated first."""


def _imported_meanwhile(result: ImportResult, *, session: Session) -> ImportResult:
    """Return the result of a confirmation that another one beat: the file is imported, or an error says why not."""
    batch = session.exec(select(ImportBatch).where(ImportBatch.kind == KIND, ImportBatch.sha256 == result.sha256)
                         .execution_options(populate_existing=True)).first()
    result.created, result.unchanged, result.committed = {}, {}, False
    if batch is not None and batch.rolled_back_at is None:
        result.already_imported, result.batch_id = True, batch.id
    else:
        result.batch_id = None
        result.problems.append(problem(N_("another import stored some of the same records at the same moment: "
                                          "nothing of this file was stored; check it again")))
    return result


def _reader(wb: Any, book: Any, session: Session) -> RegisterReader:
    directory = Directory.load(session=session)
    return RegisterReader(wb, book, find=lambda text: (o.id if (o := directory.find(text)) else None),
                          unknown=directory.unknown, currencies=iso_currencies(), country=_country)


def _country(text: str) -> str | None:
    import pycountry

    try:
        return pycountry.countries.lookup(text.strip()).alpha_2
    except LookupError:
        return None


# --- storing --------------------------------------------------------------------------

def _store(book: Any, batch: ImportBatch, result: ImportResult, *, session: Session) -> None:
    with open_workbook(book) as wb:
        reader = _reader(wb, book, session)
        reader.problems = result.problems
        reader.check_sheets()
        if result.errors:
            return
        _store_organisations(reader, result, session=session)
        reader = _reader(wb, book, session)  # the organisations just stored are known names now
        reader.problems = result.problems
        result.rates = MissingRates(rate_book(session=session))
        now = utcnow()
        _store_pledges(reader, batch.id, now, result, session=session)
        store_commitments(reader, batch.id, now, result, session=session)
        store_amendments(reader, batch.id, now, result, session=session)
        _store_disbursements(reader, batch.id, now, result, session=session)
        _store_requirements(reader, batch.id, now, result, session=session)
        _store_targets(reader, batch.id, now, result, session=session)
        result.problems.extend(result.rates.problems())


def _store_organisations(reader: RegisterReader, result: ImportResult, *, session: Session) -> None:
    rows = reader.organisations()
    if not rows:
        return
    orgs = {o.id: o for o in session.exec(select(Organisation)).all()}
    by_key = {normalise(o.name): o for o in orgs.values()}
    aliases = {a.key: a for a in session.exec(select(OrganisationAlias)).all()}
    for row in rows:
        key = normalise(row.name)
        org = by_key.get(key) or (orgs[aliases[key].organisation_id] if key in aliases else None)
        if org is None:
            org = Organisation(name=row.name, kind=row.kind, country=row.country, ccm_state_party=row.ccm_state_party,
                               fiscal_year_start=row.fiscal_year_start)
            session.add(org)
            session.flush()
            orgs[org.id] = by_key[key] = org
            bump(result.created, "organisations")
        elif (org.kind, org.country, org.ccm_state_party, org.fiscal_year_start) != (
                row.kind, row.country or org.country, _given(row.ccm_state_party, org.ccm_state_party),
                _given(row.fiscal_year_start, org.fiscal_year_start)):
            org.kind, org.country = row.kind, row.country or org.country
            org.ccm_state_party = _given(row.ccm_state_party, org.ccm_state_party)
            org.fiscal_year_start = _given(row.fiscal_year_start, org.fiscal_year_start)
            org.version += 1
            session.add(org)
            bump(result.created, "organisation updates")
        else:
            bump(result.unchanged, "organisations")
        for alias in row.aliases:
            akey = normalise(alias)
            owner = aliases[akey].organisation_id if akey in aliases else (by_key[akey].id if akey in by_key else None)
            if owner is None:
                aliases[akey] = OrganisationAlias(organisation_id=org.id, alias=alias, key=akey)
                session.add(aliases[akey])
            elif owner != org.id:
                result.problems.append(problem(N_("the alias {alias} already names {name}"), ORGANISATIONS, row.row,
                                               reader.label(ORGANISATIONS, "Aliases"), alias=repr(alias),
                                               name=repr(orgs[owner].name)))
    session.flush()


def _given(value: Any, stored: Any) -> Any:
    """Return the value a row gives, or the stored one when the cell was empty."""
    return stored if value is None else value


def _store_pledges(reader: RegisterReader, batch_id: int, now: datetime, result: ImportResult, *, session: Session) -> None:
    problems = result.problems
    first_rows = Recent()
    for chunk in chunks(reader.pledges()):
        refs = {r.ref for r in chunk}
        stored = {p.ref: p for p in session.execute(
            select(Pledge.id, Pledge.ref, Pledge.donor_id, Pledge.announced_on, Pledge.currency, Pledge.recipient_id,
                   Pledge.cancelled_at, Pledge.import_batch_id).where(col(Pledge.ref).in_(refs))).all()}
        ids = [p.id for p in stored.values()]
        lines = {(ln.pledge_id, ln.year, ln.pillar_code): ln.amount for ln in session.execute(
            select(PledgeLine.pledge_id, PledgeLine.year, PledgeLine.pillar_code, PledgeLine.amount)
            .where(col(PledgeLine.pledge_id).in_(ids))).all()} if ids else {}
        new_pledges: dict[str, dict[str, Any]] = {}
        new_lines: list[tuple[str, dict[str, Any]]] = []
        seen_lines: set[tuple[str, int, str]] = set()
        for r in chunk:
            header = (r.donor_id, r.announced_on, r.currency)
            p = stored.get(r.ref)
            if p is not None:
                if p.cancelled_at is not None:
                    problems.append(problem(N_("pledge ref {ref} belongs to a cancelled pledge: give this pledge another ref"),
                                            PLEDGES, r.row, reader.label(PLEDGES, "Pledge ref"), ref=repr(r.ref)))
                    continue
                if (p.donor_id, p.announced_on, p.currency) != header:
                    where = (first_rows.where(r.ref) if p.import_batch_id == batch_id
                             else message(N_("the pledge already recorded")))
                    problems.append(problem(
                        N_("this row gives pledge {ref} another donor, announcement date or currency than {where}: "
                           "rows of one pledge must agree"), PLEDGES, r.row, reader.label(PLEDGES, "Pledge ref"),
                        ref=repr(r.ref), where=where))
                    continue
                key = (p.id, r.year, r.pillar)
                if key in lines:
                    if p.import_batch_id == batch_id:
                        problems.append(problem(N_("pledge {ref} already has a line for {year} and {pillar} on an earlier row"),
                                                PLEDGES, r.row, reader.label(PLEDGES, "Pillar"), ref=repr(r.ref), year=str(r.year), pillar=r.pillar))
                    elif lines[key] != r.amount:
                        problems.append(problem(N_("pledge {ref} is recorded with {recorded} {currency} for {year} and {pillar}, "
                                                   "not {amount}: change it in the workspace, where the change is audited"),
                                                PLEDGES, r.row, reader.label(PLEDGES, "Amount"), ref=repr(r.ref),
                                                recorded=round_for_currency(lines[key], p.currency), currency=p.currency,
                                                year=str(r.year), pillar=r.pillar, amount=r.amount))
                    else:
                        bump(result.unchanged, "pledge lines")
                    continue
                if p.import_batch_id != batch_id:
                    problems.append(problem(N_("pledge {ref} is already recorded without a line for {year} and {pillar}: "
                                               "add the line in the workspace"), PLEDGES, r.row,
                                            reader.label(PLEDGES, "Pledge ref"), ref=repr(r.ref), year=str(r.year),
                                            pillar=r.pillar))
                    continue
            else:
                pending = new_pledges.get(r.ref)
                if pending is None:
                    new_pledges[r.ref] = {
                        "ref": r.ref, "donor_id": r.donor_id, "recipient_id": r.recipient_id, "announced_on": r.announced_on,
                        "announced_at": "", "currency": r.currency, "ccm_specific": r.ccm_specific, "notes": r.notes,
                        "cancelled_at": None, "import_batch_id": batch_id, "version": 1, "created_at": now}
                    first_rows.remember(r.ref, r.row)
                elif (pending["donor_id"], pending["announced_on"], pending["currency"]) != header:
                    problems.append(problem(
                        N_("this row gives pledge {ref} another donor, announcement date or currency than {where}: "
                           "rows of one pledge must agree"), PLEDGES, r.row, reader.label(PLEDGES, "Pledge ref"),
                        ref=repr(r.ref), where=first_rows.where(r.ref)))
                    continue
                if (r.ref, r.year, r.pillar) in seen_lines:
                    problems.append(problem(N_("pledge {ref} already has a line for {year} and {pillar} on an earlier row"),
                                            PLEDGES, r.row, reader.label(PLEDGES, "Pillar"), ref=repr(r.ref), year=str(r.year), pillar=r.pillar))
                    continue
            seen_lines.add((r.ref, r.year, r.pillar))
            new_lines.append((r.ref, {"year": r.year, "pillar_code": r.pillar, "amount": r.amount}))
            result.rates.check(r.currency, r.announced_on, f"{PLEDGES} row {r.row}")
        pledge_ids = dict(zip(new_pledges, insert_rows(session, Pledge, list(new_pledges.values()))))
        for ref, p in stored.items():
            pledge_ids[ref] = p.id
        line_rows = [{"pledge_id": pledge_ids[ref], **values} for ref, values in new_lines]
        insert_rows(session, PledgeLine, line_rows)
        bump(result.created, "pledges", len(new_pledges))
        bump(result.created, "pledge lines", len(line_rows))


def _store_disbursements(reader: RegisterReader, batch_id: int, now: datetime, result: ImportResult, *, session: Session) -> None:
    problems = result.problems
    for chunk in chunks(reader.disbursements()):
        agreements = {c.ref: c for c in session.execute(
            select(Commitment.id, Commitment.ref, Commitment.donor_id, Commitment.pledge_id, Commitment.cancelled_at)
            .where(col(Commitment.ref).in_({r.agreement_ref for r in chunk if r.agreement_ref}))).all()}
        pledges = pledges_by_ref(session, {r.pledge_ref for r in chunk if r.pledge_ref})
        identity = lambda d: (d.donor_id, d.recipient_id, d.via_id, d.paid_on, d.pillar_code, d.province_code,  # noqa: E731
                              d.amount, d.currency, d.agreement_ref)
        stored = {identity(d) for d in session.execute(
            select(Disbursement.donor_id, Disbursement.recipient_id, Disbursement.via_id, Disbursement.paid_on,
                   Disbursement.pillar_code, Disbursement.province_code, Disbursement.amount, Disbursement.currency,
                   Disbursement.agreement_ref)
            .where(col(Disbursement.paid_on).in_({r.paid_on for r in chunk}), col(Disbursement.cancelled_at).is_(None),
                   (col(Disbursement.import_batch_id) != batch_id) | col(Disbursement.import_batch_id).is_(None))).all()}
        new: list[dict[str, Any]] = []
        for r in chunk:
            agreement = agreements.get(r.agreement_ref) if r.agreement_ref else None
            pledge = pledges.get(r.pledge_ref) if r.pledge_ref else None
            if (r.pledge_ref and pledge is None and r.pledge_ref in reader.failed_refs[PLEDGES]) or (
                    r.agreement_ref and agreement is None and r.agreement_ref in reader.failed_refs[COMMITMENTS]):
                continue  # the rows it refers to have errors already reported
            if r.pledge_ref and (pledge is None or pledge.cancelled_at is not None):
                problems.append(problem(N_("no pledge has the ref {ref}") if pledge is None else N_("pledge {ref} is cancelled"),
                                        DISBURSEMENTS, r.row, reader.label(DISBURSEMENTS, "Pledge ref"), ref=repr(r.pledge_ref)))
                continue
            if agreement is not None and agreement.cancelled_at is not None:
                problems.append(problem(N_("agreement {ref} is cancelled"), DISBURSEMENTS, r.row,
                                        reader.label(DISBURSEMENTS, "Agreement ref"), ref=repr(r.agreement_ref)))
                continue
            if agreement is not None and agreement.donor_id != r.donor_id:
                problems.append(problem(N_("agreement {ref} was signed by another donor"), DISBURSEMENTS, r.row,
                                        reader.label(DISBURSEMENTS, "Donor"), ref=repr(r.agreement_ref)))
                continue
            if pledge is not None and pledge.donor_id != r.donor_id:
                problems.append(problem(N_("pledge {ref} was made by another donor"), DISBURSEMENTS, r.row,
                                        reader.label(DISBURSEMENTS, "Donor"), ref=repr(r.pledge_ref)))
                continue
            if r.agreement_ref and agreement is None:
                problems.append(problem(N_("no agreement with the ref {ref} is recorded: the payment keeps the ref, unlinked"),
                                        DISBURSEMENTS, r.row, reader.label(DISBURSEMENTS, "Agreement ref"), level="warning",
                                        ref=repr(r.agreement_ref)))
            values = {"agreement_ref": r.agreement_ref, "commitment_id": agreement.id if agreement else None,
                      "pledge_id": pledge.id if pledge else (agreement.pledge_id if agreement else None),
                      "donor_id": r.donor_id, "recipient_id": r.recipient_id, "via_id": r.via_id, "paid_on": r.paid_on,
                      "pillar_code": r.pillar, "province_code": r.province, "amount": r.amount, "currency": r.currency,
                      "support": r.support, "notes": r.notes, "cancelled_at": None, "import_batch_id": batch_id, "version": 1, "created_at": now}
            key = (r.donor_id, r.recipient_id, r.via_id, r.paid_on, r.pillar, r.province, r.amount, r.currency, r.agreement_ref)
            if key in stored:
                bump(result.unchanged, "disbursements")
                continue
            new.append(values)
            result.rates.check(r.currency, r.paid_on, f"{DISBURSEMENTS} row {r.row}")
        insert_rows(session, Disbursement, new)
        bump(result.created, "disbursements", len(new))


def _store_requirements(reader: RegisterReader, batch_id: int, now: datetime, result: ImportResult, *, session: Session) -> None:
    rows = list(reader.requirements())  # one row per year and pillar: a short list
    if not rows:
        return
    active = {(q.year, q.pillar_code): q for q in session.exec(
        select(Requirement).where(col(Requirement.superseded_by_id).is_(None), col(Requirement.cancelled_at).is_(None),
                                  col(Requirement.year).in_({r.year for r in rows}))).all()}
    for r in rows:
        old = active.get((r.year, r.pillar))
        if old is not None and (old.amount, old.currency) == (r.amount, r.currency):
            bump(result.unchanged, "requirements")
            continue
        new = Requirement(year=r.year, pillar_code=r.pillar, amount=r.amount, currency=r.currency, source=r.source,
                          import_batch_id=batch_id, created_at=now)
        result.rates.check(r.currency, date(r.year, 1, 1), f"{REQUIREMENTS} row {r.row}")
        session.add(new)
        session.flush()
        if old is not None:
            old.superseded_by_id = new.id
            old.version += 1
            session.add(old)
        bump(result.created, "requirements")
    session.flush()


def _store_targets(reader: RegisterReader, batch_id: int, now: datetime, result: ImportResult, *, session: Session) -> None:
    rows = list(reader.targets())  # one row per year, pillar and indicator: a short list
    if rows:
        created, unchanged = store_targets(rows, batch_id, now, session=session)
        bump(result.created, "targets", created)
        bump(result.unchanged, "targets", unchanged)


# --- rollback and reinstatement -------------------------------------------------------

def rollback_import(batch_id: int, *, session: Session, actor: str, user_id: int | None = None) -> ImportBatch:
    """Cancel every record the import created and mark it rolled back, in one transaction."""
    write_transaction(session)
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.kind != KIND:
        raise RollbackRefused(N_("no register import has that number"))
    if batch.rolled_back_at is not None:
        raise RollbackRefused(N_("import {number} was already rolled back on {when}"), number=batch.id,
                              when=local_time(batch.rolled_back_at))
    set_actor(session, actor=actor, via="form", user_id=user_id)
    now = utcnow()
    table = ImportBatch.__table__
    # Claim it (row lock / write lock): of two clicks at once, the second finds it rolled back and stops.
    if not session.execute(sa.update(table).where(table.c.id == batch.id, table.c.rolled_back_at.is_(None))
                           .values(rolled_back_at=now)).rowcount:
        session.rollback()
        raise RollbackRefused(N_("import {number} was rolled back a moment ago by someone else"), number=batch.id)
    for model in (Pledge, Commitment, Amendment, Disbursement, Requirement):
        for record in session.exec(select(model).where(model.import_batch_id == batch.id, col(model.cancelled_at).is_(None))).all():
            record.cancelled_at = now
            record.version += 1
            session.add(record)
            if model is Requirement:
                for older in session.exec(select(Requirement).where(Requirement.superseded_by_id == record.id)).all():
                    older.superseded_by_id = None  # the requirement it replaced applies again
                    older.version += 1
                    session.add(older)
    rollback_targets(batch, now, session=session)
    batch.rolled_back_at = now
    session.add(batch)
    session.commit()
    return batch


def _reinstate(book: Any, batch: ImportBatch, result: ImportResult, *, session: Session) -> None:
    """Revalidate a rolled-back file and reinstate the records its rollback cancelled."""
    result.batch_id = batch.id
    table = ImportBatch.__table__
    # Claim the batch first (a row lock on PostgreSQL, the write lock on SQLite): a second confirmation
    # waits here, then finds it reinstated and reinstates nothing twice.
    claimed = session.execute(sa.update(table).where(table.c.id == batch.id, table.c.rolled_back_at == batch.rolled_back_at)
                              .values(rolled_back_at=batch.rolled_back_at)).rowcount
    if not claimed:
        raise AlreadyReinstated()
    with open_workbook(book) as wb:
        reader = _reader(wb, book, session)
        reader.problems = result.problems
        reader.check_sheets()
        reader.organisations()
        for rows in (reader.pledges(), reader.commitments(), reader.amendments(), reader.disbursements(),
                     reader.requirements(), reader.targets()):
            for _ in rows:
                pass
    if result.errors:
        return
    names = {Pledge: "pledges", Commitment: "agreements", Amendment: "amendments", Disbursement: "disbursements",
             Requirement: "requirements"}
    for model, label in names.items():
        records = session.exec(select(model).where(model.import_batch_id == batch.id,
                                                   model.cancelled_at == batch.rolled_back_at)).all()
        for record in records:
            record.cancelled_at = None
            record.version += 1
            session.add(record)
            if model is Requirement:
                current = session.exec(select(Requirement).where(
                    Requirement.year == record.year, Requirement.pillar_code == record.pillar_code,
                    col(Requirement.superseded_by_id).is_(None), col(Requirement.cancelled_at).is_(None),
                    Requirement.id != record.id)).all()
                for older in current:
                    older.superseded_by_id = record.id
                    older.version += 1
                    session.add(older)
        bump(result.created, label, len(records))
    bump(result.created, "targets", reinstate_targets(batch, session=session))
    result.reinstated = True
    batch.rolled_back_at = None
    batch.imported_at = utcnow()
    batch.summary = result.describe()[:1000]
    session.add(batch)
    session.flush()
