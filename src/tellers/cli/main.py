"""The ``tellers`` command: a Typer app whose commands are thin calls into the library.

User mistakes (a bad file, an unknown method) end with a one-line message on stderr and
exit code 2; anything else is a bug and keeps its traceback.

Start-up cost matters: ``tellers count`` over a million ballots takes about a second,
while importing the web app, SQLAlchemy and Alembic takes more than that. So the commands
that need none of them (``count``, ``version``) run in an app that imports only what
they use; every other command, and ``--help``, gets the full app.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from tellers import __version__
from tellers.errors import TellersError

__all__ = ["build_app", "main"]  # and `app`, built lazily by __getattr__

_LIGHT_COMMANDS = frozenset({"count", "version"})


def _version() -> None:
    """Print the version of tellers."""
    typer.echo(__version__)


def build_app(*, light: bool = False) -> typer.Typer:
    """The Typer app: every command, or (``light``) only those in ``_LIGHT_COMMANDS``."""
    from tellers.cli.count import count_command

    application = typer.Typer(
        name="tellers",
        help="Secret ballots, nominations and exact counts for membership organisations.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    application.command("count")(count_command)
    application.command("version")(_version)
    if light:
        return application

    from tellers.cli.lifecycle import register as register_lifecycle
    from tellers.cli.serve import serve_command
    from tellers.cli.verify import audit_app, board_command, public_key_command, verify_command

    application.command("serve")(serve_command)
    application.command("verify")(verify_command)
    application.command("board")(board_command)
    application.command("public-key")(public_key_command)
    application.add_typer(audit_app, name="audit")
    register_lifecycle(application)  # init, org, roll, contest, nominate, ..., replay, demo
    return application


def __getattr__(name: str) -> Any:
    """``app``: the full app, built on first use (docs, tests)."""
    if name == "app":
        return build_app()
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def _wants_light(argv: list[str]) -> bool:
    return bool(argv) and argv[0] in _LIGHT_COMMANDS


def main() -> None:
    """Entry point of the ``tellers`` script."""
    try:
        build_app(light=_wants_light(sys.argv[1:]))()
    except TellersError as err:
        typer.echo(f"tellers: {err}", err=True)
        sys.exit(2)
