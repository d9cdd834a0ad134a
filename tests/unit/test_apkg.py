"""The Anki package: open the .apkg (a zip holding a SQLite collection) and read the notes back."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

from quizapp.core.decks.model import Card, Deck, Kind
from quizapp.core.execution.outcome import Outcome
from quizapp.core.export import apkg

SHAPE = Card(deck="demo", id="add", kind=Kind.SHAPE, prompt="What is the shape of `x + y`?",
             setup="x = torch.ones(2, 1)\ny = torch.ones(3)", ask="x + y", expect="(2, 3)",
             explain="Broadcasting **stretches** size-1 dims.", tags=("broadcasting",), concept="rule")
RAISES = Card(deck="demo", id="view", kind=Kind.VALUE, prompt="What does `x.t().view(6)` give?",
              setup="x = torch.ones(2, 3)", ask="x.t().view(6)", expect="RuntimeError")
NO_EXPECT = Card(deck="demo", id="bare", kind=Kind.DTYPE, prompt="dtype?", ask="torch.arange(3)")
RECALL = Card(deck="demo", id="rank", kind=Kind.RECALL, prompt="What is `world_size`?",
              answer="The number of processes: `nodes * gpus_per_node`.", explain="<script>alert(1)</script>")
PARAMETRIC = Card(deck="demo", id="param", kind=Kind.SHAPE, prompt="Shape of `torch.ones($n).unsqueeze(0)`?",
                  ask="torch.ones($n).unsqueeze(0)", expect="(1, $n)", params={"n": (4, 5)})
DECK = Deck(id="demo", title="Demo deck", cards=(SHAPE, RAISES, NO_EXPECT, RECALL, PARAMETRIC),
            description="A <i>small</i> deck", tags=("torch basics",),
            concepts={"rule": "Sizes are compared **from the right**."})
OTHER = Deck(id="other", title="Other", cards=(Card(deck="other", id="r", kind=Kind.RECALL, prompt="Q",
                                                     answer="A"),))


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def read_package(path: Path) -> tuple[list[dict], dict[int, str]]:
    """Notes as {field name: value, 'guid', 'tags', 'deck'} and the deck names by id."""
    with zipfile.ZipFile(path) as zf:
        assert "collection.anki2" in zf.namelist()
        data = zf.read("collection.anki2")
    db_file = path.with_suffix(".anki2")
    db_file.write_bytes(data)
    conn = sqlite3.connect(db_file)
    try:
        models_json, decks_json = conn.execute("select models, decks from col").fetchone()
        models = json.loads(models_json)
        deck_names = {int(k): v["name"] for k, v in json.loads(decks_json).items()}
        notes = []
        for note_id, guid, mid, tags, flds in conn.execute("select id, guid, mid, tags, flds from notes"):
            names = [f["name"] for f in models[str(mid)]["flds"]]
            note = dict(zip(names, flds.split("\x1f"), strict=True))
            did = conn.execute("select did from cards where nid = ?", (note_id,)).fetchone()[0]
            note.update(guid=guid, tags=tags.split(), deck=deck_names[did])
            notes.append(note)
        return notes, deck_names
    finally:
        conn.close()


def test_notes_hold_question_code_outcome_and_explanation(tmp_path):
    outcomes = {
        SHAPE.key: Outcome(status="ok", display="(2, 3)", value={"t": "tuple", "items": []}),
        RAISES.key: Outcome(status="raised", display="RuntimeError: view size is not compatible",
                            error_type="RuntimeError", error_message="view size is not compatible"),
        NO_EXPECT.key: Outcome.failure("time limit of 5 s exceeded"),
        ("demo", "param"): Outcome(status="ok", display="(1, 4)"),
    }
    result = apkg.write_apkg([DECK, OTHER], tmp_path / "out.apkg", outcomes=outcomes)
    assert (result.notes, result.decks, result.ran, result.from_expect, result.without_outcome) == (6, 2, 3, 0, 1)
    notes, deck_names = read_package(tmp_path / "out.apkg")
    by_source = {n["Source"]: n for n in notes}
    assert set(by_source) == {"demo / add", "demo / view", "demo / bare", "demo / rank", "demo / param", "other / r"}

    shape = by_source["demo / add"]
    assert "<code>" in shape["Question"] and "x + y" in shape["Question"]
    # The code is highlighted (inline styles) and reads back as the card's code once tags are removed.
    assert shape["Code"].startswith('<pre class="python"><code>') and "<span style=" in shape["Code"]
    assert text_of(shape["Code"]) == "x = torch.ones(2, 1)\ny = torch.ones(3)\nx + y"
    assert shape["Outcome"] == "<pre><code>(2, 3)</code></pre>"
    assert "<strong>stretches</strong>" in shape["Explanation"]
    assert "<strong>from the right</strong>" in shape["Concept"]
    assert by_source["demo / view"]["Concept"] == ""
    assert shape["deck"] == "quizapp::Demo deck"
    assert shape["tags"] == ["torch_basics", "broadcasting"]

    assert "raises RuntimeError: view size is not compatible" in by_source["demo / view"]["Outcome"]
    assert "could not run: time limit of 5 s exceeded" in by_source["demo / bare"]["Outcome"]
    # A parametric card is exported as its first variant, placeholders filled in.
    assert text_of(by_source["demo / param"]["Code"]) == "torch.ones(4).unsqueeze(0)"
    assert "$n" not in by_source["demo / param"]["Question"]

    recall = by_source["demo / rank"]
    assert recall["Code"] == ""
    assert "<code>nodes * gpus_per_node</code>" in recall["Outcome"]
    # HTML written in a deck is shown as text, never rendered by Anki.
    assert "<script>" not in recall["Explanation"] and "&lt;script&gt;" in recall["Explanation"]
    assert {"quizapp::Demo deck", "quizapp::Other"} <= set(deck_names.values())


def test_without_running_the_outcome_is_the_authors_expect(tmp_path):
    result = apkg.write_apkg([DECK], tmp_path / "d.apkg", run=False)
    assert (result.ran, result.from_expect, result.without_outcome) == (0, 3, 1)
    notes, _ = read_package(tmp_path / "d.apkg")
    by_source = {n["Source"]: n for n in notes}
    assert by_source["demo / add"]["Outcome"] == "<pre><code>(2, 3)</code></pre>"
    assert by_source["demo / param"]["Outcome"] == "<pre><code>(1, 4)</code></pre>"
    assert "could not run" in by_source["demo / bare"]["Outcome"]
    assert "taken from `expect`" in str(result)


def test_reexport_keeps_ids_so_anki_updates_instead_of_duplicating(tmp_path):
    apkg.write_apkg([DECK], tmp_path / "a.apkg", run=False)
    apkg.write_apkg([DECK], tmp_path / "b.apkg", run=False)
    first, decks_a = read_package(tmp_path / "a.apkg")
    second, decks_b = read_package(tmp_path / "b.apkg")
    assert sorted(n["guid"] for n in first) == sorted(n["guid"] for n in second)
    assert len({n["guid"] for n in first}) == len(first)
    assert decks_a == decks_b


def test_no_partial_file_is_left_behind(tmp_path):
    apkg.write_apkg([OTHER], tmp_path / "sub" / "o.apkg", run=False)
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["o.apkg"]


@pytest.mark.parametrize("outcome,text", [
    (Outcome(status="ok", display="tensor([1, 3, 6])"), "tensor([1, 3, 6])"),
    (Outcome(status="raised", error_type="IndexError", error_message=""), "raises IndexError"),
    (Outcome.failure("worker died"), None),
])
def test_outcome_text(outcome, text):
    assert apkg.outcome_text(outcome) == text


def test_code_that_looks_like_html_stays_text(tmp_path):
    card = Card(deck="h", id="s", kind=Kind.VALUE, prompt="?", ask="'<script>alert(1)</script>'")
    apkg.write_apkg([Deck(id="h", title="H", cards=(card,))], tmp_path / "h.apkg",
                    outcomes={card.key: Outcome(status="ok", display="'<script>alert(1)</script>'")})
    notes, _ = read_package(tmp_path / "h.apkg")
    assert "<script>" not in notes[0]["Code"] and "<script>" not in notes[0]["Outcome"]
    assert text_of(notes[0]["Code"]) == "'<script>alert(1)</script>'"
