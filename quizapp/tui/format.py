"""Short human texts for intervals, moments and durations (rating labels, summaries, tables)."""

from __future__ import annotations

from datetime import datetime, timedelta

from quizapp.core.scheduling.fsrs_bridge import format_interval


def interval(span: timedelta) -> str:
    """Anki-style: '<1m', '10m', '3h', '4d', '2.1mo', '1.3y' (the same labels the CLI prints)."""
    return format_interval(span)


def duration(seconds: float) -> str:
    """'42s', '3m 05s', '1h 02m'."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def when(moment: datetime | None, now: datetime) -> str:
    """'now', 'in 25m (14:05)', 'in 3d (Tue 2 Dec)', or 'never' (nothing left to study)."""
    if moment is None:
        return "never: every card is suspended or there are no cards"
    span = moment - now
    if span <= timedelta(0):
        return "now"
    local = moment.astimezone()
    at = local.strftime("%H:%M") if span < timedelta(hours=20) else local.strftime("%a %-d %b, %H:%M")
    return f"in {interval(span)} ({at})"


def moment(value: datetime | None) -> str:
    """A stored moment in local time for tables: '2026-11-29 14:05', or '-'."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def times(n: int) -> str:
    """'once', 'twice', '3 times' (never '1 times')."""
    return {1: "once", 2: "twice"}.get(n, f"{n} times")
