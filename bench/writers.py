"""Benchmark: concurrent writers through the web app, on SQLite and on PostgreSQL (issue 14).

    .venv/bin/python bench/writers.py                     # both databases, 20 form users x 10 saves, 5 uploaders x 2
    .venv/bin/python bench/writers.py --db sqlite --saves 25 --uploads 4 --rows 2000

On a fresh database (a SQLite file, or a new schema of the PostgreSQL server, dropped
afterwards) holding a small medium data set (bench/medium.py, scale 0.02), gunicorn serves the
app with 4 sync workers on 127.0.0.1. Then, all at once: 20 co-chairs each record --saves
pledges through the form (GET the form, POST it), and 5 upload --uploads operator returns each
(--rows receipts; upload, preview, confirm: a new version of a quarter the operator already
reported). It counts every answer that is not the expected redirect: 5xx, "database is
locked" (or the app's 503 "Busy, try again"), anything else; and afterwards checks in the
database that every pledge the app said it saved is there, once, with its line, and that each
confirmed return is the current version with all its receipts. Not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from medium import BENCH_PASSWORD, COCHAIR, generate  # noqa: E402  (bench/ is the script's folder)
from web_harness import Client, gunicorn, percentile  # noqa: E402

QUARTERS = ["2026-Q1", "2026-Q2", "2026-Q3", "2025-Q4", "2025-Q3", "2025-Q2"]


def make_return(operator: str, quarter: str, rows: int) -> bytes:
    """Return an operator's return workbook (spec section 3) with `rows` receipts naming the medium set's donors."""
    from openpyxl import Workbook

    year, q = int(quarter[:4]), int(quarter[-1])
    first = date(year, 3 * q - 2, 1)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Return")
    for label, value in [("Operator", operator), ("Quarter", quarter), ("Prepared by", "bench"),
                         ("Email", "bench@example.org"), ("Submitted on", first + timedelta(days=100))]:
        ws.append([label, value])
    ws = wb.create_sheet("Funds received")
    ws.append(["Received on", "Donor", "Via", "Agreement ref", "Pillar", "Province", "Amount", "Currency", "Notes"])
    for i in range(rows):
        ws.append([first + timedelta(days=i % 90), f"Donor {i % 4:02d}", None, None, "clearance", "LA-XI", 1000 + i, "USD", None])
    ws = wb.create_sheet("Expenditure")
    ws.append(["Pillar", "Province", "Amount", "Currency", "Notes"])
    ws.append(["clearance", "LA-XI", 5000, "USD", None])
    ws = wb.create_sheet("Outputs")
    ws.append(["Pillar", "Province", "Indicator", "Value", "Notes"])
    ws.append(["clearance", "LA-XI", "land_released_ha", 12.5, None])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class Tally:
    """What the writers saw, counted under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {"save": [], "upload": []}
        self.saved: list[str] = []  # pledge refs the app said it saved
        self.stored: list[tuple[str, str, int]] = []  # (operator, quarter, return id) the app said it stored

    def answer(self, action: str, status: int, body: bytes, took: float) -> str:
        """Count one answer by kind; return the kind."""
        text = body.decode("utf-8", "replace").lower()
        kind = ("database is locked" if "database is locked" in text or (status == 503 and "busy" in text)
                else f"{action}: HTTP {status}" if status >= 500 else f"{action}: {status}")
        with self.lock:
            self.answers[kind] += 1
            self.times[action].append(took)
        return kind


def form_user(port: int, n: int, saves: int, start: threading.Barrier, tally: Tally, donor_id: int) -> None:
    """Record `saves` pledges through the form, as a co-chair would."""
    client = Client(port)
    client.login(COCHAIR, BENCH_PASSWORD)
    start.wait()
    for i in range(saves):
        ref = f"W{n:02d}-{i:03d}"
        began = time.perf_counter()
        fields = {"csrf_token": client.csrf("/pledges/new"), "ref": ref, "donor_id": str(donor_id), "recipient_id": "0",
                  "announced_on": "2026-03-14", "announced_at": "bench", "currency": "USD", "notes": "",
                  "lines-0-year": "2026", "lines-0-pillar": "clearance", "lines-0-amount": str(1000 + i)}
        status, body = client.post("/pledges/new", fields)
        tally.answer("save", status, body, time.perf_counter() - began)
        if status == 302:
            with tally.lock:
                tally.saved.append(ref)


def uploader(port: int, operator: str, quarters: list[str], rows: int, start: threading.Barrier, tally: Tally) -> None:
    """Upload, check and confirm one return per quarter for the operator."""
    client = Client(port)
    client.login(COCHAIR, BENCH_PASSWORD)
    books = {quarter: make_return(operator, quarter, rows) for quarter in quarters}
    start.wait()
    for quarter, data in books.items():
        began = time.perf_counter()
        status, page = client.post_file("/returns/upload", {"csrf_token": client.csrf("/returns/")}, "file",
                                        f"{operator}-{quarter}.xlsx", data)
        token = re.search(rb'name="token"[^>]*value="([^"]+)"', page) or re.search(rb'value="([^"]+)"[^>]*name="token"', page)
        if status != 200 or token is None:
            tally.answer("upload", status if status != 200 else 422, page, time.perf_counter() - began)
            continue
        csrf = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', page)
        status, body = client.post("/returns/confirm", {"csrf_token": csrf.group(1).decode(), "token": token.group(1).decode()})
        tally.answer("upload", status, body, time.perf_counter() - began)
        found = re.search(rb"/returns/(\d+)", body)  # the redirect to the stored version
        if status == 302 and found:
            with tally.lock:
                tally.stored.append((operator, quarter, int(found.group(1))))


def check(url: str, tally: Tally, rows: int) -> list[str]:
    """Return the problems found in the database: saved pledges missing or doubled, stored returns incomplete."""
    import sqlalchemy as sa

    from uxo_swg.db import make_engine
    from uxo_swg.models import OperatorReturn, Pledge, PledgeLine, ReturnReceipt

    problems = []
    engine = make_engine(url)
    with engine.connect() as conn:
        refs = Counter(conn.execute(sa.select(Pledge.ref).where(Pledge.ref.like("W%"))).scalars())
        lines = conn.execute(sa.select(sa.func.count()).select_from(PledgeLine).join(Pledge, PledgeLine.pledge_id == Pledge.id)
                             .where(Pledge.ref.like("W%"))).scalar_one()
        missing = set(tally.saved) - set(refs)
        extra = set(refs) - set(tally.saved)
        if missing or extra or any(n > 1 for n in refs.values()) or lines != len(tally.saved):
            problems.append(f"pledges: {len(missing)} said saved but missing, {len(extra)} stored but not said saved, "
                            f"{lines} lines for {len(tally.saved)} saves")
        for operator, quarter, return_id in tally.stored:
            ret = conn.execute(sa.select(OperatorReturn).where(OperatorReturn.id == return_id)).one()
            receipts = conn.execute(sa.select(sa.func.count()).select_from(ReturnReceipt)
                                    .where(ReturnReceipt.return_id == return_id)).scalar_one()
            if ret.quarter != quarter or ret.superseded_by_id is not None or receipts != rows:
                problems.append(f"return {return_id} ({operator} {quarter}): {receipts} receipts of {rows}, "
                                f"{'superseded' if ret.superseded_by_id else 'current'}")
        counted = {"pledges": len(refs), "pledge lines": lines, "returns stored": len(tally.stored)}
    engine.dispose()
    print("  in the database afterwards: " + ", ".join(f"{v} {k}" for k, v in counted.items()))
    return problems


@contextmanager
def fresh(kind: str, pg_url: str) -> Iterator[str]:
    """Yield the URL of a new, empty database of the kind (dropped afterwards)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/writers.sqlite"
        return
    from uxo_swg.db import scratch_schema

    with scratch_schema(pg_url, "writers") as url:
        yield url


def run(kind: str, args: argparse.Namespace) -> None:
    """Fill a fresh database, serve it, run the writers all at once, count and check."""
    import sqlalchemy as sa

    from uxo_swg.db import make_engine
    from uxo_swg.migrate import upgrade
    from uxo_swg.models import Organisation

    with fresh(kind, args.pg_url) as url:
        upgrade(url)
        generate(url, 0.02)
        engine = make_engine(url)
        with engine.connect() as conn:
            donor_id = conn.execute(sa.select(Organisation.id).where(Organisation.name == "Donor 00")).scalar_one()
        engine.dispose()
        tally = Tally()
        with gunicorn(url, workers=4) as port:
            start = threading.Barrier(args.users + args.uploaders + 1)
            threads = [threading.Thread(target=form_user, args=(port, n, args.saves, start, tally, donor_id))
                       for n in range(args.users)]
            threads += [threading.Thread(target=uploader, args=(port, f"Operator {k:02d}", QUARTERS[:args.uploads], args.rows,
                                                                start, tally)) for k in range(args.uploaders)]
            for t in threads:
                t.start()
            start.wait(timeout=300)
            began = time.perf_counter()
            for t in threads:
                t.join(timeout=900)
            elapsed = time.perf_counter() - began
        print(f"\n{kind}: {args.users} users x {args.saves} pledge saves and {args.uploaders} uploaders x {args.uploads} "
              f"returns of {args.rows} receipts, at once: {elapsed:.1f} s")
        for action, times in tally.times.items():
            print(f"  {action:7} {len(times):4d} answers, p50 {percentile(times, .5) * 1000:.0f} ms, "
                  f"p95 {percentile(times, .95) * 1000:.0f} ms, p99 {percentile(times, .99) * 1000:.0f} ms")
        expected = {"save: 302", "upload: 302"}
        for kind_seen, n in sorted(tally.answers.items()):
            print(f"  {n:5d}  {kind_seen}{'' if kind_seen in expected else '   <- not the expected redirect'}")
        errors = sum(n for k, n in tally.answers.items() if k not in expected)
        problems = check(url, tally, args.rows)
        print(f"  5xx: {sum(n for k, n in tally.answers.items() if 'HTTP 5' in k)}, database is locked / busy: "
              f"{tally.answers['database is locked']}, other unexpected answers: "
              f"{errors - tally.answers['database is locked'] - sum(n for k, n in tally.answers.items() if 'HTTP 5' in k)}")
        print("  every saved row is there" if not problems else "  PROBLEMS: " + "; ".join(problems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--saves", type=int, default=10, help="pledges each form user records")
    parser.add_argument("--uploaders", type=int, default=5)
    parser.add_argument("--uploads", type=int, default=2, help=f"returns each uploader sends (at most {len(QUARTERS)})")
    parser.add_argument("--rows", type=int, default=500, help="receipts in each return")
    args = parser.parse_args()
    args.uploads = min(args.uploads, len(QUARTERS))
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        run(kind, args)


if __name__ == "__main__":
    main()
