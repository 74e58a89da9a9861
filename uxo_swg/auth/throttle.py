"""Login throttling: failures counted per account from an address, and per address, with waits that grow and expire.

No failure locks an account as such: five failures of one account from one address make
that address wait before trying that account again, and twenty failures from one address,
whatever the accounts, make the address wait. Each wait is short at first (1 minute) and
doubles with every further failure, up to 15 minutes; a key quiet for 15 minutes after its
last failure or wait is forgotten. The right password from an address that did not fail
logs in.

An attempt is counted *before* its password is checked, in one short transaction that locks
the counters (row locks on PostgreSQL, the write lock on SQLite), so a burst of parallel
attempts is checked at most up to the limit; a success gives its count back.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from ..db import write_transaction
from ..models import LoginThrottle, utcnow

ACCOUNT_LIMIT = 5  # failures of one account from one address before that pair waits
ADDRESS_LIMIT = 20  # failures from one address, whatever the accounts, before the address waits
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(minutes=15)


class Throttled(Exception):
    """Too many failed logins recently from this address (for this account, or for any)."""

    def __init__(self, wait: timedelta):
        super().__init__(f"wait {wait}")
        self.wait = wait


@dataclass(frozen=True)
class Counted:
    """One counter an attempt was counted in, and the wait it had before, to give back on success."""

    key: str
    account: bool
    blocked_before: datetime | None
    blocked_after: datetime | None


def _keys(email: str, address: str) -> list[tuple[str, int, bool]]:
    # Always locked in this order (address, then account), so two attempts never deadlock.
    return [(f"address {address}", ADDRESS_LIMIT, False), (f"account {email} from {address}", ACCOUNT_LIMIT, True)]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo:
        return moment
    return moment.replace(tzinfo=timezone.utc)  # SQLite gives back naive UTC times


def _locked(key: str, *, session: Session) -> LoginThrottle:
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginThrottle).values(key=key, failures=0).on_conflict_do_nothing(index_elements=["key"]))
    return session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)


def wait_for(failures: int, limit: int) -> timedelta:
    """Return how long a key waits after its `failures`-th failure (none below the limit)."""
    if failures < limit:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** min(failures - limit, 10), LONGEST_WAIT)


def count_attempt(email: str, address: str, *, session: Session) -> list[Counted]:
    """Count an attempt as failed before its password is checked (commits); raise Throttled while a wait runs."""
    write_transaction(session)
    now = utcnow()
    rows = [(_locked(key, session=session), limit, account) for key, limit, account in _keys(email, address)]
    waits = [_aware(row.blocked_until) - now for row, _, _ in rows
             if row.blocked_until is not None and _aware(row.blocked_until) > now]
    if waits:
        session.rollback()
        raise Throttled(max(waits))
    counted = []
    for row, limit, account in rows:
        last = max((m for m in (_aware(row.last_failure_at), _aware(row.blocked_until)) if m is not None), default=None)
        if last is None or now - last > FORGET_AFTER:
            row.failures, row.blocked_until = 0, None
        before = row.blocked_until
        row.failures += 1
        row.last_failure_at = now
        wait = wait_for(row.failures, limit)
        row.blocked_until = now + wait if wait else row.blocked_until
        counted.append(Counted(row.key, account, before, row.blocked_until))
        session.add(row)
    session.commit()
    return counted


def give_back(counted: list[Counted], *, session: Session) -> None:
    """Undo the count of an attempt that succeeded (the caller commits): the account starts afresh."""
    write_transaction(session)
    for item in counted:
        row = session.get(LoginThrottle, item.key, with_for_update=True, populate_existing=True)
        if row is None:
            continue
        if item.account:
            row.failures, row.blocked_until = 0, None
        else:
            row.failures = max(row.failures - 1, 0)
            if _aware(row.blocked_until) == _aware(item.blocked_after):  # the wait this attempt started, if any
                row.blocked_until = item.blocked_before
        session.add(row)

