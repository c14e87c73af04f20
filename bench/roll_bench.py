"""Benchmark: import a roll of N voters, freeze it and issue their credentials.

Target (issue 4): 1,000,000 voters imported and issued credentials in under 60 s, on
SQLite and on PostgreSQL, on a 2-core machine. The run goes through the same path as the
CLI: ``tellers roll import`` (:func:`tellers.cli.roll.import_roll`: the CSV streamed into
one transaction, bulk inserts -- executemany on SQLite, COPY on PostgreSQL), ``tellers
open voting`` (the electorate rule applied to everyone, the roll written in bulk) and
``tellers credentials issue`` (codes made, keyed hashes stored in bulk, the codes written
to a file for mailing).

The roll is generated with a fixed seed: 55% members (some joined after the freeze date),
25% affiliated supporters, 20% registered supporters (some paid outside the window).

Usage::

    python bench/roll_bench.py --voters 1000000                       # SQLite (temp file)
    python bench/roll_bench.py --voters 1000000 --url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import secrets
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from tellers.cli.lifecycle import write_credentials
from tellers.cli.roll import import_roll
from tellers.domain.ids import OfficerId
from tellers.domain.organisation import AffiliateKind
from tellers.formats.roll_csv import COLUMNS
from tellers.services import contests, credentials, organisations
from tellers.storage.memory import FixedClock
from tellers.storage.sql import SqlUnitOfWork, connect, migrate

RO = OfficerId("bench")

SPEC = {
    "kind": "leadership",
    "title": "Benchmark leadership ballot",
    "method": "irv",
    "nominations": {
        "bodies": ["plp"],
        "threshold": "20%",
        "snapshot_at": "2016-07-11T09:00:00+01:00",
    },
    "electorate": {
        "version": "bench-2016",
        "sections": [
            {
                "name": "members",
                "kind": "member",
                "joined_on_or_before": "2016-01-12",
                "channels": ["online", "post"],
            },
            {
                "name": "registered supporters",
                "kind": "registered supporter",
                "fee_window": {
                    "opens": "2016-07-18T17:00:00+01:00",
                    "closes": "2016-07-20T17:00:00+01:00",
                },
                "min_fee_pence": 2500,
            },
            {
                "name": "affiliated supporters",
                "kind": "affiliated supporter",
                "joined_on_or_before": "2016-01-12",
            },
        ],
    },
}


def write_roll_file(path: Path, voters: int, seed: int = 2016) -> None:
    """A roll of ``voters`` people (plus 2 MPs holding seats) in the roll format."""
    rng = random.Random(seed)
    base = date(2000, 1, 1)
    window = datetime(2016, 7, 18, 16, 0, tzinfo=UTC)
    empty = [""] * len(COLUMNS)
    col = {c: i for i, c in enumerate(COLUMNS)}
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for i in range(2):
            row = list(empty)
            row[col["person_id"]] = f"mp{i}"
            row[col["name"]] = f"MP {i}"
            row[col["kind"]] = "seat"
            row[col["start"]] = "2015-05-07"
            row[col["body"]] = "plp"
            out.writerow(row)
        for i in range(voters):
            row = list(empty)
            row[col["person_id"]] = f"P{i:08d}"
            row[col["name"]] = f"Voter {i}"
            row[col["email"]] = f"voter{i}@example.org"
            r = rng.random()
            if r < 0.55:
                row[col["kind"]] = "member"
                row[col["start"]] = (base + timedelta(days=rng.randrange(6000))).isoformat()
            elif r < 0.80:
                row[col["kind"]] = "affiliated supporter"
                row[col["start"]] = (base + timedelta(days=rng.randrange(6000))).isoformat()
                row[col["affiliate"]] = rng.choice(("unite", "unison", "gmb"))
            else:
                row[col["kind"]] = "registered supporter"
                row[col["start"]] = "2016-07-18"
                paid = window + timedelta(seconds=rng.randrange(60 * 60 * 50))
                row[col["fee_paid_at"]] = paid.isoformat()
                row[col["fee_pence"]] = "2500"
            out.writerow(row)


def run(url: str, voters: int, workdir: Path, schema: str | None) -> dict[str, float]:
    """Run the three steps on ``url``; return their wall times in seconds."""
    roll_file = workdir / "roll.csv"
    t0 = time.perf_counter()
    write_roll_file(roll_file, voters)
    print(f"generated {voters:,} voters in {time.perf_counter() - t0:.1f} s (not timed)")
    database = connect(url, schema=schema)
    migrate(database)
    uow = SqlUnitOfWork(database)
    clock = FixedClock(datetime(2016, 7, 11, 9, 0, tzinfo=UTC))
    organisations.create_organisation(
        uow=uow, clock=clock, officer=RO, organisation_id="lab", name="Labour"
    )
    organisations.add_body(
        uow=uow, clock=clock, officer=RO, organisation_id="lab", body_id="plp", name="PLP"
    )
    for aff in ("unite", "unison", "gmb"):
        organisations.add_affiliate(
            uow=uow,
            clock=clock,
            officer=RO,
            organisation_id="lab",
            affiliate_id=aff,
            name=aff.upper(),
            kind=AffiliateKind.UNION,
        )
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    s0 = _server_cpu(uow)
    t = time.perf_counter()
    c = time.process_time()
    imported = import_roll(uow=uow, clock=clock, officer=RO, organisation="lab", path=roll_file)
    times["import"] = time.perf_counter() - t
    cpu["import"] = time.process_time() - c
    assert imported.summary is not None
    print(
        f"import   {times['import']:6.1f} s  (cpu {cpu['import']:.1f} s)  "
        f"{imported.summary.people:,} people" + _server_part(uow, s0)
    )
    contests.create_contest(
        uow=uow, clock=clock, officer=RO, organisation_id="lab", contest_id="c", spec=SPEC
    )
    # a leadership contest opens nominations first; one candidate more than the seats
    contests.open_nominations(uow=uow, clock=clock, officer=RO, contest_id="c")
    contests.nominate(
        uow=uow, clock=clock, officer=RO, contest_id="c", nominator="mp0", candidate="mp0"
    )
    contests.nominate(
        uow=uow, clock=clock, officer=RO, contest_id="c", nominator="mp1", candidate="mp1"
    )
    contests.close_nominations(uow=uow, clock=clock, officer=RO, contest_id="c")
    s0 = _server_cpu(uow)
    t = time.perf_counter()
    c = time.process_time()
    contests.open_voting(uow=uow, clock=clock, officer=RO, contest_id="c")
    times["open voting (freeze roll)"] = time.perf_counter() - t
    cpu["freeze"] = time.process_time() - c
    print(
        f"freeze   {times['open voting (freeze roll)']:6.1f} s  (cpu {cpu['freeze']:.1f} s)"
        + _server_part(uow, s0)
    )
    s0 = _server_cpu(uow)
    t = time.perf_counter()
    c = time.process_time()
    issued = credentials.issue_credentials(uow=uow, clock=clock, officer=RO, contest_id="c")
    written = write_credentials(workdir / "credentials.csv", issued)
    times["issue credentials + file"] = time.perf_counter() - t
    cpu["issue"] = time.process_time() - c
    print(
        f"issue    {times['issue credentials + file']:6.1f} s  (cpu {cpu['issue']:.1f} s)  "
        f"{written:,} credentials" + _server_part(uow, s0)
    )
    times["total"] = sum(times.values())
    print(
        f"TOTAL    {times['total']:6.1f} s  (this process's cpu {sum(cpu.values()):.1f} s; "
        f"{database.backend}; the database server's own cpu is not included)"
    )
    server = _server_cpu(uow)
    if server is not None:
        print(f"         the server process of this session: {server:.1f} s of cpu in all")
    uow.close()
    database.dispose()
    return times


def _server_part(uow: SqlUnitOfWork, before: float | None) -> str:
    after = _server_cpu(uow)
    if before is None or after is None:
        return ""
    return f"  (server {after - before:.1f} s)"


def _server_cpu(uow: SqlUnitOfWork) -> float | None:
    """CPU seconds used so far by the PostgreSQL backend of ``uow``'s session.

    Read from /proc, so only for a server on this machine; None on SQLite or elsewhere.
    """
    if uow.sqlite:
        return None
    with uow:
        pid = uow.one("SELECT pg_backend_pid()")[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=1_000_000)
    parser.add_argument("--url", default="", help="database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if not args.url:
            run(f"sqlite:///{workdir / 'bench.db'}", args.voters, workdir, None)
            return
        schema = f"bench_{secrets.token_hex(4)}"
        admin = create_engine(args.url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            run(args.url, args.voters, workdir, schema)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
