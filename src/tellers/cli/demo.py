"""``tellers demo``: the 2016 Labour story, end to end, on a fresh SQLite file.

1. The books in June: the PLP and the EPLP (``examples/s5-.../roll.toml``).
2. 28 June: the PLP confidence motion (``examples/s1-...``): 172 for, 40 against, 4 spoilt,
   13 not voting -- carried, advisory.
3. The members and supporters join the books: 343,500 members, 129,000 registered
   supporters, 181,506 affiliated supporters, and people the rules refuse.
4. 11-20 July: the challenge (``examples/s5-...``, as in S2): 51 nominations needed of 251;
   the NEC ruling puts the incumbent on the ballot; Smith 90, Eagle 72 then withdrawn.
5. 22 August - 21 September: the members', registered and affiliated supporters' ballot,
   with the 12 January freeze date and the £25 window; every online ballot cast through
   the checks and writes of :func:`tellers.services.voting.cast_ballot`, committed
   :data:`tellers.cli.replay.CAST_GROUP` at a time by
   :func:`tellers.services.voting.cast_ballots` (``--cast-group 1``: one transaction
   each), every paper entered in postal batches.
6. 24 September: the declaration -- Corbyn 313,209, Smith 193,229, 1,042 spoilt, turnout
   77.6% -- with the audit log verified.
"""

from __future__ import annotations

import json
import tempfile
import time
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tellers.cli.replay import (
    CAST_GROUP,
    RO,
    ReplayClock,
    ReplayOutcome,
    cast_progress,
    load_roll,
    outcome_json,
    outcome_text,
    replay_contest,
    roll_people,
)
from tellers.domain.errors import InvalidSpec
from tellers.services import people
from tellers.services.audit import verify_audit_log

__all__ = ["demo_command", "examples_dir", "run_demo"]

S1 = "s1-plp-confidence-2016"
S5 = "s5-corbyn-smith-2016"


def examples_dir() -> Path:
    """The ``examples/`` folder of the source tree.

    Raises:
        InvalidSpec: it cannot be found (an installation without the examples).
    """
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "examples" / S5
        if candidate.is_dir():
            return candidate.parent
    msg = "the examples/ folder is not found; run the demo from a checkout of tellers"
    raise InvalidSpec(msg)


def _is_seat_group(group: dict[str, Any]) -> bool:
    return all(m.get("kind") == "seat" for m in group.get("memberships", []))


def run_demo(
    url: str,
    *,
    examples: Path,
    console: Console | None = None,
    cast_group: int = CAST_GROUP,
) -> dict[str, Any]:
    """Run the story on the (empty, migrated) database at ``url``; returns what it declared."""
    from tellers.bootstrap import initialise, unit_of_work

    console = console or Console(stderr=True, quiet=True)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    database = initialise(url)
    database.checkpoint_in_background()
    uow = unit_of_work(database)
    try:
        clock = ReplayClock(datetime.fromisoformat("2016-06-27T09:00:00+01:00"))
        with (examples / S5 / "roll.toml").open("rb") as handle:
            roll = tomllib.load(handle)
        # June: the books hold the PLP and the EPLP; the members and supporters are added
        # before the leadership ballot (registered supporters paid in July). Freezing the
        # PLP's roll then looks at 251 people, not at 654,000.
        seats = [g for g in roll.get("groups", []) if _is_seat_group(g)]
        others = [g for g in roll.get("groups", []) if not _is_seat_group(g)]
        t = time.perf_counter()
        organisation = load_roll({**roll, "groups": seats}, uow=uow, clock=clock)
        motion = replay_contest(examples / S1, uow=uow, clock=clock, organisation=organisation)
        timings["PLP motion"] = time.perf_counter() - t
        with console.status("importing members and supporters..."):
            t = time.perf_counter()
            clock.set(datetime.fromisoformat("2016-08-08T18:00:00+01:00"))
            people.import_people(
                uow=uow,
                clock=clock,
                officer=RO,
                organisation_id=organisation,
                rows=roll_people({"groups": others}),
            )
            timings["roll import"] = time.perf_counter() - t
        t = time.perf_counter()
        with cast_progress(console) as bar:
            task = bar.add_task("2016 leadership ballot", total=None)
            leader: ReplayOutcome = replay_contest(
                examples / S5,
                uow=uow,
                clock=clock,
                organisation=organisation,
                progress=lambda d, n: bar.update(task, completed=d, total=n),
                cast_group=cast_group,
            )
        timings["leadership contest"] = time.perf_counter() - t
        head = verify_audit_log(uow=uow)
    finally:
        uow.close()
        database.dispose()
    timings["total"] = time.perf_counter() - start
    return {
        "motion": motion,
        "leadership": leader,
        "audit_head_verified": head,
        "timings": timings,
        "casts_per_second": (leader.online / leader.cast_seconds if leader.cast_seconds else 0.0),
    }


def demo_command(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the declarations as JSON.")
    ] = False,
    keep: Annotated[
        Path | None, typer.Option(help="Keep the SQLite file here (default: a temporary file).")
    ] = None,
    cast_group: Annotated[
        int,
        typer.Option(
            min=1,
            help="Online ballots committed together (1: each in a transaction of its own).",
        ),
    ] = CAST_GROUP,
) -> None:
    """Replay the 2016 story: PLP motion, challenge nominations, the ballot, the declaration."""
    console = Console(stderr=True)
    examples = examples_dir()
    with tempfile.TemporaryDirectory() as tmp:
        path = keep if keep is not None else Path(tmp) / "demo.db"
        if path.exists():
            msg = f"{path} exists; the demo needs a fresh file"
            raise InvalidSpec(msg)
        done = run_demo(
            f"sqlite:///{path}", examples=examples, console=console, cast_group=cast_group
        )
    motion: ReplayOutcome = done["motion"]
    leader: ReplayOutcome = done["leadership"]
    if as_json:
        data = {
            "plp_confidence_motion": outcome_json(motion),
            "leadership_election": outcome_json(leader),
            "audit_log_verified_head": done["audit_head_verified"],
        }
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        typer.echo(outcome_text(motion))
        typer.echo(outcome_text(leader))
        typer.echo(f"Audit log verified; head {done['audit_head_verified']}")
    t = done["timings"]
    console.print(
        "[dim]"
        + ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
        + f"; {leader.online:,} online ballots at {done['casts_per_second']:,.0f} casts/s, "
        f"{leader.papers:,} papers[/dim]"
    )
