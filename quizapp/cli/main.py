"""``quizapp`` command: the root Typer app. Each command group lives in its own module and registers here.

Bad input never produces a traceback: :func:`main` turns any unexpected exception into one line on
stderr and exit status 2 (set ``QUIZAPP_DEBUG=1`` to see the traceback).
"""

from __future__ import annotations

import os
import sys

import typer

from quizapp import __version__

app = typer.Typer(
    name="quizapp",
    help="Learn PyTorch by predicting what code does; quizapp runs the code to grade you.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"quizapp {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", help="Database URL (any SQLAlchemy URL); default: SQLite in QUIZAPP_HOME. Env: QUIZAPP_DB."
    ),
    learner: str | None = typer.Option(
        None, "--learner", help="Who is studying (default: your OS user name). Env: QUIZAPP_LEARNER."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """With no command, open the home screen."""
    if db:
        os.environ["QUIZAPP_DB"] = db
    if learner:
        os.environ["QUIZAPP_LEARNER"] = learner
    if ctx.invoked_subcommand is None:
        from quizapp.cli.study import open_home

        open_home()


def _register_all() -> None:
    # Imported here, not at module top, so each group module stays independent.
    from quizapp.cli import authoring, collection, deck, progress, study

    # Registration order is the order `quizapp --help` lists commands in: most used first.
    for module in (study, deck, progress, authoring, collection):
        module.register(app)


_register_all()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130)
    except SystemExit:
        raise
    except Exception as exc:  # a last line of defence: one readable line, never a traceback
        if os.environ.get("QUIZAPP_DEBUG"):
            raise
        sys.stderr.write(f"quizapp: error: {exc.__class__.__name__}: {exc}\n")
        raise SystemExit(2)
