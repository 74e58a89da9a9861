"""Who may do what, CSRF, throttling, headers, error pages and the audit trail."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlmodel import select

from conftest import PASSWORD, csrf_token
from uxo_swg.db import get_session
from uxo_swg.models import AuditLog, Organisation, User

ROLES = ["anonymous", "admin", "co-chair", "operator", "reviewer"]
EVERYONE = {"admin", "co-chair", "operator", "reviewer"}

# Every route of the application against every role: (endpoint, method, url, roles allowed).
# "public" routes answer everyone; the others send anonymous visitors to the login page
# (GET) or refuse them (POST), and answer 403 to logged-in users without the role.
CO_CHAIRS = {"admin", "co-chair"}
RETURNS = {"admin", "co-chair", "operator"}
DRAFTS = {"admin", "co-chair", "reviewer"}
SUMMARY = "/summaries/twg/2025-Q3/clearance"
TOKEN = "token"  # the API: a bearer token, never the session cookie
ROUTE_TABLE = [
    ("auth.login", "GET", "/login", "public"),
    ("auth.language", "POST", "/language?lang=lo", "public"),
    ("auth.logout", "POST", "/logout", EVERYONE),
    ("auth.password", "GET", "/account/password", EVERYONE),
    ("home.index", "GET", "/", EVERYONE),
    ("admin.users", "GET", "/admin/users", {"admin"}),
    ("admin.user_active", "POST", "/admin/users/{user_id}/active", {"admin"}),
    ("admin.settings", "GET", "/admin/settings", {"admin"}),
    ("admin.rates", "GET", "/admin/rates", {"admin"}),
    ("admin.iati", "GET", "/admin/iati", {"admin"}),
    ("jobs.index", "GET", "/admin/jobs/", {"admin"}),
    ("jobs.run", "POST", "/admin/jobs/rate-watch/run", {"admin"}),
    ("notices.index", "GET", "/notices/", EVERYONE),
    ("notices.read", "POST", "/notices/1/read", EVERYONE),
    ("notices.read_all", "POST", "/notices/read", EVERYONE),
    ("audit.index", "GET", "/audit/", CO_CHAIRS),
    ("audit.entry", "GET", "/audit/{audit_id}", CO_CHAIRS),
    ("organisations.index", "GET", "/organisations/", CO_CHAIRS),
    ("organisations.create", "GET", "/organisations/new", CO_CHAIRS),
    ("organisations.edit", "GET", "/organisations/{org_id}/edit", CO_CHAIRS),
    ("organisations.merge", "POST", "/organisations/{org_id}/merge", CO_CHAIRS),
    ("pledges.index", "GET", "/pledges/", CO_CHAIRS),
    ("pledges.create", "GET", "/pledges/new", CO_CHAIRS),
    ("pledges.show", "GET", "/pledges/{pledge_id}", CO_CHAIRS),
    ("pledges.edit", "GET", "/pledges/{pledge_id}/edit", CO_CHAIRS),
    ("pledges.cancel_pledge", "POST", "/pledges/{pledge_id}/cancel", CO_CHAIRS),
    ("pledges.reinstate_pledge", "POST", "/pledges/{pledge_id}/reinstate", CO_CHAIRS),
    ("pledges.agreements", "GET", "/agreements/", CO_CHAIRS),
    ("pledges.agreement_create", "GET", "/agreements/new", CO_CHAIRS),
    ("pledges.agreement_edit", "GET", "/agreements/{agreement_id}/edit", CO_CHAIRS),
    ("pledges.agreement_cancel", "POST", "/agreements/{agreement_id}/cancel", CO_CHAIRS),
    ("pledges.agreement_reinstate", "POST", "/agreements/{agreement_id}/reinstate", CO_CHAIRS),
    ("pledges.agreement_show", "GET", "/agreements/{agreement_id}", CO_CHAIRS),
    ("pledges.amendment_create", "POST", "/agreements/{agreement_id}/amendments", CO_CHAIRS),
    ("pledges.amendment_cancel", "POST", "/amendments/{amendment_id}/cancel", CO_CHAIRS),
    ("pledges.disbursements", "GET", "/disbursements/", CO_CHAIRS),
    ("pledges.disbursement_create", "GET", "/disbursements/new", CO_CHAIRS),
    ("pledges.disbursement_edit", "GET", "/disbursements/{disbursement_id}/edit", CO_CHAIRS),
    ("pledges.disbursement_cancel", "POST", "/disbursements/{disbursement_id}/cancel", CO_CHAIRS),
    ("pledges.disbursement_reinstate", "POST", "/disbursements/{disbursement_id}/reinstate", CO_CHAIRS),
    ("pledges.requirements", "GET", "/requirements/", CO_CHAIRS),
    ("pledges.requirement_create", "GET", "/requirements/new", CO_CHAIRS),
    ("pledges.requirement_edit", "GET", "/requirements/{requirement_id}/edit", CO_CHAIRS),
    ("pledges.requirement_cancel", "POST", "/requirements/{requirement_id}/cancel", CO_CHAIRS),
    ("pledges.requirement_reinstate", "POST", "/requirements/{requirement_id}/reinstate", CO_CHAIRS),
    ("pledges.targets", "GET", "/targets/", CO_CHAIRS),
    ("pledges.target_create", "GET", "/targets/new", CO_CHAIRS),
    ("pledges.target_edit", "GET", "/targets/{target_id}/edit", CO_CHAIRS),
    ("pledges.target_cancel", "POST", "/targets/{target_id}/cancel", CO_CHAIRS),
    ("pledges.register_import", "GET", "/register/import", CO_CHAIRS),
    ("pledges.register_commit", "POST", "/register/import/commit", CO_CHAIRS),
    ("pledges.register_imports", "GET", "/register/imports", CO_CHAIRS),
    ("pledges.register_rollback", "POST", "/register/imports/{batch_id}/rollback", CO_CHAIRS),
    ("iati.index", "GET", "/iati/", CO_CHAIRS),
    ("iati.export", "GET", "/iati/export.xml?year=2025", CO_CHAIRS),
    ("iati.upload", "POST", "/iati/import", CO_CHAIRS),
    ("iati.proposals", "GET", "/iati/proposals", CO_CHAIRS),
    ("iati.accept", "POST", "/iati/proposals/1/accept", CO_CHAIRS),
    ("iati.reject", "POST", "/iati/proposals/1/reject", CO_CHAIRS),
    ("returns.index", "GET", "/returns/", RETURNS),
    ("returns.template", "GET", "/returns/template", RETURNS),
    ("returns.upload", "POST", "/returns/upload", RETURNS),
    ("returns.confirm", "POST", "/returns/confirm", RETURNS),
    ("returns.preview_page", "GET", "/returns/preview/{token}", RETURNS),
    ("returns.show", "GET", "/returns/{return_id}", RETURNS),
    ("returns.download", "GET", "/returns/{return_id}/file", RETURNS),
    ("reconciliation.index", "GET", "/reconciliation/", CO_CHAIRS),
    ("reconciliation.decide_pair", "POST", "/reconciliation/decide", CO_CHAIRS),
    ("reconciliation.undo_decision", "POST", "/reconciliation/decisions/1/undo", CO_CHAIRS),
    ("summaries.follow", "POST", "/summaries/follow", {"reviewer"}),
    ("summaries.draft", "GET", SUMMARY, DRAFTS),
    ("summaries.records", "GET", SUMMARY + "/records?figure=totals|disbursed", DRAFTS),
    ("summaries.export", "GET", SUMMARY + "/export.xlsx", DRAFTS),
    ("summaries.comment", "POST", SUMMARY + "/comments", DRAFTS),
    ("summaries.narrative", "POST", SUMMARY + "/narrative", {"co-chair"}),
    ("summaries.publish", "POST", SUMMARY + "/publish", {"co-chair"}),
    ("reports.index", "GET", "/reports/?year=2025", DRAFTS),
    ("reports.article7", "GET", "/reports/article7/2025", DRAFTS),
    ("reports.article7_export", "GET", "/reports/article7/2025/export.csv", DRAFTS),
    ("reports.monitor", "GET", "/reports/monitor/2025?rates=annual-average", DRAFTS),
    ("reports.monitor_export", "GET", "/reports/monitor/2025/export.xlsx", DRAFTS),
    # The list and the published summaries: every logged-in user; anonymous visitors only when an admin allows it
    # (off here, so they are sent to the login page; see test_summaries for the setting turned on).
    ("summaries.index", "GET", "/summaries/", EVERYONE),
    ("summaries.published", "GET", "/summaries/published/{version_id}", EVERYONE),
    ("summaries.published_records", "GET", "/summaries/published/{version_id}/records?figure=totals|disbursed", EVERYONE),
    ("summaries.published_export", "GET", "/summaries/published/{version_id}/export.xlsx", EVERYONE),
    ("admin.tokens", "GET", "/admin/tokens", {"admin"}),
    ("admin.token_revoke", "POST", "/admin/tokens/{api_token_id}/revoke", {"admin"}),
    # The API answers bearer tokens only (test_api): to a browser's cookie, logged in or not, a 401 in JSON.
    ("api.openapi", "GET", "/api/v1/openapi.json", "public"),
    ("api.organisations", "GET", "/api/v1/organisations", TOKEN),
    ("api.organisation_one", "GET", "/api/v1/organisations/{org_id}", TOKEN),
    ("api.pledges", "GET", "/api/v1/pledges", TOKEN),
    ("api.pledge_one", "GET", "/api/v1/pledges/{pledge_id}", TOKEN),
    ("api.agreements", "GET", "/api/v1/agreements", TOKEN),
    ("api.agreement_one", "GET", "/api/v1/agreements/{agreement_id}", TOKEN),
    ("api.disbursements", "GET", "/api/v1/disbursements", TOKEN),
    ("api.disbursement_one", "GET", "/api/v1/disbursements/{disbursement_id}", TOKEN),
    ("api.requirements", "GET", "/api/v1/requirements", TOKEN),
    ("api.requirement_one", "GET", "/api/v1/requirements/{requirement_id}", TOKEN),
    ("api.summaries_list", "GET", "/api/v1/summaries", TOKEN),
    ("api.summary_twg", "GET", "/api/v1/summaries/twg/2025-Q3/clearance", TOKEN),
    ("api.summary_swg", "GET", "/api/v1/summaries/swg/2025-H1", TOKEN),
    ("api.report_article7", "GET", "/api/v1/reports/article7?year=2025", TOKEN),
    ("api.report_monitor", "GET", "/api/v1/reports/monitor?year=2025", TOKEN),
    ("api.report_year", "GET", "/api/v1/reports/year?year=2025", TOKEN),
]


def test_every_route_is_in_the_table(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}
    listed = {row[0] for row in ROUTE_TABLE}
    assert endpoints - listed == set(), "routes missing from ROUTE_TABLE"
    assert listed - endpoints == set(), "ROUTE_TABLE lists routes that do not exist"


@pytest.mark.parametrize("role", ROLES)
def test_role_by_route(demo_app, client, make_user, role):
    target = make_user("reviewer")  # a user record the admin routes act on
    ids = _record_ids(demo_app, target)
    if role != "anonymous":
        email = make_user(role, organisation="HALO Trust" if role == "operator" else None)
        client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    token = csrf_token(client, "/login") if role == "anonymous" else _any_token(client)
    for endpoint, method, url, allowed in ROUTE_TABLE:
        url = url.format(**ids)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        answer = response.status_code
        where = f"{role} {method} {url}"
        if allowed == "public":
            assert answer in (200, 302), where
        elif allowed == TOKEN:
            assert answer == 401 and response.is_json, where
        elif role == "anonymous":
            if method == "GET":
                assert answer == 302 and "/login" in response.headers["Location"], where
            else:
                assert answer == 403, where
        elif role in allowed:
            # a form posted empty is reached and answers with its errors (400); a preview page of someone
            # else's (or no) upload is not found (404)
            ok = (200, 302, 400) if endpoint in FORM_POSTS else (200, 302, 404) if endpoint == "returns.preview_page" \
                else (200, 302)
            assert answer in ok, f"{where}: {answer}"
        else:
            assert answer == 403, f"{where}: {answer}"
        if endpoint == "auth.logout" and role != "anonymous":
            email = make_user(role, organisation="HALO Trust" if role == "operator" else None)
            client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
            token = _any_token(client)


FORM_POSTS = {"pledges.amendment_create", "iati.upload"}


def _record_ids(app, target_email):
    """Ids of one record of each kind the routes act on: the operator's own return, a published summary."""
    from uxo_swg.models import Amendment, Commitment, Disbursement, ImportBatch, OperatorReturn, Pledge, Requirement, Target
    from uxo_swg.summaries import services as summaries

    with app.app_context():
        s = get_session()
        first = lambda model: s.exec(select(model.id).order_by(model.id)).first()  # noqa: E731
        halo = s.exec(select(Organisation).where(Organisation.name == "HALO Trust")).one()
        own_return = s.exec(select(OperatorReturn.id).where(OperatorReturn.operator_id == halo.id)).first()
        assert own_return is not None, "the demo data has HALO Trust returns"
        batch = ImportBatch(kind="register", sha256="0" * 64, filename="register.xlsx")
        s.add(batch)
        agreement = s.get(Commitment, first(Commitment))
        amendment = Amendment(commitment_id=agreement.id, amended_on=agreement.signed_on, change="terminate",
                              year=agreement.signed_on.year, notes="entered for the route table")
        s.add(amendment)
        co_chair = s.exec(select(User).where(User.email == "cochair@demo.example")).one()
        version = summaries.publish(summaries.scope_of("twg", "2025-Q3", "clearance"), co_chair, session=s)
        s.commit()
        return {
            "user_id": s.exec(select(User.id).where(User.email == target_email)).one(),
            "org_id": first(Organisation), "pledge_id": first(Pledge), "agreement_id": first(Commitment),
            "disbursement_id": first(Disbursement), "requirement_id": first(Requirement), "batch_id": batch.id,
            "target_id": first(Target), "audit_id": first(AuditLog),
            "return_id": own_return, "version_id": version.id, "amendment_id": amendment.id, "token": "0" * 32,
            "api_token_id": 1,
        }


def _any_token(client):
    return csrf_token(client, "/account/password")


def test_forms_without_csrf_token_are_refused(client, login):
    assert client.post("/login", data={"email": "a@b.org", "password": "x" * 12}).status_code == 400
    login("admin")
    response = client.post("/admin/users/1/active", data={"active": "0"})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)


def test_login_is_throttled_per_account(client, make_user):
    email = make_user("reviewer")
    for _ in range(5):
        bad = client.post("/login", data={"email": email, "password": "not the password", "csrf_token": csrf_token(client)})
        assert bad.status_code == 200 and "not right" in bad.get_data(as_text=True)
    blocked = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    # another account from another address is not affected
    other = make_user("reviewer")
    ok = client.post("/login", data={"email": other, "password": PASSWORD, "csrf_token": csrf_token(client)},
                     environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert ok.status_code == 302


def test_login_is_throttled_per_address(client, make_user):
    for n in range(20):
        client.post("/login", data={"email": f"guess{n}@example.org", "password": "nope nope nope", "csrf_token": csrf_token(client)})
    real = make_user("reviewer")
    blocked = client.post("/login", data={"email": real, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert blocked.status_code == 429


def test_security_headers_and_cookie_flags(client, login):
    login("reviewer")
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_samesite_and_secure_in_production(database_url, tmp_path):
    from uxo_swg import create_app

    app = create_app("production", DATABASE_URL=database_url, SECRET_KEY="x" * 32)
    with app.test_request_context():
        from flask import session

        session["k"] = "v"
        response = app.make_response("ok")
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    app.extensions["engine"].dispose()


def test_production_refuses_to_start_without_secret_key(database_url, monkeypatch):
    from config import Config
    from uxo_swg import create_app

    monkeypatch.setattr(Config, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", DATABASE_URL=database_url)


@pytest.mark.parametrize("setting", ["0", "twenty", "-5"])
def test_an_upload_limit_that_is_not_a_whole_number_of_megabytes_is_refused(database_url, setting):
    from config import _megabytes
    from uxo_swg import create_app

    with pytest.raises(RuntimeError, match="MAX_UPLOAD_MB must be a whole number of megabytes, at least 1"):
        create_app("test", DATABASE_URL=database_url, MAX_CONTENT_LENGTH=_megabytes(setting))
    assert _megabytes("5") == 5 * 1024 * 1024


def test_disabled_user_is_logged_out_and_cannot_log_in(app, client, login, make_user):
    email = login("reviewer")
    with app.app_context():
        s = get_session()
        user = s.exec(select(User).where(User.email == email)).one()
        user.active = False
        s.commit()
    assert client.get("/").status_code == 302  # the open session ends
    again = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert again.status_code == 200 and "disabled" in again.get_data(as_text=True)


def test_admin_disables_and_reenables_a_user_never_deletes(app, client, login, make_user):
    login("admin")
    target = make_user("reviewer")
    with app.app_context():
        target_id = get_session().exec(select(User).where(User.email == target)).one().id
    token = _any_token(client)
    client.post(f"/admin/users/{target_id}/active", data={"active": "0", "csrf_token": token})
    page = client.get("/admin/users").get_data(as_text=True)
    assert re.search(rf"{re.escape(target)}.*?disabled", page, re.S)
    client.post(f"/admin/users/{target_id}/active", data={"active": "1", "csrf_token": token})
    with app.app_context():
        s = get_session()
        assert s.get(User, target_id).active is True
        changes = s.exec(select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == str(target_id),
                                                AuditLog.action == "update")).all()
        assert [c.after for c in changes] == ['{"active": false}', '{"active": true}']
        assert all(c.via == "form" and c.actor.startswith("admin") for c in changes)


def test_admin_creates_an_operator_from_the_form(app, client, login):
    with app.app_context():
        s = get_session()
        s.add(Organisation(name="MAG", kind="ngo"))
        s.commit()
        org_id = s.exec(select(Organisation)).one().id
    login("admin")
    token = _any_token(client)
    no_org = client.post("/admin/users", data={"email": "fin@mag.example", "roles": ["operator"], "organisation_id": "0",
                                               "password": "a good long password", "csrf_token": token})
    assert "an operator must belong to an organisation" in no_org.get_data(as_text=True)
    ok = client.post("/admin/users", data={"email": "fin@mag.example", "roles": ["operator"], "organisation_id": str(org_id),
                                           "password": "a good long password", "csrf_token": token})
    assert ok.status_code == 302
    with app.app_context():
        user = get_session().exec(select(User).where(User.email == "fin@mag.example")).one()
        assert user.organisation_id == org_id and user.role_set == {"operator"}


def test_password_change_ends_other_sessions(app, client, make_user):
    email = make_user("reviewer")
    other = app.test_client()
    for c in (client, other):
        c.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(c)})
    token = _any_token(client)
    wrong = client.post("/account/password", data={"current": "not it at all", "new": "another long password",
                                                   "confirm": "another long password", "csrf_token": token})
    assert "the current password is not right" in wrong.get_data(as_text=True)
    ok = client.post("/account/password", data={"current": PASSWORD, "new": "another long password",
                                                "confirm": "another long password", "csrf_token": token})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200      # this session continues
    assert other.get("/").status_code == 302       # the other one must log in again


def test_error_pages_use_the_layout_and_leak_nothing(app, client, login):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret SQL: SELECT * FROM user")

    app.config["EXTRA_PUBLIC_ENDPOINTS"] = {"boom"}
    page = client.get("/boom-for-test")
    body = page.get_data(as_text=True)
    assert page.status_code == 500 and "Something went wrong" in body
    assert "secret SQL" not in body and "Traceback" not in body and "UXO Sector Working Group" in body
    login("reviewer")
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Not found" in missing.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 403


def test_upload_over_the_limit_gets_a_readable_413(app, client, login):
    login("admin")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    token = _any_token(client)
    import io

    response = client.post("/admin/rates", data={"csrf_token": token, "file": (io.BytesIO(b"x" * 5000), "rates.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "larger than the upload limit" in response.get_data(as_text=True)


def test_audit_log_page_filters_and_database_refuses_edits(app, client, login, make_user):
    login("co-chair")
    make_user("reviewer", email="watched@example.org")
    page = client.get("/audit/?entity=user&actor=test").get_data(as_text=True)
    assert "watched@example.org" in page and "user #" in page
    assert "login_attempt" not in page
    none = client.get("/audit/?entity=user&actor=nobody-at-all").get_data(as_text=True)
    assert "0 entries" in none
    with app.app_context():
        s = get_session()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            s.execute(sa.text("UPDATE audit_log SET actor = 'someone else'"))
        s.rollback()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            s.execute(sa.text("DELETE FROM audit_log"))
        s.rollback()


HOSTILE = ['<script>alert("x")</script>', '=HYPERLINK("http://evil.example","click")']


def test_user_text_is_escaped_in_pages(app, client, login, tmp_path):
    from datetime import date
    from decimal import Decimal

    from uxo_swg.models import Disbursement

    with app.app_context():
        s = get_session()
        donor = Organisation(name=HOSTILE[0], kind="donor")
        operator = Organisation(name=HOSTILE[1], kind="ngo")
        s.add_all([donor, operator])
        s.flush()
        s.add(Disbursement(donor_id=donor.id, recipient_id=operator.id, paid_on=date(2025, 3, 3), pillar_code="re",
                           amount=Decimal(100), currency="USD", notes=HOSTILE[0]))
        s.commit()
    login("admin")
    token = _any_token(client)
    import io

    csv = f'date,currency,units_per_usd,source\n2025-01-01,LAK,21500,"{HOSTILE[0]}"\nnot-a-date,LAK,1,x\n'.encode()
    refused = client.post("/admin/rates", data={"csrf_token": token, "file": (io.BytesIO(csv), "<b>rates</b>.csv")},
                          content_type="multipart/form-data")
    assert "not-a-date" in refused.get_data(as_text=True)
    csv = f'date,currency,units_per_usd,source\n2025-01-01,LAK,21500,"{HOSTILE[0]}"\n'.encode()
    client.post("/admin/rates", data={"csrf_token": token, "file": (io.BytesIO(csv), "rates.csv")}, content_type="multipart/form-data")
    for url in ("/?year=2025", "/admin/rates", "/audit/", "/audit/?entity=organisation"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body, url
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in client.get("/?year=2025").get_data(as_text=True)
    assert "&lt;script&gt;" in client.get("/admin/rates").get_data(as_text=True)


def test_exports_keep_formula_like_text_as_text():
    import io

    from openpyxl import load_workbook

    from uxo_swg.exports import add_sheet, csv_bytes, new_workbook, workbook_bytes

    wb = new_workbook()
    add_sheet(wb, "Donors", ["Donor", "USD"], [[HOSTILE[1], 10], ["-2+3", 5]], money_columns=[1])
    cells = load_workbook(io.BytesIO(workbook_bytes(wb)))["Donors"]
    assert cells["A2"].value == HOSTILE[1] and cells["A2"].data_type == "s"
    assert cells["A3"].data_type == "s" and cells["B2"].value == 10
    text = csv_bytes(["Donor"], [[HOSTILE[1]], ["@SUM(1)"], ["plain"]]).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text and "\nplain" in text
