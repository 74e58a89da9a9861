"""When an operator is reminded of a quarterly return: before it is due, on the day, then while it is late."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from .periods import Period, quarter_of

#: Late reminders and the co-chairs' digest look back this many quarters, no further.
QUARTERS_WATCHED = 4


@dataclass(frozen=True)
class ReminderStep:
    """A reminder of a quarter's return: its name (part of its key), the day it falls on and its kind."""

    name: str  # due-in-7-days | due-today | late-1 (weeks or other intervals after the due date)
    on: date
    kind: str  # before | due | late
    due: date


def due_on(quarter: Period, due_days: int) -> date:
    """Return the last day on which the quarter's return is on time."""
    return quarter.end + timedelta(days=due_days)


def reminder_step(quarter: Period, today: date, *, due_days: int, days_before: Iterable[int],
                  late_every: int) -> ReminderStep | None:
    """Return the latest reminder step of the quarter reached by today, or None before the first.

    Steps are the days `days_before` the due date (0 is the due date itself), then every
    `late_every` days after it. A step missed (the scheduler was down) is not sent late once
    the next one is reached: only the latest counts.
    """
    due = due_on(quarter, due_days)
    steps = [ReminderStep("due-today" if n == 0 else f"due-in-{n}-days", due - timedelta(days=n), "due" if n == 0 else "before", due)
             for n in days_before if n >= 0]
    if today > due and late_every > 0:
        late = (today - due).days // late_every
        if late >= 1:
            steps.append(ReminderStep(f"late-{late}", due + timedelta(days=late * late_every), "late", due))
    reached = [step for step in steps if step.on <= today]
    return max(reached, key=lambda step: step.on, default=None)


def quarters_to_watch(today: date) -> list[Period]:
    """Return the quarters whose returns may be due or late today, most recent first."""
    return [quarter_of(today).shift(-k) for k in range(1, QUARTERS_WATCHED + 1)]


def iso_week(day: date) -> str:
    """Return the ISO week of a day as 2026-W05 (the key of a weekly digest)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
