"""The vectorised CSV reader agrees exactly with the reference reader, on any file.

:func:`tellers.formats.csv_fast.read_csv_fast` must return the profile that
:func:`tellers.formats.csv_ballots.read_csv_ballots` returns (same candidates in the same
order, same distinct rows in the same order, same counts) or raise the same error. Files
are drawn from plain ballots (the fast path) mixed with everything the format allows or
forbids: blank cells, blank lines, spaces, quotes, ``=`` overvotes, CRLF and bare CR line
ends, a byte-order mark, NUL bytes, bad UTF-8, counts with odd spellings, long and
non-ASCII names; and read in tiny blocks too, so that lines cross block boundaries.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tellers.counting.profile import Profile
from tellers.errors import BallotFileError
from tellers.formats import csv_fast
from tellers.formats.csv_ballots import read_csv_ballots
from tellers.formats.csv_fast import read_csv_fast

PLAIN_NAMES = (
    "Ada",
    "Bo",
    "Carmen Ruiz-Ibáñez",
    "Dmitri Alexandrovich Volkov",
    "Émile",
    "李小龙",
    "X",
    "Yusuf Demir the Younger of the Northern Branch",
    "Alexandra Smith",  # these two share their first eight bytes
    "Alexandra Smythe",
)
ODD_CELLS = (
    "",
    " ",
    " Ada",
    "Bo ",
    '"Ada"',
    '"Smith, Jo"',
    "=",
    "Ada=Bo",
    "Ada\u00a0",
    "\t",
    "'=Ada",
    "''+Bo",
    "'-",
    "'Neil",
    "O'Neill",
    "-Bo",
    "@Ada",
)


def _same(got: Profile, expected: Profile) -> None:
    assert got.candidates == expected.candidates
    assert got.ranks.dtype == expected.ranks.dtype
    assert got.ranks.shape == expected.ranks.shape
    assert np.array_equal(got.ranks, expected.ranks)
    assert np.array_equal(got.counts, expected.counts)
    assert got.counts.dtype == expected.counts.dtype
    assert dict(got.overvotes) == dict(expected.overvotes)
    assert got.write_ins == expected.write_ins


def _outcome(
    reader: Callable[..., Profile], path: Path, **kwargs: object
) -> Profile | tuple[str, str]:
    try:
        return reader(path, **kwargs)
    except BallotFileError as err:
        return ("error", str(err))


def _check(path: Path, **kwargs: object) -> None:
    expected = _outcome(read_csv_ballots, path, **kwargs)
    got = _outcome(read_csv_fast, path, **kwargs)
    if isinstance(expected, Profile):
        assert isinstance(got, Profile), got
        _same(got, expected)
    else:
        assert got == expected


@st.composite
def plain_lines(draw: st.DrawFn, counts: bool) -> list[str]:
    names = draw(st.lists(st.sampled_from(PLAIN_NAMES), min_size=1, max_size=6, unique=True))
    cell = st.one_of(st.sampled_from(names), st.sampled_from(names), st.just(""))
    line = st.lists(cell, min_size=1, max_size=7).filter(lambda cells: any(cells))
    lines = draw(st.lists(line, min_size=1, max_size=40))
    out = [",".join(cells) for cells in lines]
    if counts:
        out = [f"{draw(st.integers(1, 10**12))},{text}" for text in out]
    return out


@st.composite
def any_file(draw: st.DrawFn, counts: bool) -> bytes:
    lines = draw(plain_lines(counts))
    mutate = draw(st.integers(0, 4))
    for _ in range(mutate):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.integers(0, 5))
        if kind == 0:
            lines[i] = lines[i] + "," + draw(st.sampled_from(ODD_CELLS))
        elif kind == 1:
            lines.insert(i, draw(st.sampled_from(["", " ", ",", ",,", "   ,"])))
        elif kind == 2 and counts:
            head, _, rest = lines[i].partition(",")
            odd = draw(
                st.sampled_from(["0", "007", " 3", "-1", "1.5", "x", "", "99999999999999999"])
            )
            lines[i] = odd + "," + rest
        elif kind == 3:
            lines[i] = lines[i] + draw(st.sampled_from(["\x00", "\ufeff", "\u2028"]))
        else:
            lines[i] = draw(st.sampled_from(ODD_CELLS)) + "," + lines[i]
    sep = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    text = sep.join(lines) + draw(st.sampled_from(["", sep, sep + sep]))
    data = text.encode("utf-8")
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 19)) == 0:
        data = data + b"\xff"
    return data


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fast_reader_equals_reference_on_any_file(
    data: st.DataObject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = data.draw(st.booleans())
    raw = data.draw(any_file(counts))
    monkeypatch.setattr(csv_fast, "BLOCK", data.draw(st.sampled_from([5, 64, 1 << 25])))
    path = tmp_path / "ballots.csv"
    path.write_bytes(raw)
    _check(path, counts=counts)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_plain_files_take_the_fast_path_and_agree(
    data: st.DataObject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = data.draw(st.booleans())
    lines = data.draw(plain_lines(counts))
    final = data.draw(st.sampled_from(["", "\n"]))
    eol = data.draw(st.sampled_from(["\n", "\r\n"]))
    monkeypatch.setattr(csv_fast, "BLOCK", data.draw(st.sampled_from([7, 100, 1 << 25])))
    path = tmp_path / "ballots.csv"
    path.write_bytes((eol.join(lines) + final).encode("utf-8"))
    fast = csv_fast._read(path, counts=counts)  # raises if it would need the reference
    _same(fast, read_csv_ballots(path, counts=counts))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fast_reader_with_a_candidate_list_equals_reference(
    data: st.DataObject, tmp_path: Path
) -> None:
    lines = data.draw(plain_lines(False))
    given_names = data.draw(
        st.lists(
            st.sampled_from([*PLAIN_NAMES, " Ada", "A=B", "'=Ada", "-Bo", "'Neil"]),
            max_size=9,
            unique=True,
        )
    )
    path = tmp_path / "ballots.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _check(path, candidates=given_names)


def test_fast_reader_merges_a_large_file_like_the_reference(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    names = [f"Candidate number {i}" for i in range(30)]
    rows = []
    for _ in range(20_000):
        k = int(rng.integers(1, 31))
        rows.append(",".join(names[j] for j in rng.permutation(30)[:k]))
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    fast = csv_fast._read(path, counts=False)
    _same(fast, read_csv_ballots(path))


def test_missing_file_is_reported_as_the_reference_reports_it(tmp_path: Path) -> None:
    _check(tmp_path / "nowhere.csv")


EDGE_FILES = {
    "empty": b"",
    "one-line-end": b"\n",
    "bom-only": b"\xef\xbb\xbf",
    "bom": b"\xef\xbb\xbfAda,Bo\n",
    "no-final-line-end": b"Ada,Bo",
    "blank-line": b"Ada,,Bo\r\n\r\n",
    "blanks": b" \n,\n",
    "neutralised-formula": b"Ada,'-Smith\n'-Smith,Ada\n",
    "doubly-neutralised": b"''+Bo,Ada\n",
    "apostrophe-in-name": b"'Neil,O'Neill\n",
    "formula-start-unescaped": b"-Bo,@Ada\n",
}


@pytest.mark.parametrize("raw", list(EDGE_FILES.values()), ids=list(EDGE_FILES))
def test_edge_files_are_read_as_the_reference_reads_them(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "edge.csv"
    path.write_bytes(raw)
    _check(path)
    _check(path, counts=True)


def test_names_sharing_their_first_bytes_keep_their_order_of_first_appearance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # New names found together in a block are told apart by all their bytes, not by a
    # lookup key they may share.
    path = tmp_path / "prefix.csv"
    path.write_bytes(
        b"Zed\nCandidate one,Candidate two\nBo\nCandidate three,Candidate one\nBo,Zed\n"
    )
    for block in (7, 64, 1 << 25):
        monkeypatch.setattr(csv_fast, "BLOCK", block)
        fast = csv_fast._read(path, counts=False)
        _same(fast, read_csv_ballots(path))
        assert fast.candidates[:3] == ("Zed", "Candidate one", "Candidate two")


@pytest.mark.parametrize("block", [300, 1 << 25])
def test_more_than_255_names_take_two_bytes_a_rank(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    # With small blocks, the first blocks hold fewer than 256 names (one byte a rank)
    # and later ones more (two): the blocks' ballots are widened before they merge.
    rng = np.random.default_rng(5)
    names = [f"N{i}" for i in range(300)]
    lines = [",".join([names[i], *(names[j] for j in rng.permutation(i)[:2])]) for i in range(300)]
    lines += [",".join(names[j] for j in rng.permutation(300)[:4]) for _ in range(300)]
    lines += lines[:50]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(csv_fast, "BLOCK", block)
    fast = csv_fast._read(path, counts=False)
    assert len(fast.candidates) == 300
    _same(fast, read_csv_ballots(path))


@pytest.mark.parametrize("split_limit", [0, 64])
def test_ballots_whose_hashes_collide_are_still_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split_limit: int
) -> None:
    # A hash that puts ballots in three groups whatever they hold: the rows of each group
    # are then sorted exactly (group by group, or all at once past the limit).
    def poor_hash(packed: np.ndarray) -> np.ndarray:
        return (packed[:, 0] % np.uint64(3)) << np.uint64(62)

    monkeypatch.setattr(csv_fast, "_row_hash", poor_hash)
    monkeypatch.setattr(csv_fast, "_MAX_SPLIT_GROUPS", split_limit)
    rng = np.random.default_rng(9)
    names = ["Ada", "Bo", "Cy", "Dee", "Eve"]
    lines = [
        ",".join(names[j] for j in rng.permutation(5)[: rng.integers(1, 6)]) for _ in range(500)
    ]
    path = tmp_path / "collide.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for block in (64, 1 << 25):
        monkeypatch.setattr(csv_fast, "BLOCK", block)
        _same(csv_fast._read(path, counts=False), read_csv_ballots(path))
