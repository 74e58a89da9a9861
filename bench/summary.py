"""Benchmark: one summary against one hand-written SQL aggregate over the same rows.

    .venv/bin/python bench/summary.py [--rows 1000000] [--db sqlite|postgresql|both]
                                      [--pg-url postgresql://postgres@127.0.0.1:5432/test]

Generates ROWS money transactions over the 20 years 2006-2025 (88% donor-side disbursements,
8% operators' receipts, half of them with an agreement ref, 4% expenditure lines), with
200 agreements a year, pledges and monthly exchange rates for ten currencies, stored with
plain Core bulk inserts (no audit: bench-only). On SQLite (a file in a temporary folder) and
on PostgreSQL (a dedicated schema, dropped afterwards) it then times, nine times each in turns
after one warm-up run:
  1. the baseline: one hand-written `SELECT ... SUM(amount) ... GROUP BY` over the rows the
     summary counts (disbursements, receipts and expenditure of the summary's window, the
     pledge lines, agreements and requirements it reads), grouped by what an exact conversion
     needs (kind, pillar, currency, date; the date as text, so that it shares a column with
     the expenditure's quarter and the requirement's year); on PostgreSQL with the same
     `work_mem` the summary sets for its own transaction;
  2. the summaries: TWG clearance 2025-Q3 and SWG 2025-H1, exactly as the web page and
     `uxo-swg summary` compute them (services.compute_summary), and the home page's year at
     a glance for 2025 (funding.year_at_a_glance; no target of its own, the same yardstick);
and prints the best times, their ratio summary / baseline, and the median of the nine
paired ratios (the target is at most 2). `--existing URL` measures a database generated
earlier (`--generate URL` fills one and keeps it). Not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CURRENCIES = {"USD": 1, "EUR": Decimal("0.9"), "JPY": Decimal("140"), "GBP": Decimal("0.78"), "AUD": Decimal("1.5"),
              "NOK": Decimal("10.5"), "KRW": Decimal("1300"), "CHF": Decimal("0.9"), "CAD": Decimal("1.35"),
              "NZD": Decimal("1.65"), "LAK": Decimal("20000")}
PILLARS = ["clearance"] * 5 + ["va", "va", "re", "im", "policy", "unallocated"]
PROVINCES = ["LA-AT", "LA-BK", "LA-BL", "LA-CH", "LA-HO", "LA-KH", "LA-LM", "LA-LP", "LA-OU", "LA-PH", "LA-SL", "LA-SV",
             "LA-VI", "LA-VT", "LA-XA", "LA-XE", "LA-XI", "LA-XS", "national"]
FIRST_YEAR, LAST_YEAR = 2006, 2025
CHUNK = 20_000


def generate(url: str, rows: int) -> None:
    """Fill a migrated database with `rows` transactions (plain Core inserts, no audit)."""
    import sqlalchemy as sa

    from uxo_swg.db import make_engine
    from uxo_swg.models import (
        Commitment, CommitmentLine, Disbursement, ExchangeRate, OperatorReturn, Organisation, Pledge, PledgeLine, Requirement,
        ReturnExpenditure, ReturnReceipt,
    )

    rnd = random.Random(6)
    engine = make_engine(url)
    days = (date(LAST_YEAR, 12, 31) - date(FIRST_YEAR, 1, 1)).days + 1
    with engine.begin() as conn:
        now = datetime.now(timezone.utc)

        def insert(model, values):
            stamp = {"created_at": now} if "created_at" in model.__table__.c else {}
            for i in range(0, len(values), CHUNK):
                conn.execute(sa.insert(model.__table__), [dict(v, **stamp) for v in values[i:i + CHUNK]])

        donors = [(f"Donor {i:02d}", cur) for i, cur in enumerate(list(CURRENCIES)[:-1] * 3)]  # 30 donors
        names = [(n, "donor") for n, _ in donors] + [("Government of Lao PDR", "government")]
        names += [(f"Operator {i:02d}", "ngo") for i in range(20)] + [(f"Channel {i}", "multilateral") for i in range(3)]
        insert(Organisation, [{"name": n, "kind": k, "version": 1} for n, k in names])
        org = dict(conn.execute(sa.select(Organisation.name, Organisation.id)).all())
        donor_ids = [(org[n], cur) for n, cur in donors] + [(org["Government of Lao PDR"], "LAK")]
        operators = [org[f"Operator {i:02d}"] for i in range(20)]
        channels = [org[f"Channel {i}"] for i in range(3)]
        worked = {op: rnd.sample(PROVINCES, 5) for op in operators}

        rates = []
        for cur, base in CURRENCIES.items():
            if cur == "USD":
                continue
            for year in range(FIRST_YEAR - 1, LAST_YEAR + 1):
                for month in range(1, 13):
                    units = (Decimal(base) * (1 + Decimal(rnd.randint(-80, 80)) / 1000)).quantize(Decimal("0.0001"))
                    rates.append({"rate_date": date(year, month, 1), "currency": cur, "units_per_usd": units,
                                  "source": "bench (monthly)"})
        insert(ExchangeRate, rates)
        insert(Requirement, [{"year": y, "pillar_code": p, "amount": Decimal(a), "currency": "USD", "source": "bench", "version": 1}
                             for y in range(FIRST_YEAR, LAST_YEAR + 1)
                             for p, a in (("clearance", 42_000_000), ("va", 6_500_000), ("re", 3_200_000), ("im", 1_500_000),
                                          ("policy", 1_800_000))])

        # Pledges (three-year, some CCM-specific) and 200 agreements a year.
        pledges, lines, agreements = [], [], []
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            for k, (donor_id, cur) in enumerate(donor_ids):
                ref = f"P-{year}-{k:02d}"
                pledges.append({"ref": ref, "donor_id": donor_id, "announced_on": date(year, 1 + k % 12, 10), "currency": cur,
                                "ccm_specific": k % 3 == 0, "announced_at": "", "notes": "", "version": 1})
        insert(Pledge, pledges)
        pledge_ids = dict(conn.execute(sa.select(Pledge.ref, Pledge.id)).all())
        for p in pledges:
            for y in range(p["announced_on"].year, p["announced_on"].year + 3):
                for pillar in ("clearance", "va"):
                    lines.append({"pledge_id": pledge_ids[p["ref"]], "year": y, "pillar_code": pillar,
                                  "amount": Decimal(rnd.randint(100, 2000) * 1000) * Decimal(CURRENCIES[p["currency"]])})
        insert(PledgeLine, [dict(line, amount=line["amount"].quantize(Decimal("1"))) for line in lines])
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            for a in range(200):
                donor_id, cur = donor_ids[a % len(donor_ids)]
                signed = date(year, 1, 1) + timedelta(days=rnd.randint(0, 300))
                agreements.append({"ref": f"AG-{year}-{a:03d}", "pledge_id": pledge_ids[f"P-{year}-{a % len(donor_ids):02d}"],
                                   "donor_id": donor_id, "recipient_id": operators[a % 20], "signed_on": signed,
                                   "start_on": signed, "end_on": signed + timedelta(days=rnd.randint(300, 900)),
                                   "pillar_code": PILLARS[a % len(PILLARS)], "currency": cur, "notes": "", "version": 1,
                                   "amount": Decimal(rnd.randint(100, 3000) * 1000) * Decimal(CURRENCIES[cur])})
        insert(Commitment, [{k: v for k, v in a.items() if k not in ("amount", "pillar_code")} for a in agreements])
        agreement_ids = dict(conn.execute(sa.select(Commitment.ref, Commitment.id)).all())
        insert(CommitmentLine, [{"commitment_id": agreement_ids[a["ref"]], "year": a["signed_on"].year,
                                 "pillar_code": a["pillar_code"], "amount": a["amount"].quantize(Decimal("1"))}
                                for a in agreements])

        returns = [{"operator_id": op, "quarter": f"{y}-Q{q}", "version_no": 1, "prepared_by": "", "email": "", "filename": "",
                    "sha256": "", "uploaded_at": datetime(y, 3 * q, 28, tzinfo=timezone.utc)}
                   for y in range(FIRST_YEAR, LAST_YEAR + 1) for q in range(1, 5) for op in operators]
        insert(OperatorReturn, returns)
        return_id = {(op, quarter): rid for rid, op, quarter in conn.execute(
            sa.select(OperatorReturn.id, OperatorReturn.operator_id, OperatorReturn.quarter)).all()}

        n_receipts, n_spend = rows * 8 // 100, rows * 4 // 100
        n_dis = rows - n_receipts - n_spend
        batch: list[dict] = []
        for i in range(n_dis):
            a = agreements[rnd.randrange(len(agreements))] if rnd.random() < 0.7 else None
            donor_id, cur = (a["donor_id"], a["currency"]) if a else donor_ids[rnd.randrange(len(donor_ids))]
            op = a["recipient_id"] if a else operators[rnd.randrange(20)]
            paid = date(FIRST_YEAR, 1, 1) + timedelta(days=rnd.randrange(days))
            batch.append({"agreement_ref": a["ref"] if a else None, "donor_id": donor_id, "recipient_id": op,
                          "via_id": channels[i % 3] if i % 5 == 0 else None, "paid_on": paid,
                          "pillar_code": a["pillar_code"] if a else PILLARS[i % len(PILLARS)],
                          "province_code": worked[op][i % 5], "currency": cur, "notes": "", "version": 1,
                          "amount": Decimal(rnd.randint(1000, 200_000)) * (100 if cur in ("JPY", "KRW", "LAK") else 1)})
            if len(batch) == CHUNK:
                insert(Disbursement, batch)
                batch = []
        insert(Disbursement, batch)
        batch = []
        for i in range(n_receipts):
            op = operators[rnd.randrange(20)]
            donor_id, cur = donor_ids[rnd.randrange(len(donor_ids))]
            on = date(FIRST_YEAR, 1, 1) + timedelta(days=rnd.randrange(days))
            batch.append({"return_id": return_id[(op, f"{on.year}-Q{(on.month - 1) // 3 + 1}")], "row": i, "received_on": on,
                          "donor_id": donor_id, "agreement_ref": f"AG-{on.year}-{rnd.randrange(200):03d}" if i % 2 else None,
                          "pillar_code": PILLARS[i % len(PILLARS)], "province_code": worked[op][i % 5], "currency": cur,
                          "notes": "", "amount": Decimal(rnd.randint(1000, 200_000)) * (100 if cur in ("JPY", "KRW", "LAK") else 1)})
            if len(batch) == CHUNK:
                insert(ReturnReceipt, batch)
                batch = []
        insert(ReturnReceipt, batch)
        batch = []
        keys = list(return_id.values())
        for i in range(n_spend):
            op_quarter_id = keys[rnd.randrange(len(keys))]
            batch.append({"return_id": op_quarter_id, "row": i, "pillar_code": PILLARS[i % len(PILLARS)],
                          "province_code": PROVINCES[i % len(PROVINCES)], "currency": "USD", "notes": "",
                          "amount": Decimal(rnd.randint(1000, 90_000))})
            if len(batch) == CHUNK:
                insert(ReturnExpenditure, batch)
                batch = []
        insert(ReturnExpenditure, batch)
    if url.startswith("postgresql"):
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


BASELINE = """
SELECT kind, pillar_code, currency, day, SUM(amount) FROM (
  SELECT 'disbursement' AS kind, pillar_code, currency, CAST(paid_on AS VARCHAR(10)) AS day, amount FROM disbursement
   WHERE cancelled_at IS NULL AND paid_on BETWEEN :first AND :last {pillar_d}
  UNION ALL
  SELECT 'receipt', r.pillar_code, r.currency, CAST(r.received_on AS VARCHAR(10)), r.amount FROM return_receipt r
   JOIN operator_return o ON o.id = r.return_id
   WHERE o.superseded_by_id IS NULL AND r.received_on BETWEEN :first AND :last {pillar_r}
  UNION ALL
  SELECT 'expenditure', e.pillar_code, e.currency, o.quarter, e.amount FROM return_expenditure e
   JOIN operator_return o ON o.id = e.return_id
   WHERE o.superseded_by_id IS NULL AND o.quarter BETWEEN :first_q AND :last_q {pillar_e}
  UNION ALL
  SELECT 'pledge', l.pillar_code, p.currency, CAST(p.announced_on AS VARCHAR(10)), l.amount FROM pledge_line l
   JOIN pledge p ON p.id = l.pledge_id
   WHERE p.cancelled_at IS NULL AND (l.year >= :year OR p.announced_on BETWEEN :first AND :last) {pillar_l}
  UNION ALL
  SELECT 'commitment', pillar_code, currency, CAST(signed_on AS VARCHAR(10)), amount FROM commitment
   WHERE cancelled_at IS NULL AND signed_on BETWEEN :first AND :last {pillar_d}
  UNION ALL
  SELECT 'requirement', pillar_code, currency, CAST(year AS VARCHAR(10)), amount FROM requirement
   WHERE superseded_by_id IS NULL AND cancelled_at IS NULL AND year = :year {pillar_d}
) AS rows_counted GROUP BY kind, pillar_code, currency, day
"""


def interleaved(first, second, runs: int = 9) -> tuple[list[float], list[float]]:
    """Time `first` and `second` one after the other `runs` times (after one warm-up call of each)."""
    first(), second()
    a, b = [], []
    for _ in range(runs):
        start = time.perf_counter()
        first()
        a.append(time.perf_counter() - start)
        start = time.perf_counter()
        second()
        b.append(time.perf_counter() - start)
    return a, b


def measure(url: str, label: str) -> list[tuple[str, float, float, int]]:
    """Return (summary, summary seconds, baseline seconds, baseline groups) for the two summaries."""
    import sqlalchemy as sa

    from uxo_swg import create_app
    from uxo_swg.db import get_engine, get_session
    from uxo_swg.domain.periods import parse_period
    from uxo_swg.domain.summary import scope_period
    from uxo_swg.funding import year_at_a_glance
    from uxo_swg.summaries import services
    from uxo_swg.summaries.inputs import WORK_MEM

    app = create_app("test", DATABASE_URL=url)
    postgresql = url.startswith("postgresql")
    out = []
    with app.app_context():
        for kind, period, pillar in (("twg", "2025-Q3", "clearance"), ("swg", "2025-H1", None), ("glance", "2025", None)):
            if kind == "glance":  # the home page's year at a glance (no target of its own; same yardstick)
                scope = services.Scope("glance", parse_period(period, "Y"))
            else:
                scope = services.scope_of(kind, period, pillar)
            first, last = scope_period(kind, scope.period)
            params = {"first": first, "last": last, "first_q": f"{first.year}-Q{(first.month - 1) // 3 + 1}",
                      "last_q": f"{last.year}-Q{(last.month - 1) // 3 + 1}", "year": scope.period.year}
            where = {k: ("AND pillar_code = 'clearance'" if k == "pillar_d" else f"AND {k[-1]}.pillar_code = 'clearance'")
                     if pillar else "" for k in ("pillar_d", "pillar_r", "pillar_e", "pillar_l")}
            query = sa.text(BASELINE.format(**where))

            def baseline():
                with get_engine().begin() as conn:
                    if postgresql:  # the same memory for grouping as the summary gives itself
                        conn.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
                    return conn.execute(query, params).all()

            def summary():
                session = get_session()
                if scope.kind == "glance":
                    figures = year_at_a_glance(scope.period, session=session).figures
                    doc = {"totals": {"disbursed": figures.total("disbursed").quantize(Decimal("0.01"))}}
                else:
                    doc, _ = services.compute_summary(scope, session=session)
                session.rollback()
                return doc

            # Taken in turns, so that a slower moment of a shared machine weighs on both.
            bases, sums = interleaved(baseline, summary)
            base_s, sum_s = min(bases), min(sums)
            paired = statistics.median(s / b for s, b in zip(sums, bases))
            groups, doc = baseline(), summary()
            title = f"home page: {scope.period} at a glance" if scope.kind == "glance" else scope.title
            print(f"  {label:10} {title:32} summary {sum_s * 1000:6.0f} ms   baseline {base_s * 1000:6.0f} ms "
                  f"({len(groups):,} groups)   ratio of the best {sum_s / base_s:4.2f}, median ratio {paired:4.2f}   "
                  f"disbursed US$ {doc['totals']['disbursed']}")
            out.append((title, sum_s, base_s, len(groups)))
    app.extensions["engine"].dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--existing", metavar="URL", help="measure a database generated earlier (no generation)")
    parser.add_argument("--generate", metavar="URL", help="generate into this migrated, empty database and keep it")
    args = parser.parse_args()

    from uxo_swg.db import scratch_schema
    from uxo_swg.migrate import upgrade

    if args.generate:
        generate(args.generate, args.rows)
        return
    if args.existing:
        measure(args.existing, "PostgreSQL" if args.existing.startswith("postgresql") else "SQLite")
        return
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.sqlite"
            upgrade(url)
            start = time.perf_counter()
            generate(url, args.rows)
            print(f"SQLite: {args.rows:,} transactions generated in {time.perf_counter() - start:.0f} s")
            measure(url, "SQLite")
    if args.db in ("postgresql", "both"):
        with scratch_schema(args.pg_url, "bench") as url:
            upgrade(url)
            start = time.perf_counter()
            generate(url, args.rows)
            print(f"PostgreSQL: {args.rows:,} transactions generated in {time.perf_counter() - start:.0f} s")
            measure(url, "PostgreSQL")


if __name__ == "__main__":
    main()
