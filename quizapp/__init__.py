"""quizapp: learn PyTorch by predicting what code does, graded by running the code."""

__version__ = "0.1.0"
