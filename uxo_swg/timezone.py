"""The users' time: moments are stored in UTC and shown in Asia/Vientiane (UTC+7, no summer time)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Vientiane")
LOCAL_LABEL = "Vientiane time"


def to_local(moment: datetime) -> datetime:
    """Return a stored moment in Vientiane time (a naive moment is UTC, as SQLite gives them back)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(LOCAL_ZONE)


def local_time(moment: datetime, seconds: bool = False) -> str:
    """Return a stored moment as people in Vientiane read it: `2025-04-17 10:00`."""
    return to_local(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_day_start(day: date) -> datetime:
    """Return the moment (in UTC) a day starts in Vientiane."""
    return datetime.combine(day, time.min, LOCAL_ZONE).astimezone(timezone.utc)
