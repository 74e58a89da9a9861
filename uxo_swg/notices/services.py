"""Notices to users, the e-mails that go with them, and reminders made exactly once."""
from __future__ import annotations

from typing import Callable, Iterable

import sqlalchemy as sa
from flask_babel import force_locale
from sqlmodel import Session, col, select

from ..db import write_transaction
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES
from ..models import Notice, OutgoingEmail, ReminderSent, User, utcnow

#: Notices listed on the notices page, newest first.
SHOWN = 100


def active_users(*, session: Session, role: str | None = None, organisation_id: int | None = None) -> list[User]:
    """Return the active users holding the role, or belonging to the organisation, by e-mail."""
    query = select(User).where(col(User.active).is_(True)).order_by(User.email)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    users = session.exec(query).all()
    return [u for u in users if role is None or role in u.role_set]


def claim_reminder(key: str, kind: str, detail: str = "", *, session: Session) -> bool:
    """Record in the session's transaction that the reminder `key` is made; False when it already was.

    The key is UNIQUE: whichever run commits it first makes the reminder, any other (a second
    scheduler, a catch-up run for another day) finds it taken and makes nothing.
    """
    if session.exec(select(ReminderSent.id).where(ReminderSent.key == key)).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ReminderSent(key=key, kind=kind, detail=detail[:500]))
    except sa.exc.IntegrityError:
        return False
    return True


def notify(users: Iterable[User], subject: str, body: str, *, session: Session, link: str = "",
           email: bool = False) -> int:
    """Add a notice for each user (and queue an e-mail to each when `email`); return how many."""
    count = 0
    for user in users:
        session.add(Notice(user_id=user.id, subject=subject[:200], body=body, link=link[:300]))
        if email:
            session.add(OutgoingEmail(recipient=user.email, subject=subject[:200], body=body))
        count += 1
    return count


def notify_each(users: Iterable[User], write: Callable[[], tuple[str, str]], *, session: Session, link: str = "",
                email: bool = False) -> int:
    """Notify the users (as `notify`) in the language each chose, English when none: `write()` gives subject and body."""
    by_language: dict[str, list[User]] = {}
    for user in users:
        by_language.setdefault(user.language if user.language in LANGUAGES else DEFAULT_LANGUAGE, []).append(user)
    count = 0
    for language, group in by_language.items():
        with force_locale(language):
            subject, body = write()
        count += notify(group, subject, body, session=session, link=link, email=email)
    return count


def unread_count(user: User, *, session: Session) -> int:
    """Return how many of the user's notices are not read yet."""
    return session.exec(select(sa.func.count()).select_from(Notice)
                        .where(Notice.user_id == user.id, col(Notice.read_at).is_(None))).one()


def notices_for(user: User, *, session: Session) -> list[Notice]:
    """Return the user's latest notices, unread first, newest first."""
    query = (select(Notice).where(Notice.user_id == user.id)
             .order_by(col(Notice.read_at).is_not(None), col(Notice.created_at).desc(), col(Notice.id).desc()).limit(SHOWN))
    return list(session.exec(query).all())


def mark_read(user: User, notice_id: int | None, *, session: Session) -> int:
    """Mark one of the user's notices read (every unread one when `notice_id` is None); return how many."""
    write_transaction(session)
    statement = (sa.update(Notice).where(Notice.user_id == user.id, col(Notice.read_at).is_(None))
                 .values(read_at=utcnow()))
    if notice_id is not None:
        statement = statement.where(Notice.id == notice_id)
    count = session.execute(statement).rowcount
    session.commit()
    return count
