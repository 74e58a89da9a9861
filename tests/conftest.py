"""Fixtures: an app on a fresh database per test, SQLite by default, PostgreSQL when asked.

Set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run the same suite on
PostgreSQL: every test then gets a schema of its own, dropped afterwards.
"""
from __future__ import annotations

import os

import pytest

from uxo_swg import create_app
from uxo_swg.db import get_session, scratch_schema
from db_templates import Templates

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture
def database_url(tmp_path):
    """Return the URL of an empty database that lives for one test."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    with scratch_schema(PG_URL, "t") as url:
        yield url


@pytest.fixture
def empty_app(database_url, tmp_path):
    """Return an app on a database with no tables at all."""
    app = create_app("test", DATABASE_URL=database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture(scope="session")
def templates():
    """The migrated and demo databases, built once per run and copied into each test's database."""
    built = Templates(PG_URL)
    yield built
    built.close()


def _no_records(url: str) -> None:
    """Nothing beyond what the migrations create."""


def _demo_records(url: str) -> None:
    from uxo_swg.demo import load_demo

    app = create_app("test", DATABASE_URL=url)
    with app.app_context():
        load_demo(session=get_session())
    app.extensions["engine"].dispose()


@pytest.fixture
def app(empty_app, database_url, templates):
    """Return an app on a database at the latest migration (reference data, no records)."""
    templates.copy_into(database_url, "migrated", _no_records)
    empty_app.extensions["engine"].dispose()
    return empty_app


@pytest.fixture
def session(app):
    """Return a database session inside an app context."""
    with app.app_context():
        yield get_session()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo_app(app, database_url, templates):
    """Return an app whose database holds the demo data set (as `uxo-swg demo` loads it)."""
    templates.copy_into(database_url, "demo", _demo_records)
    app.extensions["engine"].dispose()
    return app


PASSWORD = "a long test password"


def csrf_token(client, url="/login"):
    """Return the CSRF token of the client's session, read from a page with a form."""
    import re

    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


@pytest.fixture
def make_user(app):
    """Return a function that creates a user with roles (and organisation) and returns its e-mail."""
    from uxo_swg.accounts import create_user

    counter = iter(range(1, 10_000))

    def make(*roles, organisation=None, email=None):
        email = email or f"{'-'.join(roles) or 'nobody'}{next(counter)}@example.org"
        with app.app_context():
            create_user(email, list(roles), PASSWORD, organisation=organisation, session=get_session(), actor="test", via="cli")
        return email

    return make


@pytest.fixture
def login(client, make_user):
    """Return a function that logs the test client in as a new user with the roles."""

    def do(*roles, organisation=None):
        email = make_user(*roles, organisation=organisation)
        token = csrf_token(client)
        response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return email

    return do


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def live_server(app):
    """Serve the app on a free port of 127.0.0.1 in a thread; return its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def _chromium():
    """Start Debian's chromium once per test run through Playwright (skip where absent)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium): browser tests skipped")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(_chromium, live_server):
    """Return a fresh browser page (own cookies) whose relative URLs go to the live server."""
    context = _chromium.new_context(base_url=live_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def browser_login(page, email, password=PASSWORD):
    """Log in through the login form, as a person would."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("input[type=submit][value='Log in']")
    page.wait_for_url(lambda url: "/login" not in url)
