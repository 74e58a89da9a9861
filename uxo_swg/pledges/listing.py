"""What every list of the workspace shares: filters from the query string, sorting, pages, Excel and CSV export."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import sqlalchemy as sa
from flask import Response, request
from flask_babel import gettext as _
from sqlmodel import Session
from wtforms.validators import DataRequired

from ..exports import CSV_MIMETYPE, XLSX_MIMETYPE, add_sheet, csv_bytes, new_workbook, workbook_bytes
from ..i18n import pillar_name, province_name
from .forms import currency_choices
from .queries import STATUSES, Filters, active_organisations, pillars

PAGE_SIZE = 50


def filters_from_request() -> Filters:
    """Return the filters given in the query string (bad values are ignored, not fatal)."""
    def number(name: str) -> int | None:
        value = request.args.get(name, type=int)
        return value or None

    status = request.args.get("status") or None
    return Filters(year=number("year"), donor_id=number("donor"), pillar=request.args.get("pillar") or None,
                   recipient_id=number("recipient"), status=status if status in STATUSES else None)


@dataclass
class Page:
    """One page of a sorted list, with what the template needs to link to the others."""

    items: list[Any]
    number: int
    pages: int
    total_items: int
    sort: str
    descending: bool

    def args(self, **changes: Any) -> dict[str, Any]:
        """Return the current query string with some values changed (for links)."""
        args = {k: v for k, v in request.args.items() if k not in ("page", "export")}
        args.update({k: v for k, v in changes.items()})
        return args

    def sort_args(self, key: str) -> dict[str, Any]:
        descending = key == self.sort and not self.descending
        return self.args(sort=key, dir="desc" if descending else "asc", page=1)


def paginate(items: list[Any], keys: dict[str, Callable[[Any], Any]], default: str) -> Page:
    """Return the page asked for in the query string, sorted by the asked key (None values last)."""
    sort = request.args.get("sort") if request.args.get("sort") in keys else default
    descending = request.args.get("dir") == "desc"
    key = keys[sort]
    present = [i for i in items if key(i) is not None]
    absent = [i for i in items if key(i) is None]
    ordered = sorted(present, key=key, reverse=descending) + absent
    pages = max((len(ordered) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    return Page(ordered[(number - 1) * PAGE_SIZE:number * PAGE_SIZE], number, pages, len(ordered), sort, descending)


EXPORT_FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class Order:
    """The sort key, direction and page number asked for in the query string."""

    sort: str
    descending: bool
    number: int


def requested_order(keys: Sequence[str], default: str) -> Order:
    """Return the sort (one of `keys`, else the default), direction and page asked for in the query string."""
    sort = request.args.get("sort") if request.args.get("sort") in keys else default
    return Order(sort, request.args.get("dir") == "desc", request.args.get("page", 1, type=int) or 1)


def page_of(session: Session, query: Any, keys: dict[str, Any], order: Order, tiebreak: Any,
            nullable: Sequence[str] = ("usd",), total: int | None = None) -> Page:
    """Return one page of the query's rows, counted, sorted and cut by the database.

    `keys` are SQL expressions; those named in `nullable` sort their NULLs last either way,
    like `paginate`. Equal keys keep the order of `tiebreak` (the id), so pages never overlap.
    `total`: the number of rows when the caller counted them already (else counted here).
    """
    if total is None:
        total = session.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    number = min(max(order.number, 1), pages)
    key = keys[order.sort]
    ordering = [key.is_(None)] if order.sort in nullable else []
    ordering.append(key.desc() if order.descending else key.asc())
    rows = session.execute(query.order_by(*ordering, tiebreak).offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return Page(list(rows.scalars().all()), number, pages, total, order.sort, order.descending)


def wants_export() -> bool:
    return request.args.get("export") in EXPORT_FORMATS


def export(title: str, headers: Sequence[str], rows: list[Sequence[Any]], money_columns: Sequence[int]) -> Response:
    """Return the list as an Excel or CSV download (`export=xlsx|csv`): every row that matches the filters, not one page."""
    fmt = request.args.get("export") if request.args.get("export") in EXPORT_FORMATS else "xlsx"
    filename = f"{title.lower().replace(' ', '-')}.{fmt}"
    if fmt == "csv":  # UTF-8 with a BOM, formula-like text neutralised, USD to the cent
        data, mimetype = csv_bytes(headers, rows, money_columns=money_columns), CSV_MIMETYPE
    else:
        wb = new_workbook()
        add_sheet(wb, title, headers, rows, money_columns=money_columns)
        data, mimetype = workbook_bytes(wb), XLSX_MIMETYPE
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def choices(form: Any, *, session: Session) -> dict[int, str]:
    """Fill the form's organisation, pillar, province and currency choices; return names by id."""
    from ..domain.reference import PROVINCE_NATIONAL, PROVINCES

    active = active_organisations(session=session)
    orgs = [(o.id, o.name) for o in active]
    for name in ("donor_id", "recipient_id"):
        if hasattr(form, name):
            field = getattr(form, name)
            required = any(isinstance(v, DataRequired) for v in field.validators)
            field.choices = [(0, _("(choose)") if required else _("(none)"))] + orgs
    if hasattr(form, "donor_id"):  # donors only; a pooled fund pays its allocations (agreements, payments)
        kinds = donor_kinds(funds_pay=getattr(form, "FUNDS_PAY", False))
        kept = {form.donor_id.data} if request.method == "GET" else set()  # a record's donor stays shown
        form.donor_id.choices = [form.donor_id.choices[0]] + [(o.id, o.name) for o in active
                                                              if o.kind in kinds or o.id in kept]
    if hasattr(form, "via_id"):
        form.via_id.choices = [(0, _("(direct)"))] + orgs
    pillar_choices = [(p.code, pillar_name(p.code)) for p in pillars(session=session)]
    if hasattr(form, "pillar_code"):
        form.pillar_code.choices = [("", _("(choose)"))] + pillar_choices
    if hasattr(form, "lines"):
        for entry in form.lines.entries:
            entry.form.pillar.choices = [("", "")] + pillar_choices
    if hasattr(form, "province_code"):
        form.province_code.choices = [("", _("(not given)"))] + [(p.code, province_name(p.code))
                                                                 for p in (*PROVINCES, PROVINCE_NATIONAL)]
    if hasattr(form, "currency"):
        form.currency.choices = currency_choices()
        if request.method == "GET" and form.currency.data and form.currency.data not in dict(form.currency.choices):
            form.currency.choices.append((form.currency.data, form.currency.data))  # a stored record's own
    return dict(orgs)


def donor_kinds(*, funds_pay: bool) -> tuple[str, ...]:
    """Return the organisation kinds a donor drop-down offers (with pooled funds where a fund pays)."""
    from ..models import DONOR_KINDS

    return (*DONOR_KINDS, "pooled-fund") if funds_pay else DONOR_KINDS
