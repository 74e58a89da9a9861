"""Administration: enabling and disabling users, application settings."""
from __future__ import annotations

from sqlmodel import Session, select

from ..db import write_transaction
from ..domain.messages import N_, Explained
from ..login_sessions import revoke_all
from ..models import Setting, User

PUBLIC_SUMMARIES = "public_summaries"


class AdminError(Explained, ValueError):
    """An administrative action that cannot be done as asked."""


def set_user_active(user_id: int, active: bool, *, session: Session, acting_user: User) -> User:
    """Disable or re-enable a user (users are never deleted); disabling ends every session of the user."""
    write_transaction(session)
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise AdminError(N_("no such user"))
    if user.id == acting_user.id and not active:
        raise AdminError(N_("you cannot disable your own account"))
    user.active = active
    session.add(user)
    if not active:
        revoke_all(user.id, session=session)
    session.commit()
    return user


def setting(key: str, *, session: Session, default: str = "") -> str:
    """Return the value of an application setting."""
    row = session.get(Setting, key)
    return row.value if row else default


def save_setting(key: str, value: str, *, session: Session) -> None:
    """Store an application setting."""
    row = session.get(Setting, key) or Setting(key=key)
    row.value = value
    session.add(row)
    session.commit()


def public_summaries_enabled(*, session: Session) -> bool:
    """Return whether anonymous visitors may read published summaries."""
    return setting(PUBLIC_SUMMARIES, session=session) == "1"


def list_users(*, session: Session) -> list[User]:
    """Return every user, active first, by e-mail."""
    return list(session.exec(select(User).order_by(User.active.desc(), User.email)).all())
