"""Benchmark: how long the preview of a large return takes, and its peak memory, against the worker timeout.

    .venv/bin/python bench/return_preview.py [--rows 25000,50000]

For each size, generates HALO Trust's 2025-Q3 return (bench/return_import.py's generator) and
times `returns.services.preview_return` (what *Upload and check* runs: the zip inspection, then
reading and checking every row, storing nothing) on a fresh SQLite database holding the demo
data, then runs it again under tracemalloc for its peak memory. The README deploys gunicorn with
`--timeout 60`; the largest sheet read is 50,000 rows of data (importers/workbook.py), whose
preview should stay well under that even on a busy machine.
Not a test: it prints figures.
"""
from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from import_harness import fresh_app, fresh_database  # noqa: E402
from return_import import make_return  # noqa: E402


def preview(app, data: bytes) -> str:
    from uxo_swg.db import get_session
    from uxo_swg.returns.services import preview_return

    with app.app_context():
        reading = preview_return(data, session=get_session(), max_bytes=200 * 1024 * 1024)
        return f"{reading.totals['Funds received'].rows:,} receipts read, {reading.error_count} error(s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="25000,50000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with fresh_database(None, folder) as url:
            app = fresh_app(url, folder)
            for size in [int(s) for s in args.rows.split(",") if s]:
                data = make_return(size)
                gc.collect()
                start = time.perf_counter()
                outcome = preview(app, data)
                seconds = time.perf_counter() - start
                gc.collect()
                tracemalloc.start()
                preview(app, data)
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                print(f"{size:,} rows ({len(data) / 1048576:.1f} MB): preview {seconds:.1f} s, "
                      f"peak memory {peak / 1048576:.1f} MB (tracemalloc); {outcome}", flush=True)
            app.extensions["engine"].dispose()


if __name__ == "__main__":
    main()
