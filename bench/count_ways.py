"""The three ways to count a ballot CSV with tellers, against pyrankvote, interleaved.

``count_bench.py`` times tellers' library call and ``tellers count --json``. A returning
officer more often reads the round-by-round Rich tables (``tellers count FILE``), and on
a shared machine the load changes from minute to minute. This script times the library
call, the CLI with ``--json``, the CLI with the tables, and pyrankvote, on one of
``count_bench``'s files, in *rounds*: each round runs every contender (tellers three
times each, pyrankvote once), so that all of them meet the same load. With ``--before
DIR`` it also runs the same three tellers commands with ``PYTHONPATH=DIR`` (an export of
an earlier tree's ``src``, e.g. ``git archive REV src | tar -x -C /tmp/before``), for a
before/after comparison in one sitting.

Run from the repository root after ``count_bench.py`` has made its files and peers' venv::

    .venv/bin/python bench/count_ways.py --ballots 1000000 --candidates 30 --rounds 5
    .venv/bin/python bench/count_ways.py --candidates 8 --before /tmp/before/src

It prints, per contender, the best and median wall-clock seconds of whole processes and
pyrankvote's time divided by each (``--json FILE`` also writes the raw times).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

from count_bench import (
    PEERS_VENV,
    PROJECT_PY,
    PYRANKVOTE,
    ROOT,
    TELLERS_CLI,
    TELLERS_SCRIPT,
    _env,
    write_profile,
)


def _commands(path: Path) -> dict[str, list[str]]:
    cli = [str(TELLERS_CLI), "count", str(path), "--method", "irv", "--seed", "1"]
    return {
        "library": [str(PROJECT_PY), "-c", TELLERS_SCRIPT, str(path)],
        "CLI --json": [*cli, "--json"],
        "CLI tables": cli,
    }


def _wall(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT, check=True
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=10**6)
    parser.add_argument("--candidates", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, help="an earlier tree's src, run as 'before'")
    parser.add_argument("--json", type=Path, help="also write the raw times to this file")
    args = parser.parse_args()

    path = write_profile(args.ballots, args.candidates)
    env = _env()
    runs: dict[str, tuple[list[str], dict[str, str], int]] = {
        "pyrankvote": ([str(PEERS_VENV / "bin" / "python"), "-c", PYRANKVOTE, str(path)], env, 1)
    }
    for name, argv in _commands(path).items():
        runs[name] = (argv, env, 3)
        if args.before is not None:
            runs[f"{name} (before)"] = (argv, {**env, "PYTHONPATH": str(args.before)}, 3)
    times: dict[str, list[float]] = {name: [] for name in runs}
    loads = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for name, (argv, run_env, repeat) in runs.items():
            times[name] += [_wall(argv, run_env) for _ in range(repeat)]
        loads.append(os.getloadavg()[0])
    print(
        f"# {path.name}; {args.rounds} rounds; load average " + " ".join(f"{x:.1f}" for x in loads)
    )
    peer = times["pyrankvote"]
    print("| contender | best (s) | median (s) | pyrankvote / this (best, median) |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        best, median = min(values), statistics.median(values)
        ratio = f"{min(peer) / best:.1f}x, {statistics.median(peer) / median:.1f}x"
        print(f"| {name} | {best:.3f} | {median:.3f} | {ratio} |")
    if args.json:
        args.json.write_text(json.dumps({"file": path.name, "loads": loads, "times": times}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
