"""Benchmark: the web app under load, gunicorn with 4 workers on PostgreSQL (issue 14).

    .venv/bin/python bench/load.py                  # scale 0.1 of the medium set, 15 s per scenario (make bench)
    .venv/bin/python bench/load.py --full           # the medium set of issue 14 (6,000 pledges ... 280,000 audit rows), 60 s
    .venv/bin/python bench/load.py --existing URL   # a database filled before (bench/medium.py URL)
    .venv/bin/python bench/load.py --existing URL --profile /pledges/   # where one page's time goes (pyinstrument)
    .venv/bin/python bench/load.py --only pledges,agreements,disbursements,organisations,returns,reconciliation,audit

Fills a new schema of the PostgreSQL server (--pg-url; dropped afterwards) with bench/medium.py,
counts the SQL statements of each page in-process, then serves the app with gunicorn (4 sync
workers) on 127.0.0.1 and measures, with 20 simulated co-chairs logged in (threads, one
connection per request, loopback only; every loop bounded by --duration):
  1. single user: each page one after the other, 5 times, after a warm-up (median and best);
  2. scenario (a): 20 users each clicking about once a second (0.8 to 1.2 s between clicks)
     through home, the lists, the TWG and SWG summaries, a drill-down and an export;
  3. scenario (b): the same 20 users without pause;
and prints requests/s and, per page, p50/p95/p99 and errors (any answer but 200, or no answer).
Targets (issue 14, on the shared 2-core machine): (a) p95 under 200 ms, no error; (b) at least
150 requests/s, no error; single user every page under 300 ms. Not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from medium import BENCH_PASSWORD, COCHAIR, generate  # noqa: E402  (bench/ is the script's folder)
from web_harness import Client, gunicorn, percentile  # noqa: E402

TARGET_P95, TARGET_RPS, TARGET_SINGLE = 0.200, 150, 0.300


def pages(url: str) -> dict[str, str]:
    """Return the pages a co-chair clicks through, by name (a donor with payments in 2026 for the export)."""
    import sqlalchemy as sa

    from uxo_swg.db import make_engine
    from uxo_swg.models import Disbursement

    engine = make_engine(url)
    with engine.connect() as conn:
        donor = conn.execute(sa.select(Disbursement.donor_id).where(Disbursement.paid_on >= date(2026, 1, 1)).limit(1)).scalar()
    engine.dispose()
    return {
        "home": "/", "pledges": "/pledges/", "agreements": "/agreements/?sort=usd&dir=desc",
        "disbursements": "/disbursements/?year=2025&sort=donor", "organisations": "/organisations/", "returns": "/returns/",
        "reconciliation": "/reconciliation/", "audit": "/audit/", "twg": "/summaries/twg/2026-Q3/clearance",
        "swg": "/summaries/swg/2026-H1/all", "drill-down": "/summaries/twg/2026-Q3/clearance/records?figure=totals%7Cdisbursed",
        "export": f"/disbursements/?year=2026&donor={donor}&export=xlsx",
    }


def statements(url: str, wanted: dict[str, str]) -> dict[str, int]:
    """Return how many SQL statements each page runs (in-process, after a warm-up request)."""
    import re

    import sqlalchemy as sa

    from uxo_swg import create_app

    app = create_app("test", DATABASE_URL=url)
    count = [0]

    def counting(*_args):
        count[0] += 1

    sa.event.listen(app.extensions["engine"], "before_cursor_execute", counting)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": COCHAIR, "password": BENCH_PASSWORD, "csrf_token": token})
    out = {}
    for name, path in wanted.items():
        client.get(path)
        count[0] = 0
        client.get(path)
        out[name] = count[0]
    app.extensions["engine"].dispose()
    return out


def single_user(port: int, wanted: dict[str, str], runs: int = 5) -> dict[str, list[float]]:
    """Time each page alone, `runs` times, after every worker served it once."""
    client = Client(port)
    client.login(COCHAIR, BENCH_PASSWORD)
    for _ in range(8):  # each of the 4 workers reads its rate book, the ECB table, the templates once
        for path in wanted.values():
            client.get(path)
    out: dict[str, list[float]] = {name: [] for name in wanted}
    for _ in range(runs):
        for name, path in wanted.items():
            start = time.perf_counter()
            status, _body = client.get(path)
            out[name].append(time.perf_counter() - start if status == 200 else float("inf"))
    return out


def scenario(port: int, wanted: dict[str, str], users: int, duration: float, pause: bool) -> tuple[dict, float]:
    """Run `users` logged-in users for `duration` seconds; return per page (latencies, errors) and requests/s."""
    clients = [Client(port, timeout=60) for _ in range(users)]
    for c in clients:
        c.login(COCHAIR, BENCH_PASSWORD)
    names = list(wanted)
    results = {name: ([], []) for name in names}
    lock = threading.Lock()
    start_line = threading.Barrier(users + 1)
    stop_at = [0.0]

    def user(n: int) -> None:
        rnd = Random(n)
        client, step = clients[n], n  # each user starts its round at another page
        start_line.wait()
        while time.monotonic() < stop_at[0]:
            name = names[step % len(names)]
            step += 1
            began = time.perf_counter()
            try:
                status, _body = client.get(wanted[name])
                error = None if status == 200 else f"HTTP {status}"
            except OSError as failure:
                error = type(failure).__name__
            took = time.perf_counter() - began
            with lock:
                results[name][0].append(took)
                if error:
                    results[name][1].append(error)
            if pause:
                time.sleep(max(0.0, rnd.uniform(0.8, 1.2) - took))

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(users)]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + duration
    began = time.perf_counter()
    start_line.wait()
    for t in threads:
        t.join(timeout=duration + 130)
    elapsed = time.perf_counter() - began
    total = sum(len(v[0]) for v in results.values())
    return results, total / elapsed


def report_scenario(title: str, results: dict, rate: float, target: str) -> None:
    """Print a scenario's requests/s and each page's percentiles and errors."""
    everything = [x for times, _errors in results.values() for x in times]
    errors = sum(len(e) for _t, e in results.values())
    print(f"\n{title}: {rate:.1f} requests/s, {len(everything)} requests, {errors} error(s); "
          f"all pages p50 {percentile(everything, .5) * 1000:.0f} ms, p95 {percentile(everything, .95) * 1000:.0f} ms, "
          f"p99 {percentile(everything, .99) * 1000:.0f} ms   ({target})")
    print(f"  {'page':15} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  errors")
    for name, (times, errs) in results.items():
        kinds = ", ".join(sorted({e for e in errs})) if errs else ""
        print(f"  {name:15} {len(times):8d} {percentile(times, .5) * 1000:8.0f} {percentile(times, .95) * 1000:8.0f} "
              f"{percentile(times, .99) * 1000:8.0f}  {len(errs)} {kinds}")


def profile(url: str, path: str, runs: int = 5) -> None:
    """Print where one page's time goes, in-process (pyinstrument), over `runs` requests after a warm-up."""
    import re

    from pyinstrument import Profiler

    from uxo_swg import create_app

    app = create_app("test", DATABASE_URL=url)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": COCHAIR, "password": BENCH_PASSWORD, "csrf_token": token})
    client.get(path)
    profiler = Profiler(interval=0.001)
    profiler.start()
    for _ in range(runs):
        client.get(path)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))


def measure(url: str, args: argparse.Namespace) -> None:
    """Count statements, then serve with gunicorn and run the single-user timing and both scenarios."""
    wanted = pages(url)
    if args.only:
        wanted = {name: path for name, path in wanted.items() if name in args.only.split(",")}
        print(f"only these pages: {', '.join(wanted)}")
    counted = statements(url, wanted)
    log = Path(args.log) if args.log else None
    with gunicorn(url, workers=args.workers, log=log) as port:
        alone = single_user(port, wanted)
        print(f"\nsingle user (median of 5; target: every page under {TARGET_SINGLE * 1000:.0f} ms)")
        print(f"  {'page':15} {'median ms':>10} {'best ms':>8} {'statements':>10}  path")
        for name, times in alone.items():
            mark = "" if statistics.median(times) < TARGET_SINGLE else "  MISSES"
            print(f"  {name:15} {statistics.median(times) * 1000:10.0f} {min(times) * 1000:8.0f} {counted[name]:10d}  "
                  f"{wanted[name]}{mark}")
        results, rate = scenario(port, wanted, args.users, args.duration, pause=True)
        report_scenario(f"scenario (a): {args.users} users, a click a second, {args.duration:.0f} s", results, rate,
                        f"target: p95 under {TARGET_P95 * 1000:.0f} ms, no error")
        results, rate = scenario(port, wanted, args.users, args.duration, pause=False)
        report_scenario(f"scenario (b): {args.users} users without pause, {args.duration:.0f} s", results, rate,
                        f"target: at least {TARGET_RPS} requests/s, no error")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--scale", type=float, default=0.1, help="of the medium data set (1.0: the size of issue 14)")
    parser.add_argument("--full", action="store_true", help="scale 1.0 and 60 s per scenario")
    parser.add_argument("--duration", type=float, default=None, help="seconds per scenario (default 15, 60 with --full)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--existing", metavar="URL", help="measure a database filled before (bench/medium.py URL)")
    parser.add_argument("--profile", metavar="PATH", help="with --existing: profile one page in-process, then stop")
    parser.add_argument("--log", help="gunicorn's log file (default: none)")
    parser.add_argument("--only", help="comma-separated page names: click through these alone (e.g. the lists)")
    args = parser.parse_args()
    if args.full:
        args.scale = 1.0
    args.duration = args.duration or (60.0 if args.full else 15.0)

    from uxo_swg.db import scratch_schema
    from uxo_swg.migrate import upgrade

    if args.profile:
        profile(args.existing or parser.error("--profile needs --existing URL"), args.profile)
        return
    with (nullcontext(args.existing) if args.existing else scratch_schema(args.pg_url, "load")) as url:
        if not args.existing:
            upgrade(url)
            start = time.perf_counter()
            counts = generate(url, args.scale)
            print(f"PostgreSQL, scale {args.scale}: generated in {time.perf_counter() - start:.0f} s: "
                  + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        measure(url, args)


if __name__ == "__main__":
    main()
