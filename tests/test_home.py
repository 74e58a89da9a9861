import re

from uxo_swg.db import get_session
from uxo_swg.funding import figures_for
from uxo_swg.domain.periods import parse_period


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_home_shows_the_year_from_the_demo_data(demo_app, client, login):
    login("reviewer")
    page = client.get("/?year=2025")
    assert page.status_code == 200
    body = text(page)
    assert "2025 funding at a glance" in body
    assert "Survey and Clearance" in body and "National contribution" in body
    with demo_app.app_context():
        figures = figures_for(parse_period("2025"), session=get_session())
    shown = f"{figures.total('disbursed').quantize(figures.total('disbursed').__class__('0.01')):,}"
    assert f"US$ {shown}" in body
    assert "United States" in body  # largest donor table
    assert not figures.missing_rates


def test_home_with_no_data_says_so(client, login):
    login("reviewer")
    body = text(client.get("/?year=2025"))
    assert "No disbursement is recorded for 2025 yet" in body
    assert "US$ 0.00" in body


def test_home_rejects_a_bad_year(client, login):
    login("co-chair")
    page = client.get("/?year=twenty")
    assert page.status_code == 400
    assert "is not a year such as 2025" in text(page) or "is not a period" in text(page)
