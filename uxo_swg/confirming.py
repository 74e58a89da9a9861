"""The second step of an action that one stray click should not take: a page that asks first.

The action's form posts to its route as before; without `confirmed=yes` the route answers
with this page, which says what will happen and posts the same fields again with it.
"""
from __future__ import annotations

from flask import render_template, request


def confirmed() -> bool:
    """Return whether the posted form is the confirmation of the action (the second step)."""
    return request.form.get("confirmed") == "yes"


def ask(title: str, consequence: str, button: str, back: str) -> str:
    """Return the page that asks to confirm the posted action, with what it will do and a way back."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
    return render_template("confirm.html", title=title, consequence=consequence, button=button, back=back,
                           action=request.path, fields=fields)
