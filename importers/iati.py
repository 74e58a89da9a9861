"""Reading an IATI activities file (versions 2.01 to 2.03) into plain activities: parsing only, no rules.

The XML is parsed by lxml with entities left unresolved, no DTD loaded and no network;
a file that declares a DTD or entities (billion laughs, external entities), is larger
than the upload limit, is not well-formed, or is not an IATI activities file of a
version read here is refused with a sentence saying so. Values that cannot be read (a
date or an amount) are kept as problems on their transaction: whether that matters
depends on whether the transaction is one the application wants (uxo_swg/domain/iati.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from uxo_swg.domain.messages import N_, Explained, Said

from .workbook import MAX_FILE_BYTES

VERSIONS = ("2.01", "2.02", "2.03")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


DTD_REFUSED = N_("the file declares a DTD or entities (<!DOCTYPE ...>, <!ENTITY ...>), which IATI files never do: it is "
               "refused unread, because such entities can expand without limit (\"billion laughs\") or read other files")


class IatiRejected(Explained, ValueError):
    """A file refused before any of it is used, with a sentence the sender can act on."""


@dataclass(frozen=True)
class Org:
    """An organisation as a file names it: its IATI identifier (ref), name and, for a participant, its role."""

    ref: str = ""
    name: str = ""
    role: str = ""
    activity_id: str = ""  # provider-activity-id / receiver-activity-id

    def __bool__(self) -> bool:
        return bool(self.ref or self.name)

    def label(self) -> str:
        """Return the name, with the ref in brackets when there is one."""
        if self.ref and self.name:
            return f"{self.name} ({self.ref})"
        return self.name or self.ref


@dataclass(frozen=True)
class Sector:
    """A sector code in a vocabulary (1: DAC 5-digit, 2: DAC 3-digit, 98/99: the reporting organisation's)."""

    vocabulary: str
    code: str
    percentage: Decimal | None = None


@dataclass(frozen=True)
class Budget:
    """A budget of the activity for a period."""

    start: date | None
    end: date | None
    value: Decimal | None
    currency: str
    type: str  # 1 original, 2 revised


@dataclass(frozen=True)
class Transaction:
    """A transaction as written, with its currency resolved against the activity's default."""

    number: int  # 1-based, in the order of the activity
    line: int  # where it starts in the file
    ref: str
    type: str
    on: date | None
    value: Decimal | None
    currency: str
    value_date: date | None
    description: str
    provider: Org
    receiver: Org
    sectors: tuple[Sector, ...] = ()
    countries: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass
class Activity:
    """One iati-activity of the file."""

    identifier: str
    line: int
    title: str = ""
    reporting_org: Org = Org()
    other_identifiers: list[tuple[str, str]] = field(default_factory=list)  # (ref, type)
    participants: list[Org] = field(default_factory=list)
    countries: list[tuple[str, Decimal | None]] = field(default_factory=list)
    sectors: list[Sector] = field(default_factory=list)
    locations: list[tuple[str, str]] = field(default_factory=list)  # (ref, name)
    dates: dict[str, date] = field(default_factory=dict)  # activity-date type -> date
    budgets: list[Budget] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    default_currency: str = ""


@dataclass
class IatiFile:
    """The activities of a file and its version."""

    version: str
    activities: list[Activity]


def read_activities(data: bytes, max_bytes: int = MAX_FILE_BYTES) -> IatiFile:
    """Return the file's activities, or raise IatiRejected saying why the file is refused."""
    if len(data) > max_bytes:
        raise IatiRejected(N_("the file is {size} MB; files up to {limit} MB are read: split it, or send the activities "
                              "for Lao PDR only"), size=f"{len(data) / 1_048_576:.1f}", limit=f"{max_bytes / 1_048_576:.0f}")
    if not data.strip():
        raise IatiRejected(N_("the file is empty: an IATI activities file (XML) was expected"))
    if _declares_dtd(data):
        raise IatiRejected(DTD_REFUSED)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise IatiRejected(N_("the file is not well-formed XML ({error}): nothing was read"), error=_syntax(error)) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise IatiRejected(DTD_REFUSED)
    if root.tag != "iati-activities":
        raise IatiRejected(N_("the file's root element is <{tag}>, not <iati-activities>: it is not an IATI activities "
                              "file"), tag=_tag(root))
    version = (root.get("version") or "").strip()
    if version not in VERSIONS:
        raise IatiRejected(N_("the file is IATI version {version}; versions {versions} are read: ask the publisher for "
                              "a 2.0x file"), version=version or "(not given)", versions=", ".join(VERSIONS))
    return IatiFile(version, [_activity(el) for el in root.iterchildren("iati-activity")])


def _declares_dtd(data: bytes) -> bool:
    """Return whether the file declares a DTD or entities, in UTF-8 or UTF-16 (looked for before any parsing)."""
    return any(word.encode(codec) in data for word in ("<!DOCTYPE", "<!ENTITY")
               for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def _syntax(error: etree.XMLSyntaxError) -> str:
    line = f"line {error.lineno}: " if error.lineno else ""
    return line + (error.msg or "unreadable").strip()


def _tag(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else "?"


def _text(el: etree._Element | None) -> str:
    """Return an element's narrative (the English one when there are several), or its own text."""
    if el is None:
        return ""
    narratives = list(el.iterchildren("narrative"))
    if not narratives:
        return (el.text or "").strip()
    english = [n for n in narratives if (n.get(XML_LANG) or "en").lower().startswith("en")]
    return " ".join((n.text or "").strip() for n in (english or narratives)[:1])


def _org(el: etree._Element | None, id_attribute: str = "") -> Org:
    if el is None:
        return Org()
    return Org(ref=(el.get("ref") or "").strip(), name=_text(el), role=(el.get("role") or "").strip(),
               activity_id=(el.get(id_attribute) or "").strip() if id_attribute else "")


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _percentage(el: etree._Element) -> Decimal | None:
    return _decimal(el.get("percentage")) if el.get("percentage") is not None else None


def _activity(el: etree._Element) -> Activity:
    activity = Activity(identifier=(el.findtext("iati-identifier") or "").strip(), line=el.sourceline or 0,
                        default_currency=(el.get("default-currency") or "").strip().upper())
    activity.title = _text(el.find("title"))
    activity.reporting_org = _org(el.find("reporting-org"))
    for other in el.iterchildren("other-identifier"):
        activity.other_identifiers.append(((other.get("ref") or "").strip(), (other.get("type") or "").strip()))
    activity.participants = [_org(p) for p in el.iterchildren("participating-org")]
    for country in el.iterchildren("recipient-country"):
        activity.countries.append(((country.get("code") or "").strip().upper(), _percentage(country)))
    activity.sectors = [_sector(s) for s in el.iterchildren("sector")]
    for location in el.iterchildren("location"):
        activity.locations.append(((location.get("ref") or "").strip(), _text(location.find("name"))))
    for when in el.iterchildren("activity-date"):
        day = _date(when.get("iso-date"))
        if day is not None:
            activity.dates[(when.get("type") or "").strip()] = day
    for budget in el.iterchildren("budget"):
        value = budget.find("value")
        activity.budgets.append(Budget(
            _date(budget.find("period-start").get("iso-date")) if budget.find("period-start") is not None else None,
            _date(budget.find("period-end").get("iso-date")) if budget.find("period-end") is not None else None,
            _decimal(value.text) if value is not None else None,
            ((value.get("currency") if value is not None else None) or activity.default_currency).strip().upper(),
            (budget.get("type") or "1").strip()))
    for number, tx in enumerate(el.iterchildren("transaction"), start=1):
        activity.transactions.append(_transaction(tx, number, activity.default_currency))
    return activity


def _sector(el: etree._Element) -> Sector:
    return Sector((el.get("vocabulary") or "1").strip(), (el.get("code") or "").strip(), _percentage(el))


def _transaction(el: etree._Element, number: int, default_currency: str) -> Transaction:
    problems = []
    type_el, date_el, value_el = el.find("transaction-type"), el.find("transaction-date"), el.find("value")
    on = _date(date_el.get("iso-date")) if date_el is not None else None
    if on is None:
        problems.append(Said(N_("transaction-date {text} is not a date (YYYY-MM-DD)"),
                             text=repr(date_el.get("iso-date") if date_el is not None else "(missing)")))
    value = _decimal(value_el.text) if value_el is not None else None
    if value is None:
        problems.append(Said(N_("value {text} is not a number"),
                             text=repr((value_el.text or "").strip() if value_el is not None else "(missing)")))
    currency = ((value_el.get("currency") if value_el is not None else None) or default_currency).strip().upper()
    if not currency:
        problems.append(Said(N_("the value has no currency and the activity no default-currency")))
    return Transaction(
        number=number, line=el.sourceline or 0, ref=(el.get("ref") or "").strip(),
        type=(type_el.get("code") or "").strip() if type_el is not None else "",
        on=on, value=value, currency=currency,
        value_date=_date(value_el.get("value-date")) if value_el is not None else None,
        description=_text(el.find("description")),
        provider=_org(el.find("provider-org"), "provider-activity-id"),
        receiver=_org(el.find("receiver-org"), "receiver-activity-id"),
        sectors=tuple(_sector(s) for s in el.iterchildren("sector")),
        countries=tuple((c.get("code") or "").strip().upper() for c in el.iterchildren("recipient-country")),
        problems=tuple(problems))
