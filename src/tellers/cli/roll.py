"""``tellers roll import FILE``: stream a roll file into the organisation's books.

The file is read once, as a stream, inside the import's single transaction
(:func:`tellers.services.people.import_people`): a file with any bad row stores nothing
and the command lists the errors (line and field); with ``--skip-invalid`` the valid
people are stored and the skipped rows are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from tellers.bootstrap import open_tellers
from tellers.domain.ids import OfficerId, OrganisationId
from tellers.formats.roll_csv import RollReader, RollRowError
from tellers.services.people import ImportSummary, MembershipRow, PersonRow, import_people
from tellers.services.ports import Clock, UnitOfWork

__all__ = ["RollImport", "import_roll", "roll_app"]

roll_app = typer.Typer(help="The organisation's books: people and their memberships.")


@dataclass(frozen=True, slots=True, kw_only=True)
class RollImport:
    """What an import stored and what it skipped."""

    summary: ImportSummary | None
    skipped_people: int
    errors: tuple[RollRowError, ...]


def _known(uow: UnitOfWork, organisation: str) -> tuple[frozenset[str], frozenset[str]]:
    with uow:
        org = OrganisationId(organisation)
        uow.organisations.get(org)
        bodies = frozenset(b.id for b in uow.organisations.bodies(org))
        affiliates = frozenset(a.id for a in uow.organisations.affiliates(org))
    return bodies, affiliates


def import_roll(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation: str,
    path: Path,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RollImport:
    """Import a roll file (see module docstring); ``progress`` is told each 10,000 people.

    Raises:
        RollFileError: the file has errors and ``skip_invalid`` is off (nothing stored).
        NotFound: no such organisation.
        AlreadyExists: a person in the file is already on the books.
    """
    bodies, affiliates = _known(uow, organisation)
    reader = RollReader(
        path=path,
        bodies=bodies,
        affiliates=affiliates,
        skip_invalid=skip_invalid,
        person_factory=PersonRow,
        membership_factory=MembershipRow,
    )

    def rows() -> Iterator[Any]:
        for n, row in enumerate(reader.rows(), start=1):
            yield row
            if progress is not None and n % 10_000 == 0:
                progress(n)

    summary = import_people(
        uow=uow, clock=clock, officer=officer, organisation_id=organisation, rows=rows()
    )
    return RollImport(
        summary=summary, skipped_people=reader.skipped_people, errors=tuple(reader.errors)
    )


@roll_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="Roll CSV (docs/roll-format.md).", exists=True)],
    org: Annotated[str, typer.Option("--org", help="Organisation id.")],
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Store the valid people; report bad rows.")
    ] = False,
    officer: Annotated[str | None, typer.Option(help="Who is acting (audit log).")] = None,
) -> None:
    """Import people and memberships from a roll file, all or nothing."""
    console = Console(stderr=True)
    with (
        open_tellers(officer=officer) as t,
        Progress(
            TextColumn("importing {task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} people"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task(file.name, total=None)
        result = import_roll(
            uow=t.uow,
            clock=t.clock,
            officer=t.officer,
            organisation=org,
            path=file,
            skip_invalid=skip_invalid,
            progress=lambda n: bar.update(task, completed=n),
        )
    assert result.summary is not None
    s = result.summary
    kinds = ", ".join(f"{k} {v:,}" for k, v in s.by_kind.items())
    typer.echo(f"imported {s.people:,} people, {s.memberships:,} memberships ({kinds})")
    if result.errors:
        typer.echo(
            f"skipped {result.skipped_people:,} people ({len(result.errors):,} row errors):",
            err=True,
        )
        for e in result.errors:
            typer.echo(f"  {file}: {e}", err=True)
