"""What the import benchmarks share: openpyxl alone, a fresh demo database, the timing and memory runs."""
from __future__ import annotations

import argparse
import gc
import io
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


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


@contextmanager
def fresh_database(server_url: str | None, folder: Path) -> Iterator[str]:
    """Yield the URL of an empty database: a new SQLite file, or a new schema on the PostgreSQL server (dropped after)."""
    if not server_url:
        yield f"sqlite:///{folder / f'bench-{time.monotonic_ns()}.sqlite'}"
        return
    from uxo_swg.db import scratch_schema

    with scratch_schema(server_url, "bench") as url:
        yield url


def fresh_app(url: str, folder: Path):
    """Return an app on the empty database at the latest migration, holding the demo data."""
    from uxo_swg import create_app
    from uxo_swg.db import get_session
    from uxo_swg.demo import load_demo
    from uxo_swg.migrate import upgrade

    upgrade(url)
    app = create_app("test", DATABASE_URL=url, UPLOAD_FOLDER=str(folder / "uploads"))
    with app.app_context():
        load_demo(session=get_session())
    return app


def compare(description: str, rows: int, memory_rows: str, make: Callable[[int], bytes],
            run_import: Callable[[object, bytes], str], what: str) -> None:
    """Parse the command line, then print openpyxl alone against the import, and the import's peak memory.

    `make(n)` builds a workbook of n data rows; `run_import(app, data)` imports it and returns
    what was stored, in words.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, default=rows)
    parser.add_argument("--memory-rows", default=memory_rows)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server's database: each run imports into a "
                        "new schema of it, dropped afterwards (default: a fresh SQLite file per run); timing only")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best is kept")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = make(args.rows)
        print(f"{what}: {args.rows:,} data rows, {len(data) / 1048576:.1f} MB")
        read_times = []
        for _ in range(args.repeat):
            gc.collect()
            start = time.perf_counter()
            read_with_openpyxl(data)
            read_times.append(time.perf_counter() - start)
        import_times = []
        for _ in range(args.repeat):
            with fresh_database(args.database_url, folder) as url:
                app = fresh_app(url, folder)
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
            sample = make(size)
            gc.collect()
            tracemalloc.start()
            read_with_openpyxl(sample)
            _current, read_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            with fresh_database(None, folder) as url:
                app = fresh_app(url, folder)
                gc.collect()
                tracemalloc.start()
                run_import(app, sample)
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                app.extensions["engine"].dispose()
            print(f"peak memory (tracemalloc), {size:,} rows ({len(sample) / 1048576:.1f} MB file): "
                  f"import {peak / 1048576:.1f} MB, openpyxl alone {read_peak / 1048576:.1f} MB")
