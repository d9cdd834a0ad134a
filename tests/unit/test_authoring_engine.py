"""Authoring against the real engine and grader: the `deck new` template passes `deck check`, `deck fill`
round-trips a file, and the apkg export takes its outcomes from running the code.

One Engine (one warm worker) serves the whole module: starting a worker imports torch (~1.5 s).
"""

from __future__ import annotations

import sqlite3
import zipfile

import pytest
from typer.testing import CliRunner

from quizapp.core.authoring import fill, new
from quizapp.core.check import check_decks
from quizapp.core.decks.loader import load_deck
from quizapp.core.export import apkg


def test_the_new_deck_template_passes_deck_check(engine, tmp_path):
    made = new.create_deck("Template", folder=tmp_path)
    report = check_decks([load_deck(made.path)], engine)
    bad = [(c.label, c.status, c.expected, c.actual, c.reason) for c in report.cards if c.status != "ok"]
    assert bad == [] and report.exit_code == 0
    assert report.count("ok") >= 6


def test_fill_writes_what_the_code_does_and_the_deck_then_checks_clean(engine, tmp_path):
    # The template with every expect removed: fill must restore equivalent ones, comments intact.
    original = new.render("refill", "Refill", "refill.yaml")
    stripped = "\n".join(line for line in original.splitlines()
                         if not line.lstrip().startswith("expect:") or "$" in line) + "\n"
    path = tmp_path / "refill.yaml"
    path.write_text(stripped)
    plan = fill.plan_fill(path, engine)
    filled = {r.card_id: r.new for r in plan.results if r.action == "filled"}
    assert filled == {"broadcast-column-row": "(3, 4)", "transpose-strides": "(1, 3)",
                      "int-plus-float": "torch.float32", "cumsum": "tensor([0, 1, 3, 6])",
                      "view-after-transpose": "RuntimeError"}
    fill.write_plan(plan)
    text = path.read_text()
    assert [line for line in text.splitlines() if "#" in line] == \
        [line for line in stripped.splitlines() if "#" in line]
    assert check_decks([load_deck(path)], engine).exit_code == 0
    # A second fill has nothing left to do.
    assert not fill.plan_fill(path, engine).changed


def test_fill_replaces_a_wrong_expect_only_with_the_flag(engine, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("deck: w\ntitle: W\ncards:\n  - id: t\n    kind: value\n"
                    "    ask: torch.arange(6).view(2, 3)\n    expect: tensor([[0, 1, 2], [3, 4, 6]])  # typo\n")
    kept = fill.plan_fill(path, engine)
    assert [r.action for r in kept.results] == ["mismatch"] and not kept.changed
    fixed = fill.plan_fill(path, engine, overwrite_mismatches=True)
    fill.write_plan(fixed)
    text = path.read_text()
    assert "    expect: |-\n      tensor([[0, 1, 2],\n              [3, 4, 5]])\n" in text
    assert check_decks([load_deck(path)], engine).exit_code == 0


@pytest.mark.slow  # runs the real worker through the CLI
def test_cli_fill_without_a_terminal_shows_the_diff_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path))
    from quizapp.cli.main import app

    path = tmp_path / "d.yaml"
    body = "deck: d\ntitle: D\ncards:\n  # a comment\n  - id: a\n    kind: shape\n    ask: torch.zeros(2, 5)\n"
    path.write_text(body)
    runner = CliRunner()
    shown = runner.invoke(app, ["deck", "fill", str(path)])
    assert shown.exit_code == 1, shown.output
    assert "+    expect: (2, 5)" in shown.stdout and "not written" in shown.stdout
    assert path.read_text() == body
    written = runner.invoke(app, ["deck", "fill", str(path), "--yes"])
    assert written.exit_code == 0, written.output
    assert path.read_text() == body + "    expect: (2, 5)\n"


def test_apkg_outcomes_come_from_running_not_from_the_expect(engine, tmp_path):
    path = tmp_path / "lie.yaml"
    path.write_text("deck: lie\ntitle: Lie\ncards:\n  - id: a\n    kind: shape\n    ask: torch.zeros(2, 5)\n"
                    "    expect: (5, 2)\n")
    result = apkg.write_apkg([load_deck(path)], tmp_path / "lie.apkg", engine=engine)
    assert (result.ran, result.from_expect) == (1, 0)
    with zipfile.ZipFile(tmp_path / "lie.apkg") as zf:
        (tmp_path / "lie.anki2").write_bytes(zf.read("collection.anki2"))
    conn = sqlite3.connect(tmp_path / "lie.anki2")
    try:
        (fields,) = conn.execute("select flds from notes").fetchone()
    finally:
        conn.close()
    assert fields.split("\x1f")[apkg.FIELDS.index("Outcome")] == "<pre><code>(2, 5)</code></pre>"
