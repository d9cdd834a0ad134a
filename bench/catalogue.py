"""Generated deck catalogues for the scale benchmarks: ``cards`` cards spread over deck files.

The cards look like the bundled ones (setup blocks, an asked expression, explanations, tags, some
parametric) and their text varies (operation names, sizes, words), so full-text search has realistic
selectivity: a common word matches many cards, a rare one a few.
"""

from __future__ import annotations

from pathlib import Path

OPS = ("reshape", "view", "transpose", "permute", "unsqueeze", "squeeze", "expand", "repeat", "flatten",
       "contiguous", "matmul", "broadcast_to", "cumsum", "argmax", "softmax", "where", "gather", "narrow",
       "chunk", "split", "stack", "cat", "einsum", "masked_fill", "clamp", "topk", "sort", "flip", "roll",
       "diagonal")
WORDS = ("stride", "storage", "alias", "copy", "dtype", "promotion", "batch", "channel", "axis", "memory",
         "layout", "gradient", "leaf", "buffer", "kernel", "pixel", "token", "window", "column", "row")


def deck_yaml(index: int, cards: int) -> str:
    """One deck file: ``bench-NNN`` with ``cards`` cards whose ids are unique inside it."""
    lines = [f"deck: bench-{index:03d}", f"title: Bench deck {index}", "description: |",
             "  A generated deck for the scale benchmarks.", "concepts:", "  rule: |",
             "    Shapes line up from the right.", "cards:"]
    for i in range(cards):
        op = OPS[(i + index) % len(OPS)]
        word = WORDS[(i * 7 + index) % len(WORDS)]
        size = i % 7 + 2
        lines += [f"  - id: {op}-{index:03d}-{i:05d}", "    kind: shape", "    concept: rule",
                  f"    tags: [{word}, bench]"]
        if i % 10 == 0:
            lines += ["    params:", "      n: [2, 3, 5]", "    setup: |", "      x = torch.zeros($n, 1)",
                      "      y = torch.zeros(4)", "    ask: x * y", "    expect: ($n, 4)"]
        else:
            lines += ["    setup: |", f"      x = torch.zeros({size}, 1, 4)  # {word} {i}",
                      "      y = x.transpose(0, 2)", f"    ask: x.{op}  if False else x + y.contiguous()",
                      f"    expect: ({size}, 1, 4)"]
        lines += ["    explain: |", f"      About {word}: each pair of sizes is equal or one of them is 1, so",
                  "      the result takes the larger size of each pair. Nothing is copied."]
    return "\n".join(lines) + "\n"


def write_catalogue(folder: Path, cards: int, files: int) -> list[Path]:
    """Write ``cards`` cards in ``files`` deck files into ``folder`` (created); returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    per_file, extra = divmod(cards, files)
    written = []
    for index in range(files):
        path = folder / f"bench-{index:03d}.yaml"
        path.write_text(deck_yaml(index, per_file + (1 if index < extra else 0)))
        written.append(path)
    return written
