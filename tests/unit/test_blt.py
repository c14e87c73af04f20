"""The BLT reader and writer (tellers.formats.blt)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tellers.errors import BallotFileError
from tellers.formats.blt import parse_blt, read_blt, write_blt
from tests.conftest import SHARED

DROOP_BLT = SHARED / "conformance" / "droop" / "blt"

# The example in Hill, Wichmann & Woodall, "Algorithm 123" (1987), as quoted in Droop's
# BltFileFormat.md: 4 candidates, 2 seats, candidate 2 withdrawn.
HWW = """4 2
-2
3 1 3 4 0
4 1 3 2 0
2 4 1 3 0
1 2 0
2 2 4 3 1 0
1 3 4 2 0
0
"Adam"
"Basil"
"Charlotte"
"Donald"
"Title"
"""


def _ballots(profile) -> dict[tuple, int]:
    return {marks: n for marks, n in profile.ballots()}


def test_reads_the_algorithm_123_example() -> None:
    e = parse_blt(HWW)
    assert e.seats == 2
    assert e.profile.candidates == ("Adam", "Basil", "Charlotte", "Donald")
    assert e.withdrawn == ("Basil",)
    assert e.title == "Title"
    assert e.profile.total == 13
    assert _ballots(e.profile)[(0, 2, 3)] == 3
    assert _ballots(e.profile)[(1, 3, 2, 0)] == 2


def test_byte_order_mark_is_ignored() -> None:
    plain = read_blt(DROOP_BLT / "42u.blt")
    bom = read_blt(DROOP_BLT / "42ubom.blt")
    assert bom.profile.candidates == plain.profile.candidates == ("Cåstor", "Pøllüx", "Hélen")
    assert _ballots(bom.profile) == _ballots(plain.profile)


def test_tie_nick_and_equal_rankings() -> None:
    tie = read_blt(DROOP_BLT / "42t.blt")
    assert tie.tie_order == ("Helen", "Pollux", "Castor")
    eq = read_blt(DROOP_BLT / "meek" / "eq2.blt")
    assert eq.nicknames == ("a", "b", "c", "d")
    ballots = _ballots(eq.profile)
    assert ballots[(0, frozenset({1, 2}), 3)] == 5
    assert ballots[(frozenset({2, 3}), frozenset({0, 1}))] == 3


def test_withdrawn_option_line_and_source_comment_and_notes() -> None:
    assert read_blt(DROOP_BLT / "SCwopt.blt").withdrawn == ("Pat LaMarche",)
    m135 = read_blt(DROOP_BLT / "M135.blt")
    assert m135.source == "Brian Wichmann, email: brian.wichmann@bcs.org.uk"
    assert m135.comment is not None
    assert m135.comment.startswith("The validation of the STV programs for ERBS")
    assert m135.notes[0] == "First Prefs"


def test_real_file_quirks_unquoted_doubled_quotes_and_preflib_names() -> None:
    realdata = SHARED / "realdata" / "scottish-stv" / "blt"
    leith = read_blt(realdata / "edinburgh_2015_by_election_leith_walk.blt")
    assert leith.profile.candidates[0] == "Marion DONALDSON (Lab)"
    assert leith.title == "Leith Walk Ward"
    aberdeen = read_blt(realdata / "aberdeen_2022_ward12.blt")
    assert aberdeen.profile.candidates[0] == 'Brian ALLAN "Alba Party for independence"'
    glasgow = read_blt(realdata / "glasgow_2007_anderston.blt")
    assert glasgow.profile.candidates[0] == "Nina Baker (Grn)"
    assert glasgow.title == "Anderson ward"


def test_comments_ballot_ids_and_skipped_ranks() -> None:
    e = parse_blt(
        "3 1 # three candidates\n/* a block\ncomment */ (b1) 2 1 0\n(b2) 1 - 3 0\n2 3 2 0\n0\n"
        '"A" "B" "C" "T"\n'
    )
    ballots = _ballots(e.profile)
    assert ballots[(1, 0)] == 1
    assert ballots[(0, None, 2)] == 1
    assert ballots[(2, 1)] == 2


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ('2 1\n1.5 1 2 0\n0\n"A" "B" "T"\n', "line 2", "weight", "fractional"),
        ('2 1\n1 1 3 0\n0\n"A" "B" "T"\n', "line 2", "ranking", "not a candidate"),
        ('2 1\n1 1 2 0\n0\n"A"\n', "line 4", "candidate name", "expected 2"),
        ('2 1\n[frob 1]\n1 1 0\n0\n"A" "B" "T"\n', "line 2", "option", "unknown"),
        ("2 1\n1 1 2\n", "line 2", "a candidate or 0 ending the ballot", "end of file"),
        ("x 1\n", "line 1", "number of candidates", "whole number"),
        ("2 1\n[nick a]\n0\n", "line 2", "nick", "2 distinct nicknames"),
        ("2 1\n[tie 1]\n0\n", "line 2", "tie", "every candidate"),
        ("2 1\n-3\n0\n", "line 2", "withdrawn", "not a candidate"),
        ("2 1\n(a) 1 0\n(a) 2 0\n0\n", "line 3", "ballot ID", "duplicate"),
        ('2 1\n1 1 0\n0\n"A"\n"A"\n"T"\n', "line 3", "candidate name", "repeat"),
        ('2 1\n1 1 0\n0\n"A"\n"B"\n', "line 5", "title", "expected a title"),
    ],
)
def test_errors_name_the_line_and_field(text, line, field, words) -> None:
    with pytest.raises(BallotFileError) as info:
        parse_blt(text, path="e.blt")
    err = info.value
    assert (err.path, err.location, err.field) == ("e.blt", line, field)
    assert words in err.problem


def test_missing_or_undecodable_file_is_a_ballot_file_error(tmp_path: Path) -> None:
    with pytest.raises(BallotFileError, match="cannot read"):
        read_blt(tmp_path / "absent.blt")
    bad = tmp_path / "latin1.blt"
    bad.write_bytes(b'1 1\n1 1 0\n0\n"Z\xfcrich"\n"T"\n')
    with pytest.raises(BallotFileError, match="UTF-8") as info:
        read_blt(bad)
    assert info.value.location == "line 4"


def test_writer_round_trips(tmp_path: Path) -> None:
    e = read_blt(DROOP_BLT / "meek" / "eq2.blt")
    target = tmp_path / "out.blt"
    write_blt(target, e.profile, seats=e.seats, title=e.title, withdrawn=("B",),
              tie_order=("D", "C", "B", "A"))  # fmt: skip
    back = read_blt(target)
    assert back.profile.candidates == e.profile.candidates
    assert _ballots(back.profile) == _ballots(e.profile)
    assert (back.seats, back.title, back.withdrawn) == (e.seats, e.title, ("B",))
    assert back.tie_order == ("D", "C", "B", "A")
    assert np.array_equal(np.sort(back.profile.counts), np.sort(e.profile.counts))
