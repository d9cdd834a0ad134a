"""The command line: a thin front end over quizapp.core (and the TUI for interactive commands)."""
