"""API tokens: make one for a user, find the user a token stands for, list and revoke them.

A token is a random string shown once, when it is made; only its SHA-256 is stored (as for
login sessions), so a copy of the database opens nothing. A token has exactly the rights of
its user, and stops working when it is revoked or its user is disabled.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, col, select

from ..audit import set_actor
from ..db import write_transaction
from ..domain.messages import N_, Explained, message
from ..login_sessions import aware, touch
from ..models import ApiToken, User, utcnow

#: Every token starts with this, so that a token pasted where it should not be is easy to recognise.
PREFIX = "uxo_"
#: How often a token's `last_used_at` is written (not on every call: reads stay reads).
LAST_USED_EVERY = timedelta(minutes=1)


class TokenError(Explained, ValueError):
    """A token that cannot be made or revoked as asked."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(email: str, *, session: Session, label: str = "", actor: str = "cli", via: str = "cli") -> str:
    """Make a token for the active user with this e-mail and return it (the only time it is shown)."""
    write_transaction(session)
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise TokenError(N_("no user has the e-mail {email}: create the user first (uxo-swg create-user)"),
                         email=repr(email.strip()))
    if not user.active:
        raise TokenError(N_("{email} is disabled: re-enable the user before giving it a token"), email=user.email)
    if len(label) > 100:
        raise TokenError(N_("the label is limited to 100 characters"))
    token = PREFIX + secrets.token_urlsafe(32)
    set_actor(session, actor=actor, via=via)
    session.add(ApiToken(token_hash=_digest(token), user_id=user.id, label=label.strip(), created_by=actor))
    session.commit()
    return token


def user_of_token(token: str, *, session: Session) -> User | None:
    """Return the active user a live (not revoked) token stands for, or None; note when it was used."""
    found = session.exec(
        select(ApiToken, User).join(User, col(User.id) == ApiToken.user_id).where(
            ApiToken.token_hash == _digest(token), col(ApiToken.revoked_at).is_(None), col(User.active).is_(True))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.last_used_at is None or utcnow() - aware(row.last_used_at) > LAST_USED_EVERY:
        touch(ApiToken, row.id, "last_used_at", session=session)
    return user


def list_tokens(*, session: Session) -> list[tuple[ApiToken, User]]:
    """Return every token with its user: live ones first, newest first."""
    return list(session.exec(
        select(ApiToken, User).join(User, col(User.id) == ApiToken.user_id)
        .order_by(col(ApiToken.revoked_at).is_not(None), col(ApiToken.created_at).desc(), col(ApiToken.id).desc())).all())


def revoke_token(token_id: int, *, session: Session, acting_user: User) -> ApiToken:
    """Revoke a token for good (it is kept, marked revoked, and the change audited)."""
    write_transaction(session)
    set_actor(session, actor=acting_user.email, via="form", user_id=acting_user.id)
    token = session.get(ApiToken, token_id, with_for_update=True, populate_existing=True)
    if token is None:
        raise TokenError(N_("no API token has the number {number}"), number=token_id)
    if token.revoked_at is not None:
        raise TokenError(N_("token {number} was already revoked by {who}"), number=token_id,
                         who=token.revoked_by or message(N_("someone")))
    token.revoked_at = utcnow()
    token.revoked_by = acting_user.email
    session.add(token)
    session.commit()
    return token
