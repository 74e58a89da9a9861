"""Sentences that reach a person: an English template with named values, translated where it is shown.

The domain, the importers and the services say what is wrong in English, as the CLI, the logs
and the JSON API show it. A web page in Lao looks the template up in the catalogue and fills in
the same values (`uxo_swg.i18n.message_text`), so nothing here imports Flask or Babel.
"""
from __future__ import annotations

from typing import Any, Mapping


def N_(template: str) -> str:
    """Return the template unchanged: marks it for the catalogue (`pybabel extract -k N_`)."""
    return template


def message(template: str, **params: Any) -> dict[str, Any]:
    """Return a sentence to use as the value of another one's placeholder (kept as JSON in previews)."""
    return {"template": template, "params": params}


def fill(template: str, params: Mapping[str, Any]) -> str:
    """Return the template with its values filled in (the template as it is when it has none)."""
    if not params:
        return template
    values = {name: fill(v["template"], v["params"]) if isinstance(v, dict) else v for name, v in params.items()}
    return template.format(**values)


class Explained(Exception):
    """An exception whose sentence is a marked template and its values; `str()` is the English sentence."""

    def __init__(self, template: str = "", /, **params: Any) -> None:
        self.template, self.params = template, params
        super().__init__(fill(template, params))
