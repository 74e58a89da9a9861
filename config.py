"""Configuration classes, read from the environment."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _instance_path() -> Path:
    return Path(os.environ.get("UXO_SWG_INSTANCE", ROOT / "instance")).resolve()


def _megabytes(text: str) -> int | None:
    """Return MAX_UPLOAD_MB in bytes, or None when it is not a whole number (the app then refuses to start)."""
    return int(text) * 1024 * 1024 if text.strip().isdigit() else None


class Config:
    """Production defaults: every secret comes from the environment."""

    INSTANCE_PATH = str(_instance_path())
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{_instance_path() / 'uxo_swg.sqlite'}"
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(_instance_path() / "uploads")
    MAX_CONTENT_LENGTH = _megabytes(os.environ.get("MAX_UPLOAD_MB", "20"))
    RATES_CSV = os.environ.get("RATES_CSV")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") != "0"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))  # proxies in front that set X-Forwarded-*
    LOGIN_SESSION_HOURS = float(os.environ.get("LOGIN_SESSION_HOURS", "12"))  # a login session ends after this
    DB_LOCK_TIMEOUT = float(os.environ.get("DB_LOCK_TIMEOUT", "30"))  # seconds a write waits for a lock, then 503
    DEBUG = False
    TESTING = False


class DevelopmentConfig(Config):
    """Local use: plain HTTP on 127.0.0.1, a throwaway secret key."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestConfig(DevelopmentConfig):
    """The test suite: the database URL is given by the fixtures."""

    TESTING = True


CONFIGS = {"production": Config, "development": DevelopmentConfig, "test": TestConfig}


def config_for(name: str | None = None) -> type[Config]:
    """Return the configuration class named by UXO_SWG_CONFIG (development by default)."""
    return CONFIGS[name or os.environ.get("UXO_SWG_CONFIG", "development")]
