"""Hostile files: each is refused with a clear message and nothing stored, through the upload and the CLI."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlmodel import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from conftest import csrf_token
from returns_workbooks import add_organisations, return_workbook, xlsx
from uxo_swg.models import AuditLog, OperatorReturn, ReturnReceipt


def rewrite(data: bytes, change) -> bytes:
    """Return the zip with each part passed through change(name, bytes) (None drops it), plus extras."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in getattr(change, "extra", {}).items():
            target.writestr(name, content)
    return out.getvalue()


def with_extra(**parts):
    def change(_name, content):
        return content

    change.extra = {name.replace("__", "/").replace("_dot_", "."): content for name, content in parts.items()}
    return change


def sheet_change(fn):
    def change(name, content):
        return fn(content) if name == "xl/worksheets/sheet2.xml" else content

    return change


def not_zip():
    return b"Operator,Quarter\nHALO Trust,2025-Q3\n"


def not_xlsx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("report.txt", "not a workbook")
    return out.getvalue()


def macro():
    return rewrite(xlsx(return_workbook()), with_extra(xl__vbaProject_dot_bin=b"\x00macro"))


def encrypted():
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096


def zip_bomb():
    return rewrite(xlsx(return_workbook()), with_extra(xl__media__zeros_dot_bin=b"\x00" * (60 * 1024 * 1024)))


def xml_entity():
    return rewrite(xlsx(return_workbook()), sheet_change(lambda c: c.replace(
        b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><worksheet', 1)))


def xml_entity_behind_padding():
    return rewrite(xlsx(return_workbook()), sheet_change(lambda c: c.replace(
        b"<worksheet", b"<!--" + b" " * 8000 + b'--><!DOCTYPE worksheet [<!ENTITY x "boom">]><worksheet', 1)))


def million_blank_rows():
    rows = b"".join(b'<row r="%d" s="1" customFormat="1" ht="15"/>' % n for n in range(3, 1_000_003))
    return rewrite(xlsx(return_workbook()), sheet_change(lambda c: c.replace(b"</sheetData>", rows + b"</sheetData>")))


def rows_over_the_limit():
    # Real receipt rows, one more than a sheet is read up to (with its header and title allowance).
    from importers.workbook import MAX_SHEET_ROWS

    row = (b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>2025-08-01</t></is></c>'
           b'<c r="G%d"><v>5</v></c></row>')
    rows = b"".join(row % (n, n, n) for n in range(3, MAX_SHEET_ROWS + 2))
    return rewrite(xlsx(return_workbook()), sheet_change(lambda c: c.replace(b"</sheetData>", rows + b"</sheetData>")))


HOSTILE = {
    "not a zip": (not_zip, "not an Excel workbook"),
    "not an xlsx": (not_xlsx, "zip archive but not an Excel workbook"),
    "macro-enabled": (macro, "contains macros"),
    "encrypted": (encrypted, "password-protected (encrypted)"),
    "zip bomb": (zip_bomb, "refused as a zip bomb"),
    "XML entities": (xml_entity, "declares XML entities"),
    "XML entities behind a long comment": (xml_entity_behind_padding, "declares XML entities"),
    "a million blank formatted rows": (million_blank_rows, "1,000,002 rows"),
    "more rows than a sheet is read up to": (rows_over_the_limit, "50,101 rows, and a sheet is read up to 50,000 rows of data"),
}


@pytest.fixture
def ids(session):
    return add_organisations(session)


def post_file(client, url, token, data, name="return.xlsx"):
    """Post a file the way a browser does (body encoded in memory: big bodies leave no temporary file open)."""
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(data), name)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def nothing_stored(session):
    session.rollback()
    assert session.exec(select(OperatorReturn)).all() == []
    assert session.exec(select(ReturnReceipt)).all() == []
    assert session.exec(select(AuditLog).where(AuditLog.entity == "operator_return")).all() == []


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_upload_is_refused_with_a_clear_message(client, login, session, ids, case):
    build, expected = HOSTILE[case]
    login("co-chair")
    token = csrf_token(client, "/returns/")
    response = post_file(client, "/returns/upload", token, build())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The file is refused" in page and "Nothing was stored" in page
    assert expected in re.sub(r"\s+", " ", page), page[:2000]
    assert "Store this return" not in page
    nothing_stored(session)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_is_refused_by_the_cli(runner, session, ids, tmp_path, case):
    build, expected = HOSTILE[case]
    path = tmp_path / "return.xlsx"
    path.write_bytes(build())
    result = runner.invoke(args=["import-return", str(path)])
    assert result.exit_code == 1
    assert expected in result.output and "nothing was stored" in result.output
    nothing_stored(session)


def test_file_over_the_size_limit_is_refused(app, client, runner, login, session, ids, tmp_path):
    data = xlsx(return_workbook(receipts=[[f"2025-08-{1 + n % 28:02d}", "Japan", None, None, "re", None, n + 1, "JPY", "x" * 200]
                                          for n in range(400)]))
    app.config["MAX_CONTENT_LENGTH"] = len(data) - 1
    login("co-chair")
    token = csrf_token(client, "/returns/")
    response = post_file(client, "/returns/upload", token, data, "big.xlsx")
    assert response.status_code == 413
    path = tmp_path / "big.xlsx"
    path.write_bytes(data)
    result = runner.invoke(args=["import-return", str(path)])
    assert result.exit_code == 1 and "the limit is" in result.output
    nothing_stored(session)


def flip_byte(data: bytes, member: str) -> bytes:
    """Return the zip with one byte flipped in the middle of a member's compressed data."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    name_length = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    at = info.header_offset + 30 + name_length + extra_length + info.compress_size // 2
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


def damaged_return() -> bytes:
    rows = [[f"2025-08-{1 + i % 28:02d}", "United States", None, f"US-{i}", "clearance", "Xiengkhouang", 1000 + i, "USD",
             f"note {i}"] for i in range(300)]
    return flip_byte(xlsx(return_workbook(receipts=rows)), "xl/worksheets/sheet2.xml")


DAMAGED = "the file is damaged: the part xl/worksheets/sheet2.xml"
WHAT_TO_DO = "Open it in Excel and save it again"


def test_a_damaged_workbook_gets_a_sentence_on_the_web(client, login, session, ids):
    login("operator", organisation="HALO Trust")
    response = post_file(client, "/returns/upload", csrf_token(client, "/returns/"), damaged_return())
    page = re.sub(r"\s+", " ", response.get_data(as_text=True))
    assert response.status_code == 422
    assert DAMAGED in page and WHAT_TO_DO in page and "Nothing was stored" in page
    assert "Traceback" not in page and "BadZipFile" not in page and "zlib" not in page
    nothing_stored(session)


def test_a_damaged_workbook_gets_a_sentence_on_the_command_line(runner, session, ids, tmp_path):
    path = tmp_path / "return.xlsx"
    path.write_bytes(damaged_return())
    result = runner.invoke(args=["import-return", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # no traceback, a refusal
    assert DAMAGED in result.output and WHAT_TO_DO in result.output and "nothing was stored" in result.output
    nothing_stored(session)


def test_a_damaged_register_gets_the_sentence_on_the_web_and_the_command_line(demo_app, login, client, tmp_path):
    from register_files import clean_sheets, workbook_bytes

    data = flip_byte(workbook_bytes(clean_sheets()), "xl/worksheets/sheet2.xml")
    path = tmp_path / "register.xlsx"
    path.write_bytes(data)
    result = demo_app.test_cli_runner().invoke(args=["import-register", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert DAMAGED in result.output and WHAT_TO_DO in result.output
    login("co-chair")
    response = post_file(client, "/register/import", csrf_token(client, "/register/import"), data, "register.xlsx")
    page = re.sub(r"\s+", " ", response.get_data(as_text=True))
    assert response.status_code == 422 and DAMAGED in page and WHAT_TO_DO in page
