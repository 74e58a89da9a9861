"""Agreements: record or change one with its yearly lines, amend it, cancel an amendment; each commits once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from ..domain.agreements import AmendmentRefused, Change, Key, Step, make_change, replay
from ..domain.messages import N_, message
from ..models import Amendment, Commitment, CommitmentLine, Pledge, utcnow
from .services import ActionRefused, _get, _unique_ref, check_lines, check_version, guarded, sync_lines


@dataclass
class AgreementData:
    """What the agreement form gives."""

    ref: str
    pledge_id: int | None
    donor_id: int
    recipient_id: int
    signed_on: date
    start_on: date
    end_on: date
    currency: str
    support: str
    notes: str
    lines: list[tuple[int, str, Decimal]]  # year, pillar, amount


@dataclass
class AmendmentData:
    """What the amendment form gives."""

    amended_on: date
    change: str
    year: int | None
    pillar: str | None
    amount: Decimal | None
    new_end: date | None
    notes: str


@dataclass
class History:
    """An agreement's signed lines and its amendments in date order, each with the agreement just after it."""

    agreement: Commitment
    lines: list[CommitmentLine]
    amendments: list[Amendment]  # every one, cancelled included, newest last
    steps: dict[int, Step]  # by amendment id, for those not cancelled

    @property
    def signed_total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal(0))

    @property
    def current_total(self) -> Decimal:
        last = self._last()
        return last.total if last else self.signed_total

    @property
    def current_end(self) -> date:
        last = self._last()
        return last.end_on if last else self.agreement.end_on

    @property
    def terminated_on(self) -> date | None:
        last = self._last()
        return last.change.amended_on if last and last.terminated else None

    def _last(self) -> Step | None:
        live = [self.steps[a.id] for a in self.amendments if a.id in self.steps]
        return live[-1] if live else None


def agreement_lines(agreement_id: int, *, session: Session) -> list[CommitmentLine]:
    """Return an agreement's lines by year and pillar."""
    return list(session.exec(select(CommitmentLine).where(CommitmentLine.commitment_id == agreement_id)
                             .order_by(CommitmentLine.year, CommitmentLine.pillar_code)).all())


def _amendments(agreement_id: int, *, session: Session) -> list[Amendment]:
    return list(session.exec(select(Amendment).where(Amendment.commitment_id == agreement_id)
                             .order_by(Amendment.amended_on, Amendment.id)).all())


def as_change(a: Amendment) -> Change:
    """Return a stored amendment as the rules see it."""
    return Change(a.amended_on, a.change, a.year, a.pillar_code, a.amount, a.new_end, a.id)


def _replay(agreement: Commitment, lines: dict[Key, Decimal], changes: list[Change]) -> list[Step]:
    return replay(agreement.signed_on, agreement.start_on, agreement.end_on, lines, changes)


def history(agreement: Commitment, *, session: Session) -> History:
    """Return the agreement's lines and amendments with the running amounts and end date."""
    return history_of(agreement, agreement_lines(agreement.id, session=session), _amendments(agreement.id, session=session))


def history_of(agreement: Commitment, lines: list[CommitmentLine], amendments: list[Amendment]) -> History:
    """Return the history of an agreement from its lines and its amendments, these in date order."""
    live = [as_change(a) for a in amendments if a.cancelled_at is None]
    try:
        steps = {s.change.ident: s for s in _replay(agreement, {(ln.year, ln.pillar_code): ln.amount for ln in lines}, live)}
    except AmendmentRefused:  # only a record changed outside the application could get here: show no running amounts
        steps = {}
    return History(agreement, lines, amendments, steps)


@guarded
def save_agreement(data: AgreementData, *, session: Session, agreement_id: int | None = None,
                   version: int | None = None, commit: bool = True) -> Commitment:
    """Record a new agreement with its yearly lines, or change one (`commit=False`: flush, for an action that goes on)."""
    check_lines(data.lines, "an agreement")
    _unique_ref(Commitment, data.ref, agreement_id, session=session)
    if data.pledge_id:
        pledge = _get(Pledge, data.pledge_id, session=session)
        if pledge.donor_id != data.donor_id:
            raise ActionRefused(N_("pledge {ref} was made by another donor"), ref=pledge.ref)
    if agreement_id is None:
        agreement = Commitment(ref=data.ref, donor_id=data.donor_id, recipient_id=data.recipient_id,
                               signed_on=data.signed_on, start_on=data.start_on, end_on=data.end_on, currency=data.currency)
    else:
        agreement = _get(Commitment, agreement_id, session=session)
        check_version(agreement, version, session=session)
        if agreement.cancelled_at is not None:
            raise ActionRefused(N_("a cancelled agreement cannot be changed"))
        agreement.version += 1
    for name in ("ref", "pledge_id", "donor_id", "recipient_id", "signed_on", "start_on", "end_on", "currency", "support",
                 "notes"):
        setattr(agreement, name, getattr(data, name))
    session.add(agreement)
    session.flush()
    sync_lines(CommitmentLine, "commitment_id", agreement.id, data.lines, session=session)
    if agreement_id is not None:  # the amendments made since must still hold against the changed lines
        live = [as_change(a) for a in _amendments(agreement.id, session=session) if a.cancelled_at is None]
        try:
            _replay(agreement, {(y, p): amount for y, p, amount in data.lines}, live)
        except AmendmentRefused as refused:
            raise ActionRefused(N_("with these lines an amendment made since would not hold: {reason}"),
                                reason=message(refused.template, **refused.params)) from None
    session.commit() if commit else session.flush()
    return agreement


@guarded
def record_amendment(agreement_id: int, data: AmendmentData, *, session: Session, commit: bool = True) -> Amendment:
    """Record an increase, decrease or termination of an agreement, checked against its lines and earlier amendments."""
    agreement = _get(Commitment, agreement_id, session=session)  # locked: two amendments at once are checked in turn
    if agreement.cancelled_at is not None:
        raise AmendmentRefused(N_("this agreement is cancelled (entered in error): it cannot be amended"), column="Change")
    stored = [a for a in _amendments(agreement.id, session=session) if a.cancelled_at is None]
    ended = next((a for a in stored if a.change == "terminate"), None)
    if ended is not None:
        raise AmendmentRefused(N_("this agreement was terminated on {date}: it cannot be amended any more"),
                               column="Change", date=str(ended.amended_on))
    if not data.notes.strip():
        raise AmendmentRefused(N_("say why the agreement changed: every amendment carries its reason"), column="Notes")
    lines = {(ln.year, ln.pillar_code): ln.amount for ln in agreement_lines(agreement.id, session=session)}
    change = make_change(data.amended_on, data.change, data.year, data.pillar, data.amount, data.new_end,
                         currency=agreement.currency, lines=lines, ident="new")
    _replay(agreement, lines, [*map(as_change, stored), change])
    amendment = Amendment(commitment_id=agreement.id, amended_on=change.amended_on, change=change.change,
                          year=change.year, pillar_code=change.pillar, amount=change.amount, new_end=change.new_end,
                          notes=data.notes.strip())
    session.add(amendment)
    session.commit() if commit else session.flush()
    return amendment


@guarded
def cancel_amendment(amendment_id: int, version: int | None, *, session: Session) -> Amendment:
    """Cancel an amendment entered in error (it stays, marked cancelled), unless a later one rests on it."""
    amendment = _get(Amendment, amendment_id, session=session)
    agreement = _get(Commitment, amendment.commitment_id, session=session)
    check_version(amendment, version, session=session)
    if amendment.cancelled_at is not None:
        raise ActionRefused(N_("this amendment is already cancelled"))
    others = [as_change(a) for a in _amendments(agreement.id, session=session)
              if a.cancelled_at is None and a.id != amendment.id]
    lines = {(ln.year, ln.pillar_code): ln.amount for ln in agreement_lines(agreement.id, session=session)}
    try:
        _replay(agreement, lines, others)
    except AmendmentRefused as refused:
        raise ActionRefused(N_("a later amendment rests on this one: {reason}. Cancel that one first"),
                            reason=message(refused.template, **refused.params)) from None
    amendment.cancelled_at = utcnow()
    amendment.version += 1
    session.add(amendment)
    session.commit()
    return amendment

