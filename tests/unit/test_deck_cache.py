"""The parsed-deck cache: served only for unchanged files, rebuilt from anything damaged, never trusted blindly."""

from __future__ import annotations

import os
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quizapp.core.decks import cache, loader
from quizapp.core.decks.model import DeckLoadError
from quizapp.core.decks.registry import load_catalog

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


def deck_text(deck_id: str, prompts: list[str]) -> str:
    cards = "".join(f"  - id: c{i}\n    kind: recall\n    prompt: {p}\n    answer: yes\n" for i, p in enumerate(prompts))
    return f"deck: {deck_id}\ntitle: {deck_id.title()}\ncards:\n{cards}"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("QUIZAPP_CACHE", str(folder))
    return folder


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every real parse (cache miss) of a deck file, in order."""
    seen: list[Path] = []
    real = loader.load_deck

    def counting(path, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(Path(path))
        return real(path, **kwargs)

    monkeypatch.setattr(cache, "load_deck", counting)
    return seen


def entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.pickle"))


def test_an_unchanged_file_is_served_from_the_cache(tmp_path, cache_dir, parses):
    deck = tmp_path / "a.yaml"
    deck.write_text(deck_text("alpha", ["one", "two"]))
    first = cache.load_deck_cached(deck)
    second = cache.load_deck_cached(deck)
    assert not first.cached and second.cached
    assert second.deck == first.deck and second.deck.cards[1].prompt == "two"
    assert second.deck.cards[0].source == deck and second.deck.cards[0].line == first.deck.cards[0].line
    assert second.digest == first.digest
    assert parses == [deck]
    assert len(entries(cache_dir)) == 1 and cache_dir in entries(cache_dir)[0].parents


def test_an_edit_that_keeps_size_and_mtime_is_still_noticed(tmp_path, cache_dir, parses):
    deck = tmp_path / "a.yaml"
    deck.write_text(deck_text("alpha", ["one"]))
    before = cache.load_deck_cached(deck)
    stat = deck.stat()
    deck.write_text(deck_text("alpha", ["two"]))  # same length
    os.utime(deck, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert deck.stat().st_size == stat.st_size and deck.stat().st_mtime_ns == stat.st_mtime_ns
    after = cache.load_deck_cached(deck)
    assert not after.cached and after.deck.cards[0].prompt == "two"
    assert after.digest != before.digest
    assert cache.load_deck_cached(deck).cached  # the rewritten entry serves the new content


def test_a_touched_file_is_reparsed_and_the_digest_kept(tmp_path, cache_dir, parses):
    deck = tmp_path / "a.yaml"
    deck.write_text(deck_text("alpha", ["one"]))
    before = cache.load_deck_cached(deck)
    os.utime(deck, ns=(1, 1))
    after = cache.load_deck_cached(deck)
    assert not after.cached and after.digest == before.digest  # same content: the store may skip its sync


@pytest.mark.parametrize("damage", [
    b"",
    b"garbage",
    cache.MAGIC,
    cache.MAGIC + b"\x80\x05truncated",
    cache.MAGIC + pickle.dumps(["not", "a", "record"]),
    cache.MAGIC + pickle.dumps({"deck": "not a deck"}),
])
def test_a_damaged_entry_is_ignored_and_rebuilt(tmp_path, cache_dir, parses, damage):
    deck = tmp_path / "a.yaml"
    deck.write_text(deck_text("alpha", ["one"]))
    cache.load_deck_cached(deck)
    [entry] = entries(cache_dir)
    entry.write_bytes(damage)
    again = cache.load_deck_cached(deck)
    assert not again.cached and again.deck.cards[0].prompt == "one"
    assert cache.load_deck_cached(deck).cached  # rebuilt
    assert len(parses) == 2


class _Planted:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


def test_a_tampered_entry_cannot_run_code(tmp_path, cache_dir, parses):
    deck = tmp_path / "a.yaml"
    deck.write_text(deck_text("alpha", ["one"]))
    cache.load_deck_cached(deck)
    [entry] = entries(cache_dir)
    marker = tmp_path / "ran"
    entry.write_bytes(cache.MAGIC + pickle.dumps({"deck": _Planted(marker)}))
    again = cache.load_deck_cached(deck)
    assert not marker.exists()
    assert not again.cached and again.deck.cards[0].prompt == "one"


def test_an_entry_from_other_code_is_not_used(tmp_path, cache_dir, parses, monkeypatch):
    deck = tmp_path / "a.yaml"
    deck.write_text(deck_text("alpha", ["one"]))
    cache.load_deck_cached(deck)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another quizapp")
    assert not cache.load_deck_cached(deck).cached
    assert cache.load_deck_cached(deck).cached


def test_a_broken_deck_is_never_cached_and_always_reported(tmp_path, cache_dir, parses):
    deck = tmp_path / "a.yaml"
    deck.write_text("deck: alpha\ntitle: A\ncards:\n  - id: x\n    kind: shap\n")
    for _ in range(2):
        with pytest.raises(DeckLoadError, match="unknown kind"):
            cache.load_deck_cached(deck)
    assert entries(cache_dir) == [] and len(parses) == 2


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch, parses):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    monkeypatch.setenv("QUIZAPP_CACHE", str(blocker))  # mkdir under a file fails
    deck = tmp_path / "a.yaml"
    deck.write_text(deck_text("alpha", ["one"]))
    assert cache.load_deck_cached(deck).deck.cards[0].prompt == "one"
    assert not cache.load_deck_cached(deck).cached


def test_deleting_the_cache_is_safe(tmp_path, cache_dir, parses):
    deck = tmp_path / "a.yaml"
    deck.write_text(deck_text("alpha", ["one"]))
    cache.load_deck_cached(deck)
    assert cache.clear() == 1 and entries(cache_dir) == []
    assert not cache.load_deck_cached(deck).cached


def test_the_cache_follows_quizapp_home_when_no_cache_dir_is_set(tmp_path, monkeypatch):
    monkeypatch.delenv("QUIZAPP_CACHE", raising=False)
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    assert cache.cache_folder().is_relative_to(tmp_path / "home")


def test_a_catalog_rereads_only_the_changed_file(tmp_path, cache_dir, parses):
    folder = tmp_path / "decks"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.yaml").write_text(deck_text(f"deck-{name}", [f"{name} card"]))
    first = load_catalog([folder], bundled=False, user=False)
    assert len(parses) == 3
    (folder / "b.yaml").write_text(deck_text("deck-b", ["b changed", "b added"]))
    second = load_catalog([folder], bundled=False, user=False)
    assert parses[3:] == [folder / "b.yaml"]
    assert [c.prompt for c in second.decks["deck-b"].cards] == ["b changed", "b added"]
    assert second.digests["deck-a"] == first.digests["deck-a"]
    assert second.digests["deck-b"] != first.digests["deck-b"]
    uncached = load_catalog([folder], bundled=False, user=False, cache=False)
    assert uncached.decks == second.decks and uncached.digests == second.digests


def test_the_bundled_decks_round_trip_through_the_cache(cache_dir):
    cold = load_catalog(user=False, cache=False)
    load_catalog(user=False)
    warm = load_catalog(user=False)
    assert warm.decks == cold.decks and not warm.problems
    for deck in cold.decks.values():  # fields left out of == (line numbers, concepts) survive too
        assert warm.decks[deck.id].concepts == deck.concepts and warm.decks[deck.id].bundled
        assert [c.field_lines for c in warm.decks[deck.id].cards] == [c.field_lines for c in deck.cards]
