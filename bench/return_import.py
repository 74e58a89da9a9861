"""Benchmark: the operator return import against openpyxl reading the same file read-only.

    .venv/bin/python bench/return_import.py [--rows 20000] [--memory-rows 5000,20000] [--database-url URL]

Generates an operator's quarterly return (spec section 3: sheets `Return`, `Funds received`,
`Expenditure`, `Outputs`) for HALO Trust, 2025-Q3, with ROWS receipt rows naming the demo
organisations (names and aliases, some through a channel in `Via`), pillars, provinces (names
and codes), amounts in several currencies, plus 60 expenditure and 60 output rows. It then
measures, on one machine in one run:
  1. openpyxl alone: load_workbook(read_only=True, data_only=True) and every row of every sheet;
  2. the import (returns.services.import_return, as `uxo-swg import-return` and the web
     upload call it): inspection, validation, name resolution and storage of every row in one
     transaction (Core bulk inserts, audited), on a fresh database holding the demo data
     (whose HALO Trust 2025-Q3 return, if any, the new one supersedes);
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

# (donor as an operator writes it, currency): names and aliases of the demo organisations.
DONORS = [("United States", "USD"), ("USA", "USD"), ("Japan", "JPY"), ("Norway", "NOK"), ("United Kingdom", "GBP"),
          ("Germany", "EUR"), ("Australia", "AUD"), ("Republic of Korea", "KRW"), ("KOICA", "KRW"), ("Switzerland", "CHF"),
          ("Irish Aid", "EUR"), ("New Zealand", "NZD")]
CHANNELS = [None, None, None, "UXO Lao Trust Fund (UNDP)", None, "UNDP Trust Fund"]
PILLARS = ["clearance", "clearance", "va", "re", "im", "policy", "Clearance"]
PROVINCES = ["Savannakhet", "LA-SL", "Xiengkhouang", "LA-SV", "national", None]
INDICATORS = ["land_released_ha", "items_destroyed", "re_sessions", "re_beneficiaries", "va_beneficiaries"]
QUARTER_START = date(2025, 7, 1)


def make_return(rows: int, extra: int = 60) -> bytes:
    """Return a return workbook with `rows` receipt rows and `extra` expenditure and output rows."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Return")
    for label, value in [("Operator", "HALO Trust"), ("Quarter", "2025-Q3"), ("Prepared by", "Finance officer"),
                         ("Email", "finance@halo.example"), ("Submitted on", date(2025, 10, 15))]:
        ws.append([label, value])
    ws = wb.create_sheet("Funds received")
    ws.append(["Received on", "Donor", "Via", "Agreement ref", "Pillar", "Province", "Amount", "Currency", "Notes"])
    for i in range(rows):
        donor, currency = DONORS[i % len(DONORS)]
        amount: int | str = (10000 + (i % 89) * 250) * (100 if currency in ("JPY", "KRW") else 1)
        if i % 4 == 0:  # every fourth amount written as text, as operators do
            amount = str(amount) if currency in ("JPY", "KRW") else f"{amount:,}.50"
        ws.append([QUARTER_START + timedelta(days=i % 92), donor, CHANNELS[i % len(CHANNELS)],
                   f"AG-{i % 300:04d}" if i % 3 else None, PILLARS[i % len(PILLARS)], PROVINCES[i % len(PROVINCES)],
                   amount, currency, "tranche" if i % 10 == 0 else None])
    ws = wb.create_sheet("Expenditure")
    ws.append(["Pillar", "Province", "Amount", "Currency", "Notes"])
    for i in range(extra):
        ws.append([PILLARS[i % len(PILLARS)], PROVINCES[i % (len(PROVINCES) - 1)], 1000 + i * 10.25, "USD", None])
    ws = wb.create_sheet("Outputs")
    ws.append(["Pillar", "Province", "Indicator", "Value", "Notes"])
    for i in range(extra):
        ws.append(["clearance", PROVINCES[i % (len(PROVINCES) - 1)], INDICATORS[i % len(INDICATORS)], 10 + i * 0.5, None])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run_import(app, data: bytes) -> str:
    """Import the return on the app's database; return what was stored."""
    from uxo_swg.db import get_session
    from uxo_swg.returns.services import ReturnRefused, import_return

    with app.app_context():
        try:
            result = import_return(data, "bench.xlsx", session=get_session(), actor="bench", via="cli",
                                   max_bytes=200 * 1024 * 1024)
        except ReturnRefused as refused:
            raise SystemExit(f"the generated return was refused: {[str(p) for p in refused.problems[:5]]}") from None
        if result.status != "stored":
            raise SystemExit(f"the generated return was not stored: {result.status}")
        counts = ", ".join(f"{t.rows:,} {sheet.lower()} row(s)" for sheet, t in result.reading.totals.items())
        return (f"{result.reading.header.operator_name} {result.operator_return.quarter} version "
                f"{result.operator_return.version_no}: {counts}; {len(result.reading.problems)} warning(s)")


def main() -> None:
    compare(__doc__.splitlines()[0], 20_000, "5000,20000", make_return, run_import, "return")


if __name__ == "__main__":
    main()
