"""``tellers board``, ``tellers verify`` and ``tellers audit export``: publish and check.

``tellers verify`` needs no database: it reads a board file (or a directory of them)
and an audit log export, and prints one line per check and a verdict naming the first
discrepancy. Exit codes: 0 when everything holds, 1 when a check fails (or a receipt is
not on the board), 2 for a file that cannot be read at all (from ``tellers.cli.main``).

``tellers board`` and ``tellers audit export`` read the organisation's database through
:mod:`tellers.bootstrap`. The election key is sealed with ``TELLERS_SEALING_KEY`` (64
hex digits) when it is set; the keys live in the ``election_keys`` table
(:class:`tellers.storage.sql.board.SqlElectionKeys`, migration ``w002``), and each
published board is also kept in the database (``published_boards``), where the web
app's download serves it byte for byte.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from tellers.crypto.signing import SEALING_KEY_BYTES
from tellers.errors import InputError
from tellers.services.board import (
    board_contests,
    election_public_key,
    export_audit_log,
    publish_board,
)
from tellers.services.verification import BoardVerification, has_tracking_code, verify_board
from tellers.storage.sql.board import SqlBoards, SqlElectionKeys

__all__ = [
    "SqlElectionKeys",
    "audit_app",
    "audit_export_command",
    "board_command",
    "public_key_command",
    "verify_command",
]

BOARD_SUFFIX = ".board"


def _audit_group() -> typer.Typer:
    """The ``tellers audit`` group: the lifecycle CLI's when present (one group, one name)."""
    try:
        lifecycle = importlib.import_module("tellers.cli.lifecycle")
    except ImportError:
        return typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
    group: typer.Typer = lifecycle.audit_app
    return group


audit_app = _audit_group()


def _boards(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(path.glob(f"*{BOARD_SUFFIX}"))
        if not found:
            msg = f"{path}: no *{BOARD_SUFFIX} files in this directory"
            raise InputError(msg)
        return found
    if not path.is_file():
        msg = f"{path}: no such file"
        raise InputError(msg)
    return [path]


def _print(report: BoardVerification) -> None:
    title = report.label + (f" (contest {report.contest_id})" if report.contest_id else "")
    typer.echo(title)
    for f in report.findings:
        mark = "ok  " if f.ok else "FAIL"
        typer.echo(f"  {mark} {f.check}: {f.detail}")
    first = report.first_discrepancy
    if first is None:
        winners = ", ".join(report.winners)
        typer.echo(
            "VERIFIED: every check holds"
            + (f"; elected: {winners}" if winners else "")
            + f"; signed by {report.public_key}"
        )
    else:
        typer.echo(f"NOT VERIFIED: first discrepancy: {first.check}: {first.detail}")
        others = [f for f in report.discrepancies if f is not first]
        for f in others:
            typer.echo(f"  also: {f.check}: {f.detail}")


def verify_command(
    board: Annotated[Path, typer.Argument(help="A board file, or a directory of *.board files.")],
    audit: Annotated[
        Path | None, typer.Option("--audit", help="The audit log export (JSON Lines).")
    ] = None,
    receipt: Annotated[
        str | None,
        typer.Option("--receipt", help="A tracking code: is this ballot on the board?"),
    ] = None,
    public_key: Annotated[
        str | None,
        typer.Option("--public-key", help="The organisation's published key (hex) to require."),
    ] = None,
) -> None:
    """Check a published board without any database: signature, recount, audit log."""
    paths = _boards(board)
    audit_bytes = audit.read_bytes() if audit is not None else None
    if receipt is not None:
        found = [p for p in paths if has_tracking_code(p.read_bytes(), receipt)]
        if found:
            names = ", ".join(str(p) for p in found)
            typer.echo(f"RECEIPT FOUND: tracking code {receipt} is on the board: {names}")
        else:
            typer.echo(f"RECEIPT NOT FOUND: tracking code {receipt} is not on the board")
    ok = True
    for path in paths:
        report = verify_board(
            path.read_bytes(), audit=audit_bytes, public_key=public_key, label=str(path)
        )
        _print(report)
        ok = ok and report.ok
    if receipt is not None and not found:
        ok = False
    if not ok:
        raise typer.Exit(1)


SEALING_KEY_ENV = "TELLERS_SEALING_KEY"
"""64 hex digits: the key that seals the election keys in the store (none: unsealed)."""


def _sealing_key() -> bytes | None:
    raw = os.environ.get(SEALING_KEY_ENV, "").strip()
    if not raw:
        return None
    try:
        key = bytes.fromhex(raw)
    except ValueError as err:
        msg = f"{SEALING_KEY_ENV} must be 64 hex digits"
        raise InputError(msg) from err
    if len(key) != SEALING_KEY_BYTES:
        msg = f"{SEALING_KEY_ENV} must be 64 hex digits (32 bytes), got {len(key)} bytes"
        raise InputError(msg)
    return key


@contextmanager
def _opened(database: str | None, officer: str | None = None) -> Iterator[Any]:
    bootstrap = importlib.import_module("tellers.bootstrap")
    config = importlib.import_module("tellers.config")
    settings = config.load_settings()
    if database:
        settings = settings.model_copy(update={"database_url": database})
    with bootstrap.open_tellers(settings, officer=officer) as tellers:
        yield tellers


def board_command(
    contest: Annotated[str | None, typer.Argument(help="The contest id.")] = None,
    out: Annotated[
        Path, typer.Option("--out", help="The board file (with --all: a directory).")
    ] = Path("."),
    all_contests: Annotated[
        bool, typer.Option("--all", help="Every contest whose voting has closed.")
    ] = False,
    audit_out: Annotated[
        Path | None,
        typer.Option("--audit-out", help="Also write the audit log up to the board's head."),
    ] = None,
    officer: Annotated[
        str | None, typer.Option(help="Who publishes (default: TELLERS_OFFICER).")
    ] = None,
    database: Annotated[
        str | None, typer.Option("--database", help="Database URL (default: settings).")
    ] = None,
) -> None:
    """Publish the signed bulletin board of a contest (or of all closed contests)."""
    with _opened(database, officer) as tellers:
        _publish(tellers, contest, out, all_contests, audit_out)


def _publish(
    tellers: Any, contest: str | None, out: Path, all_contests: bool, audit_out: Path | None
) -> None:
    uow, clock = tellers.uow, tellers.clock
    keys = SqlElectionKeys(tellers.database)
    boards = SqlBoards(tellers.database)
    sealing_key = _sealing_key()
    if all_contests:
        ids: list[str] = list(board_contests(uow=uow))
        out.mkdir(parents=True, exist_ok=True)
        targets = [(cid, out / f"{cid}{BOARD_SUFFIX}") for cid in ids]
    elif contest is not None:
        target = out / f"{contest}{BOARD_SUFFIX}" if out.is_dir() else out
        targets = [(contest, target)]
    else:
        msg = "name a contest, or give --all"
        raise InputError(msg)
    head_sequences: list[int] = []
    for cid, path in targets:
        board = publish_board(
            uow=uow,
            clock=clock,
            officer=tellers.officer,
            keys=keys,
            contest_id=cid,
            sealing_key=sealing_key,
            boards=boards,
        )
        path.write_bytes(board.data)
        head_sequences.append(_head_sequence(board.data))
        typer.echo(
            f"{path}: board of {cid}, {board.ballots} ballots, sha256 {board.sha256}, "
            f"signed by {board.public_key}"
        )
    if audit_out is not None and head_sequences:
        lines = export_audit_log(uow=uow, up_to=max(head_sequences))
        audit_out.write_bytes(b"".join(lines))
        typer.echo(f"{audit_out}: audit log up to entry {max(head_sequences)}")


def _head_sequence(data: bytes) -> int:
    import json

    body = json.loads(data.split(b"\n", 1)[0])
    return int(body["audit"]["head_sequence"])


def audit_export_command(
    out: Annotated[Path, typer.Option("--out", help="The JSON Lines file to write.")],
    database: Annotated[
        str | None, typer.Option("--database", help="Database URL (default: settings).")
    ] = None,
) -> None:
    """Export the whole audit log as JSON Lines (one canonical entry a line)."""
    with _opened(database) as tellers:
        data = b"".join(export_audit_log(uow=tellers.uow))
    out.write_bytes(data)
    entries = data.count(b"\n")
    typer.echo(f"{out}: {entries} audit entries")


audit_app.command("export")(audit_export_command)


def public_key_command(
    organisation: Annotated[str, typer.Argument(help="The organisation id.")],
    database: Annotated[
        str | None, typer.Option("--database", help="Database URL (default: settings).")
    ] = None,
) -> None:
    """Print the organisation's election public key (as on the declaration)."""
    with _opened(database) as tellers:
        key = election_public_key(
            keys=SqlElectionKeys(tellers.database), organisation_id=organisation
        )
    typer.echo(key if key is not None else "no election key yet (made at the first board)")
