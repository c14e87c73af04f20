"""Instant-runoff voting (IRV, the alternative vote): one seat, RCTab's rules and options.

Source: RCTab, the Universal RCV Tabulator (github.com/BrightSpots/rcv), ``Tabulator.java``
with ``winnerElectionMode = singleWinnerMajority``: each round a ballot counts for its
highest-ranked continuing candidate; a candidate with ``floor(V/2) + 1`` of the V active
ballots is elected; otherwise the weakest candidate is eliminated and the ballots move
on. The per-round machinery, and every rule below, is in
:mod:`tellers.counting.rctab_engine`, whose docstring describes RCTab's semantics.

Options (``CountParams.options``; keys mirror ``RctabRules`` in snake_case):

- ``overvote_rule``: ``"exhaustImmediately"`` (default) | ``"alwaysSkipToNextRank"`` |
  ``"exhaustIfMultipleContinuing"``.
- ``max_skipped_ranks_allowed``: an integer, or ``None`` / ``"unlimited"`` (default).
- ``exhaust_on_duplicate_candidate``: exhaust a ballot at a repeated candidate
  (default false: the repeat is passed over).
- ``batch_elimination``, ``continue_until_two_candidates_remain``,
  ``does_first_round_determine_threshold``: booleans, default false.
- ``stop_tabulation_early_after_round``: an integer or ``None`` (default).
- ``minimum_vote_threshold``: a number; candidates below it are all eliminated at once.
- ``tiebreak_mode``: tellers' default ``"previousRoundCountsThenLot"`` (earlier rounds,
  most recent first, keeping those with the fewest votes; then a lot drawn with
  :class:`tellers.counting.ties.Lot` from ``CountParams.seed``, which must then be
  given), or one of RCTab's ``"useCandidateOrder"``, ``"generatePermutation"``,
  ``"random"``, ``"previousRoundCountsThenRandom"`` (these draw from an exact port of
  ``java.util.Random(random_seed)``), ``"stopCountingAndAsk"``,
  ``"previousRoundCountsThenAsk"`` (these raise :class:`~tellers.errors.CountError` if a
  tie must be asked about).
- ``random_seed``: the seed of RCTab's random modes (default ``CountParams.seed``).
- ``candidate_order``: the order for ``useCandidateOrder`` (default: profile order).
- ``excluded``: candidates left out of the count.
- ``undeclared_write_ins``: the candidate that stands for undeclared write-ins: it is
  eliminated first and can never win.
- ``decimal_places_for_vote_arithmetic`` (default 4): the scale of batch-elimination sums.
- ``engine``: ``"auto"`` (default: the numpy kernel
  :mod:`tellers.counting.kernels.irv_numpy` when it exists and applies, i.e. with
  default options, else this reference implementation), ``"reference"`` or ``"numpy"``.

The count works on the profile's distinct ballots with their counts.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from types import ModuleType

from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult
from tellers.errors import InvalidCountOptions

__all__ = ["count"]

ENGINES = ("auto", "reference", "numpy")


def _kernel() -> ModuleType | None:
    try:
        return importlib.import_module("tellers.counting.kernels.irv_numpy")
    except ImportError:
        return None


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count ``profile`` by instant runoff; see the module docstring for the options.

    Raises:
        InvalidCountOptions: unknown options, bad values, or more than one seat.
        CountError: a tie that needs a lot and no seed was published, or a tie the
            chosen RCTab mode would ask an operator about.
    """
    if params.seats != 1:
        msg = f"irv fills one seat, but {params.seats} were asked for (see stv-rctab)"
        raise InvalidCountOptions(msg)
    engine = params.options.get("engine", "auto")
    if engine not in ENGINES:
        msg = f"option engine must be one of {', '.join(ENGINES)}, got {engine!r}"
        raise InvalidCountOptions(msg)
    options = {k: v for k, v in params.options.items() if k != "engine"}
    if engine != "reference":
        kernel = _kernel()
        if kernel is not None and kernel.is_applicable(profile, options):
            result: CountResult = kernel.count(profile, replace(params, options=options))
            return result
        if engine == "numpy":
            msg = "the numpy engine does not apply here (it needs the default options)"
            raise InvalidCountOptions(msg)
    # Imported here: the kernel's counts (most counts) do not need the reference engine,
    # and importing it is a noticeable part of a whole `tellers count` process.
    from tellers.counting.rctab_engine import SINGLE, rules_from_options, tabulate

    rules = rules_from_options(options, seats=1, seed=params.seed, mode=SINGLE)
    if rules.mode != SINGLE:
        msg = f"irv counts singleWinnerMajority, not {rules.mode}"
        raise InvalidCountOptions(msg)
    return tabulate(profile, rules, method="irv")
