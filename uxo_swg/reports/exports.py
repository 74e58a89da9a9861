"""The reports as Excel workbooks laid out to paste into the report, and as CSV files."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..domain.reference import PILLARS
from ..exports import Table, csv_of, workbook_bytes, workbook_of


def N_(text: str) -> str:
    """Mark a sentence for the Lao catalogue: the files keep it in English, the pages translate it when shown."""
    return text


PILLAR_NAMES = {p.code: p.name_en for p in PILLARS}
SUPPORT_NAMES = {"cash": N_("Financial (cash)"), "in-kind": N_("In kind (material, staff, services)")}
CCM = {True: N_("Yes"), False: N_("No"), None: N_("Not recorded")}
# Amounts in their own currency keep that currency's decimals in the JSON and CSV (JPY none); Excel shows two.
AMOUNT_FORMAT = "#,##0.00"
ARTICLE7_NOTE = ("What is counted is what left each donor in the calendar year: its direct payments, its contributions to "
                 "pooled funds and the operators' receipts naming it that match no recorded payment. A pooled fund is "
                 "never a donor: what it allocates was counted when the donors paid it in. National resources are the "
                 "money the Government of Lao PDR paid, to operators or into a pooled fund. Each amount is converted to "
                 "US dollars at the rate of its own date (loaded rates first, then the ECB reference rates).")
MONITOR_NOTES = {
    "value-date": N_("Each amount is converted at the rate of its own date (loaded rates first, then the ECB reference rates)."),
    "annual-average": N_("Each currency is converted at the mean of its rates on record in the year: the loaded rates "
                         "where the currency has any in the year, the ECB reference rates otherwise."),
}
CURRENCY_NOTE = N_("National currency: the currency of the donor's country as recorded on the organisation (CLDR data); "
                   "for a donor with no country, the currency it paid the most in that year (in US dollars). Amounts paid "
                   "in another currency are restated through the US dollar at the same rates.")


TITLES = {
    "article7": N_("Convention on Cluster Munitions, Article 7 report: resources, %(year)s"),
    "monitor": N_("Support by donor, %(year)s, as the Landmine and Cluster Munition Monitor tabulates it (%(rates)s rates)"),
}


def report_title(kind: str, doc: dict[str, Any]) -> str:
    """Return the heading of a report in English (the files'): the treaty report's tables or the Monitor's."""
    return TITLES[kind] % {"year": doc["year"], "rates": doc.get("rates")}


def page_title(kind: str, doc: dict[str, Any]) -> str:
    """Return the heading of a report in the language of the page."""
    from flask_babel import gettext

    from ..i18n import label_text

    return gettext(TITLES[kind], year=doc["year"], rates=label_text(doc.get("rates"), "rates"))


def template_names() -> dict[str, Any]:
    """Return the names the report templates show codes by (kinds of support, CCM, rates), in the page's language."""
    from flask_babel import gettext

    from ..domain.monitor import METHODS

    def translated(names: dict) -> dict:
        return {code: gettext(name) for code, name in names.items()}

    return {"support_names": translated(SUPPORT_NAMES), "ccm_names": translated(CCM), "methods": METHODS,
            "monitor_notes": translated(MONITOR_NOTES), "currency_note": gettext(CURRENCY_NOTE),
            "average_source": average_source}


# How domain.conversion names a year's mean rate (the report's JSON keeps it in English).
_MEAN = re.compile(r"mean of (?P<count>\d+) rate\(s\) of (?P<year>\d{4}) \((?P<sources>.*)\)", re.S)


def average_source(source: str) -> str:
    """Return where a year's mean rate comes from ("mean of 12 rate(s) of 2025 (ECB)") in the page's language."""
    from flask_babel import gettext

    found = _MEAN.fullmatch(source or "")
    if found is None:
        return source
    return gettext("mean of %(count)s rate(s) of %(year)s (%(sources)s)", **found.groupdict())


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def article7_tables(doc: dict[str, Any], *, notes: bool = True) -> list[Table]:
    """Return the treaty report's two tables (international, national), with a totals row each, and the notes."""
    codes = list(doc["totals"]["international_usd_by_pillar"])
    rows: list[list[Any]] = [
        [r["donor"], CCM[r["ccm_state_party"]], SUPPORT_NAMES.get(r["support"], r["support"]), r["currency"], _d(r["amount"]),
         _d(r["usd"]), *[_d(r["pillars"].get(p)) for p in codes]] for r in doc["international"]]
    by_pillar = doc["totals"]["international_usd_by_pillar"]  # summed unrounded (rule 9), not from the rows
    rows.append(["Total", "", "", "USD", None, _d(doc["totals"]["international_usd"]), *[_d(by_pillar.get(p)) for p in codes]])
    national = [[PILLAR_NAMES.get(r["pillar"], r["pillar"]), SUPPORT_NAMES.get(r["support"], r["support"]), r["currency"],
                 _d(r["amount"]), _d(r["usd"])] for r in doc["national"]]
    national.append(["Total", "", "USD", None, _d(doc["totals"]["national_usd"])])
    out = [
        Table("International assistance", ["Donor", "CCM State Party", "Kind of support", "Currency", "Amount (currency)",
                                           "Amount (USD)", *[f"{PILLAR_NAMES.get(p, p)} (USD)" for p in codes]],
              rows, money_columns=[5, *range(6, 6 + len(codes))], formats={4: AMOUNT_FORMAT}),
        Table("National resources", ["Pillar", "Kind of support", "Currency", "Amount (currency)", "Amount (USD)"], national,
              money_columns=[4], formats={3: AMOUNT_FORMAT}),
    ]
    if notes:
        t = doc["totals"]
        out.append(Table("Notes", ["Item", "Value"], [
            ("Report", report_title("article7", doc)),
            ("International assistance (USD)", _d(t["international_usd"])), ("National resources (USD)", _d(t["national_usd"])),
            ("of which in kind (USD)", _d(t["in_kind_usd"])), ("How it is counted", ARTICLE7_NOTE),
            *[("Left out: no exchange rate", m["message"]) for m in doc["missing_rates"]]], money_columns=[1]))
    return out


def monitor_tables(doc: dict[str, Any], *, notes: bool = True) -> list[Table]:
    """Return the Monitor's table (one row per donor and the total) and the notes on currencies and rates."""
    rows: list[list[Any]] = [[r["donor"], r["currency"], _d(r["amount"]), _d(r["usd"]), r["currency_from"],
                              "; ".join(f"{p['amount']} {p['currency']}" for p in r["paid_in"])] for r in doc["rows"]]
    rows.append(["Total", "", None, _d(doc["total_usd"]), "", ""])
    out = [Table("Support by donor", ["Donor", "National currency", "Amount (national currency)", "Amount (USD)",
                                      "Currency chosen by", "Paid in"], rows, money_columns=[3],
                 formats={2: AMOUNT_FORMAT})]
    if notes:
        out.append(Table("Notes", ["Item", "Value"], [
            ("Report", report_title("monitor", doc)),
            ("Rates", f"{doc['rates']}: {MONITOR_NOTES[doc['rates']]}"), ("Currencies", CURRENCY_NOTE),
            *[(f"Mean rate of {r['currency']} (per USD)", f"{r['units_per_usd']}: {r['source']}")
              for r in doc.get("average_rates", [])],
            *[("Left out: no exchange rate", m["message"]) for m in doc["missing_rates"]]]))
    return out


def report_workbook(tables: list[Table]) -> bytes:
    """Return the tables as an .xlsx workbook, a sheet each."""
    return workbook_bytes(workbook_of(tables))


def report_csv(tables: list[Table]) -> bytes:
    """Return the data tables (not the notes) as one CSV file."""
    return csv_of([t for t in tables if t.title != "Notes"])
