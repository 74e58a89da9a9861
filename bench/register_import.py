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


def run_import(app, data: bytes):
    from uxo_swg.db import get_session
    from uxo_swg.pledges.importing import import_register

    with app.app_context():
        result = import_register(data, "bench.xlsx", session=get_session(), actor="bench", via="cli", max_bytes=200 * 1024 * 1024)
    if result.errors:
        raise SystemExit(f"the generated register has errors: {[str(p) for p in result.errors[:5]]}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--memory-rows", default="10000,50000")
    parser.add_argument("--database-url", default=None, help="an EMPTY database (default: a fresh SQLite file)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best is kept")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = make_register(args.rows)
        print(f"register: {args.rows:,} data rows, {len(data) / 1048576:.1f} MB")
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
            result = run_import(app, data)
            import_times.append(time.perf_counter() - start)
            app.extensions["engine"].dispose()
        read, imported = min(read_times), min(import_times)
        print(f"stored: {result.describe()}")
        print(f"openpyxl read-only, every row: {read:.2f} s (best of {len(read_times)})")
        print(f"import (validate + store + audit, one transaction): {imported:.2f} s (best of {len(import_times)})")
        print(f"ratio import / openpyxl: {imported / read:.2f} (target <= 2)")

        if args.database_url:
            return
        for size in [int(s) for s in args.memory_rows.split(",") if s]:
            sample = make_register(size)
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
