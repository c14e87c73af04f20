"""Time the STV rules on a large seeded random profile (issue target: < 10 s each).

Usage: ``python bench/stv_bench.py [--ballots 1000000] [--candidates 30] [--seats 5]
[--seed 2026] [--rules stv-scottish,stv-meek]``. Prints one line per rule: the rule, the
seconds it took, and the winners. Ballots are drawn from a Plackett-Luce model (candidate
strengths from the seed) with lengths from 1 to all candidates, so almost every ballot is
distinct, as in a real large election.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tellers.counting.methods import CountParams, count
from tellers.counting.profile import SKIP, Profile


def random_profile(ballots: int, candidates: int, seed: int) -> Profile:
    """A profile of ``ballots`` random rankings (one row per ballot, count 1)."""
    rng = np.random.default_rng(seed)
    strength = np.log(rng.gamma(1.0, 1.0, size=candidates))
    keys = strength[None, :] + rng.gumbel(size=(ballots, candidates))
    ranks = np.argsort(-keys, axis=1).astype(np.int32)
    lengths = np.minimum(1 + rng.geometric(0.12, size=ballots), candidates)
    ranks[np.arange(candidates)[None, :] >= lengths[:, None]] = SKIP
    return Profile(
        candidates=tuple(f"C{i + 1}" for i in range(candidates)),
        ranks=ranks,
        counts=np.ones(ballots, dtype=np.int64),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--candidates", type=int, default=30)
    parser.add_argument("--seats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rules", default="stv-scottish,stv-meek")
    args = parser.parse_args()
    start = time.perf_counter()
    profile = random_profile(args.ballots, args.candidates, args.seed)
    made = time.perf_counter() - start
    print(f"profile: {args.ballots} ballots, {args.candidates} candidates, {made:.2f} s")  # noqa: T201
    for rule in args.rules.split(","):
        start = time.perf_counter()
        result = count(profile, rule, CountParams(seats=args.seats, seed=args.seed))
        took = time.perf_counter() - start
        print(f"{rule}: {took:.2f} s, {len(result.rounds)} rounds, winners {result.winners}")  # noqa: T201


if __name__ == "__main__":
    main()
