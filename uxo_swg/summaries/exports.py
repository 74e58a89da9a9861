"""A summary as an Excel workbook (one sheet per table) and as plotly chart specifications."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

import plotly.graph_objects as go

from ..domain.reference import PILLARS, PROVINCES
from ..exports import Table, csv_of, workbook_bytes, workbook_of

PILLAR_NAMES = {p.code: p.name_en for p in PILLARS}
PROVINCE_NAMES = {p.code: p.name_en for p in PROVINCES} | {"national": "National (no province)"}
# Okabe-Ito: told apart by readers with any common colour-vision deficiency, and in grey.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
PATTERNS = ["", "/", "x", ".", "\\", "+"]


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def tables(doc: dict[str, Any], narrative: str = "", decisions: str = "") -> list[Table]:
    """Return the summary's tables: the sheets of its workbook, the blocks of its CSV."""
    t = doc["totals"]
    about = [("Summary", doc["kind"].upper()), ("Period", doc["period"]), ("Pillar", doc.get("pillar", "all")),
             ("Currency", "USD")]
    out = [Table("Summary", ["Item", "Value"], about)]
    measures = ["requirement", "pledged", "pledged_in_period", "committed", "committed_for_year", "disbursed", "disbursed_ytd",
                "spent", "gap", "unmet"]
    out.append(Table("Totals", ["Figure", "USD"],
                     [(m.replace("_", " "), _d(t[m])) for m in measures] + [("national contribution (disbursed)", _d(t["national"]))]
                     + [("coverage (disbursed ytd / requirement)", _d(t["coverage"])), ("pledge coverage", _d(t["pledge_coverage"]))],
                     money_columns=[1]))
    out.append(Table("Pillars", ["Pillar", *[m.replace("_", " ").capitalize() for m in measures], "Coverage", "Pledge coverage"],
                     [(PILLAR_NAMES.get(p["pillar"], p["pillar"]), *[_d(p[m]) for m in measures], _d(p["coverage"]),
                       _d(p["pledge_coverage"])) for p in doc["pillars"]]
                     + [("National contribution", *[_d(doc["national"].get(m)) for m in measures], None, None)],
                     money_columns=range(1, len(measures) + 1)))
    out.append(_donor_table(doc))
    if doc.get("pooled_funds"):
        out.append(Table("Pooled funds", ["Fund", "Part", "Donor, pillar, recipient or currency", "Amount", "Currency"],
                         _fund_rows(doc["pooled_funds"]), money_columns=[3]))
    out.append(Table("Operators", ["Operator", "Received", "Spent"],
                     [(o["operator"], _d(o["received"]), _d(o["spent"])) for o in doc["operators"]], money_columns=[1, 2]))
    out.append(Table("Provinces", ["Province", "Code", "Disbursed", "Spent"],
                     [(PROVINCE_NAMES.get(p["province"], p["province"]), p["province"], _d(p["disbursed"]), _d(p["spent"]))
                      for p in doc["provinces"]], money_columns=[2, 3]))
    out.append(Table("Trend", ["Period", "Committed", "Disbursed", "Spent"],
                     [(r["period"], _d(r["committed"]), _d(r["disbursed"]), _d(r["spent"])) for r in doc["trend"]],
                     money_columns=[1, 2, 3]))
    if "returns" in doc:
        out.append(Table("Returns", ["Operator", "Filed on"], [(r["operator"], r["filed_on"] or "missing") for r in doc["returns"]]))
        out.append(Table("Reconciliation", ["Agreement ref", "Donor", "Operator", "Currency", "Disbursed on", "Disbursed",
                                            "Received on", "Received", "Difference"],
                         [(r["agreement_ref"], r["donor"], r["operator"], r["currency"], r["disbursed_on"], _d(r["disbursed"]),
                           r["received_on"], _d(r["received"]), _d(r["difference"])) for r in doc["reconciliation"]],
                         money_columns=[5, 7, 8]))
    if "pipeline" in doc:
        out.append(Table("Pipeline", ["Pledge ref", "Donor", "Year", "Pillar", "Pledged (USD)", "Not yet committed (USD)"],
                         [(r["pledge_ref"], r["donor"], r["year"], r["pillar"], _d(r["pledged"]), _d(r["not_committed"]))
                          for r in doc["pipeline"]], money_columns=[4, 5]))
        out.append(Table("Funding cliff", ["Agreement ref", "Donor", "Recipient", "Pillar", "Ends on", "Amount", "Currency", "USD"],
                         [(r["agreement_ref"], r["donor"], r["recipient"], r["pillar"], r["ends_on"], _d(r["amount"]),
                           r["currency"], _d(r["usd"])) for r in doc["cliff"]], money_columns=[5, 7]))
    if "results" in doc:  # spec section 10; summaries published before it have no results
        out += _results_tables(doc)
    if narrative or decisions:
        out.append(Table("Narrative", ["Section", "Text"], [("Narrative", narrative), ("Decisions", decisions)]))
    return out


def _donor_table(doc: dict[str, Any]) -> Table:
    """Return the donor table; an annual summary adds what left each donor in its own fiscal year."""
    headers = ["Donor", "Pledged for the year", "Pledged in period", "Committed", "Disbursed", "Through pooled funds", "In kind",
               "Multi-year pledges", "CCM-specific pledges"]
    fiscal = doc.get("fiscal_years")
    rows = [[d["donor"], _d(d["pledged"]), _d(d["pledged_in_period"]), _d(d["committed"]), _d(d["disbursed"]),
             _d(d["via_pooled_funds"]), _d(d["in_kind"]), _d(d["pledged_multi_year"]), _d(d["pledged_ccm"])]
            for d in doc["donors"]]
    if fiscal is not None:
        headers += ["Own fiscal year", "Disbursed in own fiscal year"]
        for row, d in zip(rows, doc["donors"]):
            years = fiscal.get(d["donor"], {})
            row += [f"{years['from']} to {years['to']}" if years else "", _d(d.get("disbursed_fiscal_year"))]
    return Table("Donors", headers, rows, money_columns=[*range(1, 9), *([10] if fiscal is not None else [])])


def workbook(doc: dict[str, Any], narrative: str = "", decisions: str = "",
             words: Callable[[str], str] | None = None) -> bytes:
    """Return the summary as an .xlsx workbook: numbers as numbers, text never a formula.

    `words` puts the sheet titles, headers and fixed labels in another language (a Lao page's
    download); the figures and the names people entered stay as they are.
    """
    wb = workbook_of(tables(doc, narrative, decisions))
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if ws.cell(row=1, column=cell.column).value in ("Coverage", "Pledge coverage") or (
                        ws.title == "Totals" and isinstance(ws.cell(row=cell.row, column=1).value, str)
                        and "coverage" in ws.cell(row=cell.row, column=1).value and cell.column == 2):
                    cell.number_format = "0.00%"
    if words is not None:
        _reword(wb, words)
    return workbook_bytes(wb)


#: The columns whose cells are labels of this workbook (not names people entered), by sheet.
LABEL_COLUMNS = {"Summary": (1,), "Totals": (1,), "Pooled funds": (2, 3), "Returns": (2,), "Narrative": (1,),
                 "Results": (1, 2, 3, 6), "Outputs": (1, 2), "Pillars": (1,), "Provinces": (1,), "Land released": (1,),
                 "Pipeline": (4,), "Funding cliff": (4,)}


def _reword(wb: Any, words: Callable[[str], str]) -> None:
    """Put the workbook's titles, headers and label cells in the words given (a name people entered is left alone)."""
    for ws in wb.worksheets:
        columns = LABEL_COLUMNS.get(ws.title, ())
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (cell.row == 1 or cell.column in columns):
                    cell.value = words(cell.value)
        ws.title = words(ws.title)[:31]


def summary_csv(doc: dict[str, Any], narrative: str = "", decisions: str = "") -> bytes:
    """Return the summary as one CSV file: the workbook's sheets one after the other."""
    return csv_of(tables(doc, narrative, decisions))


def _fund_rows(funds: list[dict[str, Any]]) -> list[tuple]:
    """Return each pooled fund's section as rows: totals, received by donor, allocated by pillar and recipient, balance."""
    rows: list[tuple] = []
    for f in funds:
        name = f["fund"]
        rows += [(name, "Received", "", _d(f["received"]), "USD"), (name, "Allocated", "", _d(f["allocated"]), "USD"),
                 (name, "Balance at the period's end", "", _d(f["balance"]), "USD")]
        rows += [(name, "Received from", r["donor"], _d(r["amount"]), "USD") for r in f["received_by_donor"]]
        rows += [(name, "Allocated to pillar", PILLAR_NAMES.get(r["pillar"], r["pillar"]), _d(r["amount"]), "USD")
                 for r in f["allocated_by_pillar"]]
        rows += [(name, "Allocated to", r["recipient"], _d(r["amount"]), "USD") for r in f["allocated_by_recipient"]]
        rows += [(name, "Balance held", r["currency"], _d(r["amount"]), r["currency"]) for r in f["balance_by_currency"]]
    return rows


def _bar(name: str, x: list, y: list, i: int, **kw: Any) -> go.Bar:
    return go.Bar(name=name, x=x, y=y, **kw,
                  marker={"color": COLOURS[i % len(COLOURS)], "pattern": {"shape": PATTERNS[i % len(PATTERNS)]}})


def _figure(data: list[go.Bar], layout: dict[str, Any]) -> dict[str, Any]:
    """Return the figure as the plain spec plotly.js draws; plotly checks every property name and value."""
    spec = go.Figure(data=data, layout=go.Layout(template=go.layout.Template(), **layout)).to_plotly_json()
    spec["layout"].pop("template", None)  # plotly.js's own defaults, no theme to ship
    return {"data": spec["data"], "layout": spec["layout"]}


# The province maps: light to dark with the value (cividis, told apart in grey and by colour-blind readers).
MAP_SHADES = ["#fee838", "#c4b56c", "#8a8779", "#575d6d", "#00224e"]
MAP_NONE = "#f2f2f2"


def map_legend(values: dict[str, float], unit: str | None = None) -> list[dict[str, Any]]:
    """Return the map's shades: five equal steps up to the largest value, after "none"; the map and its legend use them."""
    def shown(x: float) -> str:
        return f"{round(x):,} {unit}" if unit else f"US$ {round(x):,}"

    top = max(values.values(), default=0.0)
    legend = [{"upper": 0.0, "colour": MAP_NONE, "label": "none reported" if unit else "nothing disbursed"}]
    if top <= 0:
        return legend
    step = top / len(MAP_SHADES)
    for i, colour in enumerate(MAP_SHADES):
        upper = top if i == len(MAP_SHADES) - 1 else step * (i + 1)
        legend.append({"upper": upper, "colour": colour, "label": f"{'up to' if i == 0 else 'over ' + shown(step * i) + ', up to'} "
                                                                  f"{shown(upper)}"})
    return legend


def charts(doc: dict[str, Any]) -> dict[str, Any]:
    """Return the plotly figures of a summary (data and layout), drawn by static/summaries.js."""
    layout = {"margin": {"t": 40, "r": 10, "b": 60, "l": 80}, "font": {"size": 14}, "barmode": "group",
              "legend": {"orientation": "h", "y": -0.2}, "yaxis": {"title": {"text": "US$"}, "tickformat": ",.0f"}}
    pillars = [PILLAR_NAMES.get(p["pillar"], p["pillar"]) for p in doc["pillars"]]
    out: dict[str, Any] = {}
    out["chart-pillars"] = _figure(
        [_bar(label, pillars, [float(p[m]) for p in doc["pillars"]], i)
         for i, (m, label) in enumerate([("requirement", "Requirement"), ("pledged", "Pledged for the year"),
                                         ("disbursed_ytd", "Disbursed, year to date")])],
        {**layout, "title": {"text": "Requirement, pledges and disbursements"}})
    periods = [r["period"] for r in doc["trend"]]
    out["chart-trend"] = _figure(
        [_bar(label, periods, [float(r[m]) for r in doc["trend"]], i)
         for i, (m, label) in enumerate([("committed", "Committed"), ("disbursed", "Disbursed"), ("spent", "Spent")])],
        {**layout, "title": {"text": "Trend"}})
    donors = sorted(doc["donors"], key=lambda d: Decimal(d["disbursed"]))
    out["chart-donors"] = _figure(
        [_bar("Disbursed", [float(d["disbursed"]) for d in donors], [d["donor"] for d in donors], 0, orientation="h")],
        {**layout, "title": {"text": "Disbursed by donor"}, "showlegend": False,
         "margin": {"t": 40, "r": 10, "b": 40, "l": 200},
         "xaxis": {"title": {"text": "US$"}, "tickformat": ",.0f"}, "yaxis": {"automargin": True}})
    disbursed = {p["province"]: float(p["disbursed"]) for p in doc["provinces"] if p["province"] != "national"}
    out["chart-map"] = {"values": disbursed, "names": PROVINCE_NAMES, "geojson": "lao-adm1.geojson",
                        "title": "Disbursed by province (US$)", "legend": map_legend(disbursed)}
    if "results" in doc:
        out.update(_results_charts(doc, layout))
    return out


# --- results next to money (spec section 10) -------------------------------------------------------------------------

PEOPLE_HEADERS = ["Women", "Men", "Girls", "Boys", "With disability"]
PEOPLE_KEYS = ["women", "men", "girls", "boys", "with_disability"]


def _results_tables(doc: dict[str, Any]) -> list[Table]:
    """Return the results, the outputs with people reached, and land released by province; blank cells are unknown."""
    return [
        Table("Results", ["Pillar", "Indicator", "Output in period", "Spent (USD)", "Cost per unit (USD)", "Unit",
                          "Year to date", "Target", "Achieved share"],
              [(PILLAR_NAMES.get(r["pillar"], r["pillar"]), r["indicator"],
                _d(r["value"]) if r["value"] is not None else "No output reported", _d(r["spent"]),
                _d(r["cost_per_unit"]), r["unit"], _d(r["value_ytd"]), _d(r["target"]), _d(r["achieved_share"]))
               for r in doc["results"]], money_columns=[3, 4], formats={8: "0.0%"}),
        Table("Outputs", ["Pillar", "Indicator", "Value", *PEOPLE_HEADERS, "Of which split by sex and age"],
              [(PILLAR_NAMES.get(o["pillar"], o["pillar"]), o["indicator"], _d(o["value"]), *[o[k] for k in PEOPLE_KEYS],
                _d(o["value_with_people"])) for o in doc["outputs"]]),
        Table("Land released", ["Province", "Code", "Hectares"],
              [(PROVINCE_NAMES.get(p["province"], p["province"]), p["province"], _d(p["value"]))
               for p in doc["land_released_by_province"]]),
    ]


def _results_charts(doc: dict[str, Any], layout: dict[str, Any]) -> dict[str, Any]:
    """Return the chart of the year to date against the year's targets and the map of land released."""
    year = doc["period"][:4]
    rows = [r for r in doc["results"] if r["target"] is not None]
    labels = [f"{PILLAR_NAMES.get(r['pillar'], r['pillar'])}: {r['indicator']}" for r in rows]
    shares = [float(Decimal(r["achieved_share"]) * 100) for r in rows]
    text = [f"{Decimal(r['value_ytd'] or 0):,f} of {Decimal(r['target']):,f}" for r in rows]
    title = f"Year to date against the {year} targets" if rows else f"No target recorded for {year}"
    out = {"chart-results": _figure(
        [_bar("Achieved, % of the year's target", shares, labels, 0, orientation="h", text=text, textposition="auto")],
        {**layout, "title": {"text": title}, "showlegend": False, "margin": {"t": 40, "r": 10, "b": 40, "l": 260},
         "xaxis": {"title": {"text": "% of the target"}, "ticksuffix": "%", "rangemode": "tozero"},
         "yaxis": {"automargin": True},
         "shapes": [{"type": "line", "x0": 100, "x1": 100, "y0": 0, "y1": 1, "yref": "paper",
                     "line": {"color": "#000000", "dash": "dash", "width": 1}}] if rows else []})}
    land = {p["province"]: float(p["value"]) for p in doc["land_released_by_province"] if p["province"] != "national"}
    out["chart-map-land"] = {"values": land, "names": PROVINCE_NAMES, "geojson": "lao-adm1.geojson",
                             "title": f"Land released by province, {doc['period']} (hectares)", "unit": "ha",
                             "legend": map_legend(land, "ha")}
    return out
