"""A cold deck cache (its folder deleted) changes nothing `deck list` or the early deck index shows:
unchanged decks come from the collection's summaries (never parsed), changed, new and broken files are
parsed as always."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quizapp.cli.main import app
from quizapp.core import locations
from quizapp.core.decks import cache, loader
from quizapp.core.decks.cache import DeckSummary
from quizapp.core.decks.registry import DeckIndex, list_decks, load_catalog
from quizapp.core.storage.store import Store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def deck_text(deck_id: str, title: str, n: int) -> str:
    cards = "".join(f"  - id: c{i}\n    kind: shape\n    ask: torch.zeros({i + 1})\n" for i in range(n))
    return f"deck: {deck_id}\ntitle: {title}\ncards:\n{cards}  - id: r\n    kind: recall\n    prompt: Why?\n    answer: So.\n"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("QUIZAPP_CACHE", str(tmp_path / "deck-cache"))  # this test's own deck cache
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "a.yaml").write_text(deck_text("a", "Alpha", 3))
    (decks / "b.yaml").write_text(deck_text("b", "Beta", 2))
    (decks / "c.yaml").write_text(deck_text("a", "Alpha again", 1))  # reuses a's id: a problem
    (decks / "d.yaml").write_text("deck: d\ntitle: Broken\ncards:\n  - id: x\n    kind: nope\n")
    return decks


def register(folder: Path, *, bundled: bool = False) -> None:
    """What any launch does: load the catalogue and sync it into the user's collection."""
    catalog = load_catalog([folder], bundled=bundled, user=False)
    with Store.open(backups=False, now=NOW) as store:
        store.sync_cards(catalog.decks.values(), NOW, digests=catalog.digests)


def known():  # noqa: ANN201
    store = Store.open(backups=False, now=NOW)
    return store, store.known_decks


def no_parse(monkeypatch, allowed: set[str]) -> list[str]:
    """Record every file parsed; fail on one not in ``allowed`` (names)."""
    parsed: list[str] = []
    real = loader.load_deck

    def counting(path, **kw):  # noqa: ANN001, ANN003, ANN202
        parsed.append(Path(path).name)
        assert Path(path).name in allowed, f"{path} was parsed"
        return real(path, **kw)

    monkeypatch.setattr(cache, "load_deck", counting)
    return parsed


def test_store_served_summaries_equal_the_parsed_ones(folder, monkeypatch):
    parsed_list = list_decks([folder], bundled=False, user=False)
    register(folder)
    cache.clear()
    store, lookup = known()
    try:
        parsed = no_parse(monkeypatch, {"c.yaml", "d.yaml"})  # c and d never loaded: never registered
        assert list_decks([folder], bundled=False, user=False, known=lookup) == parsed_list
        assert sorted(parsed) == ["c.yaml", "d.yaml"]
    finally:
        store.close()
    summaries, problems = parsed_list
    assert [s.id for s in summaries] == ["a", "b"] and len(problems) == 2  # the comparison means something


def test_a_changed_file_is_parsed_again_never_trusted(folder, monkeypatch):
    register(folder)
    cache.clear()
    (folder / "b.yaml").write_text(deck_text("b", "Beta, edited", 5))
    store, lookup = known()
    try:
        parsed = no_parse(monkeypatch, {"b.yaml", "c.yaml", "d.yaml"})
        summaries, _ = list_decks([folder], bundled=False, user=False, known=lookup)
    finally:
        store.close()
    assert "b.yaml" in parsed
    assert [(s.id, s.title, s.cards, s.executable) for s in summaries] == [("a", "Alpha", 4, 3),
                                                                           ("b", "Beta, edited", 6, 5)]


def test_a_deck_with_problems_is_parsed_and_reported_the_same(folder, monkeypatch):
    register(folder)
    expected = [str(p) for p in load_catalog([folder], bundled=False, user=False).problems]
    cache.clear()
    store, lookup = known()
    try:
        parsed = no_parse(monkeypatch, {"c.yaml", "d.yaml"})
        _, problems = list_decks([folder], bundled=False, user=False, known=lookup)
    finally:
        store.close()
    assert "d.yaml" in parsed
    assert [str(p) for p in problems] == expected and len(expected) == 2


def test_deleting_the_cache_changes_nothing_deck_list_shows(folder, monkeypatch):
    monkeypatch.chdir(folder.parent)
    runner = CliRunner()
    register(folder, bundled=True)  # deck list lists the bundled decks too
    warm = [runner.invoke(app, ["deck", "list", str(folder), *flag]) for flag in ([], ["--json"])]
    cache.clear()
    no_parse(monkeypatch, {"c.yaml", "d.yaml"})
    cold = [runner.invoke(app, ["deck", "list", str(folder), *flag]) for flag in ([], ["--json"])]
    assert [(r.exit_code, r.output) for r in cold] == [(r.exit_code, r.output) for r in warm]
    assert warm[0].exit_code == 2 and "Alpha" in warm[0].output  # the problems, and the decks
    assert [d["deck"] for d in json.loads(warm[1].output.splitlines()[-1])["decks"]][-2:] == ["a", "b"]


def test_deck_list_without_a_collection_parses_as_before(folder, monkeypatch):
    assert not locations.db_path().exists()
    summaries, _ = list_decks([folder], bundled=False, user=False)
    cache.clear()
    from quizapp.cli.deck import _CollectionLookup

    with _CollectionLookup() as lookup:
        assert list_decks([folder], bundled=False, user=False, known=lookup)[0] == summaries
    assert not locations.db_path().exists()  # nothing was created


def test_the_early_index_serves_unchanged_decks_and_parses_the_rest(folder, monkeypatch):
    register(folder)
    cache.clear()
    (folder / "b.yaml").write_text(deck_text("b", "Beta, edited", 5))
    indexes: list[DeckIndex] = []
    store, lookup = known()
    try:
        parsed = no_parse(monkeypatch, {"a.yaml", "b.yaml", "c.yaml", "d.yaml"})
        catalog = load_catalog([folder], bundled=False, user=False, known=lookup, on_index=indexes.append)
    finally:
        store.close()
    (index,) = indexes
    assert list(index.kept) == ["a"] and list(index.decks) == ["b"]
    assert list(index.summaries.values()) == [DeckSummary.of(d) for d in catalog.decks.values()]
    assert [str(p) for p in index.problems] == [str(p) for p in catalog.problems]
    assert sorted(parsed) == ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]  # each once: b, c, d for the index
