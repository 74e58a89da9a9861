"""The annual SWG summary's donor column: what left each donor in its own fiscal year that starts in the calendar year."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from ..domain.conversion import RateBook, RateMissing
from ..domain.counting import Entry
from ..domain.donor_years import fiscal_year, left_in_spans
from ..domain.periods import Period
from ..domain.summary import money
from ..models import Organisation
from .inputs import load_summary_inputs
from .reading import read


def fiscal_year_extras(period: Period, entries: list[Entry], donors: list[dict[str, Any]], *, session: Session,
                       rates: RateBook, grouped: bool) -> tuple[dict[str, dict[str, Any]], list[RateMissing]]:
    """Add each donor row's `disbursed_fiscal_year`; return each donor's fiscal year and the rates that were missing.

    `entries` are the summary's own (its year); where a donor's fiscal year runs into the
    next calendar year, that year's money is read the same way (load_summary_inputs) and
    counted by the same rule (counting.left_the_donor), so a donor whose fiscal year is the
    calendar year gets exactly its `disbursed`.
    """
    starts = dict(read(session, select(Organisation.name, Organisation.fiscal_year_start)
                       .where(col(Organisation.name).in_([d["donor"] for d in donors]))).all()) if donors else {}
    spans = {d["donor"]: fiscal_year(period.year, starts.get(d["donor"])) for d in donors}
    counted = [e for e in entries if period.contains(e.rate_date)]
    if any(last > period.end for _first, last in spans.values()):
        following = Period(period.year + 1, "Y")
        counted += load_summary_inputs("glance", following, session=session, rates=rates, grouped=grouped).entries
    left, missing = left_in_spans(counted, spans, rates)
    today = date.today()
    for d in donors:
        d["disbursed_fiscal_year"] = money(left.get(d["donor"], Decimal(0)))
    years = {donor: {"start_month": starts.get(donor) or 1, "from": first.isoformat(), "to": last.isoformat(),
                     "ended": last < today} for donor, (first, last) in spans.items()}
    return years, missing
