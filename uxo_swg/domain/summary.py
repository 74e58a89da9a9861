"""Quarterly TWG and biannual SWG summaries: figures, tables and the records behind each one.

Every figure of a summary has a key (`totals|disbursed`, `donors|Japan|pledged`,
`provinces|LA-XI|spent`, `trend|2025-Q2|disbursed` ...). A counted amount adds its USD value
to every key it belongs to, so a figure is by construction the sum of the records listed
under its key (counting rule 10). Entries may be single records or groups of records of
the same kind, date, currency and keys (summed in the database): conversion of a sum is
the sum of the conversions at the same rate.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Iterable

from .agreements import Agreement
from .conversion import Conversion, RateBook, RateMissing
from .counting import MEASURES, PILLARS, Counted, Entry, Figures, coverage, funding_gap, left_the_donor, measures_for
from .money import round_half_up
from .periods import Period

ZERO = Decimal(0)
SEP = "|"
# Periods in the trend: quarters (TWG), halves (SWG); the home page's glance has no trend.
TREND = {"twg": 8, "swg": 6, "glance": 1}
FLOWS = {"commitment": "committed", "amendment": "committed", "disbursement": "disbursed", "receipt": "disbursed",
         "expenditure": "spent"}
DONOR_KINDS = ("pledge", "commitment", "amendment", "disbursement", "receipt")


@dataclass(slots=True)
class PledgeEntry(Entry):
    """A pledge line with what the donor table needs to know about its pledge."""

    ccm_specific: bool = False
    multi_year: bool = False
    pledge_ref: str | None = None


@dataclass(frozen=True)
class ReturnStatus:
    """An operator expected to file a return for the quarter, and whether it did."""

    operator: str
    filed_on: date | None


@dataclass(frozen=True)
class Difference:
    """An operator's receipt matched to a donor-side disbursement with a different amount."""

    agreement_ref: str
    donor: str
    operator: str
    pillar: str
    disbursement_id: int
    disbursed_on: date
    disbursed: Decimal
    receipt_id: int
    received_on: date
    received: Decimal
    currency: str


def key(*parts: object) -> str:
    """Return the key of a figure from its parts."""
    return SEP.join(str(p) for p in parts)


def scope_period(kind: str, period: Period) -> tuple[date, date]:
    """Return the first and last day of the records a summary may count (trend window and year)."""
    first = period.shift(-(TREND[kind] - 1)).start
    return min(first, period.year_period.start), period.end


def trend_periods(kind: str, period: Period) -> list[Period]:
    """Return the periods of the trend chart, oldest first."""
    return period.last(TREND[kind])


def _fund_keys(e: Entry, m: str) -> list[str]:
    """Return the keys of a pooled fund's section an entry adds to (rule 11)."""
    if e.flow == "contribution":
        if e.national:  # the government's money is on the national line; the fund's allocations count as international
            return [f"funds|{e.fund}|received_national"]
        return [f"funds|{e.fund}|received", f"funds|{e.fund}|received_by|{e.donor or '(not named)'}"]
    if e.flow != "allocation":
        return []
    if m == "disbursed":
        return [f"funds|{e.fund}|allocated", f"funds|{e.fund}|allocated_pillar|{e.pillar}",
                f"funds|{e.fund}|allocated_to|{e.recipient or '(not named)'}"]
    return [f"funds|{e.fund}|{m}"]


def _outside_sector(e: Entry, m: str) -> bool:
    """Return whether an entry is counted under its pooled fund only, not in the sector's figures (rule 11).

    A contribution is counted when the fund allocates it; a fund's own pledges and agreements
    with operators are shown under the fund, the donors' pledges and agreements with the
    fund being counted already.
    """
    return e.flow == "contribution" or (e.flow == "allocation" and m != "disbursed")


def _keys_in_period(e: Entry, m: str) -> list[str]:
    """Return the keys of the period's figures an entry counted for the measure adds to."""
    everywhere = e.facet is None
    if _outside_sector(e, m):
        out = _fund_keys(e, m)
        if e.flow == "contribution" and e.national:
            out += [f"national|{m}", f"pillars|{e.pillar}|national_{m}"]
        elif left_the_donor(e):  # a contribution: what left the donor (the donor table)
            out += [f"donors|{e.donor}|disbursed", f"donors|{e.donor}|via_pooled_funds"]
            if e.in_kind:
                out.append(f"donors|{e.donor}|in_kind")
        return out
    if e.national:
        if not (everywhere or e.facet == "totals"):
            return []
        out = [f"national|{m}", f"pillars|{e.pillar}|national_{m}"]
        return out + ["totals|national"] if m == "disbursed" else out
    out = [f"totals|{m}", f"pillars|{e.pillar}|{m}"] if everywhere or e.facet == "totals" else []
    # Disbursed by a donor is what left it (one rule with the treaty report); pledged and committed are its own records.
    by_donor = left_the_donor(e) if m == "disbursed" else (e.donor and e.flow is None and e.kind in DONOR_KINDS)
    if by_donor and (everywhere or e.facet == "donors"):
        out.append(f"donors|{e.donor}|{m}")
        if m == "pledged" and isinstance(e, PledgeEntry):
            if e.multi_year:
                out.append(f"donors|{e.donor}|pledged_multi_year")
            if e.ccm_specific:
                out.append(f"donors|{e.donor}|pledged_ccm")
        if m == "disbursed" and e.in_kind:
            out.append(f"donors|{e.donor}|in_kind")
    if m in ("disbursed", "spent"):
        if everywhere or e.facet == "operators":
            out.append(f"operators|{e.recipient or '(not named)'}|{'received' if m == 'disbursed' else 'spent'}")
        if everywhere or e.facet == "provinces":
            out.append(f"provinces|{e.province or 'national'}|{m}")
    if everywhere:
        out += _fund_keys(e, m)
    return out


def _flow_sections(e: Entry, m: str, bucket: int, trend: list[str], year_to_date: bool) -> list[tuple[str, list[str]]]:
    """Return the keys a flow dated in the trend period `bucket` adds to (the last bucket is the period itself)."""
    if e.facet not in (None, "totals") or _outside_sector(e, m):  # one table's group, or a fund's: the period only
        keys = _keys_in_period(e, m) if bucket == len(trend) - 1 else []
        if e.flow == "contribution" and e.national and year_to_date:  # the government's money paid into a fund
            keys += [f"national|{m}_ytd", f"pillars|{e.pillar}|national_{m}_ytd"]
        return [(m, keys)] if keys else []
    keys = _keys_in_period(e, m) if bucket == len(trend) - 1 else []
    if not e.national:
        keys.append(trend[bucket])
    if year_to_date:
        keys += ([f"national|{m}_ytd", f"pillars|{e.pillar}|national_{m}_ytd"] if e.national
                 else [f"totals|{m}_ytd", f"pillars|{e.pillar}|{m}_ytd"])
    return [(m, keys)] if keys else []


@dataclass
class Line:
    """One counted amount (a record or a group of records) and the figure keys it adds to."""

    counted: Counted
    keys: list[str]


@dataclass
class Computed:
    """The figures of a summary, the lines they are made of and the rates that were missing."""

    figures: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    lines: list[Line] = field(default_factory=list)
    missing_rates: list[RateMissing] = field(default_factory=list)

    def records(self, figure: str) -> list[Counted]:
        """Return what the figure is made of."""
        return [line.counted for line in self.lines if figure in line.keys]


def compute(kind: str, period: Period, entries: Iterable[Entry], rates: RateBook, pillar: str | None = None, *,
            keep_lines: bool = True) -> Computed:
    """Return the figures of a TWG (one pillar) or SWG summary; receipts must be unmatched ones.

    One pass over the entries: each is converted once, at the rate of its date, and added to
    the figures of the period (counting rules 3 to 8), of the year to date and of the trend
    period it falls in. Flows with the same keys are summed before they are added to their
    figures. Without `keep_lines` only the figures are kept (a live page does not list
    records; the list behind a figure and a published snapshot keep them).
    """
    out = Computed()
    end = period.end
    year_start = period.year_period.start
    buckets = trend_periods(kind, period)
    starts = [tp.start for tp in buckets]
    trend = {m: [f"trend|{tp}|{m}" for tp in buckets] for m in FLOWS.values()}
    sections_of: dict[tuple, list[tuple[str, list[str]]]] = {}
    sums: dict[tuple, Decimal] = {}
    missing: dict[tuple[str, date], RateMissing] = {}
    first, rate_of = starts[0], rates.rate  # this loop runs once per entry: tens of thousands of times
    for e in entries:
        if pillar is not None and e.pillar != pillar:
            continue
        on = e.rate_date
        if e.kind in FLOWS:
            if not first <= on <= end:
                continue
            bucket = bisect_right(starts, on) - 1
            signature: tuple = (e.kind, e.pillar, e.national, e.donor, e.recipient, e.province, e.facet, bucket,
                                on >= year_start, e.flow, e.fund, e.in_kind)
            sections = sections_of.get(signature)
            if sections is None:
                sections = sections_of[signature] = _flow_sections(e, FLOWS[e.kind], bucket, trend[FLOWS[e.kind]],
                                                                   on >= year_start)
        else:
            signature = (id(e),)  # pledge and agreement lines and needs are few: each is its own (rules 3, 4 and 7)
            sections = sections_of[signature] = [(m, _keys_in_period(e, m)) for m in measures_for(e, period)]
        if not sections:
            continue
        try:
            rate = rate_of(e.currency, on)
        except RateMissing as error:
            missing.setdefault((error.currency, error.on), error)
            continue
        usd = e.amount / rate.units_per_usd
        sums[signature] = sums[signature] + usd if signature in sums else usd
        if keep_lines:
            conversion = Conversion(e.amount, rate.currency, usd, rate.units_per_usd, rate.on, rate.source)
            out.lines.extend(Line(Counted(e, measure, conversion), keys) for measure, keys in sections)
    figures = out.figures
    for signature, usd in sums.items():
        for _measure, keys in sections_of[signature]:
            for k in keys:
                figures[k] += usd
    out.missing_rates = sorted(missing.values(), key=lambda m: (m.currency, m.on))
    return out


def count(entries: Iterable[Entry], period: Period, rates: RateBook, *, keep_lines: bool = True) -> Figures:
    """Return the period's figures per pillar, national and per donor: a summary without trend or tables (the home page).

    Receipts passed in must already be unmatched ones. A missing rate does not stop the
    count: the entry is left out and the RateMissing is listed, so the page can say which
    currency and date need a rate.
    """
    computed = compute("glance", period, entries, rates, keep_lines=keep_lines)
    f = computed.figures
    codes = list(PILLARS) + sorted(set(_names(f, "pillars")) - set(PILLARS))
    wanted = MEASURES + tuple(f"national_{m}" for m in MEASURES)
    return Figures(period=period,
                   by_pillar={p: {m: f.get(key("pillars", p, m), ZERO) for m in wanted} for p in codes},
                   national={m: f.get(key("national", m), ZERO) for m in MEASURES},
                   donors={d: f[key("donors", d, "disbursed")] for d in _names(f, "donors") if key("donors", d, "disbursed") in f},
                   counted=[line.counted for line in computed.lines], missing_rates=computed.missing_rates)


def money(value: Decimal) -> str:
    """Return a USD amount as the JSON string of spec section 7 (two decimals, half up)."""
    return str(round_half_up(value, 2))


def ratio(value: Decimal | None) -> str | None:
    """Return a coverage as a four-decimal string, or None where there is no requirement."""
    return None if value is None else str(round_half_up(value, 4))


def _names(figures: dict[str, Decimal], table: str) -> list[str]:
    return sorted({k.split(SEP)[1] for k in figures if k.startswith(table + SEP)})


def pillar_row(figures: dict[str, Decimal], code: str, prefix: str = "pillars") -> dict[str, Any]:
    """Return one pillar's figures (or the totals) as JSON values; coverage and gaps count national money (rule 7)."""
    if prefix == "totals":
        f = lambda m: figures.get(key("totals", m), ZERO)  # noqa: E731
        nat = lambda m: figures.get(key("national", m), ZERO)  # noqa: E731
    else:
        f = lambda m: figures.get(key(prefix, code, m), ZERO)  # noqa: E731
        nat = lambda m: figures.get(key(prefix, code, f"national_{m}"), ZERO)  # noqa: E731
    need, pledged, ytd = f("requirement"), f("pledged"), f("disbursed_ytd")
    for_year = f("committed_for_year")
    return {
        "pillar": code,
        "requirement": money(need), "pledged": money(pledged), "pledged_in_period": money(f("pledged_in_period")),
        "committed": money(f("committed")), "committed_for_year": money(for_year),
        "disbursed": money(f("disbursed")), "disbursed_ytd": money(ytd), "spent": money(f("spent")),
        "coverage": ratio(coverage(ytd + nat("disbursed_ytd"), need)),
        "pledge_coverage": ratio(coverage(pledged + nat("pledged"), need)),
        "gap": money(funding_gap(need, pledged + nat("pledged"))),
        "unmet": money(funding_gap(need, for_year + nat("committed_for_year"))),
    }


def cliff(agreements: Iterable[Agreement], period: Period, rates: RateBook, pillar: str | None = None) -> list[dict[str, Any]]:
    """Return the agreements (international) ending within a year after the period: the funding cliff.

    Amounts and end dates are the agreements' current ones at the period's end (rule 4).
    """
    horizon = period.end + timedelta(days=365)
    rows = []
    for a in agreements:
        if a.national or a.flow or a.signed_on > period.end:
            continue
        ends = a.end_on_day(period.end)
        amounts = {k: v for k, v in a.amounts_on(period.end).items() if pillar is None or k[1] == pillar}
        amount = sum(amounts.values(), ZERO)
        if not (period.end < ends <= horizon) or amount <= 0:
            continue
        try:
            usd = money(rates.to_usd(amount, a.currency, a.signed_on).usd)
        except RateMissing:
            usd = None
        pillars = sorted({p for _y, p in amounts}, key=lambda p: PILLARS.index(p) if p in PILLARS else 99)
        rows.append({"agreement_ref": a.ref, "donor": a.donor, "recipient": a.recipient, "pillar": ", ".join(pillars),
                     "ends_on": ends.isoformat(), "amount": str(amount), "currency": a.currency, "usd": usd})
    return sorted(rows, key=lambda r: (r["ends_on"], r["agreement_ref"]))


def pipeline(pledges: Iterable[PledgeEntry], agreements: Iterable[Agreement], period: Period, rates: RateBook,
             pledge_ids: dict[int, int], pillar: str | None = None) -> list[dict[str, Any]]:
    """Return the pledge lines for the period's year and later not yet covered by agreements.

    `pledge_ids` maps each pledge line's record id to its pledge's id; an agreement covers
    the line of its pledge, year and pillar with its current amount at the period's end.
    Where the agreement is in the pledge's currency the two are compared in that currency;
    otherwise each side is converted to USD at the rate of its own date.
    """
    held: dict[tuple[int, int, str], list[tuple[Decimal, str, date]]] = defaultdict(list)
    for a in agreements:
        if a.pledge_id is None or a.flow:
            continue
        for (year, line_pillar), amount in a.amounts_on(period.end).items():
            held[(a.pledge_id, year, line_pillar)].append((amount, a.currency, a.signed_on))
    rows = []
    for p in sorted(pledges, key=lambda p: (p.year or 0, p.donor or "", p.pillar)):
        if p.national or p.flow or (pillar and p.pillar != pillar) or (p.year or 0) < period.year or p.rate_date > period.end:
            continue
        covering = held.get((pledge_ids.get(p.record_id, -1), p.year or 0, p.pillar), [])
        same = sum((amount for amount, cur, _on in covering if cur == p.currency), ZERO)
        try:
            usd = rates.to_usd(p.amount, p.currency, p.rate_date).usd
            left = (p.amount - same) / rates.rate(p.currency, p.rate_date).units_per_usd
            for amount, cur, on in covering:
                if cur != p.currency:
                    left -= rates.to_usd(amount, cur, on).usd
        except RateMissing:
            continue
        if left > Decimal("0.005"):
            rows.append({"pledge_ref": p.pledge_ref, "donor": p.donor, "year": p.year, "pillar": p.pillar,
                         "pledged": money(usd), "not_committed": money(left)})
    return rows


def pooled_funds(figures: dict[str, Decimal], balances: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Return each pooled fund's section (rule 11): received by donor, allocated by pillar and recipient, balance.

    `balances` gives, per fund, its balance in USD (`usd`, None where a rate is missing) and
    per currency (`by_currency`), as the caller valued it at the period's last day.
    """
    names = sorted(set(_names(figures, "funds")) | set(balances))
    out = []
    for fund in names:
        f = lambda *parts: figures.get(key("funds", fund, *parts), ZERO)  # noqa: E731
        part = lambda what: sorted(k.split(SEP)[3] for k in figures if k.startswith(key("funds", fund, what, "")))  # noqa: E731
        balance = balances.get(fund, {})
        out.append({
            "fund": fund, "received": money(f("received")), "allocated": money(f("allocated")),
            "received_national": money(f("received_national")),
            "balance": money(balance["usd"]) if balance.get("usd") is not None else None,
            "balance_by_currency": [{"currency": c, "amount": str(a)} for c, a in sorted(balance.get("by_currency", {}).items())],
            "pledged": money(f("pledged")), "committed": money(f("committed")),
            "received_by_donor": [{"donor": d, "amount": money(f("received_by", d))} for d in part("received_by")],
            "allocated_by_pillar": [{"pillar": p, "amount": money(f("allocated_pillar", p))}
                                    for p in sorted(part("allocated_pillar"), key=lambda p: PILLARS.index(p) if p in PILLARS else 99)],
            "allocated_by_recipient": [{"recipient": r, "amount": money(f("allocated_to", r))} for r in part("allocated_to")],
        })
    return out


def document(kind: str, period: Period, computed: Computed, pillar: str | None = None,
             extras: dict[str, Any] | None = None, balances: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Return the summary as the JSON of spec section 7 (with the application's extra tables)."""
    f = computed.figures
    totals = pillar_row(f, "", prefix="totals")
    del totals["pillar"]
    totals["national"] = money(f.get(key("totals", "national"), ZERO))
    pillars = [pillar] if pillar else list(PILLARS)
    doc: dict[str, Any] = {"kind": kind, "period": str(period)}
    if pillar:
        doc["pillar"] = pillar
    doc.update({
        "currency": "USD",
        "totals": totals,
        "national": {m: money(f.get(key("national", m), ZERO)) for m in
                     ("requirement", "pledged", "pledged_in_period", "committed", "committed_for_year", "disbursed",
                      "disbursed_ytd", "spent")},
        "pillars": [pillar_row(f, p) for p in pillars],
        "donors": [
            {"donor": d, **{m: money(f.get(key("donors", d, m), ZERO))
                            for m in ("pledged", "pledged_in_period", "committed", "disbursed", "via_pooled_funds", "in_kind",
                                      "pledged_multi_year", "pledged_ccm")}}
            for d in _names(f, "donors")
        ],
        "operators": [{"operator": o, "received": money(f.get(key("operators", o, "received"), ZERO)),
                       "spent": money(f.get(key("operators", o, "spent"), ZERO))} for o in _names(f, "operators")],
        "provinces": [{"province": p, "disbursed": money(f.get(key("provinces", p, "disbursed"), ZERO)),
                       "spent": money(f.get(key("provinces", p, "spent"), ZERO))} for p in _names(f, "provinces")],
        "pooled_funds": pooled_funds(f, balances or {}),
        "trend": [{"period": str(tp), **{m: money(f.get(key("trend", tp, m), ZERO)) for m in ("committed", "disbursed", "spent")}}
                  for tp in trend_periods(kind, period)],
        "missing_rates": [{"currency": m.currency, "date": m.on.isoformat(), "message": str(m)} for m in computed.missing_rates],
    })
    doc.update(extras or {})
    return doc


def flatten(doc: dict[str, Any]) -> dict[str, str]:
    """Return every figure of a summary JSON by its key, for comparing two versions."""
    flat: dict[str, str] = {}
    for name, value in doc.get("totals", {}).items():
        flat[key("totals", name)] = value
    for name, value in doc.get("national", {}).items():
        flat[key("national", name)] = value
    for table, label in (("pillars", "pillar"), ("donors", "donor"), ("operators", "operator"),
                         ("provinces", "province"), ("pooled_funds", "fund"), ("trend", "period")):
        for row in doc.get(table, []):
            for name, value in row.items():
                if name != label and not isinstance(value, list):
                    flat[key(table, row[label], name)] = value
    return flat


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """Return the figures that differ between two versions: (key, old, new), in key order."""
    a, b = flatten(old), flatten(new)
    zero = {None, "0.00"}
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b))
            if a.get(k) != b.get(k) and not (a.get(k) in zero and b.get(k) in zero)]
