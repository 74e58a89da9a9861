"""The register's agreements: rows sharing a ref are one agreement with a line per year and pillar; amendments."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from importers.problems import Problem, problem
from importers.register import AMENDMENTS, COMMITMENTS, PLEDGES, RegisterReader

from ..domain.agreements import AmendmentRefused, Change, make_change, replay
from ..domain.messages import N_, message
from ..domain.money import round_for_currency
from ..models import Amendment, Commitment, CommitmentLine
from .import_rows import ImportResult, Recent, bump, chunks, insert_rows, pledges_by_ref

#: the header of an agreement, which every row of it must repeat, and the column that gives each part
HEADER = {"pledge_id": "Pledge ref", "donor_id": "Donor", "recipient_id": "Recipient", "signed_on": "Signed on",
          "start_on": "Start", "end_on": "End", "currency": "Currency", "support": "Support"}


#: each part of the header named in a sentence ("another signed on than row 4")
HEADER_WORDS = {"Pledge ref": N_("pledge ref"), "Donor": N_("donor"), "Recipient": N_("recipient"),
                "Signed on": N_("signed on"), "Start": N_("start"), "End": N_("end"), "Currency": N_("currency"),
                "Support": N_("support")}


def _disagreement(reader: RegisterReader, row: int, ref: str, known: Any, header: dict[str, Any],
                  where: dict[str, Any]) -> Problem | None:
    """Return the error for a row whose header differs from the agreement's, naming the first column that differs."""
    get = known.get if isinstance(known, dict) else lambda f: getattr(known, f)
    for name, column in HEADER.items():
        if get(name) != header[name]:
            return problem(N_("this row gives agreement {ref} another {part} than {where}: rows of one agreement "
                              "must agree"), COMMITMENTS, row, reader.label(COMMITMENTS, column), ref=repr(ref),
                           part=message(HEADER_WORDS[column]), where=where)
    return None


def store_commitments(reader: RegisterReader, batch_id: int, now: datetime, result: ImportResult, *, session: Session) -> None:
    """Store the Commitments sheet chunk by chunk: new agreements and their lines; rows already recorded left unchanged."""
    problems = result.problems
    first_rows = Recent()
    for chunk in chunks(reader.commitments()):
        stored = {c.ref: c for c in session.execute(
            select(Commitment.id, Commitment.ref, Commitment.cancelled_at, Commitment.import_batch_id,
                   *(getattr(Commitment, f) for f in HEADER)).where(col(Commitment.ref).in_({r.ref for r in chunk}))).all()}
        ids = [c.id for c in stored.values()]
        lines = {(ln.commitment_id, ln.year, ln.pillar_code): ln.amount for ln in session.execute(
            select(CommitmentLine.commitment_id, CommitmentLine.year, CommitmentLine.pillar_code, CommitmentLine.amount)
            .where(col(CommitmentLine.commitment_id).in_(ids))).all()} if ids else {}
        pledges = pledges_by_ref(session, {r.pledge_ref for r in chunk if r.pledge_ref})
        new: dict[str, dict[str, Any]] = {}
        new_lines: list[tuple[str, dict[str, Any]]] = []
        seen_lines: set[tuple[str, int, str]] = set()
        for r in chunk:
            pledge = pledges.get(r.pledge_ref) if r.pledge_ref else None
            if r.pledge_ref and pledge is None and r.pledge_ref in reader.failed_refs[PLEDGES]:
                reader.failed_refs[COMMITMENTS].add(r.ref)
                continue  # its pledge's rows have errors already reported
            if r.pledge_ref and (pledge is None or pledge.cancelled_at is not None):
                problems.append(problem(N_("no pledge has the ref {ref}") if pledge is None else N_("pledge {ref} is cancelled"),
                                        COMMITMENTS, r.row, reader.label(COMMITMENTS, "Pledge ref"), ref=repr(r.pledge_ref)))
                continue
            if pledge is not None and pledge.donor_id != r.donor_id:
                problems.append(problem(N_("pledge {ref} was made by another donor"), COMMITMENTS, r.row,
                                        reader.label(COMMITMENTS, "Donor"), ref=repr(r.pledge_ref)))
                continue
            header = {"pledge_id": pledge.id if pledge else None, "donor_id": r.donor_id, "recipient_id": r.recipient_id,
                      "signed_on": r.signed_on, "start_on": r.start_on, "end_on": r.end_on, "currency": r.currency,
                      "support": r.support}
            line_label = reader.label(COMMITMENTS, "Pillar")
            c = stored.get(r.ref)
            if c is not None:
                ours = c.import_batch_id == batch_id
                if c.cancelled_at is not None:
                    problems.append(problem(N_("agreement ref {ref} belongs to a cancelled agreement: give this one another ref"),
                                            COMMITMENTS, r.row, reader.label(COMMITMENTS, "Agreement ref"), ref=repr(r.ref)))
                    continue
                differs = _disagreement(reader, r.row, r.ref, c, header,
                                        first_rows.where(r.ref) if ours else message(N_("the agreement already recorded")))
                if differs:
                    problems.append(differs)
                    continue
                key = (c.id, r.year, r.pillar)
                if key in lines:
                    if ours:
                        problems.append(problem(N_("agreement {ref} already has a line for {year} and {pillar} on an earlier row"),
                                                COMMITMENTS, r.row, line_label, ref=repr(r.ref), year=str(r.year),
                                                pillar=r.pillar))
                    elif lines[key] != r.amount:
                        problems.append(problem(
                            N_("agreement {ref} is recorded with {recorded} {currency} for {year} and {pillar}, not "
                               "{amount}: record an amendment (Amendments sheet) or change it in the workspace"),
                            COMMITMENTS, r.row, reader.label(COMMITMENTS, "Amount"), ref=repr(r.ref),
                            recorded=round_for_currency(lines[key], c.currency), currency=c.currency, year=str(r.year),
                            pillar=r.pillar, amount=r.amount))
                    else:
                        bump(result.unchanged, "agreement lines")
                    continue
                if not ours:
                    problems.append(problem(N_("agreement {ref} is already recorded without a line for {year} and {pillar}: "
                                               "record an amendment instead"), COMMITMENTS, r.row,
                                            reader.label(COMMITMENTS, "Agreement ref"), ref=repr(r.ref), year=str(r.year),
                                            pillar=r.pillar))
                    continue
            else:
                pending = new.get(r.ref)
                if pending is None:
                    new[r.ref] = {"ref": r.ref, **header, "notes": r.notes, "cancelled_at": None, "import_batch_id": batch_id,
                                  "version": 1, "created_at": now}
                    first_rows.remember(r.ref, r.row)
                elif differs := _disagreement(reader, r.row, r.ref, pending, header, first_rows.where(r.ref)):
                    problems.append(differs)
                    continue
                if (r.ref, r.year, r.pillar) in seen_lines:
                    problems.append(problem(N_("agreement {ref} already has a line for {year} and {pillar} on an earlier row"),
                                            COMMITMENTS, r.row, line_label, ref=repr(r.ref), year=str(r.year),
                                            pillar=r.pillar))
                    continue
            seen_lines.add((r.ref, r.year, r.pillar))
            new_lines.append((r.ref, {"year": r.year, "pillar_code": r.pillar, "amount": r.amount}))
            result.rates.check(r.currency, r.signed_on, f"{COMMITMENTS} row {r.row}")
        agreement_ids = dict(zip(new, insert_rows(session, Commitment, list(new.values()))))
        agreement_ids.update({ref: c.id for ref, c in stored.items()})
        line_rows = [{"commitment_id": agreement_ids[ref], **values} for ref, values in new_lines]
        insert_rows(session, CommitmentLine, line_rows)
        bump(result.created, "agreements", len(new))
        bump(result.created, "agreement lines", len(line_rows))


def store_amendments(reader: RegisterReader, batch_id: int, now: datetime, result: ImportResult, *, session: Session) -> None:
    """Store the Amendments sheet, each checked like the form's against its agreement's lines and earlier amendments."""
    rows = list(reader.amendments())  # a few per agreement: the sheet is short
    if not rows:
        return
    problems = result.problems

    def error(row: int, column: str, template: str, **params: Any) -> None:
        problems.append(problem(template, AMENDMENTS, row, reader.label(AMENDMENTS, column), **params))

    refs = sorted({r.ref for r in rows})
    agreements: dict[str, Commitment] = {}
    for start in range(0, len(refs), 900):
        agreements.update({c.ref: c for c in session.exec(select(Commitment).where(col(Commitment.ref).in_(refs[start:start + 900])))})
    ids = [c.id for c in agreements.values()]
    lines: dict[int, dict[tuple[int, str], Any]] = defaultdict(dict)
    stored: dict[int, list[Amendment]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        for ln in session.exec(select(CommitmentLine).where(col(CommitmentLine.commitment_id).in_(chunk))):
            lines[ln.commitment_id][(ln.year, ln.pillar_code)] = ln.amount
        for a in session.exec(select(Amendment).where(col(Amendment.commitment_id).in_(chunk), col(Amendment.cancelled_at).is_(None))
                              .order_by(Amendment.amended_on, Amendment.id)):
            stored[a.commitment_id].append(a)
    changes: dict[int, list[Change]] = defaultdict(list)
    for r in rows:
        agreement = agreements.get(r.ref)
        if agreement is None:
            if r.ref not in reader.failed_refs[COMMITMENTS]:
                error(r.row, "Agreement ref", N_("no agreement has the ref {ref}: in this file's Commitments sheet or recorded"),
                      ref=repr(r.ref))
            continue
        if agreement.cancelled_at is not None:
            error(r.row, "Agreement ref", N_("agreement {ref} is cancelled (entered in error): it cannot be amended"), ref=repr(r.ref))
            continue
        try:
            change = make_change(r.amended_on, r.change, r.year, r.pillar, r.amount, r.new_end, currency=agreement.currency,
                                 lines=lines[agreement.id], ident=r.row)
        except AmendmentRefused as refused:
            error(r.row, refused.column or "Change", refused.template, **refused.params)
            continue
        same = [a for a in stored[agreement.id] if (a.amended_on, a.change, a.year, a.pillar_code, a.amount, a.new_end)
                == (change.amended_on, change.change, change.year, change.pillar, change.amount, change.new_end)]
        if same and same[0].import_batch_id != batch_id:
            bump(result.unchanged, "amendments")  # next month's register repeats this one
            continue
        ended = next((a for a in stored[agreement.id] if a.change == "terminate"), None)
        if ended is not None:
            error(r.row, "Agreement ref", N_("agreement {ref} was terminated on {date}: it cannot be amended any more"),
                  ref=repr(r.ref), date=str(ended.amended_on))
            continue
        changes[agreement.id].append(change)
    new: list[dict[str, Any]] = []
    by_id = {c.id: c for c in agreements.values()}
    for agreement_id, wanted in changes.items():
        a = by_id[agreement_id]
        earlier = [Change(x.amended_on, x.change, x.year, x.pillar_code, x.amount, x.new_end, None) for x in stored[agreement_id]]
        try:
            replay(a.signed_on, a.start_on, a.end_on, lines[agreement_id], [*earlier, *wanted])
        except AmendmentRefused as refused:
            row = refused.change.ident if refused.change and refused.change.ident else wanted[0].ident
            error(row, refused.column or "Change", N_("agreement {ref}: {reason}"), ref=repr(a.ref),
                  reason=message(refused.template, **refused.params))
            continue
        new.extend({"commitment_id": agreement_id, "amended_on": ch.amended_on, "change": ch.change, "year": ch.year,
                    "pillar_code": ch.pillar, "amount": ch.amount, "new_end": ch.new_end,
                    "notes": next(r.notes for r in rows if r.row == ch.ident), "cancelled_at": None,
                    "import_batch_id": batch_id, "version": 1, "created_at": now} for ch in wanted)
        for ch in wanted:
            if ch.amount is not None:
                result.rates.check(a.currency, ch.amended_on, f"{AMENDMENTS} row {ch.ident}")
    insert_rows(session, Amendment, new)
    bump(result.created, "amendments", len(new))
