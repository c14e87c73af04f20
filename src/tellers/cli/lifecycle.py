"""Officer and voter commands of the ballot lifecycle: thin calls into the services.

``tellers init``; ``tellers org create|body|affiliate``; ``tellers contest
create|show|register|incumbent-rule|count``; ``tellers nominate``, ``withdraw``;
``tellers open|close nominations|voting``; ``tellers credentials issue|reissue``;
``tellers cast``; ``tellers papers enter``; ``tellers declare``; ``tellers recount``;
``tellers audit show|verify``. Each command is one service call (one transaction) on
the database named by ``TELLERS_DATABASE_URL`` (default ``sqlite:///tellers.db``). User
mistakes raise :class:`~tellers.errors.TellersError`, which ``tellers.cli.main`` prints as
one line with exit code 2. See ``docs/cli.md``.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tellers.bootstrap import database_revision, initialise, open_tellers
from tellers.config import load_settings
from tellers.domain.ballot import RejectionReason
from tellers.domain.errors import InvalidSpec
from tellers.domain.organisation import AffiliateKind
from tellers.domain.postal import PaperEntry
from tellers.domain.result import Result, result_json
from tellers.domain.roll import IssuedCredential
from tellers.errors import InputError
from tellers.formats.csv_safe import neutralise
from tellers.services import audit as audit_service
from tellers.services import contests, credentials, organisations, results, voting

__all__ = [
    "audit_app",
    "contest_app",
    "credentials_app",
    "org_app",
    "papers_app",
    "read_papers",
    "register",
    "write_credentials",
]

OfficerOpt = Annotated[str | None, typer.Option(help="Who is acting (recorded in the audit log).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]

org_app = typer.Typer(help="Organisations, their bodies and affiliates.", no_args_is_help=True)
contest_app = typer.Typer(help="Contests: create, inspect, count.", no_args_is_help=True)
credentials_app = typer.Typer(help="Voters' credentials (codes and papers).", no_args_is_help=True)
papers_app = typer.Typer(help="Postal papers entered by tellers.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


class Stage(StrEnum):
    """What opens or closes."""

    NOMINATIONS = "nominations"
    VOTING = "voting"


# -- init and organisations ----------------------------------------------------------


def init_command(
    url: Annotated[str | None, typer.Option(help="Database URL (default: settings).")] = None,
) -> None:
    """Create the database (or upgrade its schema to this version of tellers)."""
    target = url or load_settings().database_url
    database = initialise(target)
    revision = database_revision(database)
    database.dispose()
    typer.echo(f"database ready: {target} (schema revision {revision})")


@org_app.command("create")
def org_create(
    organisation: Annotated[str, typer.Argument(help="Organisation id (a slug).")],
    name: Annotated[str, typer.Option(help="Full name.")],
    officer: OfficerOpt = None,
) -> None:
    """Create an organisation."""
    with open_tellers(officer=officer) as t:
        organisations.create_organisation(
            uow=t.uow, clock=t.clock, officer=t.officer, organisation_id=organisation, name=name
        )
    typer.echo(f"organisation {organisation} created")


@org_app.command("body")
def org_body(
    organisation: Annotated[str, typer.Argument(help="Organisation id.")],
    body: Annotated[str, typer.Argument(help="Body id (e.g. plp).")],
    name: Annotated[str, typer.Option(help="Full name.")],
    kind: Annotated[str, typer.Option(help="Free text, e.g. 'parliamentary group'.")] = "",
    officer: OfficerOpt = None,
) -> None:
    """Add a body whose seats matter to a rule (a parliamentary group, an executive)."""
    with open_tellers(officer=officer) as t:
        organisations.add_body(
            uow=t.uow,
            clock=t.clock,
            officer=t.officer,
            organisation_id=organisation,
            body_id=body,
            name=name,
            kind=kind,
        )
    typer.echo(f"body {body} added to {organisation}")


@org_app.command("affiliate")
def org_affiliate(
    organisation: Annotated[str, typer.Argument(help="Organisation id.")],
    affiliate: Annotated[str, typer.Argument(help="Affiliate id (e.g. unite).")],
    name: Annotated[str, typer.Option(help="Full name.")],
    kind: Annotated[AffiliateKind, typer.Option(help="What kind of affiliate.")] = (
        AffiliateKind.UNION
    ),
    members: Annotated[int, typer.Option(help="Affiliated membership.")] = 0,
    officer: OfficerOpt = None,
) -> None:
    """Add an affiliate (a union, a society) with its affiliated membership."""
    with open_tellers(officer=officer) as t:
        organisations.add_affiliate(
            uow=t.uow,
            clock=t.clock,
            officer=t.officer,
            organisation_id=organisation,
            affiliate_id=affiliate,
            name=name,
            kind=kind,
            affiliated_membership=members,
        )
    typer.echo(f"affiliate {affiliate} added to {organisation}")


# -- contests ------------------------------------------------------------------------


def read_spec(path: Path) -> dict[str, Any]:
    """A contest spec from a TOML file (keys: :mod:`tellers.domain.spec`).

    Raises:
        InvalidSpec: the file is not valid TOML.
    """
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        msg = f"{path}: not valid TOML: {err}"
        raise InvalidSpec(msg) from err


@contest_app.command("create")
def contest_create(
    spec: Annotated[Path, typer.Argument(help="Contest spec (TOML).", exists=True)],
    org: Annotated[str, typer.Option("--org", help="Organisation id.")],
    contest: Annotated[
        str | None, typer.Option("--id", help="Contest id (default: the spec's id, or file stem).")
    ] = None,
    officer: OfficerOpt = None,
) -> None:
    """Create a draft contest from a spec file."""
    data = read_spec(spec)
    cid = contest or str(data.pop("id", spec.stem))
    data.pop("id", None)
    with open_tellers(officer=officer) as t:
        created = contests.create_contest(
            uow=t.uow,
            clock=t.clock,
            officer=t.officer,
            organisation_id=org,
            contest_id=cid,
            spec=data,
        )
    typer.echo(f"contest {created.id} created ({created.kind.value}, {created.phase.value})")


@contest_app.command("show")
def contest_show(
    contest: Annotated[str, typer.Argument(help="Contest id.")], as_json: JsonOpt = False
) -> None:
    """Show a contest's phase, candidates and ballot."""
    with open_tellers() as t:
        c = contests.get_contest(uow=t.uow, contest_id=contest)
    data = {
        "contest": c.id,
        "title": c.title,
        "kind": c.kind.value,
        "phase": c.phase.value,
        "candidates": [
            {"id": x.id, "name": x.name, "withdrawn": x.withdrawn} for x in c.candidates
        ],
        "ballot": list(c.options()),
        "sections": [s.name for s in c.electorate.sections],
        "version": c.version,
    }
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{c.id}: {c.title} ({c.kind.value}) -- {c.phase.value}")
    if c.candidates:
        typer.echo(
            "candidates: "
            + ", ".join(x.name + (" (withdrawn)" if x.withdrawn else "") for x in c.candidates)
        )
    typer.echo("ballot: " + (", ".join(c.candidate_name(o) for o in c.options()) or "(not fixed)"))


@contest_app.command("register")
def contest_register(
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    as_json: JsonOpt = False,
    out: Annotated[Path | None, typer.Option(help="Also write the register as CSV.")] = None,
) -> None:
    """The nomination register: each candidate's nominations and standing."""
    with open_tellers() as t:
        rows = contests.nomination_register_of(uow=t.uow, contest_id=contest)
    data = [r.as_dict() for r in rows]
    if out is not None:
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(data[0]) if data else ["candidate"])
            writer.writeheader()
            writer.writerows(
                {k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()}
                for row in data
            )
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Nomination register: {contest}")
    for col in ("candidate", "nominations", "required", "standing", "on ballot"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.name,
            str(r.nominations),
            str(r.required),
            r.standing.value,
            "yes" if r.standing.on_ballot else "no",
        )
    Console().print(table)


@contest_app.command("incumbent-rule")
def contest_incumbent_rule(
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    on_ballot: Annotated[
        bool, typer.Option("--on-ballot/--must-be-nominated", help="The incumbent's rule.")
    ],
    ruling: Annotated[str, typer.Option(help="The decision that set it (audit log).")],
    officer: OfficerOpt = None,
) -> None:
    """Record a ruling on whether the incumbent is on the ballot automatically."""
    with open_tellers(officer=officer) as t:
        contests.amend_incumbent_rule(
            uow=t.uow,
            clock=t.clock,
            officer=t.officer,
            contest_id=contest,
            incumbent_on_ballot=on_ballot,
            ruling=ruling,
        )
    typer.echo(f"{contest}: incumbent {'on the ballot' if on_ballot else 'must be nominated'}")


def result_summary(result: Result) -> str:
    """A few lines: totals, tallies, winners (the declaration says more)."""
    lines = [
        f"{result.title}: eligible {result.eligible:,}, returned {result.returned:,}, "
        f"valid {result.valid:,}, spoilt {result.spoilt:,}"
    ]
    for key, votes in result.tallies.items():
        lines.append(f"  {result.options.get(key, key)}: {votes:,}")
    if result.motion is not None:
        lines.append("  carried" if result.motion.carried else "  not carried")
    if result.winners:
        lines.append("  elected: " + ", ".join(result.options.get(w, w) for w in result.winners))
    return "\n".join(lines)


@contest_app.command("count")
def contest_count(
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    as_json: JsonOpt = False,
    officer: OfficerOpt = None,
) -> None:
    """Count a contest whose voting has closed (the lifecycle's count)."""
    with open_tellers(officer=officer) as t:
        result = results.count(uow=t.uow, clock=t.clock, officer=t.officer, contest_id=contest)
    typer.echo(result_json(result) if as_json else result_summary(result))


# -- nominations, phases ---------------------------------------------------------------


def nominate_command(
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    nominator: Annotated[str, typer.Argument(help="Nominator's person id.")],
    candidate: Annotated[str, typer.Argument(help="Candidate's person id.")],
    officer: OfficerOpt = None,
) -> None:
    """Record a nomination."""
    with open_tellers(officer=officer) as t:
        contests.nominate(
            uow=t.uow,
            clock=t.clock,
            officer=t.officer,
            contest_id=contest,
            nominator=nominator,
            candidate=candidate,
        )
    typer.echo(f"{nominator} nominates {candidate}")


def withdraw_command(
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    candidate: Annotated[str, typer.Argument(help="Candidate id.")],
    officer: OfficerOpt = None,
) -> None:
    """A candidate withdraws before nominations close."""
    with open_tellers(officer=officer) as t:
        contests.withdraw(
            uow=t.uow, clock=t.clock, officer=t.officer, contest_id=contest, candidate=candidate
        )
    typer.echo(f"{candidate} withdrawn from {contest}")


def open_command(
    stage: Annotated[Stage, typer.Argument(help="nominations or voting.")],
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    officer: OfficerOpt = None,
) -> None:
    """Open nominations, or open voting (which freezes the roll)."""
    with open_tellers(officer=officer) as t:
        if stage is Stage.NOMINATIONS:
            c = contests.open_nominations(
                uow=t.uow, clock=t.clock, officer=t.officer, contest_id=contest
            )
            gate = c.gate
            assert gate is not None
            typer.echo(
                f"nominations open: {gate.required} needed ({gate.threshold} of "
                f"{gate.denominator} at {gate.snapshot_at.isoformat()})"
            )
            return
        with Console(stderr=True).status("freezing the roll..."):
            c = contests.open_voting(
                uow=t.uow, clock=t.clock, officer=t.officer, contest_id=contest
            )
    typer.echo(f"voting open in {contest}: ballot {', '.join(c.options())}")


def close_command(
    stage: Annotated[Stage, typer.Argument(help="nominations or voting.")],
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    officer: OfficerOpt = None,
) -> None:
    """Close nominations (fixing the ballot) or voting."""
    with open_tellers(officer=officer) as t:
        if stage is Stage.NOMINATIONS:
            c = contests.close_nominations(
                uow=t.uow, clock=t.clock, officer=t.officer, contest_id=contest
            )
            if c.unopposed is not None:
                typer.echo(f"nominations closed: {c.candidate_name(c.unopposed)} unopposed")
            else:
                names = ", ".join(c.candidate_name(x) for x in c.ballot)
                typer.echo(f"nominations closed: ballot {names}")
            return
        contests.close_voting(uow=t.uow, clock=t.clock, officer=t.officer, contest_id=contest)
    typer.echo(f"voting closed in {contest}")


# -- credentials, casting, papers -------------------------------------------------------

CREDENTIAL_COLUMNS = ("person_id", "section", "code", "paper_number", "issue")


def write_credentials(path: Path, issued: Iterable[IssuedCredential]) -> int:
    """Write issued codes for mailing (CSV, ``CREDENTIAL_COLUMNS``); returns how many.

    The file holds live credentials: it is created readable by its owner only, and
    refused if it exists.

    Raises:
        InputError: the file exists.
    """
    try:
        handle = path.open("x", newline="", encoding="utf-8")
    except FileExistsError as err:
        msg = f"{path} exists; credentials are written to a new file only"
        raise InputError(msg) from err
    path.chmod(0o600)
    n = 0
    with handle:
        out = csv.writer(handle)
        out.writerow(CREDENTIAL_COLUMNS)
        for c in issued:
            out.writerow(
                (
                    neutralise(c.person_id),
                    neutralise(c.section),
                    c.code,
                    "" if c.paper_number is None else c.paper_number,
                    c.issue,
                )
            )
            n += 1
    return n


@credentials_app.command("issue")
def credentials_issue(
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    out: Annotated[Path, typer.Option(help="New CSV file for mailing the codes.")],
    officer: OfficerOpt = None,
) -> None:
    """Issue a credential to every eligible voter who has none; write them for mailing."""
    if out.exists():
        msg = f"{out} exists; credentials are written to a new file only"
        raise InputError(msg)
    with open_tellers(officer=officer) as t, Console(stderr=True).status("issuing credentials..."):
        issued = credentials.issue_credentials(
            uow=t.uow, clock=t.clock, officer=t.officer, contest_id=contest
        )
        n = write_credentials(out, issued)
    typer.echo(f"issued {n:,} credentials to {out}")


@credentials_app.command("reissue")
def credentials_reissue(
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    person: Annotated[str, typer.Argument(help="The voter's person id.")],
    out: Annotated[Path, typer.Option(help="New CSV file for the new code.")],
    paper: Annotated[bool, typer.Option(help="Also send a new numbered paper.")] = False,
    officer: OfficerOpt = None,
) -> None:
    """Void a voter's credential and issue a new one."""
    with open_tellers(officer=officer) as t:
        issued = credentials.reissue_credential(
            uow=t.uow,
            clock=t.clock,
            officer=t.officer,
            contest_id=contest,
            person_id=person,
            paper=paper,
        )
    write_credentials(out, [issued])
    typer.echo(f"reissued credential {issued.issue} to {person} in {out}")


def cast_command(
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    ranking: Annotated[
        list[str] | None,
        typer.Argument(help="Options in order of preference (yes/no for a motion; none abstains)."),
    ] = None,
    credential: Annotated[
        str | None,
        typer.Option(help="Your code (asked for, hidden, when not given).", show_default=False),
    ] = None,
) -> None:
    """Cast a ballot online; prints the tracking code to keep as a receipt."""
    code = credential or typer.prompt("credential", hide_input=True)
    with open_tellers() as t:
        receipt = voting.cast_ballot(
            uow=t.uow, contest_id=contest, credential=code, ranking=list(ranking or [])
        )
    typer.echo(f"ballot cast; tracking code {receipt.tracking_code}")


_REJECTIONS = {r.value: r for r in RejectionReason}


def read_papers(path: Path) -> list[PaperEntry]:
    """Papers from a CSV with columns ``paper_number``, ``marks``, ``rejection``.

    ``marks`` lists option keys in order, separated by spaces; ``rejection`` is a reason
    code (``unmarked``, ``too-many-marks``, ``identifies-voter``, ``no-official-mark``,
    ``void-for-uncertainty``) or empty.

    Raises:
        InputError: a row that cannot be read (naming its line and field).
    """
    papers: list[PaperEntry] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "paper_number" not in reader.fieldnames:
            msg = f"{path}: line 1: the header needs paper_number, marks, rejection"
            raise InputError(msg)
        for line, row in enumerate(reader, start=2):
            number = (row.get("paper_number") or "").strip()
            if not number.isdigit():
                msg = f"{path}: line {line}, field paper_number: not a number: {number!r}"
                raise InputError(msg)
            code = (row.get("rejection") or "").strip()
            if code and code not in _REJECTIONS:
                msg = (
                    f"{path}: line {line}, field rejection: {code!r} is not one of "
                    f"{', '.join(_REJECTIONS)}"
                )
                raise InputError(msg)
            papers.append(
                PaperEntry(
                    paper_number=int(number),
                    ranking=tuple((row.get("marks") or "").split()),
                    rejection=_REJECTIONS[code] if code else None,
                )
            )
    return papers


@papers_app.command("enter")
def papers_enter(
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    file: Annotated[Path, typer.Argument(help="Batch CSV: paper_number,marks,rejection.")],
    officer: OfficerOpt = None,
) -> None:
    """Enter a batch of returned postal papers (one transaction)."""
    papers = read_papers(file)
    with open_tellers(officer=officer) as t:
        batch = voting.enter_postal_batch(
            uow=t.uow, clock=t.clock, officer=t.officer, contest_id=contest, papers=papers
        )
    typer.echo(
        f"batch {batch.sequence}: {len(batch.paper_numbers):,} papers, counted {batch.counted:,}, "
        f"spoilt {batch.spoilt_total:,}, refused {len(batch.refused):,}"
    )
    for number, outcome in batch.refused:
        typer.echo(f"  paper {number}: {outcome.value}", err=True)


# -- results and audit -------------------------------------------------------------------


def declare_command(
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    as_json: JsonOpt = False,
    officer: OfficerOpt = None,
) -> None:
    """Declare the result (text, or JSON with --json)."""
    with open_tellers(officer=officer) as t:
        d = results.declare(uow=t.uow, clock=t.clock, officer=t.officer, contest_id=contest)
    typer.echo(d.json if as_json else d.text, nl=False)


def recount_command(
    contest: Annotated[str, typer.Argument(help="Contest id.")],
    officer: OfficerOpt = None,
) -> None:
    """Count the same ballots again and compare with the first count."""
    with open_tellers(officer=officer) as t:
        r = results.recount(uow=t.uow, clock=t.clock, officer=t.officer, contest_id=contest)
    verdict = "matches the first count" if r.matches_first else "DIFFERS from the first count"
    typer.echo(f"recount {r.number}: {verdict}")
    if not r.matches_first:
        raise typer.Exit(1)


@audit_app.command("show")
def audit_show(
    as_json: JsonOpt = False,
    last: Annotated[int, typer.Option(help="Show only the last N entries (0: all).")] = 0,
) -> None:
    """Print the audit log."""
    with open_tellers() as t, t.uow:
        entries = list(t.uow.audit.iter())
    if last:
        entries = entries[-last:]
    if as_json:
        data = [
            {
                "sequence": e.sequence,
                "time": e.time,
                "officer": e.officer,
                "action": e.action,
                "parameters": dict(e.parameters),
                "previous": e.previous,
                "hash": e.hash,
            }
            for e in entries
        ]
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for e in entries:
        params = json.dumps(dict(e.parameters), ensure_ascii=False, sort_keys=True)
        typer.echo(f"{e.sequence:>5} {e.time} {e.officer} {e.action} {params} {e.hash[:16]}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Verify every link of the audit log; prints the head hash."""
    with open_tellers() as t:
        head = audit_service.verify_audit_log(uow=t.uow)
    typer.echo(f"audit log verified; head {head}")


def register(app: typer.Typer) -> None:
    """Add the lifecycle commands to the ``tellers`` app."""
    from tellers.cli.demo import demo_command
    from tellers.cli.replay import replay_command
    from tellers.cli.roll import roll_app

    app.command("init")(init_command)
    app.add_typer(org_app, name="org")
    app.add_typer(roll_app, name="roll")
    app.add_typer(contest_app, name="contest")
    app.command("nominate")(nominate_command)
    app.command("withdraw")(withdraw_command)
    app.command("open")(open_command)
    app.command("close")(close_command)
    app.add_typer(credentials_app, name="credentials")
    app.command("cast")(cast_command)
    app.add_typer(papers_app, name="papers")
    app.command("declare")(declare_command)
    app.command("recount")(recount_command)
    existing = next((g.typer_instance for g in app.registered_groups if g.name == "audit"), None)
    if existing is None:
        app.add_typer(audit_app, name="audit")
    else:  # another module owns the group (``audit export``): add ours to it
        existing.command("show")(audit_show)
        existing.command("verify")(audit_verify)
    app.command("replay")(replay_command)
    app.command("demo")(demo_command)
