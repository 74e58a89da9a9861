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

from sqlmodel import select

from uxo_swg.db import get_session
from uxo_swg.models import (
    Commitment, Disbursement, OperatorReturn, Organisation, OrganisationAlias, Pledge, PledgeLine, Requirement,
    ReturnExpenditure, ReturnReceipt,
)

SCRIPT = '<script>alert("x")</script>'
FORMULA = '=HYPERLINK("http://evil.example","click")'
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
    session.add(Commitment(ref=FORMULA[:60], pledge_id=pledge.id, donor_id=donor.id, recipient_id=operator.id,
                           signed_on=date(2025, 2, 10), start_on=date(2025, 2, 10), end_on=date(2025, 12, 31),
                           pillar_code="re", amount=Decimal("1000"), currency="USD", notes=SCRIPT))
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
    seen: set[str] = set()
    queue = ["/", "/?year=2025"] + [
        rule.rule for rule in demo_app.url_map.iter_rules()
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
            from openpyxl import load_workbook

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
            assert "<b>1</b>" not in body, f"unescaped markup on {url}"
            queue.extend(link for link in _links(body) if link not in seen)
    assert len(seen) >= 5
    assert "/audit/" in seen
