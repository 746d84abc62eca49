"""The ``certherd`` command line: Typer + Rich over the HTTP API (see main.py)."""
