"""Exact money: Decimal amounts with an ISO 4217 currency and its minor unit."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .messages import N_, Explained

# ISO 4217 exponents that differ from the usual two decimals.
_ZERO_DECIMALS = frozenset(
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()
)
_THREE_DECIMALS = frozenset("BHD IQD JOD KWD LYD OMR TND".split())

#: Largest absolute amount accepted anywhere (well inside a 64-bit scaled integer).
MAX_AMOUNT = Decimal("100000000000000")  # 1e14


class MoneyError(Explained, ValueError):
    """An amount or currency that cannot be money."""


def minor_units(currency: str) -> int:
    """Return how many decimals the currency has (JPY and KRW none, KWD three)."""
    code = currency.upper()
    if code in _ZERO_DECIMALS:
        return 0
    if code in _THREE_DECIMALS:
        return 3
    return 2


def parse_amount(value: object, currency: str) -> Decimal:
    """Return the value as an exact Decimal amount of the currency, or raise MoneyError.

    Accepts Decimal, int and text with thousands separators ("1,234.50", "1 234.50").
    Floats are refused: they arrive only from spreadsheets, which are parsed elsewhere.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(N_("{value} is not an exact amount"), value=repr(value))
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("\u00a0", "").replace(" ", "").replace("_", "")
        if not text:
            raise MoneyError(N_("the amount is empty"))
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise MoneyError(N_("{value} is not a number"), value=repr(value.strip())) from None
    else:
        raise MoneyError(N_("{value} is not an amount"), value=repr(value))
    if not amount.is_finite():
        raise MoneyError(N_("{value} is not a finite number"), value=repr(value))
    places = minor_units(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        raise MoneyError(N_("{currency} has {places} decimal places; {amount} has more") if places != 1
                         else N_("{currency} has 1 decimal place; {amount} has more"),
                         currency=currency.upper(), places=places, amount=amount)
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(N_("{amount} is larger than any amount this register can hold"), amount=amount)
    return amount


def round_half_up(amount: Decimal, places: int = 2) -> Decimal:
    """Return the amount rounded half up to the given number of decimals."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_for_currency(amount: Decimal, currency: str) -> Decimal:
    """Return the amount rounded half up to the currency's minor unit."""
    return round_half_up(amount, minor_units(currency))


def format_amount(amount: Decimal, currency: str = "USD") -> str:
    """Return the amount rounded for the currency with thousands separators ("1,234.50")."""
    places = minor_units(currency)
    return f"{round_half_up(amount, places):,.{places}f}"


def format_rate(rate: Decimal, significant: int = 8) -> str:
    """Return an exchange rate as people read one: eight significant digits, separators, never an exponent.

    21550 -> "21,550", Decimal("0.77081234567") -> "0.77081235", Decimal("2.155E+4") -> "21,550".
    """
    rate = Decimal(rate)
    if not rate.is_finite() or rate == 0:
        return str(rate)
    places = max(significant - rate.adjusted() - 1, 0)
    text = f"{round_half_up(rate, places):,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_quantity(value: Decimal) -> str:
    """Return a quantity with separators and its decimals as given, never an exponent (1,234.5; 4.97E+3 -> 4,970)."""
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,f}"


@dataclass(frozen=True)
class Money:
    """An exact amount in one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise MoneyError(N_("{value} is not a Decimal"), value=repr(self.amount))
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise MoneyError(N_("{value} is not an ISO 4217 currency code"), value=repr(self.currency))

    def __str__(self) -> str:
        return f"{format_amount(self.amount, self.currency)} {self.currency}"
