"""The API's parameters: each one parses its text and describes itself in the OpenAPI document.

One declaration serves both, so the description cannot drift from what the code accepts.
A parameter that cannot be read is a 400 that names it and says what would do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Any, Callable, Mapping, Sequence

from sqlmodel import Session

from ..directory import Directory
from ..domain.counting import PILLARS
from ..domain.periods import PeriodError, parse_period
from ..domain.reference import NATIONAL, PROVINCES
from ..models import ORGANISATION_KINDS, SUPPORT_KINDS, Organisation

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
FIRST_YEAR, LAST_YEAR = 1900, 2200  # the years a period may have (domain.periods)


class ApiError(Exception):
    """A request the API answers with an error: the status, a sentence, and the parameter to blame."""

    def __init__(self, status: int, message: str, parameter: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter


@dataclass(frozen=True)
class Param:
    """A query or path parameter: its name, what it means, its JSON schema and how its text is read."""

    name: str
    description: str
    schema: dict[str, Any]
    read: Callable[[str, Session], Any] = field(repr=False)
    where: str = "query"
    required: bool = False
    default: Any = None

    def described(self, description: str) -> "Param":
        """Return the same parameter with another description (what it keeps, on this endpoint)."""
        return replace(self, description=description)

    def parse(self, text: str, session: Session) -> Any:
        """Return the value the text stands for, or raise a 400 naming this parameter."""
        if text == "":
            raise ApiError(400, f"{self.name} is empty: give a value or leave the parameter out", self.name)
        try:
            return self.read(text, session)
        except (ValueError, OverflowError) as error:
            raise ApiError(400, f"{self.name}={text[:60]!r}: {error}", self.name) from None


def parse_params(params: Sequence[Param], query: Mapping[str, list[str]], path: Mapping[str, str],
                 *, session: Session) -> dict[str, Any]:
    """Return every parameter's value (its default when absent); refuse unknown, repeated or bad ones."""
    known = {p.name for p in params if p.where == "query"}
    for name in query:
        if name not in known:
            takes = ", ".join(sorted(known)) or "no query parameters"
            raise ApiError(400, f"unknown parameter {name!r}: this endpoint takes {takes}", name)
    values: dict[str, Any] = {}
    for p in params:
        texts = [str(path[p.name])] if p.where == "path" else query.get(p.name, [])
        if len(texts) > 1:
            raise ApiError(400, f"{p.name} is given {len(texts)} times: give it once", p.name)
        if not texts:
            if p.required:
                raise ApiError(400, f"{p.name} is required", p.name)
            values[p.name] = p.default
            continue
        values[p.name] = p.parse(texts[0], session)
    return values


# --- readers -------------------------------------------------------------------------------

def _integer(low: int, high: int) -> Callable[[str, Session], int]:
    def read(text: str, _session: Session) -> int:
        if not text.strip().lstrip("-").isdigit():
            raise ValueError("not a whole number")
        value = int(text)
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return read


def _choice(values: Sequence[str]) -> Callable[[str, Session], str]:
    def read(text: str, _session: Session) -> str:
        if text not in values:
            raise ValueError(f"use one of {', '.join(values)}")
        return text

    return read


def _day(text: str, _session: Session) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date: write it as 2025-03-31") from None
    if len(text) != 10 or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"write a date as 2025-03-31, in the years {FIRST_YEAR} to {LAST_YEAR}")
    return day


def _moment(text: str, _session: Session) -> datetime:
    # "+07:00" left unescaped in a URL arrives as " 07:00": read it as it was meant.
    text = re.sub(r"(T[0-9:.]+) ([0-9]{2}:?[0-9]{2})$", r"\1+\2", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date or time: write 2025-10-01 or 2025-10-01T08:30:00Z") from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _currency(text: str, _session: Session) -> str:
    if len(text) != 3 or not text.isascii() or not text.isalpha():
        raise ValueError("not an ISO 4217 currency code such as USD or LAK")
    return text.upper()


def _country(text: str, _session: Session) -> str:
    if len(text) != 2 or not text.isascii() or not text.isalpha():
        raise ValueError("not an ISO 3166 alpha-2 country code such as JP or GB")
    return text.upper()


def _organisation(text: str, session: Session) -> int:
    """Read an organisation's number, or its name or alias (a merged one leads to the survivor)."""
    if text.isascii() and text.isdigit():
        if len(text) > 9 or session.get(Organisation, int(text)) is None:
            raise ValueError(f"no organisation has the number {text}")
        return int(text)
    directory = Directory.load(session=session)
    found = directory.find(text)
    if found is None:
        raise ValueError(directory.unknown_message(text))
    return found.id


def _period(kinds: str) -> Callable[[str, Session], str]:
    def read(text: str, _session: Session) -> str:
        try:
            found = parse_period(text, kinds if len(kinds) == 1 else None)
        except PeriodError as error:
            raise ValueError(str(error)) from None
        if found.kind not in kinds:
            raise ValueError("write a quarter (2025-Q3) or a half (2025-H1)")
        return str(found)

    return read


# --- the parameters the endpoints share ---------------------------------------------------

def integer(name: str, description: str, low: int = 1, high: int = 2**31 - 1, *, where: str = "query",
            default: int | None = None, required: bool = False) -> Param:
    """Return a whole-number parameter between low and high."""
    return Param(name, description, {"type": "integer", "minimum": low, "maximum": high}, _integer(low, high), where,
                 required, default)


def choice(name: str, description: str, values: Sequence[str], default: str | None = None, *,
           where: str = "query") -> Param:
    """Return a parameter that takes one of a few words."""
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if default is not None:
        schema["default"] = default
    return Param(name, description, schema, _choice(values), where, where == "path", default)


def day(name: str, description: str) -> Param:
    """Return a date parameter (2025-03-31)."""
    return Param(name, description, {"type": "string", "format": "date"}, _day)


def dates(prefix: str, what: str) -> tuple[Param, Param]:
    """Return the pair `PREFIX_from` and `PREFIX_to`: only records whose date is within them (both included)."""
    return (day(f"{prefix}_from", f"only {what} on or after this date"),
            day(f"{prefix}_to", f"only {what} on or before this date"))


def text(name: str, description: str, longest: int) -> Param:
    """Return a parameter taken as it is written (a ref, part of a name)."""
    return Param(name, description, {"type": "string", "minLength": 1, "maxLength": longest}, lambda value, _s: value)


def organisation(name: str, description: str) -> Param:
    """Return a parameter naming an organisation by number, name or alias."""
    return Param(name, f"{description}: the organisation's number, or its name or an alias (any case)",
                 {"type": "string", "minLength": 1, "maxLength": 200}, _organisation)


def period(description: str, kinds: str, pattern: str, *, where: str = "path") -> Param:
    """Return the `period` parameter: a quarter (kinds "Q"), a half ("H") or either ("QH")."""
    return Param("period", description, {"type": "string", "pattern": pattern}, _period(kinds), where, where == "path")


def year(description: str = "only records for this calendar year") -> Param:
    """Return the `year` parameter."""
    return integer("year", description, FIRST_YEAR, LAST_YEAR)


PAGE = integer("page", "the page to return, from 1; a page past the last is empty", 1, 1_000_000, default=1)
PER_PAGE = integer("per_page", f"how many items a page holds (at most {MAX_PER_PAGE})", 1, MAX_PER_PAGE,
                   default=DEFAULT_PER_PAGE)
PILLAR = choice("pillar", "only records for this pillar (spec section 1)", PILLARS)
CURRENCY = Param("currency", "only records in this ISO 4217 currency (any case)",
                 {"type": "string", "pattern": "^[A-Za-z]{3}$"}, _currency)
COUNTRY = Param("country", "only organisations of this country (ISO 3166 alpha-2, any case)",
                {"type": "string", "pattern": "^[A-Za-z]{2}$"}, _country)
PROVINCE = choice("province", "only records for this province (ISO 3166-2:LA code) or `national`",
                  [p.code for p in PROVINCES] + [NATIONAL])
SUPPORT = choice("support", "only cash or only in-kind support", SUPPORT_KINDS)
KIND = choice("kind", "only organisations of this kind", ORGANISATION_KINDS)
UPDATED_SINCE = Param(
    "updated_since", "only records created or changed (their lines and amendments included) at or after this "
    "moment: a date (midnight UTC) or an ISO 8601 date and time; a time without a zone is UTC",
    {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}, _moment)
RECORD_STATUS = choice("status", "active records (the default), cancelled ones (entered in error), or all",
                       ("active", "cancelled", "all"), "active")
