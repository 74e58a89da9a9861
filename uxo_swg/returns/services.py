"""Operator returns: preview, import (with supersede and duplicate detection), status and history."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from importers.operator_return import (
    EXPENDITURE_SHEET, RECEIPTS_SHEET, ExpenditureRow, OutputRow, ReceiptRow, ReturnReading, Vocabulary, read_return,
)
from importers.problems import Problem
from importers.workbook import MAX_FILE_BYTES, inspect_xlsx

from ..audit import log_bulk_insert, set_actor
from ..db import bulk_insert, write_transaction
from ..directory import Directory
from ..domain.periods import Period, parse_quarter
from ..domain.returns import return_status
from ..models import (
    Organisation, OperatorReturn, ReturnExpenditure, ReturnLock, ReturnOutput, ReturnReceipt, User, utcnow,
)
from ..permissions import may_see_organisation_records, sees_everything
from ..pledges.import_rows import MissingRates
from ..rates import iso_currencies, rate_book
from ..reconciliation.carried import carry_decisions
from ..timezone import to_local

#: Organisations of these kinds are expected to send a return every quarter.
OPERATOR_KINDS = ("national-operator", "ngo", "commercial")
CHUNK = 2_000


class ReturnConflict(RuntimeError):
    """Another version of the same return was stored at the same moment; nothing of this one was."""

    def __init__(self) -> None:
        super().__init__("another version of this return was stored at the same moment; nothing of this file "
                         "was stored: send it again")


class ReturnRefused(ValueError):
    """A return that was not stored, with the problems that stopped it."""

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        self.problems, self.more = problems, more
        super().__init__("; ".join(str(p) for p in problems[:5]))


@dataclass
class ImportResult:
    """What an import did: `stored` a new version, or recognised a `duplicate` and stored nothing."""

    status: str
    operator_return: OperatorReturn
    reading: ReturnReading | None = None
    superseded: OperatorReturn | None = None


def vocabulary(*, session: Session) -> Vocabulary:
    """Return the names the return reader checks against, from the live reference data."""
    directory = Directory.load(session=session)

    def find(text: str) -> tuple[int, str] | None:
        org = directory.find(text)
        return (org.id, org.name) if org is not None else None

    return Vocabulary(find_organisation=find, unknown_organisation=directory.unknown_message,
                      currencies=iso_currencies())


def _check_uploader(reading: ReturnReading, user: User | None) -> None:
    """An operator may send only its own organisation's return."""
    header = reading.header
    if user is None or header.operator_id is None or may_see_organisation_records(user, header.operator_id):
        return
    reading.add(Problem(f"you report for your own organisation only, not for {header.operator_name!r}: write your "
                        "organisation's name in 'Operator'", "Return", header.operator_row, "B"))


def preview_return(data: bytes, *, session: Session, user: User | None = None, max_bytes: int = MAX_FILE_BYTES,
                   keep_row: Callable[[Any], None] | None = None) -> ReturnReading:
    """Read the whole file and return its header, totals and problems; store nothing (`keep_row` sees each row)."""
    book = inspect_xlsx(data, max_bytes)
    with read_return(book, vocabulary(session=session)) as reading:
        _check_uploader(reading, user)
        for row in _rows_and_rates(reading, session):
            if keep_row is not None:
                keep_row(row)
        return reading


def _rows_and_rates(reading: ReturnReading, session: Session) -> Iterator[Any]:
    """Yield the reading's rows; at the end, warn of each amount with no usable rate yet (counting rule 1).

    A receipt is converted at its `Received on`, spending at the first day of the quarter.
    """
    rates = MissingRates(rate_book(session=session))
    quarter_start = reading.header.quarter.start if reading.header.quarter is not None else None
    for row in reading.rows():
        if isinstance(row, ReceiptRow):
            rates.check(row.currency, row.received_on, f"{RECEIPTS_SHEET} row {row.row}")
        elif isinstance(row, ExpenditureRow) and quarter_start is not None:
            rates.check(row.currency, quarter_start, f"{EXPENDITURE_SHEET} row {row.row}")
        yield row
    for warning in rates.problems():
        reading.add(warning)


def find_duplicate(data: bytes, reading: ReturnReading, *, session: Session) -> OperatorReturn | None:
    """Return the current version of the same operator and quarter if it has exactly these bytes.

    Only the current version counts: sending again the file of an earlier, superseded version
    is how an operator goes back to it, and it is stored as a new version.
    """
    header = reading.header
    if header.operator_id is None or header.quarter is None:
        return None
    current = _current_version(session, header.operator_id, str(header.quarter))
    return current if current is not None and current.sha256 == hashlib.sha256(data).hexdigest() else None


def _current_version(session: Session, operator_id: int, quarter: str) -> OperatorReturn | None:
    # populate_existing: a version already in this session is read again, not trusted as it was.
    return session.exec(select(OperatorReturn).where(
        OperatorReturn.operator_id == operator_id, OperatorReturn.quarter == quarter,
        col(OperatorReturn.superseded_by_id).is_(None)).execution_options(populate_existing=True)).first()


def _lock_quarter(session: Session, operator_id: int, quarter: str) -> None:
    """Lock the operator's quarter until the transaction ends: a second import waits here.

    An upsert of the quarter's `return_lock` row: a row lock on PostgreSQL (the second
    transaction waits, then reads what the first committed), the write lock on SQLite.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(ReturnLock.__table__).values(operator_id=operator_id, quarter=quarter, locked_at=utcnow())
    session.execute(statement.on_conflict_do_update(index_elements=["operator_id", "quarter"],
                                                    set_={"locked_at": statement.excluded.locked_at}))


def import_return(data: bytes, filename: str, *, session: Session, user: User | None = None, actor: str,
                  via: str = "import", max_bytes: int = MAX_FILE_BYTES) -> ImportResult:
    """Validate the whole return and store it in one transaction as the operator's new version of the quarter.

    The previous version is kept and marked superseded; the same file as the current version stores nothing.
    Two imports of one operator's quarter run one after the other (the quarter is locked before the
    current version is read), and the database refuses a second current version or a repeated number.
    Raises WorkbookRejected for an unsafe file, ReturnRefused when any error was found.
    """
    book = inspect_xlsx(data, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    with read_return(book, vocabulary(session=session)) as reading:
        _check_uploader(reading, user)
        header = reading.header
        if header.operator_id is None or header.quarter is None or not reading.ok:
            reading.drain()
            raise ReturnRefused(reading.problems, reading.more_problems)
        quarter = str(header.quarter)
        try:
            write_transaction(session)  # SQLite: the write lock before the versions are read
            _lock_quarter(session, header.operator_id, quarter)
            previous = _current_version(session, header.operator_id, quarter)
            if previous is not None and previous.sha256 == digest:
                session.rollback()  # releases the lock
                return ImportResult("duplicate", previous, reading)
            set_actor(session, actor=actor, via=via, user_id=user.id if user is not None else None)
            last = session.exec(select(sa.func.max(OperatorReturn.version_no)).where(
                OperatorReturn.operator_id == header.operator_id, OperatorReturn.quarter == quarter)).one()
            if previous is not None:
                # Out of the way for a moment (superseded by itself), so the new version can be inserted as
                # the only current one; it points at the new version below, in the same transaction.
                session.execute(sa.update(OperatorReturn.__table__).where(OperatorReturn.id == previous.id)
                                .values(superseded_by_id=previous.id))
            new = OperatorReturn(operator_id=header.operator_id, quarter=quarter, version_no=(last or 0) + 1,
                                 prepared_by=header.prepared_by, email=header.email, submitted_on=header.submitted_on,
                                 filename=filename[:255], sha256=digest,
                                 uploaded_by_id=user.id if user is not None else None)
            session.add(new)
            session.flush()
            _store_rows(session, new.id, reading)
            if not reading.ok:
                session.rollback()
                raise ReturnRefused(reading.problems, reading.more_problems)
            if previous is not None:
                carry_decisions(previous.id, new.id, session=session)  # unchanged receipts keep the co-chairs' decisions
                previous.superseded_by_id = new.id  # audited: from current to superseded by the new version
            session.commit()
        except sa.exc.IntegrityError as error:
            # Only without the lock (a database that does not honour it): the constraints stopped a twin.
            session.rollback()
            if "operator_return" not in str(error.orig):
                raise
            stored = find_duplicate(data, reading, session=session)
            if stored is not None:
                return ImportResult("duplicate", stored, reading)
            raise ReturnConflict() from None
        except BaseException:
            session.rollback()
            raise
    return ImportResult("stored", new, reading, previous)


def move_returns(merged_id: int, survivor_id: int, *, session: Session) -> None:
    """Give the merged operator's returns to the survivor, one chain of versions per quarter (no commit).

    Where both sent a return for a quarter, the versions of both are numbered again in the order
    they were stored, each superseded by the next, the last one current, as one operator's would be.
    """
    moving = session.exec(select(OperatorReturn).where(OperatorReturn.operator_id == merged_id)).all()
    quarters = {r.quarter for r in moving}
    if not quarters:
        return
    both = list(session.exec(select(OperatorReturn).where(
        col(OperatorReturn.operator_id).in_([merged_id, survivor_id]), col(OperatorReturn.quarter).in_(quarters))
        .order_by(col(OperatorReturn.id)).execution_options(populate_existing=True)).all())
    chains: dict[str, list[OperatorReturn]] = {}
    for version in both:
        chains.setdefault(version.quarter, []).append(version)
    table = OperatorReturn.__table__
    for version in both:
        # Out of the way first (not current, a number no version has), so no step of the renumbering
        # meets the constraints; the values below replace these in the same transaction.
        session.execute(sa.update(table).where(table.c.id == version.id)
                        .values(version_no=-version.id, superseded_by_id=version.id))
    for chain in chains.values():
        for number, version in enumerate(chain, start=1):
            version.operator_id = survivor_id
            version.version_no = number
            version.superseded_by_id = chain[number].id if number < len(chain) else None
            flag_modified(version, "version_no")
            flag_modified(version, "superseded_by_id")
            session.add(version)
    session.flush()


_TABLES: dict[type, sa.Table] = {
    ReceiptRow: ReturnReceipt.__table__, ExpenditureRow: ReturnExpenditure.__table__, OutputRow: ReturnOutput.__table__,
}


def _values(return_id: int, row: Any) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in row.__slots__}
    values["return_id"] = return_id
    return values


def _store_rows(session: Session, return_id: int, reading: ReturnReading) -> None:
    """Insert the rows as they are read, in chunks (Core bulk inserts, audited); store nothing more after an error."""
    pending: dict[type, list[dict[str, Any]]] = {kind: [] for kind in _TABLES}
    for row in _rows_and_rates(reading, session):
        if not reading.ok:
            continue  # keep reading for every problem, store nothing more
        bucket = pending[type(row)]
        bucket.append(_values(return_id, row))
        if len(bucket) >= CHUNK:
            _flush_chunk(session, _TABLES[type(row)], bucket)
            bucket.clear()
    if reading.ok:
        for kind, bucket in pending.items():
            if bucket:
                _flush_chunk(session, _TABLES[kind], bucket)


def _flush_chunk(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    log_bulk_insert(session, table, rows, bulk_insert(session, table, rows))


# --- status and history -------------------------------------------------------------------

@dataclass
class OperatorStatus:
    """One operator's return for a quarter: its status and the versions sent."""

    operator: Organisation
    status: str
    current: OperatorReturn | None = None
    versions: int = 0
    first_uploaded: date | None = None


def operators_for(user: User, *, session: Session) -> list[Organisation]:
    """Return the operators the user may report for or read (all for co-chairs, its own for an operator)."""
    query = select(Organisation).where(col(Organisation.merged_into_id).is_(None)).order_by(Organisation.name)
    if not sees_everything(user):
        query = query.where(Organisation.id == (user.organisation_id or -1))
    else:
        query = query.where(col(Organisation.kind).in_(OPERATOR_KINDS))
    return list(session.exec(query).all())


def quarter_status(quarter: Period, *, session: Session, user: User, today: date) -> list[OperatorStatus]:
    """Return, for each operator the user may see, whether the quarter's return is on time, late or missing.

    Each operator's versions are counted in SQL (how many, the first upload): one row per
    operator, whatever the number of versions.
    """
    operators = {o.id: o for o in operators_for(user, session=session)}
    ret = OperatorReturn
    mine = [] if sees_everything(user) else [col(ret.operator_id).in_(list(operators))]
    counted = {oid: (n, first) for oid, n, first in session.exec(
        select(ret.operator_id, sa.func.count(), sa.func.min(ret.uploaded_at))
        .where(ret.quarter == str(quarter), *mine).group_by(ret.operator_id)).all()}
    current = {r.operator_id: r for r in session.exec(select(ret).where(
        ret.quarter == str(quarter), col(ret.superseded_by_id).is_(None), *mine)).all()}
    others = counted.keys() - operators.keys()  # organisations of another kind that sent a return
    if others:
        operators.update((o.id, o) for o in session.exec(select(Organisation).where(col(Organisation.id).in_(others))).all())
    out = []
    for oid, org in sorted(operators.items(), key=lambda kv: kv[1].name.casefold()):
        versions, first = counted.get(oid, (0, None))
        first_day = to_local(first).date() if first is not None else None  # the day in Vientiane
        out.append(OperatorStatus(org, return_status(quarter, first_day, today), current.get(oid), versions, first_day))
    return out


def visible_return(return_id: int, *, session: Session, user: User) -> OperatorReturn | None:
    """Return the return if it exists and the user may see it, else None (the route answers 404)."""
    found = session.get(OperatorReturn, return_id)
    if found is None or not may_see_organisation_records(user, found.operator_id):
        return None
    return found


@dataclass
class VersionView:
    """A version of a return with its totals and the lines changed since the version before."""

    version: OperatorReturn
    totals: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    changes: list[tuple[str, str, tuple]] = field(default_factory=list)  # (sheet, added|removed, line)
    header_changes: list[tuple[str, Any, Any]] = field(default_factory=list)


PEOPLE = ("women", "men", "girls", "boys", "with_disability")
SHEETS = (("Funds received", ReturnReceipt), ("Expenditure", ReturnExpenditure), ("Outputs", ReturnOutput))
MAX_CHANGES_SHOWN = 200


def _lines(session: Session, model: Any, return_id: int, names: dict[int, str]) -> list[tuple]:
    rows = session.exec(select(model).where(model.return_id == return_id).order_by(model.row)).all()
    if model is ReturnReceipt:
        return [(str(r.received_on), names.get(r.donor_id, ""), names.get(r.via_id, ""), r.agreement_ref or "",
                 r.pillar_code, r.province_code or "", f"{r.amount.normalize():f}", r.currency) for r in rows]
    if model is ReturnExpenditure:
        return [(r.pillar_code, r.province_code, f"{r.amount.normalize():f}", r.currency) for r in rows]
    # People columns shown as "women 30" so a corrected split shows as a changed line; empty where not given.
    return [(r.pillar_code, r.province_code, r.indicator, f"{r.value.normalize():f}",
             *(f"{name.replace('_', ' ')} {getattr(r, name)}" if getattr(r, name) is not None else "" for name in PEOPLE))
            for r in rows]


def return_history(current: OperatorReturn, *, session: Session) -> list[VersionView]:
    """Return every version of the operator's quarter, newest first, each compared with the one before."""
    from ..domain.returns import changed_lines

    versions = list(session.exec(select(OperatorReturn).where(
        OperatorReturn.operator_id == current.operator_id, OperatorReturn.quarter == current.quarter)
        .order_by(col(OperatorReturn.version_no), col(OperatorReturn.id))).all())
    names = {o.id: o.name for o in session.exec(select(Organisation)).all()}
    views: list[VersionView] = []
    previous_lines: dict[str, list[tuple]] | None = None
    previous: OperatorReturn | None = None
    for version in versions:
        view = VersionView(version)
        lines = {sheet: _lines(session, model, version.id, names) for sheet, model in SHEETS}
        for sheet, model in SHEETS:
            view.rows[sheet] = len(lines[sheet])
            sums: dict[str, Decimal] = {}
            for line in lines[sheet]:
                key = line[-1] if model is not ReturnOutput else line[2]
                amount = Decimal(line[-2] if model is not ReturnOutput else line[3])
                sums[key] = sums.get(key, Decimal(0)) + amount
            view.totals[sheet] = dict(sorted(sums.items()))
        if previous_lines is not None:
            for sheet, _model in SHEETS:
                for change in changed_lines(previous_lines[sheet], lines[sheet]):
                    if len(view.changes) < MAX_CHANGES_SHOWN:
                        view.changes.append((sheet, change.change, change.line))
            for label in ("prepared_by", "email", "submitted_on"):
                if getattr(previous, label) != getattr(version, label):
                    view.header_changes.append((label.replace("_", " "), getattr(previous, label), getattr(version, label)))
        previous_lines, previous = lines, version
        views.append(view)
    return list(reversed(views))


def default_quarter(today: date) -> Period:
    """Return the quarter most likely being reported: the one before today's."""
    from ..domain.periods import quarter_of

    return quarter_of(today).shift(-1)


def quarter_or_default(text: str | None, today: date) -> Period:
    """Return the quarter written in `text`, or the default one; raises PeriodError for bad text."""
    return parse_quarter(text) if text else default_quarter(today)
