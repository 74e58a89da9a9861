"""Parse the co-chairs' pledge register workbook (spec section 2): rows out, located problems out.

The parser never touches the database. Names of organisations are resolved through the
`find` and `unknown` callables the caller gives (a directory of known names), so an
unknown donor becomes an error that lists the closest known names. Rows are yielded one
at a time, sheet by sheet, so a register of any length is read in flat memory; checks
that need the stored records (a pledge ref already used, rows of one pledge that
disagree) belong to the service that stores the rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Iterator

from uxo_swg.domain.money import MoneyError, parse_amount
from uxo_swg.domain.reference import pillar_code, province_code, ref_problem

from .operator_return import INDICATORS
from uxo_swg.domain.messages import N_, message

from .problems import Problem, explained, problem
from .workbook import AMOUNT_MISSING, CellError, SafeWorkbook, Table, cell_date, cell_decimal, cell_text, find_sheet, read_table

ORGANISATIONS, PLEDGES, COMMITMENTS, AMENDMENTS, DISBURSEMENTS, REQUIREMENTS = (
    "Organisations", "Pledges", "Commitments", "Amendments", "Disbursements", "Requirements")
KINDS = ("donor", "multilateral", "pooled-fund", "ngo", "national-operator", "commercial", "foundation", "government")
CHANGES = ("increase", "decrease", "terminate")
YES, NO = ("Y", "YES", "TRUE"), ("N", "NO", "FALSE")
TARGETS = "Targets"
MAX_REF = 60
MAX_NOTES = 2000
YEARS = range(1990, 2101)

COLUMNS: dict[str, tuple[list[str], list[str]]] = {
    ORGANISATIONS: (["Name", "Kind"], ["Country", "Aliases", "CCM state party", "Fiscal year starts"]),
    PLEDGES: (["Pledge ref", "Donor", "Announced on", "Year", "Pillar", "Amount", "Currency"],
              ["Recipient", "CCM specific", "Notes"]),
    COMMITMENTS: (["Agreement ref", "Donor", "Recipient", "Signed on", "Start", "End", "Pillar", "Amount", "Currency"],
                  ["Pledge ref", "Year", "Support", "Notes"]),
    AMENDMENTS: (["Agreement ref", "Amended on", "Change"], ["Year", "Pillar", "Amount", "New end", "Notes"]),
    DISBURSEMENTS: (["Donor", "Recipient", "Paid on", "Pillar", "Amount", "Currency"],
                    ["Agreement ref", "Pledge ref", "Via", "Province", "Support", "Notes"]),
    REQUIREMENTS: (["Year", "Pillar", "Amount", "Currency"], ["Source"]),
    TARGETS: (["Year", "Pillar", "Indicator", "Target"], ["Source"]),  # spec section 10
}

#: a sheet's records named in a sentence ("no pledges are imported from this file")
SHEET_WORDS = {ORGANISATIONS: N_("organisations"), PLEDGES: N_("pledges"), COMMITMENTS: N_("commitments"),
               AMENDMENTS: N_("amendments"), DISBURSEMENTS: N_("disbursements"), REQUIREMENTS: N_("requirements"),
               TARGETS: N_("targets")}
#: a text column named in a sentence ("the pledge ref is missing")
COLUMN_WORDS = {"Agreement ref": N_("agreement ref"), "Pledge ref": N_("pledge ref"), "Name": N_("name"),
                "Notes": N_("notes"), "Source": N_("source")}


@dataclass(slots=True)
class OrganisationRow:
    row: int
    name: str
    kind: str
    country: str | None
    aliases: list[str]
    ccm_state_party: bool | None = None  # None: not given
    fiscal_year_start: int | None = None


@dataclass(slots=True)
class PledgeRow:
    row: int
    ref: str
    donor_id: int
    announced_on: date
    year: int
    pillar: str
    amount: Decimal
    currency: str
    recipient_id: int | None
    ccm_specific: bool
    notes: str


@dataclass(slots=True)
class CommitmentRow:
    row: int
    ref: str
    pledge_ref: str | None
    donor_id: int
    recipient_id: int
    signed_on: date
    start_on: date
    end_on: date
    pillar: str
    amount: Decimal
    currency: str
    notes: str
    year: int = 0  # the year of the line (the year of signed_on when the cell is empty)
    support: str = "cash"


@dataclass(slots=True)
class AmendmentRow:
    row: int
    ref: str
    amended_on: date
    change: str
    year: int | None  # None: the year of amended_on
    pillar: str | None  # None: the agreement's only pillar, or a termination
    amount: Decimal | None  # checked against the agreement's currency when it is known
    new_end: date | None
    notes: str


@dataclass(slots=True)
class DisbursementRow:
    row: int
    agreement_ref: str | None
    pledge_ref: str | None
    donor_id: int
    recipient_id: int
    via_id: int | None
    paid_on: date
    pillar: str
    province: str | None
    amount: Decimal
    currency: str
    notes: str
    support: str = "cash"


@dataclass(slots=True)
class RequirementRow:
    row: int
    year: int
    pillar: str
    amount: Decimal
    currency: str
    source: str


@dataclass(slots=True)
class TargetRow:
    row: int
    year: int
    pillar: str
    indicator: str
    target: Decimal
    source: str


@dataclass
class RegisterReader:
    """Reads one register workbook sheet by sheet; every problem lands in `problems`.

    `find(name)` returns the id of the organisation called `name` (or an alias), or None;
    `unknown(name, role)` returns the sentence (template, values) for a name that matches none; `country(text)`
    returns an ISO 3166 alpha-2 code or None; `currencies` are the ISO 4217 codes.
    """

    wb: Any
    book: SafeWorkbook
    find: Callable[[str], int | None]
    unknown: Callable[[str, str], tuple[str, dict[str, Any]]]
    currencies: frozenset[str]
    country: Callable[[str], str | None] = lambda text: None
    problems: list[Problem] = field(default_factory=list)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet -> column -> "C (Amount)"
    #: refs of rows that had errors: rows that name them are not blamed a second time
    failed_refs: dict[str, set[str]] = field(default_factory=lambda: {PLEDGES: set(), COMMITMENTS: set()})
    _flagged: set[tuple[str, int | None, str]] = field(default_factory=set)
    _names: dict[str, int | None] = field(default_factory=dict)

    def label(self, sheet: str, column: str) -> str:
        """Return how a column of a sheet already read is named in messages: `C (Amount)`."""
        return self.labels.get(sheet, {}).get(column, column)

    @property
    def errors(self) -> list[Problem]:
        """Return the problems that stop the import (warnings left out)."""
        return [p for p in self.problems if p.level == "error"]

    def check_sheets(self) -> None:
        """Report a workbook that holds none of the register's sheets, and missing main sheets."""
        present = [name for name in COLUMNS if find_sheet(self.wb, name) is not None]
        if not present:
            self.problems.append(problem(
                N_("this workbook has none of the register's sheets ({expected}); its sheets are {sheets}"),
                expected=", ".join(COLUMNS), sheets=", ".join(repr(s) for s in self.wb.sheetnames)))
            return
        for name in (PLEDGES, DISBURSEMENTS):
            if name not in present:
                self.problems.append(problem(N_("there is no sheet {name}: no {records} are imported from this file"),
                                             name, level="warning", name=repr(name), records=message(SHEET_WORDS[name])))

    def _table(self, sheet: str) -> tuple[Table, Iterator[tuple[int, dict[str, Any]]]] | None:
        ws = find_sheet(self.wb, sheet)
        if ws is None:
            return None
        required, optional = COLUMNS[sheet]
        table, rows = read_table(ws, self.book, sheet, required, optional)
        self.labels[sheet] = {name: table.column_label(name) for name in table.columns}
        self.problems.extend(table.problems)
        table.problems = _Sink(self.problems, self._flagged)  # later problems (formulas without values) go straight to ours
        return table, rows

    # --- cells -----------------------------------------------------------------------

    def _org(self, table: Table, number: int, record: dict[str, Any], column: str, role: str, required: bool = True) -> int | None:
        text = cell_text(record.get(column))
        if not text:
            if required:
                self._error(table, number, column, N_("the {role} is missing: write the organisation's registered name"),
                            role=message(role))
            return None
        if text in self._names:
            found = self._names[text]
        else:
            found = self._names[text] = self.find(text)
        if found is None:
            template, params = self.unknown(text, role)
            self._error(table, number, column, template, **params)
        return found

    def _error(self, table: Table, number: int, column: str, template: str, **params: Any) -> None:
        """Report the cell's error: a template marked with N_ and its values (a sentence as it is, without)."""
        label = table.column_label(column)
        if self._flagged and (table.sheet, number, label) in self._flagged:
            return  # the cell is already reported (a formula without a saved value)
        self.problems.append(problem(template, table.sheet, number, label, **params))

    def _refused(self, table: Table, number: int, column: str, error: Exception) -> None:
        label = table.column_label(column)
        if not (self._flagged and (table.sheet, number, label) in self._flagged):
            self.problems.append(explained(error, table.sheet, number, label))

    def _text(self, table: Table, number: int, record: dict[str, Any], column: str, limit: int, required: bool = False) -> str:
        text = cell_text(record.get(column))
        if required and not text:
            self._error(table, number, column, N_("the {field} is missing"), field=message(COLUMN_WORDS[column]))
        elif len(text) > limit:
            self._error(table, number, column, N_("the {field} is {length} characters long; at most {limit} fit"),
                        field=message(COLUMN_WORDS[column]), length=len(text), limit=limit)
        return text

    def _ref(self, table: Table, number: int, record: dict[str, Any], column: str) -> str:
        """Return the ref of a new record, checked by the rule the web forms apply."""
        text = self._text(table, number, record, column, MAX_REF, required=True)
        wrong = ref_problem(text)
        if wrong:
            self._error(table, number, column, wrong)
        return text

    def _date(self, table: Table, number: int, record: dict[str, Any], column: str) -> date | None:
        try:
            return cell_date(record.get(column))
        except CellError as error:
            self._refused(table, number, column, error)
            return None

    def _year(self, table: Table, number: int, record: dict[str, Any]) -> int | None:
        value = record.get("Year")
        try:
            year = cell_decimal(value)
        except CellError as error:
            missing = error.template == AMOUNT_MISSING
            self._error(table, number, "Year", N_("the year is missing") if missing else N_("{text} is not a number"),
                        text=repr(cell_text(value)))
            return None
        if year != year.to_integral_value() or int(year) not in YEARS:
            self._error(table, number, "Year", N_("{text} is not a year: write it as 2025"), text=repr(cell_text(value)))
            return None
        return int(year)

    def _support(self, table: Table, number: int, record: dict[str, Any]) -> str:
        text = cell_text(record.get("Support"))
        support = support_kind(text)
        if support is None:
            self._error(table, number, "Support", N_("{text} is not a kind of support: write cash or in-kind"), text=repr(text))
            return "cash"
        return support

    def _yes_no(self, table: Table, number: int, record: dict[str, Any], column: str) -> bool | None:
        text = cell_text(record.get(column)).upper()
        if text and text not in YES + NO:
            self._error(table, number, column, N_("{text} is not Y or N"), text=repr(text))
        return True if text in YES else (False if text in NO else None)

    def _optional_year(self, table: Table, number: int, record: dict[str, Any]) -> int | None:
        return self._year(table, number, record) if cell_text(record.get("Year")) else None

    def _pillar(self, table: Table, number: int, record: dict[str, Any]) -> str | None:
        text = cell_text(record.get("Pillar"))
        code = pillar_code(text) if text else None
        if code is None:
            self._error(table, number, "Pillar", N_("{text} is not a pillar: use clearance, va, re, im, policy or unallocated "
                                                    "(or the pillar's English or Lao name)") if text
                        else N_("the pillar is missing"), text=repr(text))
        return code

    def _currency(self, table: Table, number: int, record: dict[str, Any]) -> str | None:
        text = cell_text(record.get("Currency")).upper()
        if text not in self.currencies:
            self._error(table, number, "Currency", N_("{text} is not an ISO 4217 currency code such as USD, EUR or JPY")
                        if text else N_("the currency is missing: write its ISO 4217 code (USD, EUR, JPY ...)"), text=repr(text))
            return None
        return text

    def _amount(self, table: Table, number: int, record: dict[str, Any], currency: str | None) -> Decimal | None:
        try:
            amount = cell_decimal(record.get("Amount"))
            amount = parse_amount(amount, currency or "USD")
        except (CellError, MoneyError) as error:
            self._refused(table, number, "Amount", error)
            return None
        if amount <= 0:
            self._error(table, number, "Amount", N_("{amount} is not a positive amount: cancel a record instead of entering a "
                                                    "negative one"), amount=amount)
            return None
        return amount

    # --- sheets ----------------------------------------------------------------------

    def organisations(self) -> list[OrganisationRow]:
        """Return the rows of the Organisations sheet (a short list)."""
        opened = self._table(ORGANISATIONS)
        if opened is None:
            return []
        table, rows = opened
        out: list[OrganisationRow] = []
        seen: dict[str, int] = {}
        errors = self.problems
        before = len(errors)
        for number, record in rows:
            name = self._text(table, number, record, "Name", 200, required=True)
            kind = cell_text(record.get("Kind")).lower()
            if kind not in KINDS:
                self._error(table, number, "Kind", N_("{text} is not a kind of organisation: use one of {kinds}"),
                            text=repr(cell_text(record.get("Kind"))), kinds=", ".join(KINDS))
            country_text = cell_text(record.get("Country"))
            country = self.country(country_text) if country_text else None
            if country_text and country is None:
                self._error(table, number, "Country", N_("{text} is not a country: write its ISO 3166 code (JP) or its name (Japan)"),
                            text=repr(country_text))
            aliases = [a.strip() for a in cell_text(record.get("Aliases")).split(";") if a.strip()]
            if any(len(a) > 200 for a in aliases):
                self._error(table, number, "Aliases", N_("an alias is longer than 200 characters"))
            key = name.casefold()
            if name and key in seen:
                self._error(table, number, "Name", N_("{name} is already listed on row {earlier}"), name=repr(name), earlier=seen[key])
            seen.setdefault(key, number)
            ccm = self._yes_no(table, number, record, "CCM state party")
            fiscal_text = cell_text(record.get("Fiscal year starts"))
            fiscal = int(fiscal_text) if fiscal_text.isdigit() and 1 <= int(fiscal_text) <= 12 else None
            if fiscal_text and fiscal is None:
                self._error(table, number, "Fiscal year starts", N_("{text} is not a month: write 1 to 12 (4 for April)"),
                            text=repr(fiscal_text))
            if len(self.problems) == before:
                out.append(OrganisationRow(number, name, kind, country, aliases, ccm, fiscal))
            before = len(errors)
        return out

    def pledges(self) -> Iterator[PledgeRow]:
        """Yield the valid rows of the Pledges sheet (one per pledge, year and pillar)."""
        opened = self._table(PLEDGES)
        if opened is None:
            return
        table, rows = opened
        errors = self.problems
        before = len(errors)
        for number, record in rows:  # `before` is taken before the next row is read: its formula problems count
            ref = self._ref(table, number, record, "Pledge ref")
            donor = self._org(table, number, record, "Donor", N_("donor"))
            announced = self._date(table, number, record, "Announced on")
            year = self._year(table, number, record)
            pillar = self._pillar(table, number, record)
            currency = self._currency(table, number, record)
            amount = self._amount(table, number, record, currency)
            recipient = self._org(table, number, record, "Recipient", N_("recipient"), required=False)
            ccm_text = cell_text(record.get("CCM specific")).upper()
            if ccm_text not in ("", "Y", "N", "YES", "NO", "TRUE", "FALSE"):
                self._error(table, number, "CCM specific", N_("{text} is not Y or N"), text=repr(ccm_text))
            notes = self._text(table, number, record, "Notes", MAX_NOTES)
            if len(errors) > before:
                self.failed_refs[PLEDGES].add(ref)
            else:
                yield PledgeRow(number, ref, donor, announced, year, pillar, amount, currency, recipient,
                                ccm_text in ("Y", "YES", "TRUE"), notes)
            before = len(errors)

    def commitments(self) -> Iterator[CommitmentRow]:
        """Yield the valid rows of the Commitments sheet (signed agreements)."""
        opened = self._table(COMMITMENTS)
        if opened is None:
            return
        table, rows = opened
        errors = self.problems
        before = len(errors)
        for number, record in rows:  # `before` is taken before the next row is read: its formula problems count
            ref = self._ref(table, number, record, "Agreement ref")
            pledge_ref = self._text(table, number, record, "Pledge ref", MAX_REF) or None
            donor = self._org(table, number, record, "Donor", N_("donor"))
            recipient = self._org(table, number, record, "Recipient", N_("recipient"))
            signed = self._date(table, number, record, "Signed on")
            start = self._date(table, number, record, "Start")
            end = self._date(table, number, record, "End")
            if start and end and end < start:
                self._error(table, number, "End", N_("the agreement ends ({end}) before it starts ({start})"), end=str(end),
                            start=str(start))
            year = self._optional_year(table, number, record)
            pillar = self._pillar(table, number, record)
            currency = self._currency(table, number, record)
            amount = self._amount(table, number, record, currency)
            support = self._support(table, number, record)
            notes = self._text(table, number, record, "Notes", MAX_NOTES)
            if len(errors) > before:
                self.failed_refs[COMMITMENTS].add(ref)
            else:
                yield CommitmentRow(number, ref, pledge_ref, donor, recipient, signed, start, end, pillar, amount, currency,
                                    notes, year or signed.year, support)
            before = len(errors)

    def amendments(self) -> Iterator[AmendmentRow]:
        """Yield the valid rows of the Amendments sheet; the agreement they name is checked by the service."""
        opened = self._table(AMENDMENTS)
        if opened is None:
            return
        table, rows = opened
        errors = self.problems
        before = len(errors)
        for number, record in rows:
            ref = self._text(table, number, record, "Agreement ref", MAX_REF, required=True)
            amended = self._date(table, number, record, "Amended on")
            change = cell_text(record.get("Change")).lower()
            if change not in CHANGES:
                if change:
                    self._error(table, number, "Change", N_("{text} is not a change: write increase, decrease or terminate"),
                                text=repr(cell_text(record.get("Change"))))
                else:
                    self._error(table, number, "Change", N_("the change is missing"))
            year = self._optional_year(table, number, record)
            pillar = self._pillar(table, number, record) if cell_text(record.get("Pillar")) else None
            amount = None
            if cell_text(record.get("Amount")):  # its currency's decimals are checked once the agreement is known
                try:
                    amount = cell_decimal(record.get("Amount"))
                except CellError as error:
                    self._error(table, number, "Amount", str(error))
            new_end = self._date(table, number, record, "New end") if cell_text(record.get("New end")) else None
            notes = self._text(table, number, record, "Notes", MAX_NOTES)
            if not notes:
                self._error(table, number, "Notes", "the reason is missing: every amendment says why the agreement changed")
            if len(errors) == before:
                yield AmendmentRow(number, ref, amended, change, year, pillar, amount, new_end, notes)
            before = len(errors)

    def disbursements(self) -> Iterator[DisbursementRow]:
        """Yield the valid rows of the Disbursements sheet (money paid by donors)."""
        opened = self._table(DISBURSEMENTS)
        if opened is None:
            return
        table, rows = opened
        errors = self.problems
        before = len(errors)
        for number, record in rows:  # `before` is taken before the next row is read: its formula problems count
            agreement_ref = self._text(table, number, record, "Agreement ref", MAX_REF) or None
            pledge_ref = self._text(table, number, record, "Pledge ref", MAX_REF) or None
            donor = self._org(table, number, record, "Donor", N_("donor"))
            recipient = self._org(table, number, record, "Recipient", N_("recipient"))
            via = self._org(table, number, record, "Via", N_("channel"), required=False)
            paid = self._date(table, number, record, "Paid on")
            pillar = self._pillar(table, number, record)
            province_text = cell_text(record.get("Province"))
            province = province_code(province_text) if province_text else None
            if province_text and province is None:
                self._error(table, number, "Province", N_("{text} is not a province of Lao PDR: write its code (LA-XI), "
                                                          "its name (Xiangkhouang) or 'national'"), text=repr(province_text))
            currency = self._currency(table, number, record)
            amount = self._amount(table, number, record, currency)
            support = self._support(table, number, record)
            notes = self._text(table, number, record, "Notes", MAX_NOTES)
            if len(errors) == before:
                yield DisbursementRow(number, agreement_ref, pledge_ref, donor, recipient, via, paid, pillar, province,
                                      amount, currency, notes, support)
            before = len(errors)

    def requirements(self) -> Iterator[RequirementRow]:
        """Yield the valid rows of the Requirements sheet (costed needs per year and pillar)."""
        opened = self._table(REQUIREMENTS)
        if opened is None:
            return
        table, rows = opened
        seen: dict[tuple[int, str], int] = {}
        errors = self.problems
        before = len(errors)
        for number, record in rows:
            year = self._year(table, number, record)
            pillar = self._pillar(table, number, record)
            currency = self._currency(table, number, record)
            amount = self._amount(table, number, record, currency)
            source = self._text(table, number, record, "Source", 300)
            if year and pillar:
                if (year, pillar) in seen:
                    self._error(table, number, "Pillar", N_("the requirement for {year} and {pillar} is already given on row {earlier}"),
                                year=str(year), pillar=pillar, earlier=seen[(year, pillar)])
                seen.setdefault((year, pillar), number)
            if len(self.problems) == before:
                yield RequirementRow(number, year, pillar, amount, currency, source)
            before = len(errors)

    def targets(self) -> Iterator[TargetRow]:
        """Yield the valid rows of the Targets sheet (the work plan's targets per year, pillar and indicator)."""
        opened = self._table(TARGETS)
        if opened is None:
            return
        table, rows = opened
        seen: dict[tuple[int, str, str], int] = {}
        errors = self.problems
        before = len(errors)
        for number, record in rows:
            year = self._year(table, number, record)
            pillar = self._pillar(table, number, record)
            text = cell_text(record.get("Indicator"))
            indicator = {i.casefold(): i for i in INDICATORS}.get(text.casefold().replace(" ", "_"))
            if indicator is None:
                self._error(table, number, "Indicator", N_("{text} is not an indicator: use one of {indicators}") if text
                            else N_("the indicator is missing: use one of {indicators}"), text=repr(text),
                            indicators=", ".join(INDICATORS))
            target = self._target(table, number, record)
            source = self._text(table, number, record, "Source", 300)
            if year and pillar and indicator:
                if (year, pillar, indicator) in seen:
                    self._error(table, number, "Indicator", N_("the target for {year}, {pillar} and {indicator} is already "
                                                               "given on row {earlier}"), year=str(year), pillar=pillar,
                                indicator=indicator, earlier=seen[(year, pillar, indicator)])
                seen.setdefault((year, pillar, indicator), number)
            if len(self.problems) == before:
                yield TargetRow(number, year, pillar, indicator, target, source)
            before = len(errors)

    def _target(self, table: Table, number: int, record: dict[str, Any]) -> Decimal | None:
        try:
            target = cell_decimal(record.get("Target"))
        except CellError as error:
            self._error(table, number, "Target", str(error).replace("amount", "target"))
            return None
        if target <= 0 or target != target.quantize(Decimal("0.0001")):
            self._error(table, number, "Target", N_("{text} is not a target: write a number above zero with at most four "
                                                    "decimals (hectares, items, sessions, people)"),
                        text=repr(cell_text(record.get("Target"))))
            return None
        return target


def support_kind(text: str) -> str | None:
    """Return cash or in-kind for a Support cell (empty: cash; "in kind", "inkind" in any case), or None."""
    key = text.strip().casefold().replace(" ", "").replace("-", "")
    return {"": "cash", "cash": "cash", "inkind": "in-kind"}.get(key)


class _Sink(list):
    """A list whose appends go to another list: read_table's late problems join the reader's."""

    def __init__(self, target: list[Problem], flagged: set[tuple[str, int | None, str]]):
        super().__init__()
        self._target = target
        self._flagged = flagged

    def append(self, item: Problem) -> None:  # type: ignore[override]
        self._flagged.add((item.sheet, item.row, item.column))
        self._target.append(item)
