"""Organisations: search, record, change with optimistic locking, merge with every reference moved."""
from __future__ import annotations

import json

from sqlmodel import select

from conftest import csrf_token
from uxo_swg.db import get_session
from uxo_swg.directory import Directory
from uxo_swg.models import (
    AuditLog, Commitment, Disbursement, OperatorReturn, Organisation, OrganisationAlias, Pledge, ReturnReceipt, User,
)


def post(client, url, data, form_url=None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_url or url)})


def org(app, name):
    with app.app_context():
        return get_session().exec(select(Organisation).where(Organisation.name == name)).one()


def test_search_finds_by_name_or_alias_and_filters_by_kind(demo_app, client, login):
    login("co-chair")
    page = client.get("/organisations/?q=koica").get_data(as_text=True)
    assert "Republic of Korea" in page and "Japan" not in page
    page = client.get("/organisations/?kind=ngo").get_data(as_text=True)
    assert "HALO Trust" in page and "UXO Lao Trust Fund" not in page


def test_the_list_exports_what_the_search_shows(demo_app, client, login):
    import io

    from openpyxl import load_workbook

    login("co-chair")
    response = client.get("/organisations/?kind=ngo&export=xlsx")
    assert response.headers["Content-Disposition"] == 'attachment; filename="organisations.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[:2] == ("Name", "Kind"))
    names = {row[0] for row in rows[header + 1:] if row[0]}
    assert "HALO Trust" in names and "Japan" not in names
    assert {row[1] for row in rows[header + 1:] if row[0]} == {"ngo"}


def test_record_an_organisation_with_country_name_and_aliases(demo_app, client, login):
    login("co-chair")
    data = {"name": "Mekong Demining Foundation", "kind": "foundation", "country": "Thailand", "contact": "info@mdf.example",
            "aliases": "MDF\nMekong DF\nmdf"}
    assert post(client, "/organisations/new", data).status_code == 302
    with demo_app.app_context():
        session = get_session()
        created = session.exec(select(Organisation).where(Organisation.name == "Mekong Demining Foundation")).one()
        assert (created.kind, created.country, created.contact) == ("foundation", "TH", "info@mdf.example")
        assert sorted(a.alias for a in session.exec(select(OrganisationAlias).where(OrganisationAlias.organisation_id == created.id))) == ["MDF", "Mekong DF"]
        assert Directory.load(session=session).find("mekong df").id == created.id


def test_names_and_aliases_already_taken_and_bad_countries_are_refused(demo_app, client, login):
    login("co-chair")
    taken = post(client, "/organisations/new", {"name": "New donor", "kind": "donor", "country": "", "aliases": "JICA"})
    assert taken.status_code == 400 and "already an alias of &#39;Japan&#39;" in taken.get_data(as_text=True)
    same = post(client, "/organisations/new", {"name": "japan", "kind": "donor", "country": "", "aliases": ""})
    assert same.status_code == 400 and "already the name of" in same.get_data(as_text=True)
    bad = post(client, "/organisations/new", {"name": "Narnia aid", "kind": "donor", "country": "Narnia", "aliases": ""})
    assert bad.status_code == 400 and "is not a country" in bad.get_data(as_text=True)


def test_a_stale_edit_is_refused_with_who_changed_it(demo_app, client, login):
    email = login("co-chair")
    japan = org(demo_app, "Japan")
    data = {"name": "Japan", "kind": "donor", "country": "JP", "contact": "embassy", "aliases": "JICA", "version": japan.version}
    assert post(client, f"/organisations/{japan.id}/edit", data).status_code == 302
    stale = post(client, f"/organisations/{japan.id}/edit", {**data, "contact": "someone else"})
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409 and f"changed by {email} at" in text and "nothing was saved" in text
    assert org(demo_app, "Japan").contact == "embassy"


def test_merge_moves_every_reference_and_keeps_the_merged_record(demo_app, client, login, make_user):
    login("co-chair")
    halo, mag = org(demo_app, "HALO Trust"), org(demo_app, "MAG")
    operator = make_user("operator", organisation="MAG")
    with demo_app.app_context():
        session = get_session()
        before = {
            "pledges": len(session.exec(select(Pledge).where((Pledge.recipient_id == mag.id) | (Pledge.donor_id == mag.id))).all()),
            "agreements": len(session.exec(select(Commitment).where(Commitment.recipient_id == mag.id)).all()),
            "payments": len(session.exec(select(Disbursement).where(Disbursement.recipient_id == mag.id)).all()),
            "returns": len(session.exec(select(OperatorReturn).where(OperatorReturn.operator_id == mag.id)).all()),
        }
        halo_payments = len(session.exec(select(Disbursement).where(Disbursement.recipient_id == halo.id)).all())
    assert before["pledges"] and before["agreements"] and before["payments"] and before["returns"]
    response = post(client, f"/organisations/{mag.id}/merge", {"survivor_id": halo.id, "version": mag.version},
                    form_url=f"/organisations/{mag.id}/edit")
    assert response.status_code == 302
    with demo_app.app_context():
        session = get_session()
        for model, column in [(Pledge, "recipient_id"), (Commitment, "recipient_id"), (Disbursement, "recipient_id"),
                              (Disbursement, "donor_id"), (ReturnReceipt, "donor_id"), (OperatorReturn, "operator_id")]:
            assert session.exec(select(model).where(getattr(model, column) == mag.id)).first() is None, (model, column)
        assert len(session.exec(select(Disbursement).where(Disbursement.recipient_id == halo.id)).all()) == halo_payments + before["payments"]
        assert session.exec(select(User).where(User.email == operator)).one().organisation_id == halo.id
        merged = session.get(Organisation, mag.id)
        assert merged.merged_into_id == halo.id
        directory = Directory.load(session=session)
        assert directory.find("MAG").id == halo.id and directory.find("Mines Advisory Group").id == halo.id
        audit = session.exec(select(AuditLog).where(AuditLog.entity == "organisation", AuditLog.entity_id == str(mag.id),
                                                    AuditLog.action == "update")).all()
        assert any(json.loads(a.after).get("merged_into_id") == halo.id for a in audit)
    page = client.get("/organisations/?q=MAG").get_data(as_text=True)
    assert "merged into HALO Trust" in page
    again = post(client, f"/organisations/{mag.id}/merge", {"survivor_id": halo.id, "version": mag.version + 1},
                 form_url=f"/organisations/{halo.id}/edit")
    assert again.status_code == 302


def test_reviewer_cannot_merge(demo_app, client, login):
    login("reviewer")
    assert client.post("/organisations/1/merge", data={"survivor_id": 2}).status_code in (400, 403)
    assert client.get("/organisations/").status_code == 403
