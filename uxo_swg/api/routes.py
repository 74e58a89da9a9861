"""The read-only JSON API under /api/v1/: records, summaries and reports, with a token's user's rights."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user
from sqlmodel import Session

from ..domain.counting import PILLARS
from ..models import Commitment, Disbursement, Organisation, Pledge, Requirement
from ..organisations.routes import EDITORS as ORGANISATION_EDITORS
from ..pledges.routes import EDITORS
from ..summaries import services as summary_services
from . import records, reports, summaries  # noqa: F401  (reports: registers the report endpoints)
from .endpoints import api, no_such
from .openapi import openapi_document
from .params import (
    COUNTRY, CURRENCY, KIND, PILLAR, PROVINCE, RECORD_STATUS, SUPPORT, UPDATED_SINCE, Param, choice, dates, integer, organisation,
    period, text, year,
)

bp = api.bp


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(api))


def _one_record(model: Any, what: str, response: str, summary: str, roles: tuple[str, ...]) -> None:
    """Declare the endpoint that shows one record, as its list shows it: /pledges/<pledge_id>."""
    number = f"{what}_id"

    def one(args: dict[str, Any], *, session: Session) -> dict[str, Any]:
        found = records.get_record(model, args[number], session=session)
        if found is None:
            raise no_such(what, args[number])
        return found

    one.__name__ = f"{what}_one"  # the endpoint: api.pledge_one
    api.get(f"/{what}s/<{number}>", summary=summary, tag="organisations" if model is Organisation else "records",
            response=response, roles=roles, params=(integer(number, f"the {what}'s number", where="path"),))(one)


DONOR = organisation("donor", "only records of this donor (for allocations, the pooled fund)")
RECIPIENT = organisation("recipient", "only records whose recipient is this organisation")
REF = text("ref", "only the record with this ref", 60)


# --- organisations -------------------------------------------------------------------------

@api.get("/organisations", summary="Organisations: donors, channels, pooled funds and operators", tag="organisations",
         response="Organisation", roles=ORGANISATION_EDITORS, paged=True, params=(
             KIND, COUNTRY,
             text("name", "only organisations whose name or an alias contains this text (any case)", 200),
             choice("include_merged", "also organisations merged into another", ("true", "false"), "false"),
             UPDATED_SINCE))
def organisations(args: dict[str, Any], *, session: Session):
    return records.list_organisations({**args, "include_merged": args["include_merged"] == "true"}, session=session)


_one_record(Organisation, "organisation", "Organisation", "One organisation", ORGANISATION_EDITORS)


# --- pledges, agreements, disbursements, requirements ---------------------------------------

@api.get("/pledges", summary="Pledges with their yearly lines", tag="records", response="Pledge", roles=EDITORS,
         paged=True, params=(DONOR, RECIPIENT, year("only pledges with a line for this year"),
                             PILLAR.described("only pledges with a line for this pillar"), CURRENCY, REF,
                             *dates("announced", "pledges announced"), RECORD_STATUS, UPDATED_SINCE))
def pledges(args: dict[str, Any], *, session: Session):
    return records.list_pledges(args, session=session)


_one_record(Pledge, "pledge", "Pledge", "One pledge with its yearly lines", EDITORS)


@api.get("/agreements", summary="Signed agreements with their yearly lines and amendments", tag="records",
         response="Agreement", roles=EDITORS, paged=True, params=(
             DONOR, RECIPIENT, year("only agreements with a line, or a live amendment, for this year"),
             PILLAR.described("only agreements with a line, or a live amendment, for this pillar"), CURRENCY, SUPPORT,
             REF, integer("pledge", "only agreements made under the pledge with this number"),
             *dates("signed", "agreements signed"), RECORD_STATUS, UPDATED_SINCE))
def agreements(args: dict[str, Any], *, session: Session):
    return records.list_agreements(args, session=session)


_one_record(Commitment, "agreement", "Agreement", "One agreement with its yearly lines and amendments", EDITORS)


@api.get("/disbursements", summary="Disbursements: money paid by donors and allocated by pooled funds", tag="records",
         response="Disbursement", roles=EDITORS, paged=True, params=(
             DONOR, RECIPIENT, organisation("via", "only money that passed through this channel"),
             year("only disbursements paid in this year"), PILLAR, PROVINCE, CURRENCY, SUPPORT,
             text("agreement_ref", "only disbursements against the agreement with this ref", 60),
             *dates("paid", "disbursements paid"), RECORD_STATUS, UPDATED_SINCE))
def disbursements(args: dict[str, Any], *, session: Session):
    return records.list_disbursements(args, session=session)


_one_record(Disbursement, "disbursement", "Disbursement", "One disbursement", EDITORS)


@api.get("/requirements", summary="Requirements: the costed needs of the national work plan", tag="records",
         response="Requirement", roles=EDITORS, paged=True, params=(
             year("only requirements for this year"), PILLAR, CURRENCY,
             choice("status", "current requirements (the default), superseded ones, cancelled ones, or all",
                    ("current", "superseded", "cancelled", "all"), "current"), UPDATED_SINCE))
def requirements(args: dict[str, Any], *, session: Session):
    return records.list_requirements(args, session=session)


_one_record(Requirement, "requirement", "Requirement", "One requirement", EDITORS)


# --- summaries -----------------------------------------------------------------------------

def _version(text: str, _session: Session) -> str | int:
    if text in ("draft", "latest"):
        return text
    if text.isascii() and text.isdigit() and len(text) < 10 and int(text) > 0:
        return int(text)
    raise ValueError("use latest, draft, or a version number (1, 2 ...)")


VERSION = Param("version", "`latest` (the default): the latest published version; a number: that published version; "
                "`draft`: the live figures, computed now, for the users who may read the draft on the web",
                {"type": "string", "pattern": "^(draft|latest|[1-9][0-9]{0,8})$", "default": "latest"}, _version,
                default="latest")


@api.get("/summaries", summary="Published summaries, newest period first", tag="summaries",
         response="PublishedSummary", paged=True, params=(
             choice("kind", "only TWG (quarter, one pillar) or SWG (half-year) summaries", ("twg", "swg")),
             period("only summaries of this quarter (2025-Q3) or half (2025-H1)", "QH", "^[0-9]{4}-[QH][1-4]$",
                    where="query"),
             PILLAR.described("only TWG summaries of this pillar")))
def summaries_list(args: dict[str, Any], *, session: Session):
    return summaries.list_published(args, session=session)


@api.get("/summaries/twg/<period>/<pillar>", summary="A TWG summary: one pillar, one quarter", tag="summaries",
         response="Summary", params=(period("the quarter, for example 2025-Q3", "Q", "^[0-9]{4}-Q[1-4]$"),
                                     choice("pillar", "the pillar", PILLARS, where="path"), VERSION))
def summary_twg(args: dict[str, Any], *, session: Session):
    scope = summary_services.scope_of("twg", args["period"], args["pillar"])
    return summaries.summary(scope, args["version"], current_user, session=session)


@api.get("/summaries/swg/<period>", summary="An SWG summary: every pillar, one half-year", tag="summaries",
         response="Summary", params=(period("the half, for example 2025-H1", "H", "^[0-9]{4}-H[12]$"), VERSION))
def summary_swg(args: dict[str, Any], *, session: Session):
    scope = summary_services.scope_of("swg", args["period"])
    return summaries.summary(scope, args["version"], current_user, session=session)
