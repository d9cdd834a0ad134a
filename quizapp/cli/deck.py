"""CLI commands: ``quizapp deck check`` and ``quizapp deck list``.

``deck_app`` is the ``deck`` sub-app; other modules (authoring: ``deck new/fill/from-docs``, ``check
--watch``) add their commands to it. :func:`run_check` is the whole of ``deck check`` as one call, so a
watch loop can repeat it. Output contract: docs/deck-format.md (exit codes 0/1/2, ``--json``,
one line per load problem on stderr, never a traceback).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import typer

from quizapp.cli.help import QuizGroup
from quizapp.core.decks.model import Deck, Problem
from quizapp.core.kinds import registry as kinds

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from quizapp.bootstrap import Root
    from quizapp.core.check import CheckReport, OutcomeMemo
    from quizapp.core.decks.registry import KnownDeck
    from quizapp.core.execution.engine import Engine
    from quizapp.core.storage.store import Store

deck_app = typer.Typer(name="deck", help="Check, list and write decks.", cls=QuizGroup, no_args_is_help=True,
                       add_completion=False, pretty_exceptions_enable=False)


def _root() -> Root:
    from quizapp.cli.common import root

    return root()


def register(app: typer.Typer) -> None:
    """Add the ``deck`` command group to the root app."""
    deck_app.command("check")(check_command)
    deck_app.command("list")(list_command)
    app.add_typer(deck_app, name="deck")


def load_decks(names: Iterable[str]) -> tuple[list[Deck], list[Problem]]:
    """The decks the user named (paths, folders or deck ids; all known decks when none), and the problems
    (:func:`quizapp.core.decks.selection.load_named`: the one meaning of a deck name)."""
    from quizapp.core.decks.selection import load_named

    selection = load_named(names)
    return selection.decks, selection.problems


def _engine(timeout: float | None) -> Engine:
    """The engine ``cli/launch.py`` started before the CLI's imports, if it did, else a new one."""
    from quizapp.cli import launch

    engine = launch.take_engine()
    if engine is None:
        return _root().start_engine(timeout)
    engine.limits = _root().limits(timeout)
    return engine


def run_check(paths: Iterable[str], *, as_json: bool = False, timeout: float | None = None,
              engine: Engine | None = None, memo: OutcomeMemo | None = None) -> int:
    """Check the decks at ``paths`` and print the report; returns the exit status (0, 1 or 2).

    Pass ``engine`` to reuse a warm worker across runs (``--watch``), and ``memo`` to run only cards
    whose code changed since the last run; otherwise an engine is started and closed.
    """
    own = engine is None
    if engine is None:  # first: the worker's torch import overlaps everything below
        engine = _engine(timeout)
    from rich.console import Console

    from quizapp.core.check import check_decks

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        decks, problems = load_decks(paths)
        for problem in problems:
            sys.stderr.write(f"{_printable(str(problem))}\n")
        with _progress(err, enabled=not as_json and sys.stderr.isatty()) as advance:
            report = check_decks(decks, engine, on_result=advance, memo=memo)
        report.problems[:0] = problems
        for problem in report.problems[len(problems):]:
            sys.stderr.write(f"{_printable(str(problem))}\n")
        ran = any(kinds.get(c.kind).runs_code for c in report.cards)
        unenforced = engine.enforcement() if ran and not as_json else []
    finally:
        if own:
            engine.close()
    if as_json:
        sys.stdout.write(json.dumps(report.to_json()) + "\n")
    else:
        print_report(report, Console(highlight=False, soft_wrap=True), unenforced)
    return report.exit_code


def print_report(report: CheckReport, console: Console, unenforced: list[str]) -> None:
    """The report for people: each mismatch (expected, actual, why) and failure, then the summary.

    Everything from a deck or a card (ids, expect, outcomes, reasons) goes through ``escape``: Rich markup
    and control characters escaped, so a deck cannot restyle or drive the terminal.
    """
    from rich.markup import escape as escape_markup
    from rich.table import Table

    from quizapp.core.execution.reply import printable

    def escape(text: str) -> str:
        return escape_markup(printable(text))

    for check in report.cards:
        if check.status == "ok":
            continue
        if check.status == "skipped":  # an extension: the card's ``torch`` key excludes this torch
            console.print(f"[dim]SKIPPED {escape(check.label)}: {escape(check.reason or '')}[/]")
            continue
        colour = "yellow" if check.status == "mismatch" else "red"
        where = f"  ({check.where})" if check.where else ""
        console.print(f"[bold {colour}]{check.status.upper()}[/] {escape(check.label)}{escape(where)}")
        if check.status == "mismatch":
            console.print(f"  expected: {escape(check.expected or '')}")
            console.print("  actual:   " + escape(_indent(check.actual or "", 12)))
        if check.reason:
            label = "why:     " if check.status == "mismatch" else "reason:  "
            console.print(f"  {label} {escape(_indent(check.reason, 12))}")
    if not report.cards and report.problems:
        return  # nothing ran: the problems on stderr are the whole story
    summary = Table(show_edge=False, title="deck check")
    skipped = report.count("skipped")
    columns = ("ok", "mismatch", "failed") + (("skipped",) if skipped else ()) + ("cards", "seconds")
    for column in columns:
        summary.add_column(column, justify="right")
    counts = [f"[green]{report.count('ok')}[/]", f"[yellow]{report.count('mismatch')}[/]",
              f"[red]{report.count('failed')}[/]"] + ([f"[dim]{skipped}[/]"] if skipped else [])
    summary.add_row(*counts, str(len(report.cards)), f"{report.seconds:.1f}")
    if report.cards:
        console.print()
    console.print(summary)
    slowest = report.slowest(5)
    if slowest:
        table = Table(show_edge=False, title="slowest cards")
        table.add_column("card")
        table.add_column("seconds", justify="right")
        for check in slowest:
            table.add_row(escape(check.label), f"{check.seconds:.3f}")
        console.print(table)
    for note in report.notes:
        console.print(f"note: {escape(note)}")
    for missing in unenforced:
        console.print(f"[dim]sandbox: not enforced on this machine: {escape(missing)}[/]")


def _printable(text: str) -> str:
    from quizapp.core.execution.reply import printable

    return printable(text)


def _indent(text: str, width: int) -> str:
    return text.replace("\n", "\n" + " " * width)


class _progress:
    """A rich progress bar on stderr (only for a terminal); a no-op callback otherwise."""

    def __init__(self, console: Console, enabled: bool) -> None:
        self.console = console
        self.enabled = enabled
        self.bar: Progress | None = None

    def __enter__(self) -> Callable[[Any, int, int], None]:
        if not self.enabled:
            return lambda check, done, total: None
        from rich.markup import escape as escape_markup
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = self.bar = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                  TextColumn("{task.description}"), console=self.console, transient=True)
        bar.start()
        task = bar.add_task("", total=None)

        def advance(check: Any, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=escape_markup(_printable(check.label)))

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def check_command(
    paths: list[str] | None = typer.Argument(
        None, metavar="PATH", help="Deck files, folders of decks, or deck ids (default: all known decks)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (cards and summary) on stdout."),
    timeout: float | None = typer.Option(
        None, "--timeout", min=0.1, metavar="SECONDS",
        help="Time limit per card (default: the card_time_limit_seconds setting, 5)."),
    watch: bool = typer.Option(False, "--watch", help="Check again on every save of the deck files (Ctrl-C stops)."),
) -> None:
    """Run every card and compare its outcome with its `expect`: exit 0 all ok, 1 mismatch/failed, 2 unloadable deck."""
    if watch:  # the loop lives in core/authoring/watch.py
        from quizapp.core.authoring.watch import watch_check
        from quizapp.core.check import OutcomeMemo

        # One warm worker for the whole watch: each save is checked without paying for torch again,
        # and only the cards whose code changed run again (the memo has the others' outcomes).
        memo = OutcomeMemo()
        with _engine(timeout) as engine:
            raise typer.Exit(watch_check(paths or [], lambda: run_check(paths or [], as_json=as_json,
                                                                        timeout=timeout, engine=engine,
                                                                        memo=memo)))
    raise typer.Exit(run_check(paths or [], as_json=as_json, timeout=timeout))


class _CollectionLookup:
    """What the user's collection knows of deck versions (``Store.known_decks``), asked on a cache miss
    only: an SQLite collection is read with the standard library (no SQLAlchemy import, see
    storage/summaries.py), another through a read-only Store. A collection that cannot be read (none
    yet, locked, older schema) knows nothing, and the file is parsed as without it."""

    def __init__(self) -> None:
        self._store: Store | None = None
        self._tried = False

    def __call__(self, digests: Sequence[str]) -> Mapping[str, KnownDeck]:
        from quizapp.cli.common import root
        from quizapp.core import locations
        from quizapp.core.storage import summaries

        file = locations.sqlite_file(root().paths.db_url)
        if file is not None:
            try:
                # Listing needs no sync state (whether the cards are this version's): not counted.
                return summaries.known_in_file(file, digests, sync_state=False)
            except Exception:  # whatever stops it, listing goes on by parsing
                return {}
        if not self._tried:
            self._tried = True
            from quizapp.cli.common import root

            try:
                self._store = root().open_store(read_only=True, backups=False)
            except Exception:
                self._store = None
        return self._store.known_decks(digests) if self._store is not None else {}

    def __enter__(self) -> _CollectionLookup:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._store is not None:
            self._store.close()


def list_command(
    paths: list[str] | None = typer.Argument(None, metavar="PATH", help="Also load these deck files or folders."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """List every known deck (bundled, yours, and PATHs) with its card counts, and decks that failed to load."""
    from quizapp.core.decks.registry import list_decks

    # Summaries, not decks: a cached file's cards are never built just to be counted, nor a file the
    # collection registered before (same digest) when the cache lacks it.
    with _CollectionLookup() as known:
        summaries, problems = list_decks(paths or [], known=known)
    rows: list[dict[str, Any]] = []
    for deck in summaries:
        origin = "bundled" if deck.bundled else (str(deck.source) if deck.source else "")
        rows.append({"deck": deck.id, "title": deck.title, "cards": deck.cards,
                     "executable": deck.executable, "recall": deck.cards - deck.executable, "source": origin})
    if as_json:
        sys.stdout.write(json.dumps({"decks": rows, "problems": [str(p) for p in problems]}) + "\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=None, show_edge=False)
        for column, justify in (("deck", "left"), ("title", "left"), ("cards", "right"),
                                ("code", "right"), ("recall", "right"), ("source", "left")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for row in rows:
            table.add_row(row["deck"], row["title"], str(row["cards"]), str(row["executable"]),
                          str(row["recall"]), row["source"])
        console = Console(highlight=False, soft_wrap=True)
        if rows:
            console.print(table)
        else:
            console.print("no decks found")
        for problem in problems:
            sys.stderr.write(f"{problem}\n")
    raise typer.Exit(2 if problems else 0)
