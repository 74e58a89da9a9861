"""Writing tables to Excel and CSV safely: numbers as numbers, user text never a formula."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
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


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Return a UTF-8 CSV (with BOM for Excel), formula-like text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
