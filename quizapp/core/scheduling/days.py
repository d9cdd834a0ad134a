"""Study days: where "today" starts and ends for daily limits, burying, streaks and forecasts.

A study day starts at ``Settings.day_starts_at_hour`` (default 4 a.m., as in Anki, so a late-night
session still counts for the evening it began) in the machine's local time zone. Everything is
computed from the ``now`` the caller passes in; the results are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

# Seconds in a day, for intervals kept as epoch-second differences (the log stores times as floats).
# A calendar day is not always this long (daylight saving): study days come from the functions below.
DAY_SECONDS = 86_400


def require_utc(now: datetime) -> datetime:
    """``now`` as UTC; a naive datetime is a programming error (we never guess a time zone)."""
    if now.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware (UTC)")
    return now.astimezone(UTC)


def _to_local(moment: datetime, tz: tzinfo | None) -> datetime:
    # Without an explicit zone, astimezone() uses the system's rules for that very moment, so
    # daylight-saving changes are honoured.
    return moment.astimezone(tz) if tz is not None else moment.astimezone()


def _local_start(day: date, hour: int, tz: tzinfo | None) -> datetime:
    naive = datetime.combine(day, time(hour=hour))
    local = naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()
    return local.astimezone(UTC)


def study_date(moment: datetime, day_starts_at_hour: int = 4, tz: tzinfo | None = None) -> date:
    """The study day ``moment`` belongs to (a moment before the day's start hour belongs to the day before)."""
    local = _to_local(require_utc(moment), tz)
    return (local - timedelta(hours=day_starts_at_hour)).date()


def day_start(now: datetime, day_starts_at_hour: int = 4, tz: tzinfo | None = None) -> datetime:
    """The UTC moment the current study day began."""
    return _local_start(study_date(now, day_starts_at_hour, tz), day_starts_at_hour, tz)


def next_day_start(now: datetime, day_starts_at_hour: int = 4, tz: tzinfo | None = None) -> datetime:
    """The UTC moment the next study day begins (when buried cards come back)."""
    return _local_start(study_date(now, day_starts_at_hour, tz) + timedelta(days=1), day_starts_at_hour, tz)


def utc_offset_seconds(now: datetime, tz: tzinfo | None = None) -> float:
    """The local zone's offset from UTC at ``now``, used to group timestamps into days."""
    offset = _to_local(require_utc(now), tz).utcoffset()
    return offset.total_seconds() if offset else 0.0
