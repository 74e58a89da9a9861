"""Results next to money (spec section 10): what the operators reported achieving, what it cost, how far to the target.

The outputs of current returns arrive summed per quarter, pillar, indicator and province
(`OutputGroup`); from them a summary shows the outputs of its period per pillar and
indicator with the people reached by sex, age and disability, each pillar's spending beside
its main indicator (the cost per unit), and the share of the year's target achieved in the
year to date.

People columns a return did not give are unknown, not zero. A sum of people counts adds
the lines that gave them and is None only when no line gave them; `value_with_people`
says how much of the value those lines cover, so a reader sees when the split by sex and
age is partial (for example 150 people reached, 100 of them split by sex and age).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from .money import round_half_up

ZERO = Decimal(0)
SEP = "|"
INDICATORS = ("land_released_ha", "items_destroyed", "re_sessions", "re_beneficiaries", "va_beneficiaries")
PEOPLE = ("women", "men", "girls", "boys", "with_disability")
#: Each pillar's main indicator: its cost per unit is the pillar's spending divided by it.
MAIN_INDICATORS = {"clearance": "land_released_ha", "re": "re_beneficiaries", "va": "va_beneficiaries"}
UNITS = {"land_released_ha": "hectare", "items_destroyed": "item", "re_sessions": "session",
         "re_beneficiaries": "person", "va_beneficiaries": "person"}
LAND = ("clearance", "land_released_ha")


@dataclass(frozen=True)
class OutputGroup:
    """Output lines of current returns summed in the database: one quarter, pillar, indicator and province."""

    quarter: str
    pillar: str
    indicator: str
    province: str
    lines: int
    value: Decimal
    value_with_people: Decimal  # the value of the lines that gave women, men, girls and boys
    women: int | None = None  # None: no line of the group gave it
    men: int | None = None
    girls: int | None = None
    boys: int | None = None
    with_disability: int | None = None


def add_known(total: int | None, more: int | None) -> int | None:
    """Return the sum of two people counts where unknown (None) adds nothing; None only when both are unknown."""
    if more is None:
        return total
    return more if total is None else total + more


@dataclass
class Tally:
    """Outputs added up: lines, value, the value split by sex and age, and the people counts given."""

    lines: int = 0
    value: Decimal = ZERO
    value_with_people: Decimal = ZERO
    people: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(PEOPLE))

    def add(self, group: OutputGroup) -> None:
        """Add a group's figures (people counts: only the known ones)."""
        self.lines += group.lines
        self.value += group.value
        self.value_with_people += group.value_with_people
        for name in PEOPLE:
            self.people[name] = add_known(self.people[name], getattr(group, name))


def number(value: Decimal | None) -> str | None:
    """Return an output value as JSON text without trailing zeros (`120.5`, `1200`), or None."""
    return None if value is None else format(value.normalize(), "f")


def money(value: Decimal | None) -> str | None:
    """Return a USD amount as a two-decimal string (half up), or None."""
    return None if value is None else str(round_half_up(value, 2))


def ratio(value: Decimal | None) -> str | None:
    """Return a share as a four-decimal string, or None."""
    return None if value is None else str(round_half_up(value, 4))


def cost_per_unit(spent: Decimal | None, output: Decimal | None) -> Decimal | None:
    """Return US$ spent per unit of output, or None unless both were reported (never a division by zero)."""
    if spent is None or output is None or spent <= 0 or output <= 0:
        return None
    return spent / output


def achieved_share(done: Decimal | None, target: Decimal | None) -> Decimal | None:
    """Return the share of the target achieved (None without a target; 0 when nothing was reported yet)."""
    if target is None or target <= 0:
        return None
    return (done or ZERO) / target


def _order(pillar: str, indicator: str, pillars: list[str]) -> tuple[int, int, str]:
    return (pillars.index(pillar) if pillar in pillars else 99,
            INDICATORS.index(indicator) if indicator in INDICATORS else 99, indicator)


def tally(groups: Iterable[OutputGroup], quarters: set[str] | None = None) -> dict[tuple[str, str], Tally]:
    """Return the outputs per (pillar, indicator), of the given quarters only when named."""
    out: dict[tuple[str, str], Tally] = {}
    for g in groups:
        if quarters is None or g.quarter in quarters:
            out.setdefault((g.pillar, g.indicator), Tally()).add(g)
    return out


def outputs_rows(period_tallies: dict[tuple[str, str], Tally], pillars: list[str]) -> list[dict[str, Any]]:
    """Return the `outputs` of spec section 7: per pillar and indicator, value and people (None where none given)."""
    rows = []
    for (pillar, indicator), t in sorted(period_tallies.items(), key=lambda kv: _order(*kv[0], pillars)):
        rows.append({"pillar": pillar, "indicator": indicator, "unit": UNITS.get(indicator, ""), "value": number(t.value),
                     **t.people, "value_with_people": number(t.value_with_people), "lines": t.lines})
    return rows


def results_rows(pillars: list[str], period_tallies: dict[tuple[str, str], Tally], ytd_tallies: dict[tuple[str, str], Tally],
                 spent: dict[str, Decimal], targets: dict[tuple[str, str], Decimal]) -> list[dict[str, Any]]:
    """Return the `results` of spec section 7: each pillar's main indicator beside its spending, and the targets.

    A pillar with a main indicator always has its row: `value` None says no output was
    reported in the period (and then there is no cost per unit). Other indicators of the
    pillars get a row where a target is recorded for the year, without spending beside them.
    """
    rows = []
    for pillar in pillars:
        wanted = [MAIN_INDICATORS[pillar]] if pillar in MAIN_INDICATORS else []
        wanted += sorted((i for p, i in targets if p == pillar and i not in wanted),
                         key=lambda i: INDICATORS.index(i) if i in INDICATORS else 99)
        for indicator in wanted:
            main = indicator == MAIN_INDICATORS.get(pillar)
            done = period_tallies.get((pillar, indicator))
            ytd = ytd_tallies.get((pillar, indicator))
            value = done.value if done is not None else None
            pillar_spent = spent.get(pillar, ZERO) if main else None
            target = targets.get((pillar, indicator))
            rows.append({
                "pillar": pillar, "indicator": indicator, "unit": UNITS.get(indicator, ""), "main": main,
                "value": number(value), "spent": money(pillar_spent),
                "cost_per_unit": money(cost_per_unit(pillar_spent, value)),
                "value_ytd": number(ytd.value if ytd is not None else None), "target": number(target),
                "achieved_share": ratio(achieved_share(ytd.value if ytd is not None else None, target)),
            })
    return rows


def by_province(groups: Iterable[OutputGroup], quarters: set[str], pillar: str = LAND[0],
                indicator: str = LAND[1]) -> list[dict[str, Any]]:
    """Return one indicator's outputs of the quarters per province (land released, for the map)."""
    sums: dict[str, Decimal] = {}
    for g in groups:
        if g.quarter in quarters and (g.pillar, g.indicator) == (pillar, indicator):
            sums[g.province] = sums.get(g.province, ZERO) + g.value
    return [{"province": p, "value": number(v)} for p, v in sorted(sums.items())]


# --- the keys of results figures, so each opens the return lines it is made of (rule 10) ------------------------------

@dataclass(frozen=True)
class OutputFigure:
    """Which output lines a figure is made of: a pillar and indicator, in the period or the year to date, one province."""

    pillar: str
    indicator: str
    year_to_date: bool = False
    province: str | None = None

    @property
    def key(self) -> str:
        """Return the canonical key of these lines."""
        if self.province is not None:
            return SEP.join(("outputs", self.pillar, self.indicator, "province", self.province))
        return SEP.join(("outputs", self.pillar, self.indicator, "ytd" if self.year_to_date else "value"))


def output_figure(key: str) -> OutputFigure | None:
    """Return the output lines a figure key names, or None when it names none.

    `outputs|P|I|value` (and `|women` ... `|with_disability`, the same lines) are the
    period's lines; `outputs|P|I|ytd` the year to date's; `outputs|P|I|province|CODE` the
    period's lines in one province. `results|P|I|value`, `|ytd` and `|cost_per_unit` are
    the same lines as their `outputs` twins.
    """
    parts = key.split(SEP)
    if len(parts) < 4 or parts[0] not in ("outputs", "results") or not parts[1] or not parts[2]:
        return None
    pillar, indicator, measure = parts[1], parts[2], parts[3]
    if len(parts) == 5 and measure == "province" and parts[0] == "outputs" and parts[4]:
        return OutputFigure(pillar, indicator, province=parts[4])
    if len(parts) != 4:
        return None
    if measure in ("value", "cost_per_unit", *PEOPLE):
        return OutputFigure(pillar, indicator)
    if measure in ("ytd", "achieved_share"):
        return OutputFigure(pillar, indicator, year_to_date=True)
    return None


def money_keys(key: str) -> list[str]:
    """Return the money figures a results figure stands for: a pillar's spending, international and national.

    `results|P|spent` is `pillars|P|spent` plus `pillars|P|national_spent`; any other key stands for itself.
    """
    parts = key.split(SEP)
    if len(parts) == 3 and parts[0] == "results" and parts[2] == "spent":
        return [SEP.join(("pillars", parts[1], "spent")), SEP.join(("pillars", parts[1], "national_spent"))]
    return [key]


def spent_of(figures: dict[str, Decimal], pillars: list[str]) -> dict[str, Decimal]:
    """Return each pillar's spending in the period from a summary's figures: international plus national."""
    return {p: sum((figures.get(k, ZERO) for k in money_keys(SEP.join(("results", p, "spent")))), ZERO) for p in pillars}


def line_totals(lines: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Return the total of output lines as shown under them: value, and each people count given (None if none was)."""
    value = ZERO
    people: dict[str, int | None] = dict.fromkeys(PEOPLE)
    for line in lines:
        value += Decimal(line["value"])
        for name in PEOPLE:
            people[name] = add_known(people[name], line.get(name))
    return {"value": number(value), **people}
