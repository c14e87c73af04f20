"""Bottoms-up multi-seat elimination (RCTab's ``bottomsUp`` and percentage variant).

Source: RCTab, the Universal RCV Tabulator (github.com/BrightSpots/rcv), ``Tabulator.java``
with ``winnerElectionMode`` = ``bottomsUp``: candidates are eliminated one round at a
time, as in IRV, until only ``numberOfWinners`` remain, who are all elected (no
threshold, no surplus transfer); or ``bottomsUpUsingPercentageThreshold``: candidates
are eliminated until every one left has more than ``p`` percent of the active votes
(``V * p/100``, p truncated to ``decimal_places_for_vote_arithmetic`` places as a
fraction; recomputed each round unless ``does_first_round_determine_threshold``), and
they are all elected; with ``cutoff_elimination`` every candidate under the threshold
goes in the same round. Ballot handling and tie-breaks are those of
:mod:`tellers.counting.rules.irv`, in :mod:`tellers.counting.rctab_engine`.

Options: those of :mod:`tellers.counting.rules.irv` (except ``engine``), plus
``winner_election_mode`` (default ``"bottomsUp"``),
``multi_seat_bottoms_up_percentage_threshold`` (a percentage, e.g. ``15``; setting it
selects the percentage mode, where ``CountParams.seats`` is ignored) and
``cutoff_elimination``.
"""

from __future__ import annotations

from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rctab_engine import BOTTOMS_UP, BOTTOMS_UP_PCT, rules_from_options, tabulate
from tellers.counting.rounds import CountResult
from tellers.errors import InvalidCountOptions

__all__ = ["count"]


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count ``profile`` bottoms-up; see the module docstring.

    Raises:
        InvalidCountOptions: unknown options or bad values.
        CountError: a tie that cannot be broken unattended.
    """
    options = params.options
    default = (
        BOTTOMS_UP_PCT
        if options.get("multi_seat_bottoms_up_percentage_threshold") not in (None, "")
        else BOTTOMS_UP
    )
    mode = str(options.get("winner_election_mode", default))
    seats = 0 if mode == BOTTOMS_UP_PCT else params.seats
    rules = rules_from_options(options, seats=seats, seed=params.seed, mode=default)
    if rules.mode not in (BOTTOMS_UP, BOTTOMS_UP_PCT):
        msg = f"bottoms-up counts {BOTTOMS_UP} or {BOTTOMS_UP_PCT}, not {rules.mode}"
        raise InvalidCountOptions(msg)
    return tabulate(profile, rules, method="bottoms-up")
