"""A busy working group's database (issue 14): pledges, agreements, payments, returns and audit rows.

    .venv/bin/python bench/medium.py URL [--scale 1.0]     # fill a migrated, empty database

At scale 1 (the size issue 14 measured): 6,000 pledges, 12,000 agreements, 12,000
disbursements, 210,000 operator receipts, 280,000 audit rows, over 2021-2026, with monthly
rates for ten currencies. Links are as the workspace makes them: agreements name their pledge
(one in twenty in another currency than the pledge, so some statuses are compared in US$),
disbursements their agreement and pledge, and about half the disbursements have the
operator's receipt of the same money (same ref, donor and operator; a few with another
amount), so the reconciliation has pairs to match. Users: `cochair@bench.example` (co-chair
and admin), `op00@bench.example` ... (operators), password BENCH_PASSWORD. Stored with plain
bulk inserts (COPY on PostgreSQL); the audit rows are generated, not written by the hook.
"""
from __future__ import annotations

import json
import random
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from summary import CURRENCIES, PILLARS, PROVINCES  # noqa: E402  (bench/ is the script's folder)

FIRST_YEAR, LAST_YEAR = 2021, 2026
BENCH_PASSWORD = "bench password long enough"
COCHAIR = "cochair@bench.example"
SIZES = {"pledges": 6_000, "agreements": 12_000, "disbursements": 12_000, "receipts": 210_000, "audit": 280_000,
         "expenditure": 20_000, "donors": 60, "operators": 40}


def sizes(scale: float) -> dict[str, int]:
    """Return the number of records of each kind at a scale (1.0: the size of issue 14)."""
    least = {"donors": 4, "operators": 10}
    return {k: max(int(v * scale), least.get(k, 1)) for k, v in SIZES.items()}


def _amount(rnd: random.Random, cur: str, low: int, high: int) -> Decimal:
    return (Decimal(rnd.randint(low, high)) * Decimal(CURRENCIES[cur])).quantize(Decimal("1"))


def generate(url: str, scale: float = 1.0, *, seed: int = 14) -> dict[str, int]:
    """Fill a migrated, empty database; return how many records of each kind were stored."""
    from sqlmodel import Session

    from uxo_swg.accounts import hash_password
    from uxo_swg.db import bulk_insert, make_engine
    from uxo_swg.models import (
        Amendment, AuditLog, Commitment, CommitmentLine, Disbursement, ExchangeRate, OperatorReturn, Organisation, Pledge,
        PledgeLine, Requirement, ReturnExpenditure, ReturnReceipt, User,
    )

    n = sizes(scale)
    rnd = random.Random(seed)
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    days = (date(LAST_YEAR, 11, 15) - date(FIRST_YEAR, 1, 1)).days
    counts: dict[str, int] = {}
    with Session(engine) as session:
        def insert(model, rows, ids=False):
            stamp = {"created_at": now} if "created_at" in model.__table__.c else {}
            counts[model.__tablename__] = counts.get(model.__tablename__, 0) + len(rows)
            return bulk_insert(session, model.__table__, [dict(r, **stamp) for r in rows], returning_ids=ids)

        currencies = [c for c in CURRENCIES if c != "LAK"]
        donors = [(f"Donor {i:02d}", currencies[i % len(currencies)]) for i in range(n["donors"])]
        orgs = ([{"name": name, "kind": "donor", "version": 1} for name, _ in donors]
                + [{"name": f"Operator {i:02d}", "kind": "ngo", "version": 1} for i in range(n["operators"])]
                + [{"name": f"Channel {i}", "kind": "multilateral", "version": 1} for i in range(3)]
                + [{"name": "Government of Lao PDR", "kind": "government", "version": 1}])
        ids = insert(Organisation, orgs, ids=True)
        donor_ids = [(ids[i], cur) for i, (_, cur) in enumerate(donors)] + [(ids[-1], "LAK")]
        operators = ids[len(donors):len(donors) + n["operators"]]
        channels = ids[len(donors) + n["operators"]:-1]
        insert(ExchangeRate, [{"rate_date": date(y, m, 1), "currency": cur, "source": "bench (monthly)",
                               "units_per_usd": (Decimal(base) * (1 + Decimal(rnd.randint(-80, 80)) / 1000)).quantize(Decimal("0.0001"))}
                              for cur, base in CURRENCIES.items() if cur != "USD"
                              for y in range(FIRST_YEAR - 1, LAST_YEAR + 1) for m in range(1, 13)])
        insert(Requirement, [{"year": y, "pillar_code": p, "amount": Decimal(a), "currency": "USD", "source": "bench", "version": 1}
                             for y in range(FIRST_YEAR, LAST_YEAR + 1)
                             for p, a in (("clearance", 42_000_000), ("va", 6_500_000), ("re", 3_200_000), ("im", 1_500_000),
                                          ("policy", 1_800_000))])

        pledges = []
        for i in range(n["pledges"]):
            donor_id, cur = donor_ids[rnd.randrange(len(donor_ids))]
            on = date(FIRST_YEAR, 1, 1) + timedelta(days=rnd.randrange(days))
            pledges.append({"ref": f"PL-{on.year}-{i:05d}", "donor_id": donor_id, "announced_on": on, "currency": cur,
                            "recipient_id": operators[i % len(operators)] if i % 4 == 0 else None, "announced_at": "SWG",
                            "ccm_specific": i % 7 == 0, "notes": "", "version": 1})
        pledge_ids = insert(Pledge, pledges, ids=True)
        lines = [{"pledge_id": pid, "year": p["announced_on"].year + k, "pillar_code": pillar,
                  "amount": _amount(rnd, p["currency"], 100_000, 2_000_000)}
                 for pid, p in zip(pledge_ids, pledges) for k in range(1 + pid % 3) for pillar in ("clearance", "va")[:1 + pid % 2]]
        insert(PledgeLine, lines)

        agreements = []
        for i in range(n["agreements"]):
            k = rnd.randrange(len(pledges))
            p = pledges[k]
            signed = min(p["announced_on"] + timedelta(days=rnd.randint(10, 300)), date(LAST_YEAR, 11, 20))
            cur = "USD" if i % 20 == 7 and p["currency"] != "USD" else p["currency"]
            agreements.append({"ref": f"AG-{signed.year}-{i:05d}", "pledge_id": pledge_ids[k] if i % 10 else None,
                               "donor_id": p["donor_id"], "recipient_id": operators[rnd.randrange(len(operators))],
                               "signed_on": signed, "start_on": signed, "end_on": signed + timedelta(days=rnd.randint(300, 900)),
                               "currency": cur, "support": "in-kind" if i % 50 == 3 else "cash", "notes": "", "version": 1})
        agreement_ids = insert(Commitment, agreements, ids=True)
        pillar_of = [PILLARS[i % len(PILLARS)] for i in range(len(agreements))]
        insert(CommitmentLine, [{"commitment_id": aid, "year": a["signed_on"].year + k, "pillar_code": pillar_of[i],
                                 "amount": _amount(rnd, a["currency"], 50_000, 600_000)}
                                for i, (aid, a) in enumerate(zip(agreement_ids, agreements)) for k in range(1 + i % 2)])
        insert(Amendment, [{"commitment_id": aid, "amended_on": a["signed_on"] + timedelta(days=90), "change": "increase",
                            "year": a["signed_on"].year, "pillar_code": pillar_of[i], "amount": _amount(rnd, a["currency"], 5_000, 50_000),
                            "notes": "bench", "version": 1}
                           for i, (aid, a) in enumerate(zip(agreement_ids, agreements)) if i % 10 == 0])

        disbursements = []
        for i in range(n["disbursements"]):
            k = i % len(agreements)
            a = agreements[k]
            paid = min(a["signed_on"] + timedelta(days=rnd.randint(5, 200)), date(LAST_YEAR, 11, 25))
            disbursements.append({"agreement_ref": a["ref"], "commitment_id": agreement_ids[k], "pledge_id": a["pledge_id"],
                                  "donor_id": a["donor_id"], "recipient_id": a["recipient_id"],
                                  "via_id": channels[i % 3] if i % 9 == 0 else None, "paid_on": paid, "pillar_code": pillar_of[k],
                                  "province_code": PROVINCES[i % len(PROVINCES)], "amount": _amount(rnd, a["currency"], 20_000, 300_000),
                                  "currency": a["currency"], "support": a["support"], "notes": "", "version": 1})
        insert(Disbursement, disbursements)

        quarters = [f"{y}-Q{q}" for y in range(FIRST_YEAR, LAST_YEAR + 1) for q in range(1, 5)]
        returns = [{"operator_id": op, "quarter": q, "version_no": 1, "prepared_by": "bench", "email": "", "filename": "bench.xlsx",
                    "sha256": "", "uploaded_at": datetime(int(q[:4]), 3 * int(q[-1]), 28, tzinfo=timezone.utc)}
                   for q in quarters for op in operators]
        return_ids = insert(OperatorReturn, returns, ids=True)
        return_of = {(r["operator_id"], r["quarter"]): rid for rid, r in zip(return_ids, returns)}
        quarter_of = lambda on: f"{on.year}-Q{(on.month - 1) // 3 + 1}"  # noqa: E731
        receipts = []
        for i, d in enumerate(disbursements):  # about half the payments acknowledged by their operator
            if i % 2 or d["paid_on"] > date(LAST_YEAR, 9, 30):
                continue
            on = d["paid_on"] + timedelta(days=rnd.randint(0, 20))
            if quarter_of(on) != quarter_of(d["paid_on"]):
                on = d["paid_on"]
            amount = d["amount"] if i % 20 else d["amount"] - 100  # a few with another amount (bank charges)
            receipts.append({"return_id": return_of[(d["recipient_id"], quarter_of(on))], "row": len(receipts), "received_on": on,
                             "donor_id": d["donor_id"], "via_id": d["via_id"], "agreement_ref": d["agreement_ref"],
                             "pillar_code": d["pillar_code"], "province_code": d["province_code"], "amount": amount,
                             "currency": d["currency"], "notes": ""})
        last_receipt = date(LAST_YEAR, 9, 30)
        while len(receipts) < n["receipts"]:  # money the operators report that no donor-side record shows
            op = operators[rnd.randrange(len(operators))]
            donor_id, cur = donor_ids[rnd.randrange(len(donor_ids))]
            on = date(FIRST_YEAR, 1, 1) + timedelta(days=rnd.randrange((last_receipt - date(FIRST_YEAR, 1, 1)).days))
            receipts.append({"return_id": return_of[(op, quarter_of(on))], "row": len(receipts), "received_on": on,
                             "donor_id": donor_id, "via_id": None, "agreement_ref": None, "pillar_code": PILLARS[len(receipts) % len(PILLARS)],
                             "province_code": PROVINCES[len(receipts) % len(PROVINCES)], "currency": cur, "notes": "",
                             "amount": Decimal(rnd.randint(1_000, 50_000)) * (100 if cur in ("JPY", "KRW", "LAK") else 1)})
        insert(ReturnReceipt, receipts)
        insert(ReturnExpenditure, [{"return_id": return_ids[rnd.randrange(len(return_ids))], "row": i, "currency": "USD",
                                    "pillar_code": PILLARS[i % len(PILLARS)], "province_code": PROVINCES[i % len(PROVINCES)],
                                    "amount": Decimal(rnd.randint(1_000, 90_000)), "own_funds": False, "notes": ""}
                                   for i in range(n["expenditure"])])

        users = [{"email": COCHAIR, "roles": "admin co-chair", "organisation_id": None}]
        users += [{"email": f"op{i:02d}@bench.example", "roles": "operator", "organisation_id": op} for i, op in enumerate(operators)]
        password = hash_password(BENCH_PASSWORD)
        user_ids = insert(User, [dict(u, password_hash=password, active=True) for u in users], ids=True)
        entities = ("pledge", "pledge_line", "commitment", "commitment_line", "disbursement", "organisation", "requirement")
        insert(AuditLog, [{"at": datetime(FIRST_YEAR, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=i * 11), "user_id": user_ids[0],
                           "actor": COCHAIR, "via": ("form", "import", "cli")[i % 3], "action": ("insert", "update")[i % 5 == 0],
                           "entity": entities[i % len(entities)], "entity_id": str(1 + i % 5000), "before": None,
                           "after": json.dumps({"id": 1 + i % 5000, "amount": str(1000 + i), "currency": "USD", "version": 1})}
                          for i in range(n["audit"])])
        session.commit()
    with engine.connect() as conn:
        if url.startswith("postgresql"):
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return counts


def main() -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    start = time.perf_counter()
    counts = generate(args.url, args.scale)
    print(f"generated in {time.perf_counter() - start:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
