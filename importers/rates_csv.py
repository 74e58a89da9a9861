"""Parse an exchange rates file: `date,currency,units_per_usd,source` (spec section 4)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from uxo_swg.domain.messages import N_

from .problems import Problem, problem

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
        return [], [problem(N_("the file is not UTF-8 text (byte {byte})"), SHEET, byte=error.start)]
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return [], [problem(N_("the file is empty; the first line must be date,currency,units_per_usd,source"), SHEET)]
    names = [h.strip().lower() for h in header]
    missing = [h for h in HEADERS if h not in names]
    if missing:
        return [], [problem(N_("the header row has no {columns} column; it must read date,currency,units_per_usd,source"),
                            SHEET, 1, columns=", ".join(missing))]
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
            problems.append(problem(N_("{text} is not a date: write it as 2025-03-31"), SHEET, number, "date",
                                    text=repr(cell("date"))))
            on = None
        currency = cell("currency").upper()
        if len(currency) != 3 or not currency.isalpha():
            problems.append(problem(N_("{text} is not an ISO 4217 currency code such as EUR or LAK"), SHEET, number,
                                    "currency", text=repr(cell("currency"))))
        elif known_currencies is not None and currency not in known_currencies:
            problems.append(problem(N_("{currency} is not an ISO 4217 currency code"), SHEET, number, "currency",
                                    currency=currency))
        try:
            units = Decimal(cell("units_per_usd").replace(",", ""))
            if not units.is_finite() or units <= 0:
                raise InvalidOperation
            if units != units.quantize(Decimal("1e-10")):
                problems.append(problem(N_("a rate may have at most 10 decimals"), SHEET, number, "units_per_usd"))
        except InvalidOperation:
            problems.append(problem(N_("{text} is not a positive number of units per US dollar"), SHEET, number,
                                    "units_per_usd", text=repr(cell("units_per_usd"))))
            units = None
        source = cell("source")
        if not source:
            problems.append(problem(N_("say where the rate comes from (for example 'UN operational rate' or 'Bank of the Lao PDR')"),
                                    SHEET, number, "source"))
        elif len(source) > 200:
            problems.append(problem(N_("the source is longer than 200 characters"), SHEET, number, "source"))
        if len(problems) > before:
            continue
        key = (currency, on, source)
        if key in seen:
            problems.append(problem(N_("{currency} on {date} from {source} is already given on row {earlier}"), SHEET, number,
                                    currency=currency, date=str(on), source=source, earlier=seen[key]))
            continue
        seen[key] = number
        rows.append(RateRow(number, on, currency, units, source))
    return rows, problems
