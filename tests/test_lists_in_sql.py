"""The workspace lists are filtered, sorted, paged and totalled in SQL (issue 14): same figures, constant statements."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from uxo_swg.audit import set_actor
from uxo_swg.db import get_session
from uxo_swg.models import (
    Commitment, CommitmentLine, Disbursement, ExchangeRate, OperatorReturn, Organisation, OrganisationAlias, Pledge, PledgeLine,
    ReturnReceipt,
)
from uxo_swg.pledges.queries import Filters, find_commitments, find_disbursements, find_pledges, usd_total

D = Decimal


def rows_of(page: str) -> list[tuple[str, str]]:
    """Return (ref, status) of each row of the pledge list, in its order."""
    return re.findall(r'<td><a href="/pledges/\d+">([^<]+)</a></td>.*?<span class="status">([^<]+)</span>', page, re.S)


def total_of(page: str) -> tuple[str, str | None]:
    """Return the total line's US$ figure and, if any, how many records it leaves out."""
    found = re.search(r"US\$ ([\d,.]+)</strong>(?: <span class=\"error\">\((\d+) record)?", page)
    return found.group(1), found.group(2)


@pytest.fixture
def worked(app):
    """The worked example: rates EUR 0.8 and JPY 125 per US$, no LAK rate; four pledges, one cancelled."""
    with app.app_context():
        s = get_session()
        set_actor(s, actor="test", via="cli")
        donor = Organisation(name="Germany", kind="donor")
        japan = Organisation(name="Japan", kind="donor")
        government = Organisation(name="Government of Lao PDR", kind="government")
        halo = Organisation(name="HALO Trust", kind="ngo")
        s.add_all([donor, japan, government, halo])
        s.flush()
        s.add_all([ExchangeRate(rate_date=date(2025, m, 1), currency=c, units_per_usd=D(u), source="test")
                   for m in range(1, 13) for c, u in (("EUR", "0.8"), ("JPY", "125"))])

        def pledge(ref, org, on, currency, lines, cancelled=False):
            p = Pledge(ref=ref, donor_id=org.id, announced_on=on, currency=currency,
                       cancelled_at=datetime(2025, 9, 1, tzinfo=timezone.utc) if cancelled else None)
            s.add(p)
            s.flush()
            s.add_all(PledgeLine(pledge_id=p.id, year=y, pillar_code=pillar, amount=D(a)) for y, pillar, a in lines)
            return p

        def agreement(ref, p, on, currency, amount):
            c = Commitment(ref=ref, pledge_id=p.id, donor_id=p.donor_id, recipient_id=halo.id, signed_on=on, start_on=on,
                           end_on=date(2026, 12, 31), currency=currency)
            s.add(c)
            s.flush()
            s.add(CommitmentLine(commitment_id=c.id, year=on.year, pillar_code="clearance", amount=D(amount)))
            return c

        # EUR 1,000 (US$ 1,250): EUR 700 signed, EUR 300 paid -> partly disbursed
        p1 = pledge("PL-DE-1", donor, date(2025, 3, 10), "EUR", [(2025, "clearance", "600"), (2026, "va", "400")])
        a1 = agreement("AG-DE-1", p1, date(2025, 4, 1), "EUR", "700")
        s.add(Disbursement(agreement_ref="AG-DE-1", commitment_id=a1.id, pledge_id=p1.id, donor_id=donor.id,
                           recipient_id=halo.id, paid_on=date(2025, 5, 10), pillar_code="clearance", amount=D("300"), currency="EUR"))
        # JPY 100,000 (US$ 800) against an agreement of US$ 800: compared in US$ -> committed
        p2 = pledge("PL-JP-1", japan, date(2025, 2, 1), "JPY", [(2025, "clearance", "100000")])
        agreement("AG-JP-1", p2, date(2025, 3, 1), "USD", "800")
        pledge("PL-DE-2", donor, date(2025, 6, 1), "EUR", [(2025, "va", "500")])  # US$ 625, announced
        pledge("PL-LA-1", government, date(2025, 6, 1), "LAK", [(2025, "clearance", "1000000")])  # no LAK rate
        pledge("PL-DE-3", donor, date(2025, 7, 1), "EUR", [(2025, "va", "900")], cancelled=True)
        s.commit()
    return app


def test_statuses_and_totals_shown_are_the_record_by_record_figures(worked, client, login):
    login("co-chair")
    page = client.get("/pledges/?sort=status").get_data(as_text=True)
    assert rows_of(page) == [("PL-DE-2", "announced"), ("PL-LA-1", "announced"), ("PL-JP-1", "committed"),
                             ("PL-DE-1", "partly disbursed")]
    # 1,250 + 800 + 625 (US$), the kip pledge left out for want of a rate
    assert total_of(page) == ("2,675.00", "1")
    assert total_of(client.get("/pledges/?status=committed").get_data(as_text=True)) == ("800.00", None)
    assert rows_of(client.get("/pledges/?status=cancelled").get_data(as_text=True)) == [("PL-DE-3", "cancelled")]
    by_usd = client.get("/pledges/?sort=usd&dir=desc").get_data(as_text=True)
    assert [ref for ref, _ in rows_of(by_usd)] == ["PL-DE-1", "PL-JP-1", "PL-DE-2", "PL-LA-1"]  # no rate: last
    va_2025 = client.get("/pledges/?year=2025&pillar=va").get_data(as_text=True)
    assert [ref for ref, _ in rows_of(va_2025)] == ["PL-DE-2"] and total_of(va_2025) == ("625.00", None)
    assert total_of(client.get("/agreements/").get_data(as_text=True)) == ("1,675.00", None)  # EUR 700 + US$ 800
    assert total_of(client.get("/disbursements/").get_data(as_text=True)) == ("375.00", None)  # EUR 300

    with worked.app_context():  # the same figures counted record by record
        session = get_session()
        for status in (None, "announced", "committed", "partly disbursed", "cancelled"):
            summaries = find_pledges(Filters(status=status), session=session)
            shown = client.get(f"/pledges/?status={status or ''}&sort=status").get_data(as_text=True)
            assert sorted(rows_of(shown)) == sorted((x.pledge.ref, x.status) for x in summaries)
            total, missing = usd_total(summaries)
            assert total_of(shown) == (f"{total.quantize(D('0.01')):,}", str(missing) if missing else None)
        for url, found in (("/agreements/", find_commitments), ("/disbursements/", find_disbursements)):
            total, missing = usd_total(found(Filters(), session=session))
            assert total_of(client.get(url).get_data(as_text=True)) == (f"{total.quantize(D('0.01')):,}", None)


def add_records(app, count: int, start: int) -> None:
    """Add `count` each of organisations (with an alias), pledges, agreements, payments and receipts of 2025-Q3."""
    with app.app_context():
        s = get_session()
        set_actor(s, actor="test", via="cli")
        donor = s.execute(sa.select(Organisation).where(Organisation.name == "Japan")).scalar_one()
        halo = s.execute(sa.select(Organisation).where(Organisation.name == "HALO Trust")).scalar_one()
        ret = s.execute(sa.select(OperatorReturn).where(OperatorReturn.operator_id == halo.id)).scalar_one_or_none()
        if ret is None:
            ret = OperatorReturn(operator_id=halo.id, quarter="2025-Q3")
            s.add(ret)
            s.flush()
        for i in range(start, start + count):
            org = Organisation(name=f"Operator {i:03d}", kind="ngo")
            s.add(org)
            s.flush()
            s.add(OrganisationAlias(organisation_id=org.id, alias=f"Op {i}", key=f"op {i}"))
            on = date(2025, 7, 1 + i % 28)
            p = Pledge(ref=f"PL-{i:03d}", donor_id=donor.id, announced_on=on, currency="JPY")
            s.add(p)
            s.flush()
            s.add(PledgeLine(pledge_id=p.id, year=2025, pillar_code="clearance", amount=D(1000 + i)))
            c = Commitment(ref=f"AG-{i:03d}", pledge_id=p.id, donor_id=donor.id, recipient_id=halo.id, signed_on=on,
                           start_on=on, end_on=date(2026, 6, 30), currency="USD" if i % 5 == 0 else "JPY")
            s.add(c)
            s.flush()
            s.add(CommitmentLine(commitment_id=c.id, year=2025, pillar_code="clearance", amount=D(500)))
            s.add(Disbursement(agreement_ref=c.ref, commitment_id=c.id, pledge_id=p.id, donor_id=donor.id, recipient_id=halo.id,
                               paid_on=on, pillar_code="clearance", amount=D(200 + i), currency=c.currency))
            s.add(ReturnReceipt(return_id=ret.id, received_on=on, donor_id=donor.id, agreement_ref=c.ref if i % 2 else None,
                                pillar_code="clearance", amount=D(200 + i), currency=c.currency))
        s.commit()


LISTS = ["/pledges/", "/pledges/?status=partly+disbursed&sort=usd", "/pledges/?sort=status&page=2", "/agreements/?sort=usd",
         "/disbursements/?sort=donor&dir=desc&page=3", "/organisations/", "/returns/?quarter=2025-Q3",
         "/reconciliation/?quarter=2025-Q3&open_receipts_page=2", "/audit/"]


def test_a_list_page_runs_as_many_statements_with_200_records_as_with_20(worked, client, login):
    login("co-chair", "admin")
    engine = worked.extensions["engine"]
    statements = []

    def counting(*_args):
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", counting)

    def count() -> dict[str, int]:
        out = {}
        for url in LISTS:
            assert client.get(url).status_code == 200, url  # warm: the rate book is read once per process
            statements.clear()
            assert client.get(url).status_code == 200, url
            out[url] = len(statements)
        return out

    add_records(worked, 20, 0)
    few = count()
    add_records(worked, 180, 20)
    many = count()
    sa.event.remove(engine, "before_cursor_execute", counting)
    assert many == few, {url: (few[url], many[url]) for url in LISTS if few[url] != many[url]}
    page = client.get("/disbursements/?page=3").get_data(as_text=True)
    assert "201 record(s), page 3 of 5" in page  # the worked example's payment and these 200


def test_the_reconciliation_page_builds_the_receipts_it_shows_not_every_receipt_of_the_quarter(worked, client, login):
    login("co-chair")
    add_records(worked, 200, 0)  # 100 receipts with the agreement ref (matched), 100 without (no donor-side record)
    built = []

    def loaded(target, _context):
        built.append(target.id)

    sa.event.listen(ReturnReceipt, "load", loaded)
    try:
        page = client.get("/reconciliation/?quarter=2025-Q3&open_receipts_page=2").get_data(as_text=True)
    finally:
        sa.event.remove(ReturnReceipt, "load", loaded)
    assert "Receipts with no donor-side record (100)" in page and "100 receipt(s), page 2 of 2" in page
    assert len(built) <= 50, len(built)  # the page's receipts; the 200 of the quarter read whole before
    rows = re.findall(r'<td>HALO Trust</td><td>Japan</td><td></td>\s*<td>[^<]+</td><td class="num">(\w+) ([\d,.]+)</td>', page)
    with worked.app_context():  # the receipts with no ref, in the order received, from the 51st
        unmatched = get_session().execute(sa.select(ReturnReceipt.currency, ReturnReceipt.amount).where(
            ReturnReceipt.agreement_ref.is_(None)).order_by(ReturnReceipt.received_on, ReturnReceipt.id)).all()[50:100]
    assert rows == [(c, f"{a:.0f}" if c == "JPY" else f"{a:.2f}") for c, a in unmatched]
