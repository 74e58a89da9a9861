"""Finding organisations by the names people write: canonical names and aliases."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from .domain.messages import N_, fill, message
from .domain.names import closest
from .domain.reference import normalise
from .models import Organisation, OrganisationAlias


@dataclass
class Directory:
    """Every organisation by normalised name and alias; merged ones lead to the survivor."""

    by_key: dict[str, Organisation]
    by_id: dict[int, Organisation]

    @classmethod
    def load(cls, *, session: Session) -> "Directory":
        """Return the directory of the organisations in the database."""
        orgs = {o.id: o for o in session.exec(select(Organisation)).all()}

        def survivor(org: Organisation) -> Organisation:
            seen = set()
            while org.merged_into_id and org.id not in seen:
                seen.add(org.id)
                org = orgs[org.merged_into_id]
            return org

        by_key: dict[str, Organisation] = {}
        for org in orgs.values():
            by_key[normalise(org.name)] = survivor(org)
        for alias in session.exec(select(OrganisationAlias)).all():
            by_key.setdefault(alias.key, survivor(orgs[alias.organisation_id]))
        return cls(by_key=by_key, by_id=orgs)

    def find(self, text: str) -> Organisation | None:
        """Return the organisation called `text` (name or alias, any case), or None."""
        return self.by_key.get(normalise(text)) if text else None

    def suggestions(self, text: str) -> list[str]:
        """Return the closest known names to `text`."""
        return closest(text, {k: o.name for k, o in self.by_key.items()})

    def unknown_message(self, text: str, role: str = "organisation") -> str:
        """Return the sentence for a name that matches no organisation."""
        return fill(*self.unknown(text, role))

    def unknown(self, text: str, role: str = N_("organisation")) -> tuple[str, dict[str, Any]]:
        """Return the template and values of the sentence for a name that matches no organisation."""
        near = self.suggestions(text)
        hint = message(N_(" Did you mean {names}?"), names=" or ".join(repr(n) for n in near)) if near else ""
        return (N_("no {role} is called {name}.{hint} Ask the secretariat to add it, or use its registered name."),
                {"role": message(role), "name": repr(text), "hint": hint})
