"""Authoring tools: new decks, filling ``expect`` from execution, watching, decks from docstrings."""
