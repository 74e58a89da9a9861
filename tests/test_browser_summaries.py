"""A co-chair opens a summary in Debian's chromium, opens a figure's records, publishes, and sees a
correction appear in the draft while the published version stays as it was."""
from datetime import date
from decimal import Decimal

from sqlmodel import select

from conftest import browser_login
from uxo_swg.db import get_session
from uxo_swg.models import Disbursement


def test_open_drill_down_publish_change_and_compare(page, demo_app, make_user):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    browser_login(page, make_user("co-chair"))

    page.goto("/summaries/")
    page.select_option("select[name=kind]", "twg")
    page.select_option("select[name=pillar]", "clearance")
    page.fill("input[name=period]", "2025-q3")
    page.click("text=Open the draft")
    page.wait_for_url("**/summaries/twg/2025-Q3/clearance")
    assert "DRAFT" in page.locator("#status").inner_text()
    # The charts are drawn by plotly.js from static/, under the strict CSP, map included.
    for chart in ("chart-pillars", "chart-trend", "chart-donors", "chart-map"):
        page.wait_for_selector(f"#{chart}[data-drawn='1'] .main-svg", state="attached")
    assert page.locator("#chart-map .scatterlayer .trace").count() == 18
    disbursed = page.locator(".card", has_text="Disbursed in 2025-Q3").locator("a.fig").first
    shown = disbursed.inner_text()

    # A figure opens to the records it is made of, whose USD amounts add up to it.
    disbursed.click()
    page.wait_for_selector("#records")
    assert page.locator("#records-total").inner_text() == shown
    assert page.locator("#records tbody tr").count() >= 5
    assert "JPY" in page.locator("#records").inner_text()

    page.go_back()
    page.click("#publish")
    assert "A published version never changes" in page.locator("#consequence").inner_text()
    page.click("#confirm")
    page.wait_for_selector("text=PUBLISHED · version 1")
    published_url = page.url

    # A correction to one record after publication.
    with demo_app.app_context():
        session = get_session()
        d = session.exec(select(Disbursement).where(Disbursement.paid_on >= date(2025, 7, 1), Disbursement.paid_on <= date(2025, 9, 30),
                                                    Disbursement.pillar_code == "clearance", Disbursement.currency == "USD")
                         .order_by(Disbursement.id)).first()
        d.amount += Decimal("1000")
        session.add(d)
        session.commit()

    page.goto(published_url)
    assert page.locator(".card", has_text="Disbursed in 2025-Q3").locator("a.fig").first.inner_text() == shown
    page.goto("/summaries/twg/2025-Q3/clearance")
    new = page.locator(".card", has_text="Disbursed in 2025-Q3").locator("a.fig").first.inner_text()
    assert Decimal(new.replace(",", "")) - Decimal(shown.replace(",", "")) == 1000
    changes = page.locator("#changes").inner_text()
    assert "What changed since published version 1" in changes
    assert "Totals · disbursed" in changes and shown in changes and new in changes
    assert problems == [], problems


def test_results_section_draws_its_chart_and_land_map_and_opens_the_return_lines(page, demo_app, make_user):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    browser_login(page, make_user("co-chair"))
    page.goto("/summaries/twg/2025-Q3/clearance")
    for chart in ("chart-results", "chart-map-land", "chart-map"):
        page.wait_for_selector(f"#{chart}[data-drawn='1'] .main-svg", state="attached")
    assert page.locator("#chart-map-land .scatterlayer .trace").count() == 18
    row = page.locator("#table-results tbody tr", has_text="land_released_ha")
    assert "per hectare" in row.inner_text()  # the demo's returns report land released and spending
    released = row.locator("a.fig").first
    shown = released.inner_text()
    released.click()
    page.wait_for_selector("#output-records")
    assert page.locator("#records-total").inner_text().replace(",", "") == shown.replace(",", "")
    assert page.locator("#output-records tbody tr").count() >= 2
    assert problems == [], problems
