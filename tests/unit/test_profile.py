"""Profiles merge identical ballots and keep irregular marks as cast."""

from __future__ import annotations

import numpy as np
import pytest

from tellers.counting.profile import OVERVOTE, SKIP, Profile, ProfileBuilder


def test_identical_ballots_are_merged_into_one_row_with_their_count() -> None:
    profile = Profile.from_rankings(["A", "B", "C"], [["A", "B"], ["B"], ["A", "B"], ["A", "B"]])
    assert len(profile) == 2
    assert profile.total == 4
    rows = {profile.ranked_names(r): int(profile.counts[r]) for r in range(len(profile))}
    assert rows == {("A", "B"): 3, ("B",): 1}


def test_irregular_marks_are_kept_as_cast() -> None:
    builder = ProfileBuilder(["A", "B", "C"])
    builder.add([None, 0, frozenset({1, 2}), 0], 2)
    builder.add([frozenset()], 1)
    profile = builder.build()
    marks = dict(profile.ballots())
    assert marks[(None, 0, frozenset({1, 2}), 0)] == 2
    assert marks[(frozenset(),)] == 1
    row = next(r for r in range(len(profile)) if profile.counts[r] == 2)
    assert profile.ranks[row].tolist() == [SKIP, 0, OVERVOTE, 0]


def test_trailing_blank_ranks_do_not_make_a_different_ballot() -> None:
    builder = ProfileBuilder(["A", "B"])
    builder.add([0, None, None])
    builder.add([0])
    profile = builder.build()
    assert len(profile) == 1
    assert profile.counts.tolist() == [2]


def test_an_empty_ballot_is_kept() -> None:
    profile = Profile.from_ballots(["A"], [((), 3), ((0,), 1)])
    assert profile.total == 4
    assert ((), 3) in list(profile.ballots())


def test_new_names_become_candidates_and_write_ins_are_flagged() -> None:
    builder = ProfileBuilder(["A"])
    w = builder.candidate("Mickey Mouse", write_in=True)
    builder.add([w, 0])
    profile = builder.build()
    assert profile.candidates == ("A", "Mickey Mouse")
    assert profile.write_ins == frozenset({1})


def test_restricted_profile_keeps_the_overvote_details_of_its_rows() -> None:
    builder = ProfileBuilder(["A", "B", "C"])
    builder.add([0])
    builder.add([frozenset({1, 2})])
    profile = builder.build()
    sub = profile.restricted([1])
    assert list(sub.ballots()) == [((frozenset({1, 2}),), 1)]


def test_duplicate_candidate_names_are_refused() -> None:
    with pytest.raises(ValueError, match="distinct"):
        Profile(
            candidates=("A", "A"),
            ranks=np.zeros((0, 0), dtype=np.int32),
            counts=np.zeros(0, dtype=np.int64),
        )
