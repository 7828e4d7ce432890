"""Errors that end a `bot` command with one line for the operator instead of a traceback."""

from __future__ import annotations


class StartupError(Exception):
    """Sild cannot start; the message says in one line what is wrong and what to fix."""
