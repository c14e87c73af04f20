"""Ballot files: the plain CSV round-trips any profile, and no input crashes a reader.

Properties:

- ``write_csv_ballots`` then ``read_csv_ballots`` gives back the same ballots (skipped
  ranks, overvotes with known and unknown candidates, empty ballots, counts), with and
  without the count column.
- Ballots written as an xlsx sheet (names, ``undervote`` cells) or as a generic CSV
  (rank numbers under candidate columns) read back as the same ballots.
- Any bytes given to any reader either read or raise a ``TellersError`` subclass, never
  another exception (no traceback for a user's bad file). For CDF the inputs are also
  JSON documents built from the CDF vocabulary, which get past the JSON parser.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tellers.counting.profile import Mark, Profile
from tellers.errors import TellersError
from tellers.formats.cdf import read_cdf
from tellers.formats.csv_ballots import read_csv_ballots, write_csv_ballots
from tellers.formats.detect import read_profile
from tellers.formats.ess import EssLayout, read_ess
from tellers.formats.rctab_config import load_rctab_contest
from tellers.formats.rctab_csv import read_generic_csv, read_rctab_csv

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def _file(data: bytes, name: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


# --------------------------------------------------------------------------- round trip

_names = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="=\x00\r"),
    min_size=1,
    max_size=8,
).filter(lambda s: s == s.strip())


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    candidates = draw(st.lists(_names, min_size=1, max_size=5, unique=True))
    n = len(candidates)
    mark: st.SearchStrategy[Mark] = st.one_of(
        st.none(),
        st.integers(0, n - 1),
        st.just(frozenset()),
        st.frozensets(st.integers(0, n - 1), min_size=2, max_size=n)
        if n >= 2
        else st.just(frozenset()),
    )
    ballots = draw(
        st.lists(st.tuples(st.lists(mark, max_size=5), st.integers(1, 4)), min_size=1, max_size=8)
    )
    return Profile.from_ballots(candidates, ballots)


def _normal(profile: Profile) -> list[tuple[tuple[object, ...], int]]:
    merged: dict[tuple[object, ...], int] = {}
    for marks, count in profile.ballots():
        key = tuple(tuple(sorted(m)) if isinstance(m, frozenset) else m for m in marks)
        merged[key] = merged.get(key, 0) + count
    return sorted(merged.items(), key=repr)


@SETTINGS
@given(profile=profiles(), counts=st.booleans())
def test_plain_csv_round_trips_any_profile(profile: Profile, counts: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ballots.csv"
        write_csv_ballots(profile, path, counts=counts)
        back = read_csv_ballots(path, counts=counts, candidates=profile.candidates)
    assert back.candidates == profile.candidates
    assert back.total == profile.total
    assert _normal(back) == _normal(profile)


# --------------------------------------------------------------------------- robustness


def _never_crashes(reader: Callable[[Path], object], data: bytes, name: str) -> None:
    with _file(data, name) as path, suppress(TellersError):
        reader(path)


_csv_bytes = st.one_of(
    st.binary(max_size=200),
    st.text(alphabet=',"=\n\r 12aAé\x00\t', max_size=80).map(lambda s: s.encode("utf-8")),
)

READERS: dict[str, tuple[Callable[[Path], object], str]] = {
    "csv": (read_csv_ballots, "b.csv"),
    "csv-counts": (lambda p: read_csv_ballots(p, counts=True), "b.csv"),
    "csv-candidates": (lambda p: read_csv_ballots(p, candidates=["a", "A"]), "b.csv"),
    "generic-csv": (lambda p: read_generic_csv(p, first_vote_column=2, id_column=1), "g.csv"),
    "rctab-csv": (read_rctab_csv, "r.csv"),
    "cdf-json": (read_cdf, "c.json"),
    "cdf-xml": (read_cdf, "c.xml"),
    "ess": (read_ess, "e.xlsx"),
    "auto-csv": (read_profile, "a.csv"),
    "auto-unknown": (read_profile, "a.dat"),
    "rctab-config": (load_rctab_contest, "config.json"),
}


@SETTINGS
@given(data=_csv_bytes, reader=st.sampled_from(sorted(READERS)))
def test_any_bytes_read_or_raise_a_tellers_error(data: bytes, reader: str) -> None:
    function, name = READERS[reader]
    _never_crashes(function, data, name)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_rctab_csv_header_with_any_body_reads_or_raises_a_tellers_error(data: bytes) -> None:
    head = b"Source Filepath,CVR Provider,Rank 1,Rank 2\n"
    _never_crashes(read_rctab_csv, head + data, "r.csv")
    _never_crashes(read_profile, head + data, "r.csv")


_KEYS = [
    "CVR", "Election", "Candidate", "Contest", "ContestSelection", "CandidateIds", "@id",
    "Name", "CVRSnapshot", "CurrentSnapshotId", "CVRContest", "ContestId",
    "CVRContestSelection", "ContestSelectionId", "SelectionPosition", "Rank", "HasIndication",
    "IsAllocable", "IsWriteIn", "CVRWriteIn", "GpUnit", "BallotStyleUnitId", "Status",
]  # fmt: skip

_json: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.sampled_from(["c1", "s1", "e1", "no", "yes", "true", "1", "needs-adjudication"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(_KEYS), children, max_size=5),
    ),
    max_leaves=25,
)


@SETTINGS
@given(document=st.dictionaries(st.sampled_from(_KEYS), _json, max_size=6))
def test_any_cdf_shaped_json_reads_or_raises_a_tellers_error(document: dict[str, Any]) -> None:
    _never_crashes(read_cdf, json.dumps(document).encode(), "c.json")
    _never_crashes(lambda p: read_cdf(p, "c1"), json.dumps(document).encode(), "c.json")


@SETTINGS
@given(document=st.dictionaries(st.sampled_from(_KEYS), _json, max_size=6))
def test_any_cdf_shaped_xml_reads_or_raises_a_tellers_error(document: dict[str, Any]) -> None:
    def element(tag: str, value: Any) -> str:
        if isinstance(value, dict):
            inner = "".join(element(k, v) for k, v in value.items())
        elif isinstance(value, list):
            return "".join(element(tag, v) for v in value)
        else:
            inner = "" if value is None else str(value)
        attr = ' ObjectId="s1"' if tag == "CVRSnapshot" else ""
        return f"<{tag.lstrip('@')}{attr}>{inner}</{tag.lstrip('@')}>"

    xml = element("CastVoteRecordReport", document)
    _never_crashes(read_cdf, xml.encode(), "c.xml")


# --------------------------------------------------------------------------- other layouts

_plain = st.lists(
    st.text(alphabet="ABCDEFGHIJabcdefghij -'.", min_size=1, max_size=6)
    .map(str.strip)
    .filter(lambda s: bool(s) and s not in ("overvote", "undervote")),
    min_size=1,
    max_size=5,
    unique=True,
)


@st.composite
def _ranked_ballots(draw: st.DrawFn) -> tuple[list[str], list[list[Mark]]]:
    """Ballots an xlsx or generic CSV can hold: names or blanks, no duplicates."""
    names = draw(_plain)
    ballots: list[list[Mark]] = []
    for _ in range(draw(st.integers(1, 6))):
        order = draw(st.permutations(range(len(names))))
        cut = draw(st.integers(0, len(names)))
        marks: list[Mark] = list(order[:cut])
        for i in draw(st.lists(st.integers(0, len(names)), max_size=2)):
            marks.insert(min(i, len(marks)), None)  # skipped ranks
        ballots.append(marks)
    return names, ballots


def _expected(names: list[str], ballots: list[list[Mark]]) -> list[tuple[tuple[object, ...], int]]:
    return _normal(Profile.from_ballots(names, [(b, 1) for b in ballots]))


@settings(max_examples=25, deadline=None)
@given(case=_ranked_ballots())
def test_ess_reads_back_ballots_written_as_an_xlsx_sheet(
    case: tuple[list[str], list[list[Mark]]],
) -> None:
    names, ballots = case
    depth = max(len(names), max(len(b) for b in ballots))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Id", *(f"Choice {r + 1}" for r in range(depth))])
    for n, marks in enumerate(ballots, start=1):
        cells = [
            "undervote" if m is None else names[m] if isinstance(m, int) else "" for m in marks
        ]
        sheet.append([n, *cells])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cvr.xlsx"
        workbook.save(path)
        profile = read_ess(path, EssLayout(rankings=depth, skipped_rank_label="undervote"))
    got = [
        (tuple(names.index(profile.candidates[m]) if isinstance(m, int) else m for m in marks), c)
        for marks, c in profile.ballots()
    ]
    assert sorted(got, key=repr) == _expected(names, ballots)


@SETTINGS
@given(case=_ranked_ballots())
def test_generic_csv_reads_back_ballots_written_as_rank_numbers(
    case: tuple[list[str], list[list[Mark]]],
) -> None:
    names, ballots = case
    lines = ["id," + ",".join(f'"{n}"' for n in names)]
    for n, marks in enumerate(ballots, start=1):
        cells = [""] * len(names)
        for rank, mark in enumerate(marks, start=1):
            if isinstance(mark, int):
                cells[mark] = str(rank)
        lines.append(f"{n}," + ",".join(cells))
    with _file("\n".join(lines).encode(), "g.csv") as path:
        profile = read_generic_csv(path, first_vote_column=2, id_column=1)
    assert profile.candidates == tuple(names)
    # Trailing skipped ranks leave no trace in rank numbers, as in the profile itself.
    assert _normal(profile) == _expected(names, ballots)


_CONFIG_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2**40),
    st.floats(allow_nan=True),
    st.sampled_from(["", "max", "unlimited", "1", "3", "0", "cdf", "ess", "genericCsv", "x"]),
    st.sampled_from(["config.json", ".", "clearBallot", "2"]),  # paths that exist
    st.sampled_from(["random", "useCandidateOrder", "singleWinnerMajority", "multiPassIrv"]),
    st.text(max_size=5),
    st.lists(st.text(max_size=3), max_size=2),
)
_RULE_KEYS = [
    "tiebreakMode", "randomSeed", "overvoteRule", "winnerElectionMode", "numberOfWinners",
    "decimalPlacesForVoteArithmetic", "minimumVoteThreshold", "maxSkippedRanksAllowed",
    "maxRankingsAllowed", "multiSeatBottomsUpPercentageThreshold", "hareQuota",
    "batchElimination", "continueUntilTwoCandidatesRemain", "stopTabulationEarlyAfterRound",
]  # fmt: skip
_SOURCE_KEYS = [
    "filePath", "provider", "contestId", "firstVoteColumnIndex", "firstVoteRowIndex",
    "idColumnIndex", "precinctColumnIndex", "batchColumnIndex", "overvoteLabel",
    "skippedRankLabel", "overvoteDelimiter", "undeclaredWriteInLabel",
    "treatBlankAsUndeclaredWriteIn",
]  # fmt: skip


_VALID_RULES = {
    "tiebreakMode": "useCandidateOrder",
    "overvoteRule": "alwaysSkipToNextRank",
    "winnerElectionMode": "singleWinnerMajority",
    "numberOfWinners": "1",
    "decimalPlacesForVoteArithmetic": "4",
    "maxSkippedRanksAllowed": "1",
    "maxRankingsAllowed": "3",
}


@SETTINGS
@given(
    rules=st.dictionaries(st.sampled_from(_RULE_KEYS), _CONFIG_VALUES, max_size=2),
    provider=st.sampled_from(["cdf", "ess", "genericCsv", "clearBallot"]),
    source=st.dictionaries(st.sampled_from(_SOURCE_KEYS[2:]), _CONFIG_VALUES, max_size=3),
    candidates=st.lists(
        st.one_of(
            st.dictionaries(st.sampled_from(["name", "aliases", "excluded"]), _CONFIG_VALUES),
            _CONFIG_VALUES,
        ),
        max_size=3,
    ),
)
def test_any_config_shaped_json_loads_or_raises_a_tellers_error(
    rules: dict[str, Any], provider: str, source: dict[str, Any], candidates: list[Any]
) -> None:
    """Mostly valid configs whose CVR "file" is the config itself, so readers run too."""
    tabular = {"firstVoteColumnIndex": "1", "firstVoteRowIndex": "1"}
    config = {
        "tabulatorVersion": "TEST",
        "outputSettings": {"contestName": "x"},
        "cvrFileSources": [
            {"filePath": "config.json", "provider": provider, "contestId": "x"}
            | (tabular if provider in ("ess", "genericCsv") else {})
            | ({"contestId": ""} if provider in ("ess", "genericCsv") else {})
            | source
        ],
        "candidates": candidates or [{"name": "A"}],
        "rules": _VALID_RULES | rules,
    }
    _never_crashes(load_rctab_contest, json.dumps(config).encode(), "config.json")
