"""Login throttling: per account from an address and per address, with waits that expire; atomic under bursts."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import func, select

from conftest import PASSWORD, csrf_token
from uxo_swg.auth import throttle
from uxo_swg.db import get_session
from uxo_swg.models import LoginAttempt, utcnow

GUESSER, OWNER = "203.0.113.7", "198.51.100.20"


def attempt(client, email, password, address):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def clock(monkeypatch):
    """Move the throttle's clock forward by a timedelta."""
    offset = [timedelta(0)]
    monkeypatch.setattr(throttle, "utcnow", lambda: utcnow() + offset[0])

    def advance(by: timedelta) -> None:
        offset[0] += by

    return advance


def test_the_owner_logs_in_from_another_address_while_the_guesser_waits(app, make_user, clock):
    email = make_user("reviewer")
    guesser, owner = app.test_client(), app.test_client()
    for _ in range(5):
        wrong = attempt(guesser, email, "not the password", GUESSER)
        assert wrong.status_code == 200 and "not right" in wrong.get_data(as_text=True)
    waits = attempt(guesser, email, PASSWORD, GUESSER)  # even the right password: this address must wait
    assert waits.status_code == 429 and "Wait 1 minute" in waits.get_data(as_text=True)
    assert 0 < int(waits.headers["Retry-After"]) <= 60
    assert attempt(owner, email, PASSWORD, OWNER).status_code == 302  # the account itself is not locked
    clock(timedelta(minutes=1, seconds=1))
    again = attempt(guesser, email, "still not it", GUESSER)  # the wait is over: one more try is checked ...
    assert again.status_code == 200 and "not right" in again.get_data(as_text=True)
    longer = attempt(guesser, email, "still not it", GUESSER)  # ... and the next wait is twice as long
    assert longer.status_code == 429 and 60 < int(longer.headers["Retry-After"]) <= 120


def test_five_guesses_every_quarter_hour_never_lock_the_owner_out(app, make_user, clock):
    email = make_user("reviewer")
    guesser, owner = app.test_client(), app.test_client()
    for _ in range(4):  # an hour of slow guessing
        statuses = [attempt(guesser, email, "a guess", GUESSER).status_code for _ in range(5)]
        assert attempt(owner, email, PASSWORD, OWNER).status_code == 302
        clock(timedelta(minutes=15))
    assert statuses == [200, 429, 429, 429, 429]  # after the first five, one guess per wait, each wait longer
    assert _checked(app, email=email, address=GUESSER) == 5 + 1 + 1 + 1


def test_a_quiet_address_is_forgotten(app, make_user, clock):
    email = make_user("reviewer")
    client = app.test_client()
    for _ in range(5):
        attempt(client, email, "typo typo typo", OWNER)
    assert attempt(client, email, PASSWORD, OWNER).status_code == 429
    clock(timedelta(minutes=1) + throttle.FORGET_AFTER + timedelta(seconds=1))
    assert attempt(client, email, PASSWORD, OWNER).status_code == 302


def test_twenty_failures_from_an_address_make_it_wait_not_the_accounts(app, make_user, clock):
    real = make_user("reviewer")
    sprayer = app.test_client()
    for n in range(20):
        assert attempt(sprayer, f"guess{n}@example.org", "nope nope nope", GUESSER).status_code == 200
    assert attempt(sprayer, real, PASSWORD, GUESSER).status_code == 429
    assert attempt(app.test_client(), real, PASSWORD, OWNER).status_code == 302
    clock(timedelta(minutes=1, seconds=1))
    assert attempt(app.test_client(), real, PASSWORD, GUESSER).status_code == 302  # the address's wait expired


def test_a_success_gives_its_count_back(app, make_user):
    email = make_user("reviewer")
    client = app.test_client()
    for _ in range(4):
        attempt(client, email, "typo typo typo", OWNER)
    assert attempt(client, email, PASSWORD, OWNER).status_code == 302
    other = app.test_client()
    for _ in range(4):  # the count started again at the success
        assert attempt(other, email, "typo typo typo", OWNER).status_code == 200
    assert attempt(other, email, PASSWORD, OWNER).status_code == 302


def _burst(app, logins, address):
    """Send the (email, password) logins at once from the address, each from its own browser; return the statuses."""
    clients = [app.test_client() for _ in logins]
    tokens = [csrf_token(c) for c in clients]
    barrier = threading.Barrier(len(logins), timeout=60)
    statuses = [None] * len(logins)

    def send(n):
        barrier.wait()
        email, password = logins[n]
        statuses[n] = clients[n].post("/login", data={"email": email, "password": password, "csrf_token": tokens[n]},
                                      environ_base={"REMOTE_ADDR": address}).status_code

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(logins))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return statuses


def _checked(app, **where):
    with app.app_context():
        query = select(func.count()).select_from(LoginAttempt)
        for key, value in where.items():
            query = query.where(getattr(LoginAttempt, key) == value)
        return get_session().exec(query).one()


def test_a_burst_of_guesses_at_one_account_checks_at_most_five(app, make_user):
    email = make_user("reviewer")
    statuses = _burst(app, [(email, f"guess {n}") for n in range(8)], GUESSER)
    assert sorted(statuses) == [200] * 5 + [429] * 3
    assert _checked(app, email=email) == 5


def test_a_burst_of_guesses_from_one_address_checks_at_most_twenty(app, make_user):
    statuses = _burst(app, [(f"spray{n}@example.org", "nope nope nope") for n in range(24)], GUESSER)
    assert sorted(statuses) == [200] * 20 + [429] * 4
    assert _checked(app, address=GUESSER) == 20
