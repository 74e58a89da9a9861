from decimal import Decimal

import pytest

from uxo_swg.domain.money import Money, MoneyError, format_amount, minor_units, parse_amount, round_half_up


@pytest.mark.parametrize("currency, places", [("USD", 2), ("EUR", 2), ("LAK", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("jpy", 0)])
def test_minor_units_follow_iso_4217(currency, places):
    assert minor_units(currency) == places


@pytest.mark.parametrize("text, expected", [
    ("1,234,567.89", Decimal("1234567.89")),
    (" 1 234.50 ", Decimal("1234.50")),
    ("1\u00a0000", Decimal("1000")),
    (Decimal("0.10"), Decimal("0.10")),
    (12, Decimal("12")),
])
def test_parse_amount_reads_text_with_separators(text, expected):
    assert parse_amount(text, "USD") == expected


def test_parse_amount_refuses_float_and_garbage():
    with pytest.raises(MoneyError, match="not an exact amount"):
        parse_amount(0.1, "USD")
    with pytest.raises(MoneyError, match="not a number"):
        parse_amount("12abc", "USD")
    with pytest.raises(MoneyError, match="empty"):
        parse_amount("  ", "USD")
    with pytest.raises(MoneyError, match="finite"):
        parse_amount("NaN", "USD")


def test_yen_and_won_have_no_minor_unit():
    assert parse_amount("450000000", "JPY") == Decimal(450000000)
    with pytest.raises(MoneyError, match="JPY has 0 decimal places; 1000.5 has more"):
        parse_amount("1000.5", "JPY")
    with pytest.raises(MoneyError, match="KRW has 0"):
        parse_amount("2600000000.01", "KRW")
    with pytest.raises(MoneyError, match="USD has 2"):
        parse_amount("1.001", "USD")
    assert parse_amount("1.500", "KWD") == Decimal("1.500")


def test_round_half_up_not_bankers():
    assert round_half_up(Decimal("0.125")) == Decimal("0.13")
    assert round_half_up(Decimal("0.135")) == Decimal("0.14")
    assert round_half_up(Decimal("-0.125")) == Decimal("-0.13")
    assert round_half_up(Decimal("2.5"), 0) == Decimal("3")


def test_sum_of_ten_dimes_is_exact():
    assert sum([parse_amount("0.10", "USD")] * 10, Decimal(0)) == Decimal("1.00")


def test_format_amount_per_currency():
    assert format_amount(Decimal("1234567.005"), "USD") == "1,234,567.01"
    assert format_amount(Decimal("450000000.4"), "JPY") == "450,000,000"
    assert str(Money(Decimal("1500"), "KRW")) == "1,500 KRW"


def test_money_needs_decimal_and_iso_code():
    with pytest.raises(MoneyError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(Decimal(1), "US")
