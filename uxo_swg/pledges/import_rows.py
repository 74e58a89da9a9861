"""What the register import's storing steps share: the result, chunks, audited bulk inserts, refs seen."""
from __future__ import annotations

from collections import OrderedDict
from datetime import date
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Iterable, Iterator

from sqlmodel import Session, col, select

from importers.problems import Problem, problem

from ..audit import log_bulk_insert
from ..db import bulk_insert
from ..domain.conversion import RateBook, RateMissing
from ..domain.messages import N_, message
from ..models import Pledge

CHUNK = 2000


@dataclass
class ImportResult:
    """What an import (or its preview) found and did."""

    filename: str
    sha256: str = ""
    problems: list[Problem] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    batch_id: int | None = None
    already_imported: bool = False
    reinstated: bool = False
    committed: bool = False
    rates: "MissingRates | None" = None  # amounts stored with no usable rate yet

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    def describe(self) -> str:
        """Return one sentence saying what was (or would be) stored."""
        if self.already_imported:
            return f"{self.filename} was already imported (batch {self.batch_id}): nothing was added"
        parts = [f"{n} {kind}" for kind, n in self.created.items() if n]
        same = sum(self.unchanged.values())
        text = ", ".join(parts) or "nothing new"
        if same:
            text += f"; {same} row(s) already recorded left unchanged"
        if self.reinstated:
            text = "records of the rolled-back import reinstated: " + text
        return text


def chunks(rows: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows with one Core statement, audit them, and return their ids in order."""
    if not rows:
        return []
    table = model.__table__
    ids = bulk_insert(session, table, rows)
    log_bulk_insert(session, table, rows, ids)
    return ids


def bump(counter: dict[str, int], key: str, n: int = 1) -> None:
    counter[key] = counter.get(key, 0) + n


class Recent(OrderedDict):
    """A bounded memory of the row that created each recent ref, for messages only."""

    def remember(self, key: str, row: int) -> None:
        self[key] = row
        if len(self) > 5000:
            self.popitem(last=False)

    def where(self, key: str) -> dict[str, Any]:
        """Return where a key was first seen, as a sentence to nest in another one (`domain.messages.message`)."""
        return message(N_("row {number}"), number=self[key]) if key in self else message(N_("an earlier row"))


def pledges_by_ref(session: Session, refs: set[str]) -> dict[str, Any]:
    if not refs:
        return {}
    return {p.ref: p for p in session.execute(
        select(Pledge.id, Pledge.ref, Pledge.donor_id, Pledge.cancelled_at).where(col(Pledge.ref).in_(refs))).all()}


class MissingRates:
    """The (currency, date) pairs an import stores with no usable rate yet (counting rule 1), told as warnings."""

    def __init__(self, rates: RateBook):
        self.rates = rates
        self.missing: dict[str, dict[date, str]] = {}  # currency -> date -> where it was first met
        self.seen: set[tuple[str, date]] = set()  # pairs already looked up (a return repeats them)

    def check(self, currency: str, on: date, where: str) -> None:
        """Note the currency and date when no rate applies to them."""
        if (currency, on) in self.seen:
            return
        self.seen.add((currency, on))
        try:
            self.rates.rate(currency, on)
        except RateMissing:
            self.missing.setdefault(currency, {})[on] = where

    def problems(self, shown: int = 3) -> list[Problem]:
        """Return one warning per currency: its first dates, and how many more."""
        out = []
        for currency, dates in sorted(self.missing.items()):
            first = sorted(dates)[:shown]
            listed = "; ".join(f"{on} ({dates[on]})" for on in first)
            more = message(N_(", and {count} more date(s)"), count=len(dates) - shown) if len(dates) > shown else ""
            out.append(problem(N_("No {currency} rate on or in the 31 days before {dates}{more}: load one before the "
                                  "summaries are due."), level="warning", currency=currency, dates=listed, more=more))
        return out
