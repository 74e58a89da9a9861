"""Simultaneous saves, reads during a long write, and a write that cannot get the lock.

On PostgreSQL every thread has its own connection and they start together on a Barrier, as
two gunicorn workers would; on SQLite the same tests check that readers never wait for a
writer (WAL, deferred BEGIN) and that writers queue for the lock instead of failing.
"""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import select

from conftest import PASSWORD, csrf_token
from uxo_swg import create_app
from uxo_swg.db import WRITE_TRANSACTION, get_session
from uxo_swg.models import AuditLog, Commitment, CommitmentLine, Organisation, Pledge, PledgeLine
from uxo_swg.organisations.services import OrganisationData, save_organisation
from uxo_swg.pledges.services import Conflict, PledgeData, save_pledge


def in_parallel(*actions):
    """Run the actions in threads started together; return what each returned or raised, in order."""
    barrier = threading.Barrier(len(actions), timeout=60)
    results: list = [None] * len(actions)

    def run(n, action):
        try:
            results[n] = action(barrier)
        except Exception as error:  # noqa: BLE001 (handed back to the test, which says what it expected)
            results[n] = error

    threads = [threading.Thread(target=run, args=(n, a)) for n, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread never finished"
    return results


@pytest.fixture
def orgs(app):
    """Store a donor and an operator; return their ids by name."""
    with app.app_context():
        session = get_session()
        found = {o.name: o for o in (Organisation(name="Germany", kind="donor"), Organisation(name="HALO Trust", kind="ngo"))}
        session.add_all(found.values())
        session.commit()
        return {name: o.id for name, o in found.items()}


def _pledge_data(orgs, amount):
    return PledgeData(ref="PL-DE-2025", donor_id=orgs["Germany"], recipient_id=None, announced_on=date(2025, 3, 14),
                      announced_at="SWG plenary", currency="EUR", ccm_specific=False, notes="",
                      lines=[(2025, "clearance", Decimal(amount))])


def _login(app, email):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    return client


def test_two_services_saving_one_pledge_at_once_one_wins_the_other_gets_a_conflict(app, orgs):
    with app.app_context():
        pledge_id = save_pledge(_pledge_data(orgs, "1000"), session=get_session()).id

    def save(amount):
        def action(barrier):
            with app.app_context():
                session = get_session()
                session.get(Pledge, pledge_id)  # what the edit page loaded, as the route does
                barrier.wait()
                return save_pledge(_pledge_data(orgs, amount), session=session, pledge_id=pledge_id, version=1).id
        return action

    results = in_parallel(save("2000"), save("3000"))
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 1 and results.count(pledge_id) == 1, results
    assert "changed by" in str(conflicts[0]) and "nothing was saved" in str(conflicts[0])
    winner = "2000" if results[0] == pledge_id else "3000"
    with app.app_context():
        session = get_session()
        line = session.exec(select(PledgeLine).where(PledgeLine.pledge_id == pledge_id)).one()
        assert line.amount == Decimal(winner)
        assert session.get(Pledge, pledge_id).version == 2
        updates = session.exec(select(AuditLog).where(AuditLog.entity == "pledge", AuditLog.action == "update")).all()
        assert [(u.before, u.after) for u in updates] == [('{"version": 1}', '{"version": 2}')]


def test_two_services_saving_one_organisation_at_once_one_wins(app, orgs):
    def save(contact):
        def action(barrier):
            with app.app_context():
                session = get_session()
                session.get(Organisation, orgs["HALO Trust"])
                barrier.wait()
                data = OrganisationData(name="HALO Trust", kind="ngo", country="GB", contact=contact, aliases=[])
                return save_organisation(data, session=session, org_id=orgs["HALO Trust"], version=1).contact
        return action

    results = in_parallel(save("first"), save("second"))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "str"], results
    with app.app_context():
        stored = get_session().get(Organisation, orgs["HALO Trust"])
        assert stored.version == 2 and stored.contact == next(r for r in results if isinstance(r, str))


@pytest.mark.parametrize("kind", ["pledge", "agreement", "organisation"])
def test_two_people_saving_one_record_at_the_same_instant_one_gets_the_conflict_page(app, orgs, make_user, kind):
    with app.app_context():
        session = get_session()
        if kind == "agreement":
            record = Commitment(ref="AG-DE-1", donor_id=orgs["Germany"], recipient_id=orgs["HALO Trust"],
                                signed_on=date(2025, 4, 1), start_on=date(2025, 4, 1), end_on=date(2026, 12, 31),
                                currency="EUR")
            session.add(record)
            session.flush()
            session.add(CommitmentLine(commitment_id=record.id, year=2025, pillar_code="clearance", amount=Decimal(1000)))
            session.commit()
            record_id = record.id
        elif kind == "pledge":
            record_id = save_pledge(_pledge_data(orgs, "1000"), session=session).id
        else:
            record_id = orgs["HALO Trust"]
    url = {"pledge": f"/pledges/{record_id}/edit", "agreement": f"/agreements/{record_id}/edit",
           "organisation": f"/organisations/{record_id}/edit"}[kind]

    def form(n):
        if kind == "pledge":
            return {"ref": "PL-DE-2025", "donor_id": orgs["Germany"], "recipient_id": 0, "announced_on": "2025-03-14",
                    "announced_at": "SWG plenary", "currency": "EUR", "notes": f"edit {n}", "version": "1",
                    "lines-0-year": "2025", "lines-0-pillar": "clearance", "lines-0-amount": "1000"}
        if kind == "agreement":
            return {"ref": "AG-DE-1", "pledge_id": 0, "donor_id": orgs["Germany"], "recipient_id": orgs["HALO Trust"],
                    "signed_on": "2025-04-01", "start_on": "2025-04-01", "end_on": "2026-12-31", "support": "cash",
                    "currency": "EUR", "notes": f"edit {n}", "version": "1",
                    "lines-0-year": "2025", "lines-0-pillar": "clearance", "lines-0-amount": "1000"}
        return {"name": "HALO Trust", "kind": "ngo", "country": "GB", "contact": f"edit {n}", "aliases": "", "version": "1"}

    clients = [_login(app, make_user("co-chair")) for _ in range(2)]
    tokens = [csrf_token(c, url) for c in clients]  # both opened the edit page

    def save(n):
        def action(barrier):
            barrier.wait()
            response = clients[n].post(url, data={**form(n), "csrf_token": tokens[n]})
            return response.status_code, response.get_data(as_text=True)
        return action

    results = in_parallel(save(0), save(1))
    assert sorted(status for status, _ in results) == [302, 409], [s for s, _ in results]
    page = next(body for status, body in results if status == 409)
    assert "changed by" in page and "nothing was saved" in page
    winner = next(n for n, (status, _) in enumerate(results) if status == 302)
    with app.app_context():
        model = {"pledge": Pledge, "agreement": Commitment, "organisation": Organisation}[kind]
        stored = get_session().get(model, record_id)
        assert stored.version == 2
        assert (stored.contact if kind == "organisation" else stored.notes) == f"edit {winner}"


def _hold_write_lock(app, *, on_row=None):
    """Open a transaction that writes and keeps its locks: the whole database on SQLite, a row on PostgreSQL."""
    engine = app.extensions["engine"]
    conn = engine.connect().execution_options(**{WRITE_TRANSACTION: True})
    conn.begin()
    conn.execute(sa.insert(Organisation.__table__).values(name="Being imported", kind="ngo", version=1,
                                                          created_at=sa.func.current_timestamp()))
    if on_row is not None:
        conn.execute(sa.select(Organisation.__table__.c.id).where(Organisation.__table__.c.id == on_row).with_for_update())
    return conn


def test_pages_answer_while_another_transaction_writes(app, orgs, make_user):
    readers = [_login(app, make_user("co-chair")) for _ in range(2)]  # logged in before the import starts
    writer = _hold_write_lock(app)  # a long import, in the middle of its transaction
    try:
        def read(n, url):
            def action(barrier):
                barrier.wait()
                response = readers[n].get(url)
                return response.status_code, response.get_data(as_text=True)
            return action

        (listing_status, listing), (home_status, _) = in_parallel(read(0, "/organisations/"), read(1, "/"))
    finally:
        writer.rollback()
        writer.close()
    assert (listing_status, home_status) == (200, 200)
    assert "HALO Trust" in listing and "Being imported" not in listing  # what was committed, not what is being written


def test_a_save_that_cannot_get_the_lock_gets_the_busy_page_and_saves_nothing(database_url, app, orgs, make_user, tmp_path):
    quick = create_app("test", DATABASE_URL=database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"), DB_LOCK_TIMEOUT=0.2)
    try:
        client = _login(quick, make_user("co-chair"))
        url = f"/organisations/{orgs['HALO Trust']}/edit"
        data = {"name": "HALO Trust", "kind": "ngo", "country": "GB", "contact": "blocked", "aliases": "", "version": "1",
                "csrf_token": csrf_token(client, url)}
        writer = _hold_write_lock(app, on_row=orgs["HALO Trust"])
        answer: list = []
        saver = threading.Thread(target=lambda: answer.append(client.post(url, data=data)))
        saver.start()
        saver.join(timeout=60)  # never hang the suite: without a lock timeout the save would wait for ever
        writer.rollback()
        writer.close()
        saver.join()
        response = answer[0]
        body = response.get_data(as_text=True)
        assert response.status_code == 503, body[:300]
        assert int(response.headers["Retry-After"]) > 0
        assert "Busy, try again" in body and "nothing was saved" in body and "Traceback" not in body
        with app.app_context():
            stored = get_session().get(Organisation, orgs["HALO Trust"])
            assert (stored.contact, stored.version) == (None, 1)
        data["csrf_token"] = csrf_token(client, url)
        assert client.post(url, data=data).status_code == 302  # once the lock is gone, the same form goes through
    finally:
        quick.extensions["engine"].dispose()
