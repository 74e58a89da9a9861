"""IATI: the reporting organisation, reading a file into proposals, and a co-chair's decisions; each commits once."""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from importers.iati import IatiRejected, Org, read_activities
from importers.workbook import MAX_FILE_BYTES

from ..audit import set_actor
from ..db import write_transaction
from ..directory import Directory
from ..domain.agreements import AmendmentRefused
from ..domain.iati import Proposed, read_proposals
from ..domain.messages import N_, Said
from ..domain.reference import pillar_code, province_code
from ..models import Amendment, Commitment, Disbursement, IatiProposal, Setting, utcnow
from ..pledges.agreements import AgreementData, AmendmentData, record_amendment, save_agreement
from ..pledges.services import ActionRefused, Conflict, save_record
from ..rates import iso_currencies

REPORTING_KEYS = {"ref": "iati_reporting_org_ref", "name": "iati_reporting_org_name", "type": "iati_reporting_org_type"}
KIND_ORDER = {"agreement": 0, "amendment": 1, "disbursement": 2}


class ProposalRefused(ValueError):
    """A decision on a proposal that cannot be made, with the reason."""


@dataclass(frozen=True)
class ReportingOrg:
    """The organisation that publishes the export: its IATI identifier, name and IATI organisation type."""

    ref: str
    name: str
    type: str = "10"


def reporting_org(*, session: Session) -> ReportingOrg | None:
    """Return the reporting organisation an admin set, or None before one is set."""
    values = {k: (session.get(Setting, key).value if session.get(Setting, key) else "") for k, key in REPORTING_KEYS.items()}
    if not values["ref"] or not values["name"]:
        return None
    return ReportingOrg(values["ref"], values["name"], values["type"] or "10")


def save_reporting_org(org: ReportingOrg, *, session: Session) -> None:
    """Store the reporting organisation (the settings table, audited like every stored change)."""
    write_transaction(session)
    for name, key in REPORTING_KEYS.items():
        row = session.get(Setting, key) or Setting(key=key)
        row.value = getattr(org, name).strip()
        session.add(row)
    session.commit()


@dataclass
class ImportReport:
    """What reading a file did: proposals stored (or that a dry run would store), what was skipped, errors."""

    filename: str
    errors: list[str] = field(default_factory=list)
    proposed: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    activities: int = 0
    kept: int = 0
    committed: bool = False
    keys: list[tuple[str, str]] = field(default_factory=list)  # (activity, transaction key) of this file's proposals

    def describe(self) -> str:
        """Return a sentence: what was proposed, from how many activities."""
        made = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(self.proposed.items())) or "nothing new"
        return (f"{self.activities} activit{'y' if self.activities == 1 else 'ies'} read, {self.kept} of them Lao mine "
                f"action; proposed: {made}")

    def skipped_lines(self) -> list[str]:
        """Return one line per reason something was skipped, with its count."""
        return [f"{n} {reason}" for reason, n in sorted(self.skipped.items())]


def import_iati(data: bytes, filename: str, *, session: Session, actor: str, via: str = "import", user_id: int | None = None,
                commit: bool = True, max_bytes: int = MAX_FILE_BYTES) -> ImportReport:
    """Read an IATI activities file and store its Lao mine-action records as proposals (nothing when any error)."""
    report = ImportReport(filename=filename)
    try:
        parsed = read_activities(data, max_bytes)
    except IatiRejected as rejected:
        report.errors.append(Said(rejected.template, **rejected.params))
        return report
    reading = read_proposals(parsed.activities, pillar_of=pillar_code, province_of=province_code,
                             currencies=iso_currencies())
    report.activities, report.kept, report.skipped = reading.activities, reading.kept, reading.skipped
    if reading.errors:
        report.errors.extend(reading.errors)
        return report
    write_transaction(session)
    set_actor(session, actor=actor, via=via, user_id=user_id)
    directory = Directory.load(session=session)
    sha256 = hashlib.sha256(data).hexdigest()
    known = _already_proposed(reading.proposals, session=session)
    for proposed in reading.proposals:
        report.keys.append((proposed.activity_id, proposed.key))
        if (proposed.activity_id, proposed.key) in known:
            report.skipped["transactions already proposed (from this or an earlier file)"] += 1
            continue
        donor, recipient = _match(directory, proposed.donor), _match(directory, proposed.recipient)
        if donor is not None and _held(proposed, donor, session=session):
            report.skipped[f"{proposed.kind}s the register already holds (same agreement ref and donor)"] += 1
            continue
        session.add(_proposal(proposed, donor, recipient, filename=filename, sha256=sha256, user_id=user_id))
        report.proposed[proposed.kind] += 1
    try:
        session.flush()
    except sa.exc.IntegrityError:  # the same file read at the same moment by someone else
        session.rollback()
        report.proposed.clear()
        report.errors.append(Said(N_("the same transactions were proposed by another import at the same moment: "
                                     "nothing of this file was stored; read it again to see what is new")))
        return report
    if commit:
        session.commit()
        report.committed = True
    else:
        session.rollback()
    return report


def _match(directory: Directory, org: Org) -> int | None:
    """Return the id of the organisation named by IATI ref (an alias) or by name or alias, or None."""
    found = directory.find(org.ref) or directory.find(org.name)
    return found.id if found is not None else None


def _already_proposed(proposals: list[Proposed], *, session: Session) -> set[tuple[str, str]]:
    activities = sorted({p.activity_id for p in proposals})
    if not activities:
        return set()
    rows = session.exec(select(IatiProposal.activity_id, IatiProposal.transaction_key)
                        .where(col(IatiProposal.activity_id).in_(activities))).all()
    return {(a, k) for a, k in rows}


def _agreement_held(refs: tuple[str, ...], donor_id: int, *, session: Session) -> Commitment | None:
    return session.exec(select(Commitment).where(col(Commitment.ref).in_(refs), Commitment.donor_id == donor_id,
                                                 col(Commitment.cancelled_at).is_(None))).first()


def _held(p: Proposed, donor_id: int, *, session: Session) -> bool:
    """Return whether the register already holds what the proposal says (same agreement ref and donor)."""
    agreement = _agreement_held(p.refs, donor_id, session=session)
    if p.kind == "agreement":
        return agreement is not None
    if p.kind == "amendment":
        if agreement is None:
            return False
        stored = session.exec(select(Amendment).where(Amendment.commitment_id == agreement.id, Amendment.amended_on == p.on,
                                                      Amendment.change == p.change, col(Amendment.cancelled_at).is_(None))).all()
        if p.change == "terminate":
            return bool(stored)
        return all(any(a.amount == ln.amount and a.pillar_code == ln.pillar for a in stored) for ln in p.lines)
    stored = session.exec(select(Disbursement).where(
        col(Disbursement.agreement_ref).in_(p.refs), Disbursement.donor_id == donor_id, Disbursement.paid_on == p.on,
        Disbursement.currency == p.currency, col(Disbursement.cancelled_at).is_(None))).all()
    return all(any(d.amount == ln.amount and d.pillar_code == ln.pillar for d in stored) for ln in p.lines)


def _proposal(p: Proposed, donor_id: int | None, recipient_id: int | None, *, filename: str, sha256: str,
              user_id: int | None) -> IatiProposal:
    return IatiProposal(
        activity_id=p.activity_id[:255], transaction_key=p.key[:255], kind=p.kind, change=p.change,
        agreement_ref=p.agreement_ref, activity_title=p.title[:300], reporting_org=p.reporting_org.label()[:300],
        donor_name=p.donor.name[:300], donor_ref=p.donor.ref[:100], donor_id=donor_id,
        recipient_name=p.recipient.name[:300], recipient_ref=p.recipient.ref[:100], recipient_id=recipient_id,
        dated_on=p.on, start_on=p.start_on, end_on=p.end_on, currency=p.currency, amount=p.amount, year=p.year,
        province_code=p.province, lines=json.dumps([[ln.year, ln.pillar, str(ln.amount)] for ln in p.lines]),
        note=p.note, filename=filename[:255], sha256=sha256, proposed_by_id=user_id)


def proposal_lines(p: IatiProposal) -> list[tuple[int, str, Decimal]]:
    """Return a proposal's lines: year, pillar and amount."""
    return [(int(y), pillar, Decimal(amount)) for y, pillar, amount in json.loads(p.lines or "[]")]


def pending_proposals(*, session: Session, status: str = "pending") -> list[IatiProposal]:
    """Return the proposals with the status, agreements before their amendments and disbursements."""
    rows = session.exec(select(IatiProposal).where(IatiProposal.status == status)
                        .order_by(IatiProposal.activity_id, IatiProposal.dated_on, IatiProposal.id)).all()
    return sorted(rows, key=lambda p: (p.activity_id, KIND_ORDER.get(p.kind, 9), p.dated_on, p.id))


def accept_proposal(proposal_id: int, *, session: Session, actor: str, user_id: int | None = None, via: str = "form",
                    donor_id: int | None = None, recipient_id: int | None = None) -> IatiProposal:
    """Accept a proposal: store it as an ordinary agreement, amendment or disbursement, in one transaction."""
    proposal = _pending(proposal_id, session=session, actor=actor, via=via, user_id=user_id)
    proposal.donor_id = donor_id or proposal.donor_id
    proposal.recipient_id = recipient_id or proposal.recipient_id
    for who, name, ref in (("donor", proposal.donor_name, proposal.donor_ref),
                           ("recipient", proposal.recipient_name, proposal.recipient_ref)):
        if getattr(proposal, f"{who}_id") is None and not (who == "recipient" and proposal.kind == "amendment"):
            session.rollback()
            named = f"{name or ref or '(not named)'}" + (f" ({ref})" if ref and name else "")
            raise ProposalRefused(f"the {who} {named} matches no organisation: choose one, or add it (with its IATI "
                                  "identifier as an alias) and accept again")
    try:
        proposal.records = _store(proposal, session=session)
    except (ActionRefused, AmendmentRefused, Conflict, ProposalRefused) as refused:
        session.rollback()
        raise ProposalRefused(str(refused)) from None
    _decide(proposal, "accepted", user_id)
    session.commit()
    return proposal


def reject_proposal(proposal_id: int, *, session: Session, actor: str, user_id: int | None = None, note: str = "",
                    via: str = "form") -> IatiProposal:
    """Reject a proposal: nothing is stored, and the transaction is never proposed again."""
    proposal = _pending(proposal_id, session=session, actor=actor, via=via, user_id=user_id)
    proposal.decision_note = note.strip()[:500]
    _decide(proposal, "rejected", user_id)
    session.commit()
    return proposal


def accept_all(keys: list[tuple[str, str]] | None, *, session: Session, actor: str, user_id: int | None = None,
               via: str = "cli") -> tuple[list[IatiProposal], list[str]]:
    """Accept every pending proposal (of the given activities and transactions), each in its own transaction."""
    wanted = set(keys) if keys is not None else None
    accepted, refused = [], []
    for p in pending_proposals(session=session):
        if wanted is not None and (p.activity_id, p.transaction_key) not in wanted:
            continue
        try:
            accepted.append(accept_proposal(p.id, session=session, actor=actor, user_id=user_id, via=via))
        except ProposalRefused as error:
            refused.append(f"proposal {p.id} ({p.kind} of {p.activity_id}, {p.dated_on}): {error}")
    return accepted, refused


def _pending(proposal_id: int, *, session: Session, actor: str, via: str, user_id: int | None) -> IatiProposal:
    write_transaction(session)
    set_actor(session, actor=actor, via=via, user_id=user_id)
    # FOR UPDATE on PostgreSQL: two co-chairs deciding at once are served in turn, and the second sees the first's decision.
    proposal = session.get(IatiProposal, proposal_id, with_for_update=True, populate_existing=True)
    if proposal is None:
        session.rollback()
        raise ProposalRefused(f"no proposal has the number {proposal_id}")
    if proposal.status != "pending":
        session.rollback()
        raise ProposalRefused(f"this proposal was already {proposal.status}: nothing was changed")
    return proposal


def _decide(proposal: IatiProposal, status: str, user_id: int | None) -> None:
    proposal.status, proposal.decided_at, proposal.decided_by_id = status, utcnow(), user_id
    proposal.version += 1


def _store(p: IatiProposal, *, session: Session) -> str:
    """Store the proposal through the register's own services (uncommitted); return what was stored."""
    notes = f"From IATI activity {p.activity_id}, {p.filename}"
    lines = proposal_lines(p)
    agreement = _agreement_held((p.agreement_ref,), p.donor_id, session=session)
    if p.kind == "agreement":
        data = AgreementData(ref=p.agreement_ref, pledge_id=None, donor_id=p.donor_id, recipient_id=p.recipient_id,
                             signed_on=p.dated_on, start_on=p.start_on or p.dated_on, end_on=p.end_on or p.dated_on,
                             currency=p.currency, support="cash", notes=notes, lines=lines)
        return f"commitment:{save_agreement(data, session=session, commit=False).id}"
    if p.kind == "amendment":
        if agreement is None:
            raise ProposalRefused(f"the register holds no agreement {p.agreement_ref} of this donor: accept the "
                                  "activity's agreement first")
        changes = [(None, None, None)] if p.change == "terminate" else lines
        made = [record_amendment(agreement.id, AmendmentData(
            amended_on=p.dated_on, change=p.change, year=year or p.year, pillar=pillar, amount=amount,
            new_end=p.end_on if p.change == "terminate" else None, notes=notes), session=session, commit=False).id
            for year, pillar, amount in changes]
        return "amendment:" + " ".join(map(str, made))
    made = []
    for _year, pillar, amount in lines:
        values: dict[str, Any] = {
            "agreement_ref": p.agreement_ref, "commitment_id": agreement.id if agreement else None, "pledge_id": None,
            "donor_id": p.donor_id, "recipient_id": p.recipient_id, "via_id": None, "paid_on": p.dated_on,
            "pillar_code": pillar, "province_code": p.province_code, "amount": amount, "currency": p.currency,
            "support": "cash", "notes": notes}
        made.append(save_record(Disbursement, values, session=session, commit=False).id)
    return "disbursement:" + " ".join(map(str, made))
