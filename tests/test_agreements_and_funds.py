"""Agreements with yearly lines and amendments, cash or in-kind support, CCM and fiscal year, `Funded by`, rate warnings."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from conftest import csrf_token
from register_files import COMMITMENT_HEADERS, DISBURSEMENT_HEADERS, ORGANISATION_HEADERS, clean_sheets, workbook_bytes
from returns_workbooks import EXPENDITURE_HEADERS, add_organisations, return_workbook, xlsx
from uxo_swg.db import get_session
from uxo_swg.models import Amendment, Commitment, CommitmentLine, Disbursement, Organisation, ReturnExpenditure
from uxo_swg.pledges.importing import import_register
from uxo_swg.returns.services import ReturnRefused, import_return

AG_HEADERS = [*COMMITMENT_HEADERS[:-1], "Year", "Support", "Notes"]
AM_HEADERS = ["Agreement ref", "Amended on", "Change", "Year", "Pillar", "Amount", "New end", "Notes"]


@pytest.fixture
def db(demo_app):
    with demo_app.app_context():
        yield get_session()


def two_year_register(amendments=None):
    sheets = clean_sheets()
    sheets["Organisations"] = [[*ORGANISATION_HEADERS, "CCM state party", "Fiscal year starts"],
                               ["Mekong Demining Foundation", "foundation", "Thailand", "MDF; Mekong DF", "Y", 4],
                               ["Lao Sector Fund", "Pooled-Fund", "", "", "", ""]]
    sheets["Commitments"] = [AG_HEADERS,
                             ["AG-2Y", "REG-1", "Japan", "UXO Lao", date(2025, 3, 1), date(2025, 3, 1), date(2026, 12, 31),
                              "clearance", 60000000, "JPY", "", "In Kind", ""],
                             ["AG-2Y", "REG-1", "Japan", "UXO Lao", date(2025, 3, 1), date(2025, 3, 1), date(2026, 12, 31),
                              "clearance", 40000000, "JPY", 2026, "in-kind", ""],
                             ["AG-VA", "", "Ireland", "HALO Trust", date(2025, 4, 1), date(2025, 4, 1), date(2026, 3, 31),
                              "va", 1000, "EUR", 2025, "", ""],
                             ["AG-VA", "", "Ireland", "HALO Trust", date(2025, 4, 1), date(2025, 4, 1), date(2026, 3, 31),
                              "re", 500, "EUR", 2025, "", ""]]
    sheets["Disbursements"] = [[*DISBURSEMENT_HEADERS[:-1], "Support", "Notes"],
                               ["AG-2Y", "", "Japan", "UXO Lao", "", date(2025, 4, 15), "clearance", "", 1000000, "JPY", "inkind", ""]]
    if amendments is not None:
        sheets["Amendments"] = [AM_HEADERS, *amendments]
    return sheets


def run(db, sheets, commit=True):
    return import_register(workbook_bytes(sheets), "register.xlsx", session=db, actor="tester", commit=commit)


def test_a_two_year_agreement_is_one_agreement_with_two_lines_support_and_organisation_fields(db):
    result = run(db, two_year_register())
    assert result.errors == [], [str(p) for p in result.errors]
    agreement = db.exec(select(Commitment).where(Commitment.ref == "AG-2Y")).one()
    lines = {(ln.year, ln.pillar_code): ln.amount for ln in db.exec(select(CommitmentLine).where(CommitmentLine.commitment_id == agreement.id))}
    assert lines == {(2025, "clearance"): Decimal(60000000), (2026, "clearance"): Decimal(40000000)}
    assert agreement.support == "in-kind" and result.created["agreements"] == 2 and result.created["agreement lines"] == 4
    assert db.exec(select(Disbursement).where(Disbursement.agreement_ref == "AG-2Y")).one().support == "in-kind"
    mdf = db.exec(select(Organisation).where(Organisation.name == "Mekong Demining Foundation")).one()
    assert mdf.ccm_state_party is True and mdf.fiscal_year_start == 4
    assert db.exec(select(Organisation).where(Organisation.name == "Lao Sector Fund")).one().kind == "pooled-fund"


def test_rows_of_one_agreement_that_disagree_are_an_error_naming_the_column(db):
    sheets = two_year_register()
    sheets["Commitments"][2][6] = date(2027, 12, 31)  # the second row ends later
    result = run(db, sheets)
    assert [(p.sheet, p.row, p.column) for p in result.errors] == [("Commitments", 3, "G (End)")]
    assert "rows of one agreement must agree" in result.errors[0].message
    assert db.exec(select(Commitment).where(Commitment.ref == "AG-2Y")).first() is None


def test_amendments_sheet_increase_decrease_terminate_are_stored(db):
    result = run(db, two_year_register([
        ["AG-2Y", date(2025, 6, 1), "increase", 2026, "", 5000000, "", "extra district"],
        ["AG-2Y", date(2025, 7, 1), "Decrease", "", "", 10000000, "", "budget cut"],
        ["AG-VA", date(2025, 9, 1), "terminate", "", "", "", "", "operator left"],
    ]))
    assert result.errors == [], [str(p) for p in result.errors]
    ours = select(Commitment.id).where(Commitment.ref.in_(("AG-2Y", "AG-VA")))  # the demo's own amendments aside
    stored = {(a.change, a.year, a.pillar_code, a.amount, a.new_end)
              for a in db.exec(select(Amendment).where(Amendment.commitment_id.in_(ours)))}
    assert stored == {("increase", 2026, "clearance", Decimal(5000000), None),
                      ("decrease", 2025, "clearance", Decimal(10000000), None),
                      ("terminate", 2025, None, None, date(2025, 9, 1))}


def test_bad_amendments_are_located_and_nothing_is_stored(db):
    result = run(db, two_year_register([
        ["AG-2Y", date(2025, 6, 1), "decrease", 2025, "", 70000000, "", "too much"],
        ["AG-NONE", date(2025, 6, 1), "increase", 2025, "", 5, "", "who?"],
        ["AG-2Y", date(2025, 1, 1), "increase", 2025, "", 5, "", "before signing"],
        ["AG-VA", date(2025, 6, 1), "increase", 2025, "", 5, "", "which pillar?"],
    ]))
    found = {(p.sheet, p.row, p.column.split(" ")[0]): p.message for p in result.errors}
    # one agreement's amendments are replayed in date order: the first that cannot be is reported
    assert set(found) == {("Amendments", 3, "A"), ("Amendments", 4, "B"), ("Amendments", 5, "E")}, found
    assert "before the agreement was signed (2025-03-01)" in found[("Amendments", 4, "B")]
    assert "no agreement has the ref 'AG-NONE'" in found[("Amendments", 3, "A")]
    assert "several pillars" in found[("Amendments", 5, "E")]
    assert not result.committed and db.exec(select(Commitment).where(Commitment.ref == "AG-2Y")).first() is None
    ours = select(Commitment.id).where(Commitment.ref.in_(("AG-2Y", "AG-VA")))  # the demo's own amendments aside
    assert db.exec(select(Amendment).where(Amendment.commitment_id.in_(ours))).all() == []


def test_a_decrease_larger_than_the_line_is_refused_on_its_row(db):
    result = run(db, two_year_register([["AG-2Y", date(2025, 6, 1), "decrease", 2025, "", 70000000, "", "too much"]]))
    assert [(p.sheet, p.row, p.column) for p in result.errors] == [("Amendments", 2, "F (Amount)")]
    assert "is more than the 60000000" in result.errors[0].message


def test_a_missing_rate_is_a_warning_the_import_still_stores(db):
    sheets = two_year_register()
    sheets["Disbursements"].append(["", "", "Japan", "UXO Lao", "", date(2025, 4, 16), "clearance", "", 5, "XAF", "", ""])
    result = run(db, sheets)
    assert result.committed
    warnings = [p.message for p in result.warnings if p.message.startswith("No XAF rate")]
    assert warnings == ["No XAF rate on or in the 31 days before 2025-04-16 (Disbursements row 3): load one before the "
                        "summaries are due."]


def test_the_missing_rate_warning_on_the_web_preview_and_the_command_line(demo_app, client, login, tmp_path):
    sheets = two_year_register()
    sheets["Disbursements"].append(["", "", "Japan", "UXO Lao", "", date(2025, 4, 16), "clearance", "", 5, "XAF", "", ""])
    data = workbook_bytes(sheets)
    path = tmp_path / "register.xlsx"
    path.write_bytes(data)
    out = demo_app.test_cli_runner().invoke(args=["import-register", "--dry-run", str(path)])
    assert "warning: No XAF rate on or in the 31 days before 2025-04-16 (Disbursements row 3)" in out.output
    login("co-chair")
    import io
    page = client.post("/register/import", data={"csrf_token": csrf_token(client, "/register/import"),
                                                  "file": (io.BytesIO(data), "register.xlsx")}).get_data(as_text=True)
    assert "No XAF rate on or in the 31 days before 2025-04-16 (Disbursements row 3)" in page


# --- the workspace ------------------------------------------------------------------------------------

def org_id(app, name):
    with app.app_context():
        return get_session().exec(select(Organisation).where(Organisation.name == name)).one().id


def post(client, url, data, form_url=None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_url or url)})


def new_agreement(demo_app, client):
    data = {"ref": "AG-FORM", "pledge_id": 0, "donor_id": org_id(demo_app, "Japan"), "recipient_id": org_id(demo_app, "UXO Lao"),
            "signed_on": "2025-03-01", "start_on": "2025-03-01", "end_on": "2026-12-31", "currency": "USD", "support": "in-kind",
            "notes": "", "lines-0-year": "2025", "lines-0-pillar": "clearance", "lines-0-amount": "1000",
            "lines-1-year": "2026", "lines-1-pillar": "re", "lines-1-amount": "500.50"}
    response = post(client, "/agreements/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with demo_app.app_context():
        return get_session().exec(select(Commitment).where(Commitment.ref == "AG-FORM")).one()


def test_agreement_form_with_two_lines_and_support(demo_app, client, login):
    login("co-chair")
    agreement = new_agreement(demo_app, client)
    with demo_app.app_context():
        lines = get_session().exec(select(CommitmentLine).where(CommitmentLine.commitment_id == agreement.id)).all()
    assert agreement.support == "in-kind"
    assert {(ln.year, ln.pillar_code, ln.amount) for ln in lines} == {(2025, "clearance", Decimal(1000)), (2026, "re", Decimal("500.50"))}
    assert "AG-FORM" in client.get("/agreements/").get_data(as_text=True)


def test_amendments_on_the_agreement_page_with_history_and_refusals(demo_app, client, login):
    login("co-chair")
    agreement = new_agreement(demo_app, client)
    url = f"/agreements/{agreement.id}"
    page_url = url

    def amend(**fields):
        data = {"amended_on": "2025-06-01", "change": "increase", "year": "", "pillar": "", "amount": "", "new_end": "",
                "notes": "reason", **fields}
        return post(client, f"{url}/amendments", data, form_url=page_url)

    refused = amend(pillar="", amount="100")  # two pillars: say which
    assert refused.status_code == 400 and "several pillars" in refused.get_data(as_text=True)
    refused = amend(amended_on="2025-01-01", pillar="clearance", amount="100")
    assert refused.status_code == 400 and "before the agreement was signed" in refused.get_data(as_text=True)
    refused = amend(change="decrease", pillar="clearance", amount="1000.01")
    assert refused.status_code == 400 and "is more than the 1000" in refused.get_data(as_text=True)
    refused = amend(pillar="clearance", amount="100", notes="")
    assert refused.status_code == 400
    assert amend(pillar="clearance", amount="250").status_code == 302
    assert amend(change="decrease", amended_on="2025-07-01", pillar="clearance", amount="1250").status_code == 302
    assert amend(change="terminate", amended_on="2025-08-15", notes="operator withdrew").status_code == 302
    page = client.get(url).get_data(as_text=True)
    history = page[page.index('id="agreement-history"'):]
    assert history.index("increase") < history.index("decrease") < history.index("terminate")
    assert "1,250.00" in history and "500.50" in re.search(r'id="agreement-current">([^<]+)<', page).group(1)
    assert "Terminated on 2025-08-15" in page
    refused = amend(pillar="clearance", amount="1", amended_on="2025-09-01")
    assert refused.status_code == 400 and "terminated on 2025-08-15" in refused.get_data(as_text=True)
    with demo_app.app_context():
        assert len(get_session().exec(select(Amendment).where(Amendment.commitment_id == agreement.id)).all()) == 3


def test_organisation_form_ccm_and_fiscal_year(demo_app, client, login):
    login("co-chair")
    data = {"name": "Sector Trust Fund", "kind": "pooled-fund", "country": "", "contact": "", "aliases": "",
            "ccm_state_party": "yes", "fiscal_year_start": "7"}
    assert post(client, "/organisations/new", data).status_code == 302
    with demo_app.app_context():
        fund = get_session().exec(select(Organisation).where(Organisation.name == "Sector Trust Fund")).one()
    assert (fund.kind, fund.ccm_state_party, fund.fiscal_year_start) == ("pooled-fund", True, 7)
    form = client.get(f"/organisations/{fund.id}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="yes">|value="yes" selected', form)


# --- operator returns: Funded by ----------------------------------------------------------------------

def funded_return(funders):
    wb = return_workbook(expenditure=[["clearance", "Xiengkhouang", 100, "USD", f, None] for f in funders])
    ws = wb["Expenditure"]
    for n, header in enumerate([*EXPENDITURE_HEADERS[:-1], "Funded by", "Notes"], start=1):
        ws.cell(row=1, column=n, value=header)
    return xlsx(wb)


def test_return_expenditure_funded_by_government_fund_or_own_funds(session):
    ids = add_organisations(session)
    for name, kind in (("Government of Lao PDR", "government"), ("Lao Sector Fund", "pooled-fund")):
        session.add(Organisation(name=name, kind=kind))
    session.commit()
    result = import_return(funded_return(["Government of Lao PDR", "lao sector fund", "Own Funds", None]), "r.xlsx",
                           session=session, actor="test")
    rows = session.exec(select(ReturnExpenditure).where(ReturnExpenditure.return_id == result.operator_return.id)
                        .order_by(ReturnExpenditure.row)).all()
    names = {o.id: o.name for o in session.exec(select(Organisation))}
    assert [(names.get(r.funded_by_id), r.own_funds) for r in rows] == [
        ("Government of Lao PDR", False), ("Lao Sector Fund", False), (None, True), (None, False)]
    assert ids


def test_return_unknown_funded_by_is_located(session):
    add_organisations(session)
    with pytest.raises(ReturnRefused) as refused:
        import_return(funded_return(["Japn"]), "r.xlsx", session=session, actor="test")
    found = {(p.sheet, p.row, p.column): p.message for p in refused.value.problems if p.level == "error"}
    assert "Did you mean 'Japan'" in found[("Expenditure", 2, "E (Funded by)")]
