"""The reports the sector files (spec section 9), counted from the records and by the rules the summaries use."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from ..domain.article7 import article7
from ..domain.counting import PAID_KINDS, Entry
from ..domain.messages import N_, Explained
from ..domain.monitor import METHODS, monitor
from ..domain.periods import Period
from ..models import Organisation
from ..rates import rate_book
from ..summaries.inputs import load_summary_inputs
from ..summaries.reading import read

FIRST_YEAR, LAST_YEAR = 1900, 2200


class ReportError(Explained, ValueError):
    """A report that cannot be made as asked, with the reason."""


def year_of(text: object) -> int:
    """Return the calendar year written in a URL or command, or raise ReportError saying what is wrong."""
    try:
        year = int(str(text).strip())
    except ValueError:
        raise ReportError(N_("{text} is not a year: write it as 2025"), text=repr(text)) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ReportError(N_("the year {year} is out of range ({first}-{last})"), year=str(year), first=str(FIRST_YEAR),
                          last=str(LAST_YEAR))
    return year


def method_of(text: str | None) -> str:
    """Return the conversion of the Monitor's table named in a URL or command (value-date by default)."""
    method = (text or "value-date").strip().lower()
    if method not in METHODS:
        raise ReportError(N_("unknown rates {text}: use {methods}"), text=repr(text), methods=" or ".join(METHODS))
    return method


def year_flows(year: int, *, session: Session, rates: Any) -> list[Entry]:
    """Return the money paid in the year, one entry per record, as the summaries read it.

    Disbursements, and the operators' receipts that match no disbursement (rule 5, with the
    co-chairs' decisions); receipts from pooled funds are the funds' allocations (rule 11).
    """
    period = Period(year, "Y")
    inputs = load_summary_inputs("glance", period, session=session, rates=rates, grouped=False)
    return [e for e in inputs.entries if e.kind in PAID_KINDS and period.contains(e.rate_date)]


def _organisations(*, session: Session) -> list[Any]:
    return list(read(session, select(Organisation.name, Organisation.country, Organisation.ccm_state_party)
                     .where(col(Organisation.merged_into_id).is_(None))).all())


def article7_report(year: int, *, session: Session) -> dict[str, Any]:
    """Return the treaty report's resource tables of the year (CCM Article 7) as the JSON of spec section 9."""
    rates = rate_book(session=session)
    ccm = {o.name: o.ccm_state_party for o in _organisations(session=session)}
    return article7(year, year_flows(year, session=session, rates=rates), rates, ccm)


def national_currencies(year: int, *, session: Session) -> dict[str, str | None]:
    """Return each organisation's national currency in the year: that of its country (CLDR, via Babel), or None.

    A country with several legal tenders gives its first (the main one); an organisation
    with no country (the European Union, a UN agency) has none.
    """
    from babel.numbers import get_territory_currencies

    out: dict[str, str | None] = {}
    for o in _organisations(session=session):
        found = get_territory_currencies(o.country, date(year, 1, 1), date(year, 12, 31), tender=True) if o.country else []
        out[o.name] = found[0] if found else None
    return out


def monitor_report(year: int, method: str = "value-date", *, session: Session) -> dict[str, Any]:
    """Return the Monitor's table of the year: per donor, in its national currency and in USD (spec section 9)."""
    rates = rate_book(session=session)
    flows = year_flows(year, session=session, rates=rates)
    return monitor(year, flows, rates, national_currencies(year, session=session), method_of(method))
