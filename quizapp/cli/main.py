"""``quizapp`` command: the root Typer app. Each command group lives in its own module and registers here.

The root callback is where a run starts: it makes the composition root (:class:`quizapp.bootstrap.Root`)
from ``--db``, ``--learner`` and the environment, once, and hands it to the commands through the Click
context; it also opens the log file (``--verbose``: more detail, echoed to stderr).

Bad input never produces a traceback on the terminal: :func:`main` turns any unexpected exception into
one line on stderr and exit status 2, and writes the traceback to the log file, saying where it is
(set ``QUIZAPP_DEBUG=1`` to see it on the terminal instead).
"""

from __future__ import annotations

import os
import sys

import typer

from quizapp import __version__
from quizapp.bootstrap import Root
from quizapp.cli.common import use_root
from quizapp.cli.help import QuizGroup
from quizapp.core import logs

app = typer.Typer(
    name="quizapp",
    help="Learn PyTorch by predicting what code does; quizapp runs the code to grade you.",
    cls=QuizGroup,
    no_args_is_help=False,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"quizapp {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root_callback(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", metavar="URL",
        help="Database URL (any SQLAlchemy URL); default: SQLite in QUIZAPP_HOME. Env: QUIZAPP_DB."),
    learner: str | None = typer.Option(
        None, "--learner", metavar="NAME", help="Who is studying (default: your OS user name). Env: QUIZAPP_LEARNER."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Log more (debug detail) and echo the log to stderr."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """With no command, open the home screen."""
    made = Root.from_environment(db=db, learner=learner, verbose=verbose)
    use_root(made, ctx)
    logs.setup(made.paths.log_dir, verbose=verbose)
    logs.log.info("start: %s; command: %s", logs.describe_platform(), ctx.invoked_subcommand or "(home screen)")
    logs.log.debug("database %s; settings %s", logs.redact(made.paths.db_url), made.paths.settings_path)
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
        raise SystemExit(130) from None
    except SystemExit:
        raise
    except Exception as exc:  # a last line of defence: one readable line, never a traceback
        if os.environ.get("QUIZAPP_DEBUG"):
            raise
        sys.stderr.write(f"quizapp: error: {exc.__class__.__name__}: {exc}\n")
        _record(exc)
        raise SystemExit(2) from None


def _record(exc: Exception) -> None:
    """The traceback goes to the log file (opened now if the error came before the root callback)."""
    if logs.log_file() is None:
        from quizapp.core import locations

        logs.setup(locations.log_dir())
    logs.log.error("uncaught %s", exc.__class__.__name__, exc_info=exc)
    where = logs.log_file()
    if where is not None:
        sys.stderr.write(f"quizapp: the details are in {where} (attach it to a bug report)\n")
