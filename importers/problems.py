"""A located problem in an imported file."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """An error or warning at a sheet, row and column, in a sentence a person can act on."""

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    level: str = "error"  # error | warning

    def __str__(self) -> str:
        where = [p for p in (self.sheet, f"row {self.row}" if self.row else "", f"column {self.column}" if self.column else "") if p]
        return f"{', '.join(where)}: {self.message}" if where else self.message
