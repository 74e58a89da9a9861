"""Summaries: compute a live draft, comment on it, publish it as a frozen snapshot, compare versions."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from ..audit import set_actor
from ..db import write_transaction
from ..domain.counting import PILLARS, Counted
from ..domain.periods import Period, PeriodError, parse_half, parse_period, parse_quarter
from ..domain.results import money_keys
from ..i18n import missing_rate_text
from ..domain.summary import Computed, cliff, compute, differences, document, money, pipeline
from ..models import ReviewerPillar, Setting, SummaryComment, SummaryReport, SummaryVersion, User
from ..permissions import has_role, sees_everything
from ..rates import rate_book
from .annual import fiscal_year_extras
from .cache import cached
from .exports import charts
from .inputs import load_summary_inputs
from .results_inputs import frozen_output_lines, results_extras

PUBLIC_SUMMARIES = "public_summaries"


class SummaryError(ValueError):
    """A summary that cannot be made or changed as asked, with the reason."""


@dataclass(frozen=True)
class Scope:
    """Which summary: a TWG summary of one pillar and quarter, or an SWG summary of a half-year or a calendar year."""

    kind: str
    period: Period
    pillar: str = ""

    @property
    def title(self) -> str:
        if self.kind == "twg":
            return f"TWG summary · {self.pillar} · {self.period}"
        if self.period.kind == "Y":
            return f"Annual SWG summary · {self.period}"
        return f"SWG summary · {self.period}"


def scope_of(kind: str, period_text: str, pillar: str | None = None) -> Scope:
    """Return the scope named by the words of a URL or command, or raise SummaryError saying what is wrong."""
    try:
        if kind == "twg":
            if pillar not in PILLARS:
                raise SummaryError(f"unknown pillar {pillar!r}: use one of {', '.join(PILLARS)}")
            return Scope("twg", parse_quarter(period_text), pillar)
        if kind == "swg":  # a half-year, or a calendar year (the annual summary, same shape)
            period = parse_period(period_text)
            return Scope("swg", period if period.kind == "Y" else parse_half(period_text))
        if kind == "year":
            return Scope("swg", parse_period(period_text, "Y"))
    except PeriodError as error:
        raise SummaryError(str(error)) from error
    raise SummaryError(f"unknown summary kind {kind!r}: use twg or swg")


def compute_summary(scope: Scope, *, session: Session, grouped: bool = True) -> tuple[dict[str, Any], Computed]:
    """Return the summary's JSON document and the computed lines, from the data as it is now."""
    pillar = scope.pillar or None
    rates = rate_book(session=session)
    inputs = load_summary_inputs(scope.kind, scope.period, session=session, rates=rates, pillar=pillar, grouped=grouped)
    # Grouped entries are sums, not records: a live page keeps only the figures.
    computed = compute(scope.kind, scope.period, inputs.entries, rates, pillar=pillar, keep_lines=not grouped)
    extras: dict[str, Any] = {}
    if scope.kind == "twg":
        extras["returns"] = [{"operator": r.operator, "filed_on": r.filed_on.isoformat() if r.filed_on else None}
                             for r in inputs.returns]
        extras["reconciliation"] = [
            {"agreement_ref": d.agreement_ref, "donor": d.donor, "operator": d.operator, "currency": d.currency,
             "disbursement_id": d.disbursement_id, "disbursed_on": d.disbursed_on.isoformat(), "disbursed": str(d.disbursed),
             "receipt_id": d.receipt_id, "received_on": d.received_on.isoformat(), "received": str(d.received),
             "difference": str(d.received - d.disbursed)}
            for d in inputs.differences]
    else:
        extras["pipeline"] = pipeline(inputs.pledges, inputs.agreements, scope.period, rates, inputs.pledge_ids)
        extras["cliff"] = cliff(inputs.agreements, scope.period, rates)
    extras.update(results_extras(scope.period, computed.figures, session=session, pillar=pillar))  # spec section 10
    missing_elsewhere = list(inputs.missing_rates)  # a fund's balance valued at the period's last day
    doc = document(scope.kind, scope.period, computed, pillar=pillar, extras=extras, balances=inputs.balances)
    if scope.period.kind == "Y":  # the annual summary: each donor's own fiscal year too
        doc["fiscal_years"], missing = fiscal_year_extras(scope.period, inputs.entries, doc["donors"], session=session,
                                                          rates=rates, grouped=grouped)
        missing_elsewhere += missing
    for missing in missing_elsewhere:
        if (missing.currency, missing.on) not in {(m.currency, m.on) for m in computed.missing_rates}:
            computed.missing_rates.append(missing)
            doc["missing_rates"].append({"currency": missing.currency, "date": missing.on.isoformat(), "message": str(missing)})
    return doc, computed


def draft_summary(scope: Scope, *, session: Session) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the live draft's document and charts: computed once per change of the data, for every worker."""
    def fresh() -> dict[str, Any]:
        doc, _computed = compute_summary(scope, session=session)
        return {"doc": doc, "charts": charts(doc)}

    payload = cached(f"{scope.kind}|{scope.period}|{scope.pillar}", fresh, session=session)
    return payload["doc"], payload["charts"]


def record_of(c: Counted) -> dict[str, Any]:
    """Return a counted record as the row a person checks: who, when, original amount, rate, USD."""
    e, conv = c.entry, c.conversion
    return {"kind": e.kind, "id": e.record_id, "measure": c.measure, "donor": e.donor, "recipient": e.recipient,
            "pillar": e.pillar, "province": e.province, "date": e.rate_date.isoformat(), "amount": str(e.amount),
            "currency": e.currency, "rate": format(conv.rate.normalize(), "f"), "rate_date": conv.rate_date.isoformat(),
            "rate_source": conv.source, "usd": money(conv.usd), "usd_exact": str(conv.usd),
            "agreement_ref": e.agreement_ref}


def _records_scope(scope: Scope, figure: str) -> str:
    """Return the cache scope of a figure's records (a digest stands for a figure too long for the column)."""
    key = f"records|{scope.kind}|{scope.period}|{scope.pillar}|{figure}"
    return key if len(key) <= 100 else f"records|{hashlib.sha256(key.encode()).hexdigest()}"


def live_records(scope: Scope, figure: str, *, session: Session) -> list[dict[str, Any]]:
    """Return the records one figure of the live draft is made of: counted once per change of the data, for every worker."""
    def fresh() -> dict[str, Any]:
        _doc, computed = compute_summary(scope, session=session, grouped=False)  # one query per kind, not grouped
        keys = money_keys(figure)  # a results figure may stand for several money figures
        counted = [line.counted for line in computed.lines if any(k in line.keys for k in keys)]
        return {"records": sorted((record_of(c) for c in counted), key=lambda r: (r["date"], r["kind"], r["id"]))}

    return cached(_records_scope(scope, figure), fresh, session=session)["records"]


def frozen_records(version: SummaryVersion, figure: str) -> list[dict[str, Any]]:
    """Return the records one figure of a published version was made of, as they were then."""
    keys = money_keys(figure)
    return [r for r in json.loads(version.records_json) if r.get("kind") != "output" and any(k in r["keys"] for k in keys)]


def frozen_output_records(version: SummaryVersion, key: str) -> list[dict[str, Any]]:
    """Return the return output lines behind a results figure of a published version, as they were then."""
    return [r for r in json.loads(version.records_json) if r.get("kind") == "output" and key in r["keys"]]


def find_report(scope: Scope, *, session: Session) -> SummaryReport | None:
    """Return the stored report of the scope (None before anyone commented or published)."""
    return session.exec(select(SummaryReport).where(SummaryReport.kind == scope.kind, SummaryReport.period == str(scope.period),
                                                    SummaryReport.pillar_code == scope.pillar)).first()


def _report(scope: Scope, *, session: Session) -> SummaryReport:
    report = find_report(scope, session=session)
    if report is None:
        report = SummaryReport(kind=scope.kind, period=str(scope.period), pillar_code=scope.pillar)
        session.add(report)
        session.flush()
    return report


def open_report(scope: Scope, *, session: Session) -> bool:
    """Open the scope's draft for review (store its report); return False when it was already open."""
    if find_report(scope, session=session) is not None:
        return False
    _report(scope, session=session)
    return True


def drafts_for_review(user: User, *, session: Session, limit: int = 30) -> list[tuple[SummaryReport, int, int]]:
    """Open drafts the user may read, newest period first: (report, comments, versions published)."""
    followed = set() if sees_everything(user) else followed_pillars(user, session=session)
    comments = (select(SummaryComment.report_id, sa.func.count().label("n")).group_by(SummaryComment.report_id).subquery())
    published = (select(SummaryVersion.report_id, sa.func.count().label("n")).group_by(SummaryVersion.report_id).subquery())
    query = (select(SummaryReport, sa.func.coalesce(comments.c.n, 0), sa.func.coalesce(published.c.n, 0))
             .outerjoin(comments, comments.c.report_id == SummaryReport.id)
             .outerjoin(published, published.c.report_id == SummaryReport.id)
             .order_by(col(SummaryReport.period).desc(), col(SummaryReport.kind).desc(), col(SummaryReport.pillar_code)))
    rows = []
    for report, n_comments, n_versions in session.exec(query).all():
        if followed and report.kind == "twg" and report.pillar_code not in followed:
            continue
        rows.append((report, int(n_comments), int(n_versions)))
        if len(rows) == limit:
            break
    return rows


def versions(report: SummaryReport | None, *, session: Session) -> list[SummaryVersion]:
    """Return the published versions of a report, newest first."""
    if report is None:
        return []
    return list(session.exec(select(SummaryVersion).where(SummaryVersion.report_id == report.id)
                             .order_by(col(SummaryVersion.number).desc())).all())


def comments(report: SummaryReport | None, *, session: Session) -> list[SummaryComment]:
    """Return the comments on a report, oldest first."""
    if report is None:
        return []
    return list(session.exec(select(SummaryComment).where(SummaryComment.report_id == report.id)
                             .order_by(col(SummaryComment.id))).all())


def add_comment(scope: Scope, body: str, user: User, *, session: Session) -> SummaryComment:
    """Add a reviewer's comment to the draft."""
    body = body.strip()
    if not body:
        raise SummaryError(_("the comment is empty: write what should be checked or changed"))
    if len(body) > 4000:
        raise SummaryError(_("the comment is %(length)s characters long; keep it under 4,000", length=len(body)))
    set_actor(session, actor=user.email, via="form", user_id=user.id)
    report = _report(scope, session=session)
    latest = versions(report, session=session)
    comment = SummaryComment(report_id=report.id, after_version=latest[0].number if latest else 0,
                             author_id=user.id, author=user.email, body=body)
    session.add(comment)
    session.commit()
    return comment


def save_narrative(scope: Scope, narrative: str, decisions: str, expected_version: int | None, user: User, *,
                   session: Session) -> SummaryReport:
    """Save the co-chairs' narrative and decisions of the draft (refused if someone saved in between)."""
    if len(narrative) > 20000 or len(decisions) > 20000:
        raise SummaryError(_("the narrative and the decisions are limited to 20,000 characters each"))
    meanwhile = _("someone else saved the narrative meanwhile: reload the page, then make your change again")
    write_transaction(session)
    set_actor(session, actor=user.email, via="form", user_id=user.id)
    existing = find_report(scope, session=session)
    current = existing.version if existing is not None else 0
    if expected_version is not None and current != expected_version:
        raise SummaryError(meanwhile)
    try:
        report = existing or _report(scope, session=session)
        report.narrative, report.decisions = narrative.strip(), decisions.strip()
        report.version += 1
        session.add(report)
        session.commit()  # the UPDATE checks the version read (models.Versioned)
    except (StaleDataError, sa.exc.IntegrityError):  # a simultaneous save won (or opened the report first)
        session.rollback()
        raise SummaryError(meanwhile) from None
    return report


def publish(scope: Scope, user: User, *, session: Session) -> SummaryVersion:
    """Freeze the draft as the next published version: figures, records, rates used, narrative."""
    set_actor(session, actor=user.email, via="form", user_id=user.id)
    report = _report(scope, session=session)
    doc, computed = compute_summary(scope, session=session, grouped=False)
    if doc["missing_rates"]:
        first = doc["missing_rates"][0]
        raise SummaryError(_("%(count)s amount(s) have no exchange rate (first: %(first)s); an admin loads them on the "
                             "Exchange rates page (Users → Exchange rates), then publish",
                             count=len(doc["missing_rates"]), first=missing_rate_text(first)))
    records = [{**record_of(line.counted), "keys": line.keys} for line in computed.lines]
    rates = sorted({(r["currency"], r["rate_date"], r["rate"], r["rate_source"]) for r in records if r["currency"] != "USD"})
    records += frozen_output_lines(scope.period, session=session, pillar=scope.pillar or None)
    latest = versions(report, session=session)
    version = SummaryVersion(
        report_id=report.id, number=(latest[0].number + 1) if latest else 1, published_by_id=user.id,
        published_by=user.email, figures_json=json.dumps(doc, sort_keys=True), records_json=json.dumps(records),
        rates_json=json.dumps([{"currency": c, "date": d, "units_per_usd": u, "source": s} for c, d, u, s in rates]),
        narrative=report.narrative, decisions=report.decisions)
    session.add(version)
    session.commit()
    return version


def changes(old: SummaryVersion | None, new_doc: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """Return what changed figure by figure from a published version to a document."""
    return differences(json.loads(old.figures_json), new_doc) if old is not None else []


def public_summaries(*, session: Session) -> bool:
    """Return whether an admin has opened published summaries to anyone without logging in."""
    setting = session.get(Setting, PUBLIC_SUMMARIES)
    return setting is not None and setting.value == "1"


def may_read_draft(user: User, scope: Scope, *, session: Session) -> bool:
    """Return whether the user may read the scope's live draft: co-chairs and admins, reviewers of its pillar."""
    if has_role(user, "admin", "co-chair"):
        return True
    if not has_role(user, "reviewer"):
        return False
    followed = followed_pillars(user, session=session)
    return scope.kind == "swg" or not followed or scope.pillar in followed


def followed_pillars(user: User, *, session: Session) -> set[str]:
    """Return the pillars a reviewer follows."""
    return set(session.exec(select(ReviewerPillar.pillar_code).where(ReviewerPillar.user_id == user.id)).all())


def set_followed_pillars(user: User, pillars: set[str], *, session: Session) -> None:
    """Replace the pillars a reviewer follows."""
    unknown = pillars - set(PILLARS)
    if unknown:
        raise SummaryError(f"unknown pillar(s): {', '.join(sorted(unknown))}")
    set_actor(session, actor=user.email, via="form", user_id=user.id)
    current = {r.pillar_code: r for r in session.exec(select(ReviewerPillar).where(ReviewerPillar.user_id == user.id)).all()}
    for code, row in current.items():
        if code not in pillars:
            session.delete(row)
    for code in pillars - set(current):
        session.add(ReviewerPillar(user_id=user.id, pillar_code=code))
    session.commit()


def published_list(*, session: Session) -> list[tuple[SummaryReport, SummaryVersion]]:
    """Return each report with its latest published version, newest period first."""
    rows = session.exec(select(SummaryReport, SummaryVersion).join(SummaryVersion, col(SummaryVersion.report_id) == col(SummaryReport.id))
                        .order_by(col(SummaryReport.period).desc(), col(SummaryReport.kind), col(SummaryReport.pillar_code),
                                  col(SummaryVersion.number).desc())).all()
    latest: dict[int, tuple[SummaryReport, SummaryVersion]] = {}
    for report, version in rows:
        latest.setdefault(report.id, (report, version))
    return list(latest.values())


def amount(value: str | None) -> Decimal:
    """Return a JSON amount string as a Decimal (0 for none)."""
    return Decimal(value) if value else Decimal(0)
