"""The read-only JSON API: tokens and rights, records with filters and pages, summaries, errors, OpenAPI."""
from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from conftest import PASSWORD, csrf_token
from uxo_swg.api.tokens import create_token
from uxo_swg.db import get_session
from uxo_swg.domain.reference import normalise
from uxo_swg.models import (
    Amendment, ApiToken, AuditLog, Commitment, CommitmentLine, Disbursement, Organisation, OrganisationAlias, Pledge,
    PledgeLine, Requirement, User, utcnow,
)

API = "/api/v1"


@pytest.fixture
def token(app, make_user):
    """Return a function that makes a user with the roles and returns a new API token of theirs."""

    def make(*roles, organisation=None):
        email = make_user(*roles, organisation=organisation)
        with app.app_context():
            return create_token(email, session=get_session(), label="test")

    return make


def call(client, url, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(API + url, headers=headers, **kwargs)


def ok(client, url, token):
    response = call(client, url, token)
    assert response.status_code == 200, (url, response.get_json())
    return response.get_json()


def refs(body):
    return [item.get("ref") or item.get("id") for item in body["items"]]


@pytest.fixture
def world(app):
    """A small worked example: two donors, a pooled fund, two operators and their money (counted by hand below)."""
    with app.app_context():
        s = get_session()
        japan, norway = Organisation(name="Japan", kind="donor", country="JP"), Organisation(name="Norway", kind="donor")
        halo, uxo = Organisation(name="HALO Trust", kind="ngo", country="GB"), Organisation(name="UXO Lao", kind="national-operator")
        fund = Organisation(name="Trust Fund", kind="pooled-fund")
        s.add_all([japan, norway, halo, uxo, fund])
        s.flush()
        s.add(OrganisationAlias(organisation_id=halo.id, alias="The HALO Trust", key=normalise("The HALO Trust")))
        pl_jp = Pledge(ref="PL-JP-2025", donor_id=japan.id, announced_on=date(2024, 11, 20), currency="JPY")
        pl_no = Pledge(ref="PL-NO-2025", donor_id=norway.id, recipient_id=halo.id, announced_on=date(2025, 2, 1),
                       currency="NOK")
        pl_old = Pledge(ref="PL-OLD", donor_id=japan.id, announced_on=date(2023, 5, 5), currency="USD", cancelled_at=utcnow())
        s.add_all([pl_jp, pl_no, pl_old])
        s.flush()
        s.add_all([PledgeLine(pledge_id=pl_jp.id, year=2026, pillar_code="clearance", amount=Decimal(50_000_000)),
                   PledgeLine(pledge_id=pl_jp.id, year=2025, pillar_code="clearance", amount=Decimal(100_000_000)),
                   PledgeLine(pledge_id=pl_no.id, year=2025, pillar_code="re", amount=Decimal("2000000.50")),
                   PledgeLine(pledge_id=pl_old.id, year=2023, pillar_code="va", amount=Decimal(1000))])
        ag_no = Commitment(ref="AG-NO-1", pledge_id=pl_no.id, donor_id=norway.id, recipient_id=halo.id,
                           signed_on=date(2025, 3, 1), start_on=date(2025, 3, 1), end_on=date(2025, 12, 31), currency="NOK")
        ag_jp = Commitment(ref="AG-JP-1", donor_id=japan.id, recipient_id=uxo.id, signed_on=date(2024, 12, 15),
                           start_on=date(2025, 1, 1), end_on=date(2025, 12, 31), currency="JPY")
        s.add_all([ag_no, ag_jp])
        s.flush()
        s.add_all([CommitmentLine(commitment_id=ag_no.id, year=2025, pillar_code="re", amount=Decimal("1500000.00")),
                   CommitmentLine(commitment_id=ag_jp.id, year=2025, pillar_code="clearance", amount=Decimal(80_000_000)),
                   Amendment(commitment_id=ag_no.id, amended_on=date(2025, 9, 1), change="increase", year=2026,
                             pillar_code="re", amount=Decimal("500000.00"), new_end=date(2026, 6, 30), notes="year two")])
        paid = [(japan, uxo, date(2025, 2, 10), "clearance", "LA-XI", Decimal(40_000_000), "JPY", "cash", ag_jp, None),
                (japan, uxo, date(2025, 8, 10), "clearance", "national", Decimal(40_000_000), "JPY", "cash", ag_jp, None),
                (norway, halo, date(2025, 4, 1), "re", "LA-HO", Decimal("750000.00"), "NOK", "cash", ag_no, None),
                (norway, fund, date(2024, 12, 1), "policy", None, Decimal("100000.00"), "NOK", "in-kind", None, None),
                (fund, halo, date(2025, 5, 5), "clearance", None, Decimal("25000.00"), "USD", "cash", None, utcnow())]
        for donor, recipient, on, pillar, province, amount, currency, support, agreement, cancelled in paid:
            s.add(Disbursement(donor_id=donor.id, recipient_id=recipient.id, paid_on=on, pillar_code=pillar,
                               province_code=province, amount=amount, currency=currency, support=support,
                               commitment_id=agreement.id if agreement else None,
                               agreement_ref=agreement.ref if agreement else None, cancelled_at=cancelled))
        old = Requirement(year=2025, pillar_code="clearance", amount=Decimal(40_000_000), currency="USD")
        new = Requirement(year=2025, pillar_code="clearance", amount=Decimal("42000000.00"), currency="USD", source="plan v2")
        s.add_all([old, new, Requirement(year=2025, pillar_code="re", amount=Decimal(3_000_000), currency="USD")])
        s.flush()
        old.superseded_by_id = new.id
        s.commit()
        return {"japan": japan.id, "norway": norway.id, "halo": halo.id, "uxo": uxo.id, "fund": fund.id,
                "pl_jp": pl_jp.id, "ag_no": ag_no.id}


# --- records, amounts, filters ---------------------------------------------------------------

def test_pledges_come_with_lines_amounts_as_text_in_their_currency_and_iso_dates(client, world, token):
    body = ok(client, "/pledges", token("co-chair"))
    assert body["total"] == 2 and refs(body) == ["PL-JP-2025", "PL-NO-2025"]  # by announcement; the cancelled one left out
    japan = body["items"][0]
    assert japan["donor"] == {"id": world["japan"], "name": "Japan"} and japan["recipient"] is None
    assert japan["announced_on"] == "2024-11-20" and japan["currency"] == "JPY"
    assert japan["total"] == "150000000"  # yen have no decimals
    assert japan["lines"] == [{"year": 2025, "pillar": "clearance", "amount": "100000000"},
                              {"year": 2026, "pillar": "clearance", "amount": "50000000"}]
    assert body["items"][1]["total"] == "2000000.50" and body["items"][1]["recipient"]["name"] == "HALO Trust"
    assert japan["created_at"].endswith("+00:00") and japan["status"] == "active"


def test_agreements_show_signed_lines_amendments_and_the_amounts_after_them(client, world, token):
    body = ok(client, f"/agreements/{world['ag_no']}", token("admin"))
    assert body["ref"] == "AG-NO-1" and body["pledge"] == {"id": body["pledge"]["id"], "ref": "PL-NO-2025"}
    assert body["lines"] == [{"year": 2025, "pillar": "re", "amount": "1500000.00"}]
    assert body["signed_total"] == "1500000.00" and body["current_total"] == "2000000.00"
    assert body["end_on"] == "2025-12-31" and body["current_end"] == "2026-06-30" and body["terminated_on"] is None
    [amendment] = body["amendments"]
    assert amendment["change"] == "increase" and amendment["amount"] == "500000.00" and amendment["year"] == 2026


def test_filters_keep_what_they_say(client, world, token):
    key = token("co-chair")
    assert refs(ok(client, "/pledges?donor=japan", key)) == ["PL-JP-2025"]  # by name, any case
    assert refs(ok(client, f"/pledges?donor={world['norway']}", key)) == ["PL-NO-2025"]  # by number
    assert refs(ok(client, "/pledges?recipient=The%20HALO%20Trust", key)) == ["PL-NO-2025"]  # by alias
    assert refs(ok(client, "/pledges?year=2026", key)) == ["PL-JP-2025"]
    assert refs(ok(client, "/pledges?pillar=re&currency=nok", key)) == ["PL-NO-2025"]
    assert refs(ok(client, "/pledges?status=cancelled", key)) == ["PL-OLD"]
    assert refs(ok(client, "/pledges?status=all&announced_to=2024-12-31", key)) == ["PL-OLD", "PL-JP-2025"]
    # an agreement counts for the year a live amendment added to, not only the years it was signed for
    assert refs(ok(client, "/agreements?year=2026", key)) == ["AG-NO-1"]
    assert refs(ok(client, "/agreements?year=2025&pillar=clearance", key)) == ["AG-JP-1"]
    paid = ok(client, "/disbursements?donor=Japan&year=2025", key)
    assert [d["amount"] for d in paid["items"]] == ["40000000", "40000000"]
    assert [d["paid_on"] for d in ok(client, "/disbursements?paid_from=2025-03-01&paid_to=2025-06-30&status=all", key)["items"]] \
        == ["2025-04-01", "2025-05-05"]
    in_kind = ok(client, "/disbursements?support=in-kind", key)["items"]
    assert [(d["recipient"]["name"], d["amount"], d["currency"]) for d in in_kind] == [("Trust Fund", "100000.00", "NOK")]
    assert ok(client, "/disbursements?province=LA-XI", key)["items"][0]["agreement"]["ref"] == "AG-JP-1"
    assert ok(client, "/disbursements?agreement_ref=AG-NO-1", key)["total"] == 1
    current = ok(client, "/requirements?year=2025", key)["items"]
    assert [(r["pillar"], r["amount"], r["status"]) for r in current] == [("clearance", "42000000.00", "current"),
                                                                         ("re", "3000000.00", "current")]
    superseded = ok(client, "/requirements?status=superseded", key)["items"]
    assert [(r["amount"], r["superseded_by"]) for r in superseded] == [("40000000.00", current[0]["id"])]
    orgs = ok(client, "/organisations?kind=donor", key)["items"]
    assert [o["name"] for o in orgs] == ["Japan", "Norway"]
    assert ok(client, "/organisations?name=the%20halo", key)["items"][0]["aliases"] == ["The HALO Trust"]


def test_updated_since_finds_records_changed_and_agreements_amended_after_the_moment(app, client, world, token):
    from uxo_swg.pledges.agreements import AmendmentData, record_amendment
    from uxo_swg.pledges.services import cancel

    key = token("co-chair")
    time.sleep(0.01)  # the records above were made strictly before the moment
    moment = utcnow().isoformat()
    assert ok(client, f"/pledges?updated_since={moment}", key)["total"] == 0
    with app.app_context():
        s = get_session()
        cancel(Pledge, world["pl_jp"], 1, session=s)
        japan_agreement = s.exec(select(Commitment).where(Commitment.ref == "AG-JP-1")).one()
        record_amendment(japan_agreement.id, AmendmentData(date(2025, 10, 1), "decrease", 2025, "clearance",
                                                           Decimal(1_000_000), None, "less work"), session=s)
    changed = ok(client, f"/pledges?status=all&updated_since={moment.replace('+00:00', 'Z')}", key)
    assert refs(changed) == ["PL-JP-2025"] and changed["items"][0]["status"] == "cancelled"
    assert changed["items"][0]["updated_at"] > moment
    assert refs(ok(client, f"/agreements?updated_since={moment[:10]}", key)) == ["AG-JP-1", "AG-NO-1"]  # a date: midnight
    amended = ok(client, f"/agreements?updated_since={moment.replace('+00:00', '')}", key)
    assert refs(amended) == ["AG-JP-1"] and amended["items"][0]["current_total"] == "79000000"


def test_pages_are_in_a_fixed_order_with_links_and_a_total(client, world, token):
    key = token("admin")
    first = ok(client, "/disbursements?status=all&per_page=2", key)
    assert (first["total"], first["pages"], first["page"], len(first["items"])) == (5, 3, 1, 2)
    assert first["links"]["prev"] is None and first["links"]["next"] == f"{API}/disbursements?page=2&per_page=2&status=all"
    seen = [d["id"] for d in first["items"]]
    page = first
    while page["links"]["next"]:
        page = client.get(page["links"]["next"], headers={"Authorization": f"Bearer {key}"}).get_json()
        seen += [d["id"] for d in page["items"]]
    paid = ok(client, "/disbursements?status=all&per_page=200", key)["items"]
    assert seen == [d["id"] for d in paid] and [d["paid_on"] for d in paid] == sorted(d["paid_on"] for d in paid)
    past = ok(client, "/disbursements?status=all&per_page=2&page=9", key)
    assert past["items"] == [] and past["total"] == 5 and past["links"]["prev"].endswith("page=3&per_page=2&status=all")


BAD_PARAMETERS = [  # what is sent, the parameter the answer names, what it says
    ("/pledges?year=twenty", "year", "not a whole number"),
    ("/pledges?year=1850", "year", "between 1900 and 2200"),
    ("/pledges?per_page=500", "per_page", "between 1 and 200"),
    ("/pledges?page=0", "page", "between 1 and 1000000"),
    ("/pledges?donor=Japn", "donor", "Did you mean 'Japan'?"),
    ("/pledges?donor=9999", "donor", "no organisation has the number 9999"),
    ("/pledges?pillar=mines", "pillar", "use one of clearance, va, re, im, policy, unallocated"),
    ("/pledges?currency=US", "currency", "ISO 4217"),
    ("/pledges?announced_from=31/03/2025", "announced_from", "2025-03-31"),
    ("/pledges?updated_since=yesterday", "updated_since", "not a date or time"),
    ("/pledges?status=deleted", "status", "use one of active, cancelled, all"),
    ("/pledges?colour=red", "colour", "unknown parameter 'colour'"),
    ("/pledges?year=2025&year=2026", "year", "given 2 times"),
    ("/pledges?year=", "year", "empty"),
    ("/pledges/abc", "pledge_id", "not a whole number"),
    ("/summaries/twg/2025-Q5/clearance", "period", "a quarter is Q1 to Q4"),
    ("/summaries/swg/2025-H1?version=newest", "version", "use latest, draft, or a version number"),
]


def test_bad_parameters_get_a_400_naming_them(client, world, token):
    key = token("co-chair")
    for query, parameter, said in BAD_PARAMETERS:
        response = call(client, query, key)
        assert response.status_code == 400 and response.is_json, query
        assert response.get_json()["parameter"] == parameter and said in response.get_json()["message"], query


def test_missing_records_get_a_json_404(client, world, token):
    key = token("co-chair")
    for url in ("/pledges/999999", "/agreements/999999", "/disbursements/999999", "/requirements/999999",
                "/organisations/999999", "/no-such-thing"):
        response = call(client, url, key)
        assert response.status_code == 404 and response.get_json()["message"], url


# --- rights, tokens ------------------------------------------------------------------------------

RECORDS = ["/organisations", "/pledges", "/agreements", "/disbursements", "/requirements"]


def test_a_token_has_the_rights_of_its_user_on_the_web(client, world, token):
    for role, allowed in [("admin", True), ("co-chair", True), ("operator", False), ("reviewer", False)]:
        key = token(role, organisation="HALO Trust" if role == "operator" else None)
        for url in RECORDS:  # the web shows these records to admins and co-chairs only
            response = call(client, url, key)
            assert response.status_code == (200 if allowed else 403), (role, url)
            assert response.is_json and (allowed or response.get_json()["message"])
        assert call(client, "/summaries", key).status_code == 200  # published summaries: every user


def test_no_token_a_wrong_one_or_only_a_login_cookie_gets_401(client, login, world, token):
    assert call(client, "/pledges").status_code == 401
    wrong = call(client, "/pledges", "uxo_not-a-token")
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert "revoked" in wrong.get_json()["message"]
    login("admin")  # the browser's session cookie opens the web pages, never the API
    assert client.get("/admin/users").status_code == 200
    cookie_only = call(client, "/pledges")
    assert cookie_only.status_code == 401 and cookie_only.is_json
    posted = client.post(API + "/pledges", headers={"Authorization": f"Bearer {token('admin')}"})
    assert posted.status_code == 405 and posted.is_json  # read-only; no CSRF error either: the API takes no cookies


def test_revoked_tokens_and_disabled_users_tokens_stop_working(app, client, make_user, world, token):
    key = token("co-chair")
    other = token("co-chair")
    admin = make_user("admin")
    with app.app_context():
        s = get_session()
        row = s.exec(select(ApiToken).order_by(ApiToken.id)).first()
        assert row.last_used_at is None and key not in {t.token_hash for t in s.exec(select(ApiToken))}
    assert call(client, "/pledges", key).status_code == 200
    with app.app_context():
        assert get_session().get(ApiToken, row.id).last_used_at is not None  # last use recorded
    client.post("/login", data={"email": admin, "password": PASSWORD, "csrf_token": csrf_token(client)})
    page = client.get("/admin/tokens").get_data(as_text=True)
    assert "<td>test</td>" in page and "live" in page and "token_hash" not in page
    revoked = client.post(f"/admin/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(client, "/admin/tokens")})
    assert revoked.status_code == 302
    assert call(client, "/pledges", key).status_code == 401
    assert call(client, "/pledges", other).status_code == 200
    with app.app_context():
        s = get_session()
        [entry] = s.exec(select(AuditLog).where(AuditLog.entity == "api_token", AuditLog.action == "update")).all()
        assert entry.actor == admin and '"revoked_by"' in entry.after
        inserted = s.exec(select(AuditLog).where(AuditLog.entity == "api_token", AuditLog.action == "insert")).first()
        assert '"token_hash": "(hidden)"' in inserted.after
        owner = s.get(User, s.exec(select(ApiToken.user_id).where(ApiToken.id != row.id)).first())
        owner.active = False
        s.commit()
    assert call(client, "/pledges", other).status_code == 401


def test_create_token_prints_a_token_and_keeps_only_its_hash(app, runner, make_user):
    email = make_user("reviewer")
    result = runner.invoke(args=["create-token", email, "--label", "nightly export"])
    assert result.exit_code == 0, result.output
    printed = result.stdout.strip()
    assert printed.startswith("uxo_") and len(printed) > 40
    with app.app_context():
        [row] = get_session().exec(select(ApiToken)).all()
        assert row.label == "nightly export" and row.token_hash != printed and printed not in row.token_hash
    refused = runner.invoke(args=["create-token", "nobody@example.org"])
    assert refused.exit_code != 0 and "no user has the e-mail" in refused.output


# --- summaries -------------------------------------------------------------------------------

def test_summaries_published_for_every_user_drafts_for_those_who_may_read_them(app, client, make_user, token):
    from uxo_swg.summaries import services

    scope = services.scope_of("twg", "2025-Q3", "clearance")
    co_chair = make_user("co-chair")
    with app.app_context():
        s = get_session()
        services.publish(scope, s.exec(select(User).where(User.email == co_chair)).one(), session=s)
        donor, operator = Organisation(name="Ireland", kind="donor"), Organisation(name="MAG", kind="ngo")
        s.add_all([donor, operator])
        s.flush()  # paid after publishing: the draft counts it, the published version never will
        s.add(Disbursement(donor_id=donor.id, recipient_id=operator.id, paid_on=date(2025, 8, 1), pillar_code="clearance",
                           amount=Decimal("1234.50"), currency="USD"))
        s.commit()
    url = "/summaries/twg/2025-Q3/clearance"
    operator_key = token("operator", organisation="MAG")
    published = ok(client, url, operator_key)
    assert (published["status"], published["version"], published["published_by"]) == ("published", 1, co_chair)
    assert published["summary"]["kind"] == "twg" and published["summary"]["totals"]["disbursed"] == "0.00"
    assert ok(client, url + "?version=1", operator_key)["summary"] == published["summary"]
    assert call(client, url + "?version=2", operator_key).status_code == 404
    assert call(client, "/summaries/swg/2025-H1", operator_key).status_code == 404  # nothing published yet
    refused = call(client, url + "?version=draft", operator_key)
    assert refused.status_code == 403 and "not its draft" in refused.get_json()["message"]
    draft = ok(client, url + "?version=draft", token("co-chair"))
    assert draft["status"] == "draft" and draft["version"] is None
    assert draft["summary"]["totals"]["disbursed"] == "1234.50" and draft["summary"]["pillar"] == "clearance"
    listed = ok(client, "/summaries?kind=twg&period=2025-q3", operator_key)
    assert [(i["period"], i["pillar"], i["version"], i["url"]) for i in listed["items"]] == [
        ("2025-Q3", "clearance", 1, f"{API}{url}?version=1")]
    assert ok(client, "/summaries?kind=swg", operator_key)["total"] == 0


def test_a_reviewer_reads_the_drafts_of_the_pillars_followed(app, client, make_user):
    from uxo_swg.summaries import services

    email = make_user("reviewer")
    with app.app_context():
        s = get_session()
        services.set_followed_pillars(s.exec(select(User).where(User.email == email)).one(), {"va"}, session=s)
        key = create_token(email, session=s)
    assert call(client, "/summaries/twg/2025-Q3/va?version=draft", key).status_code == 200
    assert call(client, "/summaries/twg/2025-Q3/clearance?version=draft", key).status_code == 403
    assert call(client, "/summaries/swg/2025-H1?version=draft", key).status_code == 200


# --- OpenAPI and reports -------------------------------------------------------------------------

def test_openapi_describes_every_endpoint_and_its_parameters(app, client):
    doc = client.get(API + "/openapi.json").get_json()  # no token needed to read the description
    assert doc["openapi"].startswith("3.")
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    import re

    assert {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule) for rule in rules} == set(doc["paths"])
    pledges = doc["paths"][API + "/pledges"]["get"]
    names = {p["name"] for p in pledges["parameters"]}
    assert {"donor", "recipient", "year", "pillar", "currency", "updated_since", "page", "per_page"} <= names
    assert set(pledges["responses"]) == {"200", "400", "401", "403", "404"}
    assert "admin, co-chair" in pledges["description"]


def test_a_report_is_one_declared_function(app, client, token):
    from uxo_swg.api.endpoints import Api
    from uxo_swg.api.openapi import openapi_document
    from uxo_swg.api.reports import REPORT_YEAR

    probe = Api("probe", "/probe/v1")

    @probe.report("demo", summary="A report for the test", roles=("co-chair",), params=(REPORT_YEAR,),
                  response={"type": "object", "properties": {"year": {"type": "integer"}}})
    def demo(args, *, session):
        return {"year": args["year"]}

    app.register_blueprint(probe.bp)
    key = token("co-chair")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/probe/v1/reports/demo?year=2025", headers=headers).get_json() == {"year": 2025}
    assert client.get("/probe/v1/reports/demo", headers=headers).get_json()["parameter"] == "year"
    assert client.get("/probe/v1/reports/demo?year=2025").status_code == 401
    reviewer = {"Authorization": f"Bearer {token('reviewer')}"}
    assert client.get("/probe/v1/reports/demo?year=2025", headers=reviewer).status_code == 403
    described = openapi_document(probe)["paths"]["/probe/v1/reports/demo"]["get"]
    assert described["tags"] == ["reports"] and described["parameters"][0]["required"] is True


# --- the description holds: schemathesis makes up requests from it and checks the answers -------------

def test_every_endpoint_answers_as_its_openapi_description_says(app, world, token):
    """No 5xx, and every answer (200s and errors alike) has a status, a content type and a body the description allows."""
    from itertools import product

    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance, response_schema_conformance, status_code_conformance,
    )

    headers = {"Authorization": f"Bearer {token('co-chair')}"}
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    described = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")} - {f"{API}/openapi.json"}
    assert len(operations) == len(described)  # every endpoint but the description itself
    for operation, mode in product(operations, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=8, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def answers_as_described(case):
            case.call_and_validate(headers=headers, checks=checks)

        answers_as_described()
