"""Organisations: record, change (with optimistic locking) and merge two records of one organisation."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, or_, select

from ..domain.messages import N_
from ..domain.reference import normalise
from ..models import (
    Commitment, Disbursement, OperatorReturn, Organisation, OrganisationAlias, Pledge, ReturnExpenditure, ReturnReceipt, User,
)
from ..pledges.services import ActionRefused, Conflict, check_version, guarded
from ..returns.services import move_returns

__all__ = ["ActionRefused", "Conflict", "OrganisationData", "save_organisation", "merge_organisations", "search_organisations",
           "organisations_query", "aliases_by_organisation"]

#: Every column that names an organisation, moved to the survivor by a merge.
REFERENCES = [
    (Pledge, "donor_id"), (Pledge, "recipient_id"), (Commitment, "donor_id"), (Commitment, "recipient_id"),
    (Disbursement, "donor_id"), (Disbursement, "recipient_id"), (Disbursement, "via_id"),
    (ReturnReceipt, "donor_id"), (ReturnReceipt, "via_id"), (ReturnExpenditure, "funded_by_id"),
    (OperatorReturn, "operator_id"), (User, "organisation_id"),
    (OrganisationAlias, "organisation_id"),
]


@dataclass
class OrganisationData:
    """What the organisation form gives."""

    name: str
    kind: str
    country: str | None
    contact: str | None
    aliases: list[str]
    ccm_state_party: bool | None = None  # None: unknown
    fiscal_year_start: int | None = None  # None: the calendar year


def organisations_query(text: str, kind: str | None) -> Any:
    """Return the organisations whose name or alias contains the text (any case), merged ones last, by name."""
    query = select(Organisation)
    if kind:
        query = query.where(Organisation.kind == kind)
    if text.strip():
        key = normalise(text)
        aliased = select(OrganisationAlias.organisation_id).where(col(OrganisationAlias.key).contains(key))
        query = query.where(or_(col(Organisation.name).ilike(f"%{text.strip()}%"), col(Organisation.id).in_(aliased)))
    return query.order_by(col(Organisation.merged_into_id).is_not(None), Organisation.name, Organisation.id)


def search_organisations(text: str, kind: str | None, *, session: Session) -> list[Organisation]:
    """Return the organisations whose name or alias contains the text (any case), merged ones last."""
    return list(session.exec(organisations_query(text, kind)).all())


def aliases_of(org_id: int, *, session: Session) -> list[OrganisationAlias]:
    """Return the organisation's aliases."""
    return list(session.exec(select(OrganisationAlias).where(OrganisationAlias.organisation_id == org_id)
                             .order_by(OrganisationAlias.alias)).all())


def aliases_by_organisation(ids: list[int], *, session: Session) -> dict[int, list[str]]:
    """Return the aliases of each of the organisations, by name, in one query."""
    out: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for org_id, alias in session.exec(select(OrganisationAlias.organisation_id, OrganisationAlias.alias)
                                          .where(col(OrganisationAlias.organisation_id).in_(ids))
                                          .order_by(OrganisationAlias.alias)).all():
            out[org_id].append(alias)
    return out


def _check_names(data: OrganisationData, own_id: int | None, *, session: Session) -> None:
    for text in [data.name, *data.aliases]:
        key = normalise(text)
        if not key:
            raise ActionRefused(N_("{name} is not a usable name"), name=repr(text))
        for org in session.exec(select(Organisation).where(Organisation.id != (own_id or 0))).all():
            if normalise(org.name) == key:
                raise ActionRefused(N_("{name} is already the name of {other}"), name=repr(text), other=repr(org.name))
        alias = session.exec(select(OrganisationAlias).where(OrganisationAlias.key == key)).first()
        if alias is not None and alias.organisation_id != own_id:
            owner = session.get(Organisation, alias.organisation_id)
            raise ActionRefused(N_("{name} is already an alias of {other}"), name=repr(text), other=repr(owner.name))


@guarded
def save_organisation(data: OrganisationData, *, session: Session, org_id: int | None = None,
                      version: int | None = None) -> Organisation:
    """Record a new organisation or change one; its aliases become exactly the given ones."""
    if org_id is None:
        org = Organisation(name=data.name, kind=data.kind)
    else:
        org = session.get(Organisation, org_id, with_for_update=True, populate_existing=True)
        if org is None:
            raise ActionRefused(N_("no such organisation"))
        check_version(org, version, session=session)
        if org.merged_into_id:
            raise ActionRefused(N_("this organisation was merged into another: change the surviving record"))
        org.version += 1
    _check_names(data, org_id, session=session)
    org.name, org.kind, org.country, org.contact = data.name, data.kind, data.country, data.contact
    org.ccm_state_party, org.fiscal_year_start = data.ccm_state_party, data.fiscal_year_start
    session.add(org)
    session.flush()
    wanted = {normalise(a): a for a in data.aliases if normalise(a) != normalise(data.name)}
    for alias in aliases_of(org.id, session=session):
        if alias.key in wanted:
            alias.alias = wanted.pop(alias.key)
            session.add(alias)
        else:
            session.delete(alias)  # the audit log keeps it
    session.add_all(OrganisationAlias(organisation_id=org.id, alias=a, key=k) for k, a in wanted.items())
    session.commit()
    return org


@guarded
def merge_organisations(merged_id: int, survivor_id: int, *, session: Session, merged_version: int | None = None) -> Organisation:
    """Move every reference of one record to the other, keep it as merged, make its name an alias."""
    if merged_id == survivor_id:
        raise ActionRefused(N_("choose two different organisations"))
    merged = session.get(Organisation, merged_id, with_for_update=True, populate_existing=True)
    survivor = session.get(Organisation, survivor_id, with_for_update=True, populate_existing=True)
    if merged is None or survivor is None:
        raise ActionRefused(N_("no such organisation"))
    check_version(merged, merged_version, session=session)
    if merged.merged_into_id or survivor.merged_into_id:
        raise ActionRefused(N_("one of the two is already merged into another organisation"))
    move_returns(merged.id, survivor.id, session=session)  # one chain of versions per quarter
    for model, column in REFERENCES:
        for record in session.exec(select(model).where(getattr(model, column) == merged.id)).all():
            setattr(record, column, survivor.id)
            if hasattr(record, "version") and model is not OrganisationAlias:
                record.version += 1
            session.add(record)
    session.flush()
    key = normalise(merged.name)
    if key != normalise(survivor.name) and session.exec(select(OrganisationAlias).where(OrganisationAlias.key == key)).first() is None:
        session.add(OrganisationAlias(organisation_id=survivor.id, alias=merged.name, key=key))
    merged.merged_into_id = survivor.id
    merged.version += 1
    session.add(merged)
    survivor.version += 1
    session.add(survivor)
    session.commit()
    return survivor
