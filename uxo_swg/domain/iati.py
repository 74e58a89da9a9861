"""Which parts of an IATI file are Lao mine action, and the records they propose (spec section 9).

An activity is kept when its recipient country is LA and its sectors include DAC 15250
(vocabulary 1), DAC 3-digit 152 (vocabulary 2) or a pillar in a reporting organisation's
vocabulary (98 or 99); transaction-level countries and sectors count the same way. Only
the share of Lao PDR and of mine action is proposed (an activity 40% in LA takes 40% of
each amount). Commitments (type 2) and disbursements (type 3) are proposed; everything
else is skipped and counted.

An activity's first commitment date is its signing: the commitments of that day become
one agreement whose lines are split over years by the activity's budgets (or the year of
the commitment). Later commitments are amendments: an increase, or a decrease when
negative. Files this application writes say more in each transaction's ref
(`REF/line/2026/clearance`, `REF/amendment/7/terminate/2025/va`, `REF/disbursement/40/LA-XI`): the
year of a line, a termination and a disbursement's province, so an exported file reads back as the
records it came from.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .messages import N_, Said, message, nested
from .money import round_for_currency
from .reference import normalise

if TYPE_CHECKING:  # the parser's types; the domain imports no parser
    from importers.iati import Activity, Org, Transaction

ZERO, HUNDRED = Decimal(0), Decimal(100)
COUNTRY = "LA"
PILLAR_VOCABULARIES = ("98", "99")
TYPES = {"1": "incoming funds", "2": "commitment", "3": "disbursement", "4": "expenditure", "5": "interest payment",
         "6": "loan repayment", "7": "reimbursement", "8": "purchase of equity", "9": "sale of equity",
         "10": "credit guarantee", "11": "incoming commitment", "12": "outgoing pledge", "13": "incoming pledge"}
OWN_REF = re.compile(r"/(?:line|amendment/(?P<amendment>\d+)/(?P<change>increase|decrease|terminate))/(?P<year>\d{4})"
                     r"(?:/[a-z]+)?$")
OWN_PROVINCE = re.compile(r"/disbursement/\d+/(?P<province>LA-[A-Z]{2}|national)$")
REF_UNSAFE = re.compile(r"[^A-Za-z0-9 ._/\-]")


@dataclass(frozen=True)
class Line:
    """An amount for a year and pillar, in the proposal's currency."""

    year: int
    pillar: str
    amount: Decimal


@dataclass
class Proposed:
    """A record an activity proposes: an agreement, an amendment or a disbursement."""

    activity_id: str
    key: str
    kind: str  # agreement | amendment | disbursement
    agreement_ref: str
    refs: tuple[str, ...]  # every identifier the register may already know the activity by
    title: str
    reporting_org: "Org"
    donor: "Org"
    recipient: "Org"
    on: date
    currency: str
    lines: tuple[Line, ...]
    change: str = ""
    year: int | None = None
    start_on: date | None = None
    end_on: date | None = None
    province: str | None = None
    note: str = ""

    @property
    def amount(self) -> Decimal:
        """Return the sum of the lines."""
        return sum((ln.amount for ln in self.lines), ZERO)


@dataclass
class Reading:
    """What a file proposes, what was skipped (a count per reason), and its errors."""

    proposals: list[Proposed] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    activities: int = 0
    kept: int = 0


@dataclass(frozen=True)
class _Scope:
    """What of an activity is Lao mine action: the shares taken and the pillar weights."""

    share: Decimal
    pillars: dict[str, Decimal]
    notes: tuple[str, ...]


def read_proposals(activities: Iterable["Activity"], *, pillar_of: Callable[[str], str | None],
                   province_of: Callable[[str], str | None], currencies: frozenset[str]) -> Reading:
    """Return the proposals of the activities that are Lao mine action, with the rest counted as skipped."""
    reading = Reading()
    seen: set[str] = set()
    for activity in activities:
        reading.activities += 1
        if not activity.identifier:
            reading.skipped["activities without an iati-identifier"] += 1
            continue
        if activity.identifier in seen:
            reading.skipped["activities repeated in the file (the first one is read)"] += 1
            continue
        seen.add(activity.identifier)
        scope = _activity_scope(activity, pillar_of, reading.skipped)
        if scope is None:
            continue
        reading.kept += 1
        _read_activity(activity, scope, reading, pillar_of, province_of, currencies)
    return reading


def _activity_scope(activity: "Activity", pillar_of: Callable[[str], str | None], skipped: Counter) -> _Scope | None:
    notes: list[str] = []
    share = Decimal(1)
    if activity.countries:
        la = [pct for code, pct in activity.countries if code == COUNTRY]
        if not la:
            skipped["activities for other countries"] += 1
            return None
        if len(activity.countries) > 1 and la[0] is not None and la[0] < HUNDRED:
            share = la[0] / HUNDRED
            notes.append(f"Lao PDR is {la[0]}% of the activity: {la[0]}% of each amount is taken")
    elif not any(COUNTRY in tx.countries for tx in activity.transactions):
        skipped["activities for other countries"] += 1
        return None
    mine, pillars = _mine_action(activity.sectors, pillar_of)
    if mine is None and activity.sectors and not any(tx.sectors for tx in activity.transactions):
        skipped["activities outside mine action (no sector 15250)"] += 1
        return None
    if mine is not None and mine[0] < 1:
        share *= mine[0]
        notes.append(f"mine action is {(mine[0] * HUNDRED).normalize():f}% of the activity's sectors: that share is taken")
    if mine is not None and mine[1]:
        notes.append(mine[1])
    return _Scope(share, pillars, tuple(notes))


def _mine_action(sectors: Iterable[Any], pillar_of: Callable[[str], str | None]
                 ) -> tuple[tuple[Decimal, str] | None, dict[str, Decimal]]:
    """Return (mine-action share, note) or None when the sectors are not mine action, and the pillar weights."""
    sectors = list(sectors)
    pillars: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for s in sectors:
        pillar = pillar_of(s.code) if s.vocabulary in PILLAR_VOCABULARIES else None
        if pillar:
            pillars[pillar] += s.percentage if s.percentage is not None else HUNDRED
    dac5 = [s for s in sectors if s.vocabulary in ("1", "") and s.code == "15250"]
    dac3 = [s for s in sectors if s.vocabulary == "2" and s.code == "152"]
    found, note = (dac5, "") if dac5 else (dac3, "DAC 152 (conflict, peace and security) is taken as mine action: "
                                                  "check the activity is about UXO") if dac3 else ([], "")
    if found:
        pct = found[0].percentage
        return ((pct / HUNDRED if pct is not None else Decimal(1)), note), dict(pillars)
    if pillars:
        return (Decimal(1), ""), dict(pillars)
    return None, {}


def _read_activity(activity: "Activity", scope: _Scope, reading: Reading, pillar_of: Callable[[str], str | None],
                   province_of: Callable[[str], str | None], currencies: frozenset[str]) -> None:
    agreement_ref = _agreement_ref(activity)
    refs = tuple(dict.fromkeys([agreement_ref, *(r for r, _ in activity.other_identifiers if r), activity.identifier]))
    provinces = {p for p in (province_of(ref) or province_of(name) for ref, name in activity.locations) if p}
    common = {"activity_id": activity.identifier, "agreement_ref": agreement_ref, "refs": refs, "title": activity.title,
              "reporting_org": activity.reporting_org}
    commitments, disbursements = [], []
    keys = _keys(activity.transactions)
    for tx in activity.transactions:
        if tx.type not in ("2", "3"):
            reading.skipped[f"{TYPES.get(tx.type, 'unknown type ' + repr(tx.type))} transactions"] += 1
            continue
        if tx.countries and COUNTRY not in tx.countries:
            reading.skipped["transactions for other countries"] += 1
            continue
        tx_scope = _transaction_scope(tx, scope, pillar_of)
        if tx_scope is None:
            reading.skipped["transactions outside mine action (no sector 15250)"] += 1
            continue
        if tx.problems:
            where = message(N_("activity {activity}, transaction {number} (line {line})"), activity=activity.identifier,
                            number=tx.number, line=tx.line)
            reading.errors.extend(Said(N_("{where}: {problem}"), where=where, problem=nested(problem))
                                  for problem in tx.problems)
            continue
        if tx.currency not in currencies:
            reading.errors.append(Said(N_("activity {activity}, transaction {number}: {currency} is not an ISO 4217 "
                                          "currency code"), activity=activity.identifier, number=tx.number,
                                       currency=repr(tx.currency)))
            continue
        (commitments if tx.type == "2" else disbursements).append((tx, tx_scope))
    _commitments(activity, commitments, keys, common, reading)
    for tx, tx_scope in disbursements:
        if tx.value <= 0:
            reading.skipped["negative or zero disbursements (corrections)"] += 1
            continue
        lines = _lines(tx, tx_scope, year=tx.on.year)
        if not lines:
            reading.skipped["transactions with nothing left for Lao mine action once shared"] += 1
            continue
        own = OWN_PROVINCE.search(tx.ref)
        province = province_of(own["province"]) if own else next(iter(provinces)) if len(provinces) == 1 else None
        note = _note(tx_scope, "province from the activity's only location" if province and not own else "")
        reading.proposals.append(Proposed(**common, key=keys[tx.number], kind="disbursement", on=tx.on,
                                          currency=tx.currency, lines=lines, donor=_donor(activity, tx),
                                          recipient=_recipient(activity, tx), province=province, note=note))


def _commitments(activity: "Activity", commitments: list, keys: dict[int, str], common: dict, reading: Reading) -> None:
    """Propose the signing (the first commitment day) as an agreement and later commitments as amendments."""
    if not commitments:
        return
    commitments.sort(key=lambda pair: (pair[0].on, pair[0].number))
    own = {tx.number: OWN_REF.search(tx.ref) for tx, _ in commitments}
    signing_pairs = [(tx, s) for tx, s in commitments if tx.value > 0 and not (own[tx.number] and own[tx.number]["change"])]
    if not signing_pairs:
        reading.skipped["decreases of commitments never made in the file"] += len(commitments)
        return
    day = signing_pairs[0][0].on
    signing = [(tx, s) for tx, s in signing_pairs if tx.on == day]
    currency = signing[0][0].currency
    if any(tx.currency != currency for tx, _ in signing):
        reading.skipped["commitments of one day in several currencies"] += len(commitments)
        return
    lines: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    notes: list[str] = []
    for tx, tx_scope in signing:
        match = own[tx.number]
        years = {int(match["year"]): Decimal(1)} if match else _budget_years(activity, notes) or {tx.on.year: Decimal(1)}
        for line in _lines(tx, tx_scope, years=years):
            lines[(line.year, line.pillar)] += line.amount
        notes.extend(tx_scope.notes)
    first = signing[0][0]
    start = activity.dates.get("1") or activity.dates.get("2") or day
    end = activity.dates.get("3") or activity.dates.get("4") or date(max(y for y, _ in lines) if lines else day.year, 12, 31)
    reading.proposals.append(Proposed(
        **common, key=f"signing:{keys[first.number]}", kind="agreement", on=day, currency=currency,
        lines=tuple(Line(y, p, a) for (y, p), a in sorted(lines.items()) if a), donor=_donor(activity, first),
        recipient=_recipient(activity, first), start_on=start, end_on=max(end, start), note=_note_text(notes)))
    signed = {tx.number for tx, _ in signing}
    terminations: dict[str, list] = defaultdict(list)
    for tx, tx_scope in commitments:
        if tx.number in signed:
            continue
        match = own[tx.number]
        if tx.currency != currency:
            reading.skipped["amendments in another currency than the agreement's"] += 1
            continue
        if match and match["change"] == "terminate":
            terminations[match["amendment"]].append(tx)
            continue
        change = "increase" if tx.value > 0 else "decrease"
        year = int(match["year"]) if match else tx.on.year
        lines_of = _lines(tx, tx_scope, year=year, magnitude=True)
        if not lines_of:
            reading.skipped["transactions with nothing left for Lao mine action once shared"] += 1
            continue
        reading.proposals.append(Proposed(**common, key=keys[tx.number], kind="amendment", change=change, year=year,
                                          on=tx.on, currency=currency, lines=lines_of, donor=_donor(activity, first),
                                          recipient=_recipient(activity, first), note=_note(tx_scope, "")))
    for txs in terminations.values():
        match = own[txs[0].number]
        reading.proposals.append(Proposed(
            **common, key=keys[txs[0].number], kind="amendment", change="terminate", year=int(match["year"]), on=txs[0].on,
            currency=currency, lines=(), donor=_donor(activity, first), recipient=_recipient(activity, first),
            end_on=activity.dates.get("4"), note="a termination: it takes off what had not been disbursed by that day"))


def _transaction_scope(tx: "Transaction", scope: _Scope, pillar_of: Callable[[str], str | None]) -> _Scope | None:
    if not tx.sectors:
        return scope
    mine, pillars = _mine_action(tx.sectors, pillar_of)
    if mine is None:
        return None
    notes = tuple(n for n in (*scope.notes, mine[1]) if n)
    return _Scope(scope.share, pillars or scope.pillars, notes)


def _lines(tx: "Transaction", scope: _Scope, *, year: int | None = None, years: dict[int, Decimal] | None = None,
           magnitude: bool = False) -> tuple[Line, ...]:
    """Return the transaction's share for Lao mine action, split over pillars (and years), exactly."""
    value = abs(tx.value) if magnitude else tx.value
    total = round_for_currency(value * scope.share, tx.currency)
    pillars = scope.pillars or {"unallocated": Decimal(1)}
    years = years or {year: Decimal(1)}
    weights = {(y, p): wy * wp for y, wy in years.items() for p, wp in pillars.items()}
    return tuple(Line(y, p, a) for (y, p), a in split(total, weights, tx.currency).items() if a)


def split(total: Decimal, weights: dict[Any, Decimal], currency: str) -> dict[Any, Decimal]:
    """Return the total shared by the weights, each part rounded to the currency and the last taking the remainder."""
    whole = sum(weights.values(), ZERO)
    out: dict[Any, Decimal] = {}
    if not weights or whole <= 0:
        return out
    keys = list(weights)
    for k in keys[:-1]:
        out[k] = round_for_currency(total * weights[k] / whole, currency)
    out[keys[-1]] = total - sum(out.values(), ZERO)
    return out


def _budget_years(activity: "Activity", notes: list[str]) -> dict[int, Decimal]:
    """Return the weight of each year in the activity's budgets (the original ones where there are), or {}."""
    usable = [b for b in activity.budgets if b.start and b.value is not None and b.value > 0]
    chosen = [b for b in usable if b.type == "1"] or usable
    if len({b.currency for b in chosen}) != 1:
        return {}
    years: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for b in chosen:
        years[b.start.year] += b.value
    if len(years) > 1:
        note = "the commitment is split over the years of the activity's budgets"
        if note not in notes:
            notes.append(note)
    return dict(sorted(years.items()))


def _agreement_ref(activity: "Activity") -> str:
    """Return the ref the agreement gets: the reporting organisation's own identifier (type A1), else the IATI one."""
    own = next((ref for ref, kind in activity.other_identifiers if kind == "A1" and ref), "")
    ref = REF_UNSAFE.sub("-", own or activity.identifier).strip(" -") or "IATI"
    if len(ref) > 60:
        import hashlib

        ref = ref[:51] + "~" + hashlib.sha256(ref.encode()).hexdigest()[:8]
    return ref


def _keys(transactions: Iterable["Transaction"]) -> dict[int, str]:
    """Return a key per transaction: its ref when unique in the activity, else what it says (numbered when repeated)."""
    txs = list(transactions)
    refs = Counter(tx.ref for tx in txs if tx.ref)
    seen: Counter = Counter()
    out = {}
    for tx in txs:
        if tx.ref and refs[tx.ref] == 1:
            out[tx.number] = f"ref:{tx.ref}"[:255]
            continue
        said = "|".join(str(x) for x in (tx.type, tx.on, tx.value, tx.currency, _party(tx.provider), _party(tx.receiver)))
        seen[said] += 1
        out[tx.number] = (said if seen[said] == 1 else f"{said}#{seen[said]}")[:255]
    return out


def _party(org: "Org") -> str:
    return org.ref or normalise(org.name)


def _participant(activity: "Activity", *roles: str) -> Any:
    return next((p for role in roles for p in activity.participants if p.role == role and p), None)


def _donor(activity: "Activity", tx: "Transaction") -> "Org":
    """Return who gave the money: the provider, else the funding participant, else the reporting organisation."""
    return tx.provider if tx.provider else (_participant(activity, "1", "3") or activity.reporting_org)


def _recipient(activity: "Activity", tx: "Transaction") -> "Org":
    """Return who received it: the receiver, else the implementing participant (an empty Org when none is named)."""
    return tx.receiver if tx.receiver else (_participant(activity, "4", "2") or type(tx.receiver)())


def _note(scope: _Scope, extra: str) -> str:
    return _note_text([*scope.notes, extra])


def _note_text(notes: Iterable[str]) -> str:
    parts = [n for n in dict.fromkeys(notes) if n]
    return "; ".join(parts)
