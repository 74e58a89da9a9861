"""How summaries read the database: plain Core rows, and ids written into the statement."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session


def read(session: Session, statement: Any) -> Any:
    """Run a query as plain Core rows: the ORM's result machinery costs more than the rows here."""
    return session.connection().execute(statement)


def id_list(name: str, ids: Any) -> Any:
    """Return integer ids the database gave as a list written into the statement, however many (no parameter limit)."""
    return sa.bindparam(name, sorted(ids), expanding=True, literal_execute=True)
