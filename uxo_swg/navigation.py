"""The main navigation: each entry shows when its blueprint is registered and the user may use it."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user

from .permissions import has_role

# endpoint, label, roles that see it (None: every logged-in user)
NAV: list[tuple[str, str, tuple[str, ...] | None]] = [
    ("home.index", "At a glance", None),
    ("pledges.index", "Pledges", ("admin", "co-chair")),
    ("organisations.index", "Organisations", ("admin", "co-chair")),
    ("returns.index", "Returns", ("admin", "co-chair", "operator")),
    ("reconciliation.index", "Reconciliation", ("admin", "co-chair")),
    ("iati.index", "IATI", ("admin", "co-chair")),
    ("summaries.index", "Summaries", None),
    ("audit.index", "Audit log", ("admin", "co-chair")),
    ("admin.users", "Users", ("admin",)),
    ("jobs.index", "Jobs", ("admin",)),
]


def nav_items() -> list[tuple[str, str]]:
    """Return the (endpoint, label) pairs the current user may follow."""
    if not current_user.is_authenticated:
        return []
    return [
        (endpoint, label)
        for endpoint, label, roles in NAV
        if endpoint in current_app.view_functions and (roles is None or has_role(current_user, *roles))
    ]
