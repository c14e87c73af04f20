"""Instant runoff and RCTab's multi-seat modes on small, hand-checkable profiles.

Sources of the expected results:
- The Tennessee capital example of the Wikipedia article "Instant-runoff voting"
  (Memphis 42%, Nashville 26%, Chattanooga 15%, Knoxville 17%; Knoxville wins in the
  third round after Chattanooga and then Nashville are eliminated).
- RCTab's rules as documented in its config documentation and ``Tabulator.java``
  (github.com/BrightSpots/rcv): threshold ``floor(V/2) + 1``, the inactive-ballot
  categories, overvote and skipped-rank rules, ``useCandidateOrder`` (the tied candidate
  listed last is eliminated), undeclared write-ins eliminated first.
Every other expected value below is worked out by hand in the comment next to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tellers.counting.methods import CountParams, count
from tellers.counting.profile import Mark, Profile
from tellers.counting.rounds import CountResult
from tellers.counting.rules import bottoms_up, sequential_irv, stv_rctab
from tellers.errors import CountError, InvalidCountOptions

TENNESSEE = ("Memphis", "Nashville", "Chattanooga", "Knoxville")


def tennessee() -> Profile:
    m, n, c, k = range(4)
    return Profile.from_ballots(
        TENNESSEE,
        [
            ((m, n, c, k), 42),
            ((n, c, k, m), 26),
            ((c, k, n, m), 15),
            ((k, c, n, m), 17),
        ],
    )


def irv(profile: Profile, **options: object) -> CountResult:
    seed = options.pop("seed", None)
    return count(
        profile,
        "irv",
        CountParams(seed=seed if isinstance(seed, int) else None, options=options),
    )


def ballots(names: Sequence[str], rows: Sequence[tuple[Sequence[Mark], int]]) -> Profile:
    return Profile.from_ballots(names, rows)


def test_tennessee_capital_elects_knoxville_in_round_three() -> None:
    result = count(tennessee(), "irv", CountParams(options={"engine": "reference"}))
    assert result.winners == ("Knoxville",)
    assert [dict(r.tallies) for r in result.rounds] == [
        {"Memphis": 42, "Nashville": 26, "Chattanooga": 15, "Knoxville": 17},
        {"Memphis": 42, "Nashville": 26, "Knoxville": 32},
        {"Memphis": 42, "Knoxville": 58},
    ]
    assert [r.eliminated for r in result.rounds] == [("Chattanooga",), ("Nashville",), ()]
    assert [r.threshold for r in result.rounds] == [51, 51, 51]
    first = result.rounds[0].transfers[0]
    assert (first.source, dict(first.to), first.exhausted) == ("Chattanooga", {"Knoxville": 15}, 0)


def test_default_engine_gives_the_reference_result() -> None:
    auto = count(tennessee(), "irv", CountParams())
    reference = count(tennessee(), "irv", CountParams(options={"engine": "reference"}))
    assert auto.winners == reference.winners
    assert [dict(r.tallies) for r in auto.rounds] == [dict(r.tallies) for r in reference.rounds]


def test_overvote_exhausts_the_ballot_by_default() -> None:
    # A,B at rank 1 then C: an overvote; by default the ballot is inactive at once.
    profile = ballots("ABC", [((frozenset({0, 1}), 2), 1), ((0,), 3), ((2,), 1)])
    result = count(profile, "irv", CountParams(options={"engine": "reference"}))
    first = result.rounds[0]
    assert dict(first.tallies) == {"A": 3, "B": 0, "C": 1}
    assert first.inactive["overvotes"] == 1
    assert first.threshold == 3  # floor(4 / 2) + 1 with 4 active ballots
    assert result.winners == ("A",)


def test_overvote_can_skip_to_the_next_rank() -> None:
    profile = ballots("ABC", [((frozenset({0, 1}), 2), 1), ((0,), 3), ((2,), 1)])
    result = irv(profile, overvote_rule="alwaysSkipToNextRank")
    assert dict(result.rounds[0].tallies) == {"A": 3, "B": 0, "C": 2}


def test_exhaust_if_multiple_continuing_only_exhausts_when_two_are_live() -> None:
    # Round 1: A|B both continuing -> inactive (overvote); C|B: B eliminated? not yet, so
    # also inactive. Only the single-mark ballots count.
    profile = ballots("ABC", [((frozenset({0, 1}),), 1), ((0,), 3), ((1,), 1), ((2,), 2)])
    result = irv(profile, overvote_rule="exhaustIfMultipleContinuing")
    first = result.rounds[0]
    assert first.inactive["overvotes"] == 1
    assert dict(first.tallies) == {"A": 3, "B": 1, "C": 2}


def test_skipped_ranks_are_passed_over_without_limit_by_default() -> None:
    profile = ballots("AB", [((None, None, None, 1), 1), ((0,), 1), ((1,), 1)])
    result = count(profile, "irv", CountParams(options={"engine": "reference"}))
    assert dict(result.rounds[0].tallies) == {"A": 1, "B": 2}
    assert result.winners == ("B",)


def test_too_many_skipped_ranks_make_the_ballot_inactive() -> None:
    # rank 4 after rank 0: 3 skipped ranks > maxSkippedRanksAllowed = 1
    profile = ballots("AB", [((None, None, None, 1), 1), ((0,), 1), ((1,), 1)])
    result = irv(profile, max_skipped_ranks_allowed=1, tiebreak_mode="useCandidateOrder")
    first = result.rounds[0]
    assert first.inactive["skippedRankings"] == 1
    assert dict(first.tallies) == {"A": 1, "B": 1}
    # A 1 - B 1 with two left: RCTab breaks the tie for the winner; candidate order: A
    assert result.winners == ("A",)


def test_repeated_candidate_is_passed_over_unless_the_rule_exhausts() -> None:
    # Round 1: A 3, B 3, C 2. C, C, A: once C is out, the repeat of C is passed over
    # and A gets the ballot (A 4, B 3); the other C ballot is exhausted.
    rows: list[tuple[Sequence[Mark], int]] = [((2, 2, 0), 1), ((0,), 3), ((1,), 3), ((2,), 1)]
    passed = count(ballots("ABC", rows), "irv", CountParams(options={"engine": "reference"}))
    assert dict(passed.rounds[1].tallies) == {"A": 4, "B": 3}
    exhausting = irv(ballots("ABC", rows), exhaust_on_duplicate_candidate=True, seed=1)
    second = exhausting.rounds[1]
    assert second.inactive["repeatedRankings"] == 1
    assert dict(second.tallies) == {"A": 3, "B": 3}


def test_ballot_with_no_marks_is_an_undervote() -> None:
    profile = ballots("AB", [((), 2), ((0,), 3), ((1,), 1)])
    result = count(profile, "irv", CountParams(options={"engine": "reference"}))
    assert result.rounds[0].inactive["undervotes"] == 2
    assert result.rounds[0].threshold == 3  # 4 active ballots
    assert result.details["total_ballots"] == 6
    assert result.details["undervotes"] == 2


def test_ballot_runs_out_of_continuing_candidates() -> None:
    profile = ballots("ABC", [((2,), 1), ((0,), 3), ((1,), 2)])
    result = count(profile, "irv", CountParams(options={"engine": "reference"}))
    assert result.rounds[1].inactive["exhaustedChoices"] == 1
    assert result.rounds[0].transfers[0].exhausted == 1


def test_tie_for_last_is_broken_by_an_earlier_round() -> None:
    # Round 1: A 4, B 3, C 2, D 1 -> D out, its ballot goes to C: C 3 = B 3.
    # In round 1 C had fewer votes than B, so C is eliminated.
    profile = ballots("ABCD", [((0,), 4), ((1,), 3), ((2,), 2), ((3, 2), 1)])
    result = count(profile, "irv", CountParams(options={"engine": "reference"}))
    assert result.rounds[1].eliminated == ("C",)
    assert result.tie_breaks[0].how == "previous rounds"
    assert result.tie_breaks[0].tied == ("B", "C")


def test_tie_needing_a_lot_without_a_seed_is_an_error() -> None:
    profile = ballots("ABC", [((0,), 2), ((1,), 1), ((2,), 1)])
    with pytest.raises(CountError, match="seed"):
        count(profile, "irv", CountParams(options={"engine": "reference"}))


def test_lot_from_a_seed_is_reproducible() -> None:
    profile = ballots("ABC", [((0,), 2), ((1,), 1), ((2,), 1)])
    params = CountParams(seed=2026, options={"engine": "reference"})
    first = count(profile, "irv", params)
    again = count(profile, "irv", params)
    assert first.tie_breaks == again.tie_breaks
    assert first.tie_breaks[0].how == "previous rounds, then lot"
    assert first.rounds[0].eliminated[0] in ("B", "C")
    assert first.seed == 2026


def test_use_candidate_order_eliminates_the_tied_candidate_listed_last() -> None:
    profile = ballots("ABC", [((0,), 2), ((1,), 1), ((2,), 1)])
    result = irv(profile, tiebreak_mode="useCandidateOrder")
    assert result.rounds[0].eliminated == ("C",)
    reordered = irv(profile, tiebreak_mode="useCandidateOrder", candidate_order=["C", "B", "A"])
    assert reordered.rounds[0].eliminated == ("B",)


def test_interactive_tie_break_cannot_run_unattended() -> None:
    profile = ballots("ABC", [((0,), 2), ((1,), 1), ((2,), 1)])
    with pytest.raises(CountError, match="operator"):
        irv(profile, tiebreak_mode="stopCountingAndAsk")


def test_undeclared_write_ins_go_first_and_cannot_win() -> None:
    # W (the write-in placeholder) has the most votes but is eliminated in round 1.
    profile = ballots("ABW", [((2, 0), 5), ((0,), 3), ((1,), 4)])
    result = irv(profile, undeclared_write_ins="W")
    assert result.rounds[0].eliminated == ("W",)
    assert result.winners == ("A",)


def test_excluded_candidates_are_not_counted() -> None:
    profile = ballots("ABC", [((0, 1), 3), ((1,), 2), ((2,), 4)])
    result = irv(profile, excluded=["A"])
    assert dict(result.rounds[0].tallies) == {"B": 5, "C": 4}
    assert result.winners == ("B",)


def test_batch_elimination_removes_every_hopeless_candidate_at_once() -> None:
    # A 8, B 6, C 2, D 1 (threshold 9): D 1 < C 2 and C + D = 3 < B 6, so both go
    # in round 1; B + C + D = 9 >= A 8, so B stays.
    profile = ballots("ABCD", [((0,), 8), ((1,), 6), ((2,), 2), ((3,), 1)])
    result = irv(profile, batch_elimination=True)
    assert set(result.rounds[0].eliminated) == {"C", "D"}


def test_continue_until_two_keeps_counting_after_the_majority() -> None:
    profile = ballots("ABC", [((0,), 6), ((1,), 3), ((2,), 2)])
    result = irv(profile, continue_until_two_candidates_remain=True)
    assert result.winners == ("A",)
    rounds = result.rounds
    assert rounds[0].elected == ("A",)
    assert rounds[1].eliminated == ("C",)
    assert set(rounds[-1].tallies) == {"A", "B"}


def test_options_are_checked() -> None:
    with pytest.raises(InvalidCountOptions, match="unknown option"):
        irv(tennessee(), colour="blue")
    with pytest.raises(InvalidCountOptions, match="overvote_rule"):
        irv(tennessee(), overvote_rule="sometimes")
    with pytest.raises(InvalidCountOptions, match="one seat"):
        count(tennessee(), "irv", CountParams(seats=2))
    with pytest.raises(InvalidCountOptions, match="engine"):
        irv(tennessee(), engine="gpu")


def test_stv_rctab_transfers_truncated_surplus_and_reports_the_residual() -> None:
    # 2 seats, 10 ballots: threshold floor(10/3) + 1 = 4. A has 7: surplus 3,
    # fraction 3/7 truncated to 0.4285; each of A's 7 ballots moves 0.4285 to B or C:
    # 4 ballots A>B -> 1.714 to B, 3 ballots A>C -> 1.2855 to C; kept by A:
    # 7 * 0.5715 = 4.0005, so the residual surplus is 0.0005.
    profile = ballots("ABC", [((0, 1), 4), ((0, 2), 3), ((1,), 1), ((2,), 2)])
    result = stv_rctab.count(
        profile, CountParams(seats=2, options={"tiebreak_mode": "useCandidateOrder"})
    )
    first = result.rounds[0]
    assert first.threshold == 4
    assert first.elected == ("A",)
    surplus = first.transfers[0]
    assert str(surplus.to["B"]) == "1.714"
    assert str(surplus.to["C"]) == "1.2855"
    assert str(surplus.loss) == "0.0005"
    second = result.rounds[1]
    assert str(second.tallies["B"]) == "2.714"
    assert str(second.tallies["C"]) == "3.2855"
    assert second.tallies["A"] == 4


def test_bottoms_up_eliminates_until_the_seats_are_left() -> None:
    profile = ballots("ABCD", [((0,), 5), ((1,), 4), ((2, 1), 3), ((3, 0), 1)])
    result = bottoms_up.count(profile, CountParams(seats=2))
    assert set(result.winners) == {"A", "B"}
    assert [r.eliminated for r in result.rounds][:2] == [("D",), ("C",)]


def test_sequential_irv_excludes_each_winner_from_the_next_pass() -> None:
    passes = sequential_irv.count_passes(tennessee(), CountParams(seats=2))
    # pass 2 without Knoxville: Memphis 42, Nashville 26, Chattanooga 15 + 17 = 32;
    # Nashville goes and its 26 ballots give Chattanooga 58.
    assert [p.winners for p in passes] == [("Knoxville",), ("Chattanooga",)]
    assert "Knoxville" not in passes[1].rounds[0].tallies


def test_no_candidate_left_to_count_is_an_error() -> None:
    profile = ballots("A", [((0,), 3)])
    with pytest.raises(CountError, match="no continuing candidate"):
        irv(profile, excluded=["A"])


def test_blank_ballots_only_still_end_with_a_winner_by_lot() -> None:
    # Both candidates at 0 and two left: RCTab breaks the tie for the winner.
    profile = ballots("AB", [((), 3)])
    result = irv(profile, seed=1)
    assert result.winners in (("A",), ("B",))
    assert result.rounds[0].inactive["undervotes"] == 3
    assert result.tie_breaks[0].purpose == "election"
