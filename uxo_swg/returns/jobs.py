"""The scheduled clean-up of uploads never confirmed: return previews and register files older than a day."""
from __future__ import annotations

import time
from datetime import date, datetime, timezone
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ..models import ImportBatch
from ..scheduler import Job, register
from .previews import KEEP_SECONDS, delete_stale_uploads


def delete_stale_register_files(folder: str, *, session: Session, now: float | None = None,
                                keep_seconds: int = KEEP_SECONDS) -> int:
    """Delete register uploads older than `keep_seconds` that were never imported; return how many files went.

    A register file that was imported stays: it is the record of what the import stored.
    """
    path = Path(folder) / "register"
    if not path.is_dir():
        return 0
    limit = (time.time() if now is None else now) - keep_seconds
    stale = {item.stem for item in path.glob("*.xlsx") if item.stat().st_mtime < limit}
    if not stale:
        return 0
    imported = set(session.exec(select(ImportBatch.sha256).where(ImportBatch.kind == "register")).all())
    deleted = 0
    for stem in stale - imported:
        for suffix in (".xlsx", ".name"):
            target = path / f"{stem}{suffix}"
            if target.exists():
                target.unlink(missing_ok=True)
                deleted += 1
    return deleted


def clean_uploads(period: str, session: Session) -> str:
    """Delete previews not confirmed within a day (returns and registers); safe to run any number of times."""
    folder = current_app.config["UPLOAD_FOLDER"]
    returns = delete_stale_uploads(folder)
    registers = delete_stale_register_files(folder, session=session)
    return f"deleted {returns} return preview file(s) and {registers} register file(s) older than a day"


def this_hour(_day: date) -> str:
    """The period of an hourly job: the current hour in UTC."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H")


PREVIEW_CLEANUP = register(Job(
    name="preview-cleanup",
    run=clean_uploads,
    period_due=this_hour,
    cron={"minute": 17},  # every hour
    schedule=_l("every hour at minute 17"),
))
