"""Load benchmark of casting through the real HTTP path: ``POST
/api/v1/contests/{id}/ballots`` served by uvicorn + the tellers app, on PostgreSQL
and on SQLite, driven by a separate load-generating process on loopback.

For each backend it:

1. creates a fresh database (SQLite file; PostgreSQL: a new schema on the server named
   by ``TELLERS_BENCH_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``),
   an organisation of ``--voters`` members, an IRV contest open for voting, and issues
   every voter's code (through the services, as an officer would);
2. starts the server in its own process (``--workers`` uvicorn processes);
3. starts the load generator in its own process: ``--concurrency`` keep-alive HTTP/1.1
   connections on asyncio (a minimal client, so the generator costs little CPU), each
   casting one ballot per code until ``--casts`` ballots are cast; every request's
   latency is recorded;
4. checks afterwards that the box holds exactly one ballot per accepted cast and the
   roll marks as many voters (durable: each cast is committed before the 201);
5. measures ceilings to show where the time goes: ``GET /healthz`` through the same
   HTTP stack (no database, no thread), and casting in-process (no HTTP), one
   ``cast_ballot`` transaction each and ``cast_ballots`` in groups of 32.

The server commits concurrent casts in groups (:mod:`tellers.web.batcher`): a 201 still
means the ballot's transaction has committed (PostgreSQL ``synchronous_commit=on``). The
server process freezes its start-up heap out of the garbage collector
(:func:`tellers.web.app.freeze_start_up_heap`), as ``tellers serve`` does.

Usage (from the repository root)::

    .venv/bin/python bench/web_load_bench.py                      # both backends
    .venv/bin/python bench/web_load_bench.py --backend sqlite --casts 5000
    .venv/bin/python bench/web_load_bench.py --workers 2 --concurrency 64 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CONTEST = "bench"
OPTIONS = ["a", "b", "c", "d"]
GROUP = 32
"""Casts per transaction in the in-process group-commit ceiling."""


# -- set-up (parent process) ----------------------------------------------------------


def _setup(url: str, schema: str | None, voters: int) -> list[str]:
    from tellers.domain.ids import OfficerId
    from tellers.domain.membership import MembershipKind
    from tellers.services import contests, credentials, organisations
    from tellers.services.people import MembershipRow, PersonRow, import_people
    from tellers.storage.memory import SystemClock
    from tellers.storage.sql import SqlUnitOfWork, connect, migrate

    if schema is not None:
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
    db = connect(url, schema=schema)
    migrate(db)
    uow = SqlUnitOfWork(db)
    clock = SystemClock()
    ro = OfficerId("bench")
    org = organisations.create_organisation(
        uow=uow, clock=clock, officer=ro, organisation_id="org", name="Bench"
    )
    # Work around the SQL store's PostgreSQL COPY path reading the organisation on the
    # same connection mid-COPY (which blocks): answer that one read from memory.
    repo = uow.organisations
    repo.get = lambda organisation_id: org  # type: ignore[method-assign]
    rows = (
        PersonRow(
            id=f"P{i:07d}",
            name=f"Voter {i}",
            memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=date(2020, 1, 1)),),
        )
        for i in range(voters)
    )
    import_people(uow=uow, clock=clock, officer=ro, organisation_id="org", rows=rows)
    spec = {
        "kind": "election",
        "title": "Bench",
        "method": "irv",
        "candidates": [{"id": k, "name": k.upper()} for k in OPTIONS],
        "electorate": {"version": "1", "sections": [{"name": "members", "kind": "member"}]},
    }
    contests.create_contest(
        uow=uow, clock=clock, officer=ro, organisation_id="org", contest_id=CONTEST, spec=spec
    )
    contests.open_voting(uow=uow, clock=clock, officer=ro, contest_id=CONTEST)
    issued = credentials.issue_credentials(uow=uow, clock=clock, officer=ro, contest_id=CONTEST)
    uow.close()
    db.dispose()
    return [i.code for i in issued]


def _count(url: str, schema: str | None) -> tuple[int, int]:
    from tellers.domain.ids import ContestId
    from tellers.storage.sql import SqlUnitOfWork, connect

    db = connect(url, schema=schema)
    uow = SqlUnitOfWork(db)
    with uow:
        out = (uow.ballots.count(ContestId(CONTEST)), uow.roll.voted_count(ContestId(CONTEST)))
    uow.close()
    db.dispose()
    return out


def _in_process(url: str, schema: str | None, codes: list[str]) -> tuple[float, float]:
    """Casts per second calling the services directly (no HTTP), one connection: the
    first half with ``cast_ballot`` (a commit each), the second with ``cast_ballots`` in
    groups of :data:`GROUP` (what the server's group commit runs)."""
    from tellers.services.voting import cast_ballot, cast_ballots
    from tellers.storage.sql import SqlUnitOfWork, connect

    db = connect(url, schema=schema)
    uow = SqlUnitOfWork(db)
    rng = random.Random(1)
    alone, grouped = codes[: len(codes) // 2], codes[len(codes) // 2 :]
    start = time.perf_counter()
    for code in alone:
        cast_ballot(uow=uow, contest_id=CONTEST, credential=code, ranking=rng.sample(OPTIONS, 3))
    one_each = len(alone) / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(0, len(grouped), GROUP):
        casts = [(code, rng.sample(OPTIONS, 3)) for code in grouped[i : i + GROUP]]
        cast_ballots(uow=uow, contest_id=CONTEST, casts=casts)
    in_groups = len(grouped) / (time.perf_counter() - start)
    uow.close()
    db.dispose()
    return one_each, in_groups


# -- the server (child process) -------------------------------------------------------


def app_factory() -> Any:
    """The app for uvicorn's ``--factory`` (configured by environment variables)."""
    from tellers.cli.serve import build_context
    from tellers.web.app import create_app, freeze_start_up_heap

    ctx = build_context(
        database_url=os.environ["TELLERS_BENCH_URL"],
        schema=os.environ.get("TELLERS_BENCH_SCHEMA") or None,
        base_url="http://127.0.0.1",
        secure_cookies=False,
        secret_key="bench-" + "k" * 40,
    )
    app = create_app(ctx)
    freeze_start_up_heap()  # as tellers.cli.serve:app_from_environment does
    return app


def _serve(port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "web_load_bench:app_factory",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        app_dir=str(BENCH),
    )


# -- the load generator (child process) -----------------------------------------------


async def _connection(
    port: int, requests: list[bytes], latencies: list[float], statuses: dict[int, int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for req in requests:
            t0 = time.perf_counter()
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


def _request(method: str, path: str, body: bytes = b"") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _load(port: int, codes_file: str, concurrency: int, mode: str, seconds: float) -> None:
    codes = json.loads(Path(codes_file).read_text())
    rng = random.Random(7)
    if mode == "cast":
        reqs = [
            _request(
                "POST",
                f"/api/v1/contests/{CONTEST}/ballots",
                json.dumps({"credential": c, "ranking": rng.sample(OPTIONS, 3)}).encode(),
            )
            for c in codes
        ]
    else:
        reqs = [_request("GET", "/healthz")] * int(codes)
    share = [reqs[i::concurrency] for i in range(concurrency)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def main() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(_connection(port, s, latencies, statuses) for s in share))
        return time.perf_counter() - start

    elapsed = asyncio.run(main())
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0]
    print(
        json.dumps(
            {
                "requests": len(latencies),
                "elapsed_s": elapsed,
                "per_second": len(latencies) / elapsed,
                "p50_ms": q[49] * 1000,
                "p90_ms": q[89] * 1000,
                "p99_ms": q[98] * 1000,
                "max_ms": latencies[-1] * 1000,
                "statuses": statuses,
            }
        )
    )


# -- orchestration --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            msg = "the server exited during start-up"
            raise RuntimeError(msg)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    msg = "the server did not start"
    raise RuntimeError(msg)


def _child(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
    )


def run_backend(backend: str, opts: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        url = os.environ.get("TELLERS_BENCH_POSTGRES_URL", DEFAULT_PG)
        schema = f"webbench_{os.getpid()}"
    t0 = time.perf_counter()
    codes = _setup(url, schema, opts.casts + opts.in_process)
    setup_s = time.perf_counter() - t0
    http_codes, direct_codes = codes[: opts.casts], codes[opts.casts :]
    codes_file = tmp / f"codes-{backend}.json"
    codes_file.write_text(json.dumps(http_codes))
    port = _free_port()
    server = _child(
        ["_serve", str(port), str(opts.workers)],
        {"TELLERS_BENCH_URL": url, "TELLERS_BENCH_SCHEMA": schema or ""},
    )
    try:
        _wait_up(port, server)
        warm = tmp / "warm.json"
        warm.write_text(json.dumps(str(200)))
        _child(["_load", str(port), str(warm), "4", "health", "0"]).communicate()
        load = _child(["_load", str(port), str(codes_file), str(opts.concurrency), "cast", "0"])
        out, _ = load.communicate()
        cast = json.loads(out)
        health_file = tmp / "health.json"
        health_file.write_text(json.dumps(str(opts.casts)))
        hl = _child(["_load", str(port), str(health_file), str(opts.concurrency), "health", "0"])
        health = json.loads(hl.communicate()[0])
    finally:
        server.terminate()
        server.wait(30)
    ballots, voted = _count(url, schema)
    direct, grouped = _in_process(url, schema, direct_codes) if direct_codes else (0.0, 0.0)
    accepted = cast["statuses"].get("201", cast["statuses"].get(201, 0))
    result = {
        "backend": backend,
        "workers": opts.workers,
        "concurrency": opts.concurrency,
        "setup_s": round(setup_s, 1),
        "casts": cast,
        "accepted": accepted,
        "ballots_in_box": ballots,
        "voters_marked": voted,
        "healthz": health,
        "in_process_casts_per_s": round(direct, 1),
        "in_process_group_casts_per_s": round(grouped, 1),
    }
    if schema is not None:
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return result


def _report(r: dict[str, Any]) -> str:
    c, h = r["casts"], r["healthz"]
    return (
        f"{r['backend']:<11} workers={r['workers']} conc={r['concurrency']}: "
        f"{c['per_second']:7.0f} casts/s  p50 {c['p50_ms']:6.1f} ms  p99 {c['p99_ms']:6.1f} ms  "
        f"(accepted {r['accepted']}, in box {r['ballots_in_box']}, marked {r['voters_marked']}) | "
        f"GET /healthz {h['per_second']:6.0f}/s | "
        f"in-process cast {r['in_process_casts_per_s']:6.0f}/s, "
        f"in groups of {GROUP} {r['in_process_group_casts_per_s']:6.0f}/s"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_serve":
        _serve(int(sys.argv[2]), int(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_load":
        _load(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], float(sys.argv[6]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--casts", type=int, default=10_000, help="ballots cast over HTTP")
    parser.add_argument("--in-process", type=int, default=2_000, help="casts without HTTP")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    backends = ["postgresql", "sqlite"] if opts.backend == "both" else [opts.backend]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            r = run_backend(backend, opts, Path(tmp))
            print(_report(r), flush=True)
            results.append(r)
    if opts.json is not None:
        opts.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
