"""The counting rules of the spec (section 6): what is pledged, committed, disbursed, spent."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Collection

from .conversion import Conversion, RateMissing
from .periods import Period

PILLARS = ("clearance", "va", "re", "im", "policy", "unallocated")
MEASURES = ("requirement", "pledged", "pledged_in_period", "committed", "committed_for_year", "disbursed", "spent")
ZERO = Decimal(0)


@dataclass(slots=True)  # not frozen: a summary builds tens of thousands, and frozen ones cost four times as much
class Entry:
    """One amount a summary counts: a pledge line, commitment, disbursement, receipt, need or spend.

    `rate_date` sets the exchange rate and, except for pledge lines (counted in `year`),
    the period the amount falls in. An entry may be a group of records summed in the
    database; `facet` then says which figures the group is summed for: "totals" (the
    totals, pillars and national lines, the year to date and the trend), or the one table
    it adds to ("donors", "operators", "provinces"). A record counts everywhere (None).
    """

    kind: str  # pledge | commitment | amendment | disbursement | receipt | requirement | expenditure, or
    # commitment_year | amendment_year: an agreement line or amendment counted for the year it is for
    record_id: int
    rate_date: date
    pillar: str
    amount: Decimal
    currency: str
    donor: str | None = None
    national: bool = False
    recipient: str | None = None
    via: str | None = None
    province: str | None = None
    agreement_ref: str | None = None
    year: int | None = None  # pledge and agreement lines, amendments: the year the amount is for
    facet: str | None = None
    # Rule 11: "contribution" (paid into a pooled fund) or "allocation" (paid, pledged or agreed by
    # one, or received from one), with the fund's name; None for money that does not touch a fund.
    flow: str | None = None
    fund: str | None = None
    in_kind: bool = False  # rule 12: support in kind, counted like cash and also shown apart


@dataclass
class Counted:
    """An entry as counted: its USD conversion and the measure it went to."""

    entry: Entry
    measure: str
    conversion: Conversion


@dataclass
class Figures:
    """The totals of one period, per pillar, with the entries each one is made of."""

    period: Period
    by_pillar: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    national: dict[str, Decimal] = field(default_factory=dict)
    donors: dict[str, Decimal] = field(default_factory=dict)  # disbursed, international money
    counted: list[Counted] = field(default_factory=list)
    missing_rates: list[RateMissing] = field(default_factory=list)

    def total(self, measure: str) -> Decimal:
        """Return the international total of a measure over all pillars."""
        return sum((p.get(measure, ZERO) for p in self.by_pillar.values()), ZERO)

    def _with_national(self, measure: str, pillar: str | None) -> Decimal:
        """Return a measure's international plus national amount, over all pillars or for one."""
        if pillar is None:
            return self.total(measure) + self.national.get(measure, ZERO)
        row = self.by_pillar[pillar]
        return row.get(measure, ZERO) + row.get(f"national_{measure}", ZERO)

    def requirement(self, pillar: str | None = None) -> Decimal:
        """Return the requirement (the whole plan) over all pillars or for one."""
        return self.total("requirement") if pillar is None else self.by_pillar[pillar]["requirement"]

    def coverage(self, pillar: str | None = None) -> Decimal | None:
        """Return international and national disbursed over the requirement (rule 7; None without one)."""
        return coverage(self._with_national("disbursed", pillar), self.requirement(pillar))

    def gap(self, pillar: str | None = None) -> Decimal:
        """Return the requirement minus international and national pledged, never below zero (rule 7)."""
        return funding_gap(self.requirement(pillar), self._with_national("pledged", pillar))


PAID_KINDS = ("disbursement", "receipt")


def left_the_donor(e: Entry) -> bool:
    """Return whether an entry is money that left an international donor (rules 5, 8 and 11).

    A payment of the donor (to an operator, a channel or into a pooled fund) or an unmatched
    receipt naming it; never a fund's allocation (the fund is not a donor), never the
    government's money (the national line). What the donor table counts as disbursed, and
    what the treaty report and the Monitor's table count.
    """
    return e.kind in PAID_KINDS and bool(e.donor) and not e.national and e.flow in (None, "contribution")


def national_money(e: Entry) -> bool:
    """Return whether an entry is money paid by the government (rule 8): to operators or into a pooled fund."""
    return e.kind in PAID_KINDS and e.national


def coverage(amount: Decimal, requirement: Decimal) -> Decimal | None:
    """Return amount / requirement, or None where there is no requirement."""
    if requirement <= 0:
        return None
    return amount / requirement


def funding_gap(requirement: Decimal, pledged: Decimal) -> Decimal:
    """Return the requirement minus pledged, never below zero."""
    return max(requirement - pledged, ZERO)


def receipt_matches(receipt: Entry, operator: str, disbursement: Entry) -> bool:
    """Return whether an operator's receipt is the same money as a donor-side disbursement."""
    if not receipt.agreement_ref or receipt.agreement_ref != disbursement.agreement_ref:
        return False
    if receipt.donor != disbursement.donor:
        return False
    theirs = {disbursement.recipient, disbursement.via} - {None}
    ours = {operator, receipt.via} - {None}
    return bool(theirs & ours)


def match_receipts(
    receipts: list[Entry],
    disbursements: list[Entry],
    confirmed: Collection[tuple[int, int]] = frozenset(),
    rejected: Collection[tuple[int, int]] = frozenset(),
) -> tuple[list[tuple[Entry, Entry]], list[Entry]]:
    """Pair each receipt with at most one disbursement; return the pairs and the unmatched.

    The receipt's operator is its `recipient`. Each disbursement is matched at most once,
    earliest receipt first, to the disbursement of the nearest date. A co-chair's decisions
    come first: `confirmed` (receipt id, disbursement id) pairs are matched even where the
    rule would not match them, and `rejected` pairs are never matched. A receipt with a
    rejected pair is not matched by the rule again either (to the payment of another quarter
    with the same agreement reference, say): a co-chair said the rule got it wrong, so only
    a confirmed pair matches it from then on.
    """
    by_key: dict[tuple[str | None, str | None], list[Entry]] = defaultdict(list)
    for d in disbursements:
        by_key[(d.agreement_ref, d.donor)].append(d)
    used: set[int] = set()
    pairs: list[tuple[Entry, Entry]] = []
    unmatched: list[Entry] = []
    by_id = {d.record_id: d for d in disbursements}
    confirmed_for: dict[int, list[int]] = defaultdict(list)
    for rid, did in sorted(confirmed):
        confirmed_for[rid].append(did)
    paired: set[int] = set()
    for r in sorted(receipts, key=lambda e: (e.rate_date, e.record_id)):
        for did in confirmed_for.get(r.record_id, ()):
            if did in by_id and did not in used:
                used.add(did)
                paired.add(r.record_id)
                pairs.append((r, by_id[did]))
                break
    rejected = set(rejected)
    overruled = {rid for rid, _did in rejected}
    for r in sorted(receipts, key=lambda e: (e.rate_date, e.record_id)):
        if r.record_id in paired:
            continue
        if r.record_id in overruled:
            unmatched.append(r)
            continue
        candidates = [
            d
            for d in by_key.get((r.agreement_ref, r.donor), [])
            if d.record_id not in used and (r.record_id, d.record_id) not in rejected
            and receipt_matches(r, r.recipient or "", d)
        ]
        if candidates:
            best = min(candidates, key=lambda d: (abs((d.rate_date - r.rate_date).days), d.record_id))
            used.add(best.record_id)
            pairs.append((r, best))
        else:
            unmatched.append(r)
    return pairs, unmatched


def measures_for(entry: Entry, period: Period) -> list[str]:
    """Return the measures of the period the entry counts towards."""
    year = period.year_period
    if entry.kind in ("commitment_year", "amendment_year"):
        # Rule 4: committed for a year, as known at the period's end (a later change is not taken back into it).
        return ["committed_for_year"] if entry.year == period.year and entry.rate_date <= period.end else []
    if entry.kind == "pledge":
        out = ["pledged"] if entry.year == period.year else []
        if period.contains(entry.rate_date):
            out.append("pledged_in_period")
        return out
    if entry.kind == "requirement":
        return ["requirement"] if entry.rate_date.year == year.year else []
    if not period.contains(entry.rate_date):
        return []
    return {
        "commitment": ["committed"],
        "amendment": ["committed"],
        "disbursement": ["disbursed"],
        "receipt": ["disbursed"],
        "expenditure": ["spent"],
    }[entry.kind]
