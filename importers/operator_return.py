"""Read an operator's quarterly return workbook (spec section 3) into typed rows and problems.

The reader streams: the `Return` sheet is read first (operator and quarter), then every
row of `Funds received`, `Expenditure` and `Outputs` is yielded as it is read, so a
return of any length is read in flat memory. Problems and totals per sheet accumulate on
the reading; they are complete once the rows are exhausted. Nothing touches a database:
organisations are found through the `Vocabulary` the caller passes in.
"""
from __future__ import annotations

import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Iterator

from uxo_swg.domain.money import MoneyError, parse_amount
from uxo_swg.domain.periods import Period, PeriodError, parse_quarter
from uxo_swg.domain.reference import NATIONAL, pillar_code, province_code

from .problems import Problem
from .workbook import CellError, SafeWorkbook, Table, cell_date, cell_decimal, cell_text, find_sheet, normalise_header, open_workbook, read_table

RETURN_SHEET = "Return"
RECEIPTS_SHEET = "Funds received"
EXPENDITURE_SHEET = "Expenditure"
OUTPUTS_SHEET = "Outputs"

HEADER_LABELS = ("Operator", "Quarter", "Prepared by", "Email", "Submitted on")
RECEIPT_COLUMNS = (["Received on", "Donor", "Pillar", "Amount", "Currency"], ["Via", "Agreement ref", "Province", "Notes"])
EXPENDITURE_COLUMNS = (["Pillar", "Province", "Amount", "Currency"], ["Funded by", "Notes"])
OWN_FUNDS = "own funds"  # `Funded by` for money of the operator's own
PEOPLE_COLUMNS = ("Women", "Men", "Girls", "Boys", "With disability")  # optional, for indicators that count people
OUTPUT_COLUMNS = (["Pillar", "Province", "Indicator", "Value"], [*PEOPLE_COLUMNS, "Notes"])
INDICATORS = ("land_released_ha", "items_destroyed", "re_sessions", "re_beneficiaries", "va_beneficiaries")
PEOPLE_INDICATORS = ("re_beneficiaries", "va_beneficiaries")
MAX_PROBLEMS = 500  # kept in full; beyond that only counted, so memory stays flat
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Vocabulary:
    """What the reader checks names against: organisations (id, name) by name or alias, currencies, indicators."""

    find_organisation: Callable[[str], tuple[int, str] | None]
    unknown_organisation: Callable[[str, str], str]  # (text, role) -> sentence with the closest names
    currencies: frozenset[str]
    indicators: tuple[str, ...] = INDICATORS


@dataclass
class ReturnHeader:
    """The `Return` sheet: who reports, for which quarter."""

    operator_id: int | None = None
    operator_name: str = ""
    operator_row: int | None = None
    quarter: Period | None = None
    prepared_by: str = ""
    email: str = ""
    submitted_on: date | None = None


@dataclass(slots=True)
class ReceiptRow:
    row: int
    received_on: date
    donor_id: int
    via_id: int | None
    agreement_ref: str | None
    pillar_code: str
    province_code: str | None
    amount: Decimal
    currency: str
    notes: str


@dataclass(slots=True)
class ExpenditureRow:
    row: int
    pillar_code: str
    province_code: str
    amount: Decimal
    currency: str
    notes: str
    funded_by_id: int | None = None  # a donor, a pooled fund or the government (counting rule 6)
    own_funds: bool = False


@dataclass(slots=True)
class OutputRow:
    row: int
    pillar_code: str
    province_code: str
    indicator: str
    value: Decimal
    notes: str
    # People reached (spec section 3): None where the return did not give them, never 0.
    women: int | None = None
    men: int | None = None
    girls: int | None = None
    boys: int | None = None
    with_disability: int | None = None


@dataclass
class SheetTotal:
    """How many rows a sheet had and what its amounts add up to, per currency (or indicator)."""

    rows: int = 0
    by_currency: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))


@dataclass
class ReturnReading:
    """A return being read: its header, problems and totals (complete once `rows()` is exhausted)."""

    header: ReturnHeader = field(default_factory=ReturnHeader)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0  # errors and warnings beyond MAX_PROBLEMS, counted only
    error_count: int = 0
    totals: dict[str, SheetTotal] = field(default_factory=dict)
    _rows: Iterator[ReceiptRow | ExpenditureRow | OutputRow] | None = None

    @property
    def ok(self) -> bool:
        """Return whether no error was found (warnings allowed)."""
        return self.error_count == 0

    def add(self, problem: Problem) -> None:
        """Keep a problem (or only count it past MAX_PROBLEMS)."""
        if problem.level == "error":
            self.error_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1

    def rows(self) -> Iterator[ReceiptRow | ExpenditureRow | OutputRow]:
        """Yield every valid row of the data sheets, in sheet order."""
        if self._rows is not None:
            yield from self._rows
            self._rows = None

    def drain(self) -> "ReturnReading":
        """Read the rows without keeping them (for a preview); return self."""
        for _ in self.rows():
            pass
        return self


@contextmanager
def read_return(book: SafeWorkbook, vocabulary: Vocabulary, today: date | None = None) -> Iterator[ReturnReading]:
    """Open the return and yield its reading, the header already read; rows stream from `reading.rows()`."""
    reading = ReturnReading()
    with open_workbook(book) as wb:
        _read_header(wb, reading, vocabulary, today or date.today())
        reading._rows = _data_rows(wb, book, reading, vocabulary)
        yield reading


def parse_return(book: SafeWorkbook, vocabulary: Vocabulary, today: date | None = None) -> ReturnReading:
    """Return the complete reading of a return: header, totals and problems (rows not kept)."""
    with read_return(book, vocabulary, today) as reading:
        return reading.drain()


# --- the Return sheet --------------------------------------------------------------------

def _read_header(wb: Any, reading: ReturnReading, vocabulary: Vocabulary, today: date) -> None:
    ws = find_sheet(wb, RETURN_SHEET)
    header = reading.header
    if ws is None:
        reading.add(Problem(f"the workbook has no sheet {RETURN_SHEET!r} (sheets found: {', '.join(wb.sheetnames)}); "
                            "download the template and copy your figures into it", RETURN_SHEET))
        return
    wanted = {normalise_header(label): label for label in HEADER_LABELS}
    found: dict[str, tuple[int, Any]] = {}
    for number, values in enumerate(ws.iter_rows(max_row=60, max_col=2, values_only=True), start=1):
        label = wanted.get(normalise_header(values[0] if values else None))
        if label and label not in found:
            found[label] = (number, values[1] if len(values) > 1 else None)

    def where(label: str) -> tuple[str, int | None, str]:
        return RETURN_SHEET, found.get(label, (None,))[0], "B" if label in found else "A"

    for label in ("Operator", "Quarter"):
        if label not in found or not cell_text(found[label][1]):
            reading.add(Problem(f"{label!r} is missing: write the label {label!r} in column A and its value in column B",
                                *where(label)))
    if "Operator" in found and cell_text(found["Operator"][1]):
        text = cell_text(found["Operator"][1])
        org = vocabulary.find_organisation(text)
        header.operator_row = found["Operator"][0]
        if org is None:
            reading.add(Problem(vocabulary.unknown_organisation(text, "operator"), *where("Operator")))
        else:
            header.operator_id, header.operator_name = org
    if "Quarter" in found and cell_text(found["Quarter"][1]):
        try:
            header.quarter = parse_quarter(cell_text(found["Quarter"][1]))
        except PeriodError as error:
            reading.add(Problem(f"{error}; write the quarter as 2025-Q3", *where("Quarter")))
    header.prepared_by = cell_text(found.get("Prepared by", (0, None))[1])[:200]
    if not header.prepared_by:
        reading.add(Problem("'Prepared by' is empty: write who prepared the return, so the secretariat knows whom to ask",
                            *where("Prepared by"), level="warning"))
    header.email = cell_text(found.get("Email", (0, None))[1])[:254]
    if header.email and not _EMAIL.match(header.email):
        reading.add(Problem(f"{header.email!r} is not an e-mail address", *where("Email")))
    submitted = found.get("Submitted on", (0, None))[1]
    if cell_text(submitted):
        try:
            header.submitted_on = cell_date(submitted)
        except CellError as error:
            reading.add(Problem(str(error), *where("Submitted on")))
        else:
            if header.submitted_on > today:
                reading.add(Problem(f"'Submitted on' {header.submitted_on} is in the future", *where("Submitted on")))


# --- the data sheets ---------------------------------------------------------------------

class _Cells:
    """Per-row reading helpers that remember every lookup, so 20,000 rows cost few lookups."""

    def __init__(self, reading: ReturnReading, vocabulary: Vocabulary, table: Table) -> None:
        self.reading, self.vocabulary, self.table = reading, vocabulary, table
        self._orgs: dict[str, tuple[int, str] | None] = {}
        self._pillars: dict[str, str | None] = {}
        self._provinces: dict[str, str | None] = {}

    def error(self, row: int, column: str, message: str, level: str = "error") -> None:
        self.reading.add(Problem(message, self.table.sheet, row, self.table.column_label(column), level))

    def organisation(self, row: int, column: str, value: Any, role: str, required: bool) -> int | None | bool:
        """Return the organisation id, None when empty and optional, False after reporting a problem."""
        text = cell_text(value)
        if not text:
            if required:
                self.error(row, column, f"the {role} is missing: write its name as registered with the secretariat")
                return False
            return None
        if text not in self._orgs:
            self._orgs[text] = self.vocabulary.find_organisation(text)
        org = self._orgs[text]
        if org is None:
            self.error(row, column, self.vocabulary.unknown_organisation(text, role))
            return False
        return org[0]

    def pillar(self, row: int, value: Any) -> str | None:
        text = cell_text(value)
        if text not in self._pillars:
            self._pillars[text] = pillar_code(text) if text else None
        code = self._pillars[text]
        if code is None:
            self.error(row, "Pillar", f"{text!r} is not a pillar: use clearance, va, re, im, policy or unallocated "
                                      "(or the pillar's English or Lao name)" if text else
                       "the pillar is missing: use clearance, va, re, im, policy or unallocated")
        return code

    def province(self, row: int, value: Any, required: bool) -> str | None | bool:
        text = cell_text(value)
        if not text:
            if required:
                self.error(row, "Province", f"the province is missing: use a province name or code, or {NATIONAL!r}")
                return False
            return None
        if text not in self._provinces:
            self._provinces[text] = province_code(text)
        code = self._provinces[text]
        if code is None:
            self.error(row, "Province", f"{text!r} is not a province of Lao PDR: use its name (Xiengkhouang) or code "
                                        f"(LA-XI), or {NATIONAL!r} for work not tied to one province")
            return False
        return code

    def currency(self, row: int, value: Any) -> str | None:
        text = cell_text(value).upper()
        if text in self.vocabulary.currencies:
            return text
        self.error(row, "Currency", f"{cell_text(value)!r} is not an ISO currency code: write USD, EUR, JPY, LAK ..."
                   if text else "the currency is missing: write its ISO code (USD, EUR, JPY, LAK ...)")
        return None

    def amount(self, row: int, column: str, value: Any, currency: str | None, positive: bool) -> Decimal | None:
        try:
            number = cell_decimal(value)
            if currency is not None:
                number = parse_amount(number, currency)
        except (CellError, MoneyError) as error:
            self.error(row, column, str(error))
            return None
        if number < 0 or (positive and number == 0):
            self.error(row, column, f"{number} is not allowed here: the {column.lower()} must be more than zero"
                       if positive else f"{number} is negative: report a {column.lower()} of zero or more")
            return None
        return number


def _data_rows(wb: Any, book: SafeWorkbook, reading: ReturnReading, vocabulary: Vocabulary) -> Iterator[Any]:
    yield from _receipts(wb, book, reading, vocabulary)
    yield from _expenditure(wb, book, reading, vocabulary)
    yield from _outputs(wb, book, reading, vocabulary)


def _table(wb: Any, book: SafeWorkbook, reading: ReturnReading, sheet: str, columns: tuple[list[str], list[str]],
           required: bool) -> tuple[Table, Iterator[tuple[int, dict[str, Any]]]] | None:
    ws = find_sheet(wb, sheet)
    reading.totals[sheet] = SheetTotal()
    if ws is None:
        if required:
            reading.add(Problem(f"the workbook has no sheet {sheet!r}: download the template and copy your figures into it", sheet))
        return None
    table, rows = read_table(ws, book, sheet, *columns)
    for problem in table.problems:
        reading.add(problem)
    return table, rows


def _after(table: Table, reading: ReturnReading, start: int) -> None:
    """Carry the problems read_table found while iterating (formulas without a value)."""
    for problem in table.problems[start:]:
        reading.add(problem)


def _receipts(wb: Any, book: SafeWorkbook, reading: ReturnReading, vocabulary: Vocabulary) -> Iterator[ReceiptRow]:
    found = _table(wb, book, reading, RECEIPTS_SHEET, RECEIPT_COLUMNS, required=True)
    if found is None:
        return
    table, rows = found
    seen = len(table.problems)
    cells = _Cells(reading, vocabulary, table)
    total = reading.totals[RECEIPTS_SHEET]
    quarter = reading.header.quarter
    for number, values in rows:
        errors = reading.error_count
        try:
            received = cell_date(values["Received on"])
        except CellError as error:
            cells.error(number, "Received on", str(error))
            received = None
        donor = cells.organisation(number, "Donor", values["Donor"], "donor", required=True)
        via = cells.organisation(number, "Via", values.get("Via"), "channel (Via)", required=False)
        pillar = cells.pillar(number, values["Pillar"])
        province = cells.province(number, values.get("Province"), required=False)
        currency = cells.currency(number, values["Currency"])
        amount = cells.amount(number, "Amount", values["Amount"], currency, positive=True)
        if len(table.problems) > seen:
            _after(table, reading, seen)
            seen = len(table.problems)
        if reading.error_count > errors:
            continue
        if quarter is not None and not quarter.contains(received):
            cells.error(number, "Received on", f"{received} is outside {quarter}: check the date, or report it in that "
                                               "quarter's return", level="warning")
        total.rows += 1
        total.by_currency[currency] += amount
        yield ReceiptRow(number, received, donor, via, cell_text(values.get("Agreement ref"))[:60] or None, pillar,
                         province, amount, currency, cell_text(values.get("Notes"))[:2000])


def _expenditure(wb: Any, book: SafeWorkbook, reading: ReturnReading, vocabulary: Vocabulary) -> Iterator[ExpenditureRow]:
    found = _table(wb, book, reading, EXPENDITURE_SHEET, EXPENDITURE_COLUMNS, required=True)
    if found is None:
        return
    table, rows = found
    seen = len(table.problems)
    cells = _Cells(reading, vocabulary, table)
    total = reading.totals[EXPENDITURE_SHEET]
    for number, values in rows:
        errors = reading.error_count
        pillar = cells.pillar(number, values["Pillar"])
        province = cells.province(number, values["Province"], required=True)
        currency = cells.currency(number, values["Currency"])
        amount = cells.amount(number, "Amount", values["Amount"], currency, positive=False)
        funder = cell_text(values.get("Funded by"))
        own = " ".join(funder.casefold().split()) == OWN_FUNDS
        funded_by = None if own else cells.organisation(number, "Funded by", funder, "funder (Funded by) or 'own funds'",
                                                        required=False)
        if len(table.problems) > seen:
            _after(table, reading, seen)
            seen = len(table.problems)
        if reading.error_count > errors:
            continue
        total.rows += 1
        total.by_currency[currency] += amount
        yield ExpenditureRow(number, pillar, province, amount, currency, cell_text(values.get("Notes"))[:2000],
                             funded_by or None, own)


def _outputs(wb: Any, book: SafeWorkbook, reading: ReturnReading, vocabulary: Vocabulary) -> Iterator[OutputRow]:
    found = _table(wb, book, reading, OUTPUTS_SHEET, OUTPUT_COLUMNS, required=False)
    if found is None:
        return
    table, rows = found
    seen = len(table.problems)
    cells = _Cells(reading, vocabulary, table)
    total = reading.totals[OUTPUTS_SHEET]
    known = {i.casefold(): i for i in vocabulary.indicators}
    for number, values in rows:
        errors = reading.error_count
        pillar = cells.pillar(number, values["Pillar"])
        province = cells.province(number, values["Province"], required=True)
        text = cell_text(values["Indicator"])
        indicator = known.get(text.casefold().replace(" ", "_"))
        if indicator is None:
            cells.error(number, "Indicator", f"{text!r} is not an indicator: use one of {', '.join(vocabulary.indicators)}"
                        if text else f"the indicator is missing: use one of {', '.join(vocabulary.indicators)}")
        value = cells.amount(number, "Value", values["Value"], None, positive=False)
        if value is not None and value != value.quantize(Decimal("0.0001")):
            cells.error(number, "Value", f"{value} has more than four decimals")
        people = _people(cells, number, values, indicator, value)
        if len(table.problems) > seen:
            _after(table, reading, seen)
            seen = len(table.problems)
        if reading.error_count > errors:
            continue
        total.rows += 1
        total.by_currency[indicator] += value
        yield OutputRow(number, pillar, province, indicator, value, cell_text(values.get("Notes"))[:2000], *people)


def _people(cells: _Cells, row: int, values: dict[str, Any], indicator: str | None,
            value: Decimal | None) -> tuple[int | None, ...]:
    """Return the row's people counts (None where not given), reporting what breaks the spec's rules.

    Women, men, girls and boys are given all four or not at all, and add up to `Value`;
    `With disability` is at most `Value`. Only indicators that count people take them.
    """
    counts: dict[str, int | None] = {}
    for column in PEOPLE_COLUMNS:
        raw = values.get(column)
        if not cell_text(raw):
            counts[column] = None
            continue
        try:
            number = cell_decimal(raw)
        except CellError as error:
            cells.error(row, column, str(error).replace("amount", "number of people"))
            return (None,) * len(PEOPLE_COLUMNS)
        if number < 0 or number != number.to_integral_value():
            cells.error(row, column, f"{cell_text(raw)!r} is not a number of people: write a whole number of zero or more")
            return (None,) * len(PEOPLE_COLUMNS)
        counts[column] = int(number)
    given = [c for c in PEOPLE_COLUMNS if counts[c] is not None]
    if not given:
        return (None,) * len(PEOPLE_COLUMNS)
    if indicator is not None and indicator not in PEOPLE_INDICATORS:
        cells.error(row, given[0], f"{indicator} does not count people: leave {', '.join(PEOPLE_COLUMNS)} empty "
                                   f"(they are for {' and '.join(PEOPLE_INDICATORS)})")
        return (None,) * len(PEOPLE_COLUMNS)
    groups = PEOPLE_COLUMNS[:4]
    missing = [c for c in groups if counts[c] is None]
    if missing and len(missing) < len(groups):
        cells.error(row, missing[0], f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} empty: give women, men, "
                                     "girls and boys all four (0 where there were none), or leave all four empty")
        return (None,) * len(PEOPLE_COLUMNS)
    if value is not None and not missing:
        people = sum(counts[c] for c in groups)
        if people != value:
            cells.error(row, "Women", f"women, men, girls and boys add up to {people}, not to the value {value.normalize():f}: "
                                      "each person reached is counted in exactly one of the four")
            return (None,) * len(PEOPLE_COLUMNS)
    disabled = counts["With disability"]
    if value is not None and disabled is not None and disabled > value:
        cells.error(row, "With disability", f"{disabled} people with a disability is more than the value "
                                            f"{value.normalize():f}: it counts some of the people reached, not more")
        return (None,) * len(PEOPLE_COLUMNS)
    return tuple(counts[c] for c in PEOPLE_COLUMNS)
