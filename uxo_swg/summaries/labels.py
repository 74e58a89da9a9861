"""What a summary's figure keys (`provinces|LA-XE|disbursed_ytd`) say in the working group's words."""
from __future__ import annotations

from typing import Any, Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..domain.messages import N_
from ..i18n import label_text, language, pillar_name, province_name, quantity_text
from ..domain.results import INDICATORS
from .exports import PILLAR_NAMES, PROVINCE_NAMES

TABLES = {
    "totals": _l("Totals"), "national": _l("National contribution"), "pillars": _l("Pillar"), "donors": _l("Donor"),
    "operators": _l("Operator"), "provinces": _l("Province"), "pooled_funds": _l("Pooled fund"), "funds": _l("Pooled fund"),
    "trend": _l("Trend"), "results": _l("Results"), "outputs": _l("Outputs"),
}
MEASURES = {
    "requirement": _l("requirement"), "pledged": _l("pledged for the year"), "pledged_in_period": _l("pledged in the period"),
    "committed": _l("committed"), "committed_for_year": _l("committed for the year"), "disbursed": _l("disbursed"),
    "disbursed_ytd": _l("disbursed, year to date"), "spent": _l("spent"), "coverage": _l("coverage"),
    "pledge_coverage": _l("pledge coverage"), "gap": _l("gap"), "unmet": _l("not yet committed"), "national": _l("national contribution"),
    "pledged_multi_year": _l("pledged, multi-year"), "pledged_ccm": _l("pledged, CCM-specific"),
    "via_pooled_funds": _l("through pooled funds"), "in_kind": _l("in kind"), "received": _l("received"), "allocated": _l("allocated"),
    "balance": _l("balance held"), "received_national": _l("received from the government"), "received_by": _l("received from"),
    "allocated_pillar": _l("allocated to the pillar"), "allocated_to": _l("allocated to"), "value": _l("value"),
    "ytd": _l("year to date"), "province": _l("in the province"), "women": _l("women"), "men": _l("men"), "girls": _l("girls"),
    "boys": _l("boys"), "with_disability": _l("with disability"),
}


# The summary workbook's sheet titles, headers and fixed labels (exports.tables), for a Lao page's download.
WORKBOOK_WORDS = (
    N_("Summary"), N_("Period"), N_("Pillar"), N_("Currency"), N_("Item"), N_("Value"), N_("Totals"), N_("Figure"),
    N_("Pillars"), N_("Requirement"), N_("Pledged"), N_("Pledged in period"), N_("Committed"), N_("Committed for year"),
    N_("Disbursed"), N_("Disbursed ytd"), N_("Spent"), N_("Gap"), N_("Unmet"), N_("Coverage"), N_("Pledge coverage"),
    N_("requirement"), N_("pledged"), N_("pledged in period"), N_("committed"), N_("committed for year"), N_("disbursed"),
    N_("disbursed ytd"), N_("spent"), N_("gap"), N_("unmet"), N_("national contribution (disbursed)"),
    N_("coverage (disbursed ytd / requirement)"), N_("pledge coverage"), N_("National contribution"), N_("Donors"),
    N_("Donor"), N_("Pledged for the year"), N_("Through pooled funds"), N_("In kind"), N_("Multi-year pledges"),
    N_("CCM-specific pledges"), N_("Own fiscal year"), N_("Disbursed in own fiscal year"), N_("Pooled funds"), N_("Fund"),
    N_("Part"), N_("Donor, pillar, recipient or currency"), N_("Amount"), N_("Received"), N_("Allocated"),
    N_("Balance at the period's end"), N_("Received from"), N_("Allocated to pillar"), N_("Allocated to"),
    N_("Balance held"), N_("Operators"), N_("Operator"), N_("Provinces"), N_("Province"), N_("Code"), N_("Trend"),
    N_("Returns"), N_("Filed on"), N_("missing"), N_("Reconciliation"), N_("Agreement ref"), N_("Disbursed on"),
    N_("Received on"), N_("Difference"), N_("Pipeline"), N_("Pledge ref"), N_("Year"), N_("Pledged (USD)"),
    N_("Not yet committed (USD)"), N_("Funding cliff"), N_("Recipient"), N_("Ends on"), N_("Results"), N_("Indicator"),
    N_("Output in period"), N_("Spent (USD)"), N_("Cost per unit (USD)"), N_("Unit"), N_("Year to date"), N_("Target"),
    N_("Achieved share"), N_("No output reported"), N_("Outputs"), N_("Women"), N_("Men"), N_("Girls"), N_("Boys"),
    N_("With disability"), N_("Of which split by sex and age"), N_("Land released"), N_("Hectares"), N_("Narrative"),
    N_("Section"), N_("Text"), N_("Decisions"),
)


def workbook_words() -> Callable[[str], str]:
    """Return what puts the summary workbook's English words in the request's language (names of pillars too)."""
    words = {word: _(word) for word in WORKBOOK_WORDS}
    words |= {name: pillar_name(code) for code, name in PILLAR_NAMES.items()} | {code: pillar_name(code) for code in PILLAR_NAMES}
    words |= {name: province_name(code) for code, name in PROVINCE_NAMES.items()}
    words |= {code: label_text(code, "indicator") for code in INDICATORS}
    words |= {unit: label_text(unit, "unit") for unit in ("hectare", "item", "session", "person")}
    return lambda text: words.get(text, text)


def figure_label(key: str) -> str:
    """Return a figure key as a reader says it: `Province · Xekong · disbursed, year to date`."""
    table, *rest = key.split("|")
    words = [TABLES.get(table, table)]
    for part in rest:
        if part in PILLAR_NAMES:
            words.append(pillar_name(part))
        elif part in INDICATORS:
            words.append(label_text(part, "indicator"))
        elif part in PROVINCE_NAMES:
            words.append(province_name(part))
        else:
            words.append(MEASURES.get(part, part))
    return " · ".join(str(word) for word in words)


def scope_title(scope: Any) -> str:
    """Return a summary's title in the request's language (English names the pillar by its code, as it always did)."""
    if scope.kind == "twg":
        pillar = pillar_name(scope.pillar) if language() == "lo" else scope.pillar
        return _("TWG summary · %(pillar)s · %(period)s", pillar=pillar, period=scope.period)
    if scope.period.kind == "Y":
        return _("Annual SWG summary · %(period)s", period=scope.period)
    return _("SWG summary · %(period)s", period=scope.period)


# --- the charts' words ------------------------------------------------------------------------------------------------
# exports.charts() draws in English and its result is cached (shared by every worker and language); a Lao page gets a
# copy with the words put in Lao.

CHART_WORDS = {
    "Requirement": _l("Requirement"), "Pledged for the year": _l("Pledged for the year"),
    "Disbursed, year to date": _l("Disbursed, year to date"), "Requirement, pledges and disbursements":
    _l("Requirement, pledges and disbursements"), "Committed": _l("Committed"), "Disbursed": _l("Disbursed"),
    "Spent": _l("Spent"), "Trend": _l("Trend"), "Disbursed by donor": _l("Disbursed by donor"),
    "Disbursed by province (US$)": _l("Disbursed by province (US$)"),
    "Achieved, % of the year's target": _l("Achieved, percentage of the year's target"),
    "% of the target": _l("Percentage of the target"),
}


def _legend_labels(legend: list[dict[str, Any]], unit: str | None) -> list[dict[str, Any]]:
    """Return the map legend's steps with their words in the request's language."""
    def shown(x: float) -> str:
        number = quantity_text(round(x))
        return f"{number} {unit}" if unit else f"US$ {number}"

    steps = []
    for i, step in enumerate(legend):
        if i == 0:
            label = _("none reported") if unit else _("nothing disbursed")
        elif i == 1:
            label = _("up to %(upper)s", upper=shown(step["upper"]))
        else:
            label = _("over %(lower)s, up to %(upper)s", lower=shown(legend[i - 1]["upper"]), upper=shown(step["upper"]))
        steps.append({**step, "label": label})
    return steps


def localise_charts(charts: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """Return the summary's charts with their titles, series, categories and map names in the request's language."""
    if language() != "lo":
        return charts
    import copy

    out = copy.deepcopy(charts)
    word = lambda text: str(CHART_WORDS[text]) if text in CHART_WORDS else text  # noqa: E731
    english_pillars = {name: code for code, name in PILLAR_NAMES.items()}
    for spec in out.values():
        layout = spec.get("layout", {})
        for part in (layout, layout.get("xaxis", {}), layout.get("yaxis", {})):
            if isinstance(part.get("title"), dict) and "text" in part["title"]:
                part["title"]["text"] = word(part["title"]["text"])
        for trace in spec.get("data", []):
            trace["name"] = word(trace.get("name", ""))
            for axis in ("x", "y"):
                values = trace.get(axis)
                if isinstance(values, list):
                    trace[axis] = [pillar_name(english_pillars[v]) if isinstance(v, str) and v in english_pillars else v
                                   for v in values]
        if "names" in spec:
            spec["names"] = {code: province_name(code) for code in spec["names"]}
        if "legend" in spec:
            spec["legend"] = _legend_labels(spec["legend"], spec.get("unit") and _("ha"))
    year = doc["period"][:4]
    if "chart-map-land" in out:
        out["chart-map-land"]["title"] = _("Land released by province, %(period)s (hectares)", period=doc["period"])
    if "chart-map" in out:
        out["chart-map"]["title"] = str(CHART_WORDS["Disbursed by province (US$)"])
    results = out.get("chart-results")
    if results:
        rows = [r for r in doc["results"] if r["target"] is not None]
        results["layout"]["title"]["text"] = (_("Year to date against the %(year)s targets", year=year) if rows
                                              else _("No target recorded for %(year)s", year=year))
        for trace in results["data"]:
            trace["y"] = [f"{pillar_name(r['pillar'])}: {label_text(r['indicator'], 'indicator')}" for r in rows]
            trace["text"] = [_("%(done)s of %(target)s", done=quantity_text(r["value_ytd"] or 0),
                               target=quantity_text(r["target"])) for r in rows]
    return out
