"""The demo's tables: who pledges and signs what with whom, where the operators work, the rates.

Illustrative figures of the size the sector reports (about US$45-50 million a year,
national share included); they are not official data. `demo.py` turns these tables into
records: instalments paid after signing, operator returns that report them.
"""
from __future__ import annotations

from datetime import date
from typing import NamedTuple

FUND = "UXO Lao Trust Fund (UNDP)"
GOVERNMENT = "Government of Lao PDR"
QUARTERLY = (2, 5, 8, 11)  # instalments are paid in the middle month of each quarter

# name, kind, country, aliases, CCM State Party, month its fiscal year starts
ORGANISATIONS = [
    ("United States", "donor", "US", ["US", "USA", "U.S. Department of State", "United States of America"], False, 10),
    ("Japan", "donor", "JP", ["Government of Japan", "JICA"], True, 4),
    ("New Zealand", "donor", "NZ", ["NZ", "MFAT"], True, 7),
    ("Norway", "donor", "NO", ["Norwegian MFA"], True, 1),
    ("United Kingdom", "donor", "GB", ["UK", "FCDO"], True, 4),
    ("Ireland", "donor", "IE", ["Irish Aid"], True, 1),
    ("Luxembourg", "donor", "LU", [], True, 1),
    ("Germany", "donor", "DE", ["German Federal Foreign Office"], True, 1),
    ("Canada", "donor", "CA", [], True, 4),
    ("Republic of Korea", "donor", "KR", ["Korea", "KOICA", "South Korea"], False, 1),
    ("Australia", "donor", "AU", ["DFAT"], True, 7),
    ("Switzerland", "donor", "CH", ["SDC"], True, 1),
    ("European Union", "multilateral", None, ["EU"], None, 1),
    ("UNDP", "multilateral", None, ["United Nations Development Programme"], None, None),
    (FUND, "pooled-fund", None, ["UNDP Trust Fund", "UXO Trust Fund"], None, None),
    ("UNICEF", "multilateral", None, [], None, None),
    ("UXO Lao", "national-operator", "LA", ["Lao National UXO Programme"], None, None),
    ("Humanitarian Teams of the Lao People's Army", "national-operator", "LA", ["Army Humanitarian Teams", "Team 58"], None, None),
    ("HALO Trust", "ngo", "GB", ["The HALO Trust", "HALO"], None, None),
    ("MAG", "ngo", "GB", ["Mines Advisory Group"], None, None),
    ("NPA", "ngo", "NO", ["Norwegian People's Aid"], None, None),
    ("Humanity & Inclusion", "ngo", "FR", ["HI", "Handicap International"], None, None),
    ("JMAS", "ngo", "JP", ["Japan Mine Action Service"], None, None),
    ("World Education", "ngo", "US", ["WE", "World Education Laos"], None, None),
    ("COPE", "ngo", "LA", ["Cooperative Orthotic and Prosthetic Enterprise"], None, None),
    ("BACTEC Lao", "commercial", "LA", [], None, None),
    ("Milsearch Lao", "commercial", "LA", [], None, None),
    (GOVERNMENT, "government", "LA", ["GoL", "Lao Government"], True, 1),
    ("NRA", "government", "LA", ["National Regulatory Authority", "National Regulatory Authority for UXO/Mine Action"],
     None, 1),
]

_SOUTH = ["LA-XE", "LA-SL", "LA-AT"]
_UXO_LAO = ["LA-XI", "LA-HO", "LA-LP", "LA-SV", "LA-SL", "LA-XE", "LA-CH", "LA-AT", "LA-KH"]
# Where each recipient works, by pillar (approximately as the operators report it publicly).
AREAS = {
    "HALO Trust": {"clearance": ["LA-SV", "LA-XI"], "re": ["LA-SV", "LA-XI"]},
    "MAG": {"clearance": ["LA-XI", "LA-KH"]},
    "NPA": {"clearance": _SOUTH, "re": ["LA-SL", "LA-AT"]},
    "UXO Lao": {"clearance": _UXO_LAO, "re": _UXO_LAO},
    "Humanity & Inclusion": {"re": ["LA-SV", "LA-SL"], "va": ["LA-SV", "LA-SL"]},
    "JMAS": {"clearance": ["LA-XI"]},
    "World Education": {"va": ["LA-XI", "LA-HO"]},
    "COPE": {"va": ["LA-VT", "national"]},
    "NRA": {"im": ["national"], "policy": ["national"]},
}
OPERATORS = ["HALO Trust", "MAG", "NPA", "UXO Lao", "Humanity & Inclusion", "JMAS", "World Education", "COPE"]
# Operators that fill in `Funded by` on their expenditure; the others report it undivided.
NAME_FUNDERS = {"UXO Lao", "HALO Trust", "MAG"}
# Someone is always late: a return sent this many days after its quarter, and one not sent yet.
LATE = {("COPE", "2025-Q2"): 46}
NOT_FILED = {("JMAS", "2026-Q3")}

# Units per US dollar on 1 January of each year; the months between are interpolated.
# UNDP books at the UN operational rates of exchange; kip from the Bank of the Lao PDR.
RATE_ANCHORS = {
    "LAK": ("17500", "20400", "21800", "21550", "21450"),
    "JPY": ("131", "141", "157", "152", "148"),
    "KRW": ("1265", "1295", "1470", "1440", "1400"),
    "NZD": ("1.58", "1.58", "1.78", "1.73", "1.70"),
    "NOK": ("9.85", "10.15", "11.35", "10.40", "10.20"),
    "GBP": ("0.83", "0.79", "0.80", "0.75", "0.76"),
    "EUR": ("0.94", "0.91", "0.96", "0.86", "0.87"),
    "CAD": ("1.36", "1.32", "1.44", "1.38", "1.37"),
    "AUD": ("1.47", "1.47", "1.61", "1.52", "1.50"),
    "CHF": ("0.92", "0.85", "0.91", "0.80", "0.81"),
}
RATE_SOURCES = {"LAK": "Bank of the Lao PDR (demo)"}
UN_RATES = "UN operational rates of exchange (demo)"
RATE_YEARS = (2023, 2026)  # every month of these years has a rate (December 2026 is set in November)

# Costed needs of the national work plan for 2023 (US dollars), growing 3% a year.
REQUIREMENTS = {"clearance": "42000000", "va": "6500000", "re": "3200000", "im": "1500000", "policy": "1800000"}


class Pledge(NamedTuple):
    ref: str
    donor: str
    currency: str
    announced: date
    where: str
    recipient: str | None
    ccm_specific: bool
    lines: dict[int, dict[str, str]]


def _each(years: range | tuple, amounts: dict[str, str]) -> dict[int, dict[str, str]]:
    return {y: dict(amounts) for y in years}


PLEDGES = [
    Pledge("PL-US-2023", "United States", "USD", date(2022, 11, 24), "SWG plenary, November 2022", None, False,
           _each(range(2023, 2026), {"clearance": "17500000", "re": "1300000", "va": "2900000"})),
    Pledge("PL-US-2026", "United States", "USD", date(2025, 11, 20), "SWG plenary, November 2025", None, False,
           {2026: {"clearance": "17500000", "re": "1300000", "va": "2800000", "im": "500000"}}),
    Pledge("PL-JP-2023", "Japan", "JPY", date(2023, 4, 10), "Exchange of notes", FUND, False,
           _each(range(2023, 2027), {"clearance": "420000000", "re": "30000000"})),
    Pledge("PL-JP-JMAS-2024", "Japan", "JPY", date(2024, 1, 15), "Grant assistance for grassroots projects", "JMAS", True,
           _each(range(2024, 2027), {"clearance": "150000000"})),
    Pledge("PL-JP-EQ-2025", "Japan", "JPY", date(2025, 3, 5), "Exchange of notes (equipment)", "UXO Lao", False,
           {2025: {"clearance": "300000000"}}),
    Pledge("PL-KR-2024", "Republic of Korea", "KRW", date(2024, 6, 3), "SWG plenary, June 2024", FUND, False,
           _each(range(2024, 2027), {"unallocated": "2600000000"})),
    Pledge("PL-NZ-2023", "New Zealand", "NZD", date(2023, 7, 1), "Bilateral letter", FUND, True,
           {2023: {"clearance": "3000000"}, 2024: {"clearance": "3000000"}, 2025: {"clearance": "2500000"},
            2026: {"clearance": "2500000"}}),
    Pledge("PL-NO-2023", "Norway", "NOK", date(2023, 2, 1), "Framework agreement", "NPA", True,
           _each(range(2023, 2027), {"clearance": "31000000", "re": "2000000"})),
    Pledge("PL-UK-2024", "United Kingdom", "GBP", date(2024, 1, 25), "Bilateral letter", "MAG", False,
           _each(range(2024, 2027), {"clearance": "1800000"})),
    Pledge("PL-IE-2024", "Ireland", "EUR", date(2024, 5, 14), "SWG plenary, June 2024", "HALO Trust", True,
           _each((2024, 2025), {"clearance": "800000", "re": "200000"})),
    Pledge("PL-LU-2025", "Luxembourg", "EUR", date(2025, 3, 4), "Bilateral letter", FUND, False,
           _each((2025, 2026), {"clearance": "600000", "im": "200000"})),
    Pledge("PL-DE-2025", "Germany", "EUR", date(2025, 2, 17), "Bilateral letter", "Humanity & Inclusion", False,
           _each((2025, 2026), {"va": "900000", "re": "300000"})),
    Pledge("PL-CA-2025", "Canada", "CAD", date(2025, 6, 12), "SWG plenary, June 2025", "World Education", True,
           {2025: {"va": "700000"}}),
    Pledge("PL-AU-2023", "Australia", "AUD", date(2023, 9, 20), "Bilateral letter", FUND, False,
           _each(range(2023, 2026), {"clearance": "1500000"})),
    Pledge("PL-CH-2024", "Switzerland", "CHF", date(2024, 11, 5), "SWG plenary, November 2024", FUND, True,
           _each((2025, 2026), {"im": "400000", "policy": "300000"})),
    Pledge("PL-EU-2024", "European Union", "EUR", date(2024, 11, 5), "Financing agreement", FUND, False,
           _each((2025, 2026), {"clearance": "2000000", "im": "300000"})),
    Pledge("PL-LA-2023", GOVERNMENT, "LAK", date(2023, 1, 10), "National budget", "UXO Lao", False,
           {2023: {"clearance": "30000000000"}, 2024: {"clearance": "34000000000"}, 2025: {"clearance": "36000000000"},
            2026: {"clearance": "38000000000"}}),
    Pledge("PL-LA-NRA-2023", GOVERNMENT, "LAK", date(2023, 1, 10), "National budget", "NRA", False,
           {2023: {"policy": "8000000000"}, 2024: {"policy": "9000000000"}, 2025: {"policy": "9000000000"},
            2026: {"policy": "10000000000"}}),
]


class Deal(NamedTuple):
    """A signed agreement; its lines are paid in instalments in the months given, from the later of signing and start."""

    ref: str
    pledge: str | None
    donor: str
    recipient: str
    signed: date
    start: date
    end: date
    currency: str
    lines: dict[int, dict[str, str]]
    months: tuple[int, ...] = QUARTERLY
    support: str = "cash"
    notes: str = ""


def _annual(code: str, pledge: str | None, donor: str, recipient: str, currency: str, years: range | tuple,
            amounts: dict[str, str], *, signed: tuple[int, int] = (1, 20), months: tuple[int, ...] = QUARTERLY,
            support: str = "cash", notes: str = "") -> list[Deal]:
    """Return one agreement a year, signed on the day (month, day) of its year, running the calendar year."""
    return [Deal(f"{code}-{y}", pledge, donor, recipient, date(y, *signed), date(y, 1, 1), date(y, 12, 31), currency,
                 {y: dict(amounts)}, months, support, notes) for y in years]


DEALS = [
    # The United States pays the NGOs directly, one agreement a year each.
    *_annual("AG-US-HALO", "PL-US-2023", "United States", "HALO Trust", "USD", range(2023, 2026), {"clearance": "7000000"}),
    *_annual("AG-US-MAG", "PL-US-2023", "United States", "MAG", "USD", range(2023, 2026), {"clearance": "5500000"}),
    *_annual("AG-US-NPA", "PL-US-2023", "United States", "NPA", "USD", range(2023, 2026), {"clearance": "4500000"}),
    *_annual("AG-US-HI", "PL-US-2023", "United States", "Humanity & Inclusion", "USD", range(2023, 2026), {"re": "1200000"}),
    *_annual("AG-US-WE", "PL-US-2023", "United States", "World Education", "USD", range(2023, 2026), {"va": "1600000"}),
    *_annual("AG-US-COPE", "PL-US-2023", "United States", "COPE", "USD", range(2023, 2026), {"va": "700000"}),
    *_annual("AG-US-HALO", "PL-US-2026", "United States", "HALO Trust", "USD", (2026,), {"clearance": "7000000"}),
    *_annual("AG-US-MAG", "PL-US-2026", "United States", "MAG", "USD", (2026,), {"clearance": "5500000"}),
    *_annual("AG-US-NPA", "PL-US-2026", "United States", "NPA", "USD", (2026,), {"clearance": "4500000"}),
    *_annual("AG-US-HI", "PL-US-2026", "United States", "Humanity & Inclusion", "USD", (2026,), {"re": "1200000"}),
    *_annual("AG-US-WE", "PL-US-2026", "United States", "World Education", "USD", (2026,), {"va": "1600000"}),
    *_annual("AG-US-COPE", "PL-US-2026", "United States", "COPE", "USD", (2026,), {"va": "700000"}),
    # Other donors paying operators directly.
    *_annual("AG-UK-MAG", "PL-UK-2024", "United Kingdom", "MAG", "GBP", range(2024, 2027), {"clearance": "1800000"},
             signed=(1, 29)),
    Deal("AG-IE-HALO-2024", "PL-IE-2024", "Ireland", "HALO Trust", date(2024, 6, 10), date(2024, 6, 10), date(2024, 12, 31),
         "EUR", {2024: {"clearance": "800000", "re": "200000"}}),
    *_annual("AG-IE-HALO", "PL-IE-2024", "Ireland", "HALO Trust", "EUR", (2025,), {"clearance": "800000", "re": "200000"}),
    Deal("AG-NO-NPA-2023", "PL-NO-2023", "Norway", "NPA", date(2023, 2, 3), date(2023, 1, 1), date(2023, 12, 31), "NOK",
         {2023: {"clearance": "31000000", "re": "2000000"}}),
    Deal("AG-NO-NPA-2024-26", "PL-NO-2023", "Norway", "NPA", date(2023, 12, 12), date(2024, 1, 1), date(2026, 12, 31), "NOK",
         _each(range(2024, 2027), {"clearance": "31000000", "re": "2000000"}), notes="Three-year framework agreement"),
    Deal("AG-DE-HI-2025-26", "PL-DE-2025", "Germany", "Humanity & Inclusion", date(2025, 3, 20), date(2025, 4, 1),
         date(2026, 12, 31), "EUR", _each((2025, 2026), {"va": "900000", "re": "300000"}), notes="Two-year agreement"),
    Deal("AG-CA-WE-2025", "PL-CA-2025", "Canada", "World Education", date(2025, 7, 15), date(2025, 7, 15), date(2026, 6, 30),
         "CAD", {2025: {"va": "700000"}}),
    *_annual("AG-JP-JMAS", "PL-JP-JMAS-2024", "Japan", "JMAS", "JPY", range(2024, 2027), {"clearance": "150000000"},
             signed=(1, 25)),
    Deal("AG-JP-UXOLAO-EQ-2025", "PL-JP-EQ-2025", "Japan", "UXO Lao", date(2025, 3, 31), date(2025, 4, 1), date(2025, 12, 31),
         "JPY", {2025: {"clearance": "300000000"}}, months=(9,), support="in-kind",
         notes="Detectors and vehicles handed over to UXO Lao"),
    # Contributions to the trust fund, paid once or twice a year after signing.
    *_annual("AG-JP-TF", "PL-JP-2023", "Japan", FUND, "JPY", range(2023, 2027), {"clearance": "420000000", "re": "30000000"},
             signed=(5, 15), months=(6,)),
    *_annual("AG-KR-TF", "PL-KR-2024", "Republic of Korea", FUND, "KRW", range(2024, 2027), {"unallocated": "2600000000"},
             signed=(6, 20), months=(7,)),
    *_annual("AG-NZ-TF", "PL-NZ-2023", "New Zealand", FUND, "NZD", (2023, 2024), {"clearance": "3000000"}, signed=(7, 20),
             months=(9,)),
    *_annual("AG-NZ-TF", "PL-NZ-2023", "New Zealand", FUND, "NZD", (2025, 2026), {"clearance": "2500000"}, signed=(7, 20),
             months=(9,)),
    *_annual("AG-AU-TF", "PL-AU-2023", "Australia", FUND, "AUD", range(2023, 2026), {"clearance": "1500000"}, signed=(10, 2),
             months=(10,)),
    *_annual("AG-CH-TF", "PL-CH-2024", "Switzerland", FUND, "CHF", (2025, 2026), {"im": "400000", "policy": "300000"},
             signed=(1, 15), months=(3,)),
    *_annual("AG-EU-TF", "PL-EU-2024", "European Union", FUND, "EUR", (2025, 2026), {"clearance": "2000000", "im": "300000"},
             signed=(1, 30), months=(2, 8)),
    *_annual("AG-LU-TF", "PL-LU-2025", "Luxembourg", FUND, "EUR", (2025, 2026), {"clearance": "600000", "im": "200000"},
             signed=(4, 10), months=(5,)),
    # The trust fund's allocations, in US dollars (UNDP books in dollars).
    Deal("TF-UXOLAO-2023", None, FUND, "UXO Lao", date(2023, 6, 20), date(2023, 7, 1), date(2023, 12, 31), "USD",
         {2023: {"clearance": "3700000", "re": "300000"}}),
    *_annual("TF-UXOLAO", None, FUND, "UXO Lao", "USD", (2024,), {"clearance": "6000000", "re": "400000"}, signed=(1, 22)),
    *_annual("TF-UXOLAO", None, FUND, "UXO Lao", "USD", (2025,), {"clearance": "8600000", "re": "600000"}, signed=(1, 22)),
    *_annual("TF-UXOLAO", None, FUND, "UXO Lao", "USD", (2026,), {"clearance": "8600000", "re": "600000"}, signed=(1, 22)),
    *_annual("TF-NRA", None, FUND, "NRA", "USD", (2024,), {"im": "300000", "policy": "200000"}, signed=(1, 22)),
    Deal("TF-NRA-2025-26", None, FUND, "NRA", date(2025, 1, 22), date(2025, 1, 1), date(2026, 12, 31), "USD",
         _each((2025, 2026), {"im": "600000", "policy": "400000"}), notes="Two-year support to the NRA"),
    # The national contribution: the budget in kip, and premises and staff in kind.
    *_annual("AG-LA-UXOLAO", "PL-LA-2023", GOVERNMENT, "UXO Lao", "LAK", (2023,), {"clearance": "30000000000"}, signed=(1, 12)),
    *_annual("AG-LA-UXOLAO", "PL-LA-2023", GOVERNMENT, "UXO Lao", "LAK", (2024,), {"clearance": "34000000000"}, signed=(1, 12)),
    *_annual("AG-LA-UXOLAO", "PL-LA-2023", GOVERNMENT, "UXO Lao", "LAK", (2025,), {"clearance": "36000000000"}, signed=(1, 12)),
    *_annual("AG-LA-UXOLAO", "PL-LA-2023", GOVERNMENT, "UXO Lao", "LAK", (2026,), {"clearance": "38000000000"}, signed=(1, 12)),
    *_annual("AG-LA-NRA", "PL-LA-NRA-2023", GOVERNMENT, "NRA", "LAK", (2023,), {"policy": "8000000000"}, signed=(1, 12)),
    *_annual("AG-LA-NRA", "PL-LA-NRA-2023", GOVERNMENT, "NRA", "LAK", (2024, 2025), {"policy": "9000000000"}, signed=(1, 12)),
    *_annual("AG-LA-NRA", "PL-LA-NRA-2023", GOVERNMENT, "NRA", "LAK", (2026,), {"policy": "10000000000"}, signed=(1, 12)),
    *_annual("AG-LA-NRA-INKIND", None, GOVERNMENT, "NRA", "LAK", (2025, 2026), {"policy": "4000000000"}, signed=(1, 12),
             months=(6,), support="in-kind", notes="Office premises and seconded staff"),
]

# Changes to signed agreements: ref, amended on, change, year, pillar, amount, notes.
AMENDMENTS = [
    ("AG-US-MAG-2025", date(2025, 8, 20), "increase", 2025, "clearance", "1000000",
     "Additional survey in Khammouane; paid with the last instalment"),
    ("AG-UK-MAG-2026", date(2026, 5, 15), "decrease", 2026, "clearance", "450000", "Reduction of the UK aid budget"),
    ("AG-US-COPE-2026", date(2026, 6, 30), "terminate", 2026, None, None,
     "Terminated by the donor after the second instalment; the undisbursed balance is de-obligated"),
]

# Receipts the operators report that no donor-side record shows (counted on the operator's word, rule 5).
OPERATOR_ONLY = [("Humanity & Inclusion", "UNICEF", date(2025, 8, 12), "re", "LA-SL", "120000", "USD", "UNICEF-PCA-2025-07")]
# The one receipt an operator forgot to report: (agreement ref, paid in that month).
FORGOTTEN = ("AG-IE-HALO-2025", 5)
# The trust fund allocation UXO Lao reports under the original donor, with the fund as `Via`.
VIA_FUND = ("TF-UXOLAO-2025", 5, "Japan")
