"""The reports the API serves at /api/v1/reports/NAME: one decorated function each.

A report is declared like this (the JSON schema is what the report returns; OpenAPI, the
route, the rights and the parameter checks all come from the declaration):

    @api.report("article7", summary="The treaty report's resource tables (spec section 9)",
                response=ARTICLE7_SCHEMA, params=(REPORT_YEAR,), roles=EDITORS)
    def article7(args, *, session):
        return article7_document(args["year"], session=session)

`args` holds the parsed parameters; raise `ApiError(400, "...", "year")` for a value the
report cannot use. Add the endpoint (`api.article7`) to the route table of test_security.
"""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ..reports.routes import READERS
from ..reports.services import article7_report, monitor_report
from ..summaries import services as summary_services
from .endpoints import api
from .params import FIRST_YEAR, LAST_YEAR, choice, integer

#: The calendar year a report is for (required).
REPORT_YEAR = integer("year", "the calendar year the report is for", FIRST_YEAR, LAST_YEAR, required=True)
#: How the Monitor's report converts currencies (spec section 9).
REPORT_RATES = choice("rates", "value-date (the default): each amount at the rate of its own date (rule 1); "
                      "annual-average: at the mean of the year's rates for its currency",
                      ("value-date", "annual-average"), "value-date")


_MONEY = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
_ROWS = {"type": "array", "items": {"type": "object"}}
ARTICLE7 = {"type": "object", "required": ["year", "international", "national", "totals"],
            "properties": {"year": {"type": "integer"}, "international": _ROWS, "national": _ROWS,
                           "totals": {"type": "object", "required": ["international_usd", "national_usd", "in_kind_usd"],
                                      "properties": {"international_usd": _MONEY, "national_usd": _MONEY,
                                                     "in_kind_usd": _MONEY}}}}
MONITOR = {"type": "object", "required": ["year", "rates", "rows", "total_usd"],
           "properties": {"year": {"type": "integer"}, "rates": {"type": "string", "enum": ["value-date", "annual-average"]},
                          "rows": _ROWS, "total_usd": _MONEY}}


@api.report("article7", summary="The treaty report's resource tables for a calendar year (spec section 9)",
            response=ARTICLE7, params=(REPORT_YEAR,), roles=READERS)
def report_article7(args: dict[str, Any], *, session: Session) -> dict[str, Any]:
    return article7_report(args["year"], session=session)


@api.report("monitor", summary="Support by donor in its national currency and USD, the Monitor's way (spec section 9)",
            response=MONITOR, params=(REPORT_YEAR, REPORT_RATES), roles=READERS)
def report_monitor(args: dict[str, Any], *, session: Session) -> dict[str, Any]:
    return monitor_report(args["year"], args["rates"], session=session)


@api.report("year", summary="The annual summary of a calendar year, live (the SWG summary's shape, spec section 7)",
            response="SummaryDocument", params=(REPORT_YEAR,), roles=READERS)
def report_year(args: dict[str, Any], *, session: Session) -> dict[str, Any]:
    doc, _charts = summary_services.draft_summary(summary_services.scope_of("swg", str(args["year"])), session=session)
    return doc
