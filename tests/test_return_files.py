"""An operator sees the rows of the return it previews, page by page, and downloads the file it sent (issue 13)."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import select

from conftest import csrf_token
from returns_workbooks import add_organisations, return_workbook, xlsx
from test_returns_web import confirm, upload
from uxo_swg.db import get_session
from uxo_swg.models import OperatorReturn
from uxo_swg.returns.services import import_return

OUTPUTS = [["clearance", "Xiengkhouang", "items_destroyed", 4970, None]]


@pytest.fixture
def ids(session):
    return add_organisations(session)


def receipts(count):
    return [[date(2025, 8, 1), "United States", None, f"US-{n:03}", "clearance", "Xiengkhouang", 1000 + n, "USD", None]
            for n in range(1, count + 1)]


def test_the_preview_lists_the_rows_read_page_by_page(ids, client, login):
    login("operator", organisation="HALO Trust")
    preview = upload(client, xlsx(return_workbook(receipts=receipts(60), outputs=OUTPUTS)))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    table = page.split('id="rows-receipts"')[1].split("</table>")[0]
    assert "Funds received: the rows read, 1 to 50 of 60" in table
    assert table.count("<tr>") == 51 and "US-001" in table and "US-050" in table and "US-051" not in table
    assert "United States" in table and "Survey and Clearance" in table and "Xiangkhouang" in table and "1,001.00" in table
    outputs = page.split('id="rows-outputs"')[1].split("</table>")[0]
    assert "items_destroyed" in outputs and "4,970" in outputs
    expenditure = page.split('id="rows-expenditure"')[1].split("</table>")[0]
    assert "80,000.00" in expenditure
    more = re.search(r'href="(/returns/preview/[^"?]+\?receipts_page=2)"', page).group(1)
    second = client.get(more).get_data(as_text=True).split('id="rows-receipts"')[1].split("</table>")[0]
    assert "51 to 60 of 60" in second and "US-051" in second and "US-060" in second and "US-050" not in second
    # Storing it still works from the preview.
    assert confirm(client, page).status_code == 302


def test_an_operator_downloads_the_file_it_sent_and_nobody_else_sees_it(app, client, login):
    with app.app_context():
        add_organisations(get_session())
    sent = xlsx(return_workbook(outputs=OUTPUTS))
    login("operator", organisation="HALO Trust")
    stored = confirm(client, upload(client, sent).get_data(as_text=True))
    show_url = stored.headers["Location"]
    page = client.get(show_url).get_data(as_text=True)
    download = re.search(r'<a href="(/returns/\d+/file)" class="download">return.xlsx</a>', page).group(1)
    assert "items_destroyed 4,970" in page and "E+" not in page  # not 4.97E+3
    with client.get(download) as got:
        assert got.status_code == 200 and got.data == sent
        assert 'filename=return.xlsx' in got.headers["Content-Disposition"]
    client.post("/logout", data={"csrf_token": csrf_token(client, show_url)})
    login("operator", organisation="MAG")
    assert client.get(download).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/returns/")})
    login("co-chair")
    with client.get(download) as got:
        assert got.data == sent


def test_a_return_stored_before_files_were_kept_says_so(ids, client, login, session):
    import_return(xlsx(return_workbook()), "old.xlsx", session=session, actor="test")
    ret = session.exec(select(OperatorReturn)).one()
    session.rollback()
    login("co-chair")
    assert "/file" not in client.get(f"/returns/{ret.id}").get_data(as_text=True)
    response = client.get(f"/returns/{ret.id}/file", follow_redirects=True)
    assert "was not kept" in response.get_data(as_text=True)


def test_the_command_line_import_keeps_the_file_too(ids, app, runner, tmp_path, session):
    path = tmp_path / "halo.xlsx"
    path.write_bytes(xlsx(return_workbook()))
    assert runner.invoke(args=["import-return", str(path)]).exit_code == 0
    ret = session.exec(select(OperatorReturn)).one()
    from uxo_swg.returns.files import kept_file

    assert kept_file(ret.sha256, app.config["UPLOAD_FOLDER"]).read_bytes() == path.read_bytes()


def test_a_return_sent_after_midnight_in_vientiane_on_the_due_date_is_late(ids, client, login, session):
    from datetime import datetime, timezone

    import_return(xlsx(return_workbook()), "halo.xlsx", session=session, actor="test")
    ret = session.exec(select(OperatorReturn)).one()
    ret.uploaded_at = datetime(2025, 10, 30, 18, 0, tzinfo=timezone.utc)  # 31 October, 01:00 in Vientiane
    session.add(ret)
    session.commit()
    login("co-chair")
    page = client.get("/returns/?quarter=2025-Q3").get_data(as_text=True)
    row = re.search(r'<tr class="status-([a-z-]+)"><th scope="row">HALO Trust</th>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>', page)
    assert row.groups() == ("late", "2025-10-31")
    assert "2025-10-31 01:00" in client.get(f"/returns/{ret.id}").get_data(as_text=True)
