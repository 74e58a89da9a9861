"""Previews not confirmed are cleaned up; long pages (reconciliation, return preview) come in pages."""
from __future__ import annotations

import html
import io
import os
import re
import time
from datetime import date

from conftest import csrf_token
from returns_workbooks import add_organisations, return_workbook, xlsx
from uxo_swg.db import get_session
from uxo_swg.returns.services import import_return
from uxo_swg.scheduler import run_job


def upload(client, data):
    return client.post("/returns/upload", data={"csrf_token": csrf_token(client, "/returns/"),
                                                "file": (io.BytesIO(data), "return.xlsx")},
                       content_type="multipart/form-data")


def age(path, hours):
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_previews_not_confirmed_within_a_day_are_deleted_and_fresh_ones_kept(app, client, login, session, tmp_path):
    add_organisations(session)
    login("operator", organisation="HALO Trust")
    folder = tmp_path / "uploads"
    for amount in (1000, 2000):
        upload(client, xlsx(return_workbook(receipts=[[date(2025, 8, 1), "United States", None, None, "clearance",
                                                       None, amount, "USD", None]])))
    kept = sorted((folder / "returns").iterdir())
    assert len(kept) == 10  # two previews: JSON, bytes and the rows of each sheet (three) each
    old_token = kept[0].name.split(".")[0]
    for path in (folder / "returns").glob(f"{old_token}.*"):
        age(path, 25)
    register = folder / "register"
    register.mkdir()
    for name, hours in (("a" * 64, 25), ("b" * 64, 1)):
        (register / f"{name}.xlsx").write_bytes(b"x")
        (register / f"{name}.name").write_text("register.xlsx")
        age(register / f"{name}.xlsx", hours)

    outcome = run_job("preview-cleanup", None, session=session)

    assert "deleted 5 return preview file(s) and 2 register file(s)" in outcome
    left = sorted(p.name for p in (folder / "returns").iterdir())
    assert len(left) == 5 and not any(name.startswith(old_token) for name in left)
    assert sorted(p.name for p in register.iterdir()) == [f"{'b' * 64}.name", f"{'b' * 64}.xlsx"]
    assert "already done" in run_job("preview-cleanup", None, session=session)  # once an hour
    # The old upload can no longer be stored; the fresh one still can.
    assert client.post("/returns/confirm", data={"csrf_token": csrf_token(client, "/returns/"), "token": old_token}
                       ).status_code == 302
    assert "no longer waiting" in client.get("/returns/").get_data(as_text=True)


def test_the_preview_lists_problems_a_hundred_a_page(client, login, session):
    add_organisations(session)
    login("operator", organisation="HALO Trust")
    bad = [[date(2025, 8, 1), "United States", None, None, "clearance", None, f"{n}x", "USD", None] for n in range(150)]
    first = upload(client, xlsx(return_workbook(receipts=bad)))
    page = first.get_data(as_text=True)
    assert first.status_code == 422 and "150 error(s) found" in page
    assert page.count("is not a number") == 100 and "150 problem(s) listed, page 1 of 2" in page
    following = html.unescape(re.search(r'href="([^"]+)" rel="next"', page).group(1))
    second = client.get(following)
    assert second.status_code == 422 and "/returns/preview/" in following
    text = second.get_data(as_text=True)
    assert text.count("is not a number") == 50 and "'149x' is not a number" in html.unescape(text) and "page 2 of 2" in text
    assert "USD" in text  # the totals and header come from the kept preview, not a new upload


def test_reconciliation_pages_keep_the_quarter(app, client, login, session):
    add_organisations(session)
    receipts = [[date(2025, 8, 1 + n % 28), "United States", None, f"R-{n}", "clearance", None, 1000 + n, "USD", None]
                for n in range(60)]
    import_return(xlsx(return_workbook(receipts=receipts)), "r.xlsx", session=session, actor="test")
    login("co-chair")
    first = client.get("/reconciliation/?quarter=2025-Q3").get_data(as_text=True)
    assert "Receipts with no donor-side record (60)" in first
    assert first.count("<tr><td>HALO Trust</td>") == 50 and "60 receipt(s), page 1 of 2" in first
    following = html.unescape(re.search(r'href="([^"]+)" rel="next"', first).group(1))
    assert "quarter=2025-Q3" in following and "open_receipts_page=2" in following
    second = client.get(following).get_data(as_text=True)
    assert second.count("<tr><td>HALO Trust</td>") == 10 and "Reconciliation, 2025-Q3" in second


def two_clicks(action, times: int) -> list[OSError]:
    """Run `action(n)` for n in range(times) in two threads started together; return the OSErrors met."""
    import threading

    failures, start = [], threading.Barrier(2)

    def click():
        start.wait()
        for n in range(times):
            try:
                action(n)
            except OSError as error:  # before the fixes: FileNotFoundError from a shared temporary name
                failures.append(error)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


def test_two_clicks_marking_one_preview_stored_at_once_both_succeed(tmp_path):
    # Each click writes the preview's JSON through a temporary file: they must not take each other's.
    from uxo_swg.returns import previews

    preview = previews.Preview("t" * 32, "halo.xlsx", 1, {}, {})
    previews.keep(preview, b"bytes", str(tmp_path))
    assert two_clicks(lambda _n: previews.mark_stored(preview, 7, str(tmp_path)), 200) == []
    assert previews.load("t" * 32, 1, str(tmp_path)).stored_return_id == 7
    assert not list((tmp_path / "returns").glob("*.tmp"))


def test_two_clicks_keeping_one_sent_file_at_once_both_succeed(tmp_path):
    # The same file, kept by two requests at once: each writes through a temporary file of its own.
    from uxo_swg.returns.files import keep_file

    assert two_clicks(lambda n: keep_file(b"the same bytes %d" % n, str(tmp_path)), 100) == []
    assert len(list((tmp_path / "returns" / "stored").glob("*.xlsx"))) == 100
    assert not list((tmp_path / "returns" / "stored").glob("*.tmp"))
