"""Execution: run card snippets in a warm, sandboxed worker process (the only place torch is imported)."""
