"""The main navigation: each entry shows when its blueprint is registered and the user may use it."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .permissions import has_role

# endpoint, label, roles that see it (None: every logged-in user)
NAV: list[tuple[str, Any, tuple[str, ...] | None]] = [
    ("home.index", _l("At a glance"), None),
    ("pledges.index", _l("Pledges"), ("admin", "co-chair")),
    ("organisations.index", _l("Organisations"), ("admin", "co-chair")),
    ("returns.index", _l("Returns"), ("admin", "co-chair", "operator")),
    ("reconciliation.index", _l("Reconciliation"), ("admin", "co-chair")),
    ("iati.index", _l("IATI"), ("admin", "co-chair")),
    ("summaries.index", _l("Summaries"), None),
    ("audit.index", _l("Audit log"), ("admin", "co-chair")),
    ("admin.users", _l("Users"), ("admin",)),
    ("jobs.index", _l("Jobs"), ("admin",)),
]


def nav_items() -> list[tuple[str, Any]]:
    """Return the (endpoint, label) pairs the current user may follow."""
    if not current_user.is_authenticated:
        return []
    return [
        (endpoint, label)
        for endpoint, label, roles in NAV
        if endpoint in current_app.view_functions and (roles is None or has_role(current_user, *roles))
    ]
