from datetime import date

import pytest

from uxo_swg.domain.periods import Period, PeriodError, half_of, parse_half, parse_period, parse_quarter, quarter_of


@pytest.mark.parametrize("day, quarter", [
    (date(2025, 1, 1), "2025-Q1"), (date(2025, 3, 31), "2025-Q1"), (date(2025, 4, 1), "2025-Q2"),
    (date(2025, 9, 30), "2025-Q3"), (date(2025, 12, 31), "2025-Q4"), (date(2024, 2, 29), "2024-Q1"),
])
def test_quarter_of(day, quarter):
    assert str(quarter_of(day)) == quarter


def test_half_of_splits_at_june():
    assert str(half_of(date(2025, 6, 30))) == "2025-H1"
    assert str(half_of(date(2025, 7, 1))) == "2025-H2"


def test_period_bounds_at_month_ends_and_leap_years():
    assert parse_quarter("2024-Q1").end == date(2024, 3, 31)
    assert parse_quarter("2025-Q2").end == date(2025, 6, 30)
    assert parse_quarter("2025-Q4").start == date(2025, 10, 1)
    assert parse_quarter("2025-Q4").end == date(2025, 12, 31)
    assert parse_half("2025-H2").start == date(2025, 7, 1)
    assert parse_period("2024").end == date(2024, 12, 31)
    assert parse_half("2024-H1").contains(date(2024, 2, 29))


def test_parse_accepts_loose_spelling():
    assert parse_period(" 2025q3 ") == Period(2025, "Q", 3)
    assert parse_period("2025 - h1") == Period(2025, "H", 1)


@pytest.mark.parametrize("text, message", [
    ("2025-Q5", "a quarter is Q1 to Q4"),
    ("2025-H3", "a half is H1 or H2"),
    ("Q3 2025", "is not a period"),
    ("", "is not a period"),
    ("1066", "out of range"),
])
def test_parse_errors_say_what_to_write(text, message):
    with pytest.raises(PeriodError, match=message):
        parse_period(text)


def test_parse_with_kind_refuses_the_other_kinds():
    with pytest.raises(PeriodError, match="not a quarter such as 2025-Q3"):
        parse_quarter("2025-H1")
    with pytest.raises(PeriodError, match="not a half such as 2025-H1"):
        parse_half("2025")


def test_shift_and_last_cross_year_boundaries():
    q1 = parse_quarter("2025-Q1")
    assert str(q1.shift(-1)) == "2024-Q4"
    assert [str(p) for p in q1.last(3)] == ["2024-Q3", "2024-Q4", "2025-Q1"]
    assert str(parse_half("2025-H1").shift(-1)) == "2024-H2"
    assert [str(q) for q in parse_half("2025-H2").quarters()] == ["2025-Q3", "2025-Q4"]
    assert len(parse_period("2025").quarters()) == 4


def test_the_trend_of_an_early_period_starts_at_the_first_year_a_period_may_have():
    from uxo_swg.domain.periods import parse_period

    assert [str(p) for p in parse_period("1901").last(6)] == ["1900", "1901"]
    assert len(parse_period("2025-Q3").last(8)) == 8
