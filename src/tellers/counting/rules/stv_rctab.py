"""RCTab's multi-seat count: IRV with fractional surplus transfers (a form of STV).

Source: RCTab, the Universal RCV Tabulator (github.com/BrightSpots/rcv), ``Tabulator.java``
and ``CastVoteRecord.java`` with ``winnerElectionMode`` =
``multiWinnerAllowMultipleWinnersPerRound`` (every candidate at or over the threshold is
elected in the round) or ``multiWinnerAllowOnlyOneWinnerPerRound`` (only the leader).
The threshold is fixed in round 1: ``floor(V/(S+1)) + 1`` (Droop), with
``non_integer_winning_threshold`` ``floor(V/(S+1), d) + 10^-d``, or with ``hare_quota``
``ceil(V/S)``. A winner's surplus moves at the fraction ``(votes - threshold)/votes``,
truncated to ``decimal_places_for_vote_arithmetic`` places, as is each ballot's
transferred value; the truncation loss is the "residual surplus" (``Transfer.loss``).
After the last seat is filled one more round shows the final surpluses as inactive
("finalRoundSurplus"). Ballot handling, eliminations and tie-breaks are those of
:mod:`tellers.counting.rules.irv`; the shared machinery is
:mod:`tellers.counting.rctab_engine`.

Options: those of :mod:`tellers.counting.rules.irv` (except ``engine``), plus
``winner_election_mode`` (default ``"multiWinnerAllowMultipleWinnersPerRound"``),
``decimal_places_for_vote_arithmetic`` (default 4), ``non_integer_winning_threshold`` and
``hare_quota`` (default false). Seats come from ``CountParams.seats``.
"""

from __future__ import annotations

from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rctab_engine import MULTI_MANY, MULTI_ONE, rules_from_options, tabulate
from tellers.counting.rounds import CountResult
from tellers.errors import InvalidCountOptions

__all__ = ["count"]


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count ``profile`` for ``params.seats`` seats with RCTab's surplus transfers.

    Raises:
        InvalidCountOptions: unknown options, bad values, or a mode that is not multi-seat.
        CountError: a tie that cannot be broken unattended.
    """
    rules = rules_from_options(
        params.options, seats=params.seats, seed=params.seed, mode=MULTI_MANY
    )
    if rules.mode not in (MULTI_MANY, MULTI_ONE):
        msg = f"stv-rctab counts {MULTI_MANY} or {MULTI_ONE}, not {rules.mode}"
        raise InvalidCountOptions(msg)
    return tabulate(profile, rules, method="stv-rctab")
