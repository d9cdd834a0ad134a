"""The catalog: bundled, user and given decks; one bad deck never stops the good ones; collisions."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.core import locations
from quizapp.core.decks.model import DeckLoadError
from quizapp.core.decks.registry import UnknownDeckError, deck_files, load_catalog


def deck_text(deck_id: str, *card_ids: str) -> str:
    cards = "".join(f"  - {{id: {c}, kind: recall, prompt: q, answer: a}}\n" for c in card_ids)
    return f"deck: {deck_id}\ntitle: {deck_id.title()}\ncards:\n{cards or '  []'}\n"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    monkeypatch.setattr(locations, "bundled_decks_dir", lambda: bundled)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_then_user_then_given_in_a_stable_order(home: Path) -> None:
    write(home / "bundled" / "b.yaml", deck_text("views", "v1"))
    write(home / "bundled" / "a.yaml", deck_text("broadcasting", "b1"))
    write(home / "home" / "decks" / "mine.yml", deck_text("mine", "m1"))
    given = write(home / "elsewhere" / "x.yaml", deck_text("extra", "x1"))
    catalog = load_catalog([given])
    assert list(catalog.decks) == ["broadcasting", "views", "mine", "extra"]
    assert catalog.problems == []
    assert catalog.decks["broadcasting"].bundled and not catalog.decks["mine"].bundled
    assert catalog.card(("mine", "m1")).answer == "a"
    assert catalog.card(("mine", "zzz")) is None
    assert catalog.card(("nope", "m1")) is None
    assert [c.key for c in catalog.cards()] == [("broadcasting", "b1"), ("views", "v1"), ("mine", "m1"),
                                                 ("extra", "x1")]


def test_bundled_and_user_can_be_turned_off(home: Path) -> None:
    write(home / "bundled" / "a.yaml", deck_text("a"))
    write(home / "home" / "decks" / "b.yaml", deck_text("b"))
    assert list(load_catalog(bundled=False).decks) == ["b"]
    assert list(load_catalog(user=False).decks) == ["a"]


def test_one_broken_deck_does_not_stop_a_good_one(home: Path) -> None:
    write(home / "bundled" / "good.yaml", deck_text("good", "g1"))
    write(home / "bundled" / "broken.yaml", "deck: broken\ntitle: B\ncards:\n  - {id: x, kind: shap, ask: x}\n")
    write(home / "bundled" / "binary.yaml", "\x00\x01")
    catalog = load_catalog()
    assert list(catalog.decks) == ["good"]
    messages = sorted(str(p) for p in catalog.problems)
    assert len(messages) == 2
    assert messages[0].endswith("binary.yaml: binary file, not a YAML deck (it contains NUL bytes)")
    assert "broken.yaml:4: unknown kind 'shap'" in messages[1]


def test_deck_id_collision_names_both_files(home: Path) -> None:
    first = write(home / "bundled" / "views.yaml", deck_text("views", "a"))
    second = write(home / "home" / "decks" / "my-views.yaml", deck_text("views", "b"))
    catalog = load_catalog()
    assert catalog.decks["views"].source == first  # the first one keeps the id
    [problem] = catalog.problems
    assert problem.path.endswith("my-views.yaml")
    assert str(first.name) in problem.message and "deck id 'views' is already used by" in problem.message
    assert str(second.name) in str(problem)


def test_a_copy_of_a_bundled_deck_under_its_name_replaces_it(home: Path) -> None:
    write(home / "bundled" / "views.yaml", deck_text("views", "a"))
    copy = write(home / "home" / "decks" / "views.yaml", deck_text("views", "b"))
    catalog = load_catalog()
    assert catalog.decks["views"].source == copy and catalog.problems == []
    assert [c.id for c in catalog.decks["views"].cards] == ["b"]


def test_the_same_file_reached_twice_is_loaded_once(home: Path) -> None:
    bundled = write(home / "bundled" / "views.yaml", deck_text("views", "a"))
    catalog = load_catalog([bundled, home / "bundled"])
    assert list(catalog.decks) == ["views"] and catalog.problems == []


def test_given_paths_that_do_not_exist_or_hold_no_decks(home: Path) -> None:
    (home / "empty").mkdir()
    catalog = load_catalog([home / "missing.yaml", home / "empty"], bundled=False, user=False)
    messages = [p.message for p in catalog.problems]
    assert messages == ["no such file or folder", "no deck files (*.yaml, *.yml) in this folder"]


def test_a_device_is_refused_without_reading_it(home: Path) -> None:
    catalog = load_catalog(["/dev/zero"], bundled=False, user=False)
    assert [str(p) for p in catalog.problems] == ["/dev/zero: not a deck file (not a regular file)"]


def test_missing_user_decks_folder_is_fine(home: Path) -> None:
    assert load_catalog().problems == []


def test_deck_files_only_picks_yaml_directly_inside(tmp_path: Path) -> None:
    write(tmp_path / "b.yml", "")
    write(tmp_path / "a.yaml", "")
    write(tmp_path / "notes.txt", "")
    write(tmp_path / ".hidden.yaml", "")
    write(tmp_path / "sub" / "c.yaml", "")
    assert [p.name for p in deck_files(tmp_path)] == ["a.yaml", "b.yml"]


def test_resolve_by_id_by_path_and_by_folder(home: Path) -> None:
    bundled = write(home / "bundled" / "views.yaml", deck_text("views", "a"))
    catalog = load_catalog()
    assert catalog.resolve("views") == [catalog.decks["views"]]
    assert catalog.resolve(str(bundled)) == [catalog.decks["views"]]  # same object as loaded
    other = write(home / "work" / "new.yaml", deck_text("new-deck", "n"))
    write(home / "work" / "two.yaml", deck_text("two", "t"))
    assert [d.id for d in catalog.resolve(other)] == ["new-deck"]
    assert [d.id for d in catalog.resolve(str(home / "work"))] == ["new-deck", "two"]
    assert "new-deck" not in catalog.decks  # resolving a path does not register it


def test_resolve_unknown_name_lists_known_ids(home: Path) -> None:
    write(home / "bundled" / "views.yaml", deck_text("views"))
    write(home / "bundled" / "strides.yaml", deck_text("strides"))
    catalog = load_catalog()
    with pytest.raises(UnknownDeckError) as err:
        catalog.resolve("veiws")
    assert str(err.value) == "veiws: no deck with this id and no such file or folder; known decks: strides, views"


def test_resolve_a_broken_file_raises_its_problems(home: Path) -> None:
    broken = write(home / "work" / "broken.yaml", "deck: x\ntitle: X\n")
    with pytest.raises(DeckLoadError) as err:
        load_catalog().resolve(broken)
    assert [p.message for p in err.value.problems] == [
        "missing required key 'cards' (a list of cards; 'cards: []' for none yet)"
    ]
    (home / "nothing").mkdir()
    with pytest.raises(DeckLoadError, match="no deck files"):
        load_catalog().resolve(home / "nothing")


def test_problem_paths_are_relative_to_the_working_folder(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(home / "bundled" / "bad.yaml", "deck: x\n")
    monkeypatch.chdir(home)
    assert [p.path for p in load_catalog().problems] == ["bundled/bad.yaml"] * 2


def test_the_bundled_decks_come_in_curriculum_order_basics_first() -> None:
    from quizapp.core.decks.registry import CURRICULUM, bundled_files, load_catalog

    catalog = load_catalog(bundled=True, user=False)
    ids = list(catalog.decks)
    assert ids[:3] == ["creation", "dimensions", "view-reshape"]  # a newcomer's first new cards
    assert set(CURRICULUM) == set(ids), "every bundled deck has its place in CURRICULUM"
    assert [p.stem for p in bundled_files()] == ids
