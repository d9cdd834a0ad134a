"""CLI commands about the collection as a whole: ``sync``, ``import``, ``doctor``, ``learners``.

Each failure the user can act on is one line on stderr and exit status 2.
"""

from __future__ import annotations

from pathlib import Path

import typer

from quizapp.cli.common import fail, guarded, open_store


def sync_command(
    target: str = typer.Argument(..., help="A folder (each device writes only its own file there) or a database URL."),
) -> None:
    """Merge your reviews with a sync folder or a hub database; never conflicts, safe to repeat."""
    from quizapp.core.storage.syncing import sync

    with guarded():
        store = open_store()
        try:
            result = sync(store, target)
        finally:
            store.close()
    typer.echo(f"synced with {target}: {result.describe()}")


def import_command(
    file: Path = typer.Argument(..., help="A JSON export (quizapp export -f json) from another collection."),
) -> None:
    """Merge the reviews of a JSON export into this collection (reviews already here are skipped)."""
    from quizapp.core.storage.syncing import import_file

    if not file.is_file():
        raise fail(f"no file {file}")
    with guarded():
        store = open_store()
        try:
            added = import_file(store, file)
        finally:
            store.close()
    typer.echo(f"imported {added} new review(s) from {file}")


def doctor_command(
    rebuild: bool = typer.Option(False, "--rebuild", help="Replace every cache that differs with what the log says."),
) -> None:
    """Check the collection: integrity, and card states and totals against the review log."""
    from quizapp.core.storage import doctor

    with guarded():
        store = open_store(sync=False)
        try:
            integrity = store.integrity_check()
            report = store.run_read(lambda conn: doctor.verify(conn, store.settings))
            report.integrity = integrity
            if rebuild and (report.mismatched or report.bucket_learners):
                store.run_write(lambda conn: doctor.rebuild(conn, store.settings, report))
        finally:
            store.close()
    typer.echo(f"integrity check: {report.integrity}")
    for learner, key, diff in report.mismatched[:20]:
        typer.echo(f"  {learner}: {key[0]}/{key[1]}: {diff}")
    if len(report.mismatched) > 20:
        typer.echo(f"  ... and {len(report.mismatched) - 20} more")
    typer.echo(f"card states: {len(report.mismatched)} differ from the review log")
    totals = "differ for " + ", ".join(report.bucket_learners) if report.bucket_learners else "ok"
    typer.echo(f"review totals: {totals}")
    if report.rebuilt:
        typer.echo("rebuilt from the review log")
    elif not report.healthy and report.integrity == "ok":
        typer.echo("run `quizapp doctor --rebuild` to rebuild them from the review log")
    if report.integrity != "ok":
        raise fail("the database file is damaged: restore a backup with `quizapp restore`")


def learners_command() -> None:
    """List the learners in this collection (choose one with --learner or QUIZAPP_LEARNER)."""
    with guarded():
        store = open_store(sync=False)
        try:
            names, me = store.learners(), store.learner
        finally:
            store.close()
    for name in names:
        typer.echo(f"{'*' if name == me else ' '} {name}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("sync")(sync_command)
    app.command("import")(import_command)
    app.command("doctor")(doctor_command)
    app.command("learners")(learners_command)


