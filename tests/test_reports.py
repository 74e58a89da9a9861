"""The annual summary, the treaty report's tables and the Monitor's, on a worked example counted by hand.

Rates loaded (units per US$): JPY 150 (2025-03-01), 140 (2025-09-01), 160 (2026-02-01);
EUR 0.8 (2025-02-01), 0.9 (2025-06-01), 0.85 (2025-08-01); LAK 20,000 (2025-07-01).
What left each donor in 2025 (US$ at the rate of each date):
  Japan       JPY 30,000,000 on 03-10 (200,000, clearance); JPY 14,000,000 in kind on 09-05 (100,000, re),
              matched by HALO's receipt of JPY 13,500,000 (counted once, at the donor's amount);
              and JPY 16,000,000 on 2026-02-10 (100,000): in Japan's FY2025 (April to March), not in 2025.
  US          USD 50,000 into the Trust Fund on 04-15 (unallocated); USD 20,000 to HALO on 11-05 (va).
              US FY2025 as asked (the fiscal year starting in 2025): October 2025 to September 2026: 20,000.
  Germany     EUR 45,000 into the Trust Fund on 06-10 (50,000); HALO reports USD 5,000 from Germany on 08-01 (va),
              matching no payment: counted on the operator's word.
  EU          EUR 8,000 on 02-10 (10,000, clearance); USD 1,000 on 06-15 (im). No country: paid most in EUR.
  Trust Fund  allocates USD 30,000 (05-20, ref TF-1) and EUR 9,000 (06-20, 10,000) to UXO Lao; UXO Lao's receipt
              naming the US via the fund (ref TF-1) matches the allocation. The fund is never a donor.
  Government  LAK 400,000,000 (07-15, clearance, 20,000) and LAK 100,000,000 in kind (07-20, policy, 5,000).
International total 436,000.00; national 25,000.00; sector disbursed 376,000.00.
"""
from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from uxo_swg.db import get_session
from uxo_swg.models import Disbursement, ExchangeRate, OperatorReturn, Organisation, ReturnReceipt
from uxo_swg.reports import services
from uxo_swg.summaries import services as summaries

D = Decimal
ORGS = [("Japan", "donor", "JP", True, 4), ("United States", "donor", "US", False, 10), ("Germany", "donor", "DE", True, 1),
        ("European Union", "multilateral", None, None, None), ("Trust Fund", "pooled-fund", None, None, None),
        ("Government", "government", "LA", True, 1), ("HALO", "ngo", "GB", None, None),
        ("UXO Lao", "national-operator", "LA", None, None)]
RATES = [("2025-03-01", "JPY", "150"), ("2025-09-01", "JPY", "140"), ("2026-02-01", "JPY", "160"),
         ("2025-02-01", "EUR", "0.8"), ("2025-06-01", "EUR", "0.9"), ("2025-08-01", "EUR", "0.85"),
         ("2025-07-01", "LAK", "20000")]
PAID = [  # donor, recipient, paid on, pillar, amount, currency, support, agreement ref
    ("Japan", "HALO", "2025-03-10", "clearance", "30000000", "JPY", "cash", None),
    ("Japan", "HALO", "2025-09-05", "re", "14000000", "JPY", "in-kind", "JP-1"),
    ("Japan", "HALO", "2026-02-10", "clearance", "16000000", "JPY", "cash", None),
    ("United States", "Trust Fund", "2025-04-15", "unallocated", "50000", "USD", "cash", None),
    ("United States", "HALO", "2025-11-05", "va", "20000", "USD", "cash", None),
    ("Germany", "Trust Fund", "2025-06-10", "unallocated", "45000", "EUR", "cash", None),
    ("European Union", "HALO", "2025-02-10", "clearance", "8000", "EUR", "cash", None),
    ("European Union", "HALO", "2025-06-15", "im", "1000", "USD", "cash", None),
    ("Trust Fund", "UXO Lao", "2025-05-20", "clearance", "30000", "USD", "cash", "TF-1"),
    ("Trust Fund", "UXO Lao", "2025-06-20", "clearance", "9000", "EUR", "cash", None),
    ("Government", "UXO Lao", "2025-07-15", "clearance", "400000000", "LAK", "cash", None),
    ("Government", "UXO Lao", "2025-07-20", "policy", "100000000", "LAK", "in-kind", None),
]
RECEIVED = [  # operator, quarter, donor, via, received on, pillar, amount, currency, agreement ref
    ("HALO", "2025-Q3", "Japan", None, "2025-09-20", "re", "13500000", "JPY", "JP-1"),
    ("HALO", "2025-Q3", "Germany", None, "2025-08-01", "va", "5000", "USD", None),
    ("UXO Lao", "2025-Q2", "United States", "Trust Fund", "2025-05-25", "clearance", "30000", "USD", "TF-1"),
]


def build(session) -> dict[str, Organisation]:
    """Store the worked example of the module docstring."""
    orgs = {name: Organisation(name=name, kind=kind, country=country, ccm_state_party=ccm, fiscal_year_start=fiscal)
            for name, kind, country, ccm, fiscal in ORGS}
    session.add_all(orgs.values())
    session.flush()
    session.add_all(ExchangeRate(rate_date=date.fromisoformat(on), currency=cur, units_per_usd=D(units), source="test")
                    for on, cur, units in RATES)
    session.add_all(Disbursement(donor_id=orgs[donor].id, recipient_id=orgs[to].id, paid_on=date.fromisoformat(on),
                                 pillar_code=pillar, amount=D(amount), currency=cur, support=support, agreement_ref=ref)
                    for donor, to, on, pillar, amount, cur, support, ref in PAID)
    returns = {}
    for operator, quarter, donor, via, on, pillar, amount, cur, ref in RECEIVED:
        if (operator, quarter) not in returns:
            returns[(operator, quarter)] = OperatorReturn(operator_id=orgs[operator].id, quarter=quarter)
            session.add(returns[(operator, quarter)])
            session.flush()
        session.add(ReturnReceipt(return_id=returns[(operator, quarter)].id, received_on=date.fromisoformat(on),
                                  donor_id=orgs[donor].id, via_id=orgs[via].id if via else None, agreement_ref=ref,
                                  pillar_code=pillar, amount=D(amount), currency=cur))
    session.commit()
    return orgs


def cli(app, *args: str, code: int = 0):
    """Run a command; check its exit status."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == code, (args, result.output)
    return result


def org(session, name: str) -> Organisation:
    return session.exec(select(Organisation).where(Organisation.name == name)).one()


@pytest.fixture
def example(app):
    with app.app_context():
        build(get_session())
    return app


def test_article7_counts_what_left_each_donor_by_currency_and_support(example):
    with example.app_context():
        doc = services.article7_report(2025, session=get_session())
    rows = [(r["donor"], r["currency"], r["support"], r["amount"], r["usd"], r["ccm_state_party"]) for r in doc["international"]]
    assert rows == [
        ("European Union", "EUR", "cash", "8000.00", "10000.00", None),
        ("European Union", "USD", "cash", "1000.00", "1000.00", None),
        ("Germany", "EUR", "cash", "45000.00", "50000.00", True),  # its contribution to the fund
        ("Germany", "USD", "cash", "5000.00", "5000.00", True),  # HALO's unmatched receipt naming it
        ("Japan", "JPY", "cash", "30000000", "200000.00", True),  # the yen has no decimals
        ("Japan", "JPY", "in-kind", "14000000", "100000.00", True),  # matched receipt: once, at the donor's amount
        ("United States", "USD", "cash", "70000.00", "70000.00", False),  # direct and through the fund
    ]
    us = next(r for r in doc["international"] if r["donor"] == "United States")
    assert us["pillars"] == {"clearance": "0.00", "va": "20000.00", "re": "0.00", "im": "0.00", "policy": "0.00",
                             "unallocated": "50000.00"}
    assert doc["national"] == [
        {"pillar": "clearance", "currency": "LAK", "support": "cash", "amount": "400000000.00", "usd": "20000.00"},
        {"pillar": "policy", "currency": "LAK", "support": "in-kind", "amount": "100000000.00", "usd": "5000.00"}]
    t = doc["totals"]
    assert (t["international_usd"], t["national_usd"], t["in_kind_usd"]) == ("436000.00", "25000.00", "105000.00")
    assert t["international_usd_by_pillar"] == {"clearance": "210000.00", "va": "25000.00", "re": "100000.00", "im": "1000.00",
                                                "policy": "0.00", "unallocated": "100000.00"}
    assert doc["year"] == 2025 and doc["missing_rates"] == []


def test_the_annual_summary_counts_the_same_and_adds_each_donors_fiscal_year(example):
    with example.app_context():
        session = get_session()
        article7 = services.article7_report(2025, session=session)
        for grouped in (True, False):  # the live page sums in SQL; the records list and a publication one by one
            doc, _ = summaries.compute_summary(summaries.scope_of("year", "2025"), session=session, grouped=grouped)
            donors = {d["donor"]: d for d in doc["donors"]}
            assert "Trust Fund" not in donors and "Government" not in donors
            assert {d: (r["disbursed"], r["via_pooled_funds"], r["in_kind"], r["disbursed_fiscal_year"])
                    for d, r in donors.items()} == {
                "European Union": ("11000.00", "0.00", "0.00", "11000.00"),  # no fiscal year recorded: the calendar year
                "Germany": ("55000.00", "50000.00", "0.00", "55000.00"),
                "Japan": ("300000.00", "0.00", "100000.00", "200000.00"),  # April 2025 to March 2026
                "United States": ("70000.00", "50000.00", "0.00", "20000.00"),  # October 2025 to September 2026
            }
            assert doc["fiscal_years"]["Japan"] == {"start_month": 4, "from": "2025-04-01", "to": "2026-03-31",
                                                    "ended": date.today() > date(2026, 3, 31)}
            assert doc["fiscal_years"]["United States"]["to"] == "2026-09-30"
            # The donor table is the treaty report's international table, per donor (one rule).
            per_donor: dict[str, Decimal] = {}
            for r in article7["international"]:
                per_donor[r["donor"]] = per_donor.get(r["donor"], D(0)) + D(r["usd"])
            assert per_donor == {d: D(r["disbursed"]) for d, r in donors.items()}
            # Rule 11: donors 436,000 - funds received 100,000 + funds allocated 40,000 = sector 376,000.
            funds = {f["fund"]: f for f in doc["pooled_funds"]}
            assert (funds["Trust Fund"]["received"], funds["Trust Fund"]["allocated"]) == ("100000.00", "40000.00")
            assert (doc["totals"]["disbursed"], doc["national"]["disbursed"]) == ("376000.00", "25000.00")
            assert doc["kind"] == "swg" and doc["period"] == "2025" and len(doc["trend"]) == 6


def test_monitor_value_date_and_annual_average_differ_as_counted_by_hand(example):
    with example.app_context():
        by_date = services.monitor_report(2025, "value-date", session=get_session())
        average = services.monitor_report(2025, "annual-average", session=get_session())
    assert [(r["donor"], r["currency"], r["amount"], r["usd"], r["currency_from"]) for r in by_date["rows"]] == [
        ("European Union", "EUR", "8900.00", "11000.00", "paid most in"),  # USD 1,000 at EUR 0.9 = EUR 900
        ("Germany", "EUR", "49250.00", "55000.00", "country"),  # USD 5,000 at EUR 0.85 = EUR 4,250
        ("Japan", "JPY", "44000000", "300000.00", "country"),
        ("United States", "USD", "70000.00", "70000.00", "country")]
    assert by_date["total_usd"] == "436000.00" and by_date["rates"] == "value-date"
    # Means of the year's loaded rates: JPY (150 + 140) / 2 = 145 (2026's 160 is not of 2025), EUR (0.8 + 0.9 + 0.85) / 3.
    assert [(r["donor"], r["amount"], r["usd"]) for r in average["rows"]] == [
        ("European Union", "8850.00", "10411.76"),  # 8,000 / 0.85 + 1,000; EUR 8,000 + 1,000 x 0.85
        ("Germany", "49250.00", "57941.18"),  # 45,000 / 0.85 + 5,000
        ("Japan", "44000000", "303448.28"),  # 44,000,000 / 145
        ("United States", "70000.00", "70000.00")]
    # 10,411.7647... + 57,941.1764... + 303,448.2758... + 70,000, summed unrounded
    assert average["total_usd"] == "441801.22"
    assert {(r["currency"], r["units_per_usd"]) for r in average["average_rates"]} == {("EUR", "0.8500000000"),
                                                                                       ("JPY", "145.0000000000")}


def test_an_amount_with_no_rate_is_left_out_and_named(example):
    with example.app_context():
        s = get_session()
        japan = org(s, "Japan")
        halo = org(s, "HALO")
        s.add(Disbursement(donor_id=japan.id, recipient_id=halo.id, paid_on=date(2025, 12, 1), pillar_code="va",
                           amount=D(1000), currency="KHR"))
        s.commit()
    result = cli(example, "report", "article7", "--year", "2025")
    doc = json.loads(result.stdout)
    assert doc["totals"]["international_usd"] == "436000.00"
    assert [(m["currency"], m["date"]) for m in doc["missing_rates"]] == [("KHR", "2025-12-01")]
    assert "warning: left out: no KHR exchange rate" in result.stderr


def test_commands_write_json_xlsx_csv_and_html(example, tmp_path):
    cli(example, "report", "article7", "--year", "2025", "--format", "xlsx", "--output", str(tmp_path / "a7.xlsx"))
    wb = load_workbook(tmp_path / "a7.xlsx")
    assert wb.sheetnames == ["International assistance", "National resources", "Notes"]
    sheet = wb["International assistance"]
    assert [c.value for c in sheet[1]][:6] == ["Donor", "CCM State Party", "Kind of support", "Currency", "Amount (currency)",
                                              "Amount (USD)"]
    japan_in_kind = [c.value for c in sheet[7]]
    assert japan_in_kind[:7] == ["Japan", "Yes", "In kind (material, staff, services)", "JPY", 14000000, 100000, 0]
    assert sheet["F7"].number_format == "#,##0.00" and sheet["I7"].value == 100000  # the Risk Education column
    assert [c.value for c in sheet[9]][:6] == ["Total", None, None, "USD", None, 436000]
    national = [[c.value for c in row] for row in wb["National resources"].iter_rows(min_row=2)]
    assert national[-1] == ["Total", None, "USD", None, 25000]
    cli(example, "report", "article7", "--year", "2025", "--format", "xlsx", code=2)  # a workbook needs --output

    result = cli(example, "report", "monitor", "--year", "2025", "--rates", "annual-average", "--format", "csv")
    assert result.stdout_bytes.startswith("\ufeff".encode())
    lines = result.stdout_bytes.decode("utf-8-sig").splitlines()
    assert lines[0] == "Donor,National currency,Amount (national currency),Amount (USD),Currency chosen by,Paid in"
    assert lines[3] == "Japan,JPY,44000000,303448.28,country,44000000 JPY" and lines[-1] == "Total,,,441801.22,,"

    cli(example, "report", "monitor", "--year", "2025", "--format", "html", "--output", str(tmp_path / "monitor.html"))
    text = (tmp_path / "monitor.html").read_text()
    assert "436,000.00" in text and "44,000,000" in text and "<script" not in text

    for bad in (["report", "monitor", "--year", "2025", "--rates", "monthly"], ["report", "article7"],
                ["summary", "year", "--year", "2025-H1"]):
        cli(example, *bad, code=2)
    assert "is not a year" in cli(example, "report", "article7", "--year", "MMXXV", code=2).output


def test_summary_year_command_and_csv(example):
    doc = json.loads(cli(example, "summary", "year", "--year", "2025", "--format", "json").stdout)
    assert doc["period"] == "2025" and doc["totals"]["disbursed"] == "376000.00"
    text = cli(example, "summary", "year", "--year", "2025", "--format", "csv").stdout_bytes.decode("utf-8-sig")
    assert "\r\nDonors\r\nDonor,Pledged for the year," in text  # one block per sheet, titled
    assert "Own fiscal year,Disbursed in own fiscal year" in text
    assert "Japan,0.00,0.00,0.00,300000.00,0.00,100000.00,0.00,0.00,2025-04-01 to 2026-03-31,200000.00" in text


def test_pages_and_downloads_for_the_readers_of_drafts(example, client, login):
    login("operator", organisation="HALO")
    assert client.get("/reports/article7/2025").status_code == 403
    client.delete_cookie("session")  # a new visitor
    login("reviewer")
    page = client.get("/reports/article7/2025").get_data(as_text=True)
    assert "436,000.00" in page and "30,000,000" in page and "Trust Fund</th>" not in page
    assert "In kind (material, staff, services)" in page and "400,000,000.00" in page
    csv = client.get("/reports/article7/2025/export.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv" and csv.data.startswith("\ufeff".encode())
    assert "attachment; filename=\"ccm-article7-2025.csv\"" == csv.headers["Content-Disposition"]
    assert client.get("/reports/article7/2025/export.json").get_json()["totals"]["national_usd"] == "25000.00"
    wb = load_workbook(io.BytesIO(client.get("/reports/monitor/2025/export.xlsx?rates=annual-average").data))
    assert wb["Support by donor"]["D4"].value == pytest.approx(303448.28)
    page = client.get("/reports/monitor/2025?rates=annual-average").get_data(as_text=True)
    assert "441,801.22" in page and "145.0000000000" in page and "the currency it paid most in" in page
    assert client.get("/reports/monitor/2025?rates=monthly").status_code == 404
    assert client.get("/reports/article7/20x5").status_code == 404
    assert client.get("/reports/article7/2025/export.pdf").status_code == 404
    index = client.get("/reports/?year=2025").get_data(as_text=True)
    assert "/reports/article7/2025" in index and "/summaries/swg/2025/all" in index
    assert "/reports/" in client.get("/summaries/").get_data(as_text=True)
    summary = client.get("/summaries/swg/2025/all").get_data(as_text=True)
    assert "annual funding summary, 2025" in summary and "2025-04-01 to 2026-03-31" in summary and "200,000.00" in summary
    assert client.get("/summaries/?kind=year&period=2025&pillar=clearance").headers["Location"].endswith("/summaries/swg/2025/all")
    csv = client.get("/summaries/swg/2025/all/export.csv")
    assert csv.status_code == 200 and b"Trend" in csv.data


def test_lists_export_csv_safely(example, client, login):
    with example.app_context():
        s = get_session()
        evil = Organisation(name="=HYPERLINK(\"http://x\")", kind="donor")
        s.add(evil)
        s.flush()
        halo = org(s, "HALO")
        s.add(Disbursement(donor_id=evil.id, recipient_id=halo.id, paid_on=date(2025, 5, 1), pillar_code="va",
                           amount=D("12.5"), currency="USD", notes="@SUM(1)"))
        s.commit()
    login("co-chair")
    response = client.get("/disbursements/?year=2025&export=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="disbursements.csv"'
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeffAgreement ref,Pledge ref,Donor,")
    assert "'=HYPERLINK" in text and ",12.50," in text and "\n=" not in text and ",=" not in text
    assert client.get("/organisations/?export=csv").data.decode("utf-8-sig").startswith("Name,Kind,Country")
    assert "export=csv" in client.get("/disbursements/").get_data(as_text=True)
    assert client.get("/disbursements/?export=xlsx").mimetype.endswith("spreadsheetml.sheet")


def test_the_api_serves_the_same_reports_to_a_readers_token(example, make_user):
    from uxo_swg.api.tokens import create_token
    from uxo_swg.summaries import services as summary_services

    with example.app_context():
        session = get_session()
        reviewer = create_token(make_user("reviewer"), session=session, label="reports")
        operator = create_token(make_user("operator", organisation="HALO"), session=session, label="reports")
        article7 = services.article7_report(2025, session=session)
        monitor = services.monitor_report(2025, "annual-average", session=session)
        annual = summary_services.compute_summary(summary_services.scope_of("swg", "2025"), session=session)[0]
    client = example.test_client()

    def get(url, token):
        return client.get(url, headers={"Authorization": f"Bearer {token}"})

    assert get("/api/v1/reports/article7?year=2025", reviewer).get_json() == json.loads(json.dumps(article7))
    assert get("/api/v1/reports/monitor?year=2025&rates=annual-average", reviewer).get_json()["total_usd"] == "441801.22"
    assert get("/api/v1/reports/monitor?year=2025&rates=annual-average", reviewer).get_json() == json.loads(json.dumps(monitor))
    year = get("/api/v1/reports/year?year=2025", reviewer).get_json()
    assert year == json.loads(json.dumps(annual)) and year["period"] == "2025"
    assert get("/api/v1/reports/article7?year=2025", operator).status_code == 403
    bad = get("/api/v1/reports/monitor?year=2025&rates=monthly", reviewer)
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "rates"
