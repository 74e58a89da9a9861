from datetime import date, timedelta
from decimal import Decimal

from uxo_swg.rates import ECB_SOURCE, ecb_rates


def test_ecb_rate_for_a_weekend_is_the_friday_before():
    rate = ecb_rates().latest("EUR", date(2024, 6, 16), date(2024, 6, 16) - timedelta(days=31))  # a Sunday
    assert rate.on == date(2024, 6, 14) and rate.source == ECB_SOURCE
    assert Decimal("0.85") < rate.units_per_usd < Decimal("1.0")


def test_ecb_has_no_lak_and_no_rate_far_past_its_data():
    assert ecb_rates().latest("LAK", date(2024, 6, 14), date(2024, 5, 14)) is None
    assert ecb_rates().latest("EUR", date(2090, 1, 1), date(2089, 12, 1)) is None


def test_jpy_rate_is_yen_per_dollar():
    rate = ecb_rates().latest("JPY", date(2024, 6, 14), date(2024, 5, 14))
    assert Decimal(130) < rate.units_per_usd < Decimal(170)
