"""Decks: the YAML format, its strict loader, and discovery of bundled, user and given decks."""
