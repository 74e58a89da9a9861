"""The work plan's targets (spec section 10): the register's Targets sheet and the co-chairs' form."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import col, select

from conftest import csrf_token
from register_files import workbook_bytes
from uxo_swg.models import AuditLog, Target
from uxo_swg.pledges.importing import import_register, rollback_import

HEADERS = ["Year", "Pillar", "Indicator", "Target", "Source"]
ROWS = [[2025, "clearance", "land_released_ha", 1200, "work plan 2025"],
        [2025, "Risk Education", "re beneficiaries", "45,000", ""]]


def run(session, sheets, name="register.xlsx"):
    data = sheets if isinstance(sheets, bytes) else workbook_bytes(sheets)
    return import_register(data, name, session=session, actor="tester@example.org")


def current(session):
    return {(t.year, t.pillar_code, t.indicator): t.target for t in session.exec(
        select(Target).where(col(Target.superseded_by_id).is_(None), col(Target.cancelled_at).is_(None)))}


def test_targets_sheet_is_imported_and_a_changed_target_supersedes_the_old_one(session):
    first = run(session, {"Targets": [HEADERS, *ROWS]})
    assert first.errors == [] and first.committed and first.created == {"targets": 2}
    assert current(session) == {(2025, "clearance", "land_released_ha"): Decimal(1200),
                                (2025, "re", "re_beneficiaries"): Decimal(45000)}
    changed = run(session, {"Targets": [HEADERS, ROWS[0], [2025, "re", "re_beneficiaries", 50000, "mid-year review"]]},
                  name="register-july.xlsx")
    assert changed.created == {"targets": 1} and changed.unchanged == {"targets": 1}
    assert current(session)[(2025, "re", "re_beneficiaries")] == Decimal(50000)
    old = session.exec(select(Target).where(Target.target == Decimal(45000))).one()
    assert old.superseded_by_id is not None and old.cancelled_at is None  # kept, never deleted
    assert session.exec(select(AuditLog).where(AuditLog.entity == "target", AuditLog.action == "update")).first()


def test_rollback_cancels_the_imported_targets_and_the_replaced_one_applies_again(session):
    run(session, {"Targets": [HEADERS, ROWS[0]]})
    data = workbook_bytes({"Targets": [HEADERS, [2025, "clearance", "land_released_ha", 1500, ""]]})
    second = run(session, data, name="b.xlsx")
    assert current(session)[(2025, "clearance", "land_released_ha")] == Decimal(1500)
    rollback_import(second.batch_id, session=session, actor="cochair@example.org")
    assert current(session) == {(2025, "clearance", "land_released_ha"): Decimal(1200)}
    again = run(session, data, name="b.xlsx")  # the same file: its targets are reinstated
    assert again.reinstated and again.created["targets"] == 1
    assert current(session) == {(2025, "clearance", "land_released_ha"): Decimal(1500)}


@pytest.mark.parametrize("row, column, message", [
    ([2025, "clearance", "hectares", 10, ""], "C (Indicator)", "'hectares' is not an indicator"),
    ([2025, "clearance", "items_destroyed", 0, ""], "D (Target)", "'0' is not a target"),
    ([2025, "clearance", "items_destroyed", "lots", ""], "D (Target)", "'lots' is not a number"),
    ([2025, "clearance", "land_released_ha", 5, ""], "C (Indicator)", "already given on row 2"),
    ([2025.5, "clearance", "items_destroyed", 5, ""], "A (Year)", "is not a year"),
])
def test_targets_errors_are_located_and_nothing_is_stored(session, row, column, message):
    result = run(session, {"Targets": [HEADERS, ROWS[0], row]})
    assert [(p.sheet, p.row, p.column) for p in result.errors] == [("Targets", 3, column)], result.errors
    assert message in result.errors[0].message
    assert not result.committed and session.exec(select(Target)).all() == []


def test_co_chair_records_replaces_and_cancels_a_target(client, login, session):
    login("co-chair")
    token = csrf_token(client, "/targets/new")
    form = {"csrf_token": token, "year": "2026", "pillar_code": "va", "indicator": "va_beneficiaries", "target": "1,800",
            "source": "work plan 2026"}
    assert client.post("/targets/new", data=form).status_code == 302
    (target,) = session.exec(select(Target)).all()
    assert (target.year, target.pillar_code, target.indicator, target.target) == (2026, "va", "va_beneficiaries", 1800)
    bad = client.post("/targets/new", data={**form, "target": "-5"})
    assert bad.status_code == 400 and "above zero" in bad.get_data(as_text=True)
    replaced = client.post(f"/targets/{target.id}/edit", data={**form, "target": "2000", "version": "1"})
    assert replaced.status_code == 302
    session.expire_all()
    assert current(session) == {(2026, "va", "va_beneficiaries"): Decimal(2000)}
    assert session.get(Target, target.id).superseded_by_id is not None
    page = client.get("/targets/?year=2026").get_data(as_text=True)
    assert "2,000" in page and "1,800" not in page
    again = client.post(f"/targets/{target.id}/edit", data={**form, "target": "2100", "version": "2"})
    assert again.status_code == 400 and "already replaced or cancelled" in again.get_data(as_text=True)
    new_id = session.exec(select(Target.id).where(col(Target.superseded_by_id).is_(None))).one()
    cancelled = client.post(f"/targets/{new_id}/cancel", data={"csrf_token": token, "version": "1", "confirmed": "yes"})
    assert cancelled.status_code == 302
    session.expire_all()
    assert current(session) == {}
    assert "2,000" in client.get("/targets/?status=cancelled").get_data(as_text=True)
