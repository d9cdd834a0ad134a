"""``deck new``: a commented deck with one card of each kind that loads cleanly; never overwrites."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from quizapp.cli.main import app
from quizapp.core.authoring import new
from quizapp.core.decks.loader import load_deck
from quizapp.core.decks.model import Kind
from quizapp.core.decks.registry import load_catalog


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    return tmp_path


def test_the_new_deck_loads_with_one_card_of_each_kind(home):
    made = new.create_deck("Broadcasting drills")
    assert made.path == home / "decks" / "broadcasting-drills.yaml"
    deck = load_deck(made.path)
    assert (deck.id, deck.title) == ("broadcasting-drills", "Broadcasting drills")
    assert {c.kind for c in deck.cards} == set(Kind)
    assert any(c.params for c in deck.cards), "a parametric example is included"
    assert any(c.expect == "RuntimeError" for c in deck.cards), "an 'it raises' example is included"
    assert all(c.expect or c.params for c in deck.cards if c.executable)
    # The user's decks folder is where the catalog looks.
    assert "broadcasting-drills" in load_catalog(bundled=False).decks


def test_every_card_is_explained_by_a_comment():
    text = new.render("x", "X", "x.yaml")
    kinds = {line.split("kind:")[1].split()[0] for line in text.splitlines() if line.lstrip().startswith("# kind:")}
    assert kinds == {"shape", "stride", "dtype", "value", "recall", "write"}


def test_it_never_overwrites(home):
    made = new.create_deck("mine")
    made.path.write_text(made.path.read_text() + "# my edits\n")
    with pytest.raises(new.DeckExistsError, match="already exists"):
        new.create_deck("Mine")
    assert made.path.read_text().endswith("# my edits\n")


@pytest.mark.parametrize("name,deck_id", [("Shapes 101", "shapes-101"), ("  view/reshape!  ", "view-reshape"),
                                          ("already-an-id", "already-an-id"), ("ÜBER Tensor", "ber-tensor")])
def test_deck_ids_from_names(name, deck_id):
    assert new.deck_id_for(name) == deck_id


def test_a_title_with_yaml_characters_survives(home):
    made = new.create_deck('Views: "why" #1')
    assert load_deck(made.path).title == 'Views: "why" #1'


def test_a_name_without_letters_or_digits_is_refused():
    with pytest.raises(ValueError, match="cannot make a deck id"):
        new.deck_id_for("!!!")


def test_cli_prints_the_path_and_refuses_a_second_time(home):
    runner = CliRunner()
    first = runner.invoke(app, ["deck", "new", "strides"])
    assert first.exit_code == 0, first.output
    assert str(home / "decks" / "strides.yaml") in first.stdout
    second = runner.invoke(app, ["deck", "new", "strides"])
    assert second.exit_code == 2
    assert second.stderr.strip().count("\n") == 0 and "already exists" in second.stderr
    assert "Traceback" not in second.output


@pytest.mark.parametrize("target,message", [("missing.yaml", "no such deck file"), (".", "is a folder")])
def test_cli_fill_refuses_what_is_not_a_deck_file(home, target, message):
    result = CliRunner().invoke(app, ["deck", "fill", str(home / target)])
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output
