"""Finding decks: bundled, the user's own, and paths given on the command line, in one :class:`Catalog`.

One bad deck never stops the good ones: its problems land in ``Catalog.problems`` and the others load.
A folder is searched for ``*.yaml`` / ``*.yml`` files directly inside it (not in subfolders), in name
order, so the catalog's order is stable: bundled decks, then the user's, then given paths.

A file the collection has registered before need not be parsed to be listed: given ``known`` (digests
-> :class:`KnownDeck`, what ``Store.known_decks`` remembers of those versions), :func:`list_decks`
and :func:`load_catalog`'s early :class:`DeckIndex` take its summary from there when the parsed-deck
cache has none (the cache deleted, say), exactly as parsing would give it (same digest: same bytes,
same loader code). A file whose digest the collection does not know (new, edited, or with problems,
which are never registered) is parsed as always.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from quizapp.core import locations
from quizapp.core.decks.cache import (
    DeckSummary,
    LoadedDeck,
    cached_summary,
    deck_digest,
    load_deck_cached,
    summarize_cached,
)
from quizapp.core.decks.loader import display_path, load_deck
from quizapp.core.decks.model import Card, CardKey, Deck, DeckLoadError, Problem

DECK_SUFFIXES = (".yaml", ".yml")
_T = TypeVar("_T")


@dataclass(frozen=True)
class KnownDeck:
    """What the collection remembers of one version of a deck (found by its digest)."""

    id: str
    title: str
    cards: int
    executable: int
    in_sync: bool  # the collection's cards of this deck are exactly this version's (its counts are right)

    def summary(self, source: Path, bundled: bool) -> DeckSummary:
        return DeckSummary(self.id, self.title, self.cards, self.executable, source, bundled)


# digests -> what the collection knows of them (``Store.known_decks``); unknown digests are left out.
KnownLookup = Callable[[Sequence[str]], Mapping[str, KnownDeck]]


@dataclass
class DeckIndex:
    """The catalogue before its decks are loaded: what the home screen lists, in catalog order.

    ``summaries`` is every deck that will load, ``problems`` every file that will not (both exactly as
    the :class:`Catalog` will have them); ``kept`` (deck id -> digest) are the decks served from the
    collection without parsing, ``decks`` the ones that had to be loaded (new, edited, or not in step
    with the collection), which a sync needs before their counts are right."""

    summaries: dict[str, DeckSummary] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)
    decks: dict[str, Deck] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # of ``decks``, as Catalog.digests


class UnknownDeckError(DeckLoadError):
    """``Catalog.resolve`` was given a name that is neither a known deck id nor an existing path."""


def deck_files(folder: Path) -> list[Path]:
    """The deck files directly inside ``folder``, in name order (hidden files skipped)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    return sorted(p for p in entries
                  if p.suffix.lower() in DECK_SUFFIXES and not p.name.startswith(".") and p.is_file())


# The order a newcomer meets the bundled decks in (home lists them so, and "All decks" brings their new
# cards in this order): basics first, then the traps that build on them, then the specialised topics.
# A bundled file not listed here (a deck added later) comes after these, in name order.
CURRICULUM = ("creation", "dimensions", "view-reshape", "strides", "indexing", "broadcasting", "arithmetic",
              "promotion", "advanced-indexing", "tensor-patterns", "autograd", "modules", "module-traps",
              "puzzles", "torchscript", "compile-export", "distributed", "cpp-api")


def bundled_files() -> list[Path]:
    """The bundled deck files in curriculum order (see CURRICULUM)."""
    rank = {name: i for i, name in enumerate(CURRICULUM)}
    return sorted(deck_files(locations.bundled_decks_dir()), key=lambda p: (rank.get(p.stem, len(rank)), p.name))


@dataclass
class Catalog:
    decks: dict[str, Deck] = field(default_factory=dict)  # deck id -> deck, in load order
    problems: list[Problem] = field(default_factory=list)
    # resolved file path -> deck id, for every file that loaded (to resolve paths to loaded decks)
    files: dict[Path, str] = field(default_factory=dict)
    # deck id -> digest of what it was made from (file content + loader code): equal digests mean an
    # unchanged deck, so the store can skip re-registering its cards (Store.sync_cards(digests=...)).
    digests: dict[str, str] = field(default_factory=dict)

    def card(self, key: CardKey) -> Card | None:
        deck = self.decks.get(key[0])
        return deck.card(key[1]) if deck is not None else None

    def cards(self) -> Iterable[Card]:
        for deck in self.decks.values():
            yield from deck.cards

    def resolve(self, name_or_path: str | Path) -> list[Deck]:
        """The decks a user means by ``name_or_path``: a deck id, or a deck file, or a folder of them.

        A path that was loaded into this catalog gives that deck; any other path is loaded now (and not
        added). Raises :class:`DeckLoadError` when a file does not load and :class:`UnknownDeckError`
        (a subclass) when the name is neither a known id nor an existing path.
        """
        name = str(name_or_path)
        if isinstance(name_or_path, str) and name in self.decks:
            return [self.decks[name]]
        path = Path(name_or_path).expanduser()
        if path.is_dir():
            files = deck_files(path)
            if not files:
                raise DeckLoadError([Problem(display_path(path), "no deck files (*.yaml, *.yml) in this folder")])
            decks: list[Deck] = []
            problems: list[Problem] = []
            for file in files:
                try:
                    decks.append(self._deck_at(file))
                except DeckLoadError as exc:
                    problems.extend(exc.problems)
            if problems:
                raise DeckLoadError(problems)
            return decks
        if path.is_file():
            return [self._deck_at(path)]
        known = ", ".join(self.decks) if self.decks else "none"
        raise UnknownDeckError([Problem(name, "no deck with this id and no such file or folder; "
                                              f"known decks: {known}")])

    def _deck_at(self, file: Path) -> Deck:
        deck_id = self.files.get(file.resolve())
        if deck_id is not None and deck_id in self.decks:
            return self.decks[deck_id]
        return load_deck(file)


def deck_sources(paths: Iterable[str | Path] = (), *, bundled: bool = True,
                 user: bool = True) -> tuple[list[tuple[Path, bool]], list[Problem]]:
    """Every deck file the catalog is made of, as (path, is_bundled), in catalog order, and the
    problems with ``paths`` (missing, not a regular file, an empty folder). Reads no deck."""
    problems: list[Problem] = []
    sources: list[tuple[Path, bool]] = []
    if bundled:
        sources += [(p, True) for p in bundled_files()]
    if user:
        sources += [(p, False) for p in deck_files(locations.user_decks_dir())]
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            files = deck_files(path)
            if not files:
                problems.append(Problem(display_path(path), "no deck files (*.yaml, *.yml) in this folder"))
            sources += [(p, False) for p in files]
        elif path.is_file():
            sources.append((path, False))
        elif path.exists():  # a device or a pipe: reading it could block or never end
            problems.append(Problem(str(given), "not a deck file (not a regular file)"))
        else:
            problems.append(Problem(str(given), "no such file or folder"))
    return sources, problems


def _each_deck(sources: list[tuple[Path, bool]], problems: list[Problem], read: Callable[[Path, bool], _T],
               deck_id: Callable[[_T], str],
               on_progress: Callable[[int, int], None] | None = None) -> Iterator[tuple[Path, _T]]:
    """``read`` each source once, in order, yielding (path, what it read); a file reached twice is read
    once, a failing file and a second file with a deck id already taken become problems."""
    seen: set[Path] = set()
    origin: dict[str, Path] = {}  # deck id -> the file it came from
    origin_bundled: dict[str, bool] = {}
    for done, (path, is_bundled) in enumerate(sources):
        if on_progress is not None:
            on_progress(done, len(sources))
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        try:
            item = read(path, is_bundled)
        except DeckLoadError as exc:
            problems.extend(exc.problems)
            continue
        found = deck_id(item)
        if found in origin and origin_bundled[found] and not is_bundled and path.name == origin[found].name:
            # The user's copy of a bundled deck, under the bundled file's name (Ctrl+O in a session makes
            # one), replaces the bundled deck: the caller drops what it had for that id. Any other file
            # reusing a bundled id is still a problem.
            del origin[found]
        if found in origin:
            problems.append(Problem(display_path(path),
                                    f"deck id '{found}' is already used by {display_path(origin[found])}; "
                                    "rename one of them"))
            continue
        origin[found] = path
        origin_bundled[found] = is_bundled
        yield path, item
    if on_progress is not None:
        on_progress(len(sources), len(sources))


def load_catalog(paths: Iterable[str | Path] = (), *, bundled: bool = True, user: bool = True,
                 cache: bool = True, on_progress: Callable[[int, int], None] | None = None,
                 known: KnownLookup | None = None, on_index: Callable[[DeckIndex], None] | None = None) -> Catalog:
    """Load every deck: bundled (``locations.bundled_decks_dir()``), the user's (``user_decks_dir()``), and
    ``paths`` (files, or folders of deck files). Problems are collected, never raised.
    ``on_progress(done, total)`` is called before each file and once at the end (for a progress bar).

    Unchanged files come from the parsed-deck cache (:mod:`quizapp.core.decks.cache`); ``cache=False``
    parses every file (and leaves the cache alone).

    The same file reached twice (a bundled deck also given as a path) is loaded once. Two files with the
    same deck id: the first keeps the id, the second is a problem naming both files; except that a file
    outside the bundled decks with a bundled deck's id *and file name* replaces the bundled deck (the
    user's edited copy of it, which Ctrl+O in a session makes in the user's decks folder).

    With ``known`` and ``on_index``, a :class:`DeckIndex` is made first and handed to ``on_index``
    before the decks load: what the collection knows to be in step is summarised from it (hashing
    only), the rest loaded (and not loaded again after). A front end can show it at once.
    """
    catalog = Catalog()
    sources, catalog.problems = deck_sources(paths, bundled=bundled, user=user)
    early: dict[Path, LoadedDeck | DeckLoadError] = {}
    if known is not None and on_index is not None:
        on_index(_index(sources, list(catalog.problems), known, early, cache))

    def read(path: Path, is_bundled: bool) -> LoadedDeck:
        loaded = early.pop(path.resolve(), None)
        if isinstance(loaded, DeckLoadError):
            raise loaded  # read for the index already: its problems, not a second parse
        return loaded if loaded is not None else load_deck_cached(path, bundled=is_bundled, use_cache=cache)

    for path, loaded in _each_deck(sources, catalog.problems, read, lambda d: d.deck.id, on_progress):
        if loaded.deck.id in catalog.decks:  # the user's copy replacing a bundled deck (see _each_deck)
            del catalog.decks[loaded.deck.id]
            catalog.files = {f: d for f, d in catalog.files.items() if d != loaded.deck.id}
            catalog.digests.pop(loaded.deck.id, None)
        catalog.decks[loaded.deck.id] = loaded.deck
        catalog.files[path.resolve()] = loaded.deck.id
        if loaded.digest:
            catalog.digests[loaded.deck.id] = loaded.digest
    return catalog


def _index(sources: list[tuple[Path, bool]], problems: list[Problem], known: KnownLookup,
           loaded: dict[Path, LoadedDeck | DeckLoadError], cache: bool) -> DeckIndex:
    """The :class:`DeckIndex` of ``sources``; the decks it had to load go into ``loaded`` (by resolved path)."""
    index = DeckIndex(problems=problems)
    digests = [deck_digest(path, bundled=is_bundled) or "" for path, is_bundled in sources]
    try:
        found = known(digests)
    except Exception:  # the collection could not say (locked, damaged): every file is loaded instead
        found = {}
    served = {path: found[d] for (path, _), d in zip(sources, digests, strict=True) if d in found and found[d].in_sync}
    digest_of = {path: d for (path, _), d in zip(sources, digests, strict=True)}

    def read(path: Path, is_bundled: bool) -> DeckSummary | LoadedDeck:
        stored = served.get(path)
        if stored is not None:
            return stored.summary(path, is_bundled)
        try:
            item = load_deck_cached(path, bundled=is_bundled, use_cache=cache)
        except DeckLoadError as exc:
            loaded[path.resolve()] = exc
            raise
        loaded[path.resolve()] = item
        return item

    def deck_id(item: DeckSummary | LoadedDeck) -> str:
        return item.id if isinstance(item, DeckSummary) else item.deck.id

    for path, item in _each_deck(sources, index.problems, read, deck_id):
        summary = item if isinstance(item, DeckSummary) else DeckSummary.of(item.deck)
        for mapping in (index.summaries, index.kept, index.decks, index.digests):
            mapping.pop(summary.id, None)  # the user's copy replacing a bundled deck (see _each_deck)
        index.summaries[summary.id] = summary
        if isinstance(item, DeckSummary):
            index.kept[summary.id] = digest_of[path]
        else:
            index.decks[summary.id] = item.deck
            if item.digest:
                index.digests[summary.id] = item.digest
    return index


def list_decks(paths: Iterable[str | Path] = (), *, bundled: bool = True, user: bool = True,
               known: KnownLookup | None = None) -> tuple[list[DeckSummary], list[Problem]]:
    """What :func:`load_catalog` would load, as summaries (id, title, card counts), with its problems.

    Files the cache holds are not parsed and their cards not built, so listing a 100,000-card catalogue
    costs about what reading and hashing its files does; with ``known``, neither are files the cache
    lacks but the collection knows by their digest (asked on the first cache miss, for every file)."""
    sources, problems = deck_sources(paths, bundled=bundled, user=user)

    stored: dict[str, KnownDeck] | None = None

    def from_collection(digest: str) -> KnownDeck | None:
        # Asked once, for every file, on the first miss: one query however many files the cache lacks.
        nonlocal stored
        if stored is None:
            try:
                stored = dict(known([deck_digest(p, bundled=b) or "" for p, b in sources])) if known else {}
            except Exception:  # the collection could not say: parse, as without it
                stored = {}
        return stored.get(digest)

    def read(path: Path, is_bundled: bool) -> DeckSummary:
        summary, digest = cached_summary(path, bundled=is_bundled)
        if summary is not None:
            return summary
        found = from_collection(digest) if known is not None and digest else None
        if found is not None:
            return found.summary(path, is_bundled)
        return summarize_cached(path, bundled=is_bundled)[0]

    return [summary for _path, summary in _each_deck(sources, problems, read, lambda s: s.id)], problems


def source_digests(paths: Iterable[str | Path] = (), *, bundled: bool = True, user: bool = True) -> list[str]:
    """The digest of every deck file of the catalog, from the files' bytes alone (nothing parsed): equal to
    the :attr:`Catalog.digests` values a :func:`load_catalog` would give when every file loads."""
    sources, _problems = deck_sources(paths, bundled=bundled, user=user)
    seen: set[Path] = set()
    digests = []
    for path, is_bundled in sources:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        digests.append(deck_digest(path, bundled=is_bundled) or "")
    return digests
