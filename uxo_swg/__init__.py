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
    from . import assets, db, i18n, security
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
    i18n.init_app(app)
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(f"{__name__}.{name}.routes").bp)
    app.context_processor(lambda: {"nav_items": nav_items})
    register_commands(app, BLUEPRINTS)
    return app
