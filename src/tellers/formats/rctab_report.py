"""RCTab contests counted by tellers, and RCTab's detailed JSON report written from the result.

``tabulate_rctab`` runs an RCTab contest (config and cast vote records, as read by
:mod:`tellers.formats.rctab_config`) with RCTab's own rules, as implemented in
:mod:`tellers.counting.rctab_engine`; ``rctab_report`` renders one count in the layout of
RCTab's ``*_expected_detailed_report.json`` (``ResultsWriter.generateSummaryJson`` in
github.com/BrightSpots/rcv): the same field names, amounts as decimal strings, map keys
sorted as RCTab's JSON writer sorts them, and within a round the elected candidates then
the eliminated ones, each group by name. The report is a pure rendering of the
:class:`~tellers.counting.rounds.CountResult`: every number comes from the result's
rounds, transfers and ``details``.

``multiPassIrv`` gives one report per pass (seat), as RCTab writes ``..._1``, ``..._2``...
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tellers.counting.amounts import Amount, format_amount
from tellers.counting.rctab_engine import (
    FINAL_ROUND_SURPLUS,
    INACTIVE_KEYS,
    MULTI_PASS,
    UNDECLARED_WRITE_INS,
    RctabRuleSet,
    tabulate,
)
from tellers.counting.rounds import CountResult, Round
from tellers.formats import rctab_config
from tellers.formats.rctab_config import CvrRecord, RctabConfig, RctabContest, RctabSource

__all__ = [
    "count_rctab",
    "options_from_config",
    "rctab_report",
    "rules_from_config",
    "slice_file_stem",
    "slice_reports",
    "tabulate_rctab",
]

SLICES = (("precinct", "tabulateByPrecinct"), ("batch", "tabulateByBatch"))
"""RCTab's slice kinds and the ``outputSettings`` flag that turns each on."""
_UNSAFE = re.compile(r"[^a-zA-Z0-9_\-.]")
"""Characters ``ResultsWriter.sanitizeStringForOutput`` replaces with ``_``."""

GENERATED_BY = "tellers"


def _java_key(text: str) -> bytes:
    """Jackson sorts map keys with ``String.compareTo``: UTF-16 code unit order."""
    return text.encode("utf-16-be")


def _sorted_map(values: dict[str, str]) -> dict[str, str]:
    return {k: values[k] for k in sorted(values, key=_java_key)}


def rules_from_config(
    config: RctabConfig, candidates: tuple[str, ...], *, excluded: frozenset[str] = frozenset()
) -> RctabRuleSet:
    """The engine's rule set for a config (one pass, for ``multiPassIrv``)."""
    rules = config.rules
    seats = 1 if rules.winner_election_mode == MULTI_PASS else rules.number_of_winners
    mode = rules.winner_election_mode
    if mode == MULTI_PASS:
        mode = "singleWinnerMajority"
    minimum = rules.minimum_vote_threshold
    ruleset = RctabRuleSet(
        mode=mode,
        seats=seats,
        tiebreak_mode=rules.tiebreak_mode,
        random_seed=rules.random_seed,
        overvote_rule=rules.overvote_rule,
        max_skipped_ranks_allowed=rules.max_skipped_ranks_allowed,
        exhaust_on_duplicate_candidate=rules.exhaust_on_duplicate_candidate,
        batch_elimination=rules.batch_elimination,
        continue_until_two_candidates_remain=rules.continue_until_two_candidates_remain,
        stop_tabulation_early_after_round=rules.stop_tabulation_early_after_round,
        minimum_vote_threshold=Decimal(minimum or 0),
        decimal_places_for_vote_arithmetic=rules.decimal_places_for_vote_arithmetic,
        non_integer_winning_threshold=rules.non_integer_winning_threshold,
        hare_quota=rules.hare_quota,
        does_first_round_determine_threshold=rules.does_first_round_determine_threshold,
        multi_seat_bottoms_up_percentage_threshold=rules.multi_seat_bottoms_up_percentage_threshold,
        cutoff_elimination=rules.raw.get("cutoffElimination") in (True, "true"),
        excluded=frozenset(c.name for c in config.candidates if c.excluded) | excluded,
        undeclared_write_ins=UNDECLARED_WRITE_INS if UNDECLARED_WRITE_INS in candidates else None,
        candidate_order=tuple(c.name for c in config.candidates),
    )
    ruleset.check()
    return ruleset


def options_from_config(config: RctabConfig, candidates: tuple[str, ...]) -> dict[str, object]:
    """The rule options (``CountParams.options``) that make a registered rule count as RCTab.

    For ``singleWinnerMajority`` these are the options of the ``irv`` rule; for the
    multi-seat modes those of ``stv-rctab``, ``bottoms-up`` or ``sequential-irv``.
    """
    rules = rules_from_config(config, candidates)
    options: dict[str, object] = {
        "winner_election_mode": config.rules.winner_election_mode,
        "tiebreak_mode": rules.tiebreak_mode,
        "random_seed": rules.random_seed,
        "overvote_rule": rules.overvote_rule,
        "max_skipped_ranks_allowed": rules.max_skipped_ranks_allowed,
        "exhaust_on_duplicate_candidate": rules.exhaust_on_duplicate_candidate,
        "batch_elimination": rules.batch_elimination,
        "continue_until_two_candidates_remain": rules.continue_until_two_candidates_remain,
        "stop_tabulation_early_after_round": rules.stop_tabulation_early_after_round,
        "minimum_vote_threshold": str(rules.minimum_vote_threshold),
        "decimal_places_for_vote_arithmetic": rules.decimal_places_for_vote_arithmetic,
        "non_integer_winning_threshold": rules.non_integer_winning_threshold,
        "hare_quota": rules.hare_quota,
        "does_first_round_determine_threshold": rules.does_first_round_determine_threshold,
        "cutoff_elimination": rules.cutoff_elimination,
        "excluded": sorted(rules.excluded),
        "candidate_order": list(rules.candidate_order),
    }
    if rules.multi_seat_bottoms_up_percentage_threshold is not None:
        percent = rules.multi_seat_bottoms_up_percentage_threshold
        options["multi_seat_bottoms_up_percentage_threshold"] = str(percent)
    if rules.undeclared_write_ins is not None:
        options["undeclared_write_ins"] = rules.undeclared_write_ins
    if config.rules.winner_election_mode == MULTI_PASS:
        del options["winner_election_mode"]
    return options


def _method(mode: str) -> str:
    return {
        "singleWinnerMajority": "irv",
        "multiWinnerAllowMultipleWinnersPerRound": "stv-rctab",
        "multiWinnerAllowOnlyOneWinnerPerRound": "stv-rctab",
        "bottomsUp": "bottoms-up",
        "bottomsUpUsingPercentageThreshold": "bottoms-up",
        MULTI_PASS: "sequential-irv",
    }.get(mode, mode)


def count_rctab(contest: RctabContest) -> list[CountResult]:
    """Count an RCTab contest: one result, or one per pass for ``multiPassIrv``.

    Raises:
        CountError: a tie that needs an operator, or a count RCTab would abort.
    """
    config = contest.config
    profile = contest.profile
    method = _method(config.rules.winner_election_mode)
    if config.rules.winner_election_mode != MULTI_PASS:
        rules = rules_from_config(config, profile.candidates)
        return [tabulate(profile, rules, method=method)]
    results: list[CountResult] = []
    winners: list[str] = []
    for _ in range(config.rules.number_of_winners):
        rules = rules_from_config(config, profile.candidates, excluded=frozenset(winners))
        result = tabulate(profile, rules, method=method)
        results.append(result)
        if len(result.winners) != 1:
            break
        winners.append(result.winners[0])
    return results


def tabulate_rctab(contest: RctabContest) -> list[dict[str, Any]]:
    """RCTab's detailed JSON report(s) for a contest (one per pass for ``multiPassIrv``)."""
    return [rctab_report(contest.config, result) for result in count_rctab(contest)]


def _text(value: Amount | None) -> str:
    return format_amount(value if value is not None else 0)


def _inactive(rnd: Round, *, final: bool, uses_surpluses: bool) -> dict[str, str]:
    keys = list(INACTIVE_KEYS)
    if uses_surpluses and final:
        keys.append(FINAL_ROUND_SURPLUS)
    return _sorted_map({k: _text(rnd.inactive.get(k, 0)) for k in keys})


def _actions(rnd: Round) -> list[dict[str, Any]]:
    by_source = {t.source: t for t in rnd.transfers}
    actions: list[dict[str, Any]] = []
    for kind, names in (("elected", rnd.elected), ("eliminated", rnd.eliminated)):
        for name in sorted(names, key=_java_key):
            moved: dict[str, str] = {}
            transfer = by_source.get(name)
            if transfer is not None:
                moved = {k: _text(v) for k, v in transfer.to.items() if v}
                if transfer.exhausted:
                    moved["exhausted"] = _text(transfer.exhausted)
                if transfer.loss:
                    moved["residual surplus"] = _text(transfer.loss)
            actions.append({kind: name, "transfers": _sorted_map(moved)})
    return actions


def slice_file_stem(kind: str, slice_id: str) -> str:
    """The part of RCTab's slice report file name for a slice (``ResultsWriter``)."""
    safe = _UNSAFE.sub("_", slice_id)
    return f"{safe}_{kind}"


def _enabled_slices(config: RctabConfig) -> list[str]:
    output = config.raw.get("outputSettings", {})
    if not isinstance(output, dict):
        return []
    return [kind for kind, flag in SLICES if output.get(flag) is True]


def _records(config: RctabConfig) -> list[tuple[RctabSource, Sequence[CvrRecord]]]:
    reader_for = rctab_config._reader_for  # the readers' per-provider record readers
    return [(source, reader_for(source)(config, source)) for source in config.sources]


def slice_reports(contest: RctabContest) -> list[tuple[str, str, dict[str, Any]]]:
    """RCTab's per-precinct / per-batch reports: ``(kind, slice id, report)`` for each slice.

    Each slice's ballots are counted with the decisions of the whole contest (RCTab's
    "Tabulate by Precinct" and "Tabulate by Batch"). Multi-pass IRV has none here.
    """
    config = contest.config
    kinds = _enabled_slices(config)
    if not kinds or config.rules.winner_election_mode == MULTI_PASS:
        return []
    method = _method(config.rules.winner_election_mode)
    rules = rules_from_config(config, contest.profile.candidates)
    overall = tabulate(contest.profile, rules, method=method)
    batches = _records(config)
    out: list[tuple[str, str, dict[str, Any]]] = []
    for kind in kinds:
        groups: dict[str, list[tuple[RctabSource, Sequence[CvrRecord]]]] = {}
        for source, records in batches:
            per: dict[str, list[CvrRecord]] = {}
            for record in records:
                slice_id = record.precinct if kind == "precinct" else record.batch
                if slice_id is not None:
                    per.setdefault(slice_id, []).append(record)
            for slice_id, chosen in per.items():
                groups.setdefault(slice_id, []).append((source, chosen))
        for slice_id in sorted(groups):
            profile = rctab_config.records_to_profile(config, groups[slice_id])
            result = tabulate(profile, rules, method=method, follow=overall)
            report = rctab_report(config, result, slice_of=(kind, slice_id))
            out.append((kind, slice_id, report))
    return out


def rctab_report(
    config: RctabConfig, result: CountResult, *, slice_of: tuple[str, str] | None = None
) -> dict[str, Any]:
    """Render ``result`` as RCTab's detailed JSON report (see the module docstring).

    ``slice_of`` (kind, id) names the precinct or batch of a slice report.
    """
    details = result.details
    uses_surpluses = bool(details.get("uses_surpluses", False))
    results: list[dict[str, Any]] = []
    last = len(result.rounds)
    for rnd in result.rounds:
        results.append(
            {
                "inactiveBallots": _inactive(
                    rnd, final=rnd.number == last, uses_surpluses=uses_surpluses
                ),
                "round": rnd.number,
                "tally": _sorted_map({k: _text(v) for k, v in rnd.tallies.items()}),
                "tallyResults": _actions(rnd),
                "threshold": _text(rnd.threshold),
            }
        )
    final_threshold = result.rounds[-1].threshold if result.rounds else None
    undervotes = details.get("undervotes", 0)
    total = details.get("total_ballots", result.valid)
    about = {
        "contest": config.contest_name,
        "date": config.contest_date,
        "generatedBy": GENERATED_BY,
        "jurisdiction": config.contest_jurisdiction,
        "office": config.contest_office,
    }
    if slice_of is not None:
        about[slice_of[0]] = slice_of[1]
    return {
        "config": _sorted_map(about),
        "jsonFormatVersion": "1",
        "results": results,
        "summary": {
            "finalThreshold": _text(final_threshold),
            "numCandidates": int(str(details.get("num_candidates", len(result.candidates)))),
            "numWinners": int(str(details.get("number_of_winners", result.seats))),
            "totalNumBallots": _text(total),  # type: ignore[arg-type]
            "undervotes": int(str(undervotes)),
        },
    }
