"""Uploads waiting between the preview and the confirmation: kept on disk, paged, cleaned up.

Each upload gets a random token. `<token>.json` holds what the preview page shows (header,
totals, problems) and who uploaded it; `<token>.xlsx` holds the bytes while the file can
still be stored. Once stored, the bytes go and the JSON remembers the version it became,
so a second click on *Store this return* is told the file is already stored. Previews not
confirmed within a day are deleted (`delete_stale_uploads`, hourly and at scheduler start).
"""
from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from importers.operator_return import ReturnReading
from importers.problems import Problem

KEEP_SECONDS = 24 * 3600
PROBLEMS_PER_PAGE = 100
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass
class Preview:
    """What the preview page shows of a checked file, as kept between requests."""

    token: str
    filename: str
    user_id: int
    header: dict[str, Any]
    totals: dict[str, tuple[int, dict[str, Decimal]]]
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    error_count: int = 0
    confirmable: bool = False
    stored_return_id: int | None = None

    @property
    def ok(self) -> bool:
        """Return whether the file had no error."""
        return self.error_count == 0


def _folder(folder: str) -> Path:
    return Path(folder) / "returns"


def preview_of(reading: ReturnReading, filename: str, user_id: int) -> Preview:
    """Return the preview of a complete reading, with a new token."""
    h = reading.header
    header = {"operator_name": h.operator_name, "quarter": str(h.quarter) if h.quarter else "",
              "prepared_by": h.prepared_by, "email": h.email,
              "submitted_on": h.submitted_on.isoformat() if h.submitted_on else ""}
    totals = {sheet: (t.rows, dict(t.by_currency)) for sheet, t in reading.totals.items()}
    return Preview(secrets.token_urlsafe(24), filename, user_id, header, totals, list(reading.problems),
                   reading.more_problems, reading.error_count)


def keep(preview: Preview, data: bytes | None, folder: str) -> None:
    """Write the preview (and the bytes, when the file may be stored) under its token."""
    path = _folder(folder)
    path.mkdir(parents=True, exist_ok=True)
    preview.confirmable = data is not None
    if data is not None:
        (path / f"{preview.token}.xlsx").write_bytes(data)
    _write(preview, path)


def _write(preview: Preview, path: Path) -> None:
    meta = {"filename": preview.filename, "user_id": preview.user_id, "header": preview.header,
            "totals": {s: [rows, {k: str(v) for k, v in sums.items()}] for s, (rows, sums) in preview.totals.items()},
            "problems": [[p.message, p.sheet, p.row, p.column, p.level] for p in preview.problems],
            "more_problems": preview.more_problems, "error_count": preview.error_count,
            "confirmable": preview.confirmable, "stored_return_id": preview.stored_return_id}
    # A name of its own: two clicks on *Store* write the same preview at once, and must not take each other's file.
    temporary = path / f"{preview.token}.{secrets.token_hex(6)}.json.tmp"
    temporary.write_text(json.dumps(meta))
    temporary.replace(path / f"{preview.token}.json")  # a reader never sees half a file


def load(token: str, user_id: int, folder: str) -> Preview | None:
    """Return the user's kept preview, or None (unknown or expired token, or someone else's)."""
    if not _TOKEN.match(token or ""):
        return None
    try:
        meta = json.loads((_folder(folder) / f"{token}.json").read_text())
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id:
        return None
    totals = {s: (rows, {k: Decimal(v) for k, v in sums.items()}) for s, (rows, sums) in meta["totals"].items()}
    return Preview(token, str(meta.get("filename", "return.xlsx")), user_id, meta["header"], totals,
                   [Problem(*p) for p in meta["problems"]], meta["more_problems"], meta["error_count"],
                   bool(meta.get("confirmable")), meta.get("stored_return_id"))


def kept_bytes(preview: Preview, folder: str) -> bytes | None:
    """Return the bytes waiting to be stored, or None once stored or deleted."""
    try:
        return (_folder(folder) / f"{preview.token}.xlsx").read_bytes()
    except OSError:
        return None


def mark_stored(preview: Preview, return_id: int, folder: str) -> None:
    """Remember which version the upload became and drop its bytes."""
    preview.stored_return_id, preview.confirmable = return_id, False
    path = _folder(folder)
    _write(preview, path)
    (path / f"{preview.token}.xlsx").unlink(missing_ok=True)


def delete_stale_uploads(folder: str, *, now: float | None = None, keep_seconds: int = KEEP_SECONDS) -> int:
    """Delete the kept previews (JSON and bytes) older than `keep_seconds`; return how many files went."""
    path = _folder(folder)
    if not path.is_dir():
        return 0
    limit = (time.time() if now is None else now) - keep_seconds
    deleted = 0
    for item in path.iterdir():
        try:
            if item.suffix in (".json", ".xlsx", ".tmp") and item.stat().st_mtime < limit:
                item.unlink()
                deleted += 1
        except FileNotFoundError:  # deleted by a concurrent clean-up
            continue
    return deleted
