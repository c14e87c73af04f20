"""Measured secrecy: an adversary with a full copy of the database after the close.

10,000 voters cast ballots through the real services on the SQL store (SQLite, and
PostgreSQL when ``TELLERS_TEST_POSTGRES_URL`` is set), in an order unrelated to their
ids, as real voters do. Then the adversary, holding the whole database and the logs,
tries to link voters to ballots:

- by **every ordering** the store offers of the voters who voted (the roll and the
  credentials: primary key, physical order on a full scan, SQLite ``rowid``,
  PostgreSQL ``ctid`` and ``xmin``) against every ordering of the ballots (physical,
  ``ctid``, ``xmin``, ids, tracking codes; forwards and backwards), guessing that the
  k-th voter cast the k-th ballot;
- by **joining on the transaction id** (PostgreSQL ``xmin``): the roll row a cast
  updates and the ballot it inserts carry the id of the transaction that wrote them;
- by **timestamps** (any column of the ballot box that looks like a time) and by the
  **audit log and the application's log lines** (any line naming a ballot, a tracking
  code or a credential).

Each strategy's accuracy is the share of voters linked to their own ballot; chance is
1/N (one correct link expected among N). A strategy "does no better than chance" when
it links fewer than :data:`MAX_CORRECT` voters (for a random matching the number of
correct links is Poisson(1): P(>= 8) is about 1e-5). The measured accuracies are
printed (``pytest -s``) for the report.
"""

from __future__ import annotations

import logging
import os
import random
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from tellers.domain.ids import OfficerId
from tellers.domain.membership import MembershipKind
from tellers.services import contests, credentials, organisations, people, results, voting
from tellers.services.people import MembershipRow, PersonRow
from tellers.storage.memory import FixedClock
from tellers.storage.sql import Database, SqlUnitOfWork

N = int(os.environ.get("TELLERS_SECRECY_VOTERS", "10000"))
MAX_CORRECT = 8
RO = OfficerId("returning-officer")
OPTIONS = ("a", "b", "c", "d")

pytestmark = pytest.mark.slow


def _rows(n: int) -> Iterator[PersonRow]:
    for i in range(n):
        yield PersonRow(
            id=f"M{i:06d}",
            name=f"Member {i}",
            memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=date(2019, 1, 1)),),
        )


SPEC = {
    "kind": "election",
    "title": "Secrecy trial",
    "rule_version": "r1",
    "method": "irv",
    "seed": 7,
    "candidates": [{"id": k, "name": k.upper()} for k in OPTIONS],
    "electorate": {"version": "e1", "sections": [{"name": "members", "kind": "member"}]},
}


def _run(database: Database, n: int) -> dict[str, str]:
    """Run the election; returns the truth: person id -> ballot id (adversary never sees it)."""
    uow = SqlUnitOfWork(database)
    clock = FixedClock(datetime(2024, 6, 1, 9, 0, tzinfo=UTC))
    organisations.create_organisation(
        uow=uow, clock=clock, officer=RO, organisation_id="org", name="Org"
    )
    people.import_people(uow=uow, clock=clock, officer=RO, organisation_id="org", rows=_rows(n))
    contests.create_contest(
        uow=uow, clock=clock, officer=RO, organisation_id="org", contest_id="c1", spec=SPEC
    )
    contests.open_voting(uow=uow, clock=clock, officer=RO, contest_id="c1")
    issued = credentials.issue_credentials(uow=uow, clock=clock, officer=RO, contest_id="c1")
    rng = random.Random(20240601)
    order = list(issued)
    rng.shuffle(order)
    code_of: dict[str, str] = {}
    for cred in order:
        clock.advance(timedelta(seconds=1))
        ranking = list(OPTIONS)
        rng.shuffle(ranking)
        receipt = voting.cast_ballot(
            uow=uow, contest_id="c1", credential=cred.code, ranking=ranking[: rng.randint(1, 4)]
        )
        code_of[cred.person_id] = receipt.tracking_code
    contests.close_voting(uow=uow, clock=clock, officer=RO, contest_id="c1")
    results.count(uow=uow, clock=clock, officer=RO, contest_id="c1")
    uow.close()
    with database.engine.connect() as conn:
        ids: dict[str, str] = dict(
            conn.execute(text("SELECT tracking_code, id FROM ballots")).all()
        )
    return {person: ids[code] for person, code in code_of.items()}


# -- the adversary ------------------------------------------------------------------------


def _column(conn: Any, sql: str) -> list[str]:
    return [str(r[0]) for r in conn.execute(text(sql)).all()]


def _voter_orderings(conn: Any, backend: str) -> dict[str, list[str]]:
    voted = "voted = true" if backend == "postgresql" else "voted = 1"
    # The queries below are built from constants only.
    out = {
        "roll by primary key": _column(
            conn,
            f"SELECT person_id FROM roll WHERE {voted} ORDER BY contest_id, person_id",  # noqa: S608
        ),
        "roll full scan": _column(conn, f"SELECT person_id FROM roll WHERE {voted}"),  # noqa: S608
        "credentials full scan": _column(
            conn, "SELECT person_id FROM credentials WHERE status = 'used'"
        ),
        "credentials by id": _column(
            conn, "SELECT person_id FROM credentials WHERE status = 'used' ORDER BY id"
        ),
    }
    if backend == "sqlite":
        out["credentials by rowid"] = _column(
            conn, "SELECT person_id FROM credentials WHERE status = 'used' ORDER BY rowid"
        )
    else:
        out["roll by ctid"] = _column(
            conn,
            f"SELECT person_id FROM roll WHERE {voted} ORDER BY ctid",  # noqa: S608
        )
        out["roll by xmin"] = _column(
            conn,
            f"SELECT person_id FROM roll WHERE {voted} ORDER BY xmin::text::bigint, ctid",  # noqa: S608
        )
        out["credentials by ctid"] = _column(
            conn, "SELECT person_id FROM credentials WHERE status = 'used' ORDER BY ctid"
        )
        out["credentials by xmin"] = _column(
            conn,
            "SELECT person_id FROM credentials WHERE status = 'used' "
            "ORDER BY xmin::text::bigint, ctid",
        )
    return out


def _ballot_orderings(conn: Any, backend: str) -> dict[str, list[str]]:
    out = {
        "ballots full scan": _column(conn, "SELECT id FROM ballots"),
        "ballots by id": _column(conn, "SELECT id FROM ballots ORDER BY id"),
        "ballots by tracking code": _column(conn, "SELECT id FROM ballots ORDER BY tracking_code"),
    }
    if backend == "postgresql":
        out["ballots by ctid"] = _column(conn, "SELECT id FROM ballots ORDER BY ctid")
        out["ballots by xmin"] = _column(
            conn, "SELECT id FROM ballots ORDER BY xmin::text::bigint, ctid"
        )
    for name, ids in list(out.items()):
        out[name + " (reversed)"] = ids[::-1]
    return out


def _accuracy(voters: Sequence[str], ballots: Sequence[str], truth: dict[str, str]) -> float:
    correct = sum(1 for v, b in zip(voters, ballots, strict=False) if truth.get(v) == b)
    return correct / len(truth)


def _xmin_join(conn: Any, truth: dict[str, str]) -> float:
    roll = dict(
        conn.execute(text("SELECT xmin::text, person_id FROM roll WHERE voted = true")).all()
    )
    ballots = conn.execute(text("SELECT xmin::text, id FROM ballots")).all()
    correct = sum(1 for x, bid in ballots if truth.get(roll.get(x, "")) == bid)
    return correct / len(truth)


_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d|^\d{10}(\.\d+)?$")


def _time_like_columns(conn: Any) -> list[str]:
    rows = conn.execute(text("SELECT * FROM ballots")).mappings().all()
    found = set()
    for row in rows[:500]:
        for column, value in row.items():
            if value is not None and _TIME.search(str(value)):
                found.add(column)
    names = list(rows[0].keys()) if rows else []
    found |= {c for c in names if re.search(r"time|date|_at$|created|updated|seq", c)}
    return sorted(found)


def test_an_adversary_with_the_database_links_voters_to_ballots_no_better_than_chance(
    database: Database,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    truth = _run(database, N)
    log = caplog.text
    backend = database.backend
    report: dict[str, float] = {}
    with database.engine.connect() as conn:
        voters = _voter_orderings(conn, backend)
        ballots = _ballot_orderings(conn, backend)
        for vname, vorder in voters.items():
            assert len(vorder) == len(truth), vname
            for bname, border in ballots.items():
                report[f"{vname} x {bname}"] = _accuracy(vorder, border, truth)
        if backend == "postgresql":
            report["join roll.xmin = ballots.xmin"] = _xmin_join(conn, truth)
        time_columns = _time_like_columns(conn)
        codes = set(_column(conn, "SELECT tracking_code FROM ballots"))
        audit_text = "\n".join(_column(conn, "SELECT parameters FROM audit"))
    chance = 1 / len(truth)
    with capsys.disabled():
        sys.stdout.write(f"\nsecrecy on {backend}, N = {len(truth)}, chance 1/N = {chance:.6f}\n")
        for name, acc in sorted(report.items(), key=lambda kv: -kv[1]):
            sys.stdout.write(f"  {acc:.6f}  ({acc * len(truth):.0f} correct)  {name}\n")
    # No time in the ballot box; no ballot id or tracking code in the audit log or logs.
    assert time_columns == [], f"time-like data in the ballot box: {time_columns}"
    written = log + "\n" + audit_text
    leaked = [c for c in codes if c in written] + [b for b in truth.values() if b in written]
    assert leaked == [], f"{len(leaked)} ballot ids or tracking codes in the logs"
    worst = max(report.items(), key=lambda kv: kv[1])
    assert worst[1] * len(truth) < MAX_CORRECT, (
        f"{worst[0]} links {worst[1]:.4%} of voters to their ballots (chance {chance:.4%})"
    )
