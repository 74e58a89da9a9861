from decimal import Decimal

from sqlmodel import func, select

from uxo_swg.accounts import verify_password
from uxo_swg.db import get_session
from uxo_swg.models import AuditLog, ExchangeRate, Organisation, Pledge, User


def test_init_creates_the_database(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "latest migration" in result.output
    with empty_app.app_context():
        assert get_session().exec(select(func.count()).select_from(Organisation)).one() == 0


def test_demo_loads_once(runner, app):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "demo data loaded" in first.output
    second = runner.invoke(args=["demo"])
    assert "not loaded" in second.output
    with app.app_context():
        s = get_session()
        assert s.exec(select(func.count()).select_from(Pledge)).one() == 18
        names = set(s.exec(select(Organisation.name)).all())
        assert {"United States", "Japan", "UXO Lao", "HALO Trust", "Government of Lao PDR"} <= names
        # the demo returns were sent 20 days after their quarter: on time, as the returns page shows them
        from datetime import date

        from uxo_swg.domain.periods import parse_quarter
        from uxo_swg.models import User
        from uxo_swg.returns.services import quarter_status

        cochair = s.exec(select(User).where(User.email == "cochair@demo.example")).one()
        statuses = {row.status for row in quarter_status(parse_quarter("2025-Q3"), session=s, user=cochair, today=date(2026, 1, 15))}
        assert "on time" in statuses and "late" not in statuses


def test_import_rates(runner, app, tmp_path):
    csv = tmp_path / "rates.csv"
    csv.write_text("date,currency,units_per_usd,source\n2025-01-01,LAK,21500,Bank of the Lao PDR\n"
                   "2025-02-01,lak,\"21,650.5\",Bank of the Lao PDR\n", encoding="utf-8")
    result = runner.invoke(args=["import-rates", str(csv)])
    assert result.exit_code == 0, result.output
    assert "2 new rate(s)" in result.output
    again = runner.invoke(args=["import-rates", str(csv)])
    assert again.exit_code == 0 and "nothing new" in again.output
    with app.app_context():
        rates = get_session().exec(select(ExchangeRate).order_by(ExchangeRate.rate_date)).all()
        assert [r.units_per_usd for r in rates] == [Decimal("21500"), Decimal("21650.5")]


def test_import_rates_reports_every_error_and_stores_nothing(runner, app, tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("date,currency,units_per_usd,source\n31/01/2025,LAK,21500,BoL\n2025-02-01,XX,1,BoL\n"
                   "2025-03-01,LAK,-5,BoL\n2025-04-01,LAK,21000,\n2025-05-01,LAK,21000,BoL\n", encoding="utf-8")
    result = runner.invoke(args=["import-rates", str(csv)])
    assert result.exit_code == 1
    assert "row 2, column date: '31/01/2025' is not a date" in result.output
    assert "row 3, column currency" in result.output
    assert "row 4, column units_per_usd" in result.output
    assert "row 5, column source" in result.output
    assert "nothing was stored" in result.output
    with app.app_context():
        assert get_session().exec(select(func.count()).select_from(ExchangeRate)).one() == 0


def test_import_rates_refuses_a_contradicting_rate(runner, app, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("date,currency,units_per_usd,source\n2025-01-01,LAK,21500,BoL\n", encoding="utf-8")
    b.write_text("date,currency,units_per_usd,source\n2025-01-01,LAK,21600,BoL\n2025-02-01,LAK,21700,BoL\n", encoding="utf-8")
    assert runner.invoke(args=["import-rates", str(a)]).exit_code == 0
    result = runner.invoke(args=["import-rates", str(b)])
    assert result.exit_code == 1 and "already loaded as 21500" in result.output
    with app.app_context():
        assert get_session().exec(select(func.count()).select_from(ExchangeRate)).one() == 1


def test_create_user_with_password_from_stdin(runner, app):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["create-user", "Officer@HALO.example", "--role", "operator", "--role", "reviewer",
                                 "--organisation", "HALO Trust", "--password-stdin"], input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        s = get_session()
        user = s.exec(select(User).where(User.email == "officer@halo.example")).one()
        assert user.role_set == {"operator", "reviewer"}
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user, "correct horse battery") and not verify_password(user, "wrong")
        audit = s.exec(select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == str(user.id))).one()
        assert "correct horse" not in audit.after and audit.actor == "cli"


def test_create_user_errors(runner, app):
    bad_role = runner.invoke(args=["create-user", "a@b.org", "--role", "king", "--password-stdin"], input="long enough pass\n")
    assert bad_role.exit_code != 0 and "unknown role king" in bad_role.output
    no_org = runner.invoke(args=["create-user", "a@b.org", "--role", "operator", "--password-stdin"], input="long enough pass\n")
    assert no_org.exit_code != 0 and "--organisation" in no_org.output
    short = runner.invoke(args=["create-user", "a@b.org", "--role", "admin", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 12" in short.output
    ok = runner.invoke(args=["create-user", "a@b.org", "--role", "admin", "--password-stdin"], input="long enough pass\n")
    assert ok.exit_code == 0
    dup = runner.invoke(args=["create-user", "A@b.org", "--role", "admin", "--password-stdin"], input="long enough pass\n")
    assert dup.exit_code != 0 and "already exists" in dup.output
