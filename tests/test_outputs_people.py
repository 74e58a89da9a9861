"""People reached on the Outputs sheet of a return (spec section 3): template checks, import, located errors."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from conftest import csrf_token
from returns_workbooks import OUTPUT, add_organisations, return_workbook, xlsx
from uxo_swg.models import ReturnOutput
from uxo_swg.returns.services import ReturnRefused, import_return, preview_return

PEOPLE_HEADERS = ["Pillar", "Province", "Indicator", "Value", "Women", "Men", "Girls", "Boys", "With disability", "Notes"]


@pytest.fixture
def ids(session):
    return add_organisations(session)


def with_people(rows):
    """Return a return workbook whose Outputs sheet has the people columns."""
    wb = return_workbook(outputs=())
    ws = wb["Outputs"]
    ws.delete_rows(1)
    ws.append(PEOPLE_HEADERS)
    for row in rows:
        ws.append(row)
    return wb


def errors_of(reading):
    return [(p.sheet, p.row, p.column, p.message) for p in reading.problems if p.level == "error"]


def test_template_outputs_sheet_has_people_columns_with_whole_number_checks(client, login, ids):
    login("operator", organisation="HALO Trust")
    wb = load_workbook(io.BytesIO(client.get("/returns/template?quarter=2025-Q3").data))
    ws = wb["Outputs"]
    assert [c.value for c in ws[1]] == PEOPLE_HEADERS
    checks = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    for letter in "EFGHI":  # Women, Men, Girls, Boys, With disability
        dv = checks[f"{letter}2:{letter}501"]
        assert (dv.type, dv.operator, dv.formula1, dv.allow_blank, dv.showErrorMessage) == (
            "whole", "greaterThanOrEqual", "0", True, True)
        assert not ws[f"{letter}2"].protection.locked
    assert checks["D2:D501"].type == "decimal"  # Value keeps its decimal check


def test_filled_template_with_people_columns_uploads_and_is_stored(client, login, session, ids):
    login("operator", organisation="HALO Trust")
    wb = load_workbook(io.BytesIO(client.get("/returns/template?quarter=2025-Q3").data))
    wb["Return"]["B3"], wb["Return"]["B4"] = "Somchai", "finance@halo.example"
    wb["Expenditure"].append(["re", "Savannakhet", 5000, "USD", None])
    for col, value in zip("ABCDEFGHI", ["re", "Savannakhet", "re_beneficiaries", 120, 40, 30, 26, 24, 7]):
        wb["Outputs"][f"{col}2"] = value
    for col, value in zip("ABCD", ["clearance", "Savannakhet", "land_released_ha", 35.25]):
        wb["Outputs"][f"{col}3"] = value  # no people: unknown
    out = io.BytesIO()
    wb.save(out)
    token = csrf_token(client, "/returns/")
    preview = client.post("/returns/upload", data={"csrf_token": token, "file": (io.BytesIO(out.getvalue()), "halo.xlsx")},
                          content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    stored_token = page.split('name="token"')[1].split('value="')[1].split('"')[0]
    assert client.post("/returns/confirm", data={"csrf_token": csrf_token(client, "/returns/"), "token": stored_token}).status_code == 302
    people, land = session.exec(select(ReturnOutput).order_by(ReturnOutput.row)).all()
    assert (people.value, people.women, people.men, people.girls, people.boys, people.with_disability) == (120, 40, 30, 26, 24, 7)
    assert (land.indicator, land.women, land.men, land.girls, land.boys, land.with_disability) == (
        "land_released_ha", None, None, None, None, None)


def test_a_return_without_people_columns_imports_unchanged_with_unknown_people(session, ids):
    wb = return_workbook(outputs=[OUTPUT, ["re", "national", "re_beneficiaries", 300, None]])
    result = import_return(xlsx(wb), "old.xlsx", session=session, actor="test")
    assert result.status == "stored"
    lines = session.exec(select(ReturnOutput).order_by(ReturnOutput.id)).all()
    assert [(line.indicator, line.value) for line in lines] == [("land_released_ha", 120.5), ("re_beneficiaries", 300)]
    assert all(getattr(line, name) is None for line in lines for name in ("women", "men", "girls", "boys", "with_disability"))


@pytest.mark.parametrize("row, column, message", [
    (["re", "national", "re_beneficiaries", 100, 40, 30, 20, 20, 5, None], "E (Women)", "add up to 110, not to the value 100"),
    (["va", "national", "va_beneficiaries", 10, 3, 3, 2, 2, 11, None], "I (With disability)", "11 people with a disability is more than the value 10"),
    (["re", "national", "re_beneficiaries", 100, 40, None, 30, 30, None, None], "F (Men)", "Men is empty: give women, men, girls and boys all four"),
    (["re", "national", "re_beneficiaries", 100, 40.5, 29.5, 30, 0, None, None], "E (Women)", "'40.5' is not a number of people"),
    (["re", "national", "re_beneficiaries", 100, -1, 41, 30, 30, None, None], "E (Women)", "'-1' is not a number of people"),
    (["clearance", "national", "land_released_ha", 12, 3, 3, 3, 3, None, None], "E (Women)", "land_released_ha does not count people"),
])
def test_people_errors_are_located_by_sheet_row_and_column(session, ids, row, column, message):
    wb = with_people([["re", "national", "re_beneficiaries", 50, 20, 10, 10, 10, 0, None], row])
    reading = preview_return(xlsx(wb), session=session)
    errors = errors_of(reading)
    assert len(errors) == 1, errors
    assert errors[0][:3] == ("Outputs", 3, column) and message in errors[0][3], errors
    with pytest.raises(ReturnRefused):
        import_return(xlsx(wb), "bad.xlsx", session=session, actor="test")
    assert session.exec(select(ReturnOutput)).all() == []  # nothing half-saved


def test_disability_alone_and_zero_groups_are_accepted(session, ids):
    wb = with_people([["va", "LA-SV", "va_beneficiaries", 12, None, None, None, None, 9, None],
                      ["re", "LA-SV", "re_beneficiaries", 40, 0, 0, 20, 20, 0, None]])
    import_return(xlsx(wb), "ok.xlsx", session=session, actor="test")
    va, re = session.exec(select(ReturnOutput).order_by(ReturnOutput.row)).all()
    assert (va.women, va.with_disability) == (None, 9)
    assert (re.women, re.men, re.girls, re.boys, re.with_disability) == (0, 0, 20, 20, 0)  # given zeros stay zeros
