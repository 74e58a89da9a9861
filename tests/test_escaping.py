"""Text people type is shown escaped on every page and never becomes a formula in an export.

The test plants hostile text in every kind of record a user can write to, logs in with
every role at once, follows every link of the application from the start page, and
checks each page and each Excel or CSV export it reaches.
"""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook
from sqlmodel import select

from conftest import csrf_token
from register_files import clean_sheets, workbook_bytes
from returns_workbooks import return_workbook, xlsx
from uxo_swg.db import get_session
from uxo_swg.models import (
    Commitment, CommitmentLine, Disbursement, OperatorReturn, Organisation, OrganisationAlias, Pledge, PledgeLine, Requirement,
    ReturnExpenditure, ReturnReceipt,
)

SCRIPT = '<script>alert("x")</script>'
FORMULA = '=HYPERLINK("http://evil.example","click")'
IMG = "<img src=x onerror=alert(1)>"
MAX_PAGES = 600


def _plant(session):
    donor = Organisation(name=f"Donor {SCRIPT}", kind="donor", contact=FORMULA)
    operator = Organisation(name=FORMULA, kind="ngo", contact=SCRIPT)
    session.add_all([donor, operator])
    session.flush()
    session.add(OrganisationAlias(organisation_id=donor.id, alias=SCRIPT, key="scriptalertx"))
    pledge = Pledge(ref="PL-<b>1</b>", donor_id=donor.id, announced_on=date(2025, 2, 1), announced_at=SCRIPT,
                    currency="USD", notes=FORMULA)
    session.add(pledge)
    session.flush()
    session.add(PledgeLine(pledge_id=pledge.id, year=2025, pillar_code="re", amount=Decimal("1000")))
    agreement = Commitment(ref=FORMULA[:60], pledge_id=pledge.id, donor_id=donor.id, recipient_id=operator.id,
                           signed_on=date(2025, 2, 10), start_on=date(2025, 2, 10), end_on=date(2025, 12, 31),
                           currency="USD", notes=SCRIPT)
    session.add(agreement)
    session.flush()
    session.add(CommitmentLine(commitment_id=agreement.id, year=2025, pillar_code="re", amount=Decimal("1000")))
    session.add(Disbursement(agreement_ref=FORMULA[:60], pledge_id=pledge.id, donor_id=donor.id, recipient_id=operator.id,
                             paid_on=date(2025, 3, 1), pillar_code="re", province_code="LA-XI", amount=Decimal("400"),
                             currency="USD", notes=SCRIPT))
    session.add(Requirement(year=2025, pillar_code="re", amount=Decimal("5000"), currency="USD", source=SCRIPT))
    ret = OperatorReturn(operator_id=operator.id, quarter="2025-Q1", prepared_by=SCRIPT, email="a@b.example",
                         filename=f"{SCRIPT}.xlsx", sha256="0" * 64)
    session.add(ret)
    session.flush()
    session.add(ReturnReceipt(return_id=ret.id, row=2, received_on=date(2025, 3, 5), donor_id=donor.id,
                              agreement_ref=SCRIPT[:60], pillar_code="re", province_code="LA-XI",
                              amount=Decimal("400"), currency="USD", notes=FORMULA))
    session.add(ReturnExpenditure(return_id=ret.id, row=2, pillar_code="re", province_code="LA-XI",
                                  amount=Decimal("300"), currency="USD", notes=SCRIPT))
    session.commit()


def _links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"#]*)"', html)]


def test_hostile_text_is_inert_on_every_page_and_export(demo_app, client, login):
    with demo_app.app_context():
        _plant(get_session())
    login("admin", "co-chair", "reviewer")
    assert_inert_everywhere(demo_app, client)


def test_hostile_text_typed_in_forms_and_sent_in_files_is_inert(demo_app, client, login):
    """The same check, with the text arriving the way users send it: forms, a register, a return, a file name."""
    login("admin", "co-chair", "reviewer")
    _post_form(client, "/organisations/new", {"name": f"Donor {SCRIPT}", "kind": "donor", "contact": FORMULA, "aliases": IMG})
    _post_form(client, "/pledges/new", {
        "ref": "PL-HOSTILE-1", "donor_id": _option(client, "/pledges/new", "donor_id", f"Donor {SCRIPT}"),
        "recipient_id": "0", "announced_on": "2025-02-01", "announced_at": SCRIPT, "currency": "USD", "notes": FORMULA,
        "lines-0-year": "2025", "lines-0-pillar": "re", "lines-0-amount": "1000"})
    _post_form(client, "/summaries/twg/2025-Q3/re/comments", {"body": SCRIPT + FORMULA}, token_url="/summaries/twg/2025-Q3/re")

    sheets = clean_sheets()
    sheets["Pledges"][1][9] = FORMULA  # notes
    sheets["Disbursements"][1][10] = SCRIPT
    register = client.post("/register/import", data={"csrf_token": csrf_token(client, "/register/import"),
                                                     "file": (io.BytesIO(_typed_as_text(workbook_bytes(sheets))), f"{IMG}.xlsx")},
                           content_type="multipart/form-data")
    assert register.status_code == 200, register.get_data(as_text=True)[-2000:]
    sha = re.search(r'name="sha256"[^>]*value="([0-9a-f]{64})"', register.get_data(as_text=True))
    assert sha, "the register preview offers to import"
    client.post("/register/import/commit", data={"csrf_token": csrf_token(client, "/register/import"), "sha256": sha[1]})

    receipt = [date(2025, 8, 1), "United States", None, "US-HOSTILE", "clearance", "Xiengkhouang", 1000, "USD", FORMULA]
    data = _typed_as_text(xlsx(return_workbook(quarter="2024-Q4", receipts=[receipt], prepared_by=SCRIPT,
                                               expenditure=[["clearance", "Xiengkhouang", 800, "USD", SCRIPT]])))
    upload = client.post("/returns/upload", data={"csrf_token": csrf_token(client, "/returns/"),
                                                  "file": (io.BytesIO(data), f"{IMG}.xlsx")}, content_type="multipart/form-data")
    token = re.search(r'name="token"[^>]*value="([^"]+)"', upload.get_data(as_text=True))
    assert token, upload.get_data(as_text=True)[-2000:]
    client.post("/returns/confirm", data={"csrf_token": csrf_token(client, "/returns/"), "token": token[1]})

    with demo_app.app_context():
        s = get_session()
        assert s.exec(select(Organisation).where(Organisation.contact == FORMULA)).one()
        assert s.exec(select(Pledge).where(Pledge.notes == FORMULA)).all() != []
        assert s.exec(select(OperatorReturn).where(OperatorReturn.prepared_by == SCRIPT)).one().filename == f"{IMG}.xlsx"
        assert s.exec(select(ReturnReceipt).where(ReturnReceipt.notes == FORMULA)).all() != []
    assert_inert_everywhere(demo_app, client, also=["/summaries/twg/2025-Q3/re", "/returns/?quarter=2024-Q4",
                                                    "/register/imports", "/audit/?entity=organisation"])


def _typed_as_text(data: bytes) -> bytes:
    """Return the workbook with every `=...` cell stored as the text a user typed, as Excel does for text cells."""
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _post_form(client, url, data, token_url=None):
    response = client.post(url, data={"csrf_token": csrf_token(client, token_url or url), **data})
    assert response.status_code == 302, f"{url}: {response.status_code} {response.get_data(as_text=True)[-1500:]}"
    return response


def _option(client, url, field, label):
    page = client.get(url).get_data(as_text=True)
    select_html = re.search(rf'<select[^>]*name="{field}".*?</select>', page, re.S)[0]
    escaped = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    return re.search(rf'<option[^>]*value="(\d+)"[^>]*>{re.escape(escaped)}</option>', select_html)[1]


def assert_inert_everywhere(app, client, also=()):
    """Follow every link from every page the user reaches; check each page and each export."""
    seen: set[str] = set()
    queue = ["/", "/?year=2025", *also] + [
        rule.rule for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in ("static", "auth.logout")
    ]
    exports = 0
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        base = url.split("?")[0]
        if url in seen or base.startswith("/static") or base.startswith("/logout"):
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        kind = response.headers.get("Content-Type", "")
        if "spreadsheetml" in kind:
            exports += 1
            wb = load_workbook(io.BytesIO(response.data))
            for ws in wb.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        assert not (cell.data_type == "f" and "HYPERLINK" in str(cell.value)), f"{url} {ws.title}!{cell.coordinate}"
        elif "text/csv" in kind:
            exports += 1
            assert "\n=HYPERLINK" not in response.get_data(as_text=True) and ",=HYPERLINK" not in response.get_data(as_text=True)
        elif "text/html" in kind:
            body = response.get_data(as_text=True)
            assert SCRIPT not in body, f"unescaped script on {url}"
            assert "<b>1</b>" not in body and IMG not in body, f"unescaped markup on {url}"
            queue.extend(link for link in _links(body) if link not in seen)
    assert len(seen) >= 5 and exports >= 3, (len(seen), exports)
    assert "/audit/" in seen
