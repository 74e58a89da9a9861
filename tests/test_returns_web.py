"""Returns in the application: template, upload, preview, confirm, access, status and history pages."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from conftest import csrf_token
from returns_workbooks import SPEND, add_organisations, return_workbook, xlsx
from uxo_swg.models import OperatorReturn, ReturnReceipt


@pytest.fixture
def ids(session):
    return add_organisations(session)


def upload(client, data, name="return.xlsx"):
    token = csrf_token(client, "/returns/")
    return client.post("/returns/upload", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm(client, preview_html):
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', preview_html) or re.search(r'name="token"[^>]*value="([^"]+)"', preview_html)
    assert match, preview_html[:3000]
    return client.post("/returns/confirm", data={"csrf_token": csrf_token(client, "/returns/"), "token": match.group(1)})


def test_template_is_prefilled_with_lists_validation_and_protected_headers(client, login, ids):
    login("operator", organisation="HALO Trust")
    response = client.get("/returns/template?quarter=2025-Q3")
    assert response.status_code == 200
    assert "return-HALO-Trust-2025-Q3.xlsx" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    assert wb["Return"]["B1"].value == "HALO Trust" and wb["Return"]["B2"].value == "2025-Q3"
    assert wb["Lists"].sheet_state == "hidden"
    assert {"Donors", "Pillars", "Provinces", "Currencies", "Indicators"} <= set(wb.defined_names)
    donors = [c.value for c in wb["Lists"]["A"][1:]]
    assert "United States" in donors and "Japan" in donors
    receipts = wb["Funds received"]
    assert [c.value for c in receipts[1]] == ["Received on", "Donor", "Via", "Agreement ref", "Pillar", "Province", "Amount", "Currency", "Notes"]
    formulas = {dv.formula1 for dv in receipts.data_validations.dataValidation}
    assert {"=Donors", "=Pillars", "=Provinces", "=Currencies"} <= formulas
    assert any(dv.type == "date" for dv in receipts.data_validations.dataValidation)
    assert any(dv.type == "decimal" for dv in receipts.data_validations.dataValidation)
    assert receipts.protection.sheet and receipts["A1"].protection.locked and not receipts["A2"].protection.locked
    instructions = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert "ວິທີປະກອບແບບລາຍງານນີ້" in instructions and "Due by 2025-10-30" in instructions


def test_filled_template_uploads_previews_and_is_stored_on_confirm(client, login, session, ids):
    login("operator", organisation="HALO Trust")
    wb = load_workbook(io.BytesIO(client.get("/returns/template?quarter=2025-Q3").data))
    wb["Return"]["B3"], wb["Return"]["B4"] = "Somchai", "finance@halo.example"
    ws = wb["Funds received"]
    for col, value in zip("ABCDEFGH", [date(2025, 8, 1), "United States", None, "US-1", "clearance", "Xiengkhouang", 5000, "USD"]):
        ws[f"{col}2"] = value
    wb["Expenditure"].append(SPEND)  # lands below the 500 prepared rows: still read
    response = upload(client, xlsx(wb), "halo.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Store this return" in page and "USD 5,000.00" in page
    assert session.exec(select(OperatorReturn)).all() == []  # nothing stored before the confirmation
    stored = confirm(client, page)
    assert stored.status_code == 302
    ret = session.exec(select(OperatorReturn)).one()
    assert (ret.operator_id, ret.quarter, ret.filename) == (ids["HALO Trust"], "2025-Q3", "halo.xlsx")
    assert client.get(stored.headers["Location"]).status_code == 200


def test_bad_upload_lists_every_error_and_stores_nothing(client, login, session, ids):
    login("operator", organisation="HALO Trust")
    bad = return_workbook(receipts=[[date(2025, 8, 1), "Atlantis", None, None, "clearance", None, "12,0x", "USD", None]])
    response = upload(client, xlsx(bad))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "nothing was stored" in page and "Store this return" not in page
    assert "no donor is called &#39;Atlantis&#39;" in page
    assert "&#39;12,0x&#39; is not a number" in page
    assert session.exec(select(OperatorReturn)).all() == []


def test_operator_cannot_send_another_operators_return(client, login, session, ids):
    login("operator", organisation="MAG")
    response = upload(client, xlsx(return_workbook(operator="HALO Trust")))
    assert response.status_code == 422
    assert "your own organisation only" in response.get_data(as_text=True)


def test_operator_sees_only_its_own_returns_and_guessing_ids_gives_404(app, client, login, session, ids):
    from uxo_swg.returns.services import import_return

    halo = import_return(xlsx(return_workbook()), "h.xlsx", session=session, actor="test").operator_return
    mag = import_return(xlsx(return_workbook(operator="MAG")), "m.xlsx", session=session, actor="test").operator_return
    login("operator", organisation="MAG")
    assert client.get(f"/returns/{halo.id}").status_code == 404
    assert client.get(f"/returns/{mag.id}").status_code == 200
    page = client.get("/returns/?quarter=2025-Q3").get_data(as_text=True)
    assert "MAG" in page and "HALO Trust" not in page and "UXO Lao" not in page


def test_co_chair_sees_status_of_every_operator(client, login, session, ids):
    from uxo_swg.returns.services import import_return

    import_return(xlsx(return_workbook()), "h.xlsx", session=session, actor="test")
    login("co-chair")
    page = client.get("/returns/?quarter=2025-Q3").get_data(as_text=True)
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>', page))
    assert rows["MAG"] == "missing" and rows["UXO Lao"] == "missing"
    assert rows["HALO Trust"] in ("late", "on time")  # uploaded today, after 2025-10-30: late
    assert rows["HALO Trust"] == ("late" if date.today() > date(2025, 10, 30) else "on time")
    assert "United States" not in rows  # donors are not expected to report


def test_reviewer_cannot_reach_returns(client, login, ids):
    login("reviewer")
    assert client.get("/returns/").status_code == 403


def test_history_shows_versions_side_by_side_with_what_changed(client, login, session, ids):
    from uxo_swg.returns.services import import_return

    import_return(xlsx(return_workbook()), "v1.xlsx", session=session, actor="test")
    new = import_return(xlsx(return_workbook(expenditure=[["clearance", "Xiengkhouang", 90000, "USD", None]], prepared_by="Noy")),
                        "v2.xlsx", session=session, actor="test").operator_return
    login("operator", organisation="HALO Trust")
    page = client.get(f"/returns/{new.id}").get_data(as_text=True)
    assert "Version 2 (current)" in page and "Version 1 (superseded)" in page
    assert "USD 90,000.00" in page and "USD 80,000.00" in page
    assert re.search(r'<tr class="removed"><td>Expenditure</td><td>removed</td><td>clearance · LA-XI · 80000 · USD', page)
    assert re.search(r'<tr class="added"><td>Expenditure</td><td>added</td><td>clearance · LA-XI · 90000 · USD', page)
    assert "prepared by: Somchai → Noy" in page


def test_same_file_uploaded_again_is_recognised(client, login, session, ids):
    login("operator", organisation="HALO Trust")
    data = xlsx(return_workbook())
    confirm(client, upload(client, data).get_data(as_text=True))
    page = upload(client, data).get_data(as_text=True)
    assert "already stored as" in page and "Store this return" not in page
    assert len(session.exec(select(OperatorReturn)).all()) == 1


def test_confirm_token_of_another_user_is_refused(client, login, make_user, app):
    from conftest import PASSWORD

    from uxo_swg.db import get_session

    with app.app_context():
        add_organisations(get_session())
    other_email = make_user("operator", organisation="HALO Trust")
    login("operator", organisation="HALO Trust")
    page = upload(client, xlsx(return_workbook())).get_data(as_text=True)
    token = re.search(r'name="token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="token"', page)
    other = app.test_client()
    other.post("/login", data={"email": other_email, "password": PASSWORD, "csrf_token": csrf_token(other)})
    response = other.post("/returns/confirm", data={"csrf_token": csrf_token(other, "/returns/"), "token": token.group(1)})
    assert response.status_code == 302
    assert "no longer waiting" in other.get("/returns/").get_data(as_text=True)
    with app.app_context():
        assert get_session().exec(select(ReturnReceipt)).all() == []


def test_a_return_in_a_currency_with_no_rate_yet_is_stored_and_the_operator_is_warned(client, login, session, ids):
    login("operator", organisation="HALO Trust")
    book = return_workbook(expenditure=[SPEND, ["clearance", "Xiengkhouang", 5000000, "LAK", None]])
    page = upload(client, xlsx(book)).get_data(as_text=True)
    assert "Store this return" in page and "No LAK rate on or in the 31 days before 2025-07-01" in page
    shown = client.get(confirm(client, page).headers["Location"]).get_data(as_text=True)
    assert "Warning:" in shown and "No LAK rate on or in the 31 days before 2025-07-01" in shown
    assert len(session.exec(select(OperatorReturn)).all()) == 1
