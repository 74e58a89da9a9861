"""User accounts: creation and password hashing (Argon2id)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from .audit import set_actor
from .db import write_transaction
from .domain.messages import N_, Explained
from .models import ROLES, Organisation, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12


class AccountError(Explained, ValueError):
    """A user that cannot be created as asked."""


def hash_password(password: str) -> str:
    """Return an Argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Return whether the password is the user's."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    email: str, roles: list[str], password: str, *, organisation: str | None = None, session: Session, actor: str, via: str
) -> User:
    """Create a user with the roles, and for an operator, the organisation it belongs to."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError(N_("{email} is not an e-mail address"), email=repr(email))
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        raise AccountError(N_("unknown role {roles}: choose from {choices}"), roles=", ".join(unknown) or "(none)",
                           choices=", ".join(ROLES))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(N_("the password must have at least {count} characters"), count=MIN_PASSWORD_LENGTH)
    write_transaction(session)
    if session.exec(select(User).where(User.email == email)).first():
        raise AccountError(N_("a user {email} already exists"), email=email)
    org_id = None
    if organisation:
        org = session.exec(select(Organisation).where(Organisation.name == organisation)).first()
        if org is None:
            raise AccountError(N_("no organisation is called {name}"), name=repr(organisation))
        org_id = org.id
    if "operator" in roles and org_id is None:
        raise AccountError(N_("an operator must belong to an organisation: choose the organisation"))
    set_actor(session, actor=actor, via=via)
    user = User(email=email, roles=" ".join(sorted(set(roles))), organisation_id=org_id, password_hash=hash_password(password))
    session.add(user)
    session.commit()
    return user
