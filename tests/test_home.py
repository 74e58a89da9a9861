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


def test_home_counts_the_worked_example_by_hand(app, client, login):
    """The worked example of test_summaries.py, counted for the year 2025 by hand.

    International disbursements: 1,500,000 JPY at 150 (10,000), AG-US 2,000 + 3,000, 300 in
    February, Korea's 4,000 unallocated; the receipts matching AG-J and AG-US are the same
    money (rule 5); NPA's 700 and HALO's 50 from Norway are not. Cambodia's KHR has no rate.
    The government's 40,000,000 LAK at 20,000 is the national contribution.
    """
    from test_summaries import build

    with app.app_context():
        build(get_session())
    login("reviewer")
    body = text(client.get("/?year=2025"))
    assert "Requirement US$ 25,000.00 Pledged for 2025 US$ 6,000.00 Committed US$ 562.50 Disbursed US$ 20,050.00" in body
    # Pillar, requirement, pledged, committed, disbursed, spent (Q3 1,200 and Q4 999), coverage, gap;
    # coverage and gap count the national 2,000 pledged and disbursed (rule 7): 18,050 / 20,000, 20,000 - 8,000.
    assert "Survey and Clearance 20,000.00 6,000.00 562.50 16,050.00 2,199.00 90.3% 12,000.00" in body
    assert "Not disaggregated 0.00 0.00 0.00 4,000.00 0.00 – 0.00" in body
    # The government's pledge (40,000,000 LAK at 20,000), nothing committed, its disbursement.
    assert "National contribution (Government of Lao PDR) 2,000.00 0.00 2,000.00" in body
    assert "1 amount(s) are left out because no exchange rate applies" in body and "KHR" in body
    donors = re.search(r"Largest donors by disbursement in 2025 Donor Disbursed \(US\$\) (.*)", body).group(1)
    assert donors.startswith("Japan 10,000.00 United States 5,300.00 Korea 4,000.00 Norway 750.00 Lao PDR")
