"""What a summary's figure keys (`provinces|LA-XE|disbursed_ytd`) say in the working group's words."""
from __future__ import annotations

from .exports import PILLAR_NAMES, PROVINCE_NAMES

TABLES = {
    "totals": "Totals", "national": "National contribution", "pillars": "Pillar", "donors": "Donor",
    "operators": "Operator", "provinces": "Province", "pooled_funds": "Pooled fund", "funds": "Pooled fund",
    "trend": "Trend", "results": "Results", "outputs": "Outputs",
}
MEASURES = {
    "requirement": "requirement", "pledged": "pledged for the year", "pledged_in_period": "pledged in the period",
    "committed": "committed", "committed_for_year": "committed for the year", "disbursed": "disbursed",
    "disbursed_ytd": "disbursed, year to date", "spent": "spent", "coverage": "coverage",
    "pledge_coverage": "pledge coverage", "gap": "gap", "unmet": "not yet committed", "national": "national contribution",
    "pledged_multi_year": "pledged, multi-year", "pledged_ccm": "pledged, CCM-specific",
    "via_pooled_funds": "through pooled funds", "in_kind": "in kind", "received": "received", "allocated": "allocated",
    "balance": "balance held", "received_national": "received from the government", "received_by": "received from",
    "allocated_pillar": "allocated to the pillar", "allocated_to": "allocated to", "value": "value",
    "ytd": "year to date", "province": "in the province", "women": "women", "men": "men", "girls": "girls",
    "boys": "boys", "with_disability": "with disability",
}


def figure_label(key: str) -> str:
    """Return a figure key as a reader says it: `Province · Xekong · disbursed, year to date`."""
    table, *rest = key.split("|")
    words = [TABLES.get(table, table)]
    for part in rest:
        words.append(PILLAR_NAMES.get(part) or PROVINCE_NAMES.get(part) or MEASURES.get(part) or part)
    return " · ".join(words)
