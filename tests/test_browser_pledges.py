"""In a real browser (Debian's chromium): a co-chair records a three-year pledge, an agreement and two payments."""
from __future__ import annotations

import re

from conftest import browser_login


def test_co_chair_records_a_multi_year_multi_currency_pledge_and_follows_it(demo_app, make_user, page):
    browser_login(page, make_user("co-chair"))
    page.click("nav[aria-label=Main] >> text=Pledges")
    page.click("text=Record a pledge")

    page.fill("input[name=ref]", "PL-DE-2025-01")
    page.select_option("select[name=donor_id]", label="Germany")
    page.fill("input[name=announced_on]", "2025-03-14")
    page.fill("input[name=announced_at]", "SWG plenary, March 2025")
    page.select_option("select[name=currency]", "EUR")
    page.select_option("select[name=recipient_id]", label="Humanity & Inclusion")
    for n, (year, pillar, amount) in enumerate([("2025", "va", "1,000,000"), ("2026", "va", "1000000"), ("2027", "re", "500000.50")]):
        page.fill(f"input[name=lines-{n}-year]", year)
        page.select_option(f"select[name=lines-{n}-pillar]", pillar)
        page.fill(f"input[name=lines-{n}-amount]", amount)
    page.click("input[type=submit][value='Save pledge']")

    page.wait_for_selector("#pledge-status")
    assert page.inner_text("#pledge-status") == "announced"
    assert page.inner_text("#pledge-total") == "2,500,000.50 EUR"
    assert re.fullmatch(r"US\$ [\d,]+\.\d\d", page.inner_text("#pledge-usd"))
    # the demo loads the UN operational rate of each month: the rate of 1 March applies on 14 March
    assert re.search(r"EUR per US\$ on 2025-03-01 \(UN operational rates of exchange", page.inner_text("#pledge-rate"))
    assert page.locator("#pledge-lines tbody tr").count() == 3

    page.click("text=Record an agreement")
    assert page.input_value("select[name=currency]") == "EUR"
    page.fill("input[name=ref]", "AG-DE-HI-2025")
    page.fill("input[name=signed_on]", "2025-04-02")
    page.fill("input[name=start_on]", "2025-04-01")
    page.fill("input[name=end_on]", "2027-12-31")
    page.fill("input[name=lines-0-year]", "2025")
    page.select_option("select[name=lines-0-pillar]", "va")
    page.fill("input[name=lines-0-amount]", "2,000,000")
    page.click("input[type=submit][value='Save agreement']")
    page.wait_for_selector("#pledge-status")
    assert page.inner_text("#pledge-status") == "partly committed"
    assert "AG-DE-HI-2025" in page.inner_text("#pledge-agreements")

    page.click("#pledge-agreements >> text=Record a payment")
    page.fill("input[name=paid_on]", "2025-05-20")
    page.select_option("select[name=province_code]", label="Savannakhet")
    page.fill("input[name=amount]", "600000")
    page.click("input[type=submit][value='Save disbursement']")
    page.wait_for_selector("#pledge-status")
    assert page.inner_text("#pledge-status") == "partly disbursed"

    # The second payment came in US dollars: the pledge mixes currencies, so it is followed in USD.
    page.click("#pledge-agreements >> text=Record a payment")
    page.fill("input[name=paid_on]", "2025-09-15")
    page.select_option("select[name=currency]", "USD")
    page.fill("input[name=amount]", "300000.00")
    page.click("input[type=submit][value='Save disbursement']")
    page.wait_for_selector("#pledge-status")
    assert page.inner_text("#pledge-status") == "partly disbursed"
    disbursed = page.inner_text("#pledge-disbursed")
    assert disbursed.startswith("600,000.00 EUR · US$ ")
    rows = page.locator("#pledge-disbursements tbody tr")
    assert rows.count() == 2
    assert "300,000.00 USD" in page.inner_text("#pledge-disbursements") and "LA-SV" in page.inner_text("#pledge-disbursements")

    page.click("nav.tabs >> text=Pledges")
    row = page.locator("tr", has_text="PL-DE-2025-01")
    assert "partly disbursed" in row.inner_text() and "2,500,000.50 EUR" in row.inner_text()
