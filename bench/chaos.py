"""Chaos run: cast ballots while the server is killed with SIGKILL and restarted.

    .venv/bin/python bench/chaos.py                  # 100 restarts on SQLite and PostgreSQL
    .venv/bin/python bench/chaos.py --quick          # about 10 restarts on SQLite (smoke)
    .venv/bin/python bench/chaos.py --backend postgresql --restarts 100

What happens:

1. A fresh database (a temporary SQLite file, or a dedicated PostgreSQL database
   ``chaos_<random>`` on ``--postgres``, created here and dropped at the end) gets a
   motion with ``--voters`` members, voting open, and one credential each, through the
   services. The codes stay in this process: it plays the voters.
2. ``tellers serve`` runs on it. Voter threads cast over the JSON API
   (``POST /api/v1/contests/{id}/ballots``); one more voter casts through the CLI
   (``tellers cast``, the code on standard input). A voter whose request failed without
   an answer (connection refused or reset, a timeout) tries again later with the same
   code, as a person would; "already used" on a retry means the first attempt counted.
3. A supervisor kills the server with SIGKILL at random moments (and sometimes the CLI
   caster too) and starts it again, ``--restarts`` times.
4. Then, from the database itself: every receipt a voter received must match exactly one
   stored ballot (``lost`` counts receipts with no ballot, ``doubled`` tracking codes
   stored twice plus ballots beyond the credentials used); every stored ballot must have
   its roll entry marked voted and its credential used (the three counts are equal); no
   credential was used twice; the audit chain must verify.

The last line reads ``chaos: restarts=R attempted=A receipts=N stored=S lost=L doubled=D``
(one per backend); the exit status is 1 if anything was lost or doubled or a check
failed. ``stored`` may exceed ``receipts`` by the ballots whose answer was lost in a kill
(the voter's retry was told the code had been used): those are counted, not lost.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from tellers.domain.ids import OfficerId
from tellers.domain.membership import MembershipKind
from tellers.services import audit, contests, credentials, organisations, people
from tellers.services.people import MembershipRow, PersonRow
from tellers.storage.memory import FixedClock
from tellers.storage.sql import SqlUnitOfWork, connect, migrate

REPO = Path(__file__).resolve().parents[1]
TELLERS = REPO / ".venv" / "bin" / "tellers"
RO = OfficerId("returning-officer")
CONTEST = "strike"
MOTION = {
    "kind": "motion",
    "title": "Industrial action ballot",
    "question": "Are you prepared to take part in industrial action short of a strike?",
    "electorate": {
        "version": "chaos",
        "sections": [{"name": "members", "kind": "member", "channels": ["online", "post"]}],
    },
}


@dataclass
class Tally:
    """What the voters saw."""

    attempted: int = 0
    receipts: dict[str, str] = field(default_factory=dict)  # code -> tracking code
    already_used: int = 0  # retries told the code was used (the first attempt counted)
    unanswered: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    cli_casts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(url: str, voters: int) -> list[str]:
    database = connect(url)
    migrate(database)
    uow = SqlUnitOfWork(database)
    clock = FixedClock(datetime.now(UTC))
    try:
        organisations.create_organisation(
            uow=uow, clock=clock, officer=RO, organisation_id="union", name="A union"
        )
        rows = [
            PersonRow(
                id=f"m{i:05d}",
                name=f"Member {i}",
                memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=date(2020, 1, 1)),),
            )
            for i in range(voters)
        ]
        people.import_people(uow=uow, clock=clock, officer=RO, organisation_id="union", rows=rows)
        contests.create_contest(
            uow=uow,
            clock=clock,
            officer=RO,
            organisation_id="union",
            contest_id=CONTEST,
            spec=MOTION,
        )
        contests.open_voting(uow=uow, clock=clock, officer=RO, contest_id=CONTEST)
        issued = credentials.issue_credentials(uow=uow, clock=clock, officer=RO, contest_id=CONTEST)
        return [c.code for c in issued]
    finally:
        uow.close()
        database.dispose()


class Server:
    """``tellers serve`` as a child process that can be killed and restarted."""

    def __init__(self, url: str, port: int, log: Path) -> None:
        self.url, self.port, self.log = url, port, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        env = {**os.environ, "TELLERS_DATABASE_URL": self.url, "TELLERS_SECRET_KEY": "c" * 64}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(TELLERS), "serve", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        began = time.monotonic()
        while time.monotonic() - began < 60:
            if self.process.poll() is not None:
                msg = f"tellers serve exited with {self.process.returncode}; see {self.log}"
                raise RuntimeError(msg)
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/api/v1/contests", timeout=1)
                return time.monotonic() - began
            except httpx.HTTPError:
                time.sleep(0.05)
        msg = "tellers serve did not answer within 60 s"
        raise RuntimeError(msg)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def _voter(base: str, queue: list[str], tally: Tally, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    client = httpx.Client(timeout=5)
    while not stop.is_set():
        with tally.lock:
            if not queue:
                return
            code = queue.pop(rng.randrange(len(queue)))
            tally.attempted += 1
        try:
            answer = client.post(
                f"{base}/api/v1/contests/{CONTEST}/ballots",
                json={"credential": code, "ranking": [rng.choice(["yes", "no"])]},
            )
        except httpx.HTTPError:
            with tally.lock:
                tally.unanswered += 1
                queue.append(code)  # try again later, as a voter would
            time.sleep(0.2)
            continue
        with tally.lock:
            if answer.status_code == 201:
                tally.receipts[code] = answer.json()["tracking_code"]
            elif answer.status_code == 409 and "already" in answer.text:
                tally.already_used += 1
            else:
                tally.refused[f"{answer.status_code} {answer.text[:80]}"] += 1
        time.sleep(0.01)  # a voter's pace, not a flood


class CliVoter:
    """One voter at a time through ``tellers cast`` (the code on standard input)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.process: subprocess.Popen[str] | None = None

    def run(self, queue: list[str], tally: Tally, stop: threading.Event) -> None:
        env = {**os.environ, "TELLERS_DATABASE_URL": self.url}
        while not stop.is_set():
            with tally.lock:
                if not queue:
                    return
                code = queue.pop()
                tally.attempted += 1
            self.process = subprocess.Popen(
                [str(TELLERS), "cast", CONTEST, "yes"],
                env=env,
                text=True,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            out, err = self.process.communicate(code + "\n")
            with tally.lock:
                if self.process.returncode == 0 and "tracking code" in out:
                    tally.receipts[code] = out.rsplit("tracking code", 1)[1].strip()
                    tally.cli_casts += 1
                elif self.process.returncode == -signal.SIGKILL:
                    tally.unanswered += 1
                    queue.append(code)
                elif "already" in (out + err):
                    tally.already_used += 1
                else:
                    tally.refused[f"cli {self.process.returncode} {err.strip()[-80:]}"] += 1

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)


def _check(url: str, tally: Tally) -> dict[str, int]:
    database = connect(url)
    try:
        with database.engine.connect() as conn:
            stored = (
                conn.execute(
                    text("SELECT tracking_code FROM ballots WHERE contest_id = :c"), {"c": CONTEST}
                )
                .scalars()
                .all()
            )
            voted = conn.execute(
                text("SELECT COUNT(*) FROM roll WHERE contest_id = :c AND voted"), {"c": CONTEST}
            ).scalar_one()
            used = conn.execute(
                text("SELECT COUNT(*) FROM credentials WHERE contest_id = :c AND status = 'used'"),
                {"c": CONTEST},
            ).scalar_one()
        uow = SqlUnitOfWork(database)
        try:
            audit.verify_audit_log(uow=uow)
            chain = 1
        except Exception as err:  # noqa: BLE001 - reported as a failed check
            print(f"  audit chain: BROKEN: {err}")
            chain = 0
        finally:
            uow.close()
    finally:
        database.dispose()
    counts = Counter(stored)
    receipts = list(tally.receipts.values())
    lost = sum(1 for r in receipts if counts[r] == 0)
    doubled = sum(n - 1 for n in counts.values() if n > 1) + max(0, len(stored) - used)
    return {
        "stored": len(stored),
        "voted": int(voted),
        "used": int(used),
        "lost": lost,
        "doubled": doubled,
        "chain": chain,
        "receipts": len(receipts),
        "receipts_distinct": len(set(receipts)),
    }


def run(backend: str, restarts: int, voters: int, threads: int, postgres: str) -> bool:
    """One chaos run on one backend; prints the figures; True when everything held."""
    work = Path(tempfile.mkdtemp(prefix=f"tellers-chaos-{backend}-"))
    admin = None
    if backend == "sqlite":
        url = f"sqlite:///{work / 'tellers.db'}"
    else:
        name = f"chaos_{secrets.token_hex(5)}"
        admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = f"{postgres.rpartition('/')[0]}/{name}"
    try:
        return _run(backend, url, work, restarts, voters, threads)
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _run(backend: str, url: str, work: Path, restarts: int, voters: int, threads: int) -> bool:
    print(
        f"chaos on {backend}: {voters} voters, {threads} HTTP voters + 1 CLI voter, "
        f"{restarts} SIGKILL restarts (logs in {work})"
    )
    codes = _seed(url, voters)
    rng = random.Random(secrets.randbits(32))
    queue = list(codes)
    tally = Tally()
    server = Server(url, _free_port(), work / "serve.log")
    startup = [server.start()]
    stop = threading.Event()
    base = f"http://127.0.0.1:{server.port}"
    workers = [
        threading.Thread(target=_voter, args=(base, queue, tally, stop, i), daemon=True)
        for i in range(threads)
    ]
    cli = CliVoter(url)
    workers.append(threading.Thread(target=cli.run, args=(queue, tally, stop), daemon=True))
    for w in workers:
        w.start()
    survived = 0
    began = time.monotonic()
    try:
        for _ in range(restarts):
            time.sleep(rng.uniform(0.1, 1.5))  # serving for a random while
            server.kill()
            if rng.random() < 0.3:
                cli.kill()
            startup.append(server.start())
            survived += 1
            with tally.lock:
                if not queue:
                    break
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=30)
        server.kill()
    elapsed = time.monotonic() - began
    figures = _check(url, tally)
    ok = (
        figures["lost"] == 0
        and figures["doubled"] == 0
        and figures["chain"] == 1
        and figures["stored"] == figures["voted"] == figures["used"]
        and figures["receipts"] == figures["receipts_distinct"]
        and not tally.refused
    )
    print(f"  casts attempted:          {tally.attempted} (HTTP and CLI; retries included)")
    print(f"  receipts issued:          {figures['receipts']} ({tally.cli_casts} by the CLI)")
    print(f"  ballots stored:           {figures['stored']}")
    print(f"  roll entries voted:       {figures['voted']}")
    print(f"  credentials used:         {figures['used']}")
    print(f"  answers lost in a kill:   {tally.unanswered} (retried)")
    print(f"  retries told 'already used': {tally.already_used}")
    print(f"  stored without a receipt: {figures['stored'] - figures['receipts']}")
    print(f"  refused otherwise:        {dict(tally.refused) or 0}")
    print(f"  audit chain:              {'intact' if figures['chain'] else 'BROKEN'}")
    log = (work / "serve.log").read_text(errors="replace")
    leaked = [c for c in codes if c in log or c.replace("-", "") in log]
    print(f"  codes in the server log:  {len(leaked)}")
    ok = ok and not leaked
    print(
        f"  restarts survived:        {survived} (server start {min(startup):.2f}-"
        f"{max(startup):.2f} s), {elapsed:.0f} s in all"
    )
    print(
        f"  losses: {figures['lost']}  doubles: {figures['doubled']}  -> {'OK' if ok else 'FAILED'}"
    )
    print(
        f"chaos: restarts={survived} attempted={tally.attempted} receipts={figures['receipts']} "
        f"stored={figures['stored']} lost={figures['lost']} doubled={figures['doubled']}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="about 10 restarts, SQLite only")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default=None)
    parser.add_argument("--restarts", type=int, default=None)
    parser.add_argument("--voters", type=int, default=None)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "TELLERS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="a server where a scratch database can be created and dropped",
    )
    args = parser.parse_args(argv)
    backend = args.backend or ("sqlite" if args.quick else "both")
    restarts = args.restarts or (10 if args.quick else 100)
    voters = args.voters or (2000 if args.quick else 20000)
    backends = ["sqlite", "postgresql"] if backend == "both" else [backend]
    results = [run(b, restarts, voters, args.threads, args.postgres) for b in backends]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
