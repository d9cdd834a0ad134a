"""StoreError: everything the user can do something about, in one line that says what to do."""

from __future__ import annotations


class StoreError(Exception):
    """A database problem the user must act on (corrupt, foreign, too new, unreachable, unknown card)."""
