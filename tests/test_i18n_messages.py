"""Sentences made in Python reach a Lao user in Lao: file errors, refusals, money errors, notices and e-mails.

The domain, importers and services say what is wrong with an English template and its values
(`uxo_swg.domain.messages`); a Lao page translates the template and fills in the same values. The
CLI, the JSON API and English pages keep the English sentences (the other tests assert them).
"""
from __future__ import annotations

import io
import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlmodel import select

from conftest import csrf_token
from returns_workbooks import add_organisations, return_workbook, xlsx
from uxo_swg.db import get_session
from uxo_swg.models import Notice, OperatorReturn, Pledge, User

from test_i18n import PO
from test_pledges_web import make_pledge, pledge_form, post


def _lao(client, page: str = "/") -> None:
    response = client.post("/language", data={"lang": "lo", "next": page, "csrf_token": csrf_token(client, page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def _organisations(app) -> None:
    # Not the `session` fixture: its app context would be shared by the client's requests, and with it the
    # language Flask-Babel caches on `g` for the first of them.
    with app.app_context():
        add_organisations(get_session())


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _upload(client, url: str, content: bytes, filename: str, page: str | None = None):
    """Post a file as the page's form does (with the page's CSRF token)."""
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _problem_rows(page: str) -> list[list[str]]:
    """Return the cells of the preview's problem table: level, sheet, row, column, sentence."""
    table = re.search(r'<table class="figures problems">(.*?)</table>', page, re.S).group(1)
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr class=\"(?:error|warning)\">(.*?)</tr>", table, re.S)]


# --- (a) a bad return's located errors ---------------------------------------------------

def test_a_bad_return_lists_its_located_errors_in_lao(app, client, login):
    _organisations(app)
    login("operator", organisation="HALO Trust")
    _lao(client, "/returns/")
    bad = return_workbook(receipts=[[date(2025, 8, 1), "Atlantis", None, None, "", None, "12,0x", "USD", None]])
    response = client.post("/returns/upload", data={"csrf_token": csrf_token(client, "/returns/"),
                                                    "file": (io.BytesIO(xlsx(bad)), "return.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = _text(response)
    rows = {(sheet, row, column.split(" ")[0]): sentence for _level, sheet, row, column, sentence in _problem_rows(page)}
    assert rows[("Funds received", "2", "B")] == ("ບໍ່ມີຜູ້ໃຫ້ທຶນໃດຊື່ 'Atlantis'. ກະລຸນາຂໍໃຫ້ກອງເລຂາເພີ່ມ, "
                                                  "ຫຼື ໃຊ້ຊື່ທີ່ລົງທະບຽນໄວ້.")
    assert rows[("Funds received", "2", "E")].startswith("ຂາດເສົາຄ້ຳ: ໃຊ້ clearance")
    assert rows[("Funds received", "2", "G")] == "'12,0x' ບໍ່ແມ່ນຕົວເລກ"
    assert "is not a number" not in page and "no donor is called" not in page
    # the preview kept on disk (read again for its other pages) still speaks Lao
    kept = list((Path(app.config["UPLOAD_FOLDER"]) / "returns").glob("*.json"))
    assert len(kept) == 1
    again = _text(client.get(f"/returns/preview/{kept[0].name.removesuffix('.json')}"))
    assert "'12,0x' ບໍ່ແມ່ນຕົວເລກ" in again and "is not a number" not in again
    with app.app_context():
        assert get_session().exec(select(OperatorReturn)).all() == []


def test_a_refused_file_says_why_in_lao(app, client, login):
    _organisations(app)
    login("operator", organisation="HALO Trust")
    _lao(client, "/returns/")
    response = client.post("/returns/upload", data={"csrf_token": csrf_token(client, "/returns/"),
                                                    "file": (io.BytesIO(b"name,amount\nx,1\n"), "return.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "ໄຟລ໌ບໍ່ແມ່ນໄຟລ໌ Excel (.xlsx)" in _text(response)


def test_the_same_bad_return_stays_english_on_an_english_page(app, client, login):
    _organisations(app)
    login("operator", organisation="HALO Trust")
    bad = return_workbook(receipts=[[date(2025, 8, 1), "Atlantis", None, None, "clearance", None, "12,0x", "USD", None]])
    response = client.post("/returns/upload", data={"csrf_token": csrf_token(client, "/returns/"),
                                                    "file": (io.BytesIO(xlsx(bad)), "return.xlsx")},
                           content_type="multipart/form-data")
    page = _text(response)
    assert "no donor is called 'Atlantis'" in page and "'12,0x' is not a number" in page


# --- (b) refusals of the pledge and agreement forms ---------------------------------------

def test_a_refused_pledge_shows_its_refusal_in_lao(demo_app, client, login):
    login("co-chair")
    _lao(client, "/pledges/new")
    twice = {"lines-1-year": "2025", "lines-1-pillar": "clearance"}  # the service refuses two lines of one year and pillar
    response = post(client, "/pledges/new", pledge_form(demo_app, **twice))
    assert response.status_code == 400
    page = _text(response)
    assert "ມີສອງແຖວທີ່ມີປີ ແລະ ເສົາຄ້ຳດຽວກັນ: ໃຫ້ລວມຈຳນວນເງິນໄວ້ໃນແຖວດຽວ" in page
    assert "two lines have the same year and pillar" not in page
    with demo_app.app_context():
        assert get_session().exec(select(Pledge).where(Pledge.ref == "PL-EU-2025")).first() is None


def test_a_conflict_on_a_lao_page_is_in_lao_and_still_a_409(demo_app, client, login, make_user):
    """The status comes from the kind of refusal, not from English words in it."""
    login("co-chair")
    pledge = make_pledge(demo_app, client)
    other, other_email = demo_app.test_client(), make_user("co-chair")
    other.post("/login", data={"email": other_email, "password": "a long test password", "csrf_token": csrf_token(other)})
    assert post(other, f"/pledges/{pledge.id}/edit", pledge_form(demo_app, version="1", **{"lines-0-amount": "1200000"})
                ).status_code == 302
    _lao(client, "/pledges/new")
    response = post(client, f"/pledges/{pledge.id}/edit", pledge_form(demo_app, version="1", **{"lines-0-amount": "9"}),
                    form_url="/pledges/new")
    page = _text(response)
    assert response.status_code == 409
    assert f"ລາຍການນີ້ຖືກແກ້ໄຂໂດຍ {other_email} ເວລາ" in page
    assert "ບໍ່ໄດ້ບັນທຶກຫຍັງ. ກະລຸນາໂຫຼດໜ້າຄືນໃໝ່ເພື່ອເບິ່ງຄ່າປັດຈຸບັນ" in page and "changed by" not in page


def test_a_refused_amendment_shows_its_refusal_in_lao(demo_app, client, login):
    login("co-chair")
    with demo_app.app_context():
        from uxo_swg.models import Commitment
        agreement = get_session().exec(select(Commitment).where(Commitment.cancelled_at.is_(None))
                                       .order_by(Commitment.id)).first()
        signed = agreement.signed_on
    _lao(client, f"/agreements/{agreement.id}")
    before = date(signed.year - 1, 1, 1).isoformat()
    response = post(client, f"/agreements/{agreement.id}/amendments",
                    {"amended_on": before, "change": "terminate", "year": "", "pillar": "", "amount": "", "new_end": "",
                     "notes": "ended early"}, form_url=f"/agreements/{agreement.id}")
    page = _text(response)
    assert response.status_code == 400, page[:2000]
    assert f"ການປັບປຸງລົງວັນທີ {before}, ກ່ອນວັນເຊັນຂໍ້ຕົກລົງ ({signed})" in page
    assert "before the agreement was signed" not in page


# --- (c) money parsing errors ---------------------------------------------------------------

@pytest.mark.parametrize("amount, lao", [
    ("12x", "'12x' ບໍ່ແມ່ນຕົວເລກ"),
    ("1.000,505", "EUR ມີທົດສະນິຍົມ 2 ຕຳແໜ່ງ; 1000.505 ມີຫຼາຍກວ່ານັ້ນ"),
])
def test_a_money_error_on_a_lao_page_is_in_lao(demo_app, client, login, amount, lao):
    login("co-chair")
    _lao(client, "/pledges/new")
    response = post(client, "/pledges/new", pledge_form(demo_app, **{"lines-0-amount": amount}))
    page = _text(response)
    assert response.status_code == 400
    assert lao in page
    assert "is not a number" not in page and "decimal places" not in page


# --- (d) notices and e-mails in each user's language -----------------------------------

def test_a_reminder_reaches_a_lao_user_in_lao_and_an_english_user_in_english(app, make_user, session):
    from uxo_swg.models import Organisation, OutgoingEmail
    from uxo_swg.scheduler import run_job

    session.add(Organisation(name="Alpha Demining", kind="ngo"))
    session.commit()
    lao, english = make_user("operator", organisation="Alpha Demining"), make_user("operator", organisation="Alpha Demining")
    user = session.exec(select(User).where(User.email == lao)).one()
    user.language = "lo"
    session.add(user)
    session.commit()
    app.config["SMTP_HOST"] = "127.0.0.1"  # e-mails are queued (sending them fails here, and is retried)
    with app.app_context():
        run_job("return-reminders", "2025-11-06", session=get_session())  # 2025-Q3 was due on 2025-10-30
    notices = {n.user_id: n for n in session.exec(select(Notice)).all()}
    emails = {e.recipient: e for e in session.exec(select(OutgoingEmail)).all()}
    mine = notices[user.id]
    assert mine.subject == "ບົດລາຍງານ 2025-Q3 ຂອງທ່ານ ຊ້າແລ້ວ"
    assert mine.body.startswith("ບົດລາຍງານປະຈຳໄຕມາດ 2025-Q3 ຂອງ Alpha Demining ມີກຳນົດສົ່ງວັນທີ 30 ຕ.ລ. 2025; ມັນຊ້າແລ້ວ 7 ວັນ")
    assert "ກອງເລຂາ" in mine.body and "secretariat" not in mine.body
    assert emails[lao].subject == mine.subject and emails[lao].body == mine.body
    other = session.exec(select(User).where(User.email == english)).one()
    assert notices[other.id].subject == "Your 2025-Q3 return is late"
    assert emails[english].body.startswith("Alpha Demining's quarterly return for 2025-Q3 was due on 2025-10-30; it is 7 days late")


# --- the catalogue's templates keep their placeholders -------------------------------------

def test_brace_templates_keep_their_placeholders_in_lao():
    """A Lao sentence that lost or renamed a {value} would fall back to English: none does."""
    with PO.open("rb") as f:
        catalogue = read_po(f)
    names = re.compile(r"\{(\w*)\}")
    wrong = [m.id for m in catalogue if m.id and isinstance(m.id, str) and "{" in m.id
             and sorted(set(names.findall(m.id))) != sorted(set(names.findall(m.string)))]
    assert wrong == []


# --- the summary workbook a Lao user downloads -------------------------------------------------

def test_the_summary_workbook_downloaded_from_a_lao_page_has_lao_titles_and_labels(demo_app, client, login):
    from openpyxl import load_workbook

    login("co-chair")
    english = load_workbook(io.BytesIO(client.get("/summaries/swg/2025-H1/all/export.xlsx").data))
    _lao(client, "/summaries/swg/2025-H1/all")
    lao = load_workbook(io.BytesIO(client.get("/summaries/swg/2025-H1/all/export.xlsx").data))
    assert english.sheetnames[:3] == ["Summary", "Totals", "Pillars"]
    assert lao.sheetnames[:3] == ["ບົດສະຫຼຸບ", "ຍອດລວມ", "ເສົາຄ້ຳ"]
    assert [c.value for c in lao["ຍອດລວມ"][1]] == ["ຕົວເລກ", "USD"]
    assert lao["ຍອດລວມ"]["A2"].value == "ຄວາມຕ້ອງການທຶນ" and english["Totals"]["A2"].value == "requirement"
    assert lao["ເສົາຄ້ຳ"]["A2"].value == "ການສຳຫຼວດ ແລະ ເກັບກູ້"
    # the figures, their formats and the names people entered are the same in both
    for sheet_en, sheet_lo in zip(english.worksheets, lao.worksheets):
        for row_en, row_lo in zip(sheet_en.iter_rows(), sheet_lo.iter_rows()):
            for a, b in zip(row_en, row_lo):
                assert (a.number_format == b.number_format) and (isinstance(a.value, str) or a.value == b.value)
    donors_en = {c.value for c in english["Donors"]["A"][1:]}
    assert donors_en and donors_en == {c.value for c in lao["ຜູ້ໃຫ້ທຶນ"]["A"][1:]}


# --- a bad ?quarter= and the flashed refusals ----------------------------------------------

def test_a_bad_quarter_on_a_lao_page_says_what_was_wrong_in_lao(app, client, login):
    login("co-chair")
    _lao(client, "/reconciliation/")
    for url in ("/reconciliation/?quarter=2025-Q7", "/returns/?quarter=last%20one"):
        response = client.get(url)
        page = _text(response)
        assert response.status_code == 400, url
        assert "ອ່ານໄຕມາດ '" in page and "ໄຕມາດຂຽນເປັນປີ, ຂີດ (-), Q ແລະ ເລກ 1 ຫາ 4" in page, url
        assert re.search(r"\d{4}-Q[1-4] ແມ່ນເດືອນ(ມັງກອນ|ເມສາ|ກໍລະກົດ|ຕຸລາ) ຫາ ເດືອນ(ມີນາ|ມິຖຸນາ|ກັນຍາ|ທັນວາ) \d{4}",
                         page), url
        assert "could not be read" not in page and "A quarter is written" not in page
    assert "'2025-Q7': ໄຕມາດແມ່ນ Q1 ຫາ Q4" in _text(client.get("/reconciliation/?quarter=2025-Q7"))



# --- the register import's cross-record and sheet checks ------------------------------------

def test_a_register_with_cross_record_errors_lists_them_in_lao(demo_app, client, login):
    from register_files import clean_sheets, workbook_bytes

    sheets = clean_sheets()
    sheets["Pledges"] += [["REG-1", "Japan", date(2025, 2, 4), 2027, "clearance", 5, "JPY", "", "", ""],
                          ["REG-1", "Japan", date(2025, 2, 3), 2025, "clearance", 5, "JPY", "", "", ""],
                          [None, "Japan", date(2025, 2, 3), 2025, "clearance", 5, "JPY", "", "", ""]]
    sheets["Organisations"] = [["Name", "Kind", "Country", "Aliases"], ["Somebody", "charity", "", ""]]
    login("co-chair")
    _lao(client, "/register/import")
    response = _upload(client, "/register/import", workbook_bytes(sheets), "register.xlsx")
    page = _text(response)
    assert "ແຖວນີ້ໃຫ້ຄຳໝັ້ນສັນຍາ 'REG-1' ມີຜູ້ໃຫ້ທຶນ, ວັນທີປະກາດ ຫຼື ສະກຸນເງິນ ຕ່າງຈາກແຖວ 2" in page
    assert "ຄຳໝັ້ນສັນຍາ 'REG-1' ມີແຖວສຳລັບ 2025 ແລະ clearance ຢູ່ແຖວກ່ອນໜ້າແລ້ວ" in page
    assert "ຂາດເລກອ້າງອີງຄຳໝັ້ນສັນຍາ" in page
    assert "'charity' ບໍ່ແມ່ນປະເພດອົງການ" in page
    for english in ("rows of one pledge must agree", "already has a line", "pledge ref is missing",
                    "is not a kind of organisation"):
        assert english not in page, english


# --- the rates file and the IATI file ---------------------------------------------------------

def test_a_bad_rates_file_on_a_lao_page_lists_its_errors_in_lao(app, client, login):
    login("admin")
    _lao(client, "/admin/rates")
    bad = ("date,currency,units_per_usd,source\n"
           "2025-13-01,LAK,21000,Bank of the Lao PDR\n"
           "2025-03-31,KIPS,-5,\n").encode()
    response = _upload(client, "/admin/rates", bad, "rates.csv")
    page = _text(response)
    assert "rates, ແຖວ 2, ຖັນ date: '2025-13-01' ບໍ່ແມ່ນວັນທີ: ຂຽນເປັນ 2025-03-31" in page
    assert "ແຖວ 3, ຖັນ currency: 'KIPS' ບໍ່ແມ່ນລະຫັດສະກຸນເງິນ ISO 4217 ເຊັ່ນ EUR ຫຼື LAK" in page
    assert "'-5' ບໍ່ແມ່ນຈຳນວນບວກຂອງໜ່ວຍເງິນຕໍ່ໜຶ່ງໂດລາສະຫະລັດ" in page
    assert "ບອກວ່າອັດຕານີ້ມາຈາກໃສ" in page
    for english in ("is not a date", "row 2", "is not an ISO 4217", "say where the rate comes from"):
        assert english not in page, english


def test_a_refused_iati_file_on_a_lao_page_says_why_in_lao(app, client, login):
    login("co-chair")
    _lao(client, "/iati/")
    for data, lao in ((b"<activities/>", "ອົງປະກອບຮາກຂອງໄຟລ໌ແມ່ນ <activities>, ບໍ່ແມ່ນ <iati-activities>"),
                      (b'<iati-activities version="1.05"/>', "ໄຟລ໌ເປັນ IATI ສະບັບ 1.05; ອ່ານໄດ້ສະບັບ 2.01, 2.02, 2.03")):
        response = _upload(client, "/iati/import", data, "donor.xml", page="/iati/")
        page = _text(response)
        assert response.status_code == 422
        assert lao in page, page[-3000:]
        assert "root element" not in page and "versions 2.01" not in page


def test_an_unreadable_amount_in_an_iati_file_is_located_in_lao(app, client, login):
    data = (Path(__file__).parent / "data" / "iati" / "donor-2.03-several.xml").read_bytes().replace(
        b"<value value-date=\"2025-03-15\">300000.00</value>", b"<value value-date=\"2025-03-15\">300,000 GBP</value>")
    login("co-chair")
    _lao(client, "/iati/")
    response = _upload(client, "/iati/import", data, "donor.xml", page="/iati/")
    page = _text(response)
    assert response.status_code == 422
    assert "ກິດຈະກຳ GB-GOV-1-300777-101, ທຸລະກຳ 2 (ແຖວ 39): value '300,000 GBP' ບໍ່ແມ່ນຕົວເລກ" in page
    assert "is not a number" not in page and "transaction 2" not in page


# --- services' refusals shown on pages --------------------------------------------------------

def test_a_year_that_cannot_be_read_is_explained_in_lao_on_the_reports_and_home_pages(app, client, login):
    login("co-chair")
    _lao(client, "/reports/")
    reports = _text(client.get("/reports/?year=next"))
    assert "'next' ບໍ່ແມ່ນປີ: ຂຽນເປັນ 2025" in reports and "is not a year" not in reports
    reports = _text(client.get("/reports/?year=3000"))
    assert "ປີ 3000 ຢູ່ນອກຂອບເຂດ (1900-2200)" in reports and "out of range" not in reports
    home = client.get("/?year=2025-Q9")
    assert home.status_code == 400
    assert "'2025-Q9': ໄຕມາດແມ່ນ Q1 ຫາ Q4" in _text(home) and "a quarter is Q1 to Q4" not in _text(home)


def test_revoking_a_token_twice_is_refused_in_lao(app, client, login, make_user):
    from uxo_swg.api.tokens import create_token

    owner = make_user("co-chair")
    with app.app_context():
        create_token(owner, session=get_session(), label="script")
    admin = login("admin")
    _lao(client, "/admin/tokens")
    token = csrf_token(client, "/admin/tokens")
    client.post("/admin/tokens/1/revoke", data={"csrf_token": token})
    page = _text(client.post("/admin/tokens/1/revoke", data={"csrf_token": token}, follow_redirects=True))
    assert f"ໂທເຄັນ 1 ຖືກຖອນສິດແລ້ວໂດຍ {admin}" in page and "was already revoked" not in page
    page = _text(client.post("/admin/tokens/99/revoke", data={"csrf_token": token}, follow_redirects=True))
    assert "ບໍ່ມີໂທເຄັນ API ໝາຍເລກ 99" in page and "no API token" not in page


def test_a_job_already_done_says_so_in_lao(app, client, login):
    login("admin")
    _lao(client, "/admin/jobs/")
    token = csrf_token(client, "/admin/jobs/")
    client.post("/admin/jobs/summary-drafts/run", data={"csrf_token": token, "period": "2025-Q3"})
    again = _text(client.post("/admin/jobs/summary-drafts/run", data={"csrf_token": token, "period": "2025-Q3"},
                              follow_redirects=True))
    assert "summary-drafts 2025-Q3: ເຮັດແລ້ວ, ບໍ່ມີຫຍັງຕ້ອງເຮັດ" in again and "already done" not in again
