"""In Debian's chromium: no page is wider than the screen, a summary prints as a clean A4 pack, the maps have legends.

Skipped where /usr/bin/chromium is absent (see conftest._chromium).
"""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from conftest import browser_login
from uxo_swg.db import get_session
from uxo_swg.models import User
from uxo_swg.summaries import services

WIDE_PAGES = ["/", "/pledges/", "/agreements/", "/disbursements/", "/pledges/new", "/reconciliation/?quarter=2025-Q3",
              "/audit/", "/returns/", "/summaries/", "/summaries/twg/2025-Q3/clearance",
              "/summaries/twg/2025-Q3/clearance/records?figure=totals|disbursed"]
#: The text width of an A4 landscape page with 12 mm margins (273 mm), in CSS pixels.
A4_TEXT_WIDTH = 1032
GEOMETRY = """() => {
  const box = e => e.getBoundingClientRect();
  const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const tables = [...document.querySelectorAll('table')].filter(shown).map(t => [t.id || t.className, box(t)]);
  const charts = [...document.querySelectorAll('.chart')].map(c => [c.id, box(c), box(c.querySelector('.main-svg'))]);
  const overlaps = [];
  for (const [tid, t] of tables) for (const [cid, c, svg] of charts) for (const r of [c, svg])
    if (t.left < r.right && r.left < t.right && t.top < r.bottom && r.top < t.bottom) overlaps.push(tid + ' over ' + cid);
  return {overlaps, widest: Math.max(...tables.map(([, t]) => t.right), ...charts.map(([, , s]) => s.right)),
          visible: ['header.site nav', '.user', 'form', 'button', 'footer.site', '.versions', '#comments']
                     .filter(s => [...document.querySelectorAll(s)].some(shown)),
          tables: tables.length, charts: charts.length};
}"""


def draw(page, url):
    page.goto(url)
    for chart in page.eval_on_selector_all(".chart", "els => els.map(e => e.id)"):
        page.wait_for_selector(f"#{chart}[data-drawn='1'] .main-svg", state="attached")


@pytest.mark.parametrize("width", [1366, 390])
def test_no_page_is_wider_than_the_screen(page, demo_app, make_user, width):
    page.set_viewport_size({"width": width, "height": 800})
    browser_login(page, make_user("co-chair"))
    wider = {}
    for url in WIDE_PAGES:
        page.goto(url)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            wider[url] = scroll
    assert wider == {}, f"pages wider than {width} px: {wider}"
    # The wide tables scroll in their own box instead.
    page.goto("/disbursements/")
    assert page.evaluate("document.querySelector('.table-scroll').scrollWidth > window.innerWidth") == (width == 390)


def test_a_draft_and_its_published_version_print_as_a_clean_a4_pack(page, demo_app, make_user):
    with demo_app.app_context():
        s = get_session()
        chair = s.exec(select(User).where(User.email == "cochair@demo.example")).one()
        version = services.publish(services.scope_of("twg", "2025-Q3", "clearance"), chair, session=s)
        published = f"/summaries/published/{version.id}"
    browser_login(page, make_user("co-chair"))
    for url, status in (("/summaries/twg/2025-Q3/clearance", "DRAFT"), (published, "PUBLISHED · version 1")):
        page.set_viewport_size({"width": 1366, "height": 900})
        page.emulate_media(media="screen")
        draw(page, url)
        page.emulate_media(media="print")
        page.wait_for_function("() => [...document.querySelectorAll('.chart')].every(e => e.dataset.printWidth)")
        page.set_viewport_size({"width": A4_TEXT_WIDTH, "height": 900})
        seen = page.evaluate(GEOMETRY)
        assert seen["tables"] >= 10 and seen["charts"] == 6, url
        assert seen["overlaps"] == [], url
        assert seen["widest"] <= A4_TEXT_WIDTH + 1, url  # nothing runs off the page
        assert seen["visible"] == [], url  # no navigation, user, log-out, forms, buttons or versions list
        assert "Survey and Clearance: quarterly TWG funding summary, 2025-Q3" in page.inner_text("h1")
        assert status in page.inner_text("#status")
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 3, url
        assert b"/MediaBox [0 0 841.91" in pdf or b"/MediaBox [0 0 842" in pdf  # A4 landscape
    # Back on the screen, the charts take the window's width again.
    page.emulate_media(media="screen")
    page.wait_for_function("() => [...document.querySelectorAll('.chart')].every(e => !e.dataset.printWidth)")


def test_the_province_map_is_shaded_as_its_legend_says(page, demo_app, make_user):
    browser_login(page, make_user("reviewer"))
    draw(page, "/summaries/twg/2025-Q3/clearance")
    legend = page.locator("#chart-map-legend li")
    assert legend.count() == 6 and legend.first.inner_text().strip() == "nothing disbursed"
    darkest = page.locator("#chart-map-legend li rect").last.get_attribute("fill")
    fills = page.evaluate("""() => {
      const gd = document.getElementById('chart-map');
      return Object.fromEntries(gd.data.map(t => [t.name, t.fillcolor]));
    }""")
    top = max(((name, value) for name, value in page.evaluate(
        "JSON.parse(document.getElementById('summary-charts').textContent)['chart-map'].values").items()),
        key=lambda kv: kv[1])[0]
    names = page.evaluate("JSON.parse(document.getElementById('summary-charts').textContent)['chart-map'].names")
    assert fills[names[top]] == darkest
    assert "#f2f2f2" in fills.values()  # provinces with nothing disbursed: the legend's first shade
