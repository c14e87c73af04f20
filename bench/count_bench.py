"""Benchmark: an IRV count from a ballot CSV file to the declared result, tellers vs peers.

Run from the repository root (``bench/README.md``)::

    .venv/bin/python bench/count_bench.py            # 10^4, 10^5, 10^6 (+ tellers at 10^7)
    .venv/bin/python bench/count_bench.py --quick    # 10^4 and 10^5 only

Every contender reads the *same* file, generated once per size from a fixed seed (see
:func:`write_profile` for the model), and runs as a separate process, so its whole time
from the CSV file to the declared winner is measured from outside (wall clock from
start to exit, and peak RSS from ``os.wait4``). Inside, each contender also reports how
long its count alone took (the library's IRV call on ballots it has already built).

Contenders:

- **tellers**: ``tellers count FILE --method irv --json`` (the CLI, when it exists and
  reads the file), else a ``python -c`` script doing the same (read the CSV, count,
  write the results JSON). The count alone is timed in a second, in-process run.
- **pyrankvote**, **votekit**, **pref_voting**: installed only for the benchmark, pinned
  in ``bench/requirements-peers.txt``, in their own venv ``bench/.venv-peers``
  (git-ignored; this script creates it when missing). Each parses the CSV with Python's
  ``csv`` module, as a user would, into the library's own ballot objects (votekit and
  pref_voting take weighted distinct ballots, so the script merges identical lines
  with a ``Counter`` first; pyrankvote has no weights and gets one ballot per line).

A peer that runs longer than ``--budget`` seconds at a size is stopped and reported as
``> budget``, and is not run at larger sizes. Times are the best of up to three runs
for runs that take a few seconds (the machine is shared); the exact rules are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DATA = BENCH / "data"
PEERS_VENV = BENCH / ".venv-peers"
PROJECT_PY = ROOT / ".venv" / "bin" / "python"
TELLERS_CLI = ROOT / ".venv" / "bin" / "tellers"
SEED = 20261129
"""The seed of the random profiles."""
COUNT_SEED = 1
"""The published seed tellers is given for lots (none is needed at these sizes)."""

# ----------------------------------------------------------------------------- profiles

NAMES = (
    "Ada Okafor", "Bram de Vries", "Carmen Ruiz", "Dmitri Volkov", "Elif Yilmaz",
    "Femi Adeyemi", "Grace Liu", "Hamid Karimi", "Ines Carvalho", "Jonas Berg",
    "Kiri Walker", "Lena Novak", "Marco Bianchi", "Nadia Haddad", "Oskar Lind",
    "Priya Nair", "Quentin Moreau", "Rosa Jimenez", "Sean Murphy", "Tara Singh",
    "Ugo Rossi", "Vera Petrova", "Wen Zhang", "Ximena Lopez", "Yusuf Demir",
    "Zofia Nowak", "Aino Virtanen", "Bilal Chaudhry", "Chloe Martin", "Dara Kelly",
)  # fmt: skip


def _ballot_block(rng: np.random.Generator, n: int, c: int, names: list[bytes]) -> bytes:
    """``n`` ballots over ``c`` candidates as CSV bytes (see :func:`write_profile`)."""
    log_w = -np.log(np.arange(1, c + 1, dtype=np.float64))
    order = np.argsort(-(log_w + rng.gumbel(size=(n, c))), axis=1)
    length = np.minimum(rng.geometric(0.3, size=n), c)
    take = np.arange(c)[None, :] < length[:, None]
    ids = order[take]  # ballot by ballot, rank by rank
    last = np.zeros_like(take)
    last[np.arange(n), length - 1] = True
    is_last = last[take]
    name_len = np.array([len(b) for b in names], dtype=np.int64)
    flat = np.frombuffer(b"".join(names), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum(name_len)[:-1]])
    tok_len = name_len[ids] + 1
    tok_start = np.concatenate([[0], np.cumsum(tok_len)[:-1]])
    out = np.empty(int(tok_len.sum()), dtype=np.uint8)
    within = np.arange(out.size) - np.repeat(tok_start, tok_len)
    src = np.repeat(offsets[ids], tok_len) + within
    body = within < np.repeat(tok_len - 1, tok_len)
    out[body] = flat[src[body]]
    out[tok_start + tok_len - 1] = np.where(is_last, ord("\n"), ord(","))
    return out.tobytes()


def write_profile(ballots: int, candidates: int, *, seed: int = SEED) -> Path:
    """Write (once, cached in ``bench/data/``) the seeded random ballot file.

    The model: each ballot is a prefix of a Plackett–Luce ranking of the candidates with
    Zipf-like popularity weights ``w_i = 1 / (i + 1)`` (drawn with the Gumbel-max trick:
    sort ``log w_i + Gumbel noise``), of geometric length (``p = 0.3``: at least one
    name, 3.3 on average) capped at the number of candidates. Voters rank few
    candidates and a few candidates take most first preferences, as in real
    ranked-choice elections, and every ballot is a valid ranking (no blank, no
    overvote, no repeat), so every peer library can read it. The format is tellers'
    plain ballot CSV: one ballot per line, names in rank order, no header.
    """
    path = DATA / f"irv-{ballots}-{candidates}-s{seed}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, ballots, candidates])
    names = [name.encode() for name in NAMES[:candidates]]
    tmp = path.with_suffix(".part")
    with tmp.open("wb") as fh:
        left = ballots
        while left:
            n = min(left, 250_000)
            fh.write(_ballot_block(rng, n, candidates, names))
            left -= n
    tmp.replace(path)
    return path


# ----------------------------------------------------------------------------- contenders

_REPORT = "import json as _j, sys as _s; _s.stdout.write('\\nBENCH ' + _j.dumps(_r) + '\\n')"

_TELLERS_COUNT = """
from tellers.counting.methods import CountParams, count

def count_irv(profile, params):
    return count(profile, "irv", params)
"""

TELLERS_INPROCESS = (
    """
import sys, time
t0 = time.perf_counter()
from tellers.formats.csv_fast import read_csv_fast
from tellers.formats.results_json import dump_result
"""
    + _TELLERS_COUNT
    + """
t1 = time.perf_counter()
profile = read_csv_fast(sys.argv[1])
t2 = time.perf_counter()
best = None
for _ in range(5):
    s = time.perf_counter()
    result = count_irv(profile, CountParams(seed=__SEED__))
    e = time.perf_counter() - s
    best = e if best is None else min(best, e)
text = dump_result(result)
_r = {"winner": result.winners[0], "import": t1 - t0, "read": t2 - t1, "count": best,
      "rows": len(profile), "rounds": len(result.rounds)}
"""
    + _REPORT
)

TELLERS_SCRIPT = (
    """
import sys
from tellers.formats.csv_fast import read_csv_fast
from tellers.formats.results_json import dump_result
"""
    + _TELLERS_COUNT
    + """
result = count_irv(read_csv_fast(sys.argv[1]), CountParams(seed=__SEED__))
sys.stdout.write(dump_result(result))
"""
)

PYRANKVOTE = (
    """
import csv, sys, time
t0 = time.perf_counter()
import pyrankvote
from pyrankvote import Ballot, Candidate
t1 = time.perf_counter()
candidates, ballots = {}, []
with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    for row in csv.reader(fh):
        ranked = []
        for name in row:
            if name:
                c = candidates.get(name)
                if c is None:
                    c = candidates[name] = Candidate(name)
                ranked.append(c)
        ballots.append(Ballot(ranked_candidates=ranked))
t2 = time.perf_counter()
result = pyrankvote.instant_runoff_voting(list(candidates.values()), ballots)
t3 = time.perf_counter()
_r = {"winner": result.get_winners()[0].name, "import": t1 - t0, "read": t2 - t1,
      "count": t3 - t2}
"""
    + _REPORT
)

VOTEKIT = (
    """
import csv, sys, time
from collections import Counter
t0 = time.perf_counter()
from votekit.ballot import RankBallot
from votekit.pref_profile import RankProfile
from votekit.elections import IRV
t1 = time.perf_counter()
lines = Counter()
with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    for row in csv.reader(fh):
        lines[tuple(name for name in row if name)] += 1
ballots = [RankBallot(ranking=[frozenset({n}) for n in r], weight=w) for r, w in lines.items()]
profile = RankProfile(ballots=ballots)
t2 = time.perf_counter()
election = IRV(profile, tiebreak="random", rng_seed=1)
winner = sorted(election.get_elected()[0])[0]
t3 = time.perf_counter()
_r = {"winner": winner, "import": t1 - t0, "read": t2 - t1, "count": t3 - t2}
"""
    + _REPORT
)

PREF_VOTING = (
    """
import csv, sys, time
from collections import Counter
t0 = time.perf_counter()
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.iterative_methods import instant_runoff_for_truncated_linear_orders
t1 = time.perf_counter()
lines = Counter()
with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    for row in csv.reader(fh):
        lines[tuple(name for name in row if name)] += 1
index = {}
for r in lines:
    for name in r:
        index.setdefault(name, len(index))
rankings = [{index[n]: i + 1 for i, n in enumerate(r)} for r in lines]
everyone = list(range(len(index)))
profile = ProfileWithTies(rankings, rcounts=list(lines.values()), candidates=everyone)
t2 = time.perf_counter()
winners = instant_runoff_for_truncated_linear_orders(profile)
t3 = time.perf_counter()
names = {i: n for n, i in index.items()}
_r = {"winner": names[winners[0]], "winners": len(winners), "import": t1 - t0,
      "read": t2 - t1, "count": t3 - t2}
"""
    + _REPORT
)

TELLERS_INPROCESS = TELLERS_INPROCESS.replace("__SEED__", str(COUNT_SEED))
TELLERS_SCRIPT = TELLERS_SCRIPT.replace("__SEED__", str(COUNT_SEED))

PEERS = {"pyrankvote": PYRANKVOTE, "votekit": VOTEKIT, "pref_voting": PREF_VOTING}


# ----------------------------------------------------------------------------- running


@dataclass
class Run:
    """One contender at one size: the best whole-process run and what it reported."""

    wall: float | None = None
    """Seconds from process start to exit (best run); None when over budget or failed."""
    cpu: float | None = None
    """User + system CPU seconds of that run (less disturbed by a busy machine)."""
    rss_mib: float | None = None
    report: dict[str, object] = field(default_factory=dict)
    note: str = ""
    runs: int = 0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Older OpenBLAS builds need these on some processors; they only slow numpy here,
    # and no contender uses BLAS for IRV. Unset for the benchmark's children only.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def _run_once(argv: list[str], budget: float) -> tuple[float | None, float, float, str, str]:
    """Run ``argv``; return (wall s or None if killed, CPU s, peak RSS MiB, stdout, note)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=ROOT,
    )
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        proc.kill()

    timer = threading.Timer(budget, kill)
    timer.start()
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out_chunks.append(proc.stdout.read())),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err_chunks.append(proc.stderr.read())),  # type: ignore[union-attr]
    ]
    for t in readers:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    timer.cancel()
    for t in readers:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    out = b"".join(out_chunks).decode("utf-8", "replace")
    err = b"".join(err_chunks).decode("utf-8", "replace")
    if killed.is_set():
        return None, cpu, rss, out, f"> {budget:g} s budget"
    if proc.returncode != 0:
        tail = err.strip().splitlines()[-1:] or ["?"]
        return None, cpu, rss, out, f"failed (exit {proc.returncode}): {tail[0][:120]}"
    return wall, cpu, rss, out, ""


def _bench_report(out: str) -> dict[str, object]:
    for line in reversed(out.splitlines()):
        if line.startswith("BENCH "):
            report: dict[str, object] = json.loads(line[6:])
            return report
    return {}


REPEAT_UNDER = 10.0
"""A contender whose run took less than this many seconds is run again (3 runs at most)."""


def measure(argv: list[str], budget: float, *, max_runs: int = 3) -> Run:
    """Best of up to ``max_runs`` runs, repeating only while runs take < REPEAT_UNDER s."""
    best = Run()
    for _ in range(max_runs):
        wall, cpu, rss, out, note = _run_once(argv, budget)
        best.runs += 1
        if wall is None:
            best.note = note
            best.rss_mib = best.rss_mib or rss
            return best
        if best.wall is None or wall < best.wall:
            best.wall, best.cpu, best.rss_mib = wall, cpu, rss
            report = _bench_report(out)
            if report:
                best.report = report
            elif out.lstrip().startswith("{"):
                payload = json.loads(out)
                best.report = {"winner": payload.get("winners", ["?"])[0]}
        if wall > REPEAT_UNDER:
            break
    return best


def ensure_peers() -> Path:
    """Create ``bench/.venv-peers`` with the pinned peers if it is missing; its python."""
    python = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / ".requirements"
    wanted = (BENCH / "requirements-peers.txt").read_text()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"creating {PEERS_VENV.relative_to(ROOT)} with the pinned peers ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", str(BENCH / "requirements-peers.txt")],
        check=True,
    )
    stamp.write_text(wanted)
    return python


def tellers_whole_process(path: Path) -> list[str]:
    """The command for tellers from the file to the declared result (CLI when it works)."""
    return [str(PROJECT_PY), "-c", TELLERS_SCRIPT, str(path)]


def cli_command(path: Path) -> list[str]:
    return [str(TELLERS_CLI), "count", str(path), "--method", "irv", "--json", "--seed", "1"]


def cli_works(path: Path) -> bool:
    """Whether ``tellers count FILE --method irv --json`` runs and gives a winner."""
    if not TELLERS_CLI.exists():
        return False
    wall, _, _, out, _ = _run_once(cli_command(path), 120)
    if wall is None:
        return False
    try:
        return bool(json.loads(out).get("winners"))
    except ValueError:
        return False


# ----------------------------------------------------------------------------- report


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def _ratio(peer: float | None, mine: float | None) -> str:
    if peer is None or mine is None or mine <= 0:
        return "—"
    return f"{peer / mine:.1f}x"


def _row(
    n: int, c: int, name: str, run: Run, count_s: float | None, ref: Run, ref_count: float | None
) -> str:
    mine = name.startswith("tellers")
    return (
        "| {n} | {c} | {name} | {wall} | {r1} | {cpu} | {r2} | {cs} | {r3} | {rss} | {w} |".format(
            n=f"{n:,}",
            c=c,
            name=name,
            wall=_fmt(run.wall) if run.wall is not None else run.note,
            r1="" if mine else _ratio(run.wall, ref.wall),
            cpu=_fmt(run.cpu) if run.wall is not None else "—",
            r2="" if mine else _ratio(run.cpu if run.wall is not None else None, ref.cpu),
            cs=_fmt(count_s),
            r3="" if mine else _ratio(count_s, ref_count),
            rss=f"{run.rss_mib:.0f}" if run.rss_mib else "—",
            w=run.report.get("winner", "—"),
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only 10^4 and 10^5 ballots")
    parser.add_argument(
        "--budget", type=float, default=90.0, help="seconds per peer run (default 90)"
    )
    parser.add_argument("--no-peers", action="store_true", help="tellers only")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    args = parser.parse_args(argv)

    sizes = [10**4, 10**5] if args.quick else [10**4, 10**5, 10**6]
    big = [] if args.quick else [10**7]
    cands = [8, 30]
    peers_py = None if args.no_peers else ensure_peers()
    command = " ".join(
        ["python bench/count_bench.py", *(argv if argv is not None else sys.argv[1:])]
    )
    started = time.perf_counter()
    head = [
        f"{os.cpu_count()} cores; profiles seeded {SEED}; peer budget {args.budget:g} s; "
        f"load average at start {os.getloadavg()[0]:.1f}",
    ]
    probe = write_profile(10**4, 8)
    use_cli = cli_works(probe)
    head.append(
        "tellers (CLI): `tellers count FILE --method irv --json --seed 1`"
        if use_cli
        else "tellers CLI not usable here: its row is missing"
    )
    head.append("tellers (library): `python -c` read_csv_fast + irv.count + results JSON")
    for line in head:
        print(f"# {line}")

    results: list[dict[str, object]] = []
    over_budget: set[tuple[str, int]] = set()
    header = (
        "| ballots | cand. | contender | CSV→result wall (s) | tellers faster by | "
        "CPU (s) | tellers faster by | count alone (s) | tellers faster by | "
        "peak RSS (MiB) | winner |"
    )
    rule = "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"
    lines = [header, rule]
    print(header)
    print(rule)
    for n in sizes + big:
        for c in cands:
            path = write_profile(n, c)
            inner = measure([str(PROJECT_PY), "-c", TELLERS_INPROCESS, str(path)], 600)
            t_count = inner.report.get("count")
            mine_count = float(t_count) if isinstance(t_count, int | float) else None
            rows: list[tuple[str, Run, float | None]] = []
            library = measure(tellers_whole_process(path), 600)
            rows.append(("tellers (library)", library, mine_count))
            if use_cli:
                rows.append(("tellers (CLI)", measure(cli_command(path), 600), mine_count))
            ref = library
            if n in sizes and peers_py is not None:
                for name, code in PEERS.items():
                    if (name, c) in over_budget:
                        rows.append((name, Run(note="> budget (at a smaller size)"), None))
                        continue
                    run = measure([str(peers_py), "-c", code, str(path)], args.budget)
                    if run.wall is None and run.note.startswith(">"):
                        over_budget.add((name, c))
                    pc = run.report.get("count")
                    rows.append((name, run, float(pc) if isinstance(pc, int | float) else None))
            for name, run, count_s in rows:
                line = _row(n, c, name, run, count_s, ref, mine_count)
                lines.append(line)
                print(line, flush=True)
                results.append(
                    {
                        "ballots": n,
                        "candidates": c,
                        "contender": name,
                        "wall_s": run.wall,
                        "cpu_s": run.cpu,
                        "count_s": count_s,
                        "peak_rss_mib": run.rss_mib,
                        "note": run.note,
                        "runs": run.runs,
                        "report": run.report,
                        "tellers_inprocess": inner.report if name.startswith("tellers") else None,
                    }
                )
    checks = _checks(results, cands)
    notes = [
        "'tellers faster by' = peer time / tellers (library) time at the same size; "
        "CPU = user + system seconds of the process (less disturbed by other load).",
        f"A peer run longer than {args.budget:g} s is stopped and shown as '> budget'; it is "
        "then not run at larger sizes with the same number of candidates.",
        f"Times are the best of up to 3 runs (a run is repeated only if it took under "
        f"{REPEAT_UNDER:g} s); the count alone is tellers' best of 5 counts in one process.",
        f"Whole run: {time.perf_counter() - started:.0f} s; load average at the end "
        f"{os.getloadavg()[0]:.1f}.",
    ]
    print()
    for line in notes + checks:
        print(f"- {line}")
    if args.markdown:
        args.markdown.write_text(
            f"Command: `{command}`\n\n"
            + "\n".join(f"- {x}" for x in head)
            + "\n\n"
            + "\n".join(lines)
            + "\n\n"
            + "\n".join(f"- {x}" for x in notes + checks)
            + "\n"
        )
    if args.json:
        args.json.write_text(json.dumps({"command": command, "results": results}, indent=2))
    return 0


def _checks(results: list[dict[str, Any]], cands: list[int]) -> list[str]:
    """The issue's targets, met or not, from the measured figures."""
    out: list[str] = []
    for c in cands:
        at = [r for r in results if r["ballots"] == 10**6 and r["candidates"] == c]
        mine = [r for r in at if str(r["contender"]).startswith("tellers") and r["wall_s"]]
        peers = [r for r in at if not str(r["contender"]).startswith("tellers") and r["wall_s"]]
        if mine and peers:
            fastest = min(peers, key=lambda r: float(r["wall_s"]))
            for me in mine:
                ratio = float(fastest["wall_s"]) / float(me["wall_s"])
                out.append(
                    f"10^6 ballots, {c} candidates, {me['contender']}: CSV→result "
                    f"{ratio:.1f}x faster than the fastest peer ({fastest['contender']}); "
                    f"target 10x: {'met' if ratio >= 10 else 'NOT met'}"
                )
            if c == 8 and mine[0]["count_s"] and fastest["count_s"]:
                cr = float(fastest["count_s"]) / float(mine[0]["count_s"])
                out.append(
                    f"10^6 ballots, 8 candidates: count alone {cr:.0f}x faster than "
                    f"{fastest['contender']}; target 50x: {'met' if cr >= 50 else 'NOT met'}"
                )
        for r in results:
            if r["ballots"] == 10**7 and r["candidates"] == c:
                wall, rss = r["wall_s"], r["peak_rss_mib"]
                ok = wall is not None and wall < 10 and rss is not None and rss < 4096
                out.append(
                    f"10^7 ballots, {c} candidates, {r['contender']}: {_fmt(wall)} s, peak RSS "
                    f"{float(rss or 0):.0f} MiB; target < 10 s and < 4096 MiB: "
                    f"{'met' if ok else 'NOT met'}"
                )
    return out


if __name__ == "__main__":
    raise SystemExit(main())
