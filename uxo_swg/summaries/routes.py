"""Summaries: the live drafts reviewers comment on, publishing, the frozen versions and exports."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import lru_cache

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..confirming import ask, confirmed
from ..db import get_session
from ..domain.results import line_totals, output_figure
from ..exports import CSV_MIMETYPE, XLSX_MIMETYPE
from ..i18n import language, message_text, money_text, ratio_text
from ..models import SummaryReport, SummaryVersion
from ..paging import Page, page_number
from ..permissions import has_role, roles_required
from . import jobs  # noqa: F401  (registers the scheduled job that opens each quarter's drafts)
from . import services
from .results_inputs import output_lines
from .exports import charts, summary_csv, workbook
from .labels import figure_label, localise_charts, scope_title, workbook_words
from .forms import CommentForm, FollowForm, NarrativeForm, ScopeForm

bp = Blueprint("summaries", __name__, url_prefix="/summaries")
PUBLISHED_ENDPOINTS = {"summaries.index", "summaries.published", "summaries.published_records", "summaries.published_export"}
DRAFT_READERS = ("admin", "co-chair", "reviewer")
#: Tables of a summary page that can run to thousands of rows: the page shows their first rows.
LONG_TABLES = ("changes", "donors", "operators", "reconciliation", "pipeline", "cliff")
SHOWN_ROWS = 25
RECORDS_PER_PAGE = 100


@bp.record_once
def _public_when_allowed(state) -> None:
    # Reached without a login only when an admin turned public summaries on (checked in each view).
    state.app.config.setdefault("EXTRA_PUBLIC_ENDPOINTS", set()).update(PUBLISHED_ENDPOINTS)


@bp.app_template_filter("without_command")
def _without_command(message: str) -> str:
    """A missing rate's sentence without the command-line advice that versions published before kept in it."""
    return message.split(": load one with `uxo-swg", 1)[0]


def _figure_value(key: str, value: str | None) -> str:
    if value is None:
        return "–"
    return ratio_text(value) if key.endswith("coverage") else money_text(value, "USD")


@bp.context_processor
def _names():
    return {"figure_value": _figure_value, "scope_title": scope_title, "show_all_url": _show_all_url,
            "shown_rows": SHOWN_ROWS, "figure_label": figure_label}


def _wants_all(name: str) -> bool:
    wanted = request.args.getlist("all")
    return name in wanted or "all" in wanted


def _show_all_url(name: str, anchor: str | None = None) -> str:
    """Return this page's URL with the table `name` shown whole (not paged), anchored at the table."""
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    args["all"] = sorted({*args.get("all", []), name})
    return url_for(request.endpoint, **request.view_args, **args) + f"#{anchor or 'table-' + name}"


def _shortened(doc: dict, changes: list) -> tuple[dict, list, dict[str, int]]:
    """Return the document and changes with their long tables cut to the first rows, and each cut table's length.

    The page stays readable (and light) with thousands of pipeline or cliff rows; the whole
    tables are one "show all" link away, and in the Excel and JSON exports.
    """
    short, more = dict(doc, changes=changes), {}
    for name in LONG_TABLES:
        rows = short.get(name)
        if rows is not None and len(rows) > SHOWN_ROWS and not _wants_all(name):
            short[name], more[name] = rows[:SHOWN_ROWS], len(rows)
    return short, short.pop("changes"), more


def _records_page(rows: list[dict]) -> tuple[list[dict], Page | None]:
    """Return the records a drill-down page shows (a page of them, or all when asked) and the page, if paged."""
    if _wants_all("records") or len(rows) <= RECORDS_PER_PAGE:
        return rows, None
    page = Page.of(rows, page_number(), RECORDS_PER_PAGE)
    return page.items, page


def _total(rows: list[dict]) -> str:
    return str(sum((Decimal(r["usd_exact"]) for r in rows), Decimal(0)))


def _scope(kind: str, period: str, pillar: str | None = None) -> services.Scope:
    try:
        return services.scope_of(kind, period, pillar)
    except services.SummaryError:
        abort(404)


def _may_read_draft(scope: services.Scope) -> bool:
    return services.may_read_draft(current_user, scope, session=get_session())


def _draft_args(scope: services.Scope) -> dict[str, str]:
    return {"kind": scope.kind, "period": str(scope.period), "pillar": scope.pillar or "all"}


@bp.get("/")
def index():
    session = get_session()
    if not current_user.is_authenticated and not services.public_summaries(session=session):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    form = ScopeForm(request.args, meta={"csrf": False})
    if request.args and form.validate():
        pillar = form.pillar.data if form.kind.data == "twg" else "all"
        kind = "swg" if form.kind.data == "year" else form.kind.data  # the annual summary is the SWG summary of a year
        return redirect(url_for("summaries.draft", kind=kind, period=form.period.data.strip().upper(), pillar=pillar))
    follow = None
    if has_role(current_user, "reviewer"):
        follow = FollowForm(pillars=sorted(services.followed_pillars(current_user, session=session)))
    may_draft = has_role(current_user, *DRAFT_READERS)
    return render_template("summaries/index.html", form=form, follow=follow, may_draft=may_draft,
                           report_year=date.today().year - 1,
                           drafts=services.drafts_for_review(current_user, session=session) if may_draft else [],
                           published=services.published_list(session=session))


@bp.post("/follow")
@roles_required("reviewer")
def follow():
    form = FollowForm()
    if form.validate_on_submit():
        services.set_followed_pillars(current_user, set(form.pillars.data or []), session=get_session())
        flash(_("The pillars you follow are saved."), "success")
    return redirect(url_for("summaries.index"))


@bp.get("/<kind>/<period>/<pillar>")
@roles_required(*DRAFT_READERS)
def draft(kind: str, period: str, pillar: str):
    scope = _scope(kind, period, None if pillar == "all" else pillar)
    if not _may_read_draft(scope):
        abort(403)
    session = get_session()
    doc, drawn = services.draft_summary(scope, session=session)
    report = services.find_report(scope, session=session)
    published = services.versions(report, session=session)
    narrative = NarrativeForm(narrative=report.narrative if report else "", decisions=report.decisions if report else "",
                              version=report.version if report else 0)
    shown, changes, more = _shortened(doc, services.changes(published[0] if published else None, doc))
    return render_template(
        "summaries/summary.html", scope=scope, doc=shown, more=more, mode="draft", report=report, versions=published,
        changes=changes, compared_with=published[0] if published else None,
        comments=services.comments(report, session=session), comment_form=CommentForm(), narrative_form=narrative,
        may_publish=has_role(current_user, "co-chair"), charts=localise_charts(drawn, doc),
        records_url=lambda figure: url_for("summaries.records", **_draft_args(scope), figure=figure),
        export_url=lambda fmt: url_for("summaries.export", **_draft_args(scope), fmt=fmt))


@bp.get("/<kind>/<period>/<pillar>/records")
@roles_required(*DRAFT_READERS)
def records(kind: str, period: str, pillar: str):
    scope = _scope(kind, period, None if pillar == "all" else pillar)
    if not _may_read_draft(scope):
        abort(403)
    figure = request.args.get("figure", "")
    back = url_for("summaries.draft", **_draft_args(scope))
    lines = output_figure(figure)
    if lines is not None:  # a results figure: the return lines it is made of
        rows = output_lines(scope.period, lines, session=get_session(), pillar=scope.pillar or None)
        return _output_records(scope, figure, rows, None, back)
    rows = services.live_records(scope, figure, session=get_session())
    shown, page = _records_page(rows)
    return render_template("summaries/records.html", scope=scope, figure=figure, rows=shown, page=page, count=len(rows),
                           version=None, total=_total(rows), back=back)


def _output_records(scope: services.Scope, figure: str, rows: list[dict], version: SummaryVersion | None, back: str) -> str:
    shown, page = _records_page(rows)
    return render_template("summaries/output_records.html", scope=scope, figure=figure, rows=shown, page=page,
                           count=len(rows), version=version, totals=line_totals(rows), back=back)


@bp.get("/<kind>/<period>/<pillar>/export.<fmt>")
@roles_required(*DRAFT_READERS)
def export(kind: str, period: str, pillar: str, fmt: str):
    scope = _scope(kind, period, None if pillar == "all" else pillar)
    if not _may_read_draft(scope):
        abort(403)
    doc, _charts = services.draft_summary(scope, session=get_session())
    report = services.find_report(scope, session=get_session())
    return _download(doc, fmt, f"{scope.kind}-{scope.pillar or 'all'}-{scope.period}-draft",
                     report.narrative if report else "", report.decisions if report else "")


def _download(doc: dict, fmt: str, stem: str, narrative: str, decisions: str) -> Response:
    if fmt == "json":
        return Response(json.dumps(doc, indent=2), mimetype="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.json"'})
    if fmt == "xlsx":
        words = workbook_words() if language() == "lo" else None  # the CLI, the API and English pages: English
        return Response(workbook(doc, narrative, decisions, words=words), mimetype=XLSX_MIMETYPE,
                        headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'})
    if fmt == "csv":
        return Response(summary_csv(doc, narrative, decisions), mimetype=CSV_MIMETYPE,
                        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
    abort(404)


@bp.post("/<kind>/<period>/<pillar>/comments")
@roles_required(*DRAFT_READERS)
def comment(kind: str, period: str, pillar: str):
    scope = _scope(kind, period, None if pillar == "all" else pillar)
    if not _may_read_draft(scope):
        abort(403)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.add_comment(scope, form.body.data, current_user, session=get_session())
            flash(_("Your comment is saved."), "success")
        except services.SummaryError as error:
            flash(message_text(error), "error")
    else:
        flash("; ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("summaries.draft", **_draft_args(scope)) + "#comments")


@bp.post("/<kind>/<period>/<pillar>/narrative")
@roles_required("co-chair")
def narrative(kind: str, period: str, pillar: str):
    scope = _scope(kind, period, None if pillar == "all" else pillar)
    form = NarrativeForm()
    if form.validate_on_submit():
        try:
            services.save_narrative(scope, form.narrative.data or "", form.decisions.data or "", form.version.data,
                                    current_user, session=get_session())
            flash(_("The narrative and decisions are saved in the draft."), "success")
        except services.SummaryError as error:
            flash(message_text(error), "error")
    else:
        flash("; ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("summaries.draft", **_draft_args(scope)) + "#narrative")


@bp.post("/<kind>/<period>/<pillar>/publish")
@roles_required("co-chair")
def publish(kind: str, period: str, pillar: str):
    scope = _scope(kind, period, None if pillar == "all" else pillar)
    CommentForm()  # CSRF is checked by the global CSRFProtect
    if not confirmed():
        published = services.versions(services.find_report(scope, session=get_session()), session=get_session())
        number = published[0].number + 1 if published else 1
        return ask(_("Publish version %(number)s of %(title)s?", number=number, title=scope_title(scope)),
                   _("Publishing freezes the figures as they are now, the records behind them, the exchange rates used "
                     "and the narrative as version %(number)s. A published version never changes and cannot be "
                     "withdrawn: a later correction is published as version %(next)s.", number=number, next=number + 1),
                   _("Yes, publish version %(number)s", number=number), url_for("summaries.draft", **_draft_args(scope)))
    try:
        version = services.publish(scope, current_user, session=get_session())
    except services.SummaryError as error:
        flash(message_text(error), "error")
        return redirect(url_for("summaries.draft", **_draft_args(scope)))
    flash(_("Version %(number)s is published; it will not change.", number=version.number), "success")
    return redirect(url_for("summaries.published", version_id=version.id))


def _published_or_login(version_id: int) -> tuple[SummaryVersion, SummaryReport] | Response:
    session = get_session()
    if not current_user.is_authenticated and not services.public_summaries(session=session):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    version = session.get(SummaryVersion, version_id)
    if version is None:
        abort(404)
    return version, session.get(SummaryReport, version.report_id)


@lru_cache(maxsize=32)
def _frozen_charts(version_id: int, published_at: str, figures_json: str) -> dict:
    """Return the charts of a published version, drawn once per process: its figures never change."""
    return charts(json.loads(figures_json))


@bp.get("/published/<int:version_id>")
def published(version_id: int):
    found = _published_or_login(version_id)
    if isinstance(found, Response):
        return found
    version, report = found
    scope = services.scope_of(report.kind, report.period, report.pillar_code or None)
    doc = json.loads(version.figures_json)
    all_versions = services.versions(report, session=get_session())
    older = next((v for v in all_versions if v.number == version.number - 1), None)
    shown, changes, more = _shortened(doc, services.changes(older, doc))
    return render_template(
        "summaries/summary.html", scope=scope, doc=shown, more=more, mode="published", version=version, report=report,
        versions=all_versions, changes=changes, compared_with=older, comments=[],
        rates=json.loads(version.rates_json),
        charts=localise_charts(_frozen_charts(version.id, version.published_at.isoformat(), version.figures_json), doc),
        may_read_draft=current_user.is_authenticated and _may_read_draft(scope),
        draft_url=url_for("summaries.draft", **_draft_args(scope)),
        records_url=lambda figure: url_for("summaries.published_records", version_id=version.id, figure=figure),
        export_url=lambda fmt: url_for("summaries.published_export", version_id=version.id, fmt=fmt))


@bp.get("/published/<int:version_id>/records")
def published_records(version_id: int):
    found = _published_or_login(version_id)
    if isinstance(found, Response):
        return found
    version, report = found
    scope = services.scope_of(report.kind, report.period, report.pillar_code or None)
    figure = request.args.get("figure", "")
    lines = output_figure(figure)
    if lines is not None:
        rows = services.frozen_output_records(version, lines.key)
        return _output_records(scope, figure, rows, version, url_for("summaries.published", version_id=version.id))
    rows = services.frozen_records(version, figure)
    shown, page = _records_page(rows)
    return render_template("summaries/records.html", scope=scope, figure=figure, version=version, rows=shown, page=page,
                           count=len(rows), total=_total(rows), back=url_for("summaries.published", version_id=version.id))


@bp.get("/published/<int:version_id>/export.<fmt>")
def published_export(version_id: int, fmt: str):
    found = _published_or_login(version_id)
    if isinstance(found, Response):
        return found
    version, report = found
    return _download(json.loads(version.figures_json), fmt,
                     f"{report.kind}-{report.pillar_code or 'all'}-{report.period}-v{version.number}",
                     version.narrative, version.decisions)
