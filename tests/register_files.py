"""Build pledge register workbooks in memory for the tests and the benchmark."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date

from openpyxl import Workbook

PLEDGE_HEADERS = ["Pledge ref", "Donor", "Announced on", "Year", "Pillar", "Amount", "Currency", "Recipient", "CCM specific", "Notes"]
COMMITMENT_HEADERS = ["Agreement ref", "Pledge ref", "Donor", "Recipient", "Signed on", "Start", "End", "Pillar", "Amount", "Currency", "Notes"]
DISBURSEMENT_HEADERS = ["Agreement ref", "Pledge ref", "Donor", "Recipient", "Via", "Paid on", "Pillar", "Province", "Amount", "Currency", "Notes"]
REQUIREMENT_HEADERS = ["Year", "Pillar", "Amount", "Currency", "Source"]
ORGANISATION_HEADERS = ["Name", "Kind", "Country", "Aliases"]


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """Return an .xlsx with one sheet per entry (first row: headers)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def clean_sheets() -> dict[str, list[list]]:
    """Return a small correct register against the demo organisations (plus one new one)."""
    return {
        "Organisations": [ORGANISATION_HEADERS, ["Mekong Demining Foundation", "foundation", "Thailand", "MDF; Mekong DF"]],
        "Pledges": [PLEDGE_HEADERS,
                    ["REG-1", "Japan", date(2025, 2, 3), 2025, "clearance", 100000000, "JPY", "UXO Lao", "N", ""],
                    ["REG-1", "Japan", date(2025, 2, 3), 2026, "Risk Education", 50000000, "JPY", "UXO Lao", "", ""],
                    ["REG-2", "Irish Aid", "2025-03-10", 2025, "va", "250,000.50", "EUR", "", "Y", "via letter"],
                    ["REG-3", "Mekong DF", "2025-04-01", 2025, "im", 10000, "USD", "", "", ""]],
        "Commitments": [COMMITMENT_HEADERS,
                        ["AG-REG-1", "REG-1", "Japan", "UXO Lao", date(2025, 3, 1), date(2025, 3, 1), date(2026, 2, 28),
                         "clearance", 100000000, "JPY", ""]],
        "Disbursements": [DISBURSEMENT_HEADERS,
                          ["AG-REG-1", "", "Japan", "UXO Lao", "", date(2025, 4, 15), "clearance", "Xiengkhouang", 60000000, "JPY", ""],
                          ["", "REG-2", "Ireland", "HALO Trust", "UNDP", "2025-05-02", "va", "national", 100000, "EUR", ""]],
        "Requirements": [REQUIREMENT_HEADERS, [2027, "clearance", 45000000, "USD", "work plan 2027"]],
    }


def with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """Return the workbook with a cached value written after each formula of the given cells ({"F2": "2000"})."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = part.decode()
                for cell, value in values.items():
                    text = re.sub(rf'(<c r="{cell}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?', rf"\1\2<v>{value}</v>", text)
                part = text.encode()
            dst.writestr(info, part)
    return out.getvalue()
