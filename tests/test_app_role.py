"""The audit trail's limit: the web app as a role that owns no table cannot switch the audit triggers off.

Runs the README's GRANT block as it is written, on PostgreSQL (SQLite has no roles).
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import sqlalchemy as sa
from sqlmodel import select

from conftest import PG_URL, csrf_token
from uxo_swg import create_app
from uxo_swg.accounts import create_user
from uxo_swg.db import get_session, make_engine
from uxo_swg.models import AuditLog, Organisation, OrganisationAlias

pytestmark = pytest.mark.skipif(not PG_URL, reason="roles and table ownership are PostgreSQL's; SQLite has neither")

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_grants(role: str, schema: str) -> list[str]:
    """Return the README's statements that give the application's role its rights, for this role and schema."""
    blocks = re.findall(r"```sql\n(.*?)```", README.read_text(), re.S)
    block = next(b for b in blocks if "GRANT USAGE ON SCHEMA public TO uxo_app" in b)
    lines = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("--")]
    return [ln.replace("uxo_app", role).replace("SCHEMA public", f'SCHEMA "{schema}"').rstrip(";") for ln in lines]


@pytest.fixture
def app_role(app, database_url):
    """Create a role that owns nothing, give it the README's rights; yield its name and a URL that connects as it."""
    schema = parse_qs(urlsplit(database_url).query)["options"][0].split("=", 1)[1]
    role = f"uxo_app_{uuid.uuid4().hex[:10]}"  # roles are cluster-wide: a name of its own, dropped afterwards
    owner = make_engine(database_url)
    try:
        with owner.begin() as conn:
            conn.execute(sa.text(f'CREATE ROLE "{role}" NOLOGIN'))
            for statement in readme_grants(role, schema):
                conn.execute(sa.text(statement))
        yield role, database_url.replace(quote(f"-csearch_path={schema}"), quote(f"-csearch_path={schema} -crole={role}"))
    finally:
        with owner.begin() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
        owner.dispose()


def test_the_app_works_as_a_role_that_cannot_touch_the_audit_triggers(app_role, database_url, tmp_path):
    role, url = app_role
    as_app = create_app("test", DATABASE_URL=url, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    try:
        with as_app.app_context():
            session = get_session()
            assert session.execute(sa.text("SELECT current_user")).scalar_one() == role
            create_user("cochair@example.org", ["co-chair"], "a long test password", session=session, actor="cli", via="cli")
        client = as_app.test_client()
        login = client.post("/login", data={"email": "cochair@example.org", "password": "a long test password",
                                            "csrf_token": csrf_token(client)})
        assert login.status_code == 302  # login attempt, throttle counters and a session row written
        form = {"name": "Mines Advisory Group", "kind": "ngo", "country": "GB", "contact": "", "aliases": "MAG"}
        assert client.post("/organisations/new", data={**form, "csrf_token": csrf_token(client, "/organisations/new")}).status_code == 302
        with as_app.app_context():
            org = get_session().exec(select(Organisation).where(Organisation.name == "Mines Advisory Group")).one()
        url_edit = f"/organisations/{org.id}/edit"
        changed = {**form, "aliases": "", "version": "1", "csrf_token": csrf_token(client, url_edit)}
        assert client.post(url_edit, data=changed).status_code == 302  # an update, and the alias deleted
        with as_app.app_context():
            session = get_session()
            assert session.exec(select(OrganisationAlias)).all() == []
            entries = session.exec(select(AuditLog.action).where(AuditLog.entity.in_(["organisation", "organisation_alias"]))).all()
            assert sorted(entries) == ["delete", "insert", "insert", "update"]
    finally:
        as_app.extensions["engine"].dispose()

    refused = {
        "ALTER TABLE pledge DISABLE TRIGGER ALL": "must be owner",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only": "must be owner",
        "DROP TRIGGER audit_log_append_only ON audit_log": "must be owner",
        "DROP TABLE audit_log": "must be owner",
        "DELETE FROM audit_log": "permission denied",
        "UPDATE audit_log SET actor = 'someone else'": "permission denied",
        "TRUNCATE audit_log": "permission denied",
    }
    engine = make_engine(url)
    try:
        for statement, reason in refused.items():
            with engine.connect() as conn:
                with pytest.raises(sa.exc.DBAPIError, match=reason):
                    conn.execute(sa.text(statement))
                conn.rollback()
    finally:
        engine.dispose()
    owner = make_engine(database_url)  # the limit, said plainly: the owner of the tables can do it
    try:
        with owner.connect() as conn:
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            conn.rollback()
    finally:
        owner.dispose()
