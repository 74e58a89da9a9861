"""The main pages in Lao, as each role sees them with the demo data: no English word is left once data is taken out.

What is data (kept as entered or as stored): organisation names and aliases, refs, e-mails, notes, file names,
rate sources, the text of notices, and codes (currencies, periods, acronyms). Anything else in English is a
string that was not wrapped for translation, or a translation that is missing.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from conftest import csrf_token
from uxo_swg.db import get_session
from uxo_swg.models import (
    AuditLog, Commitment, Disbursement, ExchangeRate, ImportBatch, Notice, OperatorReturn, Organisation,
    OrganisationAlias, Pledge, Requirement, SummaryComment, SummaryReport, SummaryVersion, Target, User,
)

# Names that stay as they are in Lao text: acronyms are caught by the all-capitals rule below.
BRANDS = {"Excel", "Monitor", "Japan"}  # Japan: the example of a fiscal year in the country field's hint
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


class _Text(HTMLParser):
    """The text a person reads or hears on a page, without scripts, code and what is marked as English."""

    SKIP = {"script", "style", "code", "title"}
    VOID = {"input", "br", "img", "link", "meta", "hr", "col", "source", "area", "wbr", "base"}

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag in self.VOID:
            if not self.skipping and tag == "input" and attrs.get("type") in ("submit", "button"):
                self.chunks.append(attrs.get("value") or "")
            if not self.skipping and tag == "input":
                self.chunks.append(attrs.get("placeholder") or "")
            return
        if self.skipping or tag in self.SKIP or attrs.get("lang") == "en":
            self.skipping.append(tag)
            return
        self.chunks += [attrs.get(name) or "" for name in ("aria-label", "title", "placeholder")]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if self.skipping:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.chunks.append(data)


def _data_values(app) -> list[str]:
    """Return every stored value a page may show as entered, longest first."""
    with app.app_context():
        s = get_session()
        values = set()
        for column in (Organisation.name, OrganisationAlias.alias, Organisation.contact, Pledge.ref, Pledge.notes,
                       Pledge.announced_at, Commitment.ref, Commitment.notes, Disbursement.agreement_ref,
                       Disbursement.notes, Requirement.source, Target.source, ExchangeRate.source, User.email,
                       ImportBatch.filename, ImportBatch.summary, Notice.subject, Notice.body, SummaryComment.body,
                       SummaryReport.narrative, SummaryReport.decisions, SummaryVersion.narrative,
                       SummaryVersion.decisions, OperatorReturn.prepared_by):
            values |= {v for v in s.exec(sa.select(column)).scalars().all() if v}
    return sorted(values, key=len, reverse=True)


def english_words(page: str, data: list[str]) -> list[str]:
    """Return the English words left on the page once data, codes and names are taken out."""
    reader = _Text()
    reader.feed(page)
    text = " ".join(reader.chunks)
    for value in data:
        text = text.replace(value, " ")
    text = re.sub(r"\S+@\S+", " ", text)  # e-mails of people not in the database (the login form)
    text = re.sub(r"\b\w+[./-]\w[\w./-]*|\.xlsx\b", " ", text)  # refs, codes, files (PL-2025-004, LA-XS, .xlsx)
    return sorted({w for w in WORD.findall(text) if not w.isupper() and w not in BRANDS})


def _ids(app):
    with app.app_context():
        s = get_session()
        return {"pledge": s.exec(sa.select(Pledge.id).where(Pledge.cancelled_at.is_(None))).scalars().first(),
                "agreement": s.exec(sa.select(Commitment.id).where(Commitment.cancelled_at.is_(None))).scalars().first(),
                "disbursement": s.exec(sa.select(Disbursement.id)).scalars().first(),
                "organisation": s.exec(sa.select(Organisation.id)).scalars().first(),
                "version": s.exec(sa.select(SummaryVersion.id)).scalars().first(),
                "requirement": s.exec(sa.select(Requirement.id)).scalars().first(),
                "target": s.exec(sa.select(Target.id)).scalars().first(),
                "return": s.exec(sa.select(OperatorReturn.id)).scalars().first(),
                # an update has values before and after: the audit entry's page shows both
                "audit": s.exec(sa.select(AuditLog.id).where(AuditLog.action == "update")).scalars().first()}


def _audit_values(app) -> list[str]:
    """Return what the audit log stores as it was (its entries' fields and values before and after, who), longest first."""
    import json

    with app.app_context():
        s = get_session()
        values = set()
        for stored in s.exec(sa.select(AuditLog.before).union(sa.select(AuditLog.after))).scalars().all():
            for field, value in json.loads(stored or "{}").items():
                values |= {field, value if isinstance(value, str) else json.dumps(value)}
        values |= set(s.exec(sa.select(AuditLog.actor)).scalars().all())  # e-mails, or the name a command was given
    return sorted((v for v in values if v), key=len, reverse=True)


# The pages in the Lao catalogue, as each role reaches them from the navigation and the pages' links.
EVERYONE = ["/?year=2025", "/summaries/", "/notices/", "/account/password"]
REPORTS = ["/reports/?year=2025", "/reports/article7/2025", "/reports/monitor/2025",
           "/reports/monitor/2025?rates=annual-average"]
AUDIT = ["/audit/", "/audit/?via=cli", "/audit/{audit}"]
PAGES = {
    "co-chair": EVERYONE + REPORTS + AUDIT + [
        "/pledges/", "/pledges/new", "/pledges/{pledge}", "/pledges/{pledge}/edit", "/agreements/", "/agreements/new",
        "/agreements/{agreement}", "/agreements/{agreement}/edit", "/disbursements/", "/disbursements/new",
        "/disbursements/{disbursement}/edit", "/requirements/", "/requirements/new", "/requirements/{requirement}/edit",
        "/targets/", "/targets/new", "/targets/{target}/edit",
        "/register/import", "/register/imports", "/returns/?quarter=2025-Q2", "/returns/{return}",
        "/reconciliation/?quarter=2025-Q2", "/organisations/", "/organisations/new", "/organisations/{organisation}/edit",
        "/iati/", "/iati/proposals",
        "/summaries/swg/2025-H1/all", "/summaries/twg/2025-Q2/clearance", "/summaries/swg/2025/all",
        "/summaries/swg/2025-H1/all/records?figure=totals|disbursed",
        "/summaries/swg/2025-H1/all/records?figure=outputs|clearance|land_released_ha|value",
    ],
    "admin": EVERYONE + AUDIT + [
        "/admin/users", "/admin/settings", "/admin/rates", "/admin/tokens", "/admin/iati", "/admin/jobs/",
        "/admin/jobs/?job=backup", "/iati/", "/reports/?year=2025",
    ],
    "operator": EVERYONE + ["/returns/?quarter=2025-Q2"],
    "reviewer": EVERYONE + ["/summaries/twg/2025-Q2/clearance", "/reports/monitor/2025"],
}


def _switch_to_lao(client) -> None:
    client.post("/language", data={"lang": "lo", "next": "/", "csrf_token": csrf_token(client, "/")})


@pytest.mark.parametrize("role", sorted(PAGES))
def test_the_main_pages_in_lao_have_no_english_left(demo_app, client, login, role):
    organisation = "HALO Trust" if role == "operator" else None
    login(role, organisation=organisation)
    _switch_to_lao(client)
    data, ids = _data_values(demo_app), _ids(demo_app)
    audit_data = _audit_values(demo_app) + data  # the audit log shows stored values as they were
    pages = [p.format(**ids) for p in PAGES[role]]
    if role == "co-chair" and ids["version"]:
        pages.append(f"/summaries/published/{ids['version']}")
    left = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert '<html lang="lo">' in page, url
        words = english_words(page, audit_data if url.startswith("/audit/") else data)
        if words:
            left[url] = words
    assert not left, "\n".join(f"{url}: {words}" for url, words in left.items())


def test_the_login_page_in_lao(client):
    page = client.get("/login", headers={"Accept-Language": "lo"}).get_data(as_text=True)
    assert english_words(page, []) == []


def test_the_walk_would_see_an_english_word(demo_app):
    """The check itself: a sentence left in English is found, data and marked English are not."""
    page = ('<p>ພາບລວມ <span>Japan</span> UXO <code>totals|disbursed</code> <button lang="en">English</button> '
            'PL-2025-004 Pledged <input type="submit" value="Save"></p>')
    assert english_words(page, ["Japan"]) == ["Pledged", "Save"]


def test_the_summary_charts_speak_lao(demo_app, client, login):
    """The charts' titles, series, pillar names and map legend of a draft are in Lao (cached charts stay English)."""
    import json

    login("co-chair")
    _switch_to_lao(client)
    page = client.get("/summaries/swg/2025-H1/all").get_data(as_text=True)
    specs = json.loads(re.search(r'<script type="application/json" id="summary-charts"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert specs["chart-pillars"]["layout"]["title"]["text"] == "ຄວາມຕ້ອງການທຶນ, ຄຳໝັ້ນສັນຍາ ແລະ ການເບີກຈ່າຍ"
    assert "ການສຳຫຼວດ ແລະ ເກັບກູ້" in specs["chart-pillars"]["data"][0]["x"]
    assert specs["chart-map"]["names"]["LA-XI"] == "ຊຽງຂວາງ" and specs["chart-map"]["legend"][0]["label"] == "ບໍ່ມີການເບີກຈ່າຍ"
    english = client.post("/language", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client, "/")})
    assert english.status_code == 302
    page = client.get("/summaries/swg/2025-H1/all").get_data(as_text=True)
    assert '"Requirement, pledges and disbursements"' in page


def test_the_iati_pages_in_lao_with_proposals_waiting_and_decided(demo_app, client, login):
    """A donor's file read on a Lao page: the message, the proposals and the decisions are in Lao (IATI's text is data)."""
    import io
    from pathlib import Path

    from uxo_swg.models import IatiProposal

    login("co-chair")
    _switch_to_lao(client)
    name = "donor-2.03-several.xml"
    upload = {"file": (io.BytesIO((Path(__file__).parent / "data" / "iati" / name).read_bytes()), name),
              "csrf_token": csrf_token(client, "/iati/")}
    page = client.post("/iati/import", data=upload, content_type="multipart/form-data",
                       follow_redirects=True).get_data(as_text=True)
    assert "ອ່ານ 5 ກິດຈະກຳ, ໃນນັ້ນ 3 ກິດຈະກຳເປັນວຽກງານກຳຈັດລະເບີດໃນລາວ" in page
    with demo_app.app_context():
        waiting = get_session().exec(sa.select(IatiProposal).order_by(IatiProposal.id)).scalars().all()
        iati = {v for p in waiting for v in (p.activity_id, p.activity_title, p.donor_name, p.recipient_name, p.note,
                                             p.filename, p.agreement_ref, p.donor_ref, p.recipient_ref) if v}
    token = csrf_token(client, "/iati/proposals")
    page = client.post(f"/iati/proposals/{waiting[-1].id}/reject", data={"csrf_token": token, "note": "ບໍ່ແມ່ນ UXO"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"ປະຕິເສດຂໍ້ສະເໜີ {waiting[-1].id} ແລ້ວ" in page  # the message, and the decision's status below
    assert "<td>ປະຕິເສດແລ້ວ " in page
    assert english_words(page, sorted(iati | set(_data_values(demo_app)), key=len, reverse=True)) == []
