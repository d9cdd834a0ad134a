"""Safe YAML: hostile and broken files end as one clear line each, quickly, with nothing constructed."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
import yaml

from quizapp.core.decks import yamlsafe
from quizapp.core.decks.loader import load_deck, parse_deck
from quizapp.core.decks.model import DeckLoadError
from quizapp.core.decks.yamlsafe import MAX_BYTES, Map, Scalar, Seq, parse_bytes

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(DeckLoadError) as err:
        parse_deck(data, "x.yaml")
    return [str(p) for p in err.value.problems]


@pytest.fixture(params=["libyaml", "pure-python"])
def either_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with libyaml's composer and again with PyYAML's pure-Python fallback."""
    if request.param == "pure-python":
        monkeypatch.setattr(yamlsafe, "_Loader", yaml.SafeLoader)
    elif not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml")
    return request.param


def test_alias_bomb_fails_with_a_clear_message_before_expanding(either_parser: str) -> None:
    tracemalloc.start()
    try:
        lines = problems_of(BILLION_LAUGHS.encode())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(lines) == 1
    assert "too many nodes: expanding its aliases would make more than 100,000 (an alias bomb?)" in lines[0]
    # bounded: nowhere near the ~10^9 nodes the expansion would make (a few MB at most)
    assert peak < 20 * 1024 * 1024


def test_a_huge_tree_without_aliases_is_refused() -> None:
    lines = problems_of(b"deck: [" + b"a," * 150_000 + b"]\n")
    assert lines == ["x.yaml:1: too many values for a deck (more than 100,000)"]


def test_a_moderate_alias_use_is_fine() -> None:
    deck = parse_deck(b"""\
deck: a
title: A
cards:
  - &base {id: one, kind: recall, prompt: q, answer: a}
  - <<: *base
    id: two
""")
    assert [c.id for c in deck.cards] == ["one", "two"]
    assert deck.cards[1].answer == "a"


def test_recursive_alias(either_parser: str) -> None:
    assert problems_of(b"deck: a\ntitle: A\ncards: &c [*c]\n") == [
        "x.yaml:3: recursive alias: a node that contains itself"
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("!!python/object/apply:os.system ['echo hi']", "!!python/object/apply:os.system"),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!custom thing", "!custom"),
        ("!!set {a, b}", "!!set"),
        ("!!binary aGk=", "!!binary"),
    ],
)
def test_object_constructing_and_custom_tags_are_problems(text: str, shown: str) -> None:
    lines = problems_of(f"deck: a\ntitle: {text}\ncards: []\n".encode())
    assert f"x.yaml:2: tag '{shown}' is not allowed: decks hold plain data only" in lines


def test_a_tag_problem_does_not_hide_the_rest_of_the_file() -> None:
    lines = problems_of(b"deck: a\ntitle: !foo A\ncards: []\nexpcet: 1\n")
    assert lines == [
        "x.yaml:2: tag '!foo' is not allowed: decks hold plain data only",
        "x.yaml:4: unknown key 'expcet'",
    ]


def test_yaml_1_1_special_scalars_are_just_text() -> None:
    deck = parse_deck(b"deck: a\ntitle: =\ndescription: <<\ncards: []\n")
    assert (deck.title, deck.description) == ("=", "<<")


def test_explicit_plain_tags_are_allowed() -> None:
    deck = parse_deck(b"deck: !!str a\ntitle: !!str 2024-01-01\ncards: !!seq []\n")
    assert deck.title == "2024-01-01"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "x.yaml: empty file: a deck needs at least 'deck', 'title' and 'cards'"),
        (b"  \n# only a comment\n---\n", "x.yaml: empty file: a deck needs at least 'deck', 'title' and 'cards'"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "x.yaml: binary file, not a YAML deck (it contains NUL bytes)"),
        (b"deck: a\ntitle: caf\xe9\n", "x.yaml:2: not UTF-8 text (invalid byte 0xe9)"),
        (b"deck: a\ntitle: [unclosed\ncards: []\n", None),
        (b"{{{ :: ]]", "x.yaml:1: not valid YAML: "),  # the wording differs between the two parsers
        (b"deck: a\n---\ntitle: b\n", ("x.yaml:2: not valid YAML: a deck file holds one document, but this one has"
                                       " a second ('---')")),
        (b"deck: \x07\n", ("x.yaml:1: not valid YAML: control character #x07 is not allowed (write it as an escape"
                          " in a double-quoted string)")),
        (b"[" * 1_000, None),
        (b"- " * 1_000 + b"x", None),
    ],
    ids=["empty", "comments-only", "binary", "latin-1", "unclosed", "not-yaml", "two-documents", "control-char",
         "deep-flow", "deep-block"],
)
def test_broken_files_give_one_line(data: bytes, expected: str | None, either_parser: str) -> None:
    lines = problems_of(data)
    assert len(lines) == 1
    assert lines[0].startswith("x.yaml")
    if expected is not None:
        assert lines[0].startswith(expected)


def test_a_utf8_bom_is_fine() -> None:
    assert parse_deck("\ufeffdeck: a\ntitle: Café\ncards: []\n".encode()).title == "Café"


def test_huge_file_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: b\n" * (MAX_BYTES // 5 + 10))
    with pytest.raises(DeckLoadError) as err:
        load_deck(path, display="huge.yaml")
    assert str(err.value) == "huge.yaml: file is too large for a deck (over 2 MiB)"


def test_a_folder_is_not_a_deck(tmp_path: Path) -> None:
    with pytest.raises(DeckLoadError) as err:
        load_deck(tmp_path, display="here")
    assert str(err.value) == "here: is a folder, not a deck file"


def test_deep_nesting_is_refused() -> None:
    data = b"deck: " + b"[" * 80 + b"]" * 80 + b"\n"
    lines = problems_of(data)
    assert lines == ["x.yaml:1: nested too deeply (more than 64 levels)"]


def test_tree_keeps_lines_styles_and_flow_text() -> None:
    tree, problems = parse_bytes(b"a: 1\nb: |\n  code\nc: [2,  3]\nd: 'q'\n", "t.yaml")
    assert problems == []
    assert isinstance(tree, Map)
    a, b, c, d = (tree.get(k) for k in "abcd")
    assert a == Scalar("1", "int", 1, None)
    assert isinstance(b, Scalar) and b.style == "|" and b.value == "code\n" and b.line == 2
    assert isinstance(c, Seq) and c.flow_text == "[2, 3]" and c.line == 4
    assert isinstance(d, Scalar) and d.style == "'" and d.type == "str"


def test_typed_scalars() -> None:
    tree, _ = parse_bytes(b"[1, 2.5, true, no, text, 0x10, 2024-01-01]", "t.yaml")
    assert isinstance(tree, Seq)
    assert [item.typed() for item in tree.items if isinstance(item, Scalar)] == [
        1, 2.5, True, False, "text", 16, "2024-01-01"
    ]


def test_duplicate_keys_are_recorded() -> None:
    tree, _ = parse_bytes(b"a: 1\nb: 2\na: 3\n", "t.yaml")
    assert isinstance(tree, Map)
    assert [(k.value, k.line) for k in tree.duplicates] == [("a", 3)]
