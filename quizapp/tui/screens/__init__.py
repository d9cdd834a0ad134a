"""The screens of the quizapp TUI: home, study, browse, stats, settings, help."""
