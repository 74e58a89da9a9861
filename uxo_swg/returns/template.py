"""The quarterly return template (spec section 3), generated from the live reference data."""
from __future__ import annotations

from dataclasses import dataclass

from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from sqlmodel import Session, col, select

from importers.operator_return import (
    OWN_FUNDS,
    EXPENDITURE_COLUMNS, EXPENDITURE_SHEET, INDICATORS, OUTPUT_COLUMNS, OUTPUTS_SHEET, PEOPLE_COLUMNS,
    RECEIPT_COLUMNS, RECEIPTS_SHEET, RETURN_SHEET,
)

from ..domain.periods import Period
from ..domain.returns import return_due_on
from ..exports import new_workbook, workbook_bytes
from ..models import Organisation, Pillar, Province

DATA_ROWS = 500  # rows prepared with drop-downs and validation; more may be added below
COMMON_CURRENCIES = ("USD", "EUR", "JPY", "GBP", "AUD", "NZD", "KRW", "CAD", "NOK", "CHF", "SEK", "DKK", "THB", "LAK")
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
_UNLOCKED = Protection(locked=False)

# The receipts sheet in the spec's order: required and optional columns interleaved as the spec lists them.
RECEIPT_ORDER = ["Received on", "Donor", "Via", "Agreement ref", "Pillar", "Province", "Amount", "Currency", "Notes"]
EXPENDITURE_ORDER = ["Pillar", "Province", "Amount", "Currency", "Funded by", "Notes"]
OUTPUT_ORDER = ["Pillar", "Province", "Indicator", "Value", *PEOPLE_COLUMNS, "Notes"]
assert set(RECEIPT_ORDER) == set(RECEIPT_COLUMNS[0] + RECEIPT_COLUMNS[1])
assert set(EXPENDITURE_ORDER) == set(EXPENDITURE_COLUMNS[0] + EXPENDITURE_COLUMNS[1])
assert set(OUTPUT_ORDER) == set(OUTPUT_COLUMNS[0] + OUTPUT_COLUMNS[1])

INSTRUCTIONS = [
    ("How to fill this return", "ວິທີປະກອບແບບລາຍງານນີ້"),
    ("1. Check the operator and the quarter on the sheet 'Return'; write who prepared it, an e-mail and the date.",
     "1. ກວດເບິ່ງຊື່ອົງການ ແລະ ໄຕມາດ ໃນແຜ່ນ 'Return'; ຂຽນຊື່ຜູ້ກະກຽມ, ອີເມວ ແລະ ວັນທີ."),
    ("2. 'Funds received': one row per transfer received in the quarter: date, donor (the original source of the money), "
     "the channel it came through (Via) if any, the agreement reference, pillar, province, amount and currency.",
     "2. 'Funds received': ໜຶ່ງແຖວຕໍ່ການໂອນເງິນທີ່ໄດ້ຮັບໃນໄຕມາດ: ວັນທີ, ຜູ້ໃຫ້ທຶນ, ຊ່ອງທາງ (Via), ເລກທີສັນຍາ, "
     "ຂົງເຂດວຽກ, ແຂວງ, ຈຳນວນເງິນ ແລະ ສະກຸນເງິນ."),
    ("3. 'Expenditure': what was spent in the quarter, by pillar and province ('national' for work not tied to one province). "
     "'Funded by' (optional): the donor, pooled fund or government whose money it was, or 'own funds'.",
     "3. 'Expenditure': ລາຍຈ່າຍໃນໄຕມາດ ຕາມຂົງເຂດວຽກ ແລະ ແຂວງ ('national' ສຳລັບວຽກທົ່ວປະເທດ)."),
    ("4. 'Outputs': what was achieved, by pillar, province and indicator. For people reached "
     "(re_beneficiaries, va_beneficiaries) give Women, Men, Girls and Boys, which add up to Value, and how many of them "
     "live With disability (at most Value); leave them empty where you do not know.",
     "4. 'Outputs': ຜົນໄດ້ຮັບ ຕາມຂົງເຂດວຽກ, ແຂວງ ແລະ ຕົວຊີ້ວັດ. ສຳລັບຈຳນວນຄົນທີ່ໄດ້ຮັບ: ແມ່ຍິງ, ຜູ້ຊາຍ, ເດັກຍິງ ແລະ "
     "ເດັກຊາຍ ລວມກັນເທົ່າກັບ Value; ຜູ້ພິການ ບໍ່ເກີນ Value."),
    ("5. Amounts are in the currency received or spent, without conversion; dates as dates (2025-09-30).",
     "5. ຈຳນວນເງິນເປັນສະກຸນເງິນທີ່ໄດ້ຮັບ ຫຼື ຈ່າຍ, ບໍ່ຕ້ອງແລກປ່ຽນ; ວັນທີໃນຮູບແບບ 2025-09-30."),
    ("6. Pick donors, pillars, provinces, currencies and indicators from the drop-down lists. "
     "A donor not in the list: ask the secretariat to register it before you send the return.",
     "6. ເລືອກຜູ້ໃຫ້ທຶນ, ຂົງເຂດວຽກ, ແຂວງ, ສະກຸນເງິນ ແລະ ຕົວຊີ້ວັດ ຈາກລາຍການ. ຖ້າບໍ່ມີຜູ້ໃຫ້ທຶນໃນລາຍການ, "
     "ໃຫ້ແຈ້ງເລຂາທິການ."),
    ("7. Upload the file in the application (Returns). Every problem is listed with its sheet, row and column; "
     "nothing is stored until the file is clean and you confirm. A corrected file replaces the previous one, which is kept.",
     "7. ອັບໂຫຼດໄຟລ໌ໃນລະບົບ (Returns). ທຸກບັນຫາຈະສະແດງພ້ອມແຜ່ນ, ແຖວ ແລະ ຖັນ; ບໍ່ມີຫຍັງຖືກບັນທຶກຈົນກວ່າໄຟລ໌ຖືກຕ້ອງ "
     "ແລະ ທ່ານຢືນຢັນ. ໄຟລ໌ທີ່ແກ້ໄຂແລ້ວຈະແທນໄຟລ໌ເກົ່າ ເຊິ່ງຍັງຖືກເກັບໄວ້."),
]


@dataclass
class TemplateLists:
    """The live reference data the drop-down lists offer."""

    donors: list[str]
    pillars: list[tuple[str, str, str]]  # code, English, Lao
    provinces: list[tuple[str, str, str]]
    currencies: list[str]
    indicators: list[str]


def template_lists(*, session: Session) -> TemplateLists:
    """Return the drop-down lists from the database: every organisation that can give money, pillars, provinces."""
    donors = [o.name for o in session.exec(select(Organisation).where(col(Organisation.merged_into_id).is_(None))
                                           .order_by(Organisation.name)).all()]
    pillars = [(p.code, p.name_en, p.name_lo) for p in session.exec(select(Pillar).order_by(col(Pillar.sort_order))).all()]
    provinces = [(p.code, p.name_en, p.name_lo) for p in session.exec(select(Province).order_by(Province.name_en)).all()]
    return TemplateLists(donors, pillars, provinces, list(COMMON_CURRENCIES), list(INDICATORS))


def build_template(operator: str, quarter: Period, lists: TemplateLists) -> bytes:
    """Return the return workbook for the operator and quarter, with drop-downs, validation and protected headers."""
    wb = new_workbook()
    _instructions(wb, operator, quarter)
    _return_sheet(wb, operator, quarter)
    _lists_sheet(wb, lists)
    _data_sheet(wb, RECEIPTS_SHEET, RECEIPT_ORDER, {"Donor": "Donors", "Via": "Donors", "Pillar": "Pillars",
                                                    "Province": "Provinces", "Currency": "Currencies"},
                dates=["Received on"], amounts=["Amount"])
    _data_sheet(wb, EXPENDITURE_SHEET, EXPENDITURE_ORDER, {"Pillar": "Pillars", "Province": "Provinces",
                                                           "Currency": "Currencies", "Funded by": "Funders"},
                amounts=["Amount"])
    _data_sheet(wb, OUTPUTS_SHEET, OUTPUT_ORDER, {"Pillar": "Pillars", "Province": "Provinces",
                                                  "Indicator": "Indicators"}, amounts=["Value"], counts=list(PEOPLE_COLUMNS))
    wb.active = 1
    return workbook_bytes(wb)


def _instructions(wb, operator: str, quarter: Period) -> None:
    ws = wb.create_sheet("Instructions")
    ws.append([f"Quarterly return of {operator} for {quarter}", f"ລາຍງານປະຈຳໄຕມາດ {quarter}"])
    ws.append([f"Due by {return_due_on(quarter).isoformat()}", f"ກຳນົດສົ່ງ {return_due_on(quarter).isoformat()}"])
    ws.append([])
    for english, lao in INSTRUCTIONS:
        ws.append([english, lao])
    for cell in ws[1] + ws[4]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 90
    ws.column_dimensions["B"].width = 90
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.protection.sheet = True


def _return_sheet(wb, operator: str, quarter: Period) -> None:
    ws = wb.create_sheet(RETURN_SHEET)
    values = [("Operator", operator), ("Quarter", str(quarter)), ("Prepared by", ""), ("Email", ""), ("Submitted on", None)]
    for label, value in values:
        ws.append([label, value])
    for row in ws.iter_rows(min_row=1, max_row=len(values)):
        row[0].font = Font(bold=True)
        row[0].fill = _HEADER_FILL
    for cell in (ws["B1"], ws["B2"]):
        cell.data_type = "s"
    for ref in ("B3", "B4", "B5"):
        ws[ref].protection = _UNLOCKED
    ws["B5"].number_format = "yyyy-mm-dd"
    when = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
                          showErrorMessage=True, error="Write a date, for example 2025-10-15",
                          errorTitle="Submitted on")
    ws.add_data_validation(when)
    when.add("B5")
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.protection.sheet = True


def _lists_sheet(wb, lists: TemplateLists) -> None:
    ws = wb.create_sheet("Lists")
    columns = {
        "Donors": lists.donors,
        "Funders": [OWN_FUNDS, *lists.donors],
        "Pillars": [code for code, _en, _lo in lists.pillars],
        "Provinces": ["national"] + [en for code, en, _lo in lists.provinces if code != "national"],
        "Currencies": lists.currencies,
        "Indicators": lists.indicators,
    }
    for index, (name, items) in enumerate(columns.items(), start=1):
        letter = get_column_letter(index)
        ws.cell(row=1, column=index, value=name).font = Font(bold=True)
        for row, item in enumerate(items, start=2):
            ws.cell(row=row, column=index, value=item).data_type = "s"
        ref = f"{quote_sheetname('Lists')}!${letter}$2:${letter}${max(len(items), 1) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _data_sheet(wb, title: str, headers: list[str], lists: dict[str, str], dates: list[str] = (),
                amounts: list[str] = (), counts: list[str] = ()) -> None:
    ws = wb.create_sheet(title)
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    last = DATA_ROWS + 1
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = 28 if header in ("Donor", "Via", "Notes") else 16
        area = f"{letter}2:{letter}{last}"
        if header in lists:
            dv = DataValidation(type="list", formula1=f"={lists[header]}", allow_blank=True, showErrorMessage=True,
                                errorTitle=header, error=f"Pick a value from the list ({lists[header].lower()})")
        elif header in dates:
            dv = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
                                showErrorMessage=True, errorTitle=header, error="Write a date, for example 2025-09-30")
        elif header in amounts:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                showErrorMessage=True, errorTitle=header, error="Write a number of zero or more")
        elif header in counts:
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                showErrorMessage=True, errorTitle=header,
                                error="Write a whole number of people, zero or more (or leave it empty)")
        else:
            dv = None
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(area)
        for row in range(2, last + 1):
            cell = ws.cell(row=row, column=index)
            cell.protection = _UNLOCKED
            if header in dates:
                cell.number_format = "yyyy-mm-dd"
            elif header in amounts:
                cell.number_format = "#,##0.00"
            elif header in counts:
                cell.number_format = "#,##0"
    ws.freeze_panes = "A2"
    # Header row locked; data rows editable; rows may be inserted, sorted and filtered.
    ws.protection.sheet = True
    ws.protection.insertRows = False
    ws.protection.deleteRows = False
    ws.protection.sort = False
    ws.protection.autoFilter = False
    ws.protection.formatColumns = False


def template_filename(operator: str, quarter: Period) -> str:
    """Return the download name, e.g. `return-HALO-Trust-2025-Q3.xlsx`."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in operator).strip("-")
    return f"return-{safe}-{quarter}.xlsx"

