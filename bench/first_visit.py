"""Benchmark: the first visit of a summary page with an empty browser cache, its scripts and styles included.

    .venv/bin/python bench/first_visit.py [--page /summaries/swg/2025-H2/all] [--runs 9]
                                          [--database URL] [--server werkzeug|gunicorn]

Serves the application on 127.0.0.1 (werkzeug's threaded server in this process, or gunicorn
with four workers), on the demo data in a temporary SQLite file unless `--database` names a
migrated database (for instance one filled by `bench/summary.py --generate URL`). A plain HTTP
client logs in as the demo co-chair, then times, like a browser with an empty cache: the
page, then every script, style sheet and data file it references (the map's boundaries
included), one after the other on one keep-alive connection, asking for gzip and
decompressing what comes compressed. It prints the first run (the server computes the
summary and compresses the files for the first time) and the best and median of the runs
that follow (a summary already computed: the twenty people of a meeting), with the bytes
sent and the page's size; then (`--together 20`) twenty people open the page at the same moment
after the cache was emptied, as in a meeting after a change. The target is under 0.8 s.
Not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "demo password"  # uxo_swg.demo.DEMO_PASSWORD
CO_CHAIR = "cochair@demo.example"  # uxo_swg.demo.DEMO_USERS


class Client:
    """A keep-alive HTTP/1.1 client with cookies, that asks for gzip and counts bytes on the wire."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.wire = 0

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
                ) -> tuple[int, dict[str, str], bytes]:
        sent = {"Accept-Encoding": "gzip", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        data = response.read()
        self.wire += len(data)
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return response.status, dict(response.headers), data

    def login(self, email: str) -> None:
        _, _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
        status, _, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"could not log in as {email} (status {status})")


def assets_of(page: bytes) -> list[str]:
    """Return the scripts, style sheets and data files the page references."""
    text = page.decode()
    found = re.findall(r'<script[^>]+src="([^"]+)"', text) + re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', text)
    found += re.findall(r'<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"', text)
    for block in re.findall(r'data-assets="([^"]*)"', text):
        found += re.findall(r'"(/[^"]+)"', unescape(block))
    return list(dict.fromkeys(found))


def visit(port: int, page: str, cookies: dict[str, str]) -> tuple[float, int, int, int, int]:
    """Time one first visit with an empty cache: (seconds, bytes on the wire, bytes decompressed, page bytes, files)."""
    client = Client(port)
    client.cookies = dict(cookies)
    started = time.perf_counter()
    status, _, html = client.request("GET", page)
    if status != 200:
        raise SystemExit(f"{page} answered {status}")
    total = len(html)
    files = assets_of(html)
    for url in files:
        status, _, data = client.request("GET", url)
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
        total += len(data)
    elapsed = time.perf_counter() - started
    client.connection.close()
    return elapsed, client.wire, total, len(html), len(files)


def together(port: int, page: str, cookies: dict[str, str], people: int) -> list[float]:
    """Open the page `people` times at once, as a meeting does after a change; return each one's seconds."""
    times: list[float] = []
    start = threading.Barrier(people)

    def one() -> None:
        client = Client(port)
        client.cookies = dict(cookies)
        start.wait()
        began = time.perf_counter()
        status, _, _ = client.request("GET", page)
        times.append(time.perf_counter() - began)
        client.connection.close()
        if status != 200:
            raise SystemExit(f"{page} answered {status}")

    threads = [threading.Thread(target=one) for _ in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(times)


def forget_summaries(url: str) -> None:
    """Empty the summary cache, as a change of the data would leave it."""
    import sqlalchemy as sa

    from uxo_swg.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM summary_cache"))
    engine.dispose()


def prepare(database: str | None, folder: Path) -> str:
    """Return the URL of the database to serve: the one given, or a new SQLite file with the demo data."""
    from uxo_swg import create_app
    from uxo_swg.db import get_session
    from uxo_swg.demo import load_demo
    from uxo_swg.migrate import upgrade

    if database:  # a co-chair to log in as (a generated database has no user)
        import sqlalchemy as sa
        from sqlmodel import select

        from uxo_swg.accounts import create_user
        from uxo_swg.models import SummaryCache, User

        app = create_app("test", DATABASE_URL=database, UPLOAD_FOLDER=str(folder / "uploads"))
        with app.app_context():
            session = get_session()
            if session.exec(select(User).where(User.email == CO_CHAIR)).first() is None:
                create_user(CO_CHAIR, ["co-chair"], PASSWORD, session=session, actor="bench", via="cli")
            session.execute(sa.delete(SummaryCache))  # the first visit computes the summary, as after a change
            session.commit()
        app.extensions["engine"].dispose()
        return database

    url = f"sqlite:///{folder / 'bench.sqlite'}"
    upgrade(url)
    app = create_app("test", DATABASE_URL=url, UPLOAD_FOLDER=str(folder / "uploads"))
    with app.app_context():
        load_demo(session=get_session())
    app.extensions["engine"].dispose()
    return url


def serve(url: str, folder: Path, server: str) -> tuple[int, object]:
    """Start the server on a free port of 127.0.0.1; return the port and what stops it."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    if server == "gunicorn":
        env = {"DATABASE_URL": url, "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": "0",
               "UXO_SWG_INSTANCE": str(folder / "instance"), "PATH": "/usr/bin:/bin"}
        binary = Path(sys.executable).parent / "gunicorn"
        if not binary.exists():
            raise SystemExit(f"{binary} is missing: pip install gunicorn (or use --server werkzeug)")
        process = subprocess.Popen([str(binary), "-w", "4", "-b", f"127.0.0.1:{port}",
                                    "--log-level", "warning", "uxo_swg:create_app()"], cwd=ROOT, env=env)
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/login")
                break
            except OSError:
                time.sleep(0.1)
        return port, process.terminate
    from werkzeug.serving import WSGIRequestHandler, make_server

    from uxo_swg import create_app

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: object) -> None:
            pass

    app = create_app("test", DATABASE_URL=url, UPLOAD_FOLDER=str(folder / "uploads"), SESSION_COOKIE_SECURE=False)
    if "assets" in app.extensions:  # compressed anew: the first run pays for it
        app.extensions["assets"].compressed = folder / "static-gz"
    httpd = make_server("127.0.0.1", port, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return port, httpd.shutdown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="/summaries/swg/2025-H2/all")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--database", help="a migrated database to serve (default: the demo in a new SQLite file)")
    parser.add_argument("--server", choices=["werkzeug", "gunicorn"], default="werkzeug")
    parser.add_argument("--email", default=CO_CHAIR, help="who logs in (default: the demo co-chair)")
    parser.add_argument("--together", type=int, default=20, metavar="N",
                        help="then N people open the page at once after the cache was emptied (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = prepare(args.database, Path(folder))
        port, stop = serve(url, Path(folder), args.server)
        try:
            login = Client(port)
            login.login(args.email)
            first = visit(port, args.page, login.cookies)
            runs = [visit(port, args.page, login.cookies) for _ in range(args.runs)]
            crowd = []
            if args.together:
                forget_summaries(url)
                crowd = together(port, args.page, login.cookies, args.together)
        finally:
            stop()
    times = [r[0] for r in runs]
    _, wire, total, page, files = runs[-1]
    print(f"{args.page} on {args.server}, {'the demo' if not args.database else 'the database given'}: "
          f"page {page / 1024:,.0f} KiB; with its {files} files {total / 1024:,.0f} KiB, "
          f"{wire / 1024:,.0f} KiB on the wire")
    print(f"first visit, summary not computed yet: {first[0]:.3f} s")
    print(f"first visit with an empty browser cache, summary computed: best {min(times):.3f} s, "
          f"median {statistics.median(times):.3f} s over {len(times)} runs (target < 0.8 s)")
    if crowd:
        print(f"{len(crowd)} people opening the page at once, summary not computed yet: the first served in "
              f"{crowd[0]:.3f} s, the median in {statistics.median(crowd):.3f} s, the last in {crowd[-1]:.3f} s (page only)")


if __name__ == "__main__":
    main()
