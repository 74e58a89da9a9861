"""The pure rules of results next to money (uxo_swg/domain/results.py)."""
from decimal import Decimal

from uxo_swg.domain.results import (
    OutputFigure, OutputGroup, achieved_share, add_known, cost_per_unit, money_keys, output_figure, results_rows, tally,
)

D = Decimal


def group(quarter, value, *people, pillar="re", indicator="re_beneficiaries", province="LA-SV"):
    split = D(value) if people and people[0] is not None else D(0)
    return OutputGroup(quarter, pillar, indicator, province, 1, D(value), split, *people)


def test_cost_per_unit_never_divides_by_zero_or_by_nothing():
    assert cost_per_unit(D(1000), D(8)) == D(125)
    assert cost_per_unit(D(1000), None) is None  # no output reported
    assert cost_per_unit(D(1000), D(0)) is None  # an output of zero: nothing to divide by
    assert cost_per_unit(D(0), D(8)) is None  # no spending reported


def test_share_of_the_target():
    assert achieved_share(D(250), D(1000)) == D("0.25")
    assert achieved_share(None, D(1000)) == D(0)  # a target and nothing done yet
    assert achieved_share(D(250), None) is None


def test_unknown_people_are_not_zero():
    assert add_known(None, None) is None
    assert add_known(None, 0) == 0 and add_known(3, None) == 3 and add_known(3, 4) == 7
    t = tally([group("2025-Q3", 100, 30, 20, 25, 25, 4), group("2025-Q3", 40)])[("re", "re_beneficiaries")]
    assert (t.value, t.value_with_people, t.people["women"], t.people["with_disability"]) == (D(140), D(100), 30, 4)
    nobody = tally([group("2025-Q3", 40)])[("re", "re_beneficiaries")]
    assert nobody.people == dict.fromkeys(("women", "men", "girls", "boys", "with_disability"))


def test_results_rows_say_no_output_and_keep_other_targets():
    rows = results_rows(["clearance", "im"], {}, tally([group("2025-Q1", 7, pillar="clearance", indicator="items_destroyed")]),
                        {"clearance": D(5000)}, {("clearance", "items_destroyed"): D(70)})
    assert [(r["indicator"], r["main"], r["value"], r["spent"], r["cost_per_unit"], r["achieved_share"]) for r in rows] == [
        ("land_released_ha", True, None, "5000.00", None, None),
        ("items_destroyed", False, None, None, None, "0.1000")]


def test_figure_keys():
    assert output_figure("outputs|re|re_beneficiaries|women") == OutputFigure("re", "re_beneficiaries")
    assert output_figure("results|clearance|land_released_ha|ytd") == OutputFigure("clearance", "land_released_ha", True)
    assert output_figure("outputs|clearance|land_released_ha|province|LA-XI").key == "outputs|clearance|land_released_ha|province|LA-XI"
    assert output_figure("totals|disbursed") is None and output_figure("results|clearance|spent") is None
    assert money_keys("results|va|spent") == ["pillars|va|spent", "pillars|va|national_spent"]
    assert money_keys("totals|spent") == ["totals|spent"]
