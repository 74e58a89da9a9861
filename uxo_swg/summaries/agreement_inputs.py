"""The agreements a summary counts (rule 4): their lines, their amendments and what each amendment changed."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..domain.agreements import Agreement, Change, Line, Paid, deltas
from ..domain.conversion import RateBook
from ..domain.counting import Entry
from ..domain.periods import Period
from ..models import Amendment, Commitment, CommitmentLine, Disbursement, PledgeLine
from .reading import id_list, read


def load_agreements(kind: str, period: Period, first: date, last: date, *, session: Session, orgs: Any,
                    rates: RateBook, pillar: str | None = None) -> list[Agreement]:
    """Return the live agreements the summary needs, with their lines and their amendments' deltas.

    Those signed or amended in the window, those with a line or an amendment for the
    period's year, and for an SWG summary those of the pipeline and the funding cliff. For
    one pillar (a TWG summary) only that pillar's lines and amendments are kept: a
    termination takes from each pillar what was not disbursed in it.
    """
    c, line, amend = Commitment, CommitmentLine, Amendment
    live_amendments = col(amend.cancelled_at).is_(None)
    of_pillar = [line.pillar_code == pillar] if pillar else []
    # The agreements wanted, found through indexes (signing date, line year, amendment date)
    # and read by id: an OR over the agreements table would scan it.
    ids = sa.union(
        select(c.id).where(col(c.signed_on) >= first, col(c.signed_on) <= last),
        select(line.commitment_id).where(line.year == period.year),
        select(amend.commitment_id).where(live_amendments, col(amend.amended_on) >= first, col(amend.amended_on) <= last),
        select(amend.commitment_id).where(live_amendments, amend.year == period.year),
        *((select(c.id).where(col(c.end_on) > period.end),
           select(c.id).where(col(c.pledge_id).in_(select(PledgeLine.pledge_id).where(col(PledgeLine.year) >= period.year))),
           select(amend.commitment_id).where(live_amendments, col(amend.new_end) > period.end)) if kind == "swg" else ()))
    heads = read(session, select(c.id, c.ref, c.pledge_id, c.donor_id, c.recipient_id, c.signed_on, c.start_on, c.end_on,
                                  c.currency, c.support)
                  .where(col(c.id).in_(ids), col(c.cancelled_at).is_(None), col(c.signed_on) <= last)).all()
    if not heads:
        return []
    lines: dict[int, list[Line]] = defaultdict(list)
    wanted = id_list("ids", [h.id for h in heads])
    for x in read(session, select(line.id, line.commitment_id, line.year, line.pillar_code, line.amount)
                   .where(col(line.commitment_id).in_(wanted), *of_pillar)).all():
        lines[x.commitment_id].append(Line(x.id, x.year, x.pillar_code, x.amount))
    changes: dict[int, list[Change]] = defaultdict(list)
    for x in read(session, select(amend.id, amend.commitment_id, amend.amended_on, amend.change, amend.year, amend.pillar_code,
                                   amend.amount, amend.new_end)
                   .where(live_amendments, col(amend.commitment_id).in_(wanted))).all():
        if not pillar or x.pillar_code in (None, pillar):
            changes[x.commitment_id].append(Change(x.amended_on, x.change, x.year, x.pillar_code, x.amount, x.new_end, x.id))
    paid = _paid_against([h for h in heads if any(ch.change == "terminate" for ch in changes.get(h.id, ()))], changes, pillar,
                         session=session)
    out = []
    for h in heads:
        changed = tuple(changes.get(h.id, ()))
        if pillar and not changed and h.id not in lines:  # none of the pillar's money
            continue
        fund = orgs.name(h.donor_id) if h.donor_id in orgs.funds else None
        out.append(Agreement(
            h.id, h.ref, h.pledge_id, orgs.name(h.donor_id) or "", orgs.name(h.recipient_id) or "", h.signed_on, h.start_on,
            h.end_on, h.currency, tuple(lines.get(h.id, ())),
            tuple(deltas(lines.get(h.id, ()), changed, paid.get(h.id, ()), h.currency, rates)) if changed else (),
            changed, national=h.donor_id in orgs.government,
            flow="allocation" if fund else None, fund=fund, in_kind=h.support == "in-kind"))
    return out


def agreement_entries(agreements: list[Agreement], period: Period, first: date, last: date) -> list[Entry]:
    """Return what the agreements count: lines signed and amendments made in the window, and those for the year."""
    out: list[Entry] = []
    for a in agreements:
        common = {"donor": a.donor, "national": a.national, "recipient": a.recipient, "agreement_ref": a.ref, "flow": a.flow,
                  "fund": a.fund, "in_kind": a.in_kind}
        for ln in a.lines:
            if first <= a.signed_on <= last:
                out.append(Entry("commitment", ln.record_id, a.signed_on, ln.pillar, ln.amount, a.currency, year=ln.year, **common))
            if ln.year == period.year and a.signed_on <= period.end:
                out.append(Entry("commitment_year", ln.record_id, a.signed_on, ln.pillar, ln.amount, a.currency, year=ln.year,
                                 **common))
        for d in a.deltas:
            if first <= d.on <= last:
                out.append(Entry("amendment", d.record_id, d.on, d.pillar, d.amount, a.currency, year=d.year, **common))
            if d.year == period.year and d.on <= period.end:
                out.append(Entry("amendment_year", d.record_id, d.on, d.pillar, d.amount, a.currency, year=d.year, **common))
    return out


def _paid_against(heads: list[Any], changes: dict[int, list[Change]], pillar: str | None, *,
                  session: Session) -> dict[int, list[Paid]]:
    """Return what was disbursed against terminated agreements, summed per day, pillar and currency.

    A disbursement recorded against an agreement carries its ref and donor (the form and the
    register set them), so the lookup goes through the (ref, donor) index. Only what a
    termination can subtract is read: paid by the last termination's day and, for one
    pillar, in that pillar. A day's payments share their rate, so their sum converts as they do.
    """
    if not heads:
        return {}
    d = Disbursement
    by_ref = {(h.ref, h.donor_id): h.id for h in heads}
    until = max(ch.amended_on for h in heads for ch in changes[h.id] if ch.change == "terminate")
    out: dict[int, list[Paid]] = defaultdict(list)
    keys = (d.agreement_ref, d.donor_id, d.paid_on, d.pillar_code, d.currency)
    for x in read(session, select(*keys, sa.func.sum(d.amount).label("amount"))
                   .where(col(d.cancelled_at).is_(None), sa.tuple_(d.agreement_ref, d.donor_id).in_(sorted(by_ref)),
                          col(d.paid_on) <= until, *([d.pillar_code == pillar] if pillar else []))
                   .group_by(*keys)).all():
        out[by_ref[(x.agreement_ref, x.donor_id)]].append(Paid(x.paid_on, x.pillar_code, x.amount, x.currency))
    return out
