"""Open an uploaded .xlsx safely and read its tables by header text (spec section 5).

Nothing in the file is executed or trusted: the zip is inspected before openpyxl sees it
(size, entry count, compression ratio, macros, encryption, XML entity declarations), and
openpyxl parses through defusedxml. Sheets are read in read-only mode, so memory stays
flat whatever the number of rows.
"""
from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from uxo_swg.domain.messages import N_, Explained

from .problems import Problem, problem

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 250 * 1024 * 1024
MAX_ENTRIES = 2_000
MAX_RATIO = 200  # uncompressed / compressed, per entry of any size worth checking
MAX_BLANK_RUN = 1_000  # this many blank rows in a row end a table
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The largest sheet read: 50,000 rows of data (and room for title and header rows above them).
# A return that size is previewed in about 16 s and stored in about 22 s on a busy 2-core
# machine (bench/return_preview.py, bench/return_import.py), within the 60 s worker timeout the
# README deploys with; larger files would not be. A million blank formatted rows are refused too.
MAX_DATA_ROWS = 50_000
MAX_SHEET_ROWS = MAX_DATA_ROWS + 100
PROLOG_LIMIT = 65_536  # an XML part's prolog (before its root element) must end within this many bytes

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
# A formula cell whose <f> is not followed by a non-empty cached <v>: `<c r="B2"><f>SUM(A1)</f><v /></c>`.
_FORMULA_NO_VALUE = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]+)"[^>]*>\s*'
    rb'(?:<(?:\w+:)?f\b[^>]*/>|<(?:\w+:)?f\b[^>]*>[^<]*</(?:\w+:)?f>)\s*(?!<(?:\w+:)?v(?:\s[^>]*)?>[^<])'
)


class WorkbookRejected(Explained, ValueError):
    """A file refused before reading, with a sentence the sender can act on."""


@dataclass
class SafeWorkbook:
    """An inspected .xlsx: its bytes, its sheet names and the formula cells with no saved value."""

    data: bytes
    sheet_names: list[str]
    formulas_without_value: dict[str, set[str]] = field(default_factory=dict)


def damaged(what: str) -> WorkbookRejected:
    """Return the refusal of a damaged file, saying what is wrong and what to do."""
    return WorkbookRejected(N_("the file is damaged: {what}. Open it in Excel and save it again"), what=what)


def inspect_xlsx(data: bytes, max_bytes: int = MAX_FILE_BYTES) -> SafeWorkbook:
    """Return the inspected workbook, or raise WorkbookRejected saying why it is refused.

    Every part of the zip is read through once (in chunks), so a damaged part (a bad
    checksum, broken compressed data) is refused here, before openpyxl meets it.
    """
    try:
        return _inspect(data, max_bytes)
    except zipfile.BadZipFile as error:
        raise damaged(f"{error}".rstrip(".")) from None
    except (zlib.error, EOFError) as error:
        raise damaged(f"a part's compressed data cannot be unpacked ({error})") from None


def _inspect(data: bytes, max_bytes: int) -> SafeWorkbook:
    if len(data) > max_bytes:
        raise WorkbookRejected(N_("the file is {size} MB; the limit is {limit} MB"), size=f"{len(data) / 1048576:.1f}",
                               limit=f"{max_bytes / 1048576:.0f}")
    if data.startswith(OLE2_MAGIC):
        raise WorkbookRejected(N_(
            "the file is password-protected (encrypted) or an old .xls workbook: save it as an "
            "unprotected Excel Workbook (.xlsx) and upload that"
        ))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookRejected(N_("the file is not an Excel workbook (.xlsx); save it as 'Excel Workbook (.xlsx)' and upload that"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise WorkbookRejected(N_("the file is damaged: it is not a readable .xlsx")) from None
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        if len(infos) > MAX_ENTRIES:
            raise WorkbookRejected(f"the file has {len(infos)} parts; a workbook has far fewer: it is refused as unsafe")
        if any(i.flag_bits & 0x1 for i in infos):
            raise WorkbookRejected(N_("the file is encrypted: remove the password and upload it again"))
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise WorkbookRejected(f"the file unpacks to {total / 1048576:.0f} MB; the limit is {MAX_UNCOMPRESSED_BYTES / 1048576:.0f} MB")
        for info in infos:
            if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise WorkbookRejected(f"the part {info.filename} is compressed {info.file_size // max(info.compress_size, 1)} times: the file is refused as a zip bomb")
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise WorkbookRejected(N_("the workbook contains macros (.xlsm): save it as a plain Excel Workbook (.xlsx) without macros"))
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise WorkbookRejected(N_("the file is a zip archive but not an Excel workbook (.xlsx)"))
        content_types = archive.read("[Content_Types].xml")
        if b"macroEnabled" in content_types:
            raise WorkbookRejected(N_("the workbook is macro-enabled (.xlsm): save it as a plain Excel Workbook (.xlsx)"))
        for info in infos:
            if info.filename.endswith((".xml", ".rels")):
                with _part(archive, info.filename) as part:
                    head = part.read(PROLOG_LIMIT)
                if b"<!DOCTYPE" in head[:4096] or b"<!ENTITY" in head[:4096] or _prolog_declares(head):
                    raise WorkbookRejected(f"the part {info.filename} declares XML entities, which workbooks never need: the file is refused as unsafe")
        sheets = _sheet_paths(archive)
        for info in infos:
            if info.filename not in sheets.values():  # sheets are read through below
                with _part(archive, info.filename) as part:
                    while part.read(1 << 20):  # to the end, where zipfile checks the part's CRC
                        pass
        missing: dict[str, set[str]] = {}
        for sheet, path in sheets.items():
            if path in names:
                rows, found = _scan_sheet(archive, path)
                if rows > MAX_SHEET_ROWS:
                    raise WorkbookRejected(N_(
                        "the sheet {sheet} has {rows} rows, and a sheet is read up to {limit} rows of "
                        "data: if most of them are empty but formatted, delete the empty rows below your data (select "
                        "them, then Delete rows); otherwise split the file in two; then save and upload again"),
                        sheet=repr(sheet), rows=f"{rows:,}", limit=f"{MAX_DATA_ROWS:,}")
                if found:
                    missing[sheet] = found
    return SafeWorkbook(data=data, sheet_names=list(sheets), formulas_without_value=missing)


def _scan_sheet(archive: zipfile.ZipFile, path: str, chunk: int = 1 << 20) -> tuple[int, set[str]]:
    """Return a sheet part's row count and its formula cells without a saved value, read in chunks.

    The part is never held whole, so inspecting a sheet of any length takes the same memory;
    each chunk is cut after its last `</row>`, so no cell is split between two chunks.
    """
    rows, found, pending = 0, set(), b""
    with _part(archive, path) as part:
        while True:
            block = part.read(chunk)
            data = pending + block
            cut = data.rfind(b"row>") + 4 if block else len(data)  # just after a row tag: no cell is cut
            if cut < 4:
                if len(data) < 16 * chunk:
                    pending = data
                    continue
                cut = len(data)  # no row tag in 16 MB: scan what there is
            head, pending = data[:cut], data[cut:]
            rows += head.count(b"<row ") + head.count(b"<row>") + head.count(b":row ")
            found.update(m.decode() for m in _FORMULA_NO_VALUE.findall(head))
            if not block:
                return rows, found


@contextmanager
def _part(archive: zipfile.ZipFile, name: str) -> Iterator[Any]:
    """Open a part of the zip; a damaged one (bad checksum, broken compressed data) is refused by name."""
    try:
        with archive.open(name) as part:
            yield part
    except zipfile.BadZipFile as error:
        what = "its checksum does not match" if "CRC" in str(error) else str(error).rstrip(".")
        raise damaged(f"the part {name} is corrupt ({what})") from None
    except (zlib.error, EOFError) as error:
        raise damaged(f"the part {name} cannot be unpacked ({error})") from None


def _prolog_declares(head: bytes) -> bool:
    """Return whether the XML before the root element declares a DOCTYPE or entities (or never ends)."""
    text = re.sub(rb"<\?.*?\?>", b"", re.sub(rb"<!--.*?-->", b"", head, flags=re.S), flags=re.S)
    root = re.search(rb"<[A-Za-z_]", text)
    if root is None:
        return len(head) >= PROLOG_LIMIT  # a prolog this long is padding to hide a declaration
    prolog = text[:root.start()]
    return b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog


def _parse(xml: bytes) -> Element:
    try:
        return SafeET.fromstring(xml)
    except Exception as error:  # defusedxml raises its own errors for entity tricks
        raise WorkbookRejected(f"the workbook structure cannot be read safely ({type(error).__name__})") from None


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Return sheet name -> path of its XML part inside the zip."""
    workbook = _parse(archive.read("xl/workbook.xml"))
    try:
        rels = _parse(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        raise WorkbookRejected(N_("the file is a zip archive but not an Excel workbook (.xlsx)")) from None
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
    out: dict[str, str] = {}
    for sheet in workbook.findall("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[sheet.get("name", "")] = path
    return out


@contextmanager
def open_workbook(book: SafeWorkbook) -> Iterator[Any]:
    """Open the inspected workbook read-only with cached values, and close it afterwards."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it ignores; they do not change values.
        warnings.simplefilter("ignore")
        try:
            wb = load_workbook(io.BytesIO(book.data), read_only=True, data_only=True)
        except WorkbookRejected:
            raise
        except Exception as error:
            raise WorkbookRejected(f"the workbook cannot be read: {type(error).__name__}. Open it in Excel or LibreOffice and save it again as .xlsx") from None
        try:
            yield wb
        finally:
            wb.close()


def normalise_header(text: Any) -> str:
    """Return a header folded for matching: case, spaces and punctuation ignored."""
    return re.sub(r"[^0-9a-z]+", " ", str(text or "").casefold()).strip()


def find_sheet(wb: Any, wanted: str) -> Any | None:
    """Return the sheet whose name matches `wanted` ignoring case and spaces, or None."""
    key = normalise_header(wanted)
    for name in wb.sheetnames:
        if normalise_header(name) == key:
            return wb[name]
    return None


@dataclass
class Table:
    """A sheet's rows as {column: value}, with its header row and problems found on the way."""

    sheet: str
    header_row: int = 0
    columns: dict[str, int] = field(default_factory=dict)  # canonical column -> 0-based index
    problems: list[Problem] = field(default_factory=list)

    def column_label(self, name: str) -> str:
        """Return how a column is named in messages: its letter and header, `C (Amount)`."""
        return f"{column_letter(self.columns[name])} ({name})" if name in self.columns else name


def column_letter(index: int) -> str:
    """Return the Excel letter of a 0-based column index."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read_table(
    ws: Any, book: SafeWorkbook, sheet: str, required: list[str], optional: list[str] = (), search_rows: int = 30
) -> tuple[Table, Iterator[tuple[int, dict[str, Any]]]]:
    """Find the header row by text and return the table and an iterator of (row number, values).

    Column names in `required` and `optional` are the spec's headers; matching ignores case,
    spaces and order. A formula with no saved value is a problem on its cell, and its value
    None. The iterator skips blank rows and stops after MAX_BLANK_RUN blank rows in a row.
    """
    table = Table(sheet=sheet)
    wanted = {normalise_header(h): h for h in [*required, *optional]}
    rows = ws.iter_rows(values_only=True)
    header: tuple[Any, ...] | None = None
    best: tuple[int, int, tuple[Any, ...]] | None = None
    for number, values in enumerate(rows, start=1):
        found = {normalise_header(v) for v in values if v is not None} & set(wanted)
        if found and (best is None or len(found) > best[0]):
            best = (len(found), number, values)
        if all(normalise_header(h) in found for h in required):
            header, table.header_row = values, number
            break
        if number >= search_rows:
            break
    if header is None:
        if best is None:
            table.problems.append(problem(N_("no header row found: the sheet needs the columns {columns}"), sheet, columns=", ".join(required)))
        else:
            have = {normalise_header(v) for v in best[2] if v is not None}
            lacking = [h for h in required if normalise_header(h) not in have]
            table.problems.append(problem(N_("the header row has no column {columns}"), sheet, best[1],
                                          columns=", ".join(repr(h) for h in lacking)))
        return table, iter(())
    for index, value in enumerate(header):
        key = normalise_header(value)
        if not key:
            continue
        if key in wanted and wanted[key] not in table.columns:
            table.columns[wanted[key]] = index
        elif key not in wanted:
            table.problems.append(problem(N_("unknown column {name} is ignored"), sheet, table.header_row, column_letter(index),
                                          level="warning", name=repr(str(value).strip())))
    missing = book.formulas_without_value.get(ws.title, set())
    return table, _rows(rows, table, missing)


def _rows(rows: Iterator[tuple[Any, ...]], table: Table, missing: set[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    blank_run = 0
    number = table.header_row
    for values in rows:
        number += 1
        record = {name: (values[i] if i < len(values) else None) for name, i in table.columns.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in record.values()):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                return
            continue
        blank_run = 0
        if missing:
            for name, i in table.columns.items():
                if record[name] is None and f"{column_letter(i)}{number}" in missing:
                    table.problems.append(problem(
                        N_("this formula has no saved value: open the file in Excel or LibreOffice, let it calculate, save, and upload again"),
                        table.sheet, number, table.column_label(name)))
        yield number, record


# --- cell values ------------------------------------------------------------------------

class CellError(Explained, ValueError):
    """A cell value that is not what its column needs; the message says what to write."""


AMOUNT_MISSING = N_("the amount is missing")  # a CellError's template, told apart by callers that name the cell otherwise


def cell_text(value: Any) -> str:
    """Return the cell as trimmed text ('' for empty)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_date(value: Any) -> date:
    """Return the cell as a date: a real Excel date or ISO text (2025-03-31)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        raise CellError(N_("the date is missing"))
    try:
        return date.fromisoformat(text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}([ T].*)?$", text) else text)
    except ValueError:
        raise CellError(N_("{text} is not a date: use an Excel date or write it as 2025-03-31"), text=repr(text)) from None


def cell_decimal(value: Any) -> Decimal:
    """Return the cell as an exact Decimal: numbers, or text with thousands separators."""
    if isinstance(value, bool):
        raise CellError(N_("{text} is not a number"), text=str(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest text that reads back as this float
    if isinstance(value, Decimal):
        return value
    text = cell_text(value).replace(",", "").replace("\u00a0", "").replace(" ", "").replace("_", "")
    if not text:
        raise CellError(AMOUNT_MISSING)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(N_("{text} is not a number"), text=repr(cell_text(value))) from None
    if not number.is_finite():
        raise CellError(N_("{text} is not a number"), text=repr(cell_text(value)))
    return number
