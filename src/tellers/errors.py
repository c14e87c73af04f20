"""The tellers error tree.

Every error tellers raises on purpose descends from :class:`TellersError`, so the CLI
and the web layer can turn any of them into a one-line message (CLI) or a status and
template (web) in one place, and anything else is a bug that deserves a traceback.

::

    TellersError
     +-- InputError                a file or request that cannot be read as given
     |    +-- BallotFileError        ballots: names the file, line/record and field
     |    +-- ConfigError            a contest or tabulator configuration (RCTab JSON, TOML)
     +-- CountError                a count that the rule cannot carry out
     |    +-- UnknownMethod          no counting rule by that name
     |    +-- InvalidCountOptions    options that the rule does not accept
     +-- (lifecycle errors are defined with the domain, and also derive from TellersError)

Errors carry no HTTP status: the web layer maps them.
"""

from __future__ import annotations

__all__ = [
    "BallotFileError",
    "ConfigError",
    "CountError",
    "InputError",
    "InvalidCountOptions",
    "TellersError",
    "UnknownMethod",
]


class TellersError(Exception):
    """Base of every error tellers raises deliberately."""


class InputError(TellersError):
    """Input that cannot be read as given; the message says where and why."""


class BallotFileError(InputError):
    """A ballot file that cannot be read.

    Args:
        path: the file (as given by the user).
        location: "line 12", "record 3", "row 7" or "" when the whole file is at fault.
        field: the column, element or key at fault, or "".
        problem: what was expected and what was found.
    """

    def __init__(self, path: str, location: str, field: str, problem: str) -> None:
        self.path = path
        self.location = location
        self.field = field
        self.problem = problem
        where = ", ".join(part for part in (path, location, field and f"field {field}") if part)
        super().__init__(f"{where}: {problem}")


class ConfigError(InputError):
    """A contest or tabulator configuration that is invalid."""


class CountError(TellersError):
    """A count that cannot be carried out as asked."""


class UnknownMethod(CountError):
    """No counting rule has this name."""


class InvalidCountOptions(CountError):
    """The options given are not valid for the chosen rule."""
