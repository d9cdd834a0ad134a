"""CLI commands for deck authors: ``deck new``, ``deck fill`` and ``deck from-docs``.

They join the ``deck`` group (``quizapp.cli.deck.deck_app``). Every problem a user can fix is one line on
stderr with exit status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from quizapp.cli.common import fail, guarded, root

if TYPE_CHECKING:
    from quizapp.core.execution.engine import Engine


def _engine(timeout: float | None) -> Engine:
    with guarded():  # an unreadable settings file is one line
        return root().start_engine(timeout)


def _print_diff(diff: str) -> None:
    colour = sys.stdout.isatty()
    for line in diff.splitlines():
        if colour and line.startswith("+") and not line.startswith("+++"):
            line = typer.style(line, fg="green")
        elif colour and line.startswith("-") and not line.startswith("---"):
            line = typer.style(line, fg="red")
        typer.echo(line)


# ------------------------------------------------------------------------------------------ deck new


def new_command(
    name: str = typer.Argument(..., help="The deck's name; its id (and file name) is made from it."),
) -> None:
    """Write a new deck in your decks folder: one commented example card of each kind, ready to edit."""
    from quizapp.core.authoring.new import DeckExistsError, create_deck

    try:
        made = create_deck(name, folder=root().paths.user_decks_dir)
    except (DeckExistsError, ValueError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write the deck: {exc.strerror or exc}: {exc.filename or ''}") from None
    typer.echo(str(made.path))
    typer.echo(f"deck '{made.deck_id}' created; edit it, then: quizapp deck check --watch {made.path}", err=True)


# ------------------------------------------------------------------------------------------ deck fill


def fill_command(
    path: Path = typer.Argument(..., help="The deck file to fill."),
    overwrite_mismatches: bool = typer.Option(
        False, "--overwrite-mismatches", help="Also replace an `expect` that disagrees with what the code does."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Write without asking (the diff is still shown)."),
    timeout: float | None = typer.Option(None, "--timeout", min=0.1, metavar="SECONDS",
                                            help="Time limit per card (default 5)."),
) -> None:
    """Run every card and write its real outcome into `expect` where it is missing; shows a diff first.

    Exit status: 0 when the file is filled (or nothing was missing) and no card failed or disagrees;
    1 when cards failed, mismatches remain, or the changes were not written; 2 when the deck cannot load.
    """
    from quizapp.core.authoring.fill import FillError, plan_fill, write_plan

    if path.is_dir():
        raise fail(f"{path} is a folder; `deck fill` takes one deck file")
    if not path.is_file():
        raise fail(f"{path}: no such deck file")
    engine = _engine(timeout)
    try:
        plan = plan_fill(path, engine, overwrite_mismatches=overwrite_mismatches)
    except FillError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        engine.close()

    for r in plan.results:
        if r.action == "failed":
            typer.echo(f"FAILED   {r.card_id}: {r.reason} (not filled)")
        elif r.action == "mismatch":
            typer.echo(f"MISMATCH {r.card_id}: expect {r.old!r}, but the code gives {r.new!r}"
                       " (--overwrite-mismatches replaces it)")
        elif r.action == "skipped":
            typer.echo(f"SKIPPED  {r.card_id}: {r.reason}")
    problems = plan.count("failed") + plan.count("mismatch")
    if not plan.changed:
        typer.echo(f"nothing to write in {path} ({plan.summary()})")
        raise typer.Exit(1 if problems else 0)

    _print_diff(plan.diff())
    if not yes:
        if not sys.stdin.isatty():
            typer.echo(f"not written: no terminal to confirm on; run again with --yes to write {path}")
            raise typer.Exit(1)
        if not typer.confirm(f"Write these changes to {path}?", default=False):
            typer.echo("not written")
            raise typer.Exit(1)
    try:
        write_plan(plan)
    except FillError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {path} ({plan.summary()})")
    raise typer.Exit(1 if problems else 0)


# ------------------------------------------------------------------------------------------ deck from-docs


def from_docs_command(
    names: list[str] = typer.Argument(
        ..., metavar="NAME", help="Importable objects, e.g. torch.cumsum torch.gather."),
    output: Path | None = typer.Option(None, "-o", "--output", metavar="FILE",
                                          help="Deck file to write (default: <decks folder>/<deck id>.yaml)."),
    timeout: float | None = typer.Option(None, "--timeout", min=0.1, metavar="SECONDS",
                                            help="Time limit per example (default 5)."),
) -> None:
    """Build a deck from the `>>>` examples in docstrings, keeping those that run and reproduce their output."""
    from quizapp.core import locations
    from quizapp.core.authoring import from_docs
    from quizapp.core.authoring.new import slug

    bad = [n for n in names if not from_docs.DOTTED_NAME.match(n)]
    if bad:
        raise fail(f"{bad[0]!r} is not a dotted Python name (like torch.cumsum)")
    deck_id = None
    if output is not None:
        if output.exists():  # say so before spending time on the examples
            raise fail(f"{output} already exists; choose another file with -o")
        deck_id = slug(output.stem) or None
    engine = _engine(timeout)
    try:
        result = from_docs.build(names, engine, deck_id=deck_id)
    finally:
        engine.close()

    for kept in result.kept:
        ask, expect = from_docs.one_line(kept.example.ask), from_docs.one_line(kept.expect)
        typer.echo(f"kept     {kept.card_id}: {ask} -> {expect}")
    for skipped in result.skipped:
        typer.echo(f"skipped  {skipped}")
    typer.echo(f"{len(result.kept)} examples kept, {len(result.skipped)} skipped")
    if not result.kept:
        typer.echo("no example reproduced, so no deck was written", err=True)
        raise typer.Exit(1)
    path = output if output is not None else locations.ensure(root().paths.user_decks_dir) / f"{result.deck_id}.yaml"
    try:
        from_docs.write_deck(result, path)
    except (from_docs.DeckFileExists, ValueError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add ``deck new/fill/from-docs`` to the ``deck`` group."""
    from quizapp.cli.deck import deck_app

    deck_app.command("new")(new_command)
    deck_app.command("fill")(fill_command)
    deck_app.command("from-docs")(from_docs_command)
