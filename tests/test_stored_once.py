"""Nothing stored twice: two confirmations at the same instant (threads with their own connections).

On PostgreSQL the two run truly in parallel; on SQLite its write lock serialises them, and
the tests check the same outcome. The threads start together on a barrier.
"""
from __future__ import annotations

import io
import re
import threading
from datetime import date

import sqlalchemy as sa
from sqlmodel import select

from conftest import PASSWORD, csrf_token
from register_files import clean_sheets, workbook_bytes
from returns_workbooks import RECEIPT, add_organisations, return_workbook, xlsx
from uxo_swg.db import get_session
from uxo_swg.models import AuditLog, ImportBatch, OperatorReturn, Pledge
from uxo_swg.returns.services import import_return


def together(*calls):
    """Run the calls in threads started at the same instant; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as error:  # reported by the test, not lost in the thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def logged_in_clients(app, email, n=2):
    """Return n test clients, each with its own session cookie, logged in as the same user."""
    clients = []
    for _ in range(n):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
        assert response.status_code == 302
        clients.append(client)
    return clients


def flashes(client):
    """Return the text of the page the client lands on after a redirect (its flash messages)."""
    return client.get("/returns/?quarter=2025-Q3").get_data(as_text=True)


def organisations(app):
    """Store the test organisations outside any app context the test clients could share."""
    with app.app_context():
        return add_organisations(get_session())


def stored_returns(app):
    """Return (version, superseded by, file name) of every stored return, by version."""
    with app.app_context():
        return [(r.version_no, r.superseded_by_id, r.filename, r.id) for r in get_session().exec(
            select(OperatorReturn).order_by(OperatorReturn.version_no)).all()]


def test_a_double_click_on_store_stores_the_return_once(app, make_user):
    organisations(app)
    email = make_user("operator", organisation="HALO Trust")
    first, second = logged_in_clients(app, email)
    page = first.post("/returns/upload", data={"csrf_token": csrf_token(first, "/returns/"),
                                               "file": (io.BytesIO(xlsx(return_workbook())), "halo.xlsx")},
                      content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="token"[^>]*value="([^"]+)"', page).group(1)
    forms = [{"csrf_token": csrf_token(c, "/returns/"), "token": token} for c in (first, second)]

    responses = together(lambda: first.post("/returns/confirm", data=forms[0]),
                         lambda: second.post("/returns/confirm", data=forms[1]))

    assert [r.status_code for r in responses] == [302, 302]
    assert [v[:3] for v in stored_returns(app)] == [(1, None, "halo.xlsx")]
    messages = flashes(first) + flashes(second)
    assert messages.count("Stored HALO Trust 2025-Q3, version 1.") == 1
    assert messages.count("This file is already stored as version 1; nothing new was stored.") == 1
    # A third click, later, is told the same (the upload is remembered as stored, not forgotten).
    late = second.post("/returns/confirm", data=forms[1])
    assert late.status_code == 302 and "already stored as version 1" in flashes(second)


def test_two_files_confirmed_at_once_become_consecutive_versions_with_one_current(app):
    organisations(app)
    files = [xlsx(return_workbook(receipts=[RECEIPT[:6] + [amount, "USD", None]])) for amount in (1000, 2000)]

    def store(data, name):
        def call():
            with app.app_context():
                return import_return(data, name, session=get_session(), actor="test", via="cli").status
        return call

    assert together(store(files[0], "a.xlsx"), store(files[1], "b.xlsx")) == ["stored", "stored"]
    versions = stored_returns(app)
    assert [v[0] for v in versions] == [1, 2]
    assert [v[1] for v in versions] == [versions[1][3], None]  # exactly one current: the last
    assert {v[2] for v in versions} == {"a.xlsx", "b.xlsx"}


def test_the_database_refuses_a_second_current_version_and_a_repeated_number(session):
    ids = add_organisations(session)
    halo = ids["HALO Trust"]
    session.add(OperatorReturn(operator_id=halo, quarter="2025-Q3", version_no=1, sha256="a"))
    session.commit()
    for twin in (OperatorReturn(operator_id=halo, quarter="2025-Q3", version_no=2, sha256="b"),  # a second current one
                 OperatorReturn(operator_id=halo, quarter="2025-Q3", version_no=1, sha256="c", superseded_by_id=None)):
        session.add(twin)
        try:
            session.commit()
        except sa.exc.IntegrityError:
            session.rollback()
        else:
            raise AssertionError("the database stored a twin version")
    assert session.exec(select(sa.func.count()).select_from(OperatorReturn)).one() == 1


def test_a_register_confirmed_twice_at_once_is_imported_once(demo_app, make_user):
    email = make_user("co-chair")
    first, second = logged_in_clients(demo_app, email)
    data = workbook_bytes(clean_sheets())
    page = first.post("/register/import", data={"csrf_token": csrf_token(first, "/register/import"),
                                                "file": (io.BytesIO(data), "register.xlsx")},
                      content_type="multipart/form-data").get_data(as_text=True)
    sha = re.search(r'name="sha256"[^>]*value="([0-9a-f]{64})"', page).group(1)
    forms = [{"csrf_token": csrf_token(c, "/register/import"), "sha256": sha} for c in (first, second)]

    responses = together(lambda: first.post("/register/import/commit", data=forms[0]),
                         lambda: second.post("/register/import/commit", data=forms[1]))

    assert [r.status_code for r in responses] == [302, 302]  # no 500
    with demo_app.app_context():
        s = get_session()
        batches = s.exec(select(ImportBatch).where(ImportBatch.kind == "register")).all()
        assert len(batches) == 1
        assert len(s.exec(select(Pledge).where(Pledge.import_batch_id == batches[0].id)).all()) == 3
        inserted = s.exec(select(AuditLog).where(AuditLog.entity == "import_batch", AuditLog.action == "insert")).all()
        assert len(inserted) == 1
    pages = first.get("/register/imports").get_data(as_text=True) + second.get("/register/imports").get_data(as_text=True)
    assert "was already imported (batch" in pages


def test_a_register_rolled_back_then_confirmed_twice_at_once_is_reinstated_once(demo_app, make_user):
    from uxo_swg.pledges.importing import import_register, rollback_import

    data = workbook_bytes(clean_sheets())
    with demo_app.app_context():
        s = get_session()
        batch_id = import_register(data, "register.xlsx", session=s, actor="test").batch_id
        rollback_import(batch_id, session=s, actor="test")

    def confirm():
        with demo_app.app_context():
            result = import_register(data, "register.xlsx", session=get_session(), actor="test")
            return (result.reinstated, result.already_imported, [str(p) for p in result.errors])

    outcomes = together(confirm, confirm)
    assert sorted(outcomes) == [(False, True, []), (True, False, [])]
    with demo_app.app_context():
        reinstated = get_session().exec(select(AuditLog).where(AuditLog.entity == "pledge", AuditLog.action == "update",
                                                               AuditLog.after.contains('"cancelled_at": null'))).all()
        assert len(reinstated) == 3  # each pledge reinstated once, not twice
