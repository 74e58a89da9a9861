"""Who may do what: roles, the route guard, and record-level checks."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import abort
from flask_login import current_user

from .models import User

#: Endpoints an anonymous visitor may reach; every other one needs a login.
PUBLIC_ENDPOINTS = {"auth.login", "auth.language", "static"}


def has_role(user: Any, *roles: str) -> bool:
    """Return whether the user is logged in, active and holds one of the roles."""
    return bool(getattr(user, "is_authenticated", False)) and bool(user.role_set & set(roles))


def roles_required(*roles: str) -> Callable:
    """Decorate a view so only users holding one of the roles reach it (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by the role-by-route test
        return wrapped

    return decorator


def sees_everything(user: User) -> bool:
    """Return whether the user sees every organisation's records (admin, co-chair)."""
    return has_role(user, "admin", "co-chair")


def may_see_organisation_records(user: User, organisation_id: int) -> bool:
    """Return whether the user may see records that belong to the organisation (returns)."""
    if sees_everything(user):
        return True
    return has_role(user, "operator") and user.organisation_id == organisation_id
