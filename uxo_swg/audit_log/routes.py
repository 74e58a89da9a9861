"""The audit log page: who changed what, when, from which action; read-only."""
from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, abort, render_template, request

from ..db import get_session
from ..models import AuditLog
from ..permissions import roles_required
from .services import PAGE_SIZE, AuditFilter, audited_entities, search_audit

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/")
@roles_required("admin", "co-chair")
def index():
    flt = AuditFilter(
        entity=request.args.get("entity", "").strip(), entity_id=request.args.get("entity_id", "").strip(),
        actor=request.args.get("actor", "").strip(), via=request.args.get("via", "").strip(),
        since=_date("since"), until=_date("until"),
    )
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    session = get_session()
    rows, total = search_audit(flt, page, session=session)
    decoded = [(r, _values(r.before), _values(r.after)) for r in rows]
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("audit/index.html", rows=decoded, total=total, page=page, pages=pages, flt=flt,
                           entities=audited_entities(session=session), args=args, shown=SHOWN)


@bp.get("/<int:entry_id>")
@roles_required("admin", "co-chair")
def entry(entry_id: int):
    """One audit entry with every value whole (a publication's frozen summary is hundreds of thousands of characters)."""
    row = get_session().get(AuditLog, entry_id) or abort(404)
    return render_template("audit/entry.html", r=row, before=_values(row.before), after=_values(row.after))


#: Characters of a value shown in the list; a longer one is cut there, with a link to the whole entry.
SHOWN = 200


def _values(text: str | None) -> dict[str, str] | None:
    """Return a stored JSON object of values as text per field (None when there is none)."""
    if not text:
        return None
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(text).items()}
