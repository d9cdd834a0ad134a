"""The home screen: every deck with its new / learning / due counts, and the decks that failed to load.

While the app loads its catalogue in the background (see ``QuizApp``), the screen is already up and
shows a progress bar; the table is filled as soon as the app has the decks' index (the store's
summaries of unchanged decks: usually before any file is parsed) and again when the decks are loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, ProgressBar, Static

from quizapp.core.storage.records import DeckCounts

if TYPE_CHECKING:
    from quizapp.core.decks.model import Problem
    from quizapp.tui.services import Services

ALL = "*all*"  # the row key of the "All decks" row


class HomeScreen(Screen[None]):
    DEFAULT_CSS = """
    HomeScreen #loading { height: 1; margin: 1 1 0 1; }
    HomeScreen #loading Label { width: auto; margin-right: 2; }
    """
    BINDINGS = [
        Binding("enter", "study", "Study", id="study", tooltip="Study the highlighted deck", show=True),
        Binding("a", "study_all", "All decks", id="study-all", tooltip="Study every deck"),
        Binding("b", "app.browse", "Browse", id="browse", tooltip="Search cards and their history"),
        Binding("s", "app.stats", "Stats", id="stats", tooltip="Reviews, forecast, retention, calendar"),
        Binding("o", "app.settings", "Settings", id="settings", tooltip="Retention, daily limits, theme"),
        Binding("question_mark", "app.help", "Help", id="help-keys", tooltip="Every key"),
        Binding("q", "app.quit", "Quit", id="quit", tooltip="Leave quizapp"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="home-body"):
            with Horizontal(id="loading"):
                yield Label("Loading decks…", id="loading-label")
                yield ProgressBar(id="loading-bar", show_eta=False)
            yield DataTable(id="decks", cursor_type="row", zebra_stripes=True)
            yield Static(id="problems", classes="panel")
            yield Static(id="home-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#decks", DataTable)
        table.add_column("Deck", key="deck")
        table.add_column("New", key="new")
        table.add_column("Learn", key="learning")
        table.add_column("Due", key="due")
        table.add_column("Cards", key="cards")
        self.refresh_decks()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_decks()  # back from a session: the counts changed

    def show_loading(self, done: int, total: int) -> None:
        """Progress of the background catalogue load: ``done`` of ``total`` deck files read."""
        self.query_one("#loading-bar", ProgressBar).update(total=max(total, 1), progress=done)
        self.query_one("#loading-label", Label).update(f"Loading decks… {done}/{total} files")

    def _listed(self) -> tuple[list[tuple[str, str, int]], list[Problem]] | None:
        """(deck id, title, cards) of every deck, and the problems: from the catalog, or while it loads from
        the app's deck index; None while there is neither yet."""
        decks = self.services.decks
        if not decks.catalog_loading:
            catalog = decks.catalog
            return [(d.id, d.title, len(d.cards)) for d in catalog.decks.values()], catalog.problems
        index = decks.deck_index
        if index is None:
            return None
        return [(s.id, s.title, s.cards) for s in index.summaries.values()], index.problems

    def refresh_decks(self, counts: dict[str, DeckCounts] | None = None) -> None:
        """Show the decks with ``counts`` (read now when not given; the catalog may have been reloaded by
        an edit in a session). While the catalogue is still loading, the progress shows, and the decks
        too once the app has their index."""
        table = self.query_one("#decks", DataTable)
        self.query_one("#loading").display = self.services.decks.catalog_loading
        listed = self._listed()
        if listed is None:
            return
        decks, problems = listed
        if counts is None:
            try:
                counts = self.services.store.deck_counts([d[0] for d in decks], self.services.clock())
            except Exception as exc:
                self.notify(f"Could not read the counts: {exc}", severity="error")
                counts = {}
        previous = table.cursor_row
        table.clear()
        # The daily limits are shared by all decks: each deck's counts already respect them, and the
        # "All decks" row must too, with what is left of them today (not the limits themselves).
        try:
            new_left, reviews_left = self.services.store.left_today(self.services.clock())
        except Exception:  # the counts above already said what went wrong
            new_left, reviews_left = 0, 0
        total = DeckCounts(min(sum(c.new for c in counts.values()), new_left),
                           sum(c.learning for c in counts.values()),
                           min(sum(c.due for c in counts.values()), reviews_left))
        cards = sum(d[2] for d in decks)
        table.add_row(Text("All decks", style="bold"), *self._count_cells(total), str(cards), key=ALL)
        for deck_id, title, size in decks:
            c = counts.get(deck_id, DeckCounts())
            table.add_row(title, *self._count_cells(c), str(size), key=deck_id)
        if table.row_count:
            table.move_cursor(row=min(max(previous, 0), table.row_count - 1))
        self._show_problems(problems)
        hint = self.query_one("#home-hint", Static)
        if not decks:
            hint.update("No decks loaded. Write one with `quizapp deck new NAME`, or study a file: "
                        "`quizapp study path/to/deck.yaml`.")
        else:
            hint.update(Text("Enter: study the highlighted deck · a: all decks · Ctrl+P: commands", style="dim"))

    @staticmethod
    def _count_cells(c: DeckCounts) -> tuple[Text, Text, Text]:
        return (Text(str(c.new), style="blue" if c.new else "dim"),
                Text(str(c.learning), style="red" if c.learning else "dim"),
                Text(str(c.due), style="green" if c.due else "dim"))

    def _show_problems(self, problems: list[Problem]) -> None:
        panel = self.query_one("#problems", Static)
        panel.display = bool(problems)
        if problems:
            text = Text(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in deck files "
                        "(those decks are not loaded):\n", style="bold")
            for problem in problems:
                text.append(f"  {problem}\n", style="red")
            text.append("Run `quizapp deck check` on a file for details.", style="dim")
            panel.update(text)

    def _selected(self) -> str | None:
        table = self.query_one("#decks", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @on(DataTable.RowSelected, "#decks")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._study(event.row_key.value)

    def action_study(self) -> None:
        self._study(self._selected())

    def action_study_all(self) -> None:
        self._study(ALL)

    def _study(self, key: str | None) -> None:
        if key is None:
            return
        self.services.decks.start_study(None if key == ALL else [key])
