"""Benchmark: the pledge register import against openpyxl reading the same file read-only.

    .venv/bin/python bench/register_import.py [--rows 50000] [--memory-rows 10000,50000] [--database-url URL]

Generates a register of ROWS data rows (60% pledge lines, 20% agreements, 20% payments)
with the demo organisations' names, then measures, on one machine in one run:
  1. openpyxl alone: load_workbook(read_only=True, data_only=True) and every row of every sheet;
  2. the import: inspection, validation, name resolution and storage of every row in one
     transaction (Core bulk inserts, audited), on a fresh database holding the demo data;
and prints both times and their ratio (the target is at most 2). Then it runs the import
under tracemalloc for each size in --memory-rows and prints its peak memory, which should
not grow with the number of rows, next to the peak of openpyxl alone reading the same file
(for comparison: openpyxl's own peak grows a little with the file).
Not a test: it asserts nothing and prints figures.
"""
from __future__ import annotations

import io
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from import_harness import compare  # noqa: E402  (bench/ is the script's folder)

DONORS = [("Japan", "JPY"), ("Norway", "NOK"), ("United States", "USD"), ("Germany", "EUR"), ("United Kingdom", "GBP"),
          ("Australia", "AUD"), ("Republic of Korea", "KRW"), ("Switzerland", "CHF"), ("Canada", "CAD"), ("Ireland", "EUR")]
RECIPIENTS = ["UXO Lao", "HALO Trust", "MAG", "NPA", "Humanity & Inclusion", "World Education", "UXO Lao Trust Fund (UNDP)"]
PILLARS = ["clearance", "va", "re", "im", "policy", "unallocated"]
PROVINCES = ["LA-XI", "Savannakhet", "LA-SL", "Houaphanh", "national", "LA-CH"]


def make_register(rows: int) -> bytes:
    """Return a register workbook with `rows` data rows over three sheets."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    pledges = wb.create_sheet("Pledges")
    pledges.append(["Pledge ref", "Donor", "Announced on", "Year", "Pillar", "Amount", "Currency", "Recipient", "CCM specific", "Notes"])
    n_lines = rows * 6 // 10
    n_agreements = rows * 2 // 10
    n_payments = rows - n_lines - n_agreements
    for i in range(n_lines):
        p = i // 6  # six lines per pledge: three years, two pillars
        donor, currency = DONORS[p % len(DONORS)]
        announced = date(2024, 1, 2) + timedelta(days=p % 600)
        amount = (100000 + (i % 97) * 1000) * (100 if currency in ("JPY", "KRW") else 1)
        pledges.append([f"B-{p:06d}", donor, announced, 2025 + (i % 3), PILLARS[(i // 3) % 2 + (p % 3) * 2], amount,
                        currency, RECIPIENTS[p % len(RECIPIENTS)], "Y" if p % 4 == 0 else "N", ""])
    agreements = wb.create_sheet("Commitments")
    agreements.append(["Agreement ref", "Pledge ref", "Donor", "Recipient", "Signed on", "Start", "End", "Pillar", "Amount", "Currency", "Notes"])
    for a in range(n_agreements):
        p = a % max(n_lines // 6, 1)
        donor, currency = DONORS[p % len(DONORS)]
        signed = date(2024, 2, 1) + timedelta(days=a % 600)
        agreements.append([f"A-{a:06d}", f"B-{p:06d}", donor, RECIPIENTS[p % len(RECIPIENTS)], signed, signed,
                           signed + timedelta(days=365), PILLARS[a % 6], 50000 * (100 if currency in ("JPY", "KRW") else 1), currency, ""])
    payments = wb.create_sheet("Disbursements")
    payments.append(["Agreement ref", "Pledge ref", "Donor", "Recipient", "Via", "Paid on", "Pillar", "Province", "Amount", "Currency", "Notes"])
    for d in range(n_payments):
        a = d % max(n_agreements, 1)
        p = a % max(n_lines // 6, 1)
        donor, currency = DONORS[p % len(DONORS)]
        paid = date(2024, 3, 1) + timedelta(days=d % 600)
        payments.append([f"A-{a:06d}", "", donor, RECIPIENTS[p % len(RECIPIENTS)], "", paid, PILLARS[a % 6],
                         PROVINCES[d % len(PROVINCES)], "12500.50" if currency not in ("JPY", "KRW") else 1250000, currency, ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run_import(app, data: bytes):
    from uxo_swg.db import get_session
    from uxo_swg.pledges.importing import import_register

    with app.app_context():
        result = import_register(data, "bench.xlsx", session=get_session(), actor="bench", via="cli", max_bytes=200 * 1024 * 1024)
    if result.errors:
        raise SystemExit(f"the generated register has errors: {[str(p) for p in result.errors[:5]]}")
    return result.describe()


def main() -> None:
    compare(__doc__.splitlines()[0], 50_000, "10000,50000", make_register, run_import, "register")


if __name__ == "__main__":
    main()
