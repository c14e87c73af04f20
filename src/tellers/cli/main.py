"""The ``tellers`` command: a Typer app whose commands are thin calls into the library.

User mistakes (a bad file, an unknown method) end with a one-line message on stderr and
exit code 2; anything else is a bug and keeps its traceback.

Start-up cost matters: ``tellers count`` over a million ballots takes about a third of a
second, while importing the web app, SQLAlchemy and Alembic takes more than that. So the
commands that need none of them (``count``, ``version``) run in an app that imports only
what they use; every other command, and ``--help``, gets the full app. Typer itself
(with click, pydantic and Rich) costs a third of such a count again, so plain
invocations of ``tellers count`` do not start it at all: they are parsed and run by
:mod:`tellers.cli.count_fast`, and only the rest go to the Typer app.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from tellers import __version__
from tellers.errors import TellersError

if TYPE_CHECKING:
    import typer

    from tellers.cli.count_fast import CountRequest

__all__ = ["build_app", "main"]  # and `app`, built lazily by __getattr__

_LIGHT_COMMANDS = frozenset({"count", "version"})


def _version() -> None:
    """Print the version of tellers."""
    import typer

    typer.echo(__version__)


def build_app(*, light: bool = False) -> typer.Typer:
    """The Typer app: every command, or (``light``) only those in ``_LIGHT_COMMANDS``."""
    import typer

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


def _count_without_typer(request: CountRequest) -> None:
    """Run a parsed ``tellers count``, ending as the Typer app would end it."""
    from tellers.cli.count_fast import run_count

    try:
        run_count(request)
    except TellersError as err:
        sys.stderr.write(f"tellers: {err}\n")
        sys.stderr.flush()
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # The reader of our output went away (``| head``): exit quietly, as click does,
        # and keep Python from complaining when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


def main() -> None:
    """Entry point of the ``tellers`` script."""
    # tellers' numpy work is integer counting and never calls BLAS, but OpenBLAS starts a
    # thread per core when numpy is imported, which costs tens of milliseconds of a
    # count's start-up and keeps another core spinning for a while. A user's setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    argv = sys.argv[1:]
    if argv[:1] == ["count"]:
        from tellers.cli.count_fast import parse_count_args

        request = parse_count_args(argv[1:])
        if request is not None:
            _count_without_typer(request)
            return
    import typer

    try:
        build_app(light=_wants_light(argv))()
    except TellersError as err:
        typer.echo(f"tellers: {err}", err=True)
        sys.exit(2)
