"""JSON schemas of what the API returns (OpenAPI 3.0), checked against real answers by the schemathesis test."""
from __future__ import annotations

from typing import Any

from ..domain.counting import PILLARS
from ..models import AMENDMENT_CHANGES, ORGANISATION_KINDS, SUPPORT_KINDS


def obj(properties: dict[str, Any], required: list[str] | None = None, *, more: bool = False,
        description: str = "") -> dict[str, Any]:
    """Return an object schema; every property is required unless `required` says which are."""
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": list(properties) if required is None else required,
                              "additionalProperties": more}
    if description:
        schema["description"] = description
    return schema


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Return the schema with null allowed."""
    return {**schema, "nullable": True}


def array(items: dict[str, Any]) -> dict[str, Any]:
    """Return an array schema."""
    return {"type": "array", "items": items}


def ref(name: str) -> dict[str, Any]:
    """Return a reference to a schema of the components."""
    return {"$ref": f"#/components/schemas/{name}"}


INTEGER = {"type": "integer"}
TEXT = {"type": "string"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
MOMENT = {"type": "string", "format": "date-time"}
PILLAR = {"type": "string", "enum": list(PILLARS)}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}
AMOUNT = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{2,3})?$",
          "description": "an exact amount with the currency's own decimals (JPY 0, USD 2, KWD 3), as text"}
USD = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "description": "US dollars with two decimals, as text"}
RATIO = nullable({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{4}$",
                  "description": "a share with four decimals (0.5312), null where there is nothing to divide by"})
ORGANISATION_REF = obj({"id": INTEGER, "name": TEXT})
RECORD_REF = obj({"id": INTEGER, "ref": TEXT})
LINE = obj({"year": INTEGER, "pillar": PILLAR, "amount": AMOUNT})


def record(properties: dict[str, Any], statuses: tuple[str, ...] | None = ("active", "cancelled")) -> dict[str, Any]:
    """Return the schema of a stored record: its own fields and the ones every record has (a status if it has one)."""
    status = {"status": {"type": "string", "enum": list(statuses)}, "cancelled_at": nullable(MOMENT)} if statuses else {}
    return obj({"id": INTEGER, **properties, **status, "version": INTEGER, "created_at": MOMENT,
                "updated_at": {**MOMENT, "description": "when it was last created or changed (lines, amendments "
                                                        "included), from the audit log"}})


ORGANISATION = record({
    "name": TEXT, "kind": {"type": "string", "enum": list(ORGANISATION_KINDS)}, "country": nullable(TEXT),
    "aliases": array(TEXT), "ccm_state_party": nullable(BOOLEAN),
    "fiscal_year_start": nullable({"type": "integer", "minimum": 1, "maximum": 12}), "contact": nullable(TEXT),
    "merged_into": nullable(INTEGER)}, statuses=None)
PLEDGE = record({
    "ref": TEXT, "donor": ORGANISATION_REF, "recipient": nullable(ORGANISATION_REF), "announced_on": DATE,
    "announced_at": TEXT, "currency": CURRENCY, "ccm_specific": BOOLEAN, "notes": TEXT, "total": AMOUNT,
    "lines": array(LINE)})
AMENDMENT = obj({
    "id": INTEGER, "amended_on": DATE, "change": {"type": "string", "enum": list(AMENDMENT_CHANGES)}, "year": INTEGER,
    "pillar": nullable(PILLAR), "amount": nullable(AMOUNT), "new_end": nullable(DATE), "notes": TEXT,
    "status": {"type": "string", "enum": ["active", "cancelled"]}, "cancelled_at": nullable(MOMENT)})
AGREEMENT = record({
    "ref": TEXT, "pledge": nullable(RECORD_REF), "donor": ORGANISATION_REF, "recipient": ORGANISATION_REF,
    "signed_on": DATE, "start_on": DATE, "end_on": DATE, "currency": CURRENCY,
    "support": {"type": "string", "enum": list(SUPPORT_KINDS)}, "notes": TEXT,
    "signed_total": AMOUNT, "current_total": {**AMOUNT, "description": "the lines after every live amendment"},
    "current_end": DATE, "terminated_on": nullable(DATE), "lines": array(LINE), "amendments": array(AMENDMENT)})
DISBURSEMENT = record({
    "agreement_ref": nullable(TEXT), "agreement": nullable(RECORD_REF), "pledge": nullable(RECORD_REF),
    "donor": ORGANISATION_REF, "recipient": ORGANISATION_REF, "via": nullable(ORGANISATION_REF), "paid_on": DATE,
    "pillar": PILLAR, "province": nullable(TEXT), "amount": AMOUNT, "currency": CURRENCY,
    "support": {"type": "string", "enum": list(SUPPORT_KINDS)}, "notes": TEXT})
REQUIREMENT = record({
    "year": INTEGER, "pillar": PILLAR, "amount": AMOUNT, "currency": CURRENCY, "source": TEXT,
    "superseded_by": nullable(INTEGER)}, statuses=("current", "superseded", "cancelled"))

# --- the summary JSON of spec section 7 (published versions keep what was computed then: extra keys allowed)

_FIGURES = ("requirement", "pledged", "pledged_in_period", "committed", "committed_for_year", "disbursed",
            "disbursed_ytd", "spent")
_PILLAR_ROW = {"pillar": PILLAR, **{m: USD for m in _FIGURES}, "coverage": RATIO, "pledge_coverage": RATIO,
               "gap": USD, "unmet": USD}
_SPEC_PILLAR = ["pillar", "requirement", "pledged", "committed", "committed_for_year", "disbursed", "disbursed_ytd",
                "spent", "coverage", "gap", "unmet"]
_SPEC_TOTALS = ["requirement", "pledged", "pledged_in_period", "committed", "committed_for_year", "disbursed",
                "disbursed_ytd", "spent", "national", "coverage", "pledge_coverage", "gap", "unmet"]
_NULLABLE_USD = nullable(USD)
_PEOPLE = nullable({"type": "integer", "minimum": 0})
SUMMARY_DOCUMENT = obj({
    "kind": {"type": "string", "enum": ["twg", "swg"]}, "period": TEXT, "pillar": PILLAR,
    "currency": {"type": "string", "enum": ["USD"]},
    "totals": obj({**{k: v for k, v in _PILLAR_ROW.items() if k != "pillar"}, "national": USD}, _SPEC_TOTALS, more=True),
    "national": obj({m: USD for m in _FIGURES}, ["pledged", "committed", "committed_for_year", "disbursed",
                                                 "disbursed_ytd", "spent"], more=True),
    "pillars": array(obj(_PILLAR_ROW, _SPEC_PILLAR, more=True)),
    "donors": array(obj({"donor": TEXT, **{m: USD for m in ("pledged", "committed", "disbursed", "via_pooled_funds",
                                                            "in_kind")}}, more=True)),
    "operators": array(obj({"operator": TEXT, "received": USD, "spent": USD}, more=True)),
    "provinces": array(obj({"province": TEXT, "disbursed": USD, "spent": USD}, more=True)),
    "pooled_funds": array(obj({
        "fund": TEXT, "received": USD, "allocated": USD, "balance": _NULLABLE_USD,
        "received_by_donor": array(obj({"donor": TEXT, "amount": USD}, more=True)),
        "allocated_by_pillar": array(obj({"pillar": PILLAR, "amount": USD}, more=True))}, more=True)),
    "outputs": array(obj({"pillar": PILLAR, "indicator": TEXT, "value": TEXT, "women": _PEOPLE, "men": _PEOPLE,
                          "girls": _PEOPLE, "boys": _PEOPLE, "with_disability": _PEOPLE}, more=True)),
    "results": array(obj({"pillar": PILLAR, "indicator": TEXT, "value": nullable(TEXT), "spent": _NULLABLE_USD,
                          "cost_per_unit": _NULLABLE_USD, "target": nullable(TEXT), "achieved_share": RATIO}, more=True)),
}, ["kind", "period", "currency", "totals", "national", "pillars", "donors", "operators", "provinces", "pooled_funds"],
    more=True, description="the summary JSON of spec section 7, with the application's extra tables")

SUMMARY = obj({
    "kind": {"type": "string", "enum": ["twg", "swg"]}, "period": TEXT, "pillar": nullable(PILLAR),
    "status": {"type": "string", "enum": ["draft", "published"]},
    "version": nullable(INTEGER), "published_at": nullable(MOMENT), "published_by": nullable(TEXT),
    "narrative": TEXT, "decisions": TEXT, "summary": ref("SummaryDocument")})
PUBLISHED_SUMMARY = obj({
    "kind": {"type": "string", "enum": ["twg", "swg"]}, "period": TEXT, "pillar": nullable(PILLAR), "version": INTEGER,
    "published_at": MOMENT, "published_by": TEXT, "url": TEXT})

ERROR = obj({"error": TEXT, "message": TEXT, "parameter": TEXT}, ["error", "message"],
            description="what went wrong, in a sentence; `parameter` names the parameter to blame")

SCHEMAS: dict[str, dict[str, Any]] = {
    "Organisation": ORGANISATION, "Pledge": PLEDGE, "Agreement": AGREEMENT, "Disbursement": DISBURSEMENT,
    "Requirement": REQUIREMENT, "Summary": SUMMARY, "SummaryDocument": SUMMARY_DOCUMENT,
    "PublishedSummary": PUBLISHED_SUMMARY, "Error": ERROR,
}
