"""Study days: where "today" starts and ends for daily limits, burying, streaks and forecasts.

A study day starts at ``Settings.day_starts_at_hour`` (default 4 a.m., as in Anki, so a late-night
session still counts for the evening it began) in the machine's local time zone. Everything is
computed from the ``now`` the caller passes in; the results are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo


def _local_zone(tz: tzinfo | None) -> tzinfo:
    if tz is not None:
        return tz
    local = datetime.now().astimezone().tzinfo
    return local if local is not None else timezone.utc


def require_utc(now: datetime) -> datetime:
    """``now`` as UTC; a naive datetime is a programming error (we never guess a time zone)."""
    if now.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware (UTC)")
    return now.astimezone(timezone.utc)


def study_date(moment: datetime, day_starts_at_hour: int = 4, tz: tzinfo | None = None) -> date:
    """The study day ``moment`` belongs to (a moment before the day's start hour belongs to the day before)."""
    local = require_utc(moment).astimezone(_local_zone(tz))
    return (local - timedelta(hours=day_starts_at_hour)).date()


def day_start(now: datetime, day_starts_at_hour: int = 4, tz: tzinfo | None = None) -> datetime:
    """The UTC moment the current study day began."""
    zone = _local_zone(tz)
    day = study_date(now, day_starts_at_hour, zone)
    local = datetime.combine(day, time(hour=day_starts_at_hour), tzinfo=zone)
    return local.astimezone(timezone.utc)


def next_day_start(now: datetime, day_starts_at_hour: int = 4, tz: tzinfo | None = None) -> datetime:
    """The UTC moment the next study day begins (when buried cards come back)."""
    zone = _local_zone(tz)
    day = study_date(now, day_starts_at_hour, zone) + timedelta(days=1)
    local = datetime.combine(day, time(hour=day_starts_at_hour), tzinfo=zone)
    return local.astimezone(timezone.utc)


def utc_offset_seconds(now: datetime, tz: tzinfo | None = None) -> float:
    """The local zone's offset from UTC at ``now``, used to bucket timestamps into days in SQL."""
    offset = require_utc(now).astimezone(_local_zone(tz)).utcoffset()
    return offset.total_seconds() if offset else 0.0
