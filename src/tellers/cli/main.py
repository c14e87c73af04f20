"""The ``tellers`` command: a Typer app whose commands are thin calls into the library.

User mistakes (a bad file, an unknown method) end with a one-line message on stderr and
exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys

import typer

from tellers import __version__
from tellers.cli.count import count_command
from tellers.cli.lifecycle import register as register_lifecycle
from tellers.cli.serve import serve_command
from tellers.cli.verify import audit_app, board_command, public_key_command, verify_command
from tellers.errors import TellersError

__all__ = ["app", "main"]

app = typer.Typer(
    name="tellers",
    help="Secret ballots, nominations and exact counts for membership organisations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


app.command("count")(count_command)
app.command("serve")(serve_command)
app.command("verify")(verify_command)
app.command("board")(board_command)
app.command("public-key")(public_key_command)
app.add_typer(audit_app, name="audit")
register_lifecycle(app)  # init, org, roll, contest, nominate, ..., replay, demo


@app.command()
def version() -> None:
    """Print the version of tellers."""
    typer.echo(__version__)


def main() -> None:
    """Entry point of the ``tellers`` script."""
    try:
        app()
    except TellersError as err:
        typer.echo(f"tellers: {err}", err=True)
        sys.exit(2)
