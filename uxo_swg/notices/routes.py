"""Notices under the bell in the header: the list, and marking them read (per user)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..db import get_session
from ..permissions import roles_required
from .services import mark_read, notices_for, unread_count

bp = Blueprint("notices", __name__, url_prefix="/notices")
EVERYONE = ("admin", "co-chair", "operator", "reviewer")


@bp.app_context_processor
def _bell() -> dict:
    def unread_notices() -> int:
        return unread_count(current_user, session=get_session()) if current_user.is_authenticated else 0

    return {"unread_notices": unread_notices}


@bp.get("/")
@roles_required(*EVERYONE)
def index():
    return render_template("notices/index.html", notices=notices_for(current_user, session=get_session()))


@bp.post("/<int:notice_id>/read")
@roles_required(*EVERYONE)
def read(notice_id: int):
    mark_read(current_user, notice_id, session=get_session())
    return redirect(url_for("notices.index"))


@bp.post("/read")
@roles_required(*EVERYONE)
def read_all():
    mark_read(current_user, None, session=get_session())
    return redirect(url_for("notices.index"))
