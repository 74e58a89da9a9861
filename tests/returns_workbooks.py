"""Builders shared by the returns and reconciliation tests: organisations and return workbooks in memory."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook

from uxo_swg.audit import set_actor
from uxo_swg.domain.reference import normalise
from uxo_swg.models import Disbursement, Organisation, OrganisationAlias

ORGANISATIONS = [
    ("HALO Trust", "ngo", ["HALO", "The HALO Trust"]),
    ("MAG", "ngo", ["Mines Advisory Group"]),
    ("UXO Lao", "national-operator", []),
    ("United States", "donor", ["USA", "US"]),
    ("Japan", "donor", []),
    ("UXO Lao Trust Fund (UNDP)", "multilateral", ["UNDP Trust Fund"]),
]

RECEIPT_HEADERS = ["Received on", "Donor", "Via", "Agreement ref", "Pillar", "Province", "Amount", "Currency", "Notes"]
EXPENDITURE_HEADERS = ["Pillar", "Province", "Amount", "Currency", "Notes"]
OUTPUT_HEADERS = ["Pillar", "Province", "Indicator", "Value", "Notes"]

RECEIPT = [date(2025, 8, 1), "United States", None, "US-2025-01", "clearance", "Xiengkhouang", 100000, "USD", None]
SPEND = ["clearance", "Xiengkhouang", 80000, "USD", None]
OUTPUT = ["clearance", "Xiengkhouang", "land_released_ha", 120.5, None]


def add_organisations(session, organisations=ORGANISATIONS) -> dict[str, int]:
    """Create the test organisations (name, kind, aliases) and their aliases; return name -> id."""
    set_actor(session, actor="test", via="cli")
    ids = {}
    for name, kind, aliases in organisations:
        org = Organisation(name=name, kind=kind)
        session.add(org)
        session.flush()
        ids[name] = org.id
        for alias in aliases:
            session.add(OrganisationAlias(organisation_id=org.id, alias=alias, key=normalise(alias)))
    session.commit()
    return ids


def add_disbursement(session, ids, *, ref="US-2025-01", donor="United States", recipient="HALO Trust", via=None,
                     paid_on=date(2025, 7, 25), amount="100000", currency="USD") -> int:
    """Store a donor-side disbursement; return its id."""
    set_actor(session, actor="test", via="cli")
    d = Disbursement(agreement_ref=ref, donor_id=ids[donor], recipient_id=ids[recipient], via_id=ids[via] if via else None,
                     paid_on=paid_on, pillar_code="clearance", amount=Decimal(amount), currency=currency)
    session.add(d)
    session.commit()
    return d.id


def return_workbook(operator="HALO Trust", quarter="2025-Q3", receipts=(RECEIPT,), expenditure=(SPEND,),
                    outputs=(OUTPUT,), header_extra=(), title_rows=0, receipt_headers=RECEIPT_HEADERS,
                    prepared_by="Somchai", email="finance@halo.example", submitted_on=date(2025, 10, 10)) -> Workbook:
    """Return a return workbook as an operator would send it (spec section 3)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Return"
    for label, value in [("Operator", operator), ("Quarter", quarter), ("Prepared by", prepared_by),
                         ("Email", email), ("Submitted on", submitted_on), *header_extra]:
        ws.append([label, value])
    ws = wb.create_sheet("Funds received")
    for n in range(title_rows):
        ws.append([f"Title line {n + 1}"])
    ws.append(list(receipt_headers))
    for row in receipts:
        ws.append(list(row))
    ws = wb.create_sheet("Expenditure")
    ws.append(EXPENDITURE_HEADERS)
    for row in expenditure:
        ws.append(list(row))
    if outputs is not None:
        ws = wb.create_sheet("Outputs")
        ws.append(OUTPUT_HEADERS)
        for row in outputs:
            ws.append(list(row))
    return wb


def xlsx(wb: Workbook) -> bytes:
    """Return the workbook's bytes."""
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
