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

from uxo_swg.domain.messages import N_, message

from .problems import Problem, explained, problem
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
#: Columns named inside a sentence ("the amount must be more than zero"), as words to translate.
_COLUMN_WORDS = {"Amount": N_("amount"), "Value": N_("value")}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Vocabulary:
    """What the reader checks names against: organisations (id, name) by name or alias, currencies, indicators."""

    find_organisation: Callable[[str], tuple[int, str] | None]
    unknown_organisation: Callable[[str, str], tuple[str, dict[str, Any]]]  # (text, role) -> sentence template, values
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
        reading.add(problem(N_("the workbook has no sheet {name} (sheets found: {found}); "
                               "download the template and copy your figures into it"), RETURN_SHEET,
                            name=repr(RETURN_SHEET), found=", ".join(wb.sheetnames)))
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
            reading.add(problem(N_("{label} is missing: write the label {label} in column A and its value in column B"),
                                *where(label), label=repr(label)))
    if "Operator" in found and cell_text(found["Operator"][1]):
        text = cell_text(found["Operator"][1])
        org = vocabulary.find_organisation(text)
        header.operator_row = found["Operator"][0]
        if org is None:
            template, params = vocabulary.unknown_organisation(text, N_("operator"))
            reading.add(problem(template, *where("Operator"), **params))
        else:
            header.operator_id, header.operator_name = org
    if "Quarter" in found and cell_text(found["Quarter"][1]):
        try:
            header.quarter = parse_quarter(cell_text(found["Quarter"][1]))
        except PeriodError as error:
            reading.add(problem(N_("{error}; write the quarter as 2025-Q3"), *where("Quarter"),
                                error=message(error.template, **error.params)))
    header.prepared_by = cell_text(found.get("Prepared by", (0, None))[1])[:200]
    if not header.prepared_by:
        reading.add(problem(N_("'Prepared by' is empty: write who prepared the return, so the secretariat knows whom to ask"),
                            *where("Prepared by"), level="warning"))
    header.email = cell_text(found.get("Email", (0, None))[1])[:254]
    if header.email and not _EMAIL.match(header.email):
        reading.add(problem(N_("{email} is not an e-mail address"), *where("Email"), email=repr(header.email)))
    submitted = found.get("Submitted on", (0, None))[1]
    if cell_text(submitted):
        try:
            header.submitted_on = cell_date(submitted)
        except CellError as error:
            reading.add(explained(error, *where("Submitted on")))
        else:
            if header.submitted_on > today:
                reading.add(problem(N_("'Submitted on' {date} is in the future"), *where("Submitted on"),
                                    date=header.submitted_on.isoformat()))


# --- the data sheets ---------------------------------------------------------------------

class _Cells:
    """Per-row reading helpers that remember every lookup, so 20,000 rows cost few lookups."""

    def __init__(self, reading: ReturnReading, vocabulary: Vocabulary, table: Table) -> None:
        self.reading, self.vocabulary, self.table = reading, vocabulary, table
        self._orgs: dict[str, tuple[int, str] | None] = {}
        self._pillars: dict[str, str | None] = {}
        self._provinces: dict[str, str | None] = {}

    def error(self, row: int, column: str, template: str, level: str = "error", **params: Any) -> None:
        self.reading.add(problem(template, self.table.sheet, row, self.table.column_label(column), level, **params))

    def refused(self, row: int, column: str, error: Exception) -> None:
        self.reading.add(explained(error, self.table.sheet, row, self.table.column_label(column)))

    def organisation(self, row: int, column: str, value: Any, role: str, required: bool) -> int | None | bool:
        """Return the organisation id, None when empty and optional, False after reporting a problem."""
        text = cell_text(value)
        if not text:
            if required:
                self.error(row, column, N_("the {role} is missing: write its name as registered with the secretariat"),
                           role=message(role))
                return False
            return None
        if text not in self._orgs:
            self._orgs[text] = self.vocabulary.find_organisation(text)
        org = self._orgs[text]
        if org is None:
            template, params = self.vocabulary.unknown_organisation(text, role)
            self.error(row, column, template, **params)
            return False
        return org[0]

    def pillar(self, row: int, value: Any) -> str | None:
        text = cell_text(value)
        if text not in self._pillars:
            self._pillars[text] = pillar_code(text) if text else None
        code = self._pillars[text]
        if code is None:
            self.error(row, "Pillar", N_("{text} is not a pillar: use clearance, va, re, im, policy or unallocated "
                                         "(or the pillar's English or Lao name)") if text else
                       N_("the pillar is missing: use clearance, va, re, im, policy or unallocated"), text=repr(text))
        return code

    def province(self, row: int, value: Any, required: bool) -> str | None | bool:
        text = cell_text(value)
        if not text:
            if required:
                self.error(row, "Province", N_("the province is missing: use a province name or code, or {national}"),
                           national=repr(NATIONAL))
                return False
            return None
        if text not in self._provinces:
            self._provinces[text] = province_code(text)
        code = self._provinces[text]
        if code is None:
            self.error(row, "Province", N_("{text} is not a province of Lao PDR: use its name (Xiengkhouang) or code "
                                           "(LA-XI), or {national} for work not tied to one province"),
                       text=repr(text), national=repr(NATIONAL))
            return False
        return code

    def currency(self, row: int, value: Any) -> str | None:
        text = cell_text(value).upper()
        if text in self.vocabulary.currencies:
            return text
        self.error(row, "Currency", N_("{text} is not an ISO currency code: write USD, EUR, JPY, LAK ...")
                   if text else N_("the currency is missing: write its ISO code (USD, EUR, JPY, LAK ...)"),
                   text=repr(cell_text(value)))
        return None

    def amount(self, row: int, column: str, value: Any, currency: str | None, positive: bool) -> Decimal | None:
        try:
            number = cell_decimal(value)
            if currency is not None:
                number = parse_amount(number, currency)
        except (CellError, MoneyError) as error:
            self.refused(row, column, error)
            return None
        if number < 0 or (positive and number == 0):
            self.error(row, column, N_("{number} is not allowed here: the {what} must be more than zero")
                       if positive else N_("{number} is negative: report a {what} of zero or more"),
                       number=number, what=message(_COLUMN_WORDS.get(column, column.lower())))
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
            reading.add(problem(N_("the workbook has no sheet {name}: download the template and copy your figures into it"),
                                sheet, name=repr(sheet)))
        return None
    table, rows = read_table(ws, book, sheet, *columns)
    for found in table.problems:
        reading.add(found)
    return table, rows


def _after(table: Table, reading: ReturnReading, start: int) -> None:
    """Carry the problems read_table found while iterating (formulas without a value)."""
    for found in table.problems[start:]:
        reading.add(found)


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
            cells.refused(number, "Received on", error)
            received = None
        donor = cells.organisation(number, "Donor", values["Donor"], N_("donor"), required=True)
        via = cells.organisation(number, "Via", values.get("Via"), N_("channel (Via)"), required=False)
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
            cells.error(number, "Received on", N_("{date} is outside {quarter}: check the date, or report it in that "
                                                  "quarter's return"), level="warning", date=received.isoformat(),
                        quarter=str(quarter))
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
        funded_by = None if own else cells.organisation(number, "Funded by", funder, N_("funder (Funded by) or 'own funds'"),
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
            cells.error(number, "Indicator", N_("{text} is not an indicator: use one of {indicators}")
                        if text else N_("the indicator is missing: use one of {indicators}"),
                        text=repr(text), indicators=", ".join(vocabulary.indicators))
        value = cells.amount(number, "Value", values["Value"], None, positive=False)
        if value is not None and value != value.quantize(Decimal("0.0001")):
            cells.error(number, "Value", N_("{value} has more than four decimals"), value=value)
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
            cells.refused(row, column, error)  # never "missing": empty cells are skipped above
            return (None,) * len(PEOPLE_COLUMNS)
        if number < 0 or number != number.to_integral_value():
            cells.error(row, column, N_("{text} is not a number of people: write a whole number of zero or more"),
                        text=repr(cell_text(raw)))
            return (None,) * len(PEOPLE_COLUMNS)
        counts[column] = int(number)
    given = [c for c in PEOPLE_COLUMNS if counts[c] is not None]
    if not given:
        return (None,) * len(PEOPLE_COLUMNS)
    if indicator is not None and indicator not in PEOPLE_INDICATORS:
        cells.error(row, given[0], N_("{indicator} does not count people: leave {columns} empty (they are for {counting})"),
                    indicator=indicator, columns=", ".join(PEOPLE_COLUMNS), counting=" and ".join(PEOPLE_INDICATORS))
        return (None,) * len(PEOPLE_COLUMNS)
    groups = PEOPLE_COLUMNS[:4]
    missing = [c for c in groups if counts[c] is None]
    if missing and len(missing) < len(groups):
        cells.error(row, missing[0], N_("{columns} is empty: give women, men, girls and boys all four (0 where there were "
                                        "none), or leave all four empty") if len(missing) == 1 else
                    N_("{columns} are empty: give women, men, girls and boys all four (0 where there were none), or leave "
                       "all four empty"), columns=", ".join(missing))
        return (None,) * len(PEOPLE_COLUMNS)
    if value is not None and not missing:
        people = sum(counts[c] for c in groups)
        if people != value:
            cells.error(row, "Women", N_("women, men, girls and boys add up to {people}, not to the value {value}: "
                                         "each person reached is counted in exactly one of the four"),
                        people=people, value=f"{value.normalize():f}")
            return (None,) * len(PEOPLE_COLUMNS)
    disabled = counts["With disability"]
    if value is not None and disabled is not None and disabled > value:
        cells.error(row, "With disability", N_("{disabled} people with a disability is more than the value "
                                               "{value}: it counts some of the people reached, not more"),
                    disabled=disabled, value=f"{value.normalize():f}")
        return (None,) * len(PEOPLE_COLUMNS)
    return tuple(counts[c] for c in PEOPLE_COLUMNS)
