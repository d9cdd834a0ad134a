"""The parsed-deck cache: a deck file that has not changed is not parsed and validated again.

Validating a large deck is the slowest part of a launch (a 2,000-card file takes about a second), yet
deck files rarely change between launches. Each successfully loaded file is stored, already parsed,
in ``locations.cache_dir()/decks/v<N>/`` (one entry per file) together with what it was made from:

- the file's path, size, modification time and content hash (BLAKE2b of its bytes), and
- a fingerprint of the code that turns files into decks (quizapp's version, this cache's format
  version, Python's version, and the size and mtime of every module under ``quizapp/core/decks``),
  so an upgrade, or a developer's edit of the loader or the card model, never serves stale decks.

An entry is used only when all of these match; the file's bytes are hashed on every load (fast next
to parsing: ~2 ms per MB), so an entry is never trusted once the file changed, even when an edit kept
the size and the timestamp. A file that fails to load is never cached (it is being edited; its
problems are reported fresh every time). Anything unexpected with an entry (truncated, corrupt, from
another version, unreadable) makes it a miss: the file is read again and the entry rewritten. Any
failure to write (read-only or full disk) only costs the next launch time. The folder is safe to delete.

Entries are pickles read by a restricted unpickler that can build only the deck model's own classes
(and paths): a tampered entry can make a load fail over to parsing, never run code.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import io
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from quizapp import __version__
from quizapp.core import locations
from quizapp.core.decks.loader import load_deck
from quizapp.core.decks.model import Deck

CACHE_VERSION = 1
MAGIC = b"quizapp-deck-cache\n"
# Modules whose classes may appear inside a cached Deck (the deck model; card kinds live there too).
_MODEL_MODULES = ("quizapp.core.decks.", "quizapp.core.kinds.")
_SAFE_BUILTINS = frozenset({"set", "frozenset", "complex", "bytes", "bytearray", "slice", "range"})
_PATH_CLASSES = frozenset({"Path", "PosixPath", "WindowsPath", "PurePath", "PurePosixPath", "PureWindowsPath"})


@dataclass(frozen=True)
class DeckSummary:
    """What listing a deck needs, readable from a cache entry without building its cards."""

    id: str
    title: str
    cards: int
    executable: int
    source: Path | None
    bundled: bool

    @classmethod
    def of(cls, deck: Deck) -> DeckSummary:
        return cls(deck.id, deck.title, len(deck.cards), sum(1 for c in deck.cards if c.executable),
                   deck.source, deck.bundled)


@dataclass(frozen=True)
class LoadedDeck:
    """A deck, the digest it was made from (file content + loader code) and whether the cache served it."""

    deck: Deck
    digest: str
    cached: bool


def cache_folder() -> Path:
    return locations.cache_dir() / "decks" / f"v{CACHE_VERSION}"


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """What the decks' parsing depends on besides the file: changes whenever that code may have."""
    parts = [__version__, str(CACHE_VERSION), sys.version]
    here = Path(__file__).resolve().parent
    for folder in (here, here.parent / "kinds"):
        try:
            modules = sorted(folder.glob("*.py"))
        except OSError:
            continue
        for module in modules:
            try:
                st = module.stat()
            except OSError:
                continue
            parts.append(f"{module.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def _entry_path(path: Path, bundled: bool) -> Path:
    # The path as given matters (cards remember it as their source), and so does its absolute form.
    # NUL separates the parts of the hashed key: no path can contain it, so parts never run together
    key = f"{path}\0{os.path.abspath(path)}\0{int(bundled)}"
    return cache_folder() / (hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
                             + ".pickle")


class _DeckUnpickler(pickle.Unpickler):
    """Builds only deck-model classes, paths and a few inert builtins; anything else is refused."""

    def find_class(self, module: str, name: str):  # type: ignore[no-untyped-def]
        if module == "builtins" and name in _SAFE_BUILTINS:
            return getattr(__import__("builtins"), name)
        if module == "pathlib" and name in _PATH_CLASSES:
            return getattr(__import__("pathlib"), name)
        if module.startswith(_MODEL_MODULES) and module in sys.modules:
            found = getattr(sys.modules[module], name, None)
            if isinstance(found, type) and (hasattr(found, "__dataclass_fields__") or issubclass(found, Enum)):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the deck cache")


def _digests(content: bytes, bundled: bool) -> tuple[str, str]:
    """(the file's content hash, the deck digest: content + loader code + bundled)."""
    file_digest = hashlib.blake2b(content, digest_size=20).hexdigest()
    digest = hashlib.blake2b(f"{file_digest}:{code_fingerprint()}:{int(bundled)}".encode(),
                             digest_size=16).hexdigest()
    return file_digest, digest


class _Probe:
    """One deck file as it is now: its stat, bytes, digests and cache entry."""

    def __init__(self, path: Path, bundled: bool):
        self.path, self.bundled = path, bundled
        st = path.stat()
        self.size, self.mtime_ns = st.st_size, st.st_mtime_ns
        self.file_digest, self.digest = _digests(path.read_bytes(), bundled)
        self.entry = _entry_path(path, bundled)

    def header(self) -> dict[str, object]:
        return {"path": str(self.path), "size": self.size, "mtime_ns": self.mtime_ns,
                "digest": self.file_digest, "code": code_fingerprint()}

    def read(self, *, with_deck: bool) -> tuple[DeckSummary, Deck | None] | None:
        """The entry's summary (and deck), or None when it is missing, damaged or not for this file."""
        try:
            # Read whole, then unpickled from memory: pickle reading a file object calls read() per
            # field, several times slower than from bytes.
            f = io.BytesIO(self.entry.read_bytes())
            if f.read(len(MAGIC)) != MAGIC:
                return None
            header = _DeckUnpickler(f).load()
            if not isinstance(header, dict) or any(header.get(k) != v for k, v in self.header().items()):
                return None
            summary = header.get("summary")
            if not isinstance(summary, DeckSummary):
                return None
            if not with_deck:
                return summary, None
            # A second pickle (a fresh memo). Tens of thousands of new objects and none of them
            # garbage: the cycle collector would only walk them again and again (half the time).
            collecting = gc.isenabled()
            gc.disable()
            try:
                deck = _DeckUnpickler(f).load()
            finally:
                if collecting:
                    gc.enable()
        except Exception:  # unreadable, truncated, corrupt or tampered: a miss, never a traceback
            return None
        if not isinstance(deck, Deck) or deck.id != summary.id:
            return None
        return summary, deck

    def write(self, deck: Deck) -> None:
        _write_entry(self.entry, {**self.header(), "summary": DeckSummary.of(deck)}, deck)


def _write_entry(entry: Path, header: dict[str, object], deck: Deck) -> None:
    try:
        # The header (with the summary) first: listing decks reads only that much.
        payload = (MAGIC + pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)
                   + pickle.dumps(deck, protocol=pickle.HIGHEST_PROTOCOL))
        entry.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half an entry, two writers never mix.
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(payload)
            os.replace(tmp, entry)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        pass  # a cache that cannot be written only costs time on the next launch


def load_deck_cached(path: Path | str, *, bundled: bool = False, use_cache: bool = True) -> LoadedDeck:
    """:func:`loader.load_deck`, served from the cache when the file and the loader are unchanged.

    Raises :class:`DeckLoadError` exactly as ``load_deck`` does (a failing file is always re-read).
    """
    path = Path(path)
    try:
        probe = _Probe(path, bundled)
    except OSError:
        # Let the loader produce its usual one-line problem for an unreadable file.
        return LoadedDeck(load_deck(path, bundled=bundled), "", False)
    if use_cache:
        found = probe.read(with_deck=True)
        if found is not None and found[1] is not None:
            return LoadedDeck(found[1], probe.digest, True)
    # A file edited between the hash above and this parse is caught next time: its bytes then no
    # longer match the entry's recorded hash.
    deck = load_deck(path, bundled=bundled)
    if use_cache:
        probe.write(deck)
    return LoadedDeck(deck, probe.digest, False)


def summarize_cached(path: Path | str, *, bundled: bool = False) -> tuple[DeckSummary, str]:
    """(the deck's summary, its digest) without building its cards when the cache has the file.

    Raises :class:`DeckLoadError` as ``load_deck`` does."""
    path = Path(path)
    try:
        probe = _Probe(path, bundled)
    except OSError:
        return DeckSummary.of(load_deck(path, bundled=bundled)), ""
    found = probe.read(with_deck=False)
    if found is not None:
        return found[0], probe.digest
    deck = load_deck(path, bundled=bundled)
    probe.write(deck)
    return DeckSummary.of(deck), probe.digest


def cached_summary(path: Path | str, *, bundled: bool = False) -> tuple[DeckSummary | None, str]:
    """(the cache's summary of the file or None, its digest or "" when unreadable); never parses."""
    try:
        probe = _Probe(Path(path), bundled)
    except OSError:
        return None, ""
    found = probe.read(with_deck=False)
    return (found[0] if found is not None else None), probe.digest


def deck_digest(path: Path | str, *, bundled: bool = False) -> str | None:
    """The digest :func:`load_deck_cached` would give this file, from its bytes alone (None: unreadable)."""
    try:
        return _digests(Path(path).read_bytes(), bundled)[1]
    except OSError:
        return None


def clear() -> int:
    """Delete every cached entry (of every format version); returns how many files were removed."""
    root = locations.cache_dir() / "decks"
    removed = 0
    if not root.is_dir():
        return 0
    for entry in sorted(root.rglob("*"), reverse=True):
        try:
            if entry.is_dir():
                entry.rmdir()
            else:
                entry.unlink()
                removed += 1
        except OSError:
            pass
    return removed


__all__ = ["CACHE_VERSION", "LoadedDeck", "cache_folder", "clear", "code_fingerprint", "load_deck_cached"]
