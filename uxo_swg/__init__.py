"""The UXO Sector Working Group funding tracker."""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent

#: One package per activity of the people who use it, each with routes.py exporting `bp`.
BLUEPRINTS = ["home", "auth", "admin", "audit_log", "pledges", "organisations", "returns", "reconciliation", "summaries",
              "reports", "notices", "jobs", "iati", "api"]


def create_app(config_name: str | None = None, **overrides: Any) -> Flask:
    """Return the application configured from the environment, with `overrides` on top."""
    from config import config_for

    from . import audit  # noqa: F401  (installs the audit listener)
    from . import assets, db, security
    from .cli import register_commands
    from .navigation import nav_items

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=config_for(config_name).INSTANCE_PATH,
    )
    app.config.from_object(config_for(config_name))
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: export SECRET_KEY before starting in production")
    if not isinstance(app.config.get("MAX_CONTENT_LENGTH"), int) or app.config["MAX_CONTENT_LENGTH"] < 1024 * 1024:
        raise RuntimeError("MAX_UPLOAD_MB must be a whole number of megabytes, at least 1")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # real client address for throttling
    db.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(f"{__name__}.{name}.routes").bp)
    app.context_processor(lambda: {"nav_items": nav_items})
    register_commands(app, BLUEPRINTS)
    _register_filters(app)
    return app


def _register_filters(app: Flask) -> None:
    from decimal import Decimal

    from .domain.money import format_amount, format_quantity, format_rate
    from .timezone import local_time

    @app.template_filter("usd")
    def _usd(value: Any) -> str:
        return "" if value is None else format_amount(Decimal(str(value)), "USD")

    @app.template_filter("money")
    def _money(value: Any, currency: str) -> str:
        """An amount (a Decimal, or the text a frozen summary keeps) in its currency's decimals, with separators."""
        return "" if value is None else format_amount(Decimal(str(value)), currency)

    @app.template_filter("rate")
    def _rate(value: Any) -> str:
        return "" if value is None else format_rate(Decimal(str(value)))

    @app.template_filter("quantity")
    def _quantity(value: Any) -> str:
        return "–" if value is None else format_quantity(Decimal(str(value)))

    from .domain.reference import PILLARS, PROVINCE_NATIONAL, PROVINCES

    pillar_names = {p.code: p.name_en for p in PILLARS}
    province_names = {p.code: p.name_en for p in (*PROVINCES, PROVINCE_NATIONAL)}
    app.add_template_global(lambda code: pillar_names.get(code, code or ""), "pillar_label")
    app.add_template_global(lambda code: province_names.get(code, code or ""), "province_label")

    @app.template_filter("localtime")
    def _localtime(value: Any, seconds: bool = False) -> str:
        """A stored (UTC) moment as the time in Vientiane, the users' time."""
        return "" if value is None else local_time(value, seconds)

    @app.template_filter("percent")
    def _percent(value: Any) -> str:
        from .domain.money import round_half_up

        return "–" if value is None else f"{round_half_up(value * 100, 1)}%"
