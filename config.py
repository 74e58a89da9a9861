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


def _days(text: str) -> tuple[int, ...]:
    """Return the reminder steps, in days before the due date, from "7,0" (an error names the variable)."""
    try:
        return tuple(sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True))
    except ValueError:
        raise ValueError(f"RETURN_REMINDER_DAYS must be whole numbers of days separated by commas, not {text!r}") from None


def _whole(name: str, default: str) -> int:
    """Return a whole-number setting from the environment; a bad one stops the start with its name."""
    text = os.environ.get(name, default)
    if not text.strip().isdigit():
        raise ValueError(f"{name} must be a whole number, not {text!r}")
    return int(text)


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
    # The calendar (README, Deploying): returns due, reminders, e-mail and backups.
    RETURN_DUE_DAYS = _whole("RETURN_DUE_DAYS", "30")  # a quarter's return is due this many days after it
    RETURN_REMINDER_DAYS = _days(os.environ.get("RETURN_REMINDER_DAYS", "7,0"))  # days before the due date
    RETURN_LATE_EVERY_DAYS = _whole("RETURN_LATE_EVERY_DAYS", "7")  # then again while late
    RETURN_DIGEST_WEEKDAY = _whole("RETURN_DIGEST_WEEKDAY", "0")  # the co-chairs' digest: 0 = Monday
    SMTP_HOST = os.environ.get("SMTP_HOST", "")  # empty: notices in the application only, no e-mail
    SMTP_PORT = _whole("SMTP_PORT", "587")
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_TLS = os.environ.get("SMTP_TLS", "starttls")  # starttls | ssl | none
    MAIL_FROM = os.environ.get("MAIL_FROM", "uxo-swg@localhost")
    BACKUP_FOLDER = os.environ.get("BACKUP_FOLDER") or str(_instance_path() / "backups")
    BACKUP_KEEP = _whole("BACKUP_KEEP", "14")  # nightly copies kept
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
