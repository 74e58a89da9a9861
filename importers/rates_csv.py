"""Parse an exchange rates file: `date,currency,units_per_usd,source` (spec section 4)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from .problems import Problem

HEADERS = ("date", "currency", "units_per_usd", "source")
SHEET = "rates"


@dataclass(frozen=True)
class RateRow:
    row: int
    on: date
    currency: str
    units_per_usd: Decimal
    source: str


def parse_rates_csv(data: bytes, known_currencies: frozenset[str] | None = None) -> tuple[list[RateRow], list[Problem]]:
    """Return the rate rows of a CSV file and every problem found, located by row and column."""
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [], [Problem(f"the file is not UTF-8 text (byte {error.start})", SHEET)]
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return [], [Problem("the file is empty; the first line must be date,currency,units_per_usd,source", SHEET)]
    names = [h.strip().lower() for h in header]
    missing = [h for h in HEADERS if h not in names]
    if missing:
        return [], [Problem(f"the header row has no {', '.join(missing)} column; it must read date,currency,units_per_usd,source", SHEET, 1)]
    index = {h: names.index(h) for h in HEADERS}
    rows: list[RateRow] = []
    seen: dict[tuple[str, date, str], int] = {}
    for number, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        cell = lambda h: record[index[h]].strip() if index[h] < len(record) else ""  # noqa: E731
        before = len(problems)
        try:
            on = date.fromisoformat(cell("date"))
        except ValueError:
            problems.append(Problem(f"{cell('date')!r} is not a date: write it as 2025-03-31", SHEET, number, "date"))
            on = None
        currency = cell("currency").upper()
        if len(currency) != 3 or not currency.isalpha():
            problems.append(Problem(f"{cell('currency')!r} is not an ISO 4217 currency code such as EUR or LAK", SHEET, number, "currency"))
        elif known_currencies is not None and currency not in known_currencies:
            problems.append(Problem(f"{currency} is not an ISO 4217 currency code", SHEET, number, "currency"))
        try:
            units = Decimal(cell("units_per_usd").replace(",", ""))
            if not units.is_finite() or units <= 0:
                raise InvalidOperation
            if units != units.quantize(Decimal("1e-10")):
                problems.append(Problem("a rate may have at most 10 decimals", SHEET, number, "units_per_usd"))
        except InvalidOperation:
            problems.append(Problem(f"{cell('units_per_usd')!r} is not a positive number of units per US dollar", SHEET, number, "units_per_usd"))
            units = None
        source = cell("source")
        if not source:
            problems.append(Problem("say where the rate comes from (for example 'UN operational rate' or 'Bank of the Lao PDR')", SHEET, number, "source"))
        elif len(source) > 200:
            problems.append(Problem("the source is longer than 200 characters", SHEET, number, "source"))
        if len(problems) > before:
            continue
        key = (currency, on, source)
        if key in seen:
            problems.append(Problem(f"{currency} on {on} from {source} is already given on row {seen[key]}", SHEET, number))
            continue
        seen[key] = number
        rows.append(RateRow(number, on, currency, units, source))
    return rows, problems
