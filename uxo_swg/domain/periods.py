"""Calendar periods of the working group: quarters, halves and years (the Lao fiscal year)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .messages import N_, Explained, message


YEARS = range(1900, 2201)  # the years a period may have


class PeriodError(Explained, ValueError):
    """A period text that cannot be read."""


@dataclass(frozen=True, order=True)
class Period:
    """A calendar year, half (1-2) or quarter (1-4)."""

    year: int
    kind: str  # "Y", "H" or "Q"
    index: int = 1

    @property
    def months(self) -> int:
        """Return the length of the period in months."""
        return {"Y": 12, "H": 6, "Q": 3}[self.kind]

    @property
    def start(self) -> date:
        """Return the first day of the period."""
        return date(self.year, (self.index - 1) * self.months + 1, 1)

    @property
    def end(self) -> date:
        """Return the last day of the period."""
        last_month = self.index * self.months
        if last_month == 12:
            return date(self.year, 12, 31)
        return date(self.year, last_month + 1, 1) - timedelta(days=1)

    def contains(self, day: date) -> bool:
        """Return whether the day falls in the period."""
        return self.start <= day <= self.end

    @property
    def year_period(self) -> "Period":
        """Return the calendar year that contains the period."""
        return Period(self.year, "Y")

    def quarters(self) -> list["Period"]:
        """Return the quarters the period is made of."""
        first = (self.index - 1) * self.months // 3 + 1
        return [Period(self.year, "Q", q) for q in range(first, first + self.months // 3)]

    def shift(self, steps: int) -> "Period":
        """Return the period of the same kind `steps` periods later (earlier if negative)."""
        per_year = 12 // self.months
        n = self.year * per_year + (self.index - 1) + steps
        return Period(n // per_year, self.kind, n % per_year + 1)

    def last(self, count: int) -> list["Period"]:
        """Return the `count` periods of this kind ending with this one, oldest first (none before 1900)."""
        return [p for p in (self.shift(-k) for k in range(count - 1, -1, -1)) if p.year in YEARS]

    def __str__(self) -> str:
        if self.kind == "Y":
            return str(self.year)
        return f"{self.year}-{self.kind}{self.index}"


def quarter_of(day: date) -> Period:
    """Return the calendar quarter that contains the day."""
    return Period(day.year, "Q", (day.month - 1) // 3 + 1)


def half_of(day: date) -> Period:
    """Return the half-year that contains the day (H1 is January to June)."""
    return Period(day.year, "H", 1 if day.month <= 6 else 2)


def year_of(day: date) -> Period:
    """Return the calendar year that contains the day."""
    return Period(day.year, "Y")


_PERIOD = re.compile(r"^\s*(\d{4})(?:\s*-?\s*([QqHh])\s*(\d))?\s*$")


def parse_period(text: str, kind: str | None = None) -> Period:
    """Return the period written as `2025`, `2025-Q3` or `2025-H1`; `kind` restricts it."""
    match = _PERIOD.match(str(text))
    if not match:
        raise PeriodError(N_("{text} is not a period: write a year (2025), a quarter (2025-Q3) or a half (2025-H1)"), text=repr(text))
    year, letter, index = int(match[1]), (match[2] or "Y").upper(), int(match[3] or 1)
    if year not in YEARS:
        raise PeriodError(N_("{text}: the year {year} is out of range"), text=repr(text), year=year)
    if letter == "Q" and not 1 <= index <= 4:
        raise PeriodError(N_("{text}: a quarter is Q1 to Q4"), text=repr(text))
    if letter == "H" and not 1 <= index <= 2:
        raise PeriodError(N_("{text}: a half is H1 or H2"), text=repr(text))
    period = Period(year, letter, index)
    if kind is not None and period.kind != kind:
        wanted = {"Q": N_("{text} is not a quarter such as 2025-Q3"), "H": N_("{text} is not a half such as 2025-H1"),
                  "Y": N_("{text} is not a year such as 2025")}[kind]
        raise PeriodError(wanted, text=repr(text))
    return period


def parse_quarter(text: str) -> Period:
    """Return the quarter written as `2025-Q3`."""
    return parse_period(text, "Q")


class QuarterUnreadable(Explained):
    """A quarter that could not be read, with how one is written (the page of a bad `?quarter=`)."""


def bad_quarter(text: str, error: PeriodError, example: Period) -> QuarterUnreadable:
    """Return the sentence that tells a person what was wrong with a quarter and how one is written.

    `str()` of it is the English sentence; `i18n.message_text` gives it in the page's language.
    """
    months = (N_("January to March"), N_("April to June"), N_("July to September"),
              N_("October to December"))[example.index - 1]
    return QuarterUnreadable(
        N_("The quarter {text} could not be read: {error}. A quarter is written as its year, a dash, Q and its "
           "number 1 to 4: {example} is {months} {year}."),
        text=repr(text), error=message(error.template, **error.params), example=str(example),
        months=message(months), year=str(example.year))


def parse_half(text: str) -> Period:
    """Return the half written as `2025-H1`."""
    return parse_period(text, "H")
