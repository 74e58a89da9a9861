"""Summaries through the API: published versions for every user, the live draft for those the web lets read it."""
from __future__ import annotations

import json
from typing import Any

from flask import url_for
from sqlmodel import Session, col, select

from ..models import SummaryReport, SummaryVersion, User
from ..summaries import services
from .params import ApiError
from .shaping import moment, page_of, where_equal


def _url(report: SummaryReport, version: int | str) -> str:
    if report.kind == "twg":
        return url_for("api.summary_twg", period=report.period, pillar=report.pillar_code, version=version)
    return url_for("api.summary_swg", period=report.period, version=version)


def list_published(args: dict[str, Any], *, session: Session) -> tuple[list[dict[str, Any]], int]:
    """Return a page of published versions, newest period first, kept to the kind, period and pillar asked for."""
    query = select(SummaryVersion, SummaryReport).join(SummaryReport, col(SummaryReport.id) == SummaryVersion.report_id)
    query = where_equal(query, args, {"kind": SummaryReport.kind, "period": SummaryReport.period,
                                      "pillar": SummaryReport.pillar_code})
    query = query.order_by(col(SummaryReport.period).desc(), SummaryReport.kind, SummaryReport.pillar_code,
                           col(SummaryVersion.number).desc(), SummaryVersion.id)
    rows, total = page_of(query, args, session=session)
    return [{"kind": report.kind, "period": report.period, "pillar": report.pillar_code or None, "version": v.number,
             "published_at": moment(v.published_at), "published_by": v.published_by, "url": _url(report, v.number)}
            for v, report in rows], total


def summary(scope: services.Scope, wanted: str | int, user: User, *, session: Session) -> dict[str, Any]:
    """Return the live draft (`wanted` is "draft"), the latest published version, or version number `wanted`."""
    head = {"kind": scope.kind, "period": str(scope.period), "pillar": scope.pillar or None}
    report = services.find_report(scope, session=session)
    if wanted == "draft":
        if not services.may_read_draft(user, scope, session=session):
            raise ApiError(403, "your account may read the published versions of this summary, not its draft")
        doc, _charts = services.draft_summary(scope, session=session)  # computed once per change of the data
        return {**head, "status": "draft", "version": None, "published_at": None, "published_by": None,
                "narrative": report.narrative if report else "", "decisions": report.decisions if report else "",
                "summary": doc}
    published = services.versions(report, session=session)
    chosen = published[0] if published and wanted == "latest" else next((v for v in published if v.number == wanted), None)
    if chosen is None:
        numbers = ", ".join(str(v.number) for v in reversed(published))
        said = f"there is no version {wanted} (published: {numbers})" if published else "nothing is published yet"
        raise ApiError(404, f"{scope.title}: {said}")
    return {**head, "status": "published", "version": chosen.number, "published_at": moment(chosen.published_at),
            "published_by": chosen.published_by, "narrative": chosen.narrative, "decisions": chosen.decisions,
            "summary": json.loads(chosen.figures_json)}
