"""A located problem in an imported file."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from uxo_swg.domain.messages import fill


@dataclass(frozen=True)
class Problem:
    """An error or warning at a sheet, row and column, in a sentence a person can act on.

    `message` is the English sentence; `template` and `params`, when set, are what it was made
    of, so that a page in another language can translate the template and fill in the same values.
    """

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    level: str = "error"  # error | warning
    template: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        where = [p for p in (self.sheet, f"row {self.row}" if self.row else "", f"column {self.column}" if self.column else "") if p]
        return f"{', '.join(where)}: {self.message}" if where else self.message


def problem(template: str, sheet: str = "", row: int | None = None, column: str = "", level: str = "error",
            **params: Any) -> Problem:
    """Return the problem whose sentence is the template (marked with N_) filled with the values."""
    values = _plain(params)
    return Problem(fill(template, values), sheet, row, column, level, template, values)


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Return the values as text and whole numbers (and nested sentences), so that a preview keeps them as JSON."""
    return {name: {"template": v["template"], "params": _plain(v["params"])} if isinstance(v, dict)
            else v if isinstance(v, (int, str)) and not isinstance(v, bool) else str(v) for name, v in params.items()}


def explained(error: Exception, sheet: str = "", row: int | None = None, column: str = "",
              level: str = "error") -> Problem:
    """Return the problem that says what the exception says (its template and values when it has them)."""
    template = getattr(error, "template", "")
    if template:
        return problem(template, sheet, row, column, level, **error.params)  # type: ignore[attr-defined]
    return Problem(str(error), sheet, row, column, level)
