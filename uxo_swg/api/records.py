"""The records the API lists and shows: organisations, pledges, agreements, disbursements, requirements.

Each `list_*` takes the parsed arguments and returns one page of items and the total; each
`get_*` one item or None. Pages are in a fixed order (date, then number) so that walking
through them sees every record once.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..domain.reference import normalise
from ..models import (
    Amendment, Commitment, CommitmentLine, Disbursement, Organisation, OrganisationAlias, Pledge, PledgeLine, Requirement,
)
from ..pledges.agreements import history_of
from .shaping import (
    ZERO, Names, amended_since, between, cancelled_status, changed_since, day, last_changes, lines_of, moment, money,
    page_of, refs, where_equal,
)

Page = tuple[list[dict[str, Any]], int]


def _years(query: Any, column: Any, year: int | None) -> Any:
    return query if year is None else between(query, column, date(year, 1, 1), date(year, 12, 31))


def _since(query: Any, model: Any, args: dict[str, Any]) -> Any:
    since = args.get("updated_since")
    return query if since is None else query.where(changed_since(model, since))


def _by_id(model: Any, record_id: int) -> Any:
    return select(model).where(model.id == record_id)


def _common(record: Any, changed: dict[int, str]) -> dict[str, Any]:
    common = {"id": record.id, "version": record.version, "created_at": moment(record.created_at),
              "updated_at": changed[record.id]}
    if hasattr(record, "cancelled_at"):  # organisations are merged, never cancelled
        common.update(status="cancelled" if record.cancelled_at is not None else "active",
                      cancelled_at=moment(record.cancelled_at))
    return common


# --- organisations -------------------------------------------------------------------------

def list_organisations(args: dict[str, Any], *, session: Session) -> Page:
    """Return a page of organisations by name, kept to the kind, country and name asked for."""
    query = where_equal(select(Organisation), args, {"kind": Organisation.kind, "country": Organisation.country})
    if not args.get("include_merged"):
        query = query.where(col(Organisation.merged_into_id).is_(None))
    if args.get("name"):
        aliased = select(OrganisationAlias.organisation_id).where(
            col(OrganisationAlias.key).contains(normalise(args["name"]), autoescape=True))
        query = query.where(sa.or_(sa.func.lower(Organisation.name).contains(args["name"].lower(), autoescape=True),
                                   col(Organisation.id).in_(aliased)))
    rows, total = page_of(_since(query, Organisation, args).order_by(Organisation.name, Organisation.id), args,
                          session=session)
    return organisation_items(rows, session=session), total


def organisation_items(orgs: list[Organisation], *, session: Session) -> list[dict[str, Any]]:
    """Return organisations as the API shows them, with their aliases."""
    aliases: dict[int, list[str]] = defaultdict(list)
    for alias in session.exec(select(OrganisationAlias).where(col(OrganisationAlias.organisation_id).in_([o.id for o in orgs]))
                              .order_by(OrganisationAlias.alias, OrganisationAlias.id)):
        aliases[alias.organisation_id].append(alias.alias)
    changed = last_changes(orgs, session=session)
    return [{**_common(o, changed), "name": o.name, "kind": o.kind, "country": o.country, "aliases": aliases[o.id],
             "ccm_state_party": o.ccm_state_party, "fiscal_year_start": o.fiscal_year_start, "contact": o.contact,
             "merged_into": o.merged_into_id} for o in orgs]


# --- pledges -------------------------------------------------------------------------------

def list_pledges(args: dict[str, Any], *, session: Session) -> Page:
    """Return a page of pledges by announcement date, kept to the filters given."""
    query = where_equal(select(Pledge), args, {"donor": Pledge.donor_id, "recipient": Pledge.recipient_id,
                                               "currency": Pledge.currency, "ref": Pledge.ref})
    query = between(cancelled_status(query, Pledge, args["status"]), Pledge.announced_on, args.get("announced_from"),
                    args.get("announced_to"))
    if args.get("year") is not None or args.get("pillar"):
        lines = where_equal(select(PledgeLine.pledge_id), args, {"year": PledgeLine.year, "pillar": PledgeLine.pillar_code})
        query = query.where(col(Pledge.id).in_(lines))
    rows, total = page_of(_since(query, Pledge, args).order_by(Pledge.announced_on, Pledge.id), args, session=session)
    return pledge_items(rows, session=session), total


def pledge_items(pledges: list[Pledge], *, session: Session) -> list[dict[str, Any]]:
    """Return pledges as the API shows them, each with its yearly lines."""
    names = Names(session=session)
    lines: dict[int, list[PledgeLine]] = defaultdict(list)
    for line in session.exec(select(PledgeLine).where(col(PledgeLine.pledge_id).in_([p.id for p in pledges]))):
        lines[line.pledge_id].append(line)
    changed = last_changes(pledges, session=session)
    return [{**_common(p, changed), "ref": p.ref, "donor": names.ref(p.donor_id), "recipient": names.ref(p.recipient_id),
             "announced_on": day(p.announced_on), "announced_at": p.announced_at, "currency": p.currency,
             "ccm_specific": p.ccm_specific, "notes": p.notes,
             "total": money(sum((ln.amount for ln in lines[p.id]), ZERO), p.currency),
             "lines": lines_of(lines[p.id], p.currency)} for p in pledges]


# --- agreements ----------------------------------------------------------------------------

def list_agreements(args: dict[str, Any], *, session: Session) -> Page:
    """Return a page of agreements by signature date, kept to the filters given."""
    query = where_equal(select(Commitment), args, {
        "donor": Commitment.donor_id, "recipient": Commitment.recipient_id, "currency": Commitment.currency,
        "support": Commitment.support, "ref": Commitment.ref, "pledge": Commitment.pledge_id})
    query = between(cancelled_status(query, Commitment, args["status"]), Commitment.signed_on, args.get("signed_from"),
                    args.get("signed_to"))
    if args.get("year") is not None or args.get("pillar"):
        # A year or pillar the agreement was signed for, or one a live amendment added to (rule 4).
        signed = where_equal(select(CommitmentLine.commitment_id), args,
                             {"year": CommitmentLine.year, "pillar": CommitmentLine.pillar_code})
        amended = where_equal(select(Amendment.commitment_id).where(col(Amendment.cancelled_at).is_(None),
                                                                     Amendment.change != "terminate"),
                              args, {"year": Amendment.year, "pillar": Amendment.pillar_code})
        query = query.where(sa.or_(col(Commitment.id).in_(signed), col(Commitment.id).in_(amended)))
    if args.get("updated_since") is not None:
        since = args["updated_since"]
        query = query.where(sa.or_(changed_since(Commitment, since), col(Commitment.id).in_(amended_since(since))))
    rows, total = page_of(query.order_by(Commitment.signed_on, Commitment.id), args, session=session)
    return agreement_items(rows, session=session), total


def agreement_items(agreements: list[Commitment], *, session: Session) -> list[dict[str, Any]]:
    """Return agreements as the API shows them: signed lines, amendments, and the amounts after them."""
    names = Names(session=session)
    ids = [a.id for a in agreements]
    lines: dict[int, list[CommitmentLine]] = defaultdict(list)
    for line in session.exec(select(CommitmentLine).where(col(CommitmentLine.commitment_id).in_(ids))
                             .order_by(CommitmentLine.year, CommitmentLine.pillar_code)):
        lines[line.commitment_id].append(line)
    amendments: dict[int, list[Amendment]] = defaultdict(list)
    for amendment in session.exec(select(Amendment).where(col(Amendment.commitment_id).in_(ids))
                                  .order_by(Amendment.amended_on, Amendment.id)):
        amendments[amendment.commitment_id].append(amendment)
    pledges = refs(Pledge, (a.pledge_id for a in agreements), session=session)
    changed = last_changes(agreements, session=session, amendments=True)
    items = []
    for a in agreements:
        history = history_of(a, lines[a.id], amendments[a.id])
        items.append({
            **_common(a, changed), "ref": a.ref, "pledge": pledges.get(a.pledge_id), "donor": names.ref(a.donor_id),
            "recipient": names.ref(a.recipient_id), "signed_on": day(a.signed_on), "start_on": day(a.start_on),
            "end_on": day(a.end_on), "currency": a.currency, "support": a.support, "notes": a.notes,
            "signed_total": money(history.signed_total, a.currency), "current_total": money(history.current_total, a.currency),
            "current_end": day(history.current_end), "terminated_on": day(history.terminated_on),
            "lines": lines_of(lines[a.id], a.currency),
            "amendments": [_amendment(m, a.currency) for m in amendments[a.id]]})
    return items


def _amendment(m: Amendment, currency: str) -> dict[str, Any]:
    return {"id": m.id, "amended_on": day(m.amended_on), "change": m.change, "year": m.year, "pillar": m.pillar_code,
            "amount": money(m.amount, currency), "new_end": day(m.new_end), "notes": m.notes,
            "status": "cancelled" if m.cancelled_at is not None else "active", "cancelled_at": moment(m.cancelled_at)}


# --- disbursements -------------------------------------------------------------------------

def list_disbursements(args: dict[str, Any], *, session: Session) -> Page:
    """Return a page of disbursements by payment date, kept to the filters given."""
    query = where_equal(select(Disbursement), args, {
        "donor": Disbursement.donor_id, "recipient": Disbursement.recipient_id, "via": Disbursement.via_id,
        "pillar": Disbursement.pillar_code, "province": Disbursement.province_code, "currency": Disbursement.currency,
        "support": Disbursement.support, "agreement_ref": Disbursement.agreement_ref})
    query = cancelled_status(_years(query, Disbursement.paid_on, args.get("year")), Disbursement, args["status"])
    query = between(query, Disbursement.paid_on, args.get("paid_from"), args.get("paid_to"))
    rows, total = page_of(_since(query, Disbursement, args).order_by(Disbursement.paid_on, Disbursement.id), args,
                          session=session)
    return disbursement_items(rows, session=session), total


def disbursement_items(rows: list[Disbursement], *, session: Session) -> list[dict[str, Any]]:
    """Return disbursements as the API shows them."""
    names = Names(session=session)
    agreements = refs(Commitment, (d.commitment_id for d in rows), session=session)
    pledges = refs(Pledge, (d.pledge_id for d in rows), session=session)
    changed = last_changes(rows, session=session)
    return [{**_common(d, changed), "agreement_ref": d.agreement_ref, "agreement": agreements.get(d.commitment_id),
             "pledge": pledges.get(d.pledge_id), "donor": names.ref(d.donor_id), "recipient": names.ref(d.recipient_id),
             "via": names.ref(d.via_id), "paid_on": day(d.paid_on), "pillar": d.pillar_code, "province": d.province_code,
             "amount": money(d.amount, d.currency), "currency": d.currency, "support": d.support, "notes": d.notes}
            for d in rows]


# --- requirements --------------------------------------------------------------------------

def list_requirements(args: dict[str, Any], *, session: Session) -> Page:
    """Return a page of requirements by year and pillar, the current ones unless asked otherwise."""
    query = where_equal(select(Requirement), args, {"year": Requirement.year, "pillar": Requirement.pillar_code,
                                                    "currency": Requirement.currency})
    status = args["status"]
    if status == "current":
        query = query.where(col(Requirement.superseded_by_id).is_(None), col(Requirement.cancelled_at).is_(None))
    elif status == "superseded":
        query = query.where(col(Requirement.superseded_by_id).is_not(None), col(Requirement.cancelled_at).is_(None))
    elif status == "cancelled":
        query = query.where(col(Requirement.cancelled_at).is_not(None))
    rows, total = page_of(_since(query, Requirement, args).order_by(Requirement.year, Requirement.pillar_code,
                                                                    Requirement.id), args, session=session)
    return requirement_items(rows, session=session), total


def requirement_items(rows: list[Requirement], *, session: Session) -> list[dict[str, Any]]:
    """Return requirements as the API shows them."""
    changed = last_changes(rows, session=session)
    items = []
    for r in rows:
        status = "cancelled" if r.cancelled_at is not None else "superseded" if r.superseded_by_id else "current"
        items.append({**_common(r, changed), "status": status, "year": r.year, "pillar": r.pillar_code,
                      "amount": money(r.amount, r.currency), "currency": r.currency, "source": r.source,
                      "superseded_by": r.superseded_by_id})
    return items


# --- one record ----------------------------------------------------------------------------

ITEMS = {Organisation: organisation_items, Pledge: pledge_items, Commitment: agreement_items,
         Disbursement: disbursement_items, Requirement: requirement_items}


def get_record(model: Any, record_id: int, *, session: Session) -> dict[str, Any] | None:
    """Return one record as its list shows it, or None when there is no such record."""
    found = session.exec(_by_id(model, record_id)).first()
    return None if found is None else ITEMS[model]([found], session=session)[0]
