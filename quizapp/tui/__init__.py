"""The Textual front end. Thin: all logic lives in quizapp.core."""
