"""Progress people can take with them: CSV/JSON exports, Anki packages, HTML reports."""
