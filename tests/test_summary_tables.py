"""Long tables on summary pages: the first rows with a "show all" link; the exports keep every row."""
import json
import re
from datetime import date
from decimal import Decimal

import pytest

from uxo_swg.audit import set_actor
from uxo_swg.db import get_session
from uxo_swg.models import Organisation, Pledge, PledgeLine

DRAFT = "/summaries/swg/2025-H2/all"


@pytest.fixture
def many_pledges(app):
    """40 donors, each with three pledges of US$ 100 for 2025 and no agreement: 120 pipeline rows."""
    with app.app_context():
        session = get_session()
        set_actor(session, actor="test", via="cli")
        donors = [Organisation(name=f"Donor {n:02}", kind="donor") for n in range(40)]
        session.add_all(donors)
        session.flush()
        pledges = [Pledge(ref=f"PL-{d.id}-{k}", donor_id=d.id, announced_on=date(2025, 7, 1 + k), currency="USD")
                   for d in donors for k in range(3)]
        session.add_all(pledges)
        session.flush()
        session.add_all(PledgeLine(pledge_id=p.id, year=2025, pillar_code="clearance", amount=Decimal(100)) for p in pledges)
        session.commit()


def _rows(page: str, table: str) -> int:
    found = re.search(rf'<table[^>]*id="{table}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert found, f"no table {table}"
    return found.group(1).count("<tr>")


def _link(page: str, name: str) -> str:
    found = re.search(rf'<p class="more" id="more-{name}">[^<]*<a href="([^"]+)">Show all ([\d,]+)</a>', page)
    assert found, f"no show-all link under {name}"
    return found.group(1).replace("&amp;", "&"), found.group(2)


def test_a_summary_page_shows_the_first_rows_of_its_long_tables_and_all_on_request(client, login, many_pledges):
    login("co-chair")
    page = client.get(DRAFT).get_data(as_text=True)
    assert _rows(page, "table-pipeline") == 25
    assert _rows(page, "table-donors") == 25
    url, count = _link(page, "pipeline")
    assert count == "120" and url.endswith("#table-pipeline")

    whole = client.get(url).get_data(as_text=True)
    assert _rows(whole, "table-pipeline") == 120
    assert _rows(whole, "table-donors") == 25  # only the table asked for
    assert len(page) < len(whole) - 120 * 100  # the first page does not carry the 95 rows it leaves out

    url, count = _link(whole, "donors")  # both tables now
    both = client.get(url).get_data(as_text=True)
    assert (_rows(both, "table-pipeline"), _rows(both, "table-donors")) == (120, 40)


def test_the_exports_keep_every_row(client, login, many_pledges):
    login("co-chair")
    doc = json.loads(client.get(f"{DRAFT}/export.json").data)
    assert len(doc["pipeline"]) == 120 and len(doc["donors"]) == 40
    assert doc["totals"]["pledged"] == "12000.00"


def test_the_records_behind_a_figure_come_in_pages_of_a_hundred(client, login, many_pledges):
    login("reviewer")
    url = f"{DRAFT}/records?figure=totals|pledged"
    first = client.get(url).get_data(as_text=True)
    assert _rows(first, "records") == 100
    assert "120 record(s), total US$ <span id=\"records-total\">12,000.00</span>" in first  # the total of all of them
    assert "page 1 of 2" in first
    second = client.get(url + "&page=2").get_data(as_text=True)
    assert _rows(second, "records") == 20
    link = re.search(r'<a href="([^"]+)">Show all 120</a>', first).group(1).replace("&amp;", "&")
    assert _rows(client.get(link).get_data(as_text=True), "records") == 120
