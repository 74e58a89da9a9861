"""A page of a long list, and the query string of links to the other pages."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from flask import request

PAGE_SIZE = 100


@dataclass
class Page:
    """One page of a list: its items, its number, how many pages and items there are."""

    items: list[Any]
    number: int
    pages: int
    total_items: int
    size: int

    @classmethod
    def of(cls, items: Sequence[Any], number: int | None, size: int = PAGE_SIZE) -> "Page":
        """Return page `number` (clamped to the pages there are) of the items."""
        pages = max((len(items) + size - 1) // size, 1)
        number = min(max(number or 1, 1), pages)
        return cls(list(items[(number - 1) * size:number * size]), number, pages, len(items), size)

    @classmethod
    def counted(cls, total: int, number: int | None, fetch: Callable[[int, int], Sequence[Any]],
                size: int = PAGE_SIZE) -> "Page":
        """Return page `number` of a list of `total` items counted by the database, reading only its items.

        `fetch(offset, limit)` returns the page's items (a query with OFFSET and LIMIT).
        """
        pages = max((total + size - 1) // size, 1)
        number = min(max(number or 1, 1), pages)
        return cls(list(fetch((number - 1) * size, size)), number, pages, total, size)

    @property
    def first_index(self) -> int:
        """Return the 1-based position of the page's first item in the whole list."""
        return (self.number - 1) * self.size + 1

    def args(self, number: int, param: str = "page", **keep: Any) -> dict[str, Any]:
        """Return the current query string (and `keep`) with the page number `param` changed."""
        args = {k: v for k, v in request.args.items() if k != param}
        args.update(keep)
        args[param] = number
        return args


def page_number(name: str = "page") -> int:
    """Return the page number asked for in the query string (1 when absent or not a number)."""
    return request.args.get(name, 1, type=int) or 1
