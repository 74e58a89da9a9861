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

from .params import FIRST_YEAR, LAST_YEAR, choice, integer

#: The calendar year a report is for (required).
REPORT_YEAR = integer("year", "the calendar year the report is for", FIRST_YEAR, LAST_YEAR, required=True)
#: How the Monitor's report converts currencies (spec section 9).
REPORT_RATES = choice("rates", "value-date (the default): each amount at the rate of its own date (rule 1); "
                      "annual-average: at the mean of the year's rates for its currency",
                      ("value-date", "annual-average"), "value-date")
