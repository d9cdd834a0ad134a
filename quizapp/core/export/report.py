"""``quizapp report``: a self-contained HTML progress report.

One file, readable offline and safe to mail: inline CSS, inline SVG charts, no script, no external
asset, no URL at all. Every text that comes from the collection (deck ids, tags) is escaped.

The renderer takes plain data (:class:`quizapp.core.stats.Stats`), so it is tested without a database;
:func:`write_report` is the one function that touches the store.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the store is only needed by write_report; the renderer works on plain data
    from quizapp.core.stats import Stats
    from quizapp.core.storage.store import Store

HISTORY_DAYS = 60  # the reviews-per-day and pass-rate charts show this many days, ending today
CHART_WIDTH = 720
CHART_HEIGHT = 160
MARGIN_LEFT = 36  # room for the y-axis labels
MARGIN_BOTTOM = 22  # room for the x-axis labels
MARGIN_TOP = 10  # room for the top y-axis label and for points at 100%

CSS = """
:root { --fg: #1d2330; --muted: #5f6b7a; --bg: #ffffff; --panel: #f4f6f9; --accent: #3867d6;
        --good: #2e9d5b; --bad: #d64545; --grid: #d9dee5; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e9ef; --muted: #9aa5b4; --bg: #171a21; --panel: #20242d; --accent: #7aa2f7;
          --good: #5fcf8c; --bad: #f07178; --grid: #353b47; }
}
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       background: var(--bg); max-width: 780px; margin: 2em auto; padding: 0 1em; }
h1 { margin-bottom: 0.1em; } h2 { margin-top: 1.8em; font-size: 1.15em; }
.muted { color: var(--muted); }
.tiles { display: flex; flex-wrap: wrap; gap: 0.6em; margin-top: 1em; }
.tile { background: var(--panel); border-radius: 8px; padding: 0.6em 1em; min-width: 7.5em; }
.tile .n { font-size: 1.5em; font-weight: 600; display: block; }
svg { display: block; max-width: 100%; height: auto; }
svg text { fill: var(--muted); font-size: 11px; font-family: inherit; }
.bar { fill: var(--accent); } .bar-pass { fill: var(--good); } .bar-fail { fill: var(--bad); }
.gridline { stroke: var(--grid); stroke-width: 1; }
.line { fill: none; stroke: var(--good); stroke-width: 2; } .dot { fill: var(--good); }
table { border-collapse: collapse; width: 100%; margin-top: 0.5em; }
th, td { text-align: left; padding: 0.3em 0.5em; border-bottom: 1px solid var(--grid); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.meter { background: var(--grid); border-radius: 4px; height: 0.7em; width: 10em; display: inline-block; }
.meter span { background: var(--good); border-radius: 4px; height: 100%; display: block; }
.legend span { margin-right: 1em; } .swatch { display: inline-block; width: 0.8em; height: 0.8em;
  border-radius: 2px; margin-right: 0.3em; vertical-align: middle; }
"""


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its x label, total height, and the part of it drawn as 'passed'."""

    label: str
    value: float
    passed: float | None = None  # stacked charts: the green part; the rest is drawn red
    tooltip: str = ""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _nice_top(value: float) -> float:
    """The y-axis top: the data's maximum rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 1.0
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def bar_chart(bars: list[Bar], *, name: str, label_every: int = 7, top: float | None = None,
              y_format: str = "{:g}") -> str:
    """An inline SVG bar chart. Each bar carries ``data-label``/``data-value`` so tests (and curious
    readers of the source) can read the numbers back, and a ``<title>`` the browser shows on hover."""
    top = top if top is not None else _nice_top(max((b.value for b in bars), default=0))
    plot_w = CHART_WIDTH - MARGIN_LEFT
    plot_h = CHART_HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = plot_w / max(len(bars), 1)
    gap = min(2.0, slot * 0.2)
    out = [f'<svg class="chart" data-chart="{_esc(name)}" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" '
           f'role="img" aria-label="{_esc(name)}">']
    for fraction in (0.0, 0.5, 1.0):
        y = MARGIN_TOP + plot_h - fraction * plot_h
        out.append(f'<line class="gridline" x1="{MARGIN_LEFT}" x2="{CHART_WIDTH}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text x="{MARGIN_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{_esc(y_format.format(top * fraction))}</text>')
    for i, bar in enumerate(bars):
        x = MARGIN_LEFT + i * slot + gap / 2
        w = max(slot - gap, 0.5)
        h = plot_h * min(bar.value / top, 1.0) if top else 0.0
        tip = f"<title>{_esc(bar.tooltip or f'{bar.label}: {bar.value:g}')}</title>"
        attrs = f'data-label="{_esc(bar.label)}" data-value="{bar.value:g}"'
        if bar.passed is None:
            out.append(f'<rect class="bar" {attrs} x="{x:.1f}" y="{MARGIN_TOP + plot_h - h:.1f}" width="{w:.1f}" '
                       f'height="{h:.1f}">{tip}</rect>')
        else:
            h_pass = plot_h * min(bar.passed / top, 1.0) if top else 0.0
            out.append(f'<g {attrs} data-passed="{bar.passed:g}">{tip}'
                       f'<rect class="bar-fail" x="{x:.1f}" y="{MARGIN_TOP + plot_h - h:.1f}" width="{w:.1f}" '
                       f'height="{h - h_pass:.1f}"/>'
                       f'<rect class="bar-pass" x="{x:.1f}" y="{MARGIN_TOP + plot_h - h_pass:.1f}" width="{w:.1f}" '
                       f'height="{h_pass:.1f}"/></g>')
        if i % label_every == 0:
            out.append(f'<text x="{x + w / 2:.1f}" y="{CHART_HEIGHT - 6}" text-anchor="middle">'
                       f'{_esc(bar.label)}</text>')
    out.append("</svg>")
    return "".join(out)


def line_chart(points: list[tuple[str, float | None]], *, name: str, label_every: int = 7) -> str:
    """An inline SVG line chart of fractions (0..1); a ``None`` point (no data that day) breaks the line."""
    plot_w = CHART_WIDTH - MARGIN_LEFT
    plot_h = CHART_HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = plot_w / max(len(points), 1)
    out = [f'<svg class="chart" data-chart="{_esc(name)}" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" '
           f'role="img" aria-label="{_esc(name)}">']
    for fraction in (0.0, 0.5, 1.0):
        y = MARGIN_TOP + plot_h - fraction * plot_h
        out.append(f'<line class="gridline" x1="{MARGIN_LEFT}" x2="{CHART_WIDTH}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text x="{MARGIN_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{fraction * 100:.0f}%</text>')
    segment: list[str] = []
    segments: list[list[str]] = [segment]
    for i, (label, value) in enumerate(points):
        x = MARGIN_LEFT + (i + 0.5) * slot
        if i % label_every == 0:
            out.append(f'<text x="{x:.1f}" y="{CHART_HEIGHT - 6}" text-anchor="middle">{_esc(label)}</text>')
        if value is None:
            segment = []
            segments.append(segment)
            continue
        y = MARGIN_TOP + plot_h - value * plot_h
        segment.append(f"{x:.1f},{y:.1f}")
        out.append(f'<circle class="dot" data-label="{_esc(label)}" data-value="{value:.4f}" cx="{x:.1f}" '
                   f'cy="{y:.1f}" r="2.5"><title>{_esc(label)}: {_percent(value)}</title></circle>')
    for seg in segments:
        if len(seg) > 1:
            out.append(f'<polyline class="line" points="{" ".join(seg)}"/>')
    out.append("</svg>")
    return "".join(out)


def _history(stats: Stats, today: date, days: int) -> list[tuple[date, int, int]]:
    """(day, reviews, passed) for each of the last ``days`` days, days without reviews included."""
    by_day = {d.date: d for d in stats.per_day}
    rows = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        found = by_day.get(day)
        rows.append((day, found.reviews if found else 0, found.passed if found else 0))
    return rows


def _duration(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def render_html(stats: Stats, *, generated: datetime, today: date | None = None,
                title: str = "quizapp progress", history_days: int = HISTORY_DAYS) -> str:
    """The whole report as one HTML document (a string)."""
    today = today or (stats.forecast[0][0] if stats.forecast else generated.date())
    history = _history(stats, today, history_days)
    tiles = [
        ("reviews", stats.reviews, "reviews in all"),
        ("reviews-today", stats.reviews_today, "reviews today"),
        ("cards", stats.cards, "cards"),
        ("due-today", stats.due_today, "due today"),
        ("retention", _percent(stats.retention), f"true retention ({stats.retention_reviews} mature reviews)"),
        ("streak", stats.streak_days, "day streak"),
        ("time", _duration(stats.seconds_total), "time spent"),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="muted">Generated {_esc(generated.strftime("%Y-%m-%d %H:%M UTC"))}. '
        f"{stats.cards} cards: {stats.new} new, {stats.learning} learning, {stats.review} in review "
        f"({stats.mature} mature), {stats.suspended} suspended, {stats.leeches} leeches.</p>",
        '<div class="tiles">',
    ]
    for key, value, label in tiles:
        parts.append(f'<div class="tile" data-stat="{key}"><span class="n">{_esc(value)}</span>'
                     f'<span class="muted">{_esc(label)}</span></div>')
    parts.append("</div>")

    # Reviews per day, stacked: passed (not Again) in green, failed in red.
    parts.append(f"<h2>Reviews per day (last {history_days} days)</h2>")
    parts.append('<p class="legend muted"><span><i class="swatch" style="background:var(--good)"></i>passed'
                 '</span><span><i class="swatch" style="background:var(--bad)"></i>rated Again</span></p>')
    parts.append(bar_chart(
        [Bar(day.strftime("%m-%d"), n, passed, f"{day.isoformat()}: {n} reviews, {passed} passed")
         for day, n, passed in history],
        name="reviews-per-day"))

    # Retention: the headline is true retention (mature cards only, as stats defines it); the chart
    # shows the daily pass rate over all reviews, which is what moves from day to day.
    parts.append("<h2>Retention</h2>")
    parts.append(f'<p>True retention: <b data-stat="retention-value">{_percent(stats.retention)}</b> '
                 f'<span class="muted">(share of reviews of mature cards not rated Again, over '
                 f"{stats.retention_reviews} reviews). The chart shows the daily pass rate over all reviews."
                 "</span></p>")
    parts.append(line_chart(
        [(day.strftime("%m-%d"), (passed / n) if n else None) for day, n, passed in history],
        name="pass-rate"))

    # Forecast: cards falling due on each of the coming days.
    parts.append(f"<h2>Forecast (next {len(stats.forecast)} days)</h2>")
    if stats.forecast:
        parts.append(bar_chart(
            [Bar(day.strftime("%m-%d"), n, None, f"{day.isoformat()}: {n} due") for day, n in stats.forecast],
            name="forecast"))
    else:
        parts.append('<p class="muted">Nothing scheduled yet.</p>')

    # Per-deck mastery: a table with a meter each.
    parts.append("<h2>Mastery by deck</h2>")
    parts.append('<p class="muted">Mastery is the mean probability of recalling each card right now '
                 "(a card never studied counts 0).</p>")
    if stats.decks:
        parts.append('<table data-table="decks"><thead><tr><th>deck</th><th class="num">cards</th>'
                     '<th class="num">new</th><th class="num">due today</th><th class="num">reviews</th>'
                     '<th class="num">lapses</th><th>mastery</th></tr></thead><tbody>')
        for g in stats.decks:
            parts.append(
                f'<tr data-deck="{_esc(g.name)}"><td>{_esc(g.name)}</td><td class="num">{g.cards}</td>'
                f'<td class="num">{g.new}</td><td class="num">{g.due_today}</td>'
                f'<td class="num">{g.reviews}</td><td class="num">{g.lapses}</td>'
                f'<td data-mastery="{g.mastery:.4f}"><span class="meter"><span style="width:'
                f'{max(0.0, min(g.mastery, 1.0)) * 100:.1f}%"></span></span> {_percent(g.mastery)}</td></tr>')
        parts.append("</tbody></table>")
    else:
        parts.append('<p class="muted">No decks in the collection yet.</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(store: Store, path: Path, now: datetime, *, title: str = "quizapp progress") -> Path:
    """Compute the stats from ``store`` at ``now`` and write the report to ``path``."""
    from quizapp.core import stats as stats_mod

    result = stats_mod.compute(store, now)
    document = render_html(result, generated=now, title=title)
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(document, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a report
    return path
