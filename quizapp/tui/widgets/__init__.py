"""Reusable widgets of the quizapp TUI."""
