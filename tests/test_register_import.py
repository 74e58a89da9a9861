"""The pledge register import (spec section 2): clean files, every kind of error, re-imports, rollbacks."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from register_files import (
    COMMITMENT_HEADERS, DISBURSEMENT_HEADERS, PLEDGE_HEADERS, clean_sheets, with_cached_values, workbook_bytes,
)
from uxo_swg.db import get_session
from uxo_swg.models import (
    AuditLog, Commitment, Disbursement, ImportBatch, Organisation, OrganisationAlias, Pledge, PledgeLine, Requirement,
)
from uxo_swg.pledges.importing import RollbackRefused, import_register, rollback_import


@pytest.fixture
def db(demo_app):
    with demo_app.app_context():
        yield get_session()


def run(db, data, commit=True, name="register.xlsx"):
    return import_register(data, name, session=db, actor="tester@example.org", commit=commit)


def count(db, model):
    return len(db.exec(select(model)).all())


def snapshot(db):
    return {m.__name__: count(db, m) for m in (Organisation, OrganisationAlias, Pledge, PledgeLine, Commitment,
                                                 Disbursement, Requirement, ImportBatch)}


def test_clean_register_is_stored_in_one_batch_and_audited(db):
    result = run(db, workbook_bytes(clean_sheets()))
    assert result.errors == [] and result.committed
    assert result.created == {"organisations": 1, "pledges": 3, "pledge lines": 4, "agreements": 1, "agreement lines": 1,
                              "disbursements": 2, "requirements": 1}
    pledge = db.exec(select(Pledge).where(Pledge.ref == "REG-1")).one()
    japan = db.exec(select(Organisation).where(Organisation.name == "Japan")).one()
    assert pledge.donor_id == japan.id and pledge.currency == "JPY" and pledge.announced_on == date(2025, 2, 3)
    lines = {(ln.year, ln.pillar_code): ln.amount for ln in db.exec(select(PledgeLine).where(PledgeLine.pledge_id == pledge.id))}
    assert lines == {(2025, "clearance"): Decimal(100000000), (2026, "re"): Decimal(50000000)}
    reg2 = db.exec(select(Pledge).where(Pledge.ref == "REG-2")).one()
    assert reg2.ccm_specific and db.exec(select(PledgeLine).where(PledgeLine.pledge_id == reg2.id)).one().amount == Decimal("250000.50")
    mdf = db.exec(select(Organisation).where(Organisation.name == "Mekong Demining Foundation")).one()
    assert mdf.kind == "foundation" and mdf.country == "TH"
    assert db.exec(select(Pledge).where(Pledge.ref == "REG-3")).one().donor_id == mdf.id  # found by its new alias
    agreement = db.exec(select(Commitment).where(Commitment.ref == "AG-REG-1")).one()
    assert agreement.pledge_id == pledge.id
    paid = db.exec(select(Disbursement).where(Disbursement.agreement_ref == "AG-REG-1")).one()
    assert paid.commitment_id == agreement.id and paid.pledge_id == pledge.id and paid.province_code == "LA-XI"
    batch = db.get(ImportBatch, result.batch_id)
    assert batch.kind == "register" and batch.rolled_back_at is None and "3 pledges" in batch.summary
    assert {p.import_batch_id for p in db.exec(select(Pledge).where(Pledge.ref.in_(["REG-1", "REG-2", "REG-3"])))} == {batch.id}
    logged = db.exec(select(AuditLog).where(AuditLog.entity == "pledge_line", AuditLog.via == "import")).all()
    assert len(logged) == 4 and all(e.actor == "tester@example.org" for e in logged)
    assert json.loads(logged[0].after)["amount"] in {"100000000", "50000000", "250000.50", "10000"}


def test_preview_stores_nothing(db):
    before = snapshot(db)
    result = run(db, workbook_bytes(clean_sheets()), commit=False)
    assert result.errors == [] and not result.committed and result.created["pledges"] == 3
    assert snapshot(db) == before


def error_file(sheet, row):
    """Return the clean register with a bad row first (row 2) on one sheet."""
    sheets = clean_sheets()
    sheets[sheet] = [sheets[sheet][0], row, *sheets[sheet][1:]]
    return sheets


GOOD_PLEDGE = ["P-X", "Japan", date(2025, 1, 5), 2025, "clearance", 1000, "JPY", "", "", ""]


def pledge_with(**changes):
    row = list(GOOD_PLEDGE)
    for name, value in changes.items():
        row[PLEDGE_HEADERS.index(name)] = value
    return row


@pytest.mark.parametrize("sheet, row, column, words", [
    ("Pledges", pledge_with(**{"Pledge ref": None}), "A (Pledge ref)", "pledge ref is missing"),
    ("Pledges", pledge_with(**{"Announced on": "31/13/2025"}), "C (Announced on)", "is not a date"),
    ("Pledges", pledge_with(Year="next year"), "D (Year)", "not a number"),
    ("Pledges", pledge_with(Year=1850), "D (Year)", "is not a year"),
    ("Pledges", pledge_with(Pillar="demining"), "E (Pillar)", "'demining' is not a pillar"),
    ("Pledges", pledge_with(Amount="lots"), "F (Amount)", "'lots' is not a number"),
    ("Pledges", pledge_with(Amount=-5), "F (Amount)", "not a positive amount"),
    ("Pledges", pledge_with(Amount=Decimal("10.5")), "F (Amount)", "JPY has 0 decimal places"),
    ("Pledges", pledge_with(Amount=None), "F (Amount)", "the amount is missing"),
    ("Pledges", pledge_with(Currency="YEN"), "G (Currency)", "'YEN' is not an ISO 4217 currency code"),
    ("Pledges", pledge_with(Recipient="UXO Laos Trust"), "H (Recipient)", "no recipient is called 'UXO Laos Trust'"),
    ("Pledges", pledge_with(**{"CCM specific": "maybe"}), "I (CCM specific)", "is not Y or N"),
    ("Pledges", pledge_with(**{"Pledge ref": "X" * 61}), "A (Pledge ref)", "at most 60 fit"),
    # The web form's rule for refs (domain.reference.REF_PATTERN), applied by the import too.
    ("Pledges", pledge_with(**{"Pledge ref": "PL 2025; DROP"}), "A (Pledge ref)",
     "'PL 2025; DROP' is not a valid ref: use letters, digits"),
    ("Commitments", ["#AG-X", "REG-1", "Japan", "UXO Lao", date(2025, 3, 1), date(2025, 3, 1), date(2025, 12, 1), "clearance", 5,
                     "JPY", ""], "A (Agreement ref)", "'#AG-X' is not a valid ref"),
    ("Commitments", ["AG-X", "REG-1", "Japan", "UXO Lao", date(2025, 3, 1), date(2025, 3, 1), date(2024, 1, 1), "clearance", 5, "JPY", ""],
     "G (End)", "ends (2024-01-01) before it starts"),
    ("Commitments", ["AG-X", "NO-SUCH", "Japan", "UXO Lao", date(2025, 3, 1), date(2025, 3, 1), date(2025, 12, 1), "clearance", 5, "JPY", ""],
     "B (Pledge ref)", "no pledge has the ref 'NO-SUCH'"),
    ("Commitments", ["AG-X", "REG-1", "Norway", "UXO Lao", date(2025, 3, 1), date(2025, 3, 1), date(2025, 12, 1), "clearance", 5, "JPY", ""],
     "C (Donor)", "made by another donor"),
    ("Disbursements", ["", "", "Japan", "UXO Lao", "", date(2025, 3, 1), "clearance", "Atlantis", 5, "JPY", ""],
     "H (Province)", "'Atlantis' is not a province of Lao PDR"),
    ("Disbursements", ["", "", "Japan", "", "", date(2025, 3, 1), "clearance", "", 5, "JPY", ""],
     "D (Recipient)", "the recipient is missing"),
    ("Disbursements", ["", "", "Japan", "UXO Lao", "UN Trust", date(2025, 3, 1), "clearance", "", 5, "JPY", ""],
     "E (Via)", "no channel is called 'UN Trust'"),
    ("Requirements", ["2026", "clearance", 5, "", ""], "D (Currency)", "the currency is missing"),
    ("Organisations", ["Somebody", "charity", "", ""], "B (Kind)", "'charity' is not a kind of organisation"),
    ("Organisations", ["Somebody", "ngo", "Narnia", ""], "C (Country)", "'Narnia' is not a country"),
])
def test_each_row_error_is_located_and_nothing_is_stored(db, sheet, row, column, words):
    before = snapshot(db)
    result = run(db, workbook_bytes(error_file(sheet, row)))
    assert not result.committed
    assert [(p.sheet, p.row, p.column) for p in result.errors] == [(sheet, 2, column)], [str(p) for p in result.errors]
    assert words in result.errors[0].message
    assert snapshot(db) == before


def test_rows_of_one_pledge_that_disagree_and_duplicate_lines_are_errors(db):
    sheets = clean_sheets()
    sheets["Pledges"] += [["REG-1", "Japan", date(2025, 2, 4), 2027, "clearance", 5, "JPY", "", "", ""],
                          ["REG-1", "Japan", date(2025, 2, 3), 2025, "clearance", 5, "JPY", "", "", ""]]
    result = run(db, workbook_bytes(sheets))
    assert [(p.row, p.column) for p in result.errors] == [(6, "A (Pledge ref)"), (7, "E (Pillar)")]
    assert "another donor, announcement date or currency than row 2" in result.errors[0].message
    assert "already has a line for 2025 and clearance" in result.errors[1].message
    assert count(db, ImportBatch) == 0


def test_unknown_donor_with_a_near_miss_name_lists_the_closest_names(db):
    sheets = clean_sheets()
    sheets["Pledges"][1][1] = "Japn"
    sheets["Disbursements"][2][2] = "Irelnd"
    before = count(db, Pledge)
    result = run(db, workbook_bytes(sheets))
    messages = {(p.sheet, p.row, p.column): p.message for p in result.errors}
    assert "Did you mean 'Japan'?" in messages[("Pledges", 2, "B (Donor)")]
    assert "no donor is called 'Irelnd'" in messages[("Disbursements", 3, "C (Donor)")]
    assert "'Ireland'" in messages[("Disbursements", 3, "C (Donor)")]
    assert count(db, Pledge) == before  # the demo's, nothing more


def test_the_same_file_twice_adds_nothing(db):
    data = workbook_bytes(clean_sheets())
    first = run(db, data)
    before = snapshot(db)
    second = run(db, data, name="copy of register.xlsx")
    assert second.already_imported and second.batch_id == first.batch_id and not second.errors
    assert "already imported" in second.describe()
    assert snapshot(db) == before


def test_an_updated_register_adds_only_its_new_rows(db):
    run(db, workbook_bytes(clean_sheets()))
    sheets = clean_sheets()
    sheets["Pledges"].append(["REG-4", "Norway", date(2025, 6, 1), 2025, "policy", 1000000, "NOK", "", "", ""])
    sheets["Disbursements"].append(["", "REG-4", "Norway", "NPA", "", date(2025, 7, 1), "policy", "", 500000, "NOK", ""])
    result = run(db, workbook_bytes(sheets))
    assert result.errors == []
    assert result.created == {"pledges": 1, "pledge lines": 1, "agreements": 0, "agreement lines": 0, "disbursements": 1}
    assert result.unchanged == {"organisations": 1, "pledge lines": 4, "agreement lines": 1, "disbursements": 2, "requirements": 1}


def test_a_changed_amount_of_a_recorded_pledge_is_an_error_not_an_overwrite(db):
    run(db, workbook_bytes(clean_sheets()))
    sheets = clean_sheets()
    sheets["Pledges"][1][5] = 99
    result = run(db, workbook_bytes(sheets))
    assert [(p.sheet, p.row, p.column) for p in result.errors] == [("Pledges", 2, "F (Amount)")]
    assert "recorded with 100000000 JPY" in result.errors[0].message


def test_rollback_cancels_everything_and_the_same_file_can_be_imported_again(db):
    data = workbook_bytes(clean_sheets())
    old_requirement = Requirement(year=2027, pillar_code="clearance", amount=Decimal(1), currency="USD")
    db.add(old_requirement)
    db.commit()
    first = run(db, data)
    db.refresh(old_requirement)
    assert old_requirement.superseded_by_id is not None
    batch = rollback_import(first.batch_id, session=db, actor="cochair@example.org")
    assert batch.rolled_back_at is not None
    for model in (Pledge, Commitment, Disbursement, Requirement):
        records = db.exec(select(model).where(model.import_batch_id == first.batch_id)).all()
        assert records and all(r.cancelled_at == batch.rolled_back_at for r in records)
    db.refresh(old_requirement)
    assert old_requirement.superseded_by_id is None  # the requirement it replaced applies again
    assert db.exec(select(AuditLog).where(AuditLog.entity == "import_batch", AuditLog.action == "update",
                                          AuditLog.actor == "cochair@example.org")).first()
    with pytest.raises(RollbackRefused):
        rollback_import(first.batch_id, session=db, actor="cochair@example.org")

    again = run(db, data)
    assert again.errors == [] and again.reinstated and again.batch_id == first.batch_id
    assert all(p.cancelled_at is None for p in db.exec(select(Pledge).where(Pledge.import_batch_id == first.batch_id)))
    db.refresh(old_requirement)
    assert old_requirement.superseded_by_id is not None
    assert count(db, ImportBatch) == 1


def test_a_corrupt_file_is_refused(db):
    data = workbook_bytes(clean_sheets())
    result = run(db, data[: len(data) // 2])
    assert len(result.errors) == 1 and "damaged" in result.errors[0].message or "not an Excel" in result.errors[0].message
    assert count(db, ImportBatch) == 0


def test_a_zip_that_is_not_a_workbook_and_a_text_file_are_refused(db):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hello")
    assert "not an Excel workbook" in run(db, out.getvalue()).errors[0].message
    result = run(db, b"Pledge ref,Donor\nX,Japan\n", name="register.csv")
    assert "not an Excel workbook (.xlsx)" in result.errors[0].message
    assert count(db, ImportBatch) == 0


def test_a_workbook_without_register_sheets_is_refused(db):
    result = run(db, workbook_bytes({"Sheet1": [["a", "b"], [1, 2]]}))
    assert "none of the register's sheets" in result.errors[0].message and "'Sheet1'" in result.errors[0].message


def test_a_huge_file_is_refused_before_reading_and_a_long_register_imports(db):
    data = workbook_bytes(clean_sheets())
    refused = import_register(data, "big.xlsx", session=db, actor="t", max_bytes=1000)
    assert "the limit is" in refused.errors[0].message
    rows = [PLEDGE_HEADERS] + [[f"L-{n // 3}", "Japan", date(2025, 1, 2), 2024 + n % 3, "clearance", 1000 + n, "JPY", "", "", ""]
                               for n in range(6000)]
    result = run(db, workbook_bytes({"Pledges": rows, "Disbursements": [DISBURSEMENT_HEADERS]}))
    assert result.errors == [] and result.created["pledges"] == 2000 and result.created["pledge lines"] == 6000
    assert count(db, PledgeLine) >= 6000


def test_formulas_are_read_by_their_cached_value_and_refused_without_one(db):
    sheets = clean_sheets()
    sheets["Pledges"][1][5] = "=50000000*2"
    sheets["Pledges"][2][5] = "=25000000*2"
    data = workbook_bytes(sheets)
    without = run(db, data)
    assert [(p.sheet, p.row, p.column) for p in without.errors] == [("Pledges", 2, "F (Amount)"), ("Pledges", 3, "F (Amount)")]
    assert "formula has no saved value" in without.errors[0].message
    cached = run(db, with_cached_values(data, {"F2": "100000000", "F3": "50000000"}))
    assert cached.errors == [] and cached.created["pledge lines"] == 4
    pledge = db.exec(select(Pledge).where(Pledge.ref == "REG-1")).one()
    assert sorted(ln.amount for ln in db.exec(select(PledgeLine).where(PledgeLine.pledge_id == pledge.id))) == [50000000, 100000000]


def test_headers_in_another_order_and_case_below_a_title(db):
    order = [9, 6, 0, 4, 5, 1, 3, 2, 8, 7]
    rows = [["Pledge register of the SWG secretariat"], [], [PLEDGE_HEADERS[i].upper() if i % 2 else f"  {PLEDGE_HEADERS[i].lower()} " for i in order]]
    for row in clean_sheets()["Pledges"][1:]:
        rows.append([row[i] for i in order])
    sheets = clean_sheets()
    sheets["Pledges"] = rows + [[None] * 10, [None, None, None, None, None, None, None, None, None, None]]
    sheets["Disbursements"][0] = [h.lower() for h in DISBURSEMENT_HEADERS]
    sheets["Commitments"][0] = list(reversed(COMMITMENT_HEADERS))
    sheets["Commitments"][1] = list(reversed(sheets["Commitments"][1]))
    result = run(db, workbook_bytes(sheets))
    assert result.errors == [] and result.created["pledge lines"] == 4 and result.created["agreements"] == 1
    assert db.exec(select(Pledge).where(Pledge.ref == "REG-2")).one().ccm_specific


def test_an_unknown_extra_column_is_a_warning_only(db):
    sheets = clean_sheets()
    sheets["Pledges"][0] = sheets["Pledges"][0] + ["Desk officer"]
    result = run(db, workbook_bytes(sheets))
    assert result.committed
    assert [(p.sheet, p.column, p.level) for p in result.warnings] == [("Pledges", "K", "warning")]


def test_cli_imports_and_reports_errors_with_locations(demo_app, tmp_path):
    runner = demo_app.test_cli_runner()
    good = tmp_path / "register.xlsx"
    good.write_bytes(workbook_bytes(clean_sheets()))
    result = runner.invoke(args=["import-register", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 pledges" in result.output and "4 pledge lines" in result.output
    again = runner.invoke(args=["import-register", str(good)])
    assert again.exit_code == 0 and "nothing was added" in again.output
    sheets = clean_sheets()
    sheets["Pledges"][1][1] = "Japn"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_bytes(sheets))
    failed = runner.invoke(args=["import-register", str(bad)])
    assert failed.exit_code == 1
    assert "bad.xlsx: Pledges, row 2, column B (Donor): no donor is called 'Japn'. Did you mean 'Japan'?" in failed.output
    assert "nothing was stored" in failed.output
    demo_app.config["MAX_CONTENT_LENGTH"] = 1000  # MAX_UPLOAD_MB applies to the command line too
    too_big = runner.invoke(args=["import-register", str(bad)])
    assert too_big.exit_code == 1 and "the limit is" in too_big.output
