"""IATI 2.03 activities XML from the register's records, checked against the schema kept in the repository."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from lxml import etree
from sqlmodel import Session, select

from ..domain.money import minor_units
from ..domain.reference import PILLARS, PROVINCES
from ..models import Organisation, OrganisationAlias
from .records import ActivityRecord, Tx, activity_records
from .services import ReportingOrg

SCHEMA = Path(__file__).resolve().parent / "schema" / "2.03" / "iati-activities-schema.xsd"
MINE_ACTION = "15250"  # DAC 5-digit: removal of land mines and explosive remnants of war
PILLAR_NAMES = {p.code: p.name_en for p in PILLARS}
PROVINCE_NAMES = {p.code: p.name_en for p in PROVINCES}
# IATI OrganisationType by the register's kinds (none where the kind does not say: a national operator may be either).
ORG_TYPES = {"donor": "10", "government": "10", "multilateral": "40", "pooled-fund": "40", "ngo": "21",
             "commercial": "70", "foundation": "60"}
IATI_ORG_ID = re.compile(r"^[A-Z]{2}-[A-Z0-9]+-\S+$")  # XM-DAC-41114, GB-GOV-1, NO-BRC-971277882
UNSAFE_ID = re.compile(r"[^A-Za-z0-9._\-]")


class ExportRefused(ValueError):
    """An export that cannot be made, with the reason."""


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    """Return the IATI 2.03 activities schema, read from the repository (never the network)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMA), parser))


def schema_errors(xml: bytes) -> list[str]:
    """Return the schema's complaints about an activities file (none when it validates)."""
    document = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    checker = schema()
    if checker.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in checker.error_log]


def export_activities(*, session: Session, reporting: ReportingOrg | None, year: int | None = None,
                      now: datetime | None = None) -> tuple[bytes, list[ActivityRecord]]:
    """Return the IATI 2.03 file of the register's records (of the year, when given) and the activities in it."""
    if reporting is None:
        raise ExportRefused("the reporting organisation's IATI identifier and name are not set: an admin sets them "
                            "under Admin, IATI")
    now = now or datetime.now(timezone.utc)
    records = activity_records(session=session, year=year)
    orgs = _organisations(session=session)
    root = etree.Element("iati-activities", version="2.03", **{"generated-datetime": _stamp(now)})
    for record in records:
        root.append(_activity(record, reporting, orgs, now))
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    problems = schema_errors(xml)
    if problems:  # a defect of this module, never of the data: say so rather than write an invalid file
        raise ExportRefused("the file made does not validate against IATI 2.03: " + "; ".join(problems[:5]))
    return xml, records


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _organisations(*, session: Session) -> dict[int, tuple[str, str, str]]:
    """Return name, IATI identifier (an alias shaped like one) and IATI type of every organisation, by id."""
    refs: dict[int, str] = {}
    for alias in session.exec(select(OrganisationAlias).order_by(OrganisationAlias.id)).all():
        if IATI_ORG_ID.match(alias.alias.strip()):
            refs.setdefault(alias.organisation_id, alias.alias.strip())
    return {o.id: (o.name, refs.get(o.id, ""), ORG_TYPES.get(o.kind, "")) for o in session.exec(select(Organisation)).all()}


def _narrative(parent: etree._Element, tag: str, text: str, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, **attrs)
    etree.SubElement(el, "narrative").text = text
    return el


def _org(parent: etree._Element, tag: str, orgs: dict, org_id: int | None, **attrs: str) -> None:
    if org_id is None:
        return
    name, ref, kind = orgs[org_id]
    attrs = {**attrs, **({"ref": ref} if ref else {}), **({"type": kind} if kind else {})}
    _narrative(parent, tag, name, **attrs)


def _value(parent: etree._Element, tag: str, amount: Decimal, currency: str, on: date) -> None:
    places = minor_units(currency)
    el = etree.SubElement(parent, tag, currency=currency, **{"value-date": on.isoformat()})
    el.text = f"{amount.quantize(Decimal(1).scaleb(-places)):f}"


def _activity(record: ActivityRecord, reporting: ReportingOrg, orgs: dict, now: datetime) -> etree._Element:
    today = now.date()
    activity = etree.Element("iati-activity", **{"last-updated-datetime": _stamp(now), "default-currency": record.currency,
                                                 "{http://www.w3.org/XML/1998/namespace}lang": "en"})
    etree.SubElement(activity, "iati-identifier").text = f"{reporting.ref}-{UNSAFE_ID.sub('-', record.key)}"
    _narrative(activity, "reporting-org", reporting.name, ref=reporting.ref, type=reporting.type)
    donor, recipient = orgs[record.donor_id][0], orgs[record.recipient_id][0] if record.recipient_id else ""
    _narrative(activity, "title", f"{record.title}: {donor}" + (f" to {recipient}" if recipient else "")
               + " (UXO action in Lao PDR)")
    _narrative(activity, "description", record.notes or f"{record.title}, as the UXO Sector Working Group records it.",
               type="1")
    _org(activity, "participating-org", orgs, record.donor_id, role="1")
    _org(activity, "participating-org", orgs, record.donor_id, role="3")
    _org(activity, "participating-org", orgs, record.recipient_id, role="4")
    if record.own_ref:
        other = etree.SubElement(activity, "other-identifier", ref=record.own_ref, type="A1")
        _narrative(other, "owner-org", reporting.name, ref=reporting.ref)
    ended = record.ended_on or (record.end_on if record.end_on < today else None)
    status = "1" if record.kind == "pledge" or record.start_on > today else "4" if ended else "2"
    etree.SubElement(activity, "activity-status", code=status)
    etree.SubElement(activity, "activity-date", type="1", **{"iso-date": record.start_on.isoformat()})
    if record.start_on <= today and record.kind != "pledge":
        etree.SubElement(activity, "activity-date", type="2", **{"iso-date": record.start_on.isoformat()})
    etree.SubElement(activity, "activity-date", type="3", **{"iso-date": record.end_on.isoformat()})
    if ended and record.kind != "pledge":
        etree.SubElement(activity, "activity-date", type="4", **{"iso-date": ended.isoformat()})
    etree.SubElement(activity, "recipient-country", code="LA", percentage="100")
    for code in sorted(record.provinces):
        location = etree.SubElement(activity, "location", ref=code)
        etree.SubElement(location, "location-reach", code="1")
        _narrative(location, "name", PROVINCE_NAMES.get(code, code))
        etree.SubElement(location, "location-class", code="1")  # an administrative region
        etree.SubElement(location, "feature-designation", code="ADM1")
    if not record.transactions:  # sectors on the activity; otherwise on each transaction (never both, as IATI asks)
        _sectors(activity, record.pillars)
    for (year, kind), amount in sorted(record.budgets.items()):
        budget = etree.SubElement(activity, "budget", type=kind, status="1" if record.kind == "pledge" else "2")
        etree.SubElement(budget, "period-start", **{"iso-date": f"{year}-01-01"})
        etree.SubElement(budget, "period-end", **{"iso-date": f"{year}-12-31"})
        _value(budget, "value", amount, record.currency, date(year, 1, 1))
    for tx in sorted(record.transactions, key=lambda t: (t.on, t.type, t.ref)):
        _transaction(activity, tx, orgs)
    return activity


def _sectors(parent: etree._Element, pillars: dict[str, Decimal]) -> None:
    etree.SubElement(parent, "sector", vocabulary="1", code=MINE_ACTION, percentage="100")
    whole = sum(pillars.values(), Decimal(0))
    shares = [(p, (a / whole * 100).quantize(Decimal("0.01"))) for p, a in pillars.items() if whole]
    if shares:  # the last takes what rounding left, so the vocabulary sums to 100
        shares[-1] = (shares[-1][0], Decimal(100) - sum((s for _, s in shares[:-1]), Decimal(0)))
    for pillar, share in shares:
        _narrative(parent, "sector", PILLAR_NAMES.get(pillar, pillar), vocabulary="99", code=pillar, percentage=f"{share:f}")


def _transaction(parent: etree._Element, tx: Tx, orgs: dict) -> None:
    el = etree.SubElement(parent, "transaction", ref=tx.ref)
    etree.SubElement(el, "transaction-type", code=tx.type)
    etree.SubElement(el, "transaction-date", **{"iso-date": tx.on.isoformat()})
    _value(el, "value", tx.amount, tx.currency, tx.value_date)
    if tx.description:
        _narrative(el, "description", tx.description)
    _org(el, "provider-org", orgs, tx.provider_id)
    _org(el, "receiver-org", orgs, tx.receiver_id)
    etree.SubElement(el, "sector", vocabulary="1", code=MINE_ACTION)
    if tx.pillar:
        _narrative(el, "sector", PILLAR_NAMES.get(tx.pillar, tx.pillar), vocabulary="99", code=tx.pillar)
