"""A calendar heatmap of reviews per day (GitHub style), drawn with rich text: weeks across, weekdays down."""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text

WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")
SHADES = ("grey30", "green4", "green3", "green1", "bright_green")  # none, then four levels of activity
CELL = "■ "


def level(count: int, busiest: int) -> int:
    """0 for no reviews, else 1-4 by the share of the busiest day."""
    if count <= 0 or busiest <= 0:
        return 0
    return min(4, 1 + (4 * count - 1) // busiest)


def calendar_heatmap(counts: dict[date, int], today: date, weeks: int = 26) -> Text:
    """``weeks`` columns ending with the week of ``today``; each cell is one day, shaded by its count."""
    weeks = max(1, weeks)
    last_monday = today - timedelta(days=today.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    busiest = max((n for d, n in counts.items() if first <= d <= today), default=0)
    text = Text()
    # Month labels above the first week of each month.
    header = [" "] * (weeks * len(CELL))
    for w in range(weeks):
        monday = first + timedelta(weeks=w)
        if monday.day <= 7:
            label = monday.strftime("%b")
            header[w * len(CELL): w * len(CELL) + len(label)] = list(label)
    text.append("    " + "".join(header).rstrip() + "\n", style="dim")
    for weekday in range(7):
        text.append(f"{WEEKDAYS[weekday]:<4}", style="dim")
        for w in range(weeks):
            day = first + timedelta(weeks=w, days=weekday)
            if day > today:
                text.append("  ")
                continue
            text.append(CELL, style=SHADES[level(counts.get(day, 0), busiest)])
        text.append("\n")
    text.append("    less ", style="dim")
    for shade in SHADES:
        text.append(CELL, style=shade)
    text.append("more", style="dim")
    return text
