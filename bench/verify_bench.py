"""Benchmark: verify a signed bulletin board of 1,000,000 ranked ballots (goal: under 20 s).

Builds a board the way ``tellers board`` does (formats.board, signed with a fresh
Ed25519 key), with a short audit log, for an IRV contest of 8 candidates whose ballots
are random rankings truncated at random depths (about 110,000 distinct ballots: far
more varied than a real electorate, so the recount's profile is large), then times:

1. ``verify_board`` in process (read, canonical-form check, signature, digests, decode,
   tracking codes, roll, postal, recount through ``tabulate`` and the engine's profile
   path, audit chain and cross-checks);
2. the ``tellers verify BOARD --audit LOG`` command in a fresh process.

Usage: ``.venv/bin/python bench/verify_bench.py [--ballots N] [--seed S] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from tellers.crypto.hashing import canonical_json, format_instant, sha256_hex
from tellers.crypto.signing import new_election_key
from tellers.domain.audit import AuditEntry
from tellers.domain.ballot import Ballot, Channel
from tellers.domain.ids import BallotId, ContestId, OfficerId, SectionName, TrackingCode
from tellers.domain.result import result_json, tabulate
from tellers.domain.spec import contest_from_spec
from tellers.formats.audit_jsonl import audit_lines
from tellers.formats.board import BOARD_FORMAT, contest_definition, encode_ballots, write_board
from tellers.services.verification import verify_board

CANDIDATES = ("ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal")
ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)


def _codes(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct tracking codes in the usual XXXX-XXXX-XXXX-XXXX form."""
    while True:
        chars = ALPHABET[rng.integers(0, 32, size=(n, 16))]
        dash = np.full((n, 1), ord("-"), dtype=np.uint8)
        grid = np.hstack(
            [chars[:, 0:4], dash, chars[:, 4:8], dash, chars[:, 8:12], dash, chars[:, 12:16]]
        )
        codes = grid.tobytes().decode("ascii")
        out = [codes[i * 19 : (i + 1) * 19] for i in range(n)]
        if len(set(out)) == n:
            return out


def build(n: int, seed: int, where: Path) -> tuple[Path, Path]:
    """Write ``board`` and ``audit.jsonl`` for ``n`` ballots into ``where``."""
    rng = np.random.default_rng(seed)
    spec = {
        "kind": "election",
        "title": "Benchmark leadership ballot",
        "rule_version": "bench-1",
        "method": "irv",
        "seats": 1,
        "seed": seed,
        "candidates": [{"id": c, "name": c.title()} for c in CANDIDATES],
        "electorate": {"version": "e1", "sections": [{"name": "members", "kind": "member"}]},
    }
    contest = contest_from_spec(spec, contest_id=ContestId("bench"), organisation_id="org")  # type: ignore[arg-type]
    from dataclasses import replace

    contest = replace(contest, ballot=tuple(c.id for c in contest.candidates))
    # Random rankings: a random permutation per ballot, cut at a random depth 1..8.
    perms = np.argsort(rng.random((n, len(CANDIDATES))), axis=1)
    depth = rng.integers(1, len(CANDIDATES) + 1, size=n)
    keys: dict[tuple[int, ...], Ballot] = {}
    box: list[Ballot] = []
    for row, d in zip(perms.tolist(), depth.tolist(), strict=True):
        k = tuple(row[:d])
        b = keys.get(k)
        if b is None:
            b = keys[k] = Ballot(
                id=BallotId(""),
                contest_id=contest.id,
                section=SectionName("members"),
                channel=Channel.ONLINE,
                ranking=tuple(CANDIDATES[i] for i in k),
                tracking_code=TrackingCode(""),
            )
        box.append(b)
    eligible = {"members": n + n // 5}
    result = tabulate(contest, box, eligible)
    text = result_json(result)
    at = datetime(2024, 9, 1, 9, 0, tzinfo=UTC)
    officer = OfficerId("returning-officer")
    entries: list[AuditEntry] = []

    def log(action: str, **params: object) -> None:
        nonlocal at
        at += timedelta(hours=1)
        entries.append(
            AuditEntry.after(
                entries[-1] if entries else None,
                officer=officer,
                action=action,
                parameters=params,
                at=at,
            )
        )

    log("create_contest", contest="bench", seed=seed)
    log("open_voting", contest="bench", eligible=eligible["members"], eligible_by_section=eligible)
    log("close_voting", contest="bench", ballots=n, marked_voted=n)
    log("count", contest="bench", result_sha256=sha256_hex(text.encode("utf-8")))
    body = {
        "format": BOARD_FORMAT,
        "phase": "counted",
        "published_at": format_instant(at),
        "contest": contest_definition(contest),
        "seed": {"value": seed, "audit_sequence": 1, "published_at": entries[0].time},
        "tracking_codes": sorted(_codes(n, rng)),
        "ballots": encode_ballots(box, sections=["members"], options=contest.options()),
        "roll": {
            "eligible": eligible["members"],
            "returned": n,
            "not_eligible": 0,
            "sections": [
                {
                    "section": "members",
                    "eligible": eligible["members"],
                    "returned": n,
                    "by_channel": {"online": n},
                }
            ],
        },
        "postal": {
            "batches": [],
            "totals": {"papers": 0, "counted": 0, "spoilt": {}, "refused": {}},
        },
        "result": json.loads(text),
        "declaration": None,
        "audit": {"head_sequence": entries[-1].sequence, "head_hash": entries[-1].hash},
    }
    assert canonical_json(body["result"]).decode() == text
    board = where / "bench.board"
    board.write_bytes(write_board(body, new_election_key()))
    audit = where / "audit.jsonl"
    audit.write_bytes(b"".join(audit_lines(entries)))
    return board, audit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240901)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        board, audit = build(args.ballots, args.seed, where)
        built = time.perf_counter() - t0
        size = board.stat().st_size
        print(f"built a board of {args.ballots:,} ballots ({size / 1e6:.1f} MB) in {built:.1f} s")
        t0 = time.perf_counter()
        report = verify_board(board.read_bytes(), audit=audit.read_bytes(), label=str(board))
        in_process = time.perf_counter() - t0
        for f in report.findings:
            print(f"  {'ok  ' if f.ok else 'FAIL'} {f.check}: {f.detail}")
        verdict = "VERIFIED" if report.ok else "FAILED"
        print(f"verify_board in process: {in_process:.2f} s  ({verdict})")
        exe = Path(sys.executable).with_name("tellers")
        t0 = time.perf_counter()
        done = subprocess.run(
            [str(exe), "verify", str(board), "--audit", str(audit)],
            capture_output=True,
            text=True,
            check=False,
        )
        cli = time.perf_counter() - t0
        print(f"tellers verify (new process): {cli:.2f} s, exit code {done.returncode}")
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr)
        if not report.ok or done.returncode != 0:
            sys.exit(1)


if __name__ == "__main__":
    main()
