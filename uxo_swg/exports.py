"""Writing tables to Excel and CSV safely: numbers as numbers, user text never a formula."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"


def csv_safe(value: Any) -> Any:
    """Return the value with text that a spreadsheet would run as a formula neutralised (CWE-1236)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def add_sheet(wb: Workbook, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
              money_columns: Iterable[int] = ()) -> Any:
    """Add a sheet with a bold header row; text cells are stored as text, never as formulas."""
    ws = wb.create_sheet(title=title[:31])
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    money = set(money_columns)
    # The row number is counted here: openpyxl's `max_row` looks at every cell written so far,
    # which made an export of 12,000 rows take minutes (bench/load.py).
    for r, row in enumerate(rows, start=2):
        ws.append([_cell_value(v) for v in row])
        for index, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=index)
            if isinstance(value, str):
                cell.data_type = "s"  # a user's "=HYPERLINK(...)" stays text
            elif isinstance(value, (Decimal, int, float)) and (index - 1) in money:
                cell.number_format = MONEY_FORMAT
            elif isinstance(value, (date, datetime)):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(10, min(45, len(str(header)) + 4))
    return ws


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # Excel holds every number as a double; the cell is a real number
    return value


def new_workbook() -> Workbook:
    """Return an empty workbook (its default sheet removed)."""
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    """Return the workbook as .xlsx bytes."""
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv_value(value: Any, money: bool) -> Any:
    """Return a value as CSV text: money to cents (half up), other decimals exactly as given, text made safe."""
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if money else value, "f")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return csv_safe(value)


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], money_columns: Iterable[int] = ()) -> bytes:
    """Return a UTF-8 CSV (with BOM for Excel), formula-like text neutralised."""
    return csv_of([Table("", headers, rows, money_columns)])


@dataclass
class Table:
    """One table of an export: a sheet of a workbook, a block of a CSV file."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    money_columns: Iterable[int] = ()
    formats: dict[int, str] = field(default_factory=dict)  # column index (0-based) -> Excel number format

    def __post_init__(self) -> None:
        self.rows = [list(row) for row in self.rows]  # written twice at most: to a workbook and to a CSV


def workbook_of(tables: Iterable[Table]) -> Workbook:
    """Return a workbook with one sheet per table (numbers as numbers, text never a formula)."""
    wb = new_workbook()
    for table in tables:
        ws = add_sheet(wb, table.title, table.headers, table.rows, money_columns=table.money_columns)
        for index, number_format in table.formats.items():
            for row in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                row[0].number_format = number_format
    return wb


def csv_of(tables: Sequence[Table]) -> bytes:
    """Return the tables as one UTF-8 CSV with a BOM, formula-like text neutralised (CWE-1236).

    One table is written as its header row and rows. Several are written one after the
    other, as the sheets of the workbook are: the table's title alone on a line, its header
    row, its rows, then an empty line.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    several = len(tables) > 1
    for number, table in enumerate(tables):
        if several:
            if number:
                writer.writerow([])
            writer.writerow([csv_safe(table.title)])
        writer.writerow([csv_safe(h) for h in table.headers])
        money = set(table.money_columns)
        for row in table.rows:
            writer.writerow([_csv_value(v, i in money) for i, v in enumerate(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
