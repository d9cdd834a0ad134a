"""CLI commands about progress: ``stats``, ``export``, ``optimize``, ``backup``, ``restore``, ``report``.

Every failure the user can act on (a damaged database, a bad settings file, too little history) is
one line on stderr and exit status 2; nothing here prints a traceback.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer

from quizapp.cli.common import fail, guarded, now, open_store, root


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    apkg = "apkg"


# ------------------------------------------------------------------------------------------ stats


def _render_stats(result, location: str) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.table import Table

    console = Console()
    retention = (
        "n/a (no mature reviews yet)"
        if result.retention is None
        else (f"{result.retention:.1%} of {result.retention_reviews} mature reviews")
    )
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    for label, value in (
        ("Reviews", f"{result.reviews} in all, {result.reviews_today} today"),
        (
            "Cards",
            f"{result.cards} ({result.new} new, {result.learning} learning, {result.review} review, "
            f"{result.mature} mature; {result.suspended} suspended, {result.leeches} leeches)",
        ),
        ("Due today", str(result.due_today)),
        ("True retention", retention),
        ("Streak", f"{result.streak_days} day{'s' if result.streak_days != 1 else ''}"),
        ("Time spent", f"{result.seconds_today / 60:.0f} min today, {result.seconds_total / 3600:.1f} h in all"),
        ("Collection", location),
    ):
        summary.add_row(label, value)
    console.print(summary)

    if result.decks:
        decks = Table(title="Decks", title_justify="left")
        decks.add_column("deck", no_wrap=True, min_width=min(30, max(len(g.name) for g in result.decks)))
        for col in ("cards", "new", "learning", "review", "due today", "reviews", "mastery"):
            decks.add_column(col, justify="right")
        for g in result.decks:
            decks.add_row(
                g.name,
                str(g.cards),
                str(g.new),
                str(g.learning),
                str(g.review),
                str(g.due_today),
                str(g.reviews),
                f"{g.mastery:.0%}",
            )
        console.print(decks)

    recent = result.per_day[-14:]
    if recent:
        bars = " ▁▂▃▄▅▆▇█"
        top = max(d.reviews for d in recent)
        line = " ".join(f"{d.date:%m-%d} {bars[max(1, round(d.reviews / top * 8))]} {d.reviews}" for d in recent)
        console.print(f"[bold]Recent days[/bold]  {line}")
    ahead = [n for _, n in result.forecast[:7]]
    console.print(f"[bold]Due next 7 days[/bold]  {' '.join(str(n) for n in ahead)}")


def stats(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Show progress: reviews, retention, streak, due cards, per-deck mastery."""
    from quizapp.core import stats as stats_mod

    with guarded():
        store = open_store(read_only_ok=True)
        try:
            result = stats_mod.compute(store, now())
            location = store.location
        finally:
            store.close()
    if as_json:
        typer.echo(json.dumps(result.to_json()))
    else:
        _render_stats(result, location)


# ------------------------------------------------------------------------------------------ export


def export(
    fmt: ExportFormat = typer.Option(
        ..., "--format", "-f", help="csv, json, or apkg (an Anki package of the decks)."),
    output: Path = typer.Option(
        ..., "-o", "--output", metavar="FILE", help="File to write (csv also writes FILE-cards.csv)."),
    decks: list[str] | None = typer.Argument(
        None, metavar="DECK", help="apkg only: deck ids or files (default: all decks)."),
) -> None:
    """Export the review log and card states (csv, json), or the decks as an Anki package (apkg)."""
    from quizapp.core.export import tabular

    with guarded():
        if fmt is ExportFormat.apkg:
            _export_apkg(output, decks or [])
            return
        if decks:
            raise fail("deck arguments only apply to --format apkg; csv and json export everything")
        store = open_store(read_only_ok=True)
        try:
            writer = tabular.write_csv if fmt is ExportFormat.csv else tabular.write_json
            result = writer(store, output)
        finally:
            store.close()
    files = " and ".join(str(p) for p in result.files)
    typer.echo(f"exported {result.reviews} reviews and {result.cards} cards to {files}")


def _export_apkg(output: Path, names: list[str]) -> None:
    from quizapp.core.decks.registry import load_catalog
    from quizapp.core.decks.selection import resolve_names
    from quizapp.core.export.apkg import write_apkg

    catalog = load_catalog()
    if names:
        selection = resolve_names(catalog, names)
        if selection.problems:
            raise fail(str(selection.problems[0]))
        chosen = selection.decks
    else:
        chosen = list(catalog.decks.values())
    typer.echo(f"running {sum(len(d.cards) for d in chosen)} cards for their outcomes...", err=True)
    result = write_apkg(chosen, output)
    typer.echo(f"wrote {output}: {result}")


# ------------------------------------------------------------------------------------------ optimize


def optimize(
    yes: bool = typer.Option(False, "--yes", "-y", help="Save the new parameters without asking."),
) -> None:
    """Fit FSRS's parameters to your own review history, compare them with the current ones, save."""
    from fsrs.scheduler import DEFAULT_PARAMETERS

    from quizapp.core import settings as settings_mod
    from quizapp.core.scheduling import optimize as opt

    missing = opt.missing_optimizer()
    if missing is not None:
        raise fail(missing)
    made = root()
    with guarded():
        settings = made.settings
        store = open_store(sync=False)
        try:
            log = opt.review_log((r.deck, r.card_id, r.reviewed_at, r.rating, r.duration_s)
                                 for r in store.iter_reviews())
        finally:
            store.close()
        eligible = opt.eligible_reviews(log)
        if eligible < opt.MIN_REVIEWS:
            typer.echo(
                f"Not enough history to optimize yet: {eligible} of the {opt.MIN_REVIEWS} reviews the optimizer "
                f"needs (a review counts when it comes a day or more after the card's previous one). "
                f"About {opt.MIN_REVIEWS - eligible} more such reviews to go; until then the defaults are used."
            )
            raise typer.Exit(0)
        sample = opt.sample_for_fit(log)
        if len(sample) < len(log):
            typer.echo(
                f"Your log has {len(log)} reviews; fitting on the {len(sample)} reviews of your most recently "
                f"studied cards keeps this to minutes."
            )
        typer.echo(
            f"Fitting FSRS to {len(sample)} reviews ({opt.eligible_reviews(sample)} usable); this takes a while..."
        )
        try:
            new = opt.fit(sample)
        except opt.OptimizeError as exc:
            raise fail(str(exc)) from None
        old = list(settings.fsrs_parameters or DEFAULT_PARAMETERS)
        before, after = opt.evaluate(old, sample), opt.evaluate(new, sample)

    typer.echo("\n  #   current      fitted")
    for i, (a, b) in enumerate(zip(old, new, strict=True)):
        typer.echo(f"{i:>3}  {a:>8.4f}  {b:>10.4f}{'  *' if abs(a - b) > 1e-4 else ''}")
    typer.echo(
        f"\nPrediction error on your history (log loss, lower is better): {before.log_loss:.4f} -> {after.log_loss:.4f}"
        f"\nMedian memory stability of your cards: {before.median_stability_days:.1f} d -> "
        f"{after.median_stability_days:.1f} d (intervals scale with it at the same desired retention)"
    )
    if after.log_loss >= before.log_loss:
        typer.echo("The fitted parameters do not predict your history better; keeping the current ones.")
        raise typer.Exit(0)
    if not yes:
        if not sys.stdin.isatty():
            typer.echo("Not saved: run with --yes to save without a prompt.")
            raise typer.Exit(0)
        if not typer.confirm("Save the fitted parameters?", default=True):
            typer.echo("Not saved.")
            raise typer.Exit(0)
    with guarded():
        fitted = settings_mod.updated(settings, fsrs_parameters=tuple(new))
        path = settings_mod.save(fitted, made.paths.settings_path)
        made.settings_saved(fitted)
    typer.echo(f"Saved to {path}; they apply from each card's next review.")


# ------------------------------------------------------------------------------------------ backups


def backup() -> None:
    """Back the collection up now (SQLite's online backup: safe while quizapp is running)."""
    with guarded():
        store = open_store(sync=False)
        try:
            path = store.backup()
        finally:
            store.close()
    typer.echo(f"backed up to {path}")


def restore(
    name: str | None = typer.Argument(None, help="A backup file name (from the list) or a path."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Replace the collection without asking."),
) -> None:
    """List backups, or replace the collection with one (the current one is kept as a backup first)."""
    from quizapp.core import locations
    from quizapp.core.storage import backups as backups_mod

    paths = root().paths
    folder = paths.backups_dir
    found = backups_mod.list_backups(folder)
    if name is None:
        if not found:
            typer.echo(f"no backups in {folder}")
            return
        typer.echo(f"Backups in {folder} (newest first); restore one with `quizapp restore NAME`:")
        for b in found:
            typer.echo(f"  {b.describe()}")
        return
    db_file = locations.sqlite_file(paths.db_url)
    if db_file is None:
        raise fail("restore works on a SQLite collection; restore a server database with its own tools")
    candidate = Path(name).expanduser()
    if not candidate.exists():
        candidate = folder / name
    if not candidate.exists():
        raise fail(f"no backup {name!r}; `quizapp restore` lists them")
    if not yes:
        if not sys.stdin.isatty():
            raise fail("restoring replaces your collection: run again with --yes to confirm")
        typer.confirm(f"Replace {db_file} with {candidate.name}?", abort=True)
    with guarded():
        kept = backups_mod.restore_backup(candidate, db_file, folder, now())
    typer.echo(
        f"restored {candidate.name} to {db_file}" + (f"; the previous collection is kept at {kept}" if kept else "")
    )


# ------------------------------------------------------------------------------------------ report


def report(
    output: Path = typer.Option(..., "-o", "--output", metavar="FILE", help="The HTML file to write."),
    for_class: bool = typer.Option(False, "--class", help="A teacher's report on every learner in the collection."),
) -> None:
    """Write a self-contained HTML progress report (charts, retention, forecast, mastery), readable offline."""
    from quizapp.core.export import class_report
    from quizapp.core.export.report import write_report

    with guarded():
        store = open_store(read_only_ok=True)
        try:
            if for_class:
                result = class_report.compute(store, now())
                class_report.write(result, output, now())
                for line in class_report.render_text(result):
                    typer.echo(line)
            else:
                write_report(store, output, now())
        finally:
            store.close()
    typer.echo(f"wrote {output}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app (``report`` last: it came after ``restore`` before)."""
    app.command("stats")(stats)
    app.command("export")(export)
    app.command("optimize")(optimize)
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("report")(report)
