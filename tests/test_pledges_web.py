"""The co-chairs' workspace in the browser's terms: forms, statuses, lists, exports, conflicts, imports."""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from conftest import csrf_token
from register_files import clean_sheets, workbook_bytes
from uxo_swg.db import get_session
from uxo_swg.models import AuditLog, Commitment, Disbursement, ImportBatch, Organisation, Pledge, PledgeLine, Requirement
from uxo_swg.rates import rate_book

PAGES = ["/pledges/", "/pledges/new", "/agreements/", "/agreements/new", "/disbursements/", "/disbursements/new",
         "/requirements/", "/requirements/new", "/register/import", "/register/imports", "/organisations/", "/organisations/new"]


def org_id(app, name):
    with app.app_context():
        return get_session().exec(select(Organisation).where(Organisation.name == name)).one().id


@pytest.mark.parametrize("role", ["reviewer", "operator"])
def test_reviewers_and_operators_cannot_reach_the_workspace(demo_app, client, login, role):
    login(role, organisation="UXO Lao" if role == "operator" else None)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    assert client.post("/pledges/1/cancel", data={}).status_code in (400, 403)


def test_co_chair_reaches_every_page(demo_app, client, login):
    login("co-chair")
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    assert "Pledges" in client.get("/").get_data(as_text=True)


def pledge_form(app, **overrides):
    data = {"ref": "PL-EU-2025", "donor_id": org_id(app, "Germany"), "recipient_id": 0, "announced_on": "2025-03-14",
            "announced_at": "SWG plenary, March 2025", "currency": "EUR", "notes": "",
            "lines-0-year": "2025", "lines-0-pillar": "clearance", "lines-0-amount": "1,000,000.00",
            "lines-1-year": "2026", "lines-1-pillar": "clearance", "lines-1-amount": "1000000",
            "lines-2-year": "2027", "lines-2-pillar": "va", "lines-2-amount": "500000.50"}
    data.update(overrides)
    return data


def post(client, url, data, form_url=None):
    data = {**data, "csrf_token": csrf_token(client, form_url or url)}
    return client.post(url, data=data)


def test_a_three_year_pledge_is_one_pledge_with_three_lines_shown_in_usd(demo_app, client, login):
    login("co-chair")
    response = post(client, "/pledges/new", pledge_form(demo_app))
    assert response.status_code == 302, response.get_data(as_text=True)
    with demo_app.app_context():
        session = get_session()
        pledge = session.exec(select(Pledge).where(Pledge.ref == "PL-EU-2025")).one()
        lines = session.exec(select(PledgeLine).where(PledgeLine.pledge_id == pledge.id)).all()
        assert sorted((ln.year, ln.pillar_code, ln.amount) for ln in lines) == [
            (2025, "clearance", Decimal("1000000")), (2026, "clearance", Decimal("1000000")), (2027, "va", Decimal("500000.50"))]
        rate = rate_book(session=session).rate("EUR", date(2025, 3, 14))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    usd = (Decimal("2500000.50") / rate.units_per_usd).quantize(Decimal("0.01"))
    assert f"US$ {usd:,}" in page
    assert f"{rate.units_per_usd.normalize()} EUR per US$ on {rate.on}" in page and rate.source in page
    assert "announced" in re.search(r'id="pledge-status">([^<]+)<', page).group(1)
    assert "2,500,000.50 EUR" in page


@pytest.mark.parametrize("change, message", [
    ({"lines-0-amount": "12.345"}, "EUR has 2 decimal places"),
    ({"currency": "JPY", "lines-2-amount": "500000.50"}, "JPY has 0 decimal places"),
    ({"lines-0-amount": "-5"}, "the amount must be positive"),
    ({"lines-0-amount": "a lot"}, "is not a number"),
    ({"lines-1-year": "", "lines-1-amount": "5"}, "enter the year"),
    ({"lines-1-year": "2025", "lines-1-pillar": "clearance"}, "two lines have the same year and pillar"),
    ({"ref": "PL 2025; DROP"}, "use letters, digits"),
    ({"announced_on": "31/03/2025"}, "Not a valid date value"),
    ({"currency": "XYZ"}, "Not a valid choice"),
    ({"donor_id": 0}, "choose the donor"),
    ({"lines-0-year": "", "lines-0-amount": "", "lines-1-year": "", "lines-1-amount": "", "lines-2-year": "", "lines-2-amount": ""},
     "enter at least one line"),
])
def test_pledge_form_errors_are_shown_and_nothing_is_saved(demo_app, client, login, change, message):
    login("co-chair")
    response = post(client, "/pledges/new", pledge_form(demo_app, **change))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page.replace("&#39;", "'")
    assert 'aria-invalid="true"' in page or 'role="alert"' in page
    with demo_app.app_context():
        assert get_session().exec(select(Pledge).where(Pledge.ref == pledge_form(demo_app, **change)["ref"])).first() is None


def make_pledge(demo_app, client):
    assert post(client, "/pledges/new", pledge_form(demo_app)).status_code == 302
    with demo_app.app_context():
        return get_session().exec(select(Pledge).where(Pledge.ref == "PL-EU-2025")).one()


def status_of(client, pledge_id):
    page = client.get(f"/pledges/{pledge_id}").get_data(as_text=True)
    return re.search(r'id="pledge-status">([^<]+)<', page).group(1)


def test_agreement_and_disbursements_move_the_status(demo_app, client, login):
    login("co-chair")
    pledge = make_pledge(demo_app, client)
    form = client.get(f"/agreements/new?pledge={pledge.id}").get_data(as_text=True)
    assert f'<option selected value="{pledge.id}">' in form or f'value="{pledge.id}" selected' in form
    agreement = {"ref": "AG-DE-1", "pledge_id": pledge.id, "donor_id": pledge.donor_id, "recipient_id": org_id(demo_app, "Humanity & Inclusion"),
                 "signed_on": "2025-04-01", "start_on": "2025-04-01", "end_on": "2027-12-31",
                 "lines-0-year": "2025", "lines-0-pillar": "clearance", "lines-0-amount": "1000000",
                 "currency": "EUR", "notes": ""}
    assert post(client, "/agreements/new", agreement).status_code == 302
    assert status_of(client, pledge.id) == "partly committed"
    agreement.update({"ref": "AG-DE-2", "lines-0-amount": "1500000.50", "lines-0-pillar": "va"})
    assert post(client, "/agreements/new", agreement).status_code == 302
    assert status_of(client, pledge.id) == "committed"
    with demo_app.app_context():
        ag = get_session().exec(select(Commitment).where(Commitment.ref == "AG-DE-1")).one()
    payment = {"commitment_id": ag.id, "pledge_id": 0, "donor_id": pledge.donor_id, "recipient_id": ag.recipient_id, "via_id": 0,
               "paid_on": "2025-05-10", "pillar_code": "clearance", "province_code": "LA-SV", "currency": "EUR", "amount": "400000", "notes": ""}
    assert post(client, "/disbursements/new", payment).status_code == 302
    assert status_of(client, pledge.id) == "partly disbursed"
    assert 'name="support"' in client.get(f"/disbursements/new?agreement={ag.id}").get_data(as_text=True)
    payment.update(amount="2100000.50", paid_on="2025-09-01", support="in-kind")  # equipment handed over
    assert post(client, "/disbursements/new", payment).status_code == 302
    assert status_of(client, pledge.id) == "fully disbursed"
    with demo_app.app_context():
        paid = get_session().exec(select(Disbursement).where(Disbursement.commitment_id == ag.id)).all()
        assert {d.pledge_id for d in paid} == {pledge.id} and {d.agreement_ref for d in paid} == {"AG-DE-1"}
        assert sorted(d.support for d in paid) == ["cash", "in-kind"]
    listing = client.get(f"/disbursements/?donor={pledge.donor_id}&year=2025").get_data(as_text=True)
    assert "2,100,000.50 EUR (in-kind)" in listing and "400,000.00 EUR</td>" in listing


def test_an_agreement_of_another_donor_cannot_be_linked(demo_app, client, login):
    login("co-chair")
    pledge = make_pledge(demo_app, client)
    agreement = {"ref": "AG-X", "pledge_id": pledge.id, "donor_id": org_id(demo_app, "Japan"), "recipient_id": org_id(demo_app, "UXO Lao"),
                 "signed_on": "2025-04-01", "start_on": "2025-04-01", "end_on": "2025-12-31",
                 "lines-0-year": "2025", "lines-0-pillar": "clearance", "lines-0-amount": "10",
                 "currency": "EUR", "notes": ""}
    response = post(client, "/agreements/new", agreement)
    assert response.status_code == 400 and "was made by another donor" in response.get_data(as_text=True)


def test_two_people_editing_one_pledge_get_a_conflict_not_an_overwrite(demo_app, client, login, make_user):
    email = login("co-chair")
    pledge = make_pledge(demo_app, client)
    first_form = client.get(f"/pledges/{pledge.id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in first_form or 'value="1"' in first_form
    other = demo_app.test_client()
    other_email = make_user("co-chair")
    token = csrf_token(other)
    other.post("/login", data={"email": other_email, "password": "a long test password", "csrf_token": token})
    changed = pledge_form(demo_app, version="1", **{"lines-0-amount": "1200000"})
    assert post(other, f"/pledges/{pledge.id}/edit", changed).status_code == 302
    mine = pledge_form(demo_app, version="1", **{"lines-0-amount": "900000"})
    response = post(client, f"/pledges/{pledge.id}/edit", mine, form_url="/pledges/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"this record was changed by {other_email} at" in page and "since you opened it" in page
    with demo_app.app_context():
        line = get_session().exec(select(PledgeLine).where(PledgeLine.pledge_id == pledge.id, PledgeLine.year == 2025)).one()
        assert line.amount == Decimal("1200000")
        assert get_session().get(Pledge, pledge.id).version == 2
    assert email != other_email


def test_cancelling_keeps_the_pledge_and_audits_it(demo_app, client, login):
    login("co-chair")
    pledge = make_pledge(demo_app, client)
    response = post(client, f"/pledges/{pledge.id}/cancel", {"version": pledge.version, "confirmed": "yes"},
                    form_url=f"/pledges/{pledge.id}")
    assert response.status_code == 302
    assert status_of(client, pledge.id) == "cancelled"
    assert "PL-EU-2025" not in client.get("/pledges/").get_data(as_text=True)
    assert "PL-EU-2025" in client.get("/pledges/?status=cancelled").get_data(as_text=True)
    with demo_app.app_context():
        entry = get_session().exec(select(AuditLog).where(AuditLog.entity == "pledge", AuditLog.entity_id == str(pledge.id),
                                                          AuditLog.action == "update")).all()[-1]
        assert "cancelled_at" in entry.after and entry.via == "form"


def test_pledge_list_filters_totals_and_export_agree(demo_app, client, login):
    login("co-chair")
    japan = org_id(demo_app, "Japan")
    page = client.get(f"/pledges/?donor={japan}&year=2025").get_data(as_text=True)
    with demo_app.app_context():
        session = get_session()
        rates = rate_book(session=session)
        pledges = session.exec(select(Pledge).where(Pledge.donor_id == japan)).all()
        expected = sum(rates.to_usd(ln.amount, p.currency, p.announced_on).usd
                       for p in pledges for ln in session.exec(select(PledgeLine).where(PledgeLine.pledge_id == p.id, PledgeLine.year == 2025)))
        in_view = [sum(ln.amount for ln in session.exec(
            select(PledgeLine).where(PledgeLine.pledge_id == p.id, PledgeLine.year == 2025))) for p in pledges]
    assert f"US$ {expected.quantize(Decimal('0.01')):,}" in page
    # each pledge's 2025 lines, in the donor's own currency
    assert in_view and all(f"{amount:,.0f} JPY" in page for amount in in_view if amount), in_view
    export = client.get(f"/pledges/?donor={japan}&year=2025&export=xlsx")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(export.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Pledge ref"
    assert sorted(r[0] for r in rows[1:]) == sorted(p.ref for p, amount in zip(pledges, in_view) if amount)
    assert {r[1] for r in rows[1:]} == {"Japan"}


def test_disbursement_list_paginates_sorts_and_exports_every_matching_row(demo_app, client, login):
    login("co-chair")
    first = client.get("/disbursements/?year=2025&sort=paid&dir=asc").get_data(as_text=True)
    assert "page 1 of" in first and 'rel="next"' in first
    dates = re.findall(r"<tr>\s*<td>(\d{4}-\d{2}-\d{2})</td>", first)
    assert dates == sorted(dates) and all(d.startswith("2025") for d in dates) and len(dates) == 50
    second = client.get("/disbursements/?year=2025&sort=paid&dir=asc&page=2").get_data(as_text=True)
    later = re.findall(r"<tr>\s*<td>(\d{4}-\d{2}-\d{2})</td>", second)
    assert later and later[0] >= dates[-1]
    total = int(re.search(r"(\d+) record\(s\)", first).group(1))
    rows = list(load_workbook(io.BytesIO(client.get("/disbursements/?year=2025&export=xlsx").data)).active.iter_rows(values_only=True))
    assert len(rows) - 1 == total
    with demo_app.app_context():
        assert total == len(get_session().exec(select(Disbursement).where(Disbursement.paid_on >= date(2025, 1, 1),
                                                                          Disbursement.paid_on <= date(2025, 12, 31))).all())


def test_a_new_requirement_supersedes_the_old_one(demo_app, client, login):
    login("co-chair")
    with demo_app.app_context():
        old = get_session().exec(select(Requirement).where(Requirement.year == 2026, Requirement.pillar_code == "va")).one()
    data = {"year": "2026", "pillar_code": "va", "currency": "USD", "amount": "7000000", "source": "revised plan", "version": old.version}
    assert post(client, f"/requirements/{old.id}/edit", data).status_code == 302
    with demo_app.app_context():
        session = get_session()
        current = session.exec(select(Requirement).where(Requirement.year == 2026, Requirement.pillar_code == "va",
                                                         Requirement.superseded_by_id.is_(None))).one()
        assert current.amount == Decimal("7000000") and session.get(Requirement, old.id).superseded_by_id == current.id
    assert "7,000,000.00 USD" in client.get("/requirements/?year=2026").get_data(as_text=True)


def test_register_upload_preview_commit_and_rollback(demo_app, client, login):
    login("co-chair")
    token = csrf_token(client, "/register/import")
    data = workbook_bytes(clean_sheets())
    preview = client.post("/register/import", data={"csrf_token": token, "file": (io.BytesIO(data), "register.xlsx")},
                          content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "3 pledges" in page and "Import it" in page
    with demo_app.app_context():
        assert get_session().exec(select(ImportBatch)).first() is None
    sha = re.search(r'name="sha256" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    done = client.post("/register/import/commit", data={"csrf_token": token, "sha256": sha})
    assert done.status_code == 302
    listing = client.get("/register/imports").get_data(as_text=True)
    assert "register.xlsx" in listing and "in force" in listing
    with demo_app.app_context():
        batch = get_session().exec(select(ImportBatch)).one()
    asked = client.post(f"/register/imports/{batch.id}/rollback", data={"csrf_token": token})
    assert asked.status_code == 200 and "in force" in client.get("/register/imports").get_data(as_text=True)
    done = client.post(f"/register/imports/{batch.id}/rollback", data={"csrf_token": token, "confirmed": "yes"})
    assert done.status_code == 302
    assert "rolled back" in client.get("/register/imports").get_data(as_text=True)
    with demo_app.app_context():
        assert all(p.cancelled_at for p in get_session().exec(select(Pledge).where(Pledge.import_batch_id == batch.id)))


def test_register_upload_shows_every_error_by_sheet_row_and_column(demo_app, client, login):
    login("co-chair")
    sheets = clean_sheets()
    sheets["Pledges"][1][1] = "Japn"
    sheets["Pledges"][3][6] = "EURO"
    token = csrf_token(client, "/register/import")
    response = client.post("/register/import", data={"csrf_token": token, "file": (io.BytesIO(workbook_bytes(sheets)), "r.xlsx")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422 and "2 error(s)" in page and "Import it" not in page
    assert "<td>Pledges</td><td>2</td><td>B (Donor)</td>" in page and "Did you mean 'Japan'?" in page
    assert "<td>Pledges</td><td>4</td><td>G (Currency)</td>" in page
    not_excel = client.post("/register/import", data={"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4"), "r.pdf")},
                            content_type="multipart/form-data")
    assert not_excel.status_code == 422 and "not an Excel workbook" in not_excel.get_data(as_text=True)
