"""What left each donor within a span of days of its own: its fiscal year (Japan's FY2025 runs April 2025 to March 2026)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable, Mapping

from .conversion import RateBook, RateMissing
from .counting import Entry, left_the_donor

ZERO = Decimal(0)


def fiscal_year(year: int, start_month: int | None) -> tuple[date, date]:
    """Return the first and last day of the donor's fiscal year that starts in the calendar year.

    A donor whose fiscal year starts in January, or whose start is not recorded, keeps the
    calendar year (as the Lao fiscal year does).
    """
    month = start_month if start_month and 1 <= start_month <= 12 else 1
    first = date(year, month, 1)
    following = date(year + 1, month, 1)
    return first, following - timedelta(days=1)


def left_in_spans(entries: Iterable[Entry], spans: Mapping[str, tuple[date, date]],
                  rates: RateBook) -> tuple[dict[str, Decimal], list[RateMissing]]:
    """Return, per donor, the USD value of what left it within its span of days, and the rates that were missing.

    What left a donor is counted as the donor table counts it (counting.left_the_donor):
    direct payments, contributions to pooled funds, unmatched receipts naming it. Entries
    may be single records or groups summed per donor (a group of another table, with no
    donor, is not counted). Each is converted at the rate of its own date (rule 1).
    """
    out = {donor: ZERO for donor in spans}
    missing: dict[tuple[str, date], RateMissing] = {}
    for e in entries:
        if not left_the_donor(e) or e.facet not in (None, "donors"):
            continue
        span = spans.get(e.donor or "")
        if span is None or not span[0] <= e.rate_date <= span[1]:
            continue
        try:
            out[e.donor or ""] += rates.to_usd(e.amount, e.currency, e.rate_date).usd
        except RateMissing as error:
            missing.setdefault((error.currency, error.on), error)
    return out, sorted(missing.values(), key=lambda m: (m.currency, m.on))
