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

import argparse
import gc
import io
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def read_with_openpyxl(data: bytes) -> int:
    """Read every row of every sheet with openpyxl alone, read-only; return the number of rows."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = 0
    for ws in wb.worksheets:
        for _row in ws.iter_rows(values_only=True):
            count += 1
    wb.close()
    return count


def fresh_app(database_url: str | None, folder: Path):
    """Return an app on a fresh database at the latest migration, holding the demo data."""
    from uxo_swg import create_app
    from uxo_swg.db import get_session
    from uxo_swg.demo import load_demo
    from uxo_swg.migrate import upgrade

    url = database_url or f"sqlite:///{folder / f'bench-{time.monotonic_ns()}.sqlite'}"
    upgrade(url)
    app = create_app("test", DATABASE_URL=url, UPLOAD_FOLDER=str(folder / "uploads"))
    with app.app_context():
        load_demo(session=get_session())
    return app


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--memory-rows", default="5000,20000")
    parser.add_argument("--database-url", default=None, help="a database to migrate and fill with the demo data "
                        "(it must be EMPTY; default: a fresh SQLite file)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best is kept")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = make_return(args.rows)
        print(f"return: {args.rows:,} receipt rows (+ 60 expenditure, 60 output rows), {len(data) / 1048576:.1f} MB")
        read_times = []
        for _ in range(args.repeat):
            gc.collect()
            start = time.perf_counter()
            read_with_openpyxl(data)
            read_times.append(time.perf_counter() - start)
        import_times = []
        for _ in range(args.repeat if not args.database_url else 1):
            app = fresh_app(args.database_url, folder)
            gc.collect()
            start = time.perf_counter()
            stored = run_import(app, data)
            import_times.append(time.perf_counter() - start)
            app.extensions["engine"].dispose()
        read, imported = min(read_times), min(import_times)
        print(f"stored: {stored}")
        print(f"openpyxl read-only, every row: {read:.2f} s (best of {len(read_times)})")
        print(f"import (validate + store + audit, one transaction): {imported:.2f} s (best of {len(import_times)})")
        print(f"ratio import / openpyxl: {imported / read:.2f} (target <= 2)")

        if args.database_url:
            return
        for size in [int(s) for s in args.memory_rows.split(",") if s]:
            sample = make_return(size)
            gc.collect()
            tracemalloc.start()
            read_with_openpyxl(sample)
            _current, read_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            app = fresh_app(None, folder)
            gc.collect()
            tracemalloc.start()
            run_import(app, sample)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            app.extensions["engine"].dispose()
            print(f"peak memory (tracemalloc), {size:,} rows ({len(sample) / 1048576:.1f} MB file): "
                  f"import {peak / 1048576:.1f} MB, openpyxl alone {read_peak / 1048576:.1f} MB")


if __name__ == "__main__":
    main()
