"""Stored money is exact on every database; changes are audited."""
import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import select

from uxo_swg.audit import set_actor
from uxo_swg.models import AuditLog, Disbursement, ExchangeRate, Organisation


def _org(session, name="Japan", kind="donor"):
    org = Organisation(name=name, kind=kind)
    session.add(org)
    session.flush()
    return org


def test_large_amounts_and_cents_survive_storage_and_sum(session):
    donor, operator = _org(session), _org(session, "UXO Lao", "national-operator")
    amounts = ["1234567890123.45"] + ["0.10"] * 10
    for n, amount in enumerate(amounts):
        session.add(Disbursement(donor_id=donor.id, recipient_id=operator.id, paid_on=date(2025, 1, 1 + n),
                                 pillar_code="clearance", amount=Decimal(amount), currency="USD"))
    session.commit()
    stored = session.exec(select(Disbursement).order_by(Disbursement.id)).first()
    session.expire_all()
    assert stored.amount == Decimal("1234567890123.45")
    total = session.exec(select(sa.func.sum(Disbursement.amount))).one()
    assert total == Decimal("1234567890124.45")


def test_float_never_enters_a_money_column(session):
    donor = _org(session)
    session.add(Disbursement(donor_id=donor.id, recipient_id=donor.id, paid_on=date(2025, 1, 1),
                             pillar_code="clearance", amount=0.1, currency="USD"))
    with pytest.raises(sa.exc.StatementError, match="never a float"):
        session.commit()


def test_rate_keeps_ten_decimals(session):
    session.add(ExchangeRate(rate_date=date(2025, 1, 1), currency="EUR", units_per_usd=Decimal("0.9123456789"), source="t"))
    session.commit()
    session.expire_all()
    assert session.exec(select(ExchangeRate)).one().units_per_usd == Decimal("0.9123456789")


def test_every_change_is_audited_with_before_and_after(session):
    set_actor(session, actor="cochair@example.org", via="form", user_id=None)
    org = _org(session, "Irland")
    session.commit()
    org.name = "Ireland"
    session.commit()
    rows = session.exec(select(AuditLog).where(AuditLog.entity == "organisation").order_by(AuditLog.id)).all()
    assert [r.action for r in rows] == ["insert", "update"]
    assert rows[0].actor == "cochair@example.org" and rows[0].via == "form"
    assert json.loads(rows[0].after)["name"] == "Irland"
    assert json.loads(rows[1].before) == {"name": "Irland"}
    assert json.loads(rows[1].after) == {"name": "Ireland"}
    assert rows[1].entity_id == str(org.id)
