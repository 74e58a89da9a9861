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


class Said(str):
    """A sentence that is its English text (a `str`, for the CLI, logs and JSON) and keeps its template and values.

    For lists of sentences that were plain strings: `i18n.message_text` translates it on a page.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> "Said":
        said = super().__new__(cls, fill(template, params))
        said.template, said.params = template, params
        return said

    def nested(self) -> dict[str, Any]:
        """Return it as the value of another sentence's placeholder."""
        return message(self.template, **self.params)


def nested(text: Any) -> Any:
    """Return a sentence as a placeholder's value: its template and values when it has them, else as it is."""
    template = getattr(text, "template", "")
    return message(template, **getattr(text, "params", {})) if template else str(text)
