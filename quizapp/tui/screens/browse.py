"""The browse screen: search cards by text, deck, tag, state, due and lapses; see a card's full history.

The search box takes free text plus filters, e.g. ``view deck:strides state:review lapses:2 due:3``
(``due:N``: due within N days): the language is :mod:`quizapp.core.search_query`'s, and its filters map
one-to-one onto ``Store.search``.

At scale (a catalogue of more than ``SYNC_SEARCH_BELOW`` cards) each search runs off the UI thread
(the full-text index keeps it fast, but finding and counting the matches among 100,000 cards still
takes ten milliseconds or more: one pass, ``Store.search_page``, gives the page and the count)
and typing is debounced by coalescing rather than by a timer: a keystroke with no search running
starts one at once (no fixed delay before results), keystrokes while one runs only replace the
search waiting to run next, so however fast someone types at most one search runs and one waits
(keys that arrive together, as a paste does, start one search, for the whole text).
Only text too short for the index (one or two characters: a scan of every card) first waits
``SHORT_TEXT_PAUSE`` for more typing.
The search box's border says how many cards match ("200 of 12,345"); results come a page at a time,
the next page loading when the cursor reaches the last row. A new page's rows are drawn as far as
the screen shows (and ``DRAW_AHEAD`` more) before the screen is painted, the rest right after it.
A small catalogue is searched at once, on every keystroke.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from quizapp.core.decks.model import CardKey
from quizapp.core.search_query import Query, QueryError, is_short_text, parse_query
from quizapp.tui import format as fmt

if TYPE_CHECKING:
    from quizapp.core.storage.records import CardInfo
    from quizapp.tui.services import Services

PAGE = 200  # rows fetched (and drawn) at a time: a screen shows about ten
# A new page's rows drawn before the screen is painted, beyond those the table shows: the rest of the
# page follows right after the paint (adding and measuring 200 rows is most of drawing a page).
DRAW_AHEAD = 10
# At scale, text shorter than the index's trigrams is a scan of every card: such a search waits this
# long for more typing first (a word typed quickly never scans on its first letters).
SHORT_TEXT_PAUSE = 0.3
SYNC_SEARCH_BELOW = 5000  # catalogue size under which a search is quick enough to run on every keystroke


def state_of(info: CardInfo, now: datetime | None = None) -> str:
    if info.leech:
        return "leech"
    if info.suspended:
        return "suspended"
    if info.hidden:
        return "hidden"
    if info.buried_until is not None and (now is None or info.buried_until > now):
        return "buried"
    return info.phase.label


class BrowseScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+t", "toggle_suspend", "Suspend/unsuspend", id="toggle-suspend",
                tooltip="Suspend the highlighted card, or bring a suspended one back"),
        Binding("ctrl+b", "toggle_bury", "Bury/unbury", id="toggle-bury",
                tooltip="Bury the highlighted card until tomorrow, or bring a buried one back today"),
        Binding("ctrl+f", "focus_search", "Search", id="search", tooltip="Type a search"),
        # The arrows move through the results while the search box has focus (it is one line: it has no
        # use for them), so no Tab is needed between typing a search and picking a card.
        Binding("down", "move(1)", "Next card", id="browse-down", show=False),
        Binding("up", "move(-1)", "Previous card", id="browse-up", show=False),
        Binding("pagedown", "move(10)", "Page down", id="browse-page-down", show=False),
        Binding("pageup", "move(-10)", "Page up", id="browse-page-up", show=False),
        Binding("escape", "app.pop_screen", "Back", id="back", tooltip="Back to the previous screen"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self._generation = 0  # bumped by every search: results of an older one are dropped
        self._search_running = False  # a background search is in flight
        self._typed_meanwhile: str | None = None  # the newest text typed meanwhile, searched when it lands
        self._short_timer: Any = None  # a short text's search, waiting for more typing
        self._searched: str | None = None  # the text of the latest search started
        self._query: Query | None = None
        self._loaded = 0
        self._total = 0
        self._paging = False
        # the card behind each row, in row order (rows are only ever appended, and cleared together)
        self._row_cards: list[CardKey] = []
        self._undrawn: tuple[list[CardInfo], datetime] | None = None  # the page's rows after the first screen

    @property
    def at_scale(self) -> bool:
        return sum(len(d.cards) for d in self.services.decks.catalog.decks.values()) >= SYNC_SEARCH_BELOW

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="search: text deck:ID tag:T state:new|review|... due:DAYS lapses:N", id="query")
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield Static(id="history", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        for label, key in (("Deck", "deck"), ("Card", "card"), ("State", "state"), ("Due", "due"),
                           ("Lapses", "lapses"), ("Question", "prompt")):
            table.add_column(label, key=key)
        self.search("")
        self.query_one("#query", Input).focus()

    @on(Input.Changed, "#query")
    def _changed(self, event: Input.Changed) -> None:
        if not self.at_scale:
            self.search(event.value)
            return
        # The box's text as it is now, not as this message saw it: keys that arrive together (a paste,
        # fast typing) are all inserted before their messages are handled, so the first message already
        # has the whole text, and the rest find it searched (or waiting) and start nothing.
        value = event.input.value
        if self._short_timer is not None:
            self._short_timer.stop()
            self._short_timer = None
        if self._search_running:
            self._typed_meanwhile = value if value != self._searched else None
        elif value == self._searched:
            return
        elif is_short_text(value):
            self._short_timer = self.set_timer(SHORT_TEXT_PAUSE, lambda: self.search(value))
        else:
            self.search(value)

    @on(Input.Submitted, "#query")
    def _submitted(self) -> None:
        self.query_one("#results", DataTable).focus()

    def search(self, raw: str) -> None:
        try:
            q = parse_query(raw)
        except QueryError as exc:
            self.query_one("#history", Static).update(Text(str(exc), style="yellow"))
            return
        self._generation += 1
        self._query = q
        self._searched = raw
        if self.at_scale:
            self._search_running = True
            self._search_in_background(q, self._generation, 0)
        else:
            self._show_results(self._generation, *self._fetch(q, 0))

    def _fetch(self, q: Query, offset: int) -> tuple[list[CardInfo] | str, int, datetime, int]:
        """(a page of results or what went wrong, the total count, the moment used, the offset).
        Runs in a thread at scale: it touches no widget."""
        now = self.services.clock()
        store = self.services.store
        due = now + timedelta(days=q.due_days) if q.due_days is not None else None
        filters: dict[str, Any] = {"deck": q.deck, "tag": q.tag, "state": q.state, "lapses": q.lapses, "due": due,
                                   "now": now}
        try:
            if self.at_scale:  # one pass for the page and the count: each pass is many milliseconds here
                found, total = store.search_page(q.text, limit=PAGE, offset=offset, **filters)
            else:  # a few hundred cards: a page short of PAGE is the whole answer, and the plainer query is cheaper
                found = store.search(q.text, limit=PAGE, offset=offset, **filters)
                total = len(found) + offset if len(found) < PAGE else store.search_count(q.text, **filters)
        except Exception as exc:
            return f"Search failed: {exc}", 0, now, offset
        return found, total, now, offset

    @work(thread=True, exclusive=True, group="browse-search", exit_on_error=False)
    def _search_in_background(self, q: Query, generation: int, offset: int) -> None:
        results = self._fetch(q, offset)
        try:
            self.app.call_from_thread(self._show_results, generation, *results)
        except Exception:  # the screen or the app went away meanwhile
            pass

    def _show_results(self, generation: int, found: list[CardInfo] | str, total: int, now: datetime,
                      offset: int = 0) -> None:
        self._search_running = False
        if self._typed_meanwhile is not None:  # typed while this one ran: that text is what is wanted now
            waiting, self._typed_meanwhile = self._typed_meanwhile, None
            self.search(waiting)
            return
        if generation != self._generation:
            return  # a newer search is on its way
        self._paging = False
        if isinstance(found, str):
            self.notify(found, severity="error")
            return
        self._total = total
        self._loaded = offset + len(found)
        self.query_one("#query", Input).border_subtitle = (
            f"{self._loaded:,} of {total:,}" if total > self._loaded else f"{total:,} card{'s' if total != 1 else ''}")
        if offset:
            self._draw_the_rest()
            self._append_rows(found, now)
            return
        table = self.query_one("#results", DataTable)
        keep = self._selected()  # the highlighted card stays highlighted (after a suspend, say)
        row = table.cursor_row
        table.clear()
        self._row_cards.clear()
        self._undrawn = None  # an older page's rows, never to be drawn now
        if not found:
            self.query_one("#history", Static).update(Text("No card matches.", style="dim"))
            return
        keys = [info.key for info in found]
        target = keys.index(keep) if keep in keys else min(max(row, 0), len(keys) - 1)
        # What the screen shows (down to the highlighted row) now, the rest once the screen is painted.
        first = max(target + 1, table.size.height) + DRAW_AHEAD
        self._append_rows(found[:first], now)
        if len(found) > first:
            self._undrawn = (found[first:], now)
            self.call_after_refresh(self._draw_the_rest)
        table.move_cursor(row=target, animate=False)

    def _draw_the_rest(self) -> None:
        """Append the rest of the page, if any is still waiting (rows are only ever appended in order)."""
        if self._undrawn is not None:
            found, now = self._undrawn
            self._undrawn = None
            self._append_rows(found, now)

    def _append_rows(self, found: list[CardInfo], now: datetime) -> None:
        table = self.query_one("#results", DataTable)
        for info in found:
            due = "-" if info.due is None else ("now" if info.due <= now else fmt.interval(info.due - now))
            prompt = " ".join(info.prompt.split())
            # Text, not str: the table reads a str as Rich markup (a prompt's ``x[mask]`` would lose its
            # ``[mask]``), and parsing 1,200 cells of a page as markup was a third of drawing it.
            table.add_row(*(Text(cell) for cell in (info.key[0], info.key[1], state_of(info, now), due,
                                                     str(info.lapses), prompt[:60])))
            self._row_cards.append(info.key)

    def _load_next_page(self) -> None:
        """More results exist than are shown: fetch the next page (the cursor reached the last row)."""
        if self._paging or self._query is None or self._loaded >= self._total:
            return
        self._paging = True
        if self.at_scale:
            self._search_running = True
            self._search_in_background(self._query, self._generation, self._loaded)
        else:
            self._show_results(self._generation, *self._fetch(self._query, self._loaded))

    def _selected(self) -> CardKey | None:
        table = self.query_one("#results", DataTable)
        row = table.cursor_row
        if not table.row_count or not 0 <= row < len(self._row_cards):
            return None
        return self._row_cards[row]

    @on(DataTable.RowHighlighted, "#results")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one("#results", DataTable)
        if event.cursor_row >= table.row_count - 1:
            if self._undrawn is not None:
                self._draw_the_rest()  # the rest of this page first: the next one comes after it
            else:
                self._load_next_page()
        key = self._selected()
        if key is not None:
            self.show_history(key)

    def show_history(self, key: CardKey) -> None:
        store = self.services.store
        info = store.card_info(key)
        panel = self.query_one("#history", Static)
        if info is None:
            panel.update("")
            return
        state = state_of(info, self.services.clock())
        head = Text.assemble((f"{key[0]}/{key[1]}", "bold"), f"  {state} · reviews {info.reps} · "
                             f"lapses {info.lapses} · due {fmt.moment(info.due)}")
        if info.tags:
            head.append(f" · tags {' '.join(info.tags)}")
        history = store.history(key)
        if not history:
            panel.update(Text.assemble(head, "\nNever reviewed."))
            return
        table = Table(box=None, padding=(0, 1), show_edge=False)
        for column in ("When", "Rating", "Answer", "Right", "Time", "Interval"):
            table.add_column(column)
        for entry in history:
            right = "-" if entry.correct is None else ("yes" if entry.correct else "no")
            table.add_row(fmt.moment(entry.reviewed_at), entry.rating.label, entry.answer[:24] or "-", right,
                          f"{entry.duration_s:.0f}s", fmt.interval(entry.interval))
        panel.update(Group(head, table))

    def action_move(self, rows: int) -> None:
        table = self.query_one("#results", DataTable)
        if table.row_count:
            table.move_cursor(row=min(max(table.cursor_row + rows, 0), table.row_count - 1), animate=False)

    def action_toggle_bury(self) -> None:
        key = self._selected()
        if key is None:
            return
        store = self.services.store
        info = store.card_info(key)
        if info is None:
            return
        now = self.services.clock()
        try:
            if info.buried_until is not None and info.buried_until > now:
                store.unbury(key)
                self.notify(f"{key[1]} is unburied: it can come up today.")
            else:
                until = store.bury(key, now)
                self.notify(f"Buried {key[1]} until {fmt.moment(until)}.")
        except Exception as exc:
            self.notify(f"Could not change {key[1]}: {exc}", severity="error")
            return
        self.search(self.query_one("#query", Input).value)

    def action_focus_search(self) -> None:
        self.query_one("#query", Input).focus()

    def action_toggle_suspend(self) -> None:
        key = self._selected()
        if key is None:
            return
        store = self.services.store
        info = store.card_info(key)
        if info is None:
            return
        if info.suspended:
            store.unsuspend(key)
            self.notify(f"{key[1]} is back in study.")
        else:
            store.suspend(key)
            self.notify(f"Suspended {key[1]}.")
        self.search(self.query_one("#query", Input).value)
