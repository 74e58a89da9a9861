"""Uploads waiting between the preview and the confirmation: kept on disk, paged, cleaned up.

Each upload gets a random token. `<token>.json` holds what the preview page shows (header,
totals, problems) and who uploaded it; `<token>.<sheet>.jsonl` the rows read, one a line, so
the preview pages through them without reading the file again; `<token>.xlsx` holds the
bytes while the file can still be stored. Once stored, the bytes go and the JSON remembers the version it became,
so a second click on *Store this return* is told the file is already stored. Previews not
confirmed within a day are deleted (`delete_stale_uploads`, hourly and at scheduler start).
"""
from __future__ import annotations

import json
import re
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator

from importers.operator_return import ExpenditureRow, OutputRow, ReceiptRow, ReturnReading
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


#: The rows kept per sheet, in file order: the file name part and what a row is written as.
ROW_SHEETS = {"receipts": ReceiptRow, "expenditure": ExpenditureRow, "outputs": OutputRow}
ROWS_PER_PAGE = 50


def new_token() -> str:
    """Return a fresh random token for an upload."""
    return secrets.token_urlsafe(24)


def _row_values(row: Any) -> list[Any]:
    values = [getattr(row, name) for name in row.__slots__]
    return [v.isoformat() if hasattr(v, "isoformat") else str(v) if isinstance(v, Decimal) else v for v in values]


@contextmanager
def row_keeper(token: str, folder: str) -> Iterator[Callable[[Any], None]]:
    """Yield a function that keeps each row read under the token; nothing stays if the reading fails."""
    path = _folder(folder)
    path.mkdir(parents=True, exist_ok=True)
    files = {name: (path / f"{token}.{name}.jsonl").open("w", encoding="utf-8") for name in ROW_SHEETS}
    kinds = {kind: name for name, kind in ROW_SHEETS.items()}

    def keep_row(row: Any) -> None:
        files[kinds[type(row)]].write(json.dumps(_row_values(row)) + "\n")

    try:
        yield keep_row
    except BaseException:
        for name, handle in files.items():
            handle.close()
            (path / f"{token}.{name}.jsonl").unlink(missing_ok=True)
        raise
    for handle in files.values():
        handle.close()


def rows_page(preview: Preview, sheet: str, number: int, folder: str) -> tuple[list[dict[str, Any]], int]:
    """Return one page of a sheet's kept rows (as field name -> value) and the page number shown."""
    total = preview.totals.get({"receipts": "Funds received", "expenditure": "Expenditure", "outputs": "Outputs"}[sheet],
                               (0, {}))[0]
    pages = max((total + ROWS_PER_PAGE - 1) // ROWS_PER_PAGE, 1)
    number = min(max(number, 1), pages)
    names = ROW_SHEETS[sheet].__slots__
    try:
        with (_folder(folder) / f"{preview.token}.{sheet}.jsonl").open(encoding="utf-8") as lines:
            start = (number - 1) * ROWS_PER_PAGE
            rows = [dict(zip(names, json.loads(line))) for line in islice(lines, start, start + ROWS_PER_PAGE)]
    except OSError:  # a preview kept before rows were kept, or cleaned up
        rows = []
    return rows, number


def preview_of(reading: ReturnReading, filename: str, user_id: int, token: str | None = None) -> Preview:
    """Return the preview of a complete reading, under the token its rows were kept with (or a new one)."""
    h = reading.header
    header = {"operator_name": h.operator_name, "quarter": str(h.quarter) if h.quarter else "",
              "prepared_by": h.prepared_by, "email": h.email,
              "submitted_on": h.submitted_on.isoformat() if h.submitted_on else ""}
    totals = {sheet: (t.rows, dict(t.by_currency)) for sheet, t in reading.totals.items()}
    return Preview(token or new_token(), filename, user_id, header, totals, list(reading.problems),
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
            "problems": [[p.message, p.sheet, p.row, p.column, p.level, p.template, p.params] for p in preview.problems],
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
            if item.suffix in (".json", ".jsonl", ".xlsx", ".tmp") and item.stat().st_mtime < limit:
                item.unlink()
                deleted += 1
        except FileNotFoundError:  # deleted by a concurrent clean-up
            continue
    return deleted
