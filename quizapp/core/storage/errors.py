"""StoreError: everything the user can do something about, in one line that says what to do.

Errors are named for what they are: a file that cannot be opened, a read-only file or folder and a
full disk are not a damaged database, and the advice differs (restoring a backup would not help).
"""

from __future__ import annotations


class StoreError(Exception):
    """A database problem the user must act on (corrupt, foreign, too new, unreachable, unknown card)."""


class StoreReadOnly(StoreError):
    """The collection cannot be written (read-only file, folder or disk); reading may still work."""


class StoreDiskFull(StoreError):
    """The disk holding the collection is full: nothing was written, nothing is damaged."""


class StoreDamaged(StoreError):
    """The database file is damaged (corrupt pages, or not a database at all)."""


# SQLite's primary result codes (``sqlite3.Error.sqlite_errorcode & 0xff``) that are not damage.
_CANTOPEN, _READONLY, _FULL, _IOERR, _PERM, _CORRUPT, _NOTADB = 14, 8, 13, 10, 3, 11, 26


def describe(exc: BaseException, where: str, way_out: str, *, doing: str) -> StoreError:
    """A StoreError for a database exception raised while ``doing`` (``read``/``write``) ``where``."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    text = (str(orig).strip().splitlines() or [exc.__class__.__name__])[0]
    if code is not None:
        primary = code & 0xFF
        if primary == _READONLY:
            return StoreReadOnly(f"{where} is read-only ({text}): check the file's and its folder's permissions")
        if primary == _FULL:
            return StoreDiskFull(f"the disk holding {where} is full ({text}): free some space and try again; "
                                 "nothing was lost")
        if primary == _CANTOPEN:
            return StoreReadOnly(f"cannot open {where} ({text}): check that the folder exists and is writable")
        if primary in (_IOERR, _PERM):
            return StoreError(f"could not {doing} {where}: input/output error ({text}); check the disk")
        if primary in (_CORRUPT, _NOTADB):
            return StoreDamaged(f"{where} is damaged ({text}); {way_out}")
    lowered = text.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return StoreReadOnly(f"{where} is read-only ({text}): check the file's and its folder's permissions")
    if "disk is full" in lowered or "no space" in lowered:
        return StoreDiskFull(f"the disk holding {where} is full ({text}): free some space and try again")
    if "unable to open" in lowered:
        return StoreReadOnly(f"cannot open {where} ({text}): check that the folder exists and is writable")
    if "malformed" in lowered or "not a database" in lowered:
        return StoreDamaged(f"{where} is damaged ({text}); {way_out}")
    return StoreError(f"could not {doing} {where} ({text})")
