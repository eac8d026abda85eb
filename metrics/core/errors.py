"""The one root of the errors we mean to show a person; anything else is a bug."""

from __future__ import annotations


class ServiceLensError(Exception):
    """A problem the user can act on; its message says what is wrong, in one line.

    The CLI prints it and exits 2, the pages show it; they catch this class and nothing
    broader, so that a bug still looks like a bug (a traceback), never like bad input.
    """


class UsageError(ServiceLensError):
    """A command or a form was asked for something it cannot do (a bad period, a bad path)."""
