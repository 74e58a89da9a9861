"""What each user should do next, by role, each item with a link to the page where it is done."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from ..domain.conversion import RateMissing
from ..domain.periods import Period
from ..domain.returns import return_due_on
from ..models import OperatorReturn, User
from ..permissions import has_role, sees_everything
from ..rates import ecb_rates
from ..reconciliation.services import reconcile
from ..returns.services import default_quarter, quarter_status
from ..summaries import services as summaries
from ..summaries.cache import cached
from ..summaries.labels import scope_title
from ..i18n import date_text, label_text, missing_rate_text

#: The built-in ECB table is stale once it ends this many days before today (amounts after its end + 31 days get no rate).
STALE_AFTER_DAYS = 30
SHOWN = 8  # names listed in one item before "and N more"


@dataclass
class Item:
    """One thing to do: what, where it is done (`link`, `action`), and how pressing it is."""

    text: str
    link: str | None  # None: not done in this user's pages (the action says who does it, where)
    action: str
    level: str = "todo"  # todo | warning | done
    details: list[str] = field(default_factory=list)


@dataclass
class Section:
    """The things to do of one of the user's roles."""

    role: str
    title: str
    items: list[Item]


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return _("%(names)s and %(count)s more", names=shown, count=len(names) - SHOWN) if len(names) > SHOWN else shown


def next_steps(user: User, today: date, missing_rates: list[RateMissing], *, session: Session) -> list[Section]:
    """Return, for each role the user holds, what to do next; `missing_rates` are the current year's."""
    sections = []
    if has_role(user, "co-chair"):
        items = co_chair_items(user, today, missing_rates, session=session)
        sections.append(Section("co-chair", _("For the co-chairs"), items))
    if has_role(user, "admin") and not has_role(user, "co-chair"):
        sections.append(Section("admin", _("For the admins"), rate_items(user, today, missing_rates)))
    if has_role(user, "operator") and user.organisation_id:
        sections.append(Section("operator", _("For your organisation"), operator_items(user, today, session=session)))
    if has_role(user, "reviewer"):
        sections.append(Section("reviewer", _("For the reviewers"), reviewer_items(user, session=session)))
    return sections


def co_chair_items(user: User, today: date, missing_rates: list[RateMissing], *, session: Session) -> list[Item]:
    """Return the co-chairs' list: returns missing or late, unmatched receipts, rates, drafts to publish."""
    quarter = default_quarter(today)
    items = [*_return_items(user, quarter, today, session=session), *_reconciliation_items(quarter, session=session)]
    items += rate_items(user, today, missing_rates)
    items += _drafts_to_publish(user, session=session)
    return items


def _return_statuses(user: User, quarter: Period, today: date, *, session: Session) -> dict[str, list[str]]:
    def fresh() -> dict[str, list[str]]:
        rows = quarter_status(quarter, session=session, user=user, today=today)
        return {status: [r.operator.name for r in rows if r.status == status]
                for status in ("missing", "late", "not due yet", "on time")}

    if not sees_everything(user):  # an operator's own return: one row
        return fresh()
    # Every co-chair's home page asks for the same list: kept per change of the data and day, like a summary.
    return cached(f"return-status|{quarter}|{today.isoformat()}", fresh, session=session)


def _return_items(user: User, quarter: Period, today: date, *, session: Session) -> list[Item]:
    statuses = _return_statuses(user, quarter, today, session=session)
    link = url_for("returns.index", quarter=str(quarter))
    due = date_text(return_due_on(quarter))
    missing, late, waiting = statuses["missing"], statuses["late"], statuses["not due yet"]
    items = []
    if missing:
        items.append(Item(_("%(count)s return(s) for %(quarter)s are missing (due %(due)s): %(names)s.", count=len(missing),
                            quarter=quarter, due=due, names=_names(missing)), link, _("See who has reported"), "warning"))
    if late:
        items.append(Item(_("%(count)s return(s) for %(quarter)s arrived late: %(names)s.", count=len(late), quarter=quarter,
                            names=_names(late)), link, _("See the returns")))
    if waiting:
        items.append(Item(_("%(count)s operator(s) have not sent their %(quarter)s return yet; it is due by %(due)s.",
                            count=len(waiting), quarter=quarter, due=due), link, _("See who has reported")))
    if statuses["on time"] and not (missing or late or waiting):
        items.append(Item(_("Every operator has sent its %(quarter)s return on time.", quarter=quarter), link,
                          _("See the returns"), "done"))
    return items


def _reconciliation_items(quarter: Period, *, session: Session) -> list[Item]:
    # Counted once per change of the data, like a summary: every co-chair's home page asks for it.
    def count() -> dict[str, int]:
        return {"open": reconcile(quarter, session=session, size=1).pages["open_receipts"].total_items}

    found = cached(f"open-receipts|{quarter}|", count, session=session)
    link = url_for("reconciliation.index", quarter=str(quarter))
    if not found["open"]:
        return [Item(_("Every receipt operators reported for %(quarter)s matches a donor-side payment.", quarter=quarter),
                     link, _("Open the reconciliation"), "done")]
    return [Item(_("%(count)s receipt(s) reported for %(quarter)s match no donor-side payment: they count on the "
                   "operator's word until you match them or record the payment.", count=found["open"],
                   quarter=quarter), link + "#open-receipts", _("Match the receipts"))]


def rate_items(user: User, today: date, missing_rates: list[RateMissing]) -> list[Item]:
    """Return the exchange-rate items: amounts left out for want of a rate, and a built-in table that ended."""
    admin = has_role(user, "admin")
    link = url_for("admin.rates") if admin else None
    action = _("Load exchange rates") if admin else _("An admin loads them on the Exchange rates page (Users → Exchange rates)")
    items = []
    if missing_rates:
        currencies = sorted({m.currency for m in missing_rates})
        first = min(m.on for m in missing_rates)
        items.append(Item(_("%(count)s amount(s) of %(year)s are left out of every figure for want of an exchange rate "
                            "(%(currencies)s, from %(first)s).", count=len(missing_rates), year=today.year,
                            currencies=", ".join(currencies), first=date_text(first)), link, action, "warning",
                          [missing_rate_text(m) for m in missing_rates[:SHOWN]]))
    ends = ecb_last_date()
    if ends < today - timedelta(days=STALE_AFTER_DAYS):
        items.append(Item(_("The built-in ECB reference rates end on %(date)s, %(days)s days ago: amounts in a currency "
                            "with no loaded rate get no rate 31 days after that. Load the month's rates (UN operational "
                            "rates, Bank of the Lao PDR) as a CSV file.", date=date_text(ends), days=(today - ends).days),
                          link, action, "warning"))
    return items


def ecb_last_date() -> date:
    """Return the last day of the ECB table shipped with the application."""
    return ecb_rates().last_date()


def _drafts_to_publish(user: User, *, session: Session) -> list[Item]:
    items = []
    for report, comments, versions in summaries.drafts_for_review(user, session=session):
        if versions:
            continue
        scope = summaries.scope_of(report.kind, report.period, report.pillar_code or None)
        text = (_("%(title)s: the draft is open and not published, %(count)s comment(s).", title=scope_title(scope),
                  count=comments) if comments else
                _("%(title)s: the draft is open and not published, no comment yet.", title=scope_title(scope)))
        items.append(Item(text, url_for("summaries.draft", kind=scope.kind, period=str(scope.period),
                                        pillar=scope.pillar or "all"), _("Review and publish")))
    return items


def operator_items(user: User, today: date, *, session: Session) -> list[Item]:
    """Return an operator's list: its return's status and due date, and the versions it sent."""
    items = []
    for quarter in (default_quarter(today), default_quarter(today).shift(1)):
        rows = quarter_status(quarter, session=session, user=user, today=today)
        own = next((r for r in rows if r.operator.id == user.organisation_id), None)
        if own is None:
            continue
        due = date_text(return_due_on(quarter))
        link = url_for("returns.index", quarter=str(quarter))
        if own.status == "missing":
            items.append(Item(_("Your %(quarter)s return is missing: it was due on %(due)s.", quarter=quarter, due=due), link,
                              _("Download the template and send it"), "warning"))
        elif own.status == "not due yet" and quarter.end < today:
            items.append(Item(_("Your %(quarter)s return is due by %(due)s.", quarter=quarter, due=due), link,
                              _("Download the template and send it")))
        elif own.status == "not due yet":
            items.append(Item(_("Your %(quarter)s return will be due by %(due)s, once the quarter ends on %(end)s.",
                                quarter=quarter, due=due, end=date_text(quarter.end)), link, _("Download the template"),
                              "done"))
        elif own.current is not None:
            items.append(Item(_("Your %(quarter)s return was received (%(status)s; it was due on %(due)s), version "
                                "%(number)s.", quarter=quarter, status=label_text(own.status, "return status"), due=due,
                                number=own.current.version_no), url_for("returns.show", return_id=own.current.id),
                              _("See what you sent"), "done"))
    sent = session.exec(select(OperatorReturn).where(OperatorReturn.operator_id == user.organisation_id)
                        .order_by(col(OperatorReturn.uploaded_at).desc(), col(OperatorReturn.id).desc()).limit(5)).all()
    for r in sent:
        text = (_("Sent: %(quarter)s, version %(number)s, %(file)s (superseded).", quarter=r.quarter, number=r.version_no,
                  file=r.filename or _("file")) if r.superseded_by_id else
                _("Sent: %(quarter)s, version %(number)s, %(file)s.", quarter=r.quarter, number=r.version_no,
                  file=r.filename or _("file")))
        items.append(Item(text, url_for("returns.show", return_id=r.id), _("Open"), "done"))
    return items


def reviewer_items(user: User, *, session: Session) -> list[Item]:
    """Return a reviewer's list: the open drafts of the pillars they follow, to read and comment on."""
    items = []
    for report, comments, versions in summaries.drafts_for_review(user, session=session):
        scope = summaries.scope_of(report.kind, report.period, report.pillar_code or None)
        text = (_("%(title)s: version %(number)s published, the draft goes on; %(count)s comment(s) so far.",
                  title=scope_title(scope), number=versions, count=comments) if versions else
                _("%(title)s: not published yet; %(count)s comment(s) so far.", title=scope_title(scope), count=comments))
        items.append(Item(text, url_for("summaries.draft", kind=scope.kind, period=str(scope.period),
                                        pillar=scope.pillar or "all") + "#comments", _("Read and comment")))
    if not items:
        items.append(Item(_("No draft is open for the pillars you follow."), url_for("summaries.index"),
                          _("See the summaries"), "done"))
    return items
