"""Defects users found in the co-chairs' workspace (issue 13): filters, drop-downs, numbers, confirm, reinstate."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from conftest import csrf_token
from uxo_swg.audit import set_actor
from uxo_swg.db import get_session
from uxo_swg.models import (
    AuditLog, Commitment, CommitmentLine, Disbursement, ExchangeRate, Organisation, Pledge, PledgeLine, Requirement,
)

ORGS = {"Japan": "donor", "Norway": "donor", "European Union": "multilateral", "Government of Lao PDR": "government",
        "Trust Fund": "pooled-fund", "HALO Trust": "ngo", "UXO Lao": "national-operator"}


@pytest.fixture
def records(app):
    """Two donors' pledges, an agreement, a payment and a requirement; return their ids by name."""
    with app.app_context():
        s = get_session()
        set_actor(s, actor="test", via="cli")
        o = {}
        for name, kind in ORGS.items():
            o[name] = Organisation(name=name, kind=kind)
            s.add(o[name])
        s.flush()
        s.add(ExchangeRate(rate_date=date(2025, 2, 1), currency="LAK", units_per_usd=Decimal("21550"), source="BoL"))
        japan = Pledge(ref="PL-JP", donor_id=o["Japan"].id, announced_on=date(2025, 3, 1), currency="USD")
        norway = Pledge(ref="PL-NO", donor_id=o["Norway"].id, announced_on=date(2025, 3, 2), currency="LAK")
        s.add_all([japan, norway])
        s.flush()
        s.add(PledgeLine(pledge_id=japan.id, year=2025, pillar_code="clearance", amount=Decimal(625000)))
        s.add(PledgeLine(pledge_id=norway.id, year=2025, pillar_code="va", amount=Decimal(8_000_000_000)))
        agreement = Commitment(ref="AG-JP", pledge_id=japan.id, donor_id=o["Japan"].id, recipient_id=o["HALO Trust"].id,
                               signed_on=date(2025, 4, 1), start_on=date(2025, 4, 1), end_on=date(2025, 12, 31), currency="USD")
        s.add(agreement)
        s.flush()
        s.add(CommitmentLine(commitment_id=agreement.id, year=2025, pillar_code="clearance", amount=Decimal(500000)))
        payment = Disbursement(agreement_ref="AG-JP", commitment_id=agreement.id, pledge_id=japan.id, donor_id=o["Japan"].id,
                               recipient_id=o["HALO Trust"].id, paid_on=date(2025, 5, 2), pillar_code="clearance",
                               province_code="LA-XE", amount=Decimal(250000), currency="USD")
        need = Requirement(year=2025, pillar_code="clearance", amount=Decimal(1_000_000), currency="USD")
        s.add_all([payment, need])
        s.commit()
        return {**{name: org.id for name, org in o.items()}, "PL-JP": japan.id, "PL-NO": norway.id, "AG-JP": agreement.id,
                "payment": payment.id, "requirement": need.id}


def options(page: str, name: str) -> list[tuple[str, str, bool]]:
    """Return the (value, label, selected) options of the page's select named `name`."""
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [(value, label.strip(), bool(selected)) for value, selected, label in
            re.findall(r'<option(?:[^>]*value="([^"]*)")?([^>]*selected)?[^>]*>([^<]*)</option>', select_html)]


def selected(page: str, name: str) -> list[str]:
    return [label for _value, label, chosen in options(page, name) if chosen]


def test_the_filter_form_shows_the_filters_in_force_so_changing_one_keeps_the_others(records, client, login):
    login("co-chair")
    page = client.get(f"/pledges/?year=2025&donor={records['Japan']}&pillar=clearance").get_data(as_text=True)
    assert "PL-JP" in page and "PL-NO" not in page  # the list is filtered ...
    assert selected(page, "donor") == ["Japan"] and selected(page, "pillar") == ["Survey and Clearance"]  # ... and says so
    assert re.search(r'<input name="year" value="2025"', page)
    page = client.get(f"/disbursements/?pillar=clearance&recipient={records['HALO Trust']}").get_data(as_text=True)
    assert selected(page, "recipient") == ["HALO Trust"] and selected(page, "pillar") == ["Survey and Clearance"]
    page = client.get("/agreements/?status=cancelled&sort=donor&dir=desc").get_data(as_text=True)
    assert selected(page, "status") == ["cancelled"]
    assert '<input type="hidden" name="sort" value="donor">' in page  # the sort survives a new filter too


def test_donor_drop_downs_list_donors_only_and_funds_where_a_fund_pays(records, client, login):
    login("co-chair")
    pledge_donors = [label for value, label, _ in options(client.get("/pledges/new").get_data(as_text=True), "donor_id") if value != "0"]
    assert pledge_donors == ["European Union", "Government of Lao PDR", "Japan", "Norway"]
    for url in ("/agreements/new", "/disbursements/new"):
        page = client.get(url).get_data(as_text=True)
        donors = [label for value, label, _ in options(page, "donor_id") if value != "0"]
        assert donors == ["European Union", "Government of Lao PDR", "Japan", "Norway", "Trust Fund"], url
        assert "HALO Trust" in [label for _, label, _ in options(page, "recipient_id")]
    listing = client.get("/disbursements/").get_data(as_text=True)
    assert "HALO Trust" not in [label for _, label, _ in options(listing, "donor")]
    # A posted operator is refused as a donor.
    token = csrf_token(client, "/pledges/new")
    refused = client.post("/pledges/new", data={"csrf_token": token, "ref": "PL-HALO", "donor_id": records["HALO Trust"],
                                                "recipient_id": 0, "announced_on": "2025-03-14", "currency": "USD",
                                                "lines-0-year": "2025", "lines-0-pillar": "clearance", "lines-0-amount": "1"})
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)


def test_the_currency_list_has_real_currencies_the_common_ones_first(records, client, login):
    login("co-chair")
    currencies = options(client.get("/pledges/new").get_data(as_text=True), "currency")
    codes = [value for value, _label, _ in currencies]
    assert codes[:4] == ["USD", "EUR", "JPY", "GBP"] and "LAK" in codes[:14]
    assert not {"XAU", "XAG", "XTS", "XXX", "XDR", "USN", "BOV"} & set(codes)
    assert {"XOF", "XAF", "THB", "VND"} <= set(codes)
    assert ("LAK", "LAK · Lao Kip", False) in currencies


def test_amounts_and_rates_read_as_people_write_them(records, client, login):
    login("co-chair")
    page = client.get(f"/pledges/{records['PL-NO']}").get_data(as_text=True)
    assert "21,550 LAK per US$ on 2025-02-01" in page  # not 2.155E+4
    listing = client.get("/disbursements/").get_data(as_text=True)
    assert "250,000.00 USD" in listing and "250000.0000" not in listing
    assert "Xekong" in listing and "LA-XE" not in listing and "Survey and Clearance" in listing


def test_a_rate_from_the_built_in_ecb_table_is_shown_with_a_few_digits(records, app, client, login):
    from uxo_swg.rates import rate_book

    with app.app_context():
        s = get_session()
        pledge = Pledge(ref="PL-EU", donor_id=records["European Union"], announced_on=date(2024, 3, 14), currency="EUR")
        s.add(pledge)
        s.flush()
        s.add(PledgeLine(pledge_id=pledge.id, year=2024, pillar_code="va", amount=Decimal(1_000_000)))
        s.commit()
        units = rate_book(session=s).rate("EUR", date(2024, 3, 14)).units_per_usd
        pledge_id = pledge.id
    assert len(str(units).replace(".", "")) > 20  # the ECB's euro rates restated per dollar: 28 digits
    login("co-chair")
    shown = re.search(r'id="pledge-rate">([^ ]+) EUR per US\$', client.get(f"/pledges/{pledge_id}").get_data(as_text=True)).group(1)
    assert len(shown.replace(".", "").lstrip("0")) <= 8 and "E" not in shown
    assert abs(Decimal(shown) - units) < Decimal("0.00000001")


def test_times_are_shown_in_vientiane_time(records, app, client, login):
    with app.app_context():
        s = get_session()
        pledge = s.get(Pledge, records["PL-JP"])
        pledge.cancelled_at = datetime(2025, 3, 1, 20, 30, tzinfo=timezone.utc)  # 03:30 the next day in Vientiane
        s.add(pledge)
        s.commit()
    login("co-chair")
    page = client.get(f"/pledges/{records['PL-JP']}").get_data(as_text=True)
    assert "2025-03-02 03:30" in page and not re.search(r"\d\d:\d\d(:\d\d)? UTC", page)
    assert "times in Vientiane time (UTC+7)" in page
    audit = client.get("/audit/?entity=pledge").get_data(as_text=True)
    assert "(UTC)" not in audit


@pytest.mark.parametrize("kind, url, key, label", [
    ("pledge", "/pledges/{id}", "PL-JP", "pledge PL-JP"),
    ("agreement", "/agreements/{id}", "AG-JP", "agreement AG-JP"),
    ("disbursement", "/disbursements/{id}", "payment", "this disbursement"),
    ("requirement", "/requirements/{id}", "requirement", "this requirement"),
])
def test_cancelling_asks_first_and_a_cancelled_record_can_be_reinstated(records, app, client, login, kind, url, key, label):
    model = {"pledge": Pledge, "agreement": Commitment, "disbursement": Disbursement, "requirement": Requirement}[kind]
    record_id = records[key]
    base = url.format(id=record_id)
    login("co-chair")
    token = csrf_token(client, "/pledges/")
    asked = client.post(f"{base}/cancel", data={"csrf_token": token, "version": "1"})
    assert asked.status_code == 200
    body = asked.get_data(as_text=True)
    assert f"Cancel {label}?" in body and "It can be reinstated later" in body and 'name="confirmed" value="yes"' in body
    with app.app_context():
        assert get_session().get(model, record_id).cancelled_at is None  # nothing happened yet
    done = client.post(f"{base}/cancel", data={"csrf_token": token, "version": "1", "confirmed": "yes"})
    assert done.status_code == 302
    with app.app_context():
        assert get_session().get(model, record_id).cancelled_at is not None
    again = client.post(f"{base}/reinstate", data={"csrf_token": token, "version": "2"})
    assert again.status_code == 302
    with app.app_context():
        s = get_session()
        record = s.get(model, record_id)
        assert record.cancelled_at is None and record.version == 3
        changes = s.exec(select(AuditLog).where(AuditLog.entity == model.__table__.name, AuditLog.entity_id == str(record_id),
                                                AuditLog.action == "update").order_by(AuditLog.id)).all()
        assert [c.after for c in changes][-1].startswith('{"cancelled_at": null')
        assert all(c.via == "form" and c.actor.startswith("co-chair") for c in changes)


def test_a_cancelled_pledge_shows_a_reinstate_button_and_a_stale_reinstate_is_refused(records, client, login):
    login("co-chair")
    token = csrf_token(client, "/pledges/")
    client.post(f"/pledges/{records['PL-JP']}/cancel", data={"csrf_token": token, "version": "1", "confirmed": "yes"})
    page = client.get(f"/pledges/{records['PL-JP']}").get_data(as_text=True)
    assert "Reinstate this pledge" in page and "Cancel this pledge" not in page
    stale = client.post(f"/pledges/{records['PL-JP']}/reinstate", data={"csrf_token": token, "version": "1"}, follow_redirects=True)
    assert "Pledge not reinstated: this record was changed by" in stale.get_data(as_text=True)
    listing = client.get("/pledges/?status=cancelled").get_data(as_text=True)
    assert "PL-JP" in listing


def test_a_requirement_is_not_reinstated_over_the_one_that_took_its_place(records, app, client, login):
    login("co-chair")
    token = csrf_token(client, "/requirements/")
    client.post(f"/requirements/{records['requirement']}/cancel", data={"csrf_token": token, "version": "1", "confirmed": "yes"})
    with app.app_context():
        s = get_session()
        s.add(Requirement(year=2025, pillar_code="clearance", amount=Decimal(900_000), currency="USD"))
        s.commit()
    refused = client.post(f"/requirements/{records['requirement']}/reinstate", data={"csrf_token": token, "version": "2"},
                          follow_redirects=True)
    assert "has another requirement now" in refused.get_data(as_text=True)
    with app.app_context():
        assert get_session().get(Requirement, records["requirement"]).cancelled_at is not None
