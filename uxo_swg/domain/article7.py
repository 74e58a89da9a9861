"""The treaty report's resource tables (CCM Article 7, spec section 9), counted from the summaries' entries."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Mapping

from .conversion import RateBook, RateMissing
from .counting import PILLARS, Entry, left_the_donor, national_money
from .money import round_for_currency
from .periods import Period
from .summary import money

ZERO = Decimal(0)


@dataclass
class _Sum:
    """An amount in one currency, its USD value and the USD value per pillar."""

    amount: Decimal = ZERO
    usd: Decimal = ZERO
    pillars: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))


def support_of(e: Entry) -> str:
    """Return the kind of support an entry is: `cash` or `in-kind` (rule 12)."""
    return "in-kind" if e.in_kind else "cash"


def original_amount(amount: Decimal, currency: str) -> str:
    """Return an amount in its own currency as text with the currency's own decimals (JPY none, EUR two)."""
    return str(round_for_currency(amount, currency))


def _pillar_order(code: str) -> int:
    return PILLARS.index(code) if code in PILLARS else len(PILLARS)


def article7(year: int, entries: Iterable[Entry], rates: RateBook,
             ccm_state_party: Mapping[str, bool | None]) -> dict[str, Any]:
    """Return the year's resource tables as the JSON of spec section 9.

    International: per donor, currency and kind of support, what left the donor in the
    year (counting.left_the_donor: direct payments, contributions to pooled funds,
    unmatched receipts naming it; a pooled fund is never a donor). National: per pillar,
    currency and kind of support, the government's money (rule 8). Every amount is
    converted at the rate of its own date (rule 1) and USD sums are rounded only when
    shown (rule 9); an amount with no rate is left out and named in `missing_rates`.
    """
    period = Period(year, "Y")
    international: dict[tuple[str, str, str], _Sum] = defaultdict(_Sum)
    national: dict[tuple[str, str, str], _Sum] = defaultdict(_Sum)
    missing: dict[tuple[str, date], RateMissing] = {}
    for e in entries:
        if not period.contains(e.rate_date):
            continue
        if left_the_donor(e):
            row = international[(e.donor or "", e.currency, support_of(e))]
        elif national_money(e):
            row = national[(e.pillar, e.currency, support_of(e))]
        else:
            continue
        try:
            usd = rates.to_usd(e.amount, e.currency, e.rate_date).usd
        except RateMissing as error:
            missing.setdefault((error.currency, error.on), error)
            continue
        row.amount += e.amount
        row.usd += usd
        row.pillars[e.pillar] += usd
    codes = list(PILLARS) + sorted({p for s in international.values() for p in s.pillars} - set(PILLARS))
    in_kind = {name: sum((s.usd for (_a, _c, support), s in table.items() if support == "in-kind"), ZERO)
               for name, table in (("international", international), ("national", national))}
    return {
        "year": year,
        "currency": "USD",
        "international": [
            {"donor": donor, "currency": currency, "support": support, "amount": original_amount(s.amount, currency),
             "usd": money(s.usd), "ccm_state_party": ccm_state_party.get(donor),
             "pillars": {p: money(s.pillars.get(p, ZERO)) for p in codes}}
            for (donor, currency, support), s in sorted(international.items(), key=lambda kv: (kv[0][0].casefold(), kv[0]))
        ],
        "national": [
            {"pillar": pillar, "currency": currency, "support": support, "amount": original_amount(s.amount, currency),
             "usd": money(s.usd)}
            for (pillar, currency, support), s in sorted(national.items(), key=lambda kv: (_pillar_order(kv[0][0]), kv[0]))
        ],
        "totals": {
            "international_usd": money(sum((s.usd for s in international.values()), ZERO)),
            "international_usd_by_pillar": {p: money(sum((s.pillars.get(p, ZERO) for s in international.values()), ZERO))
                                            for p in codes},
            "national_usd": money(sum((s.usd for s in national.values()), ZERO)),
            "in_kind_usd": money(in_kind["international"] + in_kind["national"]),
            "international_in_kind_usd": money(in_kind["international"]),
            "national_in_kind_usd": money(in_kind["national"]),
        },
        "missing_rates": [{"currency": m.currency, "date": m.on.isoformat(), "message": str(m)}
                          for m in sorted(missing.values(), key=lambda m: (m.currency, m.on))],
    }
