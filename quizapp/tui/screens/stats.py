"""The stats screen: reviews per day, the due forecast, retention and a calendar heatmap, as terminal plots.

The numbers come from ``quizapp.core.stats.compute`` (the same as ``quizapp stats``); plots are drawn with
textual-plotext, the calendar with rich text.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from quizapp.core import stats as stats_mod
from quizapp.tui import format as fmt
from quizapp.tui.widgets.heatmap import calendar_heatmap

if TYPE_CHECKING:
    from quizapp.tui.services import Services

DAYS_SHOWN = 30


class StatsScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="back", tooltip="Back to the previous screen")]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="stats-summary")
        with TabbedContent(id="stats-tabs"):
            yield TabPane("Reviews", id="tab-reviews")
            yield TabPane("Forecast", id="tab-forecast")
            yield TabPane("Retention", id="tab-retention")
            with TabPane("Calendar", id="tab-calendar"):
                yield Static(id="heatmap")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stats-summary", Static).update(Text("Computing statistics...", style="dim"))
        self._compute(self.services.clock())

    @work(thread=True, exclusive=True)
    def _compute(self, now: datetime) -> None:
        """A large collection takes a moment to sum up: do it off the UI thread."""
        try:
            result = stats_mod.compute(self.services.store, now)
        except Exception as exc:
            self.app.call_from_thread(self.notify, f"Could not compute the statistics: {exc}", severity="error")
            return
        self.app.call_from_thread(self._show, result, now)

    def _plot(self, name: str) -> Any:  # plotext's module-like plotting object (untyped)
        """A new plot in tab ``name``; made once the numbers are known (plotext fixes its axes at first draw)."""
        plot = PlotextPlot(id=f"plot-{name}")
        self.query_one(f"#tab-{name}", TabPane).mount(plot)
        return plot.plt

    def _show(self, result: stats_mod.Stats, now: datetime) -> None:
        retention = ("n/a (no mature reviews yet)" if result.retention is None
                     else f"{result.retention:.1%} of {result.retention_reviews} mature reviews")
        summary = Text()
        summary.append("Reviews ", style="bold")
        summary.append(f"{result.reviews} ({result.reviews_today} today)   ")
        summary.append("Streak ", style="bold")
        summary.append(f"{result.streak_days} d   ")
        summary.append("Due today ", style="bold")
        summary.append(f"{result.due_today}\n")
        summary.append("Retention ", style="bold")
        summary.append(f"{retention}   ")
        summary.append("Time ", style="bold")
        summary.append(f"{fmt.duration(result.seconds_total)}\n")
        summary.append("Cards ", style="bold")
        summary.append(f"{result.cards}: {result.new} new, {result.learning} learning, {result.review} review, "
                       f"{result.suspended} suspended, {result.leeches} leeches")
        self.query_one("#stats-summary", Static).update(summary)

        today = result.forecast[0][0] if result.forecast else now.date()
        by_day = {d.date: d for d in result.per_day}
        days = [today - timedelta(days=i) for i in range(DAYS_SHOWN - 1, -1, -1)]

        # x positions are numbers with a few date labels: plotext would parse date-like strings itself.
        plt = self._plot("reviews")
        counts = [by_day[d].reviews if d in by_day else 0 for d in days]
        plt.bar(list(range(len(days))), counts)
        _date_ticks(plt, days)
        _count_ticks(plt, counts)
        plt.title(f"Reviews per day, last {DAYS_SHOWN} days")

        plt = self._plot("forecast")
        ahead = [d for d, _ in result.forecast]
        plt.bar(list(range(len(ahead))), [n for _, n in result.forecast])
        _date_ticks(plt, ahead)
        _count_ticks(plt, [n for _, n in result.forecast])
        plt.title("Cards due per day (today first)")

        plt = self._plot("retention")
        rated = [i for i, d in enumerate(days) if d in by_day and by_day[d].reviews]
        if rated:
            plt.plot(rated, [100.0 * by_day[days[i]].passed / by_day[days[i]].reviews for i in rated],
                     marker="braille")
        plt.xlim(0, len(days) - 1)
        plt.ylim(0, 100)
        _date_ticks(plt, days)
        plt.title("Share of reviews not rated Again, % per day")

        per_date = {d.date: d.reviews for d in result.per_day}
        self.query_one("#heatmap", Static).update(calendar_heatmap(per_date, today, weeks=26))



def count_ticks(highest: int, most: int = 5) -> list[int]:
    """Whole-number ticks from 0 for an axis of counts (never 16.7 reviews): at most ``most`` + 1 of them."""
    step = max(1, -(-max(highest, 1) // most))
    return list(range(0, max(highest, 1) + step, step))


def _count_ticks(plt: Any, counts: list[int]) -> None:
    ticks = count_ticks(max(counts, default=0))
    plt.yticks(ticks, [str(t) for t in ticks])
    plt.ylim(0, ticks[-1])


def _date_ticks(plt: Any, days: list[date]) -> None:
    """About five readable date labels along the x axis."""
    step = max(1, len(days) // 5)
    positions = list(range(0, len(days), step))
    plt.xticks(positions, [days[i].strftime("%d %b") for i in positions])
