"""Accessibility in Debian's chromium: axe-core finds no serious or critical violation on the main pages,
the keyboard reaches every action with a visible focus, a failed form puts the focus on its errors,
and each chart is named and described, its figures in a table on the page."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from conftest import browser_login
from returns_workbooks import return_workbook, xlsx
from uxo_swg.db import get_session
from uxo_swg.models import Commitment, Pledge

JS = Path(__file__).parent / "js"
AXE = JS / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
CHARTS = {"chart-pillars": "table-pillars", "chart-donors": "table-donors", "chart-map": "table-provinces",
          "chart-trend": "table-trend", "chart-results": "table-results", "chart-map-land": "table-land"}
# ids used twice are invalid HTML and break label[for] and aria-* references, hidden inputs' too
# (a list with a form per row once repeated id="csrf_token").
DUPLICATE_IDS = """() => { const seen = {};
  document.querySelectorAll('[id]').forEach(e => { seen[e.id] = (seen[e.id] || 0) + 1; });
  return Object.keys(seen).filter(id => seen[id] > 1); }"""
# What the keyboard should reach: every visible link, button and field that is not disabled.
ACTIONABLE = """() => Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])'))
  .filter(e => !e.disabled && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map((e, n) => { e.dataset.a11yN = n; return n; })"""
# A table box is a tab stop (a named region) exactly when it scrolls sideways; returns the boxes where not.
TAB_STOP_IFF_SCROLLS = """() => Array.from(document.querySelectorAll('.table-scroll'))
  .filter(b => (b.scrollWidth > b.clientWidth + 1)
                !== (b.getAttribute('tabindex') === '0' && b.getAttribute('role') === 'region'))
  .map(b => b.innerHTML.slice(0, 60))"""
FOCUSED = """() => { const e = document.activeElement, s = getComputedStyle(e);
  return {n: e.dataset.a11yN === undefined ? null : Number(e.dataset.a11yN), tag: e.outerHTML.slice(0, 80),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2}; }"""


@pytest.fixture(scope="session")
def axe_source(_chromium):
    """Return axe-core's source, installed from tests/js/package-lock.json when missing."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed (apt-get install npm): the axe-core accessibility tests are skipped")
        done = subprocess.run([npm, "ci", "--prefix", str(JS), "--no-audit", "--no-fund"], timeout=600,
                              capture_output=True, text=True)
        if done.returncode:
            pytest.fail(f"npm ci --prefix tests/js could not install axe-core:\n{done.stderr[-2000:]}")
    return AXE.read_text(encoding="utf-8")


def serious_violations(page, axe_source) -> list[str]:
    """Run axe-core on the page as it is shown; return its serious and critical violations and duplicate ids."""
    # Evaluated through the DevTools protocol: the application's CSP (no inline script) stays as it is.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {axe_source}\n }}")
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    where = page.url.split("/", 3)[-1] or "/"
    found = [f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])} node(s)) {v['help']}: "
             f"{', '.join(str(n['target'][0]) for n in v['nodes'][:4])}"
             for v in results["violations"] if v["impact"] in SERIOUS]
    return found + [f"{where}: id {ident!r} used more than once" for ident in page.evaluate(DUPLICATE_IDS)]


def check_pages(page, axe_source, urls) -> list[str]:
    """Open each URL (waiting for its charts to be drawn) and return the violations found on all of them."""
    found = []
    for url in urls:
        page.goto(url)
        for chart in page.locator(".chart[id]").evaluate_all("els => els.map(e => e.id)"):
            page.wait_for_selector(f"#{chart}[data-drawn='1'] .main-svg", state="attached")
        found += serious_violations(page, axe_source)
    return found


def test_co_chair_pages_have_no_serious_violation(page, axe_source, demo_app, make_user):
    with demo_app.app_context():
        session = get_session()
        pledge_id = session.exec(select(Pledge.id).order_by(Pledge.id)).first()
        agreement_id = session.exec(select(Commitment.id).order_by(Commitment.id)).first()
    browser_login(page, make_user("co-chair"))
    urls = ["/?year=2025", "/summaries/", "/summaries/twg/2025-Q3/clearance", "/summaries/swg/2025-H1/all",
            "/returns/", "/pledges/", "/pledges/new", f"/pledges/{pledge_id}", f"/agreements/{agreement_id}",
            "/organisations/", "/reconciliation/", "/audit/", "/notices/", "/agreements/", "/disbursements/",
            "/requirements/", "/iati/", "/reports/article7/2025", "/reports/monitor/2025"]
    found = check_pages(page, axe_source, urls)
    page.goto("/pledges/new")
    page.click("input[type=submit][value='Save pledge']")
    page.wait_for_selector("#error-summary")
    found += serious_violations(page, axe_source)  # the form as it comes back with its errors
    assert found == [], "\n".join(found)

    # The check itself can fail: a field with no label is reported.
    page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=probe>')")
    assert any("label" in line for line in serious_violations(page, axe_source))


def test_login_and_each_roles_home_have_no_serious_violation(page, axe_source, demo_app, make_user):
    page.goto("/login")
    found = serious_violations(page, axe_source)
    more_pages = {"admin": ["/admin/users", "/admin/tokens", "/admin/rates", "/admin/jobs/"], "reviewer": ["/summaries/"]}
    for role in ("admin", "co-chair", "operator", "reviewer"):
        page.context.clear_cookies()
        browser_login(page, make_user(role, organisation="HALO Trust" if role == "operator" else None))
        found += check_pages(page, axe_source, ["/?year=2025", *more_pages.get(role, [])])
    assert found == [], "\n".join(found)


def test_returns_and_a_preview_with_errors_have_no_serious_violation(page, axe_source, demo_app, make_user,
                                                                     tmp_path):
    browser_login(page, make_user("operator", organisation="HALO Trust"))
    unknown_donor_bad_amount = [date(2025, 8, 1), "Atlantis", None, None, "clearance", None, "12,0x", "USD", None]
    bad = return_workbook(receipts=[unknown_donor_bad_amount])
    path = tmp_path / "return.xlsx"
    path.write_bytes(xlsx(bad))
    found = check_pages(page, axe_source, ["/returns/"])
    page.set_input_files("input[type=file]", str(path))
    page.click("text=Upload and check")
    page.wait_for_selector("table.problems")
    found += serious_violations(page, axe_source)
    assert found == [], "\n".join(found)


def test_on_a_phone_the_pages_pass_and_a_wide_table_scrolls_from_the_keyboard(page, axe_source, demo_app,
                                                                            make_user):
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, make_user("co-chair"))
    found = check_pages(page, axe_source, ["/?year=2025", "/pledges/", "/audit/", "/summaries/twg/2025-Q3/clearance"])
    assert found == [], "\n".join(found)
    box = page.locator(".table-scroll", has=page.locator("#table-pillars"))
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label").startswith("The pillar, in US dollars")
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#table-pillars').parentElement.scrollLeft > 0")
    assert page.evaluate(TAB_STOP_IFF_SCROLLS) == []
    page.set_viewport_size({"width": 1600, "height": 900})  # wider: boxes that no longer scroll are no tab stop
    page.wait_for_function(f"() => ({TAB_STOP_IFF_SCROLLS})().length === 0")
    assert page.locator(".table-scroll[role=region]").count() < page.locator(".table-scroll").count()


def tab_through(page, steps: int) -> list[dict]:
    """Press Tab from the top of the page; return what had the focus after each press."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    focused = []
    for _ in range(steps):
        page.keyboard.press("Tab")
        focused.append(page.evaluate(FOCUSED))
    return focused


def test_the_keyboard_reaches_every_action_with_a_visible_focus(page, demo_app, make_user):
    browser_login(page, make_user("co-chair"))
    for url in ("/pledges/new", "/summaries/twg/2025-Q3/clearance"):
        page.goto(url)
        actionable = page.evaluate(ACTIONABLE)
        focused = tab_through(page, len(actionable) + 3)
        assert focused[0]["tag"].startswith('<a class="skip-link" href="#main"'), focused[0]
        missed = sorted(set(actionable) - {f["n"] for f in focused})
        assert missed == [], f"{url}: elements number {missed} are not reached by Tab"
        unseen = [f["tag"] for f in focused if f["n"] is not None and not f["outline"]]
        assert unseen == [], f"{url}: no visible focus on {unseen[:3]}"

    page.goto("/pledges/new")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link: past the header, straight to the page's own content
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null")


def test_a_failed_pledge_form_puts_the_focus_on_its_error_summary(page, demo_app, make_user):
    browser_login(page, make_user("co-chair"))
    page.goto("/pledges/new")
    page.fill("input[name=ref]", "PL-2025-X1")
    page.fill("input[name=lines-0-year]", "2025")
    page.fill("input[name=lines-0-amount]", "12,0x")
    page.focus("input[type=submit][value='Save pledge']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert "Donor: choose the donor" in summary.inner_text()
    assert "Announced on: enter a date such as 2025-03-31" in summary.inner_text()
    assert "Amount of line 1:" in summary.inner_text()
    # Each error links to its field, which then has the focus and is described by its message.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.name") == "donor_id"
    field = page.locator("select[name=donor_id]")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.locator(f"#{field.get_attribute('aria-describedby')}").inner_text() == "choose the donor"
    summary.get_by_role("link", name="Amount of line 1").click()
    assert page.evaluate("() => document.activeElement.name") == "lines-0-amount"
    assert page.locator("#lines-0-amount-errors").is_visible()


def test_each_chart_is_named_and_described_by_the_table_of_its_figures(page, demo_app, make_user):
    browser_login(page, make_user("co-chair"))
    page.goto("/summaries/twg/2025-Q3/clearance")
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    for chart, table in CHARTS.items():
        page.wait_for_selector(f"#{chart}[data-drawn='1'] .main-svg", state="attached")
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": f"#{chart}"})["nodeId"]
        seen = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})["nodes"][0]
        caption = page.locator(f"#{table} > caption").inner_text()
        # What a screen reader is given, as chromium computes it: an image with a name and the table's caption.
        assert seen["role"]["value"] == "image", chart
        name = seen["name"]["value"]
        assert name == page.get_attribute(f"#{chart}", "aria-label") and len(name) > 20, chart
        assert seen["description"]["value"] == caption, chart
        assert page.get_attribute(f"#{chart}", "aria-details") == table
        assert page.locator(f"#{table} tbody tr").count() > 0, table
        assert page.locator(f"#{table} th[scope=col]").count() >= 2, table
    # The map's table holds the figure the map shades for a province.
    row = page.locator("#table-provinces tbody tr").first
    assert row.locator("th[scope=row]").inner_text() and row.locator("td.num").first.inner_text()
