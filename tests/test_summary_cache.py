"""The summary cache: computed once per change of the data, never served stale, shared through the database."""
import json
import re
import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from conftest import PASSWORD, csrf_token
from returns_workbooks import SPEND, add_organisations, return_workbook, xlsx
from uxo_swg import funding
from uxo_swg.db import get_engine, get_session
from uxo_swg.models import Amendment, Commitment, Disbursement, SummaryCache, User, utcnow
from uxo_swg.pledges.agreements import AgreementData, AmendmentData, record_amendment, save_agreement
from uxo_swg.pledges.services import PledgeData, cancel, save_pledge, save_record
from uxo_swg.rates import import_rates
from uxo_swg.returns.services import import_return
from uxo_swg.summaries import cache, services

D = Decimal
DRAFT = "/summaries/swg/2025-H2/all"
EXPORT = f"{DRAFT}/export.json"


@pytest.fixture
def computations(monkeypatch):
    """Count the summaries computed (every computation goes through services.compute_summary)."""
    calls = []
    real = services.compute_summary

    def counting(scope, **kw):
        calls.append(scope)
        return real(scope, **kw)

    monkeypatch.setattr(services, "compute_summary", counting)
    return calls


@pytest.fixture
def records(app):
    """Organisations, an agreement of US$ 3,000 and two disbursements: US$ 1,000 and LAK 20,000,000 (no rate yet)."""
    with app.app_context():
        session = get_session()
        ids = add_organisations(session)
        save_agreement(AgreementData("AG-1", None, ids["Japan"], ids["HALO Trust"], date(2025, 7, 1), date(2025, 7, 1),
                                     date(2026, 6, 30), "USD", "cash", "", [(2025, "clearance", D(3000))]), session=session)
        paid = save_record(Disbursement, _disbursement(ids, "1000", "USD"), session=session)
        save_record(Disbursement, {**_disbursement(ids, "20000000", "LAK"), "paid_on": date(2025, 8, 2)}, session=session)
        return {**ids, "paid": paid.id}


def _disbursement(ids, amount, currency):
    return {"donor_id": ids["Japan"], "recipient_id": ids["HALO Trust"], "paid_on": date(2025, 8, 1),
            "pillar_code": "clearance", "province_code": None, "amount": D(amount), "currency": currency,
            "agreement_ref": "AG-1", "support": "cash", "notes": ""}


def _totals(client):
    response = client.get(EXPORT)
    assert response.status_code == 200
    return json.loads(response.data)["totals"]


def _pledge(app, ids):
    save_pledge(PledgeData("PL-1", ids["Japan"], None, date(2025, 7, 10), "", "USD", False, "",
                           [(2025, "clearance", D(5000))]), session=get_session())


def _agreement(app, ids):
    save_agreement(AgreementData("AG-2", None, ids["Japan"], ids["HALO Trust"], date(2025, 8, 15), date(2025, 8, 15),
                                 date(2026, 6, 30), "USD", "cash", "", [(2025, "clearance", D(2000))]), session=get_session())


def _amendment(app, ids):
    agreement = get_session().exec(select(Commitment).where(Commitment.ref == "AG-1")).one()
    record_amendment(agreement.id, AmendmentData(date(2025, 9, 1), "increase", 2025, "clearance", D(500), None,
                                                 "more money"), session=get_session())


def _disbursed(app, ids):
    save_record(Disbursement, {**_disbursement(ids, "250", "USD"), "paid_on": date(2025, 9, 1)}, session=get_session())


def _cancel(app, ids):
    cancel(Disbursement, ids["paid"], 1, session=get_session())


def _return(app, ids):
    data = xlsx(return_workbook(receipts=(), expenditure=(SPEND,), outputs=None))
    assert import_return(data, "halo.xlsx", session=get_session(), actor="test").status == "stored"


def _rate(app, ids):
    new = import_rates(b"date,currency,units_per_usd,source\n2025-08-02,LAK,20000,BCEL\n", "lak.csv",
                       session=get_session(), actor="test", via="cli")
    assert new == 1


@pytest.mark.parametrize("change, figure, before, after", [
    (_pledge, "pledged", "0.00", "5000.00"),
    (_agreement, "committed", "3000.00", "5000.00"),
    (_amendment, "committed", "3000.00", "3500.00"),
    (_disbursed, "disbursed", "1000.00", "1250.00"),
    (_cancel, "disbursed", "1000.00", "0.00"),
    (_return, "spent", "0.00", "80000.00"),
    (_rate, "disbursed", "1000.00", "2000.00"),
], ids=["pledge", "agreement", "amendment", "disbursement", "cancel", "return", "rate"])
def test_a_cached_summary_is_computed_again_after_any_change_of_its_records(app, client, login, records, computations,
                                                                            change, figure, before, after):
    login("co-chair")
    assert _totals(client)[figure] == before
    assert _totals(client)[figure] == before
    assert len(computations) == 1  # the second request was served from the cache

    with app.app_context():
        change(app, records)

    assert _totals(client)[figure] == after
    assert len(computations) == 2


def test_twenty_requests_after_one_change_cost_one_computation(app, client, login, records, computations):
    login("reviewer")
    first = client.get(DRAFT).get_data(as_text=True)
    assert "1,000.00" in first
    with app.app_context():
        _disbursed(app, records)
    pages = [client.get(DRAFT).get_data(as_text=True) for _ in range(20)]
    assert len(computations) == 2
    assert all("1,250.00" in page for page in pages)
    with app.app_context():  # one row per scope: the document of the version before was pruned
        rows = get_session().exec(select(SummaryCache)).all()
        assert [(r.scope, r.payload is not None) for r in rows] == [("swg|2025-H2|", True)]


def test_a_comment_or_a_login_leaves_the_cached_summary_valid(app, client, login, make_user, records, computations):
    email = login("co-chair")
    _totals(client)
    with app.app_context():
        session = get_session()
        user = session.exec(select(User).where(User.email == email)).one()
        services.add_comment(services.scope_of("swg", "2025-H2"), "Check the LAK rate", user, session=session)
    other = app.test_client()  # someone else logs in
    response = other.post("/login", data={"email": make_user("reviewer"), "password": PASSWORD,
                                          "csrf_token": csrf_token(other)})
    assert response.status_code == 302
    assert _totals(other)["disbursed"] == "1000.00"
    assert len(computations) == 1


def test_a_document_computed_while_the_data_changed_is_not_kept(app, records):
    """A change committed during the computation: the document is served, never stored under the version read before."""
    calls = []

    def compute_while_someone_saves():
        calls.append(1)
        if len(calls) == 1:
            with Session(get_engine()) as other:
                other.add(Disbursement(**{**_disbursement(records, "7", "USD"), "paid_on": date(2025, 9, 2)}))
                other.commit()
        return {"n": len(calls)}

    with app.app_context():
        assert cache.cached("test|1|", compute_while_someone_saves, session=get_session()) == {"n": 1}
        session = get_session()
        session.rollback()  # a new request: a new transaction
        assert session.exec(select(SummaryCache)).all() == []
        assert cache.cached("test|1|", compute_while_someone_saves, session=session) == {"n": 2}
        session.rollback()
        assert cache.cached("test|1|", compute_while_someone_saves, session=session) == {"n": 2}
        assert len(calls) == 2


def test_a_request_waits_for_the_document_another_worker_is_computing(app, records, monkeypatch):
    monkeypatch.setattr(cache, "POLL_SECONDS", 0.02)
    with app.app_context():
        session = get_session()
        version, epoch = cache.read_version(session.connection())
        key = ("test|2|", version, cache._fingerprint(epoch))
        engine = cache._side_engine(session)
        assert cache._claim(engine, key, (version, epoch)) == ("mine", None)  # another worker's claim

        def the_other_worker_finishes():
            time.sleep(0.2)
            cache._store(engine, key, (version, epoch), json.dumps({"from": "the other worker"}))

        worker = threading.Thread(target=the_other_worker_finishes)
        worker.start()
        found = cache.cached("test|2|", lambda: pytest.fail("computed a second time"), session=session)
        worker.join()
        assert found == {"from": "the other worker"}


def test_an_abandoned_claim_is_taken_over(app, records):
    with app.app_context():
        session = get_session()
        version, epoch = cache.read_version(session.connection())
        key = ("test|3|", version, cache._fingerprint(epoch))
        engine = cache._side_engine(session)
        cache._claim(engine, key, (version, epoch))
        with engine.begin() as conn:  # its worker died three minutes ago
            conn.execute(sa.update(SummaryCache).values(created_at=utcnow() - timedelta(minutes=3)))
        assert cache.cached("test|3|", lambda: {"computed": "here"}, session=session) == {"computed": "here"}
        session.rollback()
        assert cache.cached("test|3|", lambda: pytest.fail("computed again"), session=session) == {"computed": "here"}


def test_a_published_version_is_served_without_computing(app, client, login, records, computations):
    login("co-chair")
    client.get(DRAFT)
    with app.app_context():
        session = get_session()
        user = session.exec(select(User).where(User.roles.contains("co-chair"))).first()
        _rate(app, records)  # every amount has a rate: it can be published
        version = services.publish(services.scope_of("swg", "2025-H2"), user, session=session)
    done = len(computations)
    for _ in range(3):
        page = client.get(f"/summaries/published/{version.id}")
        assert page.status_code == 200 and "2,000.00" in page.get_data(as_text=True)
        assert json.loads(client.get(f"/summaries/published/{version.id}/export.json").data)["totals"]["disbursed"] == "2000.00"
    assert len(computations) == done


def test_the_home_page_figures_are_computed_once_per_change(app, client, login, records, monkeypatch):
    calls = []
    real = funding.year_at_a_glance
    monkeypatch.setattr(funding, "year_at_a_glance", lambda period, **kw: calls.append(period) or real(period, **kw))
    login("reviewer")
    assert "1,000.00" in client.get("/?year=2025").get_data(as_text=True)
    assert "LAK" in client.get("/?year=2025").get_data(as_text=True)  # the amount left out, said in words
    # The year asked for, and the current year (whose missing rates the to-do list names): each once.
    once = sorted({p.year for p in calls})
    assert sorted(p.year for p in calls) == once and 2025 in once
    with app.app_context():
        _rate(app, records)
    page = client.get("/?year=2025").get_data(as_text=True)
    assert "2,000.00" in page and sorted(p.year for p in calls) == sorted(once * 2)


def test_the_data_version_moves_with_every_kind_of_write_and_only_with_data(app):
    from uxo_swg.data_version import read_version
    from uxo_swg.db import bulk_insert
    from uxo_swg.models import Organisation

    with app.app_context():
        session = get_session()

        def counter():
            session.rollback()  # a new transaction sees what was committed
            return read_version(session.connection())[0]

        start = counter()
        session.add(Organisation(name="Ireland", kind="donor"))
        session.commit()  # an ORM insert
        assert counter() == start + 1
        session.execute(sa.update(Organisation).values(name="Irish Aid"))
        session.commit()  # a Core UPDATE
        assert counter() == start + 2
        bulk_insert(session, Organisation.__table__, [{"name": f"Donor {n}", "kind": "donor", "version": 1,
                                                        "created_at": utcnow()} for n in range(3)])
        session.commit()  # COPY on PostgreSQL, executemany on SQLite
        assert counter() == start + 3
        session.execute(sa.text("DELETE FROM organisation WHERE name = 'Donor 0'"))
        session.commit()  # plain SQL
        assert counter() == start + 4
        session.execute(sa.text("DELETE FROM organisation WHERE name = 'Donor 1'"))
        session.rollback()  # nothing stored: nothing moves
        assert counter() == start + 4
        session.execute(sa.update(User).values(active=True))
        session.commit()  # bookkeeping that no summary reads
        assert counter() == start + 4


def test_clear_cache_after_a_change_made_by_hand(app, runner, records, computations):
    """A change made outside the application (psql) is not seen until the cache is cleared."""
    scope = services.scope_of("swg", "2025-H2")
    with app.app_context():
        assert services.draft_summary(scope, session=get_session())[0]["totals"]["disbursed"] == "1000.00"
    engine = sa.create_engine(app.config["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:  # not the application's engine: nothing moves the data version
        conn.execute(sa.text("UPDATE disbursement SET amount = amount * 2"))
    engine.dispose()
    result = runner.invoke(args=["summary", "clear-cache"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert services.draft_summary(scope, session=get_session())[0]["totals"]["disbursed"] == "2000.00"
    assert len(computations) == 2


RECORDS = f"{DRAFT}/records?figure=totals|disbursed"


def _drill_down(client) -> tuple[str, list[str]]:
    page = client.get(RECORDS).get_data(as_text=True)
    total = re.search(r'<span id="records-total">([^<]+)</span>', page).group(1)
    return total, re.findall(r"<td>#(\d+)", page)


def test_the_records_behind_a_figure_are_counted_once_per_change_and_follow_a_changed_record(app, client, login, records,
                                                                                               computations):
    login("co-chair")
    assert _drill_down(client) == ("1,000.00", [str(records["paid"])])  # the LAK payment has no rate yet
    assert _drill_down(client) == ("1,000.00", [str(records["paid"])])
    assert len(computations) == 1  # the second click was served from the cache
    with app.app_context():  # one record behind the figure changes: US$ 1,000 becomes 1,500
        session = get_session()
        paid = session.get(Disbursement, records["paid"])
        save_record(Disbursement, _disbursement(records, "1500", "USD"), session=session, record_id=paid.id,
                    version=paid.version)
    assert _drill_down(client) == ("1,500.00", [str(records["paid"])])
    assert len(computations) == 2
    with app.app_context():
        cancel(Disbursement, records["paid"], 2, session=get_session())
    assert _drill_down(client) == ("0.00", [])
    assert client.get(f"{DRAFT}/records?figure=totals|committed").status_code == 200  # another figure: its own records
    assert len(computations) == 4
