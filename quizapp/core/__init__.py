"""The core: decks, execution, grading, scheduling, storage.

Nothing under ``quizapp.core`` may import Textual (or any other UI library), and nothing in the
parent process may import torch: torch lives only in the execution worker. Both rules are enforced
by ``tests/unit/test_layering.py``.
"""
