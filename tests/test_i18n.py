"""Lao and English: the catalogue is complete and compiled, the switch is remembered, numbers and dates follow it."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from conftest import PASSWORD, csrf_token
from uxo_swg.db import get_session
from uxo_swg.models import AuditLog, Disbursement, Organisation, User

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "lo" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def _catalogue(path: Path):
    with path.open("rb") as f:
        return read_mo(f) if path.suffix == ".mo" else read_po(f)


def _key(message) -> tuple[str | None, str]:
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


# --- the catalogue ------------------------------------------------------------------------

def test_every_message_has_a_lao_translation():
    untranslated = [_key(m) for m in _catalogue(PO) if m.id and (
        "fuzzy" in m.flags or not (m.string if isinstance(m.string, str) else all(m.string)))]
    assert not untranslated, f"{len(untranslated)} message(s) without a Lao translation: {untranslated[:20]}"


def test_translations_keep_their_placeholders():
    problems = [(_key(m), errors) for m, errors in _catalogue(PO).check()]
    assert not problems, problems[:10]


def test_the_compiled_catalogue_is_the_po_file_compiled():
    """The committed .mo holds exactly the .po's translations (run `make translations` after editing the .po)."""
    def pairs(catalogue):
        return {_key(m): m.string if isinstance(m.string, str) else tuple(m.string) for m in catalogue if m.id}

    assert pairs(_catalogue(MO)) == pairs(_catalogue(PO)), "messages.mo is out of date: run `make translations`"


def test_the_catalogue_has_every_string_of_the_templates_and_code(tmp_path):
    """Extract afresh (as `make translations` does): no string shown to users is missing from the .po."""
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                                "-k", "lazy_ngettext:1,2", "-k", "N_", "-o", str(pot), str(ROOT)])
    extracted = {_key(m) for m in _catalogue(pot) if m.id}
    catalogued = {_key(m) for m in _catalogue(PO) if m.id}
    assert len(extracted) > 500
    assert extracted - catalogued == set(), f"not in the catalogue (run `make translations`): {sorted(extracted - catalogued, key=str)[:20]}"
    assert catalogued - extracted == set(), f"no longer used (run `make translations`): {sorted(catalogued - extracted, key=str)[:20]}"


# --- the language switch ----------------------------------------------------------------

def _switch(client, lang: str, next_url: str = "/"):
    return client.post("/language", data={"lang": lang, "next": next_url, "csrf_token": csrf_token(client, next_url)})


def _lang_of(page: str) -> str:
    return re.search(r'<html lang="(\w+)"', page).group(1)


def test_a_visitor_gets_the_browsers_language_and_can_switch(client):
    assert _lang_of(client.get("/login").get_data(as_text=True)) == "en"
    lao = client.get("/login", headers={"Accept-Language": "lo-LA,lo;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert _lang_of(lao) == "lo" and "ເຂົ້າສູ່ລະບົບ" in lao and "Log in" not in lao.split("</header>")[1]
    assert _lang_of(client.get("/login", headers={"Accept-Language": "fr,th;q=0.8"}).get_data(as_text=True)) == "en"
    response = _switch(client, "lo", "/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)  # the session's choice wins
    assert _lang_of(page) == "lo" and 'lang="lo" class="link" aria-pressed="true"' in page
    assert _switch(client, "xx", "/login").status_code == 400


def test_a_users_choice_is_stored_audited_and_follows_them_to_another_browser(app, client, make_user):
    email = make_user("reviewer")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert _lang_of(client.get("/", headers={"Accept-Language": "lo"}).get_data(as_text=True)) == "lo"  # not chosen yet
    _switch(client, "en")
    assert _lang_of(client.get("/", headers={"Accept-Language": "lo"}).get_data(as_text=True)) == "en"
    _switch(client, "lo")
    with app.app_context():
        session = get_session()
        user = session.exec(sa.select(User).where(User.email == email)).scalar_one()
        assert user.language == "lo"
        changes = session.exec(sa.select(AuditLog).where(AuditLog.entity == "user", AuditLog.action == "update")
                               .order_by(AuditLog.id)).scalars().all()
        assert [(c.actor, c.via, c.after) for c in changes] == [
            (email, "form", '{"language": "en"}'), (email, "form", '{"language": "lo"}')]
    other = app.test_client()  # a new browser that asks for English
    other.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(other)},
               headers={"Accept-Language": "en"})
    page = other.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang_of(page) == "lo" and "ພາບລວມ" in page


def test_a_choice_made_before_logging_in_survives_the_login(client, make_user):
    email = make_user("reviewer")
    _switch(client, "lo", "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert _lang_of(client.get("/").get_data(as_text=True)) == "lo"


def test_the_api_and_json_errors_stay_in_english(client):
    _switch(client, "lo", "/login")
    answer = client.get("/api/v1/organisations", headers={"Accept-Language": "lo"})
    assert answer.status_code == 401 and answer.is_json and answer.get_json()["error"].isascii()


# --- numbers, dates and names in Lao --------------------------------------------------

def test_the_home_page_in_lao_formats_numbers_dates_and_names(app, client, login):
    with app.app_context():
        session = get_session()
        donor = Organisation(name="Japan", kind="donor")
        operator = Organisation(name="UXO Lao", kind="national-operator")
        session.add_all([donor, operator])
        session.flush()
        session.add(Disbursement(donor_id=donor.id, recipient_id=operator.id, paid_on=date(2025, 3, 31),
                                 pillar_code="clearance", amount=Decimal("1234567.50"), currency="USD"))
        session.commit()
    login("co-chair")
    _switch(client, "lo", "/?year=2025")
    home = client.get("/?year=2025").get_data(as_text=True)
    assert "US$ 1.234.567,50" in home  # Lao groups with points and uses a comma for decimals (CLDR)
    assert "ການສຳຫຼວດ ແລະ ເກັບກູ້" in home and "Survey and Clearance" not in home
    listing = client.get("/disbursements/").get_data(as_text=True)
    assert "31 ມ.ນ. 2025" in listing and "1.234.567,50 USD" in listing
    _switch(client, "en", "/?year=2025")
    assert "US$ 1,234,567.50" in client.get("/?year=2025").get_data(as_text=True)
    assert "2025-03-31" in client.get("/disbursements/").get_data(as_text=True)


def test_times_are_shown_in_vientiane_time(app):
    from uxo_swg.i18n import date_text, datetime_text, money_text, percent_text

    moment = datetime(2025, 3, 31, 20, 30, tzinfo=timezone.utc)  # 03:30 the next day in Vientiane (UTC+7)
    with app.test_request_context(headers={"Accept-Language": "lo"}):
        assert datetime_text(moment) == "1 ມ.ສ. 2025 03:30"
        assert date_text(date(2025, 3, 31)) == "31 ມ.ນ. 2025"
        assert money_text(Decimal("1500000"), "JPY") == "1.500.000" and money_text("12.5", "KWD") == "12,500"
        assert percent_text(Decimal("0.4567")) == "45,7%"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert datetime_text(moment) == "2025-04-01 03:30"
        assert money_text(Decimal("1500000"), "JPY") == "1,500,000" and percent_text(Decimal("0.4567")) == "45.7%"


def test_the_lao_font_is_served_with_its_licence(client):
    with client.get("/static/app.css") as css:
        assert 'url("fonts/NotoSansLao-Regular.woff2")' in css.get_data(as_text=True)
    for name in ("NotoSansLao-Regular.woff2", "NotoSansLao-Bold.woff2"):
        with client.get(f"/static/fonts/{name}") as font:
            assert font.status_code == 200 and font.data[:4] == b"wOF2" and len(font.data) < 50_000
    with client.get("/static/fonts/OFL.txt") as licence:
        assert "SIL OPEN FONT LICENSE Version 1.1" in licence.get_data(as_text=True)


def test_amounts_typed_on_a_lao_page_are_read_as_lao_writes_them(demo_app, client, login):
    # Lao pages show 1.000.000,50: typed back the same way it is a million, and 1.000 is a thousand, never 1.
    from sqlmodel import select

    from uxo_swg.models import Pledge, PledgeLine

    login("co-chair")
    _switch(client, "lo", "/pledges/")
    with demo_app.app_context():
        germany = get_session().exec(select(Organisation).where(Organisation.name == "Germany")).one().id
    form = {"ref": "PL-LO-2025", "donor_id": germany, "recipient_id": 0, "announced_on": "2025-03-14",
            "announced_at": "", "currency": "EUR", "notes": "",
            "lines-0-year": "2025", "lines-0-pillar": "clearance", "lines-0-amount": "1.000.000,50",
            "lines-1-year": "2026", "lines-1-pillar": "clearance", "lines-1-amount": "1.000",
            "lines-2-year": "2027", "lines-2-pillar": "va", "lines-2-amount": "2500,25",
            "lines-3-year": "2028", "lines-3-pillar": "va", "lines-3-amount": "1234.50"}
    response = client.post("/pledges/new", data={**form, "csrf_token": csrf_token(client, "/pledges/new")})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with demo_app.app_context():
        s = get_session()
        pledge = s.exec(select(Pledge).where(Pledge.ref == "PL-LO-2025")).one()
        amounts = sorted((ln.year, ln.amount) for ln in s.exec(select(PledgeLine).where(PledgeLine.pledge_id == pledge.id)))
    assert amounts == [(2025, Decimal("1000000.50")), (2026, Decimal("1000")), (2027, Decimal("2500.25")),
                       (2028, Decimal("1234.50"))]
