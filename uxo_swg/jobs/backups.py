"""The `backup` job: a nightly copy of the database in BACKUP_FOLDER, the latest BACKUP_KEEP kept."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from ..backup import nightly_backup
from ..scheduler import Job, register


def back_up(period: str, session: Session) -> str:
    """Write the night's backup for the day `period` and delete the oldest copies; say which."""
    config = current_app.config
    session.commit()  # the backup reads the database from its own connection
    path, removed = nightly_backup(config["DATABASE_URL"], Path(config["BACKUP_FOLDER"]), int(config["BACKUP_KEEP"]),
                                   date.fromisoformat(period))
    said = f"wrote {path} ({path.stat().st_size:,} bytes, checksum in {path.name}.sha256)"
    return said + (f"; removed {', '.join(p.name for p in removed)}" if removed else "")


BACKUP = register(Job(
    name="backup",
    run=back_up,
    period_due=date.isoformat,
    cron={"hour": 2, "minute": 0},  # Asia/Vientiane
    schedule=_l("every night at 02:00"),
    check_period=date.fromisoformat,
    writes=False,
))
