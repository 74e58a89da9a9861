"""Results next to money (spec sections 7 and 10), on the database: a worked example counted by hand.

Returns for 2025 (amounts in USD; only current returns count):

| return                         | expenditure                          | outputs                                              |
|--------------------------------|--------------------------------------|------------------------------------------------------|
| HALO 2025-Q3 v1 (superseded)   | clearance 50,000                     | land 999 ha (LA-XI)                                  |
| HALO 2025-Q3 v2                | clearance 60,000; re 5,000; va 2,000 | land 40.5 ha (LA-SV); re people 100 = 30+20+25+25, 4 with disability |
| MAG 2025-Q3                    | clearance 30,000                     | land 80 ha (LA-XI); re people 60 = 10+10+20+20, 1 with disability     |
| UXO Lao 2025-Q3 (older format) | re 3,000; clearance 10,000 funded by the government | re people 40, no people columns       |
| MAG 2025-Q1                    |                                      | land 79.5 ha (LA-XI)                                 |
| UXO Lao 2025-Q4                |                                      | land 20 ha (LA-HO)                                   |

Targets for 2025: land 1,000 ha (an older 500 is superseded); re people 400.

By hand, 2025-Q3: land 40.5 + 80 = 120.5 ha; clearance spent 60,000 + 30,000 + 10,000 (national) = 100,000:
US$ 829.88 per hectare (100,000 / 120.5 = 829.8755...); year to date 120.5 + 79.5 = 200 ha, 20% of 1,000.
Risk education: 100 + 60 + 40 = 200 people, of whom women 30 + 10 = 40, men 30, girls 45, boys 45 (160 split by
sex and age), 5 with a disability; spent 5,000 + 3,000 = 8,000: US$ 40.00 per person; 200 of 400: 50%.
Victim assistance: US$ 2,000 spent, no output reported: no cost per unit.
2025-H2: land 120.5 + 20 = 140.5 ha: US$ 711.74 per hectare (100,000 / 140.5 = 711.7437...); year to date 220: 22%.
"""
import io
import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlmodel import select

from conftest import csrf_token
from uxo_swg.audit import set_actor
from uxo_swg.db import get_session
from uxo_swg.models import OperatorReturn, Organisation, ReturnExpenditure, ReturnOutput, SummaryVersion, Target
from uxo_swg.summaries import services
from uxo_swg.summaries.exports import charts, workbook

D = Decimal


def build(session):
    """Store the worked example of the module docstring."""
    set_actor(session, actor="test", via="cli")
    o = {}
    for name, kind in {"HALO": "ngo", "MAG": "ngo", "UXO Lao": "national-operator", "Government": "government"}.items():
        o[name] = Organisation(name=name, kind=kind)
        session.add(o[name])
    session.flush()

    def ret(operator, quarter, version=1):
        r = OperatorReturn(operator_id=o[operator].id, quarter=quarter, version_no=version, submitted_on=date(2025, 10, 15))
        session.add(r)
        session.flush()
        return r

    def spend(r, pillar, province, amount, funded_by=None):
        session.add(ReturnExpenditure(return_id=r.id, pillar_code=pillar, province_code=province, amount=D(amount),
                                      currency="USD", funded_by_id=o[funded_by].id if funded_by else None))

    def output(r, pillar, province, indicator, value, *people):
        session.add(ReturnOutput(return_id=r.id, row=2, pillar_code=pillar, province_code=province, indicator=indicator,
                                 value=D(value), **dict(zip(("women", "men", "girls", "boys", "with_disability"), people))))

    old = ret("HALO", "2025-Q3")
    old.superseded_by_id = old.id  # out of the way (one current version per quarter) while the next goes in
    session.flush()
    halo = ret("HALO", "2025-Q3", version=2)
    old.superseded_by_id = halo.id
    spend(old, "clearance", "LA-XI", "50000")
    output(old, "clearance", "LA-XI", "land_released_ha", "999")
    spend(halo, "clearance", "LA-SV", "60000")
    spend(halo, "re", "LA-SV", "5000")
    spend(halo, "va", "LA-SV", "2000")
    output(halo, "clearance", "LA-SV", "land_released_ha", "40.5")
    output(halo, "re", "LA-SV", "re_beneficiaries", "100", 30, 20, 25, 25, 4)
    mag = ret("MAG", "2025-Q3")
    spend(mag, "clearance", "LA-XI", "30000")
    output(mag, "clearance", "LA-XI", "land_released_ha", "80")
    output(mag, "re", "LA-XI", "re_beneficiaries", "60", 10, 10, 20, 20, 1)
    uxo = ret("UXO Lao", "2025-Q3")
    spend(uxo, "re", "LA-HO", "3000")
    spend(uxo, "clearance", "LA-HO", "10000", funded_by="Government")
    output(uxo, "re", "LA-HO", "re_beneficiaries", "40")  # a return without people columns
    output(ret("MAG", "2025-Q1"), "clearance", "LA-XI", "land_released_ha", "79.5")
    output(ret("UXO Lao", "2025-Q4"), "clearance", "LA-HO", "land_released_ha", "20")
    first = Target(year=2025, pillar_code="clearance", indicator="land_released_ha", target=D(500))
    session.add(first)
    session.flush()
    current = Target(year=2025, pillar_code="clearance", indicator="land_released_ha", target=D(1000))
    session.add(current)
    session.flush()
    first.superseded_by_id = current.id
    session.add(Target(year=2025, pillar_code="re", indicator="re_beneficiaries", target=D(400)))
    session.add(Target(year=2026, pillar_code="re", indicator="re_beneficiaries", target=D(9)))  # another year
    session.commit()


@pytest.fixture
def example(app):
    with app.app_context():
        build(get_session())
    return app


def summary(app, kind, period, pillar=None):
    with app.app_context():
        doc, _ = services.compute_summary(services.scope_of(kind, period, pillar), session=get_session())
    return doc


def by_pillar(rows, indicator=None):
    return {r["pillar"]: r for r in rows if indicator is None or r["indicator"] == indicator}


def test_cost_per_hectare_and_share_of_the_target(example):
    doc = summary(example, "twg", "2025-Q3", "clearance")
    assert [(r["indicator"], r["value"], r["spent"], r["cost_per_unit"], r["value_ytd"], r["target"], r["achieved_share"])
            for r in doc["results"]] == [("land_released_ha", "120.5", "100000.00", "829.88", "200", "1000", "0.2000")]
    # The pillar's own figure is international spending; the results count the national 10,000 too.
    assert doc["pillars"][0]["spent"] == "90000.00" and doc["national"]["spent"] == "10000.00"
    land = by_pillar(doc["outputs"], "land_released_ha")["clearance"]
    assert land["value"] == "120.5" and land["women"] is None and land["with_disability"] is None  # never 0
    assert doc["land_released_by_province"] == [{"province": "LA-SV", "value": "40.5"}, {"province": "LA-XI", "value": "80"}]


def test_people_summed_across_operators_and_a_return_without_people_columns(example):
    doc = summary(example, "twg", "2025-Q3", "re")
    people = by_pillar(doc["outputs"], "re_beneficiaries")["re"]
    assert (people["value"], people["women"], people["men"], people["girls"], people["boys"], people["with_disability"]) == (
        "200", 40, 30, 45, 45, 5)
    assert people["value_with_people"] == "160"  # UXO Lao's 40 people are not split by sex and age
    (result,) = doc["results"]
    assert (result["value"], result["spent"], result["cost_per_unit"], result["achieved_share"]) == (
        "200", "8000.00", "40.00", "0.5000")


def test_pillar_with_spending_but_no_output(example, client, login):
    doc = summary(example, "twg", "2025-Q3", "va")
    (result,) = doc["results"]
    assert (result["value"], result["spent"], result["cost_per_unit"], result["target"], result["achieved_share"]) == (
        None, "2000.00", None, None, None)
    assert doc["outputs"] == []
    login("co-chair")
    page = client.get("/summaries/twg/2025-Q3/va").get_data(as_text=True)
    assert "No output reported" in page and "no target recorded" in page


def test_swg_half_year_counts_both_quarters_and_every_pillar(example):
    doc = summary(example, "swg", "2025-H2")
    results = by_pillar(doc["results"])
    assert (results["clearance"]["value"], results["clearance"]["cost_per_unit"], results["clearance"]["value_ytd"],
            results["clearance"]["achieved_share"]) == ("140.5", "711.74", "220", "0.2200")
    assert results["re"]["cost_per_unit"] == "40.00" and results["va"]["value"] is None
    assert [r["pillar"] for r in doc["results"]] == ["clearance", "va", "re"]  # pillars without a main indicator: none


def test_superseded_return_is_not_counted_and_drill_down_lists_the_current_lines(example, client, login):
    login("co-chair")
    url = "/summaries/twg/2025-Q3/clearance/records?figure="
    page = client.get(url + "outputs|clearance|land_released_ha|value").get_data(as_text=True)
    assert "2 line(s), total <span id=\"records-total\">120.5</span>" in page
    assert "999" not in page and "version 2" in page and "MAG" in page
    ytd = client.get(url + "results|clearance|land_released_ha|ytd").get_data(as_text=True)
    assert "3 line(s)" in ytd and "79.5" in ytd and "2025-Q1" in ytd
    province = client.get(url + "outputs|clearance|land_released_ha|province|LA-XI").get_data(as_text=True)
    assert "1 line(s)" in province and "80" in province
    spent = client.get(url + "results|clearance|spent").get_data(as_text=True)
    assert "3 record(s), total US$ <span id=\"records-total\">100,000.00</span>" in spent
    people = client.get("/summaries/twg/2025-Q3/re/records?figure=outputs|re|re_beneficiaries|women").get_data(as_text=True)
    assert "3 line(s)" in people and "UXO Lao" in people and "<td class=\"num\">–</td>" in people  # unknown, not 0


def test_published_version_keeps_the_output_lines(example, client, login):
    login("co-chair")
    url = "/summaries/twg/2025-Q3/clearance"
    response = client.post(url + "/publish", data={"csrf_token": csrf_token(client, url), "confirmed": "yes"})
    assert response.status_code == 302
    with example.app_context():
        s = get_session()
        line = s.exec(select(ReturnOutput).where(ReturnOutput.value == D("80"))).one()
        line.value = D("85")  # a later correction does not change what was published
        s.add(line)
        s.commit()
        frozen = json.loads(s.exec(select(SummaryVersion)).one().figures_json)
    assert frozen["results"][0]["value"] == "120.5"
    lines = client.get(response.headers["Location"] + "/records?figure=outputs|clearance|land_released_ha|value")
    text = lines.get_data(as_text=True)
    assert "total <span id=\"records-total\">120.5</span>" in text and "125.5" not in text and "version 1" in text
    live = client.get(url + "/records?figure=outputs|clearance|land_released_ha|value").get_data(as_text=True)
    assert "125.5" in live


def test_workbook_charts_and_json_carry_the_results(example, client, login):
    doc = summary(example, "twg", "2025-Q3", "re")
    wb = load_workbook(io.BytesIO(workbook(doc)))
    assert {"Results", "Outputs", "Land released"} <= set(wb.sheetnames)
    outputs = [[c.value for c in row] for row in wb["Outputs"].iter_rows(min_row=2)]
    assert outputs == [["Risk Education", "re_beneficiaries", 200, 40, 30, 45, 45, 5, 160]]
    results = [[c.value for c in row] for row in wb["Results"].iter_rows(min_row=2)]
    assert results[0][:5] == ["Risk Education", "re_beneficiaries", 200, 8000, 40]
    figures = charts(doc)
    assert figures["chart-results"]["data"][0]["x"] == [50.0]
    assert figures["chart-map-land"]["unit"] == "ha" and figures["chart-map-land"]["values"] == {}
    va = load_workbook(io.BytesIO(workbook(summary(example, "twg", "2025-Q3", "va"))))
    assert [c.value for c in va["Results"][2]][2:5] == ["No output reported", 2000, None]
    login("co-chair")
    exported = json.loads(client.get("/summaries/swg/2025-H2/all/export.json").data)
    assert set(exported["outputs"][0]) >= {"pillar", "indicator", "value", "women", "men", "girls", "boys", "with_disability"}
    assert set(exported["results"][0]) >= {"pillar", "indicator", "value", "spent", "cost_per_unit", "target", "achieved_share"}


def test_outputs_and_targets_are_read_in_two_statements(example):
    """The summary benchmark: one aggregate statement for the outputs (and one for the targets), not one per line."""
    from uxo_swg.domain.periods import parse_half
    from uxo_swg.summaries.results_inputs import results_extras

    statements = []
    with example.app_context():
        engine = get_session().get_bind()
        listen = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            results_extras(parse_half("2025-H2"), {}, session=get_session())
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2 and "GROUP BY" in selects[0].upper()
