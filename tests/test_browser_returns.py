"""In a real browser (Debian's chromium): download the template, fill it, upload a bad and a corrected version."""
from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from conftest import browser_login
from returns_workbooks import add_organisations, xlsx
from uxo_swg.db import get_session


def test_operator_downloads_fills_uploads_corrects_and_stores_a_return(app, page, make_user, tmp_path):
    with app.app_context():
        add_organisations(get_session())
    email = make_user("operator", organisation="HALO Trust")
    browser_login(page, email)
    page.click("nav >> text=Returns")
    page.fill("input[name=quarter]", "2025-Q3")
    page.click("form.filters >> text=Show")
    with page.expect_download() as download_info:
        page.click("text=Download the 2025-Q3 template")
    download = download_info.value
    assert download.suggested_filename == "return-HALO-Trust-2025-Q3.xlsx"
    template = tmp_path / "template.xlsx"
    download.save_as(template)

    wb = load_workbook(template)
    wb["Return"]["B3"], wb["Return"]["B4"], wb["Return"]["B5"] = "Somchai", "finance@halo.example", date(2025, 10, 12)
    received = wb["Funds received"]
    for column, value in zip("ABCDEFGH", [date(2025, 8, 1), "Untied States", None, "US-2025-01", "clearance",
                                         "Xiengkhouang", 250000, "USD"]):
        received[f"{column}2"] = value
    spend = wb["Expenditure"]
    for column, value in zip("ABCD", ["clearance", "Xiengkhouang", "75,000.00", "USD"]):
        spend[f"{column}2"] = value
    bad = tmp_path / "halo-2025-Q3.xlsx"
    bad.write_bytes(xlsx(wb))
    page.set_input_files("input[type=file]", str(bad))
    page.click("text=Upload and check")
    alert = page.locator("p.error[role=alert]")
    assert "1 error(s) found: nothing was stored" in alert.inner_text()
    error_row = page.locator("table.problems tbody tr.error").first
    assert [c.strip() for c in error_row.locator("td").all_inner_texts()[:4]] == ["error", "Funds received", "2", "B (Donor)"]
    assert "Did you mean 'United States'" in error_row.inner_text()
    assert page.locator("text=Store this return").count() == 0

    received["B2"] = "United States"
    good = tmp_path / "halo-2025-Q3-corrected.xlsx"
    good.write_bytes(xlsx(wb))
    page.click("text=Back to returns")
    page.set_input_files("input[type=file]", str(good))
    page.click("text=Upload and check")
    assert "The file is clean" in page.locator("p.flash.info").inner_text()
    totals = page.locator("#totals").inner_text()
    assert "USD 250,000.00" in totals and "USD 75,000.00" in totals
    page.click("text=Store this return")
    page.wait_for_url("**/returns/*")
    assert "Stored HALO Trust 2025-Q3, version 1." in page.locator("p.flash").inner_text()
    assert page.locator("h2", has_text="Version 1 (current)").count() == 1

    page.click("text=All returns for 2025-Q3")
    row = page.locator("#status tbody tr").first
    assert "HALO Trust" in row.inner_text() and "version 1" in row.inner_text()
