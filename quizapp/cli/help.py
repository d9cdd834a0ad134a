"""Help that reads cleanly: no Python type names (``<bool>``, ``<str>``, ``<list[str]>``) in ``--help``.

Typer prints each parameter's Python type beside it. For people that is noise: a flag has no value at
all, and a value reads better as what it is (``--db URL``, ``--output FILE``). :class:`QuizGroup` (the
root app's and the ``deck`` group's class) tidies every command's parameters as the command is looked
up, so a command added later gets the same treatment without remembering to: a flag shows nothing, an
option its ``metavar`` (default: its name in capitals), a choice its values, an argument its metavar.

Typer ships its own copy of Click; the types here are Typer's (``typer.Context``, ``typer.core``).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption


def _no_type(ctx: typer.Context) -> None:
    return None


def tidy(param: object) -> None:
    """Give ``param`` a metavar fit for people (idempotent)."""
    if isinstance(param, TyperOption):
        if param.is_flag or param.count:
            param.metavar = param.metavar or ""
        elif param.metavar is None:
            descriptor = getattr(param, "type_descriptor", None)
            choices = getattr(descriptor, "choices", None) if getattr(descriptor, "is_choice", False) else None
            if choices:
                param.metavar = "|".join(str(getattr(c, "value", c)) for c in choices)
            else:
                param.metavar = (param.name or "value").upper()
    elif isinstance(param, TyperArgument):
        if param.metavar is None:
            param.metavar = (param.name or "value").upper()  # Typer adds "..." for several values itself
        # Typer's argument shows its type next to the metavar whatever the metavar is: drop it.
        setattr(param, "display_type_rich", _no_type)  # noqa: B010 (an instance attribute on purpose)


def tidy_command(command: Any, ctx: typer.Context) -> None:
    for param in command.get_params(ctx):
        tidy(param)


class QuizGroup(TyperGroup):
    """A Typer group whose commands' help shows no type names (see the module docstring)."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            tidy_command(command, ctx)
        return command

    def get_params(self, ctx: Any) -> Any:
        params = super().get_params(ctx)
        for param in params:
            tidy(param)
        return params


__all__ = ["QuizGroup", "tidy"]
