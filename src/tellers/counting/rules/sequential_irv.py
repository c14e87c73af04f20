"""Sequential (multi-pass) IRV: one IRV count per seat, earlier winners excluded.

Source: RCTab, the Universal RCV Tabulator (github.com/BrightSpots/rcv),
``TabulatorSession.java`` with ``winnerElectionMode = multiPassIrv``: the contest is
counted as a single-seat IRV contest; its winner takes the first seat and is then
excluded, and the count is run again on the same ballots for the next seat, until
``numberOfWinners`` seats are filled. Each pass is an ordinary count of
:mod:`tellers.counting.rules.irv` (same options, except ``engine``), with a fresh random
generator, as RCTab starts a new tabulation for each pass.

:func:`count_passes` returns one result per pass (RCTab writes one report per pass);
:func:`count` combines them: winners in order of the passes, rounds of all passes one
after another (each round's ``note`` says its pass), and the passes themselves in
``details["passes"]``.
"""

from __future__ import annotations

from dataclasses import replace

from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rctab_engine import SINGLE, rules_from_options, tabulate
from tellers.counting.rounds import CountResult, Round
from tellers.errors import InvalidCountOptions

__all__ = ["count", "count_passes"]


def count_passes(profile: Profile, params: CountParams) -> tuple[CountResult, ...]:
    """One single-seat IRV count per seat, each excluding the earlier winners.

    Raises:
        InvalidCountOptions: unknown options or bad values, or fewer than one seat.
        CountError: a tie that cannot be broken unattended.
    """
    if params.seats < 1:
        msg = f"sequential-irv needs at least one seat, got {params.seats}"
        raise InvalidCountOptions(msg)
    options = {k: v for k, v in params.options.items() if k != "winner_election_mode"}
    base = rules_from_options(options, seats=1, seed=params.seed, mode=SINGLE)
    passes: list[CountResult] = []
    winners: list[str] = []
    for _ in range(params.seats):
        rules = replace(base, excluded=base.excluded | frozenset(winners))
        result = tabulate(profile, rules, method="sequential-irv")
        passes.append(result)
        if len(result.winners) != 1:
            break
        winners.append(result.winners[0])
    return tuple(passes)


def count(profile: Profile, params: CountParams) -> CountResult:
    """Fill ``params.seats`` seats by successive IRV counts; see the module docstring."""
    passes = count_passes(profile, params)
    rounds: list[Round] = []
    for n, result in enumerate(passes, start=1):
        for rnd in result.rounds:
            rounds.append(
                replace(rnd, number=len(rounds) + 1, note=f"pass {n}, round {rnd.number}")
            )
    first = passes[0]
    return CountResult(
        method="sequential-irv",
        seats=params.seats,
        candidates=first.candidates,
        winners=tuple(w for result in passes for w in result.winners),
        rounds=tuple(rounds),
        valid=first.valid,
        quota=None,
        tie_breaks=tuple(t for result in passes for t in result.tie_breaks),
        seed=first.seed,
        details={"passes": passes},
    )
