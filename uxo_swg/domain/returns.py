"""Rules about operator returns: when a quarter's return is due, and what changed between versions."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Hashable, Iterable

from .periods import Period

#: A quarter's return is due this many days after the quarter ends (the SWG's rule).
DAYS_TO_REPORT = 30


def return_due_on(quarter: Period) -> date:
    """Return the last day on which the quarter's return is on time."""
    return quarter.end + timedelta(days=DAYS_TO_REPORT)


def return_status(quarter: Period, first_submitted: date | None, today: date) -> str:
    """Return `on time`, `late`, `missing` or `not due yet` for an operator's return of the quarter.

    The first version counts: a correction sent after the due date does not make an
    on-time return late.
    """
    due = return_due_on(quarter)
    if first_submitted is not None:
        return "on time" if first_submitted <= due else "late"
    return "missing" if today > due else "not due yet"


@dataclass(frozen=True)
class LineChange:
    """A line of a return that one version has and the other has not (or has a different number of times)."""

    change: str  # added | removed
    line: tuple


def changed_lines(old: Iterable[Hashable], new: Iterable[Hashable]) -> list[LineChange]:
    """Return the lines removed from `old` and added in `new`, counting repeated lines."""
    before, after = Counter(old), Counter(new)
    removed = [LineChange("removed", line) for line, n in (before - after).items() for _ in range(n)]
    added = [LineChange("added", line) for line, n in (after - before).items() for _ in range(n)]
    return removed + added
