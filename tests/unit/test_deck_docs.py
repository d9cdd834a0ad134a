"""The deck examples in the documentation load (and the bundled decks, when present, load cleanly)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from quizapp.core import locations
from quizapp.core.decks import params as P
from quizapp.core.decks.loader import parse_deck
from quizapp.core.decks.registry import deck_files, load_catalog

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "deck-format.md"]


def yaml_blocks(path: Path) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_yaml_example_in_the_docs_loads(doc: Path) -> None:
    blocks = yaml_blocks(doc)
    assert blocks, f"{doc} has no yaml examples"
    for block in blocks:
        if not block.lstrip().startswith("deck:"):  # a card on its own: put it in a deck
            block = "deck: example\ntitle: Example\ncards:\n" + textwrap.indent(textwrap.dedent(block), "  ")
        deck = parse_deck(block, doc.name)
        assert deck.cards
        for card in deck.cards:
            for bindings in P.variants(card)[:3]:
                variant = P.instantiate(card, bindings)
                assert "$" not in (variant.setup or "") + (variant.ask or "")


def test_bundled_decks_load_without_problems() -> None:
    if not deck_files(locations.bundled_decks_dir()):
        pytest.skip("no bundled decks yet")
    catalog = load_catalog(user=False)
    assert [str(p) for p in catalog.problems] == []
    assert catalog.decks
