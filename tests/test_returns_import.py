"""Reading an operator return (spec sections 3 and 5), storing it, superseding and recognising it."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from returns_workbooks import RECEIPT, RECEIPT_HEADERS, SPEND, add_organisations, return_workbook, xlsx
from uxo_swg.models import AuditLog, OperatorReturn, ReturnExpenditure, ReturnOutput, ReturnReceipt
from uxo_swg.returns.services import ReturnRefused, import_return, preview_return


@pytest.fixture
def ids(session):
    return add_organisations(session)


def problems_of(reading):
    return [(p.level, p.sheet, p.row, p.column, p.message) for p in reading.problems]


def test_a_clean_return_is_stored_with_every_row(session, ids):
    result = import_return(xlsx(return_workbook()), "halo.xlsx", session=session, actor="test")
    assert result.status == "stored"
    ret = result.operator_return
    assert (ret.operator_id, ret.quarter, ret.version_no, ret.prepared_by) == (ids["HALO Trust"], "2025-Q3", 1, "Somchai")
    receipt = session.exec(select(ReturnReceipt)).one()
    assert (receipt.donor_id, receipt.amount, receipt.currency, receipt.province_code, receipt.row) == (
        ids["United States"], Decimal("100000"), "USD", "LA-XI", 2)
    assert session.exec(select(ReturnExpenditure)).one().amount == Decimal("80000")
    assert session.exec(select(ReturnOutput)).one().value == Decimal("120.5")
    audited = session.exec(select(AuditLog.entity).where(AuditLog.via == "import")).all()
    assert {"operator_return", "return_receipt", "return_expenditure", "return_output"} <= set(audited)


def test_headers_by_text_in_any_order_and_case_below_title_rows_blank_rows_skipped(session, ids):
    headers = [h.upper() + "  " for h in reversed(RECEIPT_HEADERS)]
    rows = [list(reversed(RECEIPT)), [None] * 9, [None] * 9, list(reversed([date(2025, 9, 2), "Japan", None, None, "re", "national", 5, "JPY", None]))]
    wb = return_workbook(receipts=rows, title_rows=3, receipt_headers=headers)
    reading = preview_return(xlsx(wb), session=session)
    assert reading.ok, problems_of(reading)
    assert reading.totals["Funds received"].rows == 2
    assert dict(reading.totals["Funds received"].by_currency) == {"USD": Decimal("100000"), "JPY": Decimal("5")}


def test_dates_as_text_and_amounts_as_text_with_separators(session, ids):
    row = ["2025-08-15", "USA", None, "US-2025-01", "Survey and Clearance", "LA-XI", "1,234,567.50", "usd", None]
    result = import_return(xlsx(return_workbook(receipts=[row])), "r.xlsx", session=session, actor="test")
    receipt = session.exec(select(ReturnReceipt)).one()
    assert result.status == "stored"
    assert (receipt.received_on, receipt.amount, receipt.currency, receipt.pillar_code) == (
        date(2025, 8, 15), Decimal("1234567.50"), "USD", "clearance")


def test_formula_read_by_cached_value_and_formula_without_value_is_an_error(session, ids, tmp_path):
    # openpyxl never saves a cached value: the formula has none, and that is an error on its cell.
    wb = return_workbook(expenditure=[["clearance", "national", "=1000+2000", "USD", None]])
    reading = preview_return(xlsx(wb), session=session)
    assert not reading.ok
    assert any(p.sheet == "Expenditure" and p.row == 2 and p.column.startswith("C") and "formula has no saved value" in p.message
               for p in reading.problems), problems_of(reading)
    # The same cell with a cached value (as Excel saves it) is read by that value.
    data = xlsx(wb)
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet3.xml":
                # openpyxl writes the empty value as <v />, or as <v></v> when lxml is installed
                content = re.sub(rb"<f>1000\+2000</f>(<v\s*/>|<v></v>)", b"<f>1000+2000</f><v>3000</v>", content)
                assert b"<v>3000</v>" in content
            target.writestr(info, content)
    reading = preview_return(out.getvalue(), session=session)
    assert reading.ok, problems_of(reading)
    assert reading.totals["Expenditure"].by_currency["USD"] == Decimal("3000")


def test_every_bad_cell_is_reported_with_sheet_row_column_and_nothing_is_stored(session, ids):
    receipts = [
        RECEIPT,
        ["31/08/2025", "Atlantis", None, None, "demining", "Gotham", "12abc", "XXX", None],
        [date(2025, 8, 3), "Japan", None, None, "re", None, "1.5", "JPY", None],
    ]
    wb = return_workbook(receipts=receipts, expenditure=[SPEND, ["va", None, -5, "USD", None]],
                         outputs=[["clearance", "national", "mines_found", 3, None]])
    with pytest.raises(ReturnRefused) as refused:
        import_return(xlsx(wb), "bad.xlsx", session=session, actor="test")
    found = {(p.sheet, p.row, p.column.split(" ")[0]): p.message for p in refused.value.problems}
    assert "not a date" in found[("Funds received", 3, "A")]
    assert "Atlantis" in found[("Funds received", 3, "B")]
    assert "not a pillar" in found[("Funds received", 3, "E")]
    assert "not a province" in found[("Funds received", 3, "F")]
    assert "not a number" in found[("Funds received", 3, "G")] or "not an ISO currency" in found[("Funds received", 3, "H")]
    assert "JPY has 0 decimal places" in found[("Funds received", 4, "G")]
    assert "province is missing" in found[("Expenditure", 3, "B")]
    assert "negative" in found[("Expenditure", 3, "C")]
    assert "not an indicator" in found[("Outputs", 2, "C")]
    assert session.exec(select(OperatorReturn)).all() == []
    assert session.exec(select(ReturnReceipt)).all() == []


def test_unknown_donor_suggests_the_closest_names(session, ids):
    row = [date(2025, 8, 1), "Unted States", None, None, "clearance", None, 10, "USD", None]
    reading = preview_return(xlsx(return_workbook(receipts=[row])), session=session)
    assert "Did you mean 'United States'" in reading.problems[0].message


def test_missing_operator_quarter_and_sheets_are_reported(session, ids):
    wb = return_workbook(operator=None, quarter="2025-Q7")
    del wb["Expenditure"]
    reading = preview_return(xlsx(wb), session=session)
    messages = " | ".join(str(p) for p in reading.problems)
    assert "'Operator' is missing" in messages
    assert "Return, row 2, column B: '2025-Q7': a quarter is Q1 to Q4" in messages
    assert "no sheet 'Expenditure'" in messages


def test_unknown_columns_and_receipts_outside_the_quarter_are_warnings(session, ids):
    headers = RECEIPT_HEADERS + ["Comment from finance"]
    row = [date(2025, 6, 30), "Japan", None, None, "va", None, 1000, "JPY", None, "late transfer"]
    reading = preview_return(xlsx(return_workbook(receipts=[row], receipt_headers=headers)), session=session)
    assert reading.ok
    levels = {(p.level, p.column[:1]) for p in reading.problems}
    assert ("warning", "J") in levels and ("warning", "A") in levels
    assert any("outside 2025-Q3" in p.message for p in reading.problems)


def test_a_new_return_supersedes_the_previous_which_stays_readable(session, ids):
    first = import_return(xlsx(return_workbook()), "v1.xlsx", session=session, actor="test").operator_return
    second_book = return_workbook(expenditure=[["clearance", "Xiengkhouang", 90000, "USD", None]])
    result = import_return(xlsx(second_book), "v2.xlsx", session=session, actor="test")
    session.refresh(first)
    assert result.status == "stored" and result.superseded.id == first.id
    assert (result.operator_return.version_no, first.superseded_by_id) == (2, result.operator_return.id)
    old_spend = session.exec(select(ReturnExpenditure).where(ReturnExpenditure.return_id == first.id)).one()
    assert old_spend.amount == Decimal("80000")


def test_the_same_file_twice_is_recognised_and_stores_nothing(session, ids):
    data = xlsx(return_workbook())
    first = import_return(data, "a.xlsx", session=session, actor="test")
    again = import_return(data, "a-copy.xlsx", session=session, actor="test")
    assert again.status == "duplicate" and again.operator_return.id == first.operator_return.id
    assert len(session.exec(select(OperatorReturn)).all()) == 1
    assert len(session.exec(select(ReturnReceipt)).all()) == 1


def test_sending_an_earlier_version_again_makes_it_current_as_a_new_version(session, ids):
    v1 = xlsx(return_workbook())
    import_return(v1, "v1.xlsx", session=session, actor="test")
    import_return(xlsx(return_workbook(expenditure=[["clearance", "Xiengkhouang", 90000, "USD", None]])), "v2.xlsx",
                  session=session, actor="test")
    back = import_return(v1, "v1-again.xlsx", session=session, actor="test")
    assert back.status == "stored" and back.operator_return.version_no == 3
    current = session.exec(select(OperatorReturn).where(OperatorReturn.superseded_by_id.is_(None))).one()
    spend = session.exec(select(ReturnExpenditure).where(ReturnExpenditure.return_id == current.id)).one()
    assert (current.version_no, spend.amount) == (3, Decimal("80000"))
    assert import_return(v1, "v1-third.xlsx", session=session, actor="test").status == "duplicate"


def test_cli_imports_a_return_and_refuses_a_bad_one(app, runner, session, ids, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(return_workbook()))
    result = runner.invoke(args=["import-return", str(good)])
    assert result.exit_code == 0, result.output
    assert "stored HALO Trust 2025-Q3 version 1" in result.output
    again = runner.invoke(args=["import-return", str(good)])
    assert again.exit_code == 0 and "already stored as version 1" in again.output
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(return_workbook(receipts=[[date(2025, 8, 1), "Atlantis", None, None, "clearance", None, 5, "USD", None]])))
    refused = runner.invoke(args=["import-return", str(bad)])
    assert refused.exit_code == 1
    assert "Funds received, row 2, column B (Donor): no donor is called 'Atlantis'" in refused.output
    assert "nothing was stored" in refused.output
    assert len(session.exec(select(OperatorReturn)).all()) == 1


def test_submitted_on_as_excel_datetime(session, ids):
    wb = return_workbook(submitted_on=datetime(2025, 10, 11, 0, 0))
    result = import_return(xlsx(wb), "r.xlsx", session=session, actor="test")
    assert result.operator_return.submitted_on == date(2025, 10, 11)


def test_text_with_tabs_newlines_backslashes_and_lao_is_stored_exactly(session, ids):
    # The rows go to PostgreSQL with COPY: the text must arrive as it was written, audit included.
    notes = "ເງິນຊ່ວຍເຫຼືອ\tline 1\nline 2 \\N C:\\temp\\x 'quoted' \"double\" 100%"
    receipts = [[*RECEIPT[:6], Decimal("1234.56"), "USD", notes], [*RECEIPT[:6], 5, "USD", None]]
    result = import_return(xlsx(return_workbook(receipts=receipts)), "halo.xlsx", session=session, actor="test")
    assert result.status == "stored"
    stored = session.exec(select(ReturnReceipt).order_by(ReturnReceipt.row)).all()
    assert [(r.notes, r.amount, r.row) for r in stored] == [(notes, Decimal("1234.56"), 2), ("", Decimal("5"), 3)]
    ids_in_audit = session.exec(select(AuditLog.entity_id).where(AuditLog.entity == "return_receipt")).all()
    assert sorted(ids_in_audit) == sorted(str(r.id) for r in stored)
    after = session.exec(select(AuditLog.after).where(AuditLog.entity_id == str(stored[0].id),
                                                      AuditLog.entity == "return_receipt")).one()
    assert notes in json.loads(after).values()


def test_amounts_with_no_usable_rate_yet_are_stored_with_a_warning_naming_currency_and_date(app, runner, session, ids,
                                                                                            tmp_path):
    # The ECB table has no kip: a LAK receipt and LAK spending are stored, and the file says which rates to load.
    receipt = [date(2025, 8, 1), "United States", None, "US-2025-01", "clearance", "Xiengkhouang", 900000000, "LAK", None]
    book = return_workbook(receipts=[RECEIPT, receipt], expenditure=[SPEND, ["clearance", "Xiengkhouang", 5000000, "LAK", None]])
    reading = preview_return(xlsx(book), session=session)
    warnings = [p.message for p in reading.problems if p.level == "warning"]
    assert reading.ok and len(warnings) == 1, warnings
    assert "No LAK rate on or in the 31 days before" in warnings[0]
    assert "2025-07-01 (Expenditure row 3)" in warnings[0] and "2025-08-01 (Funds received row 3)" in warnings[0]
    assert not [p for p in preview_return(xlsx(return_workbook()), session=session).problems if p.level == "warning"]
    path = tmp_path / "lak.xlsx"
    path.write_bytes(xlsx(book))
    result = runner.invoke(args=["import-return", str(path)])
    assert result.exit_code == 0, result.output
    assert "warning: No LAK rate on or in the 31 days before 2025-07-01" in result.output
    assert {r.currency for r in session.exec(select(ReturnReceipt)).all()} == {"USD", "LAK"}
