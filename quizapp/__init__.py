"""quizapp: learn PyTorch by predicting what code does, graded by running the code."""

# The one place the version is written: pyproject.toml reads it (hatch dynamic version).
__version__ = "0.2.0"
