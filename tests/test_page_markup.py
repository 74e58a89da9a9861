"""Markup that assistive technology relies on, checked on the pages as served (no browser needed):
ids are unique on every page, sorted list columns say how they are sorted, and the bell is drawn, not a glyph."""
from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from test_i18n_pages import PAGES, _ids


class _Ids(HTMLParser):
    """Every id on the page (hidden inputs included), and the column headers with their aria-sort."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter = Counter()
        self.sorted_headers: list[tuple[str, str]] = []
        self._header: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids[attrs["id"]] += 1
        if tag == "th" and "aria-sort" in attrs:
            self._header = {"sort": attrs["aria-sort"], "text": ""}

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._header is not None:
            self.sorted_headers.append((self._header["text"].strip(), self._header["sort"]))
            self._header = None

    def handle_data(self, data: str) -> None:
        if self._header is not None:
            self._header["text"] += data


def read(page: str) -> _Ids:
    reader = _Ids()
    reader.feed(page)
    return reader


@pytest.mark.parametrize("role", sorted(PAGES))
def test_no_id_is_used_twice_on_any_page(demo_app, client, login, role):
    """A list with a cancel button per row used to repeat `id="csrf_token"` once per form (invalid HTML)."""
    login(role, organisation="HALO Trust" if role == "operator" else None)
    ids = _ids(demo_app)
    repeated = {}
    for url in (p.format(**ids) for p in PAGES[role]):
        page = client.get(url).get_data(as_text=True)
        twice = sorted(ident for ident, n in read(page).ids.items() if n > 1)
        if twice:
            repeated[url] = twice
    assert repeated == {}


@pytest.mark.parametrize("url, column, order", [
    ("/pledges/", "Announced", "ascending"),  # the default order
    ("/pledges/?sort=donor&dir=desc", "Donor", "descending"),
    ("/agreements/?sort=usd&dir=asc", "US$", "ascending"),
    ("/disbursements/?sort=paid&dir=desc", "Paid", "descending"),
    ("/requirements/?sort=year&dir=desc", "Year", "descending"),
])
def test_the_sorted_column_of_a_list_says_how_it_is_sorted(demo_app, client, login, url, column, order):
    login("co-chair")
    headers = read(client.get(url).get_data(as_text=True)).sorted_headers
    assert headers == [(f"{column} {'▼' if order == 'descending' else '▲'}", order)]


def test_the_bell_is_drawn_with_a_name_not_an_emoji_no_font_has(demo_app, client, login):
    login("co-chair")
    page = client.get("/").get_data(as_text=True)
    text = HTMLParser()  # the characters as the browser has them, entities decoded
    chars: list[str] = []
    text.handle_data = chars.append
    text.feed(page)
    assert not [c for c in "".join(chars) if ord(c) > 0xFFFF], "a character outside the fonts' plane is shown"
    bell = page[page.index('class="bell'):page.index("</a>", page.index('class="bell'))]
    assert '<svg class="bell-icon"' in bell and 'role="img" aria-label="Notices"' in bell
