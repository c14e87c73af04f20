"""Condorcet rules and the pairwise matrix against published worked examples.

- Schulze: the 45-voter, five-candidate example of Schulze (2011) reproduced in the
  Wikipedia article "Schulze method": its pairwise matrix d, its strongest-path matrix p
  and the ranking E > A > C > B > D.
- The Tennessee capital example (Wikipedia "Condorcet method", "Ranked pairs",
  "Copeland's method", "Minimax Condorcet method"): Nashville is the Condorcet winner.
- Minimax with pairwise opposition: Kevin Venzke's example on the Election-Methods
  list (Oct 2011), "9999 A > B = C, 1 A = C > B, 1 B = C > A, 9999 B > A = C ... and
  C wins".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

from tellers.counting.methods import CountParams, count
from tellers.counting.pairwise import (
    condorcet_winner,
    pairwise_matrix,
    smith_set,
    tie_breaking_ranking,
)
from tellers.counting.profile import Profile
from tellers.errors import CountError, InvalidCountOptions

CONDORCET_METHODS = ("schulze", "ranked-pairs", "copeland", "minimax")


def _ranked(names: str, ballots: list[tuple[int, str]]) -> Profile:
    """Profile from letter rankings: ``(5, "ACBED")``."""
    index = {n: i for i, n in enumerate(names)}
    return Profile.from_ballots(
        tuple(names), [([index[c] for c in order], n) for n, order in ballots]
    )


@pytest.fixture
def schulze_example() -> Profile:
    return _ranked(
        "ABCDE",
        [
            (5, "ACBED"),
            (5, "ADECB"),
            (8, "BEDAC"),
            (3, "CABED"),
            (7, "CAEBD"),
            (2, "CBADE"),
            (7, "DCEBA"),
            (8, "EBADC"),
        ],
    )


@pytest.fixture
def tennessee() -> Profile:
    # Memphis, Nashville, Chattanooga, Knoxville.
    return _ranked("MNCK", [(42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM")])


@pytest.fixture
def condorcet_cycle() -> Profile:
    return _ranked("ABC", [(1, "ABC"), (1, "BCA"), (1, "CAB")])


def _nested(d: Mapping[str, object]) -> dict[str, dict[str, int]]:
    return {k: dict(v) for k, v in d.items()}  # type: ignore[call-overload]


def test_schulze_example_pairwise_matrix_matches_the_published_one(
    schulze_example: Profile,
) -> None:
    expected = [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    assert pairwise_matrix(schulze_example).tolist() == expected


def test_schulze_example_strongest_paths_and_winner_match_the_published_ones(
    schulze_example: Profile,
) -> None:
    result = count(schulze_example, "schulze")
    assert result.winners == ("E",)
    paths = _nested(result.details["strongest_paths"])  # type: ignore[arg-type]
    published = {
        "A": {"B": 28, "C": 28, "D": 30, "E": 24},
        "B": {"A": 25, "C": 28, "D": 33, "E": 24},
        "C": {"A": 25, "B": 29, "D": 29, "E": 24},
        "D": {"A": 25, "B": 28, "C": 28, "E": 24},
        "E": {"A": 25, "B": 28, "C": 28, "D": 31},
    }
    assert paths == published
    assert result.details["ranking"] == (("E",), ("A",), ("C",), ("B",), ("D",))
    assert result.details["condorcet_winner"] is None
    assert result.details["smith_set"] == ("A", "B", "C", "D", "E")
    assert result.tie_breaks == ()


def test_schulze_margins_agrees_on_complete_rankings(schulze_example: Profile) -> None:
    result = count(schulze_example, "schulze", CountParams(options={"strength": "margins"}))
    assert result.winners == ("E",)


def test_ranked_pairs_on_the_schulze_example_locks_by_winning_votes(
    schulze_example: Profile,
) -> None:
    # Majorities by winning votes: B>D 33, E>D 31, A>D 30, C>B 29, D>C 28 (cycle C>B>D>C:
    # skipped), E>B 27, A>C 26, B>A 25 (cycle A>C>B>A: skipped), C>E 24, E>A 23 (cycle
    # A>C>E>A: skipped). Nothing is locked over A.
    result = count(schulze_example, "ranked-pairs")
    assert result.winners == ("A",)
    pairs = result.details["pairs"]
    assert isinstance(pairs, tuple)
    assert [(p["winner"] + p["loser"], p["for"], p["locked"]) for p in pairs] == [
        ("BD", 33, True),
        ("ED", 31, True),
        ("AD", 30, True),
        ("CB", 29, True),
        ("DC", 28, False),
        ("EB", 27, True),
        ("AC", 26, True),
        ("BA", 25, False),
        ("CE", 24, True),
        ("EA", 23, False),
    ]
    assert result.details["ranking"] == (("A",), ("C",), ("E",), ("B",), ("D",))


@pytest.mark.parametrize("method", CONDORCET_METHODS)
def test_every_condorcet_method_elects_nashville(tennessee: Profile, method: str) -> None:
    result = count(tennessee, method)
    assert result.winners == ("N",)
    assert result.details["condorcet_winner"] == "N"
    assert result.details["smith_set"] == ("N",)
    pairwise = result.details["pairwise"]
    assert isinstance(pairwise, dict)
    assert pairwise["N"] == {"M": 58, "C": 68, "K": 68}


def test_copeland_scores_tennessee_by_pairwise_wins(tennessee: Profile) -> None:
    result = count(tennessee, "copeland")
    assert dict(result.rounds[0].tallies) == {"M": 0, "N": 3, "C": 2, "K": 1}


@pytest.mark.parametrize(
    ("variant", "score"), [("copeland", "3/2"), ("llull", "2"), ("wins-only", "1")]
)
def test_copeland_variants_score_a_pairwise_tie_differently(variant: str, score: str) -> None:
    profile = _ranked("ABC", [(1, "ABC"), (1, "BAC")])
    result = count(profile, "copeland", CountParams(seed=5, options={"variant": variant}))
    assert str(result.rounds[0].tallies["A"]) == score
    assert result.details["record"] == {
        "A": {"wins": 1, "ties": 1, "losses": 0},
        "B": {"wins": 1, "ties": 1, "losses": 0},
        "C": {"wins": 0, "ties": 0, "losses": 2},
    }
    assert result.winners[0] in {"A", "B"}
    assert len(result.tie_breaks) == 1


def test_minimax_pairwise_opposition_elects_c_in_venzkes_example() -> None:
    a, b, c = 0, 1, 2
    profile = Profile.from_ballots(
        ("A", "B", "C"),
        [
            ([a, frozenset({b, c})], 9999),
            ([frozenset({a, c}), b], 1),
            ([frozenset({b, c}), a], 1),
            ([b, frozenset({a, c})], 9999),
        ],
    )
    opposition = count(profile, "minimax", CountParams(options={"measure": "pairwise-opposition"}))
    assert opposition.winners == ("C",)
    assert dict(opposition.rounds[0].tallies) == {"A": 10000, "B": 10000, "C": 9999}
    # With winning votes, A and B are unbeaten (they tie each other) and C loses to both.
    with pytest.raises(CountError, match="no seed"):
        count(profile, "minimax")
    wv = count(profile, "minimax", CountParams(seed=3))
    assert dict(wv.rounds[0].tallies) == {"A": 0, "B": 0, "C": 9999}
    assert wv.winners[0] in {"A", "B"}


def test_minimax_margins_scores_are_the_worst_margin(tennessee: Profile) -> None:
    result = count(tennessee, "minimax", CountParams(options={"measure": "margins"}))
    assert result.rounds[0].tallies["N"] == -16  # Nashville's closest win: 58-42 over Memphis
    assert result.details["worst_opponent"]["N"] == ("M",)  # type: ignore[index]


def test_a_three_way_cycle_has_no_condorcet_winner_and_a_smith_set_of_three(
    condorcet_cycle: Profile,
) -> None:
    d = pairwise_matrix(condorcet_cycle)
    assert condorcet_winner(d) is None
    assert smith_set(d) == frozenset({0, 1, 2})


@pytest.mark.parametrize("method", CONDORCET_METHODS)
def test_a_perfect_cycle_needs_a_seed_and_the_lot_is_reproducible(
    condorcet_cycle: Profile, method: str
) -> None:
    with pytest.raises(CountError, match="seed"):
        count(condorcet_cycle, method)
    first = count(condorcet_cycle, method, CountParams(seed=20260101))
    again = count(condorcet_cycle, method, CountParams(seed=20260101))
    assert first.winners == again.winners
    assert first.tie_breaks
    assert first.details["condorcet_winner"] is None
    assert first.details["smith_set"] == ("A", "B", "C")


def test_tie_breaking_ranking_follows_the_only_ballot_when_there_is_one() -> None:
    profile = _ranked("ABCD", [(1, "CADB")])
    assert tie_breaking_ranking(profile, seed=99) == (2, 0, 3, 1)


def test_unranked_candidates_are_below_ranked_ones_and_equal_to_each_other() -> None:
    a, b, c, d = range(4)
    profile = Profile.from_ballots(("A", "B", "C", "D"), [([b, None, a], 3)])
    matrix = pairwise_matrix(profile)
    assert matrix[b, a] == 3  # B, blank, A: B over A
    assert matrix[a, c] == 3
    assert matrix[a, d] == 3
    assert matrix[c, d] == 0
    assert matrix[d, c] == 0


def test_candidates_marked_at_one_rank_have_no_preference_between_them() -> None:
    a, b, c = range(3)
    profile = Profile.from_ballots(("A", "B", "C"), [([frozenset({a, b}), c], 2)])
    matrix = pairwise_matrix(profile)
    assert matrix[a, b] == 0
    assert matrix[b, a] == 0
    assert matrix[a, c] == 2
    assert matrix[b, c] == 2
    assert int(np.trace(matrix)) == 0


def test_a_candidate_marked_twice_stands_at_its_best_rank() -> None:
    a, b = range(2)
    profile = Profile.from_ballots(("A", "B"), [([a, b, a], 1)])
    assert pairwise_matrix(profile).tolist() == [[0, 1], [0, 0]]


@pytest.mark.parametrize("method", CONDORCET_METHODS)
def test_condorcet_methods_are_single_winner(tennessee: Profile, method: str) -> None:
    with pytest.raises(InvalidCountOptions):
        count(tennessee, method, CountParams(seats=2))


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("schulze", {"strength": "ratio"}),
        ("ranked-pairs", {"strength": "ratio"}),
        ("copeland", {"variant": "half"}),
        ("minimax", {"measure": "losing-votes"}),
        ("schulze", {"seed": 1}),
    ],
)
def test_condorcet_methods_refuse_unknown_variants(
    tennessee: Profile, method: str, options: dict[str, object]
) -> None:
    with pytest.raises(InvalidCountOptions):
        count(tennessee, method, CountParams(options=options))


@pytest.mark.parametrize("method", CONDORCET_METHODS)
def test_a_single_candidate_is_elected_by_every_condorcet_method(method: str) -> None:
    profile = Profile.from_rankings(("Solo",), [["Solo"], []])
    result = count(profile, method)
    assert result.winners == ("Solo",)
    assert result.details["condorcet_winner"] == "Solo"


def test_ranked_pairs_margins_orders_majorities_by_margin(tennessee: Profile) -> None:
    result = count(tennessee, "ranked-pairs", CountParams(options={"strength": "margins"}))
    pairs = result.details["pairs"]
    assert isinstance(pairs, tuple)
    # C>K 83-17 (66), then N>C and N>K 68-32 (36), then the three 58-42 wins over M (16).
    assert [p["for"] - p["against"] for p in pairs] == [66, 36, 36, 16, 16, 16]
    assert result.winners == ("N",)


def test_an_empty_ballot_box_has_an_all_zero_matrix_and_an_empty_smith_set() -> None:
    empty = Profile.from_ballots(("A", "B"), [])
    assert pairwise_matrix(empty).tolist() == [[0, 0], [0, 0]]
    assert smith_set(pairwise_matrix(Profile.from_ballots((), []))) == frozenset()


def test_a_candidate_marked_again_in_a_later_equal_cell_keeps_its_first_rank() -> None:
    a, b = range(2)
    profile = Profile.from_ballots(("A", "B"), [([a, frozenset({a, b})], 1)])
    assert pairwise_matrix(profile).tolist() == [[0, 1], [0, 0]]
