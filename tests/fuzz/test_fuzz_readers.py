"""Fuzzing every file reader: any input is read or refused with a message, never a crash.

Each target feeds one reader three kinds of input: random bytes, a real file of that
format (from the shared conformance material, read in place) with random edits, and
inputs built from the format's own vocabulary so that they get past the first parser and
reach the checks behind it. The oracle is :func:`tests.fuzz.support.rejects_cleanly`.

Two readers of the same format must also agree: the fast plain-CSV reader reads exactly
what the reference reader reads, and refuses exactly what it refuses.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tellers.domain.ids import ContestId, OrganisationId
from tellers.domain.spec import contest_from_spec
from tellers.formats.audit_jsonl import read_audit_log
from tellers.formats.blt import read_blt
from tellers.formats.board import read_board
from tellers.formats.cdf import read_cdf
from tellers.formats.csv_ballots import read_csv_ballots
from tellers.formats.csv_fast import read_csv_fast
from tellers.formats.detect import read_profile
from tellers.formats.ess import EssLayout, read_ess
from tellers.formats.preflib import read_preflib
from tellers.formats.rctab_config import load_rctab_contest, read_rctab_config
from tellers.formats.rctab_csv import read_generic_csv, read_rctab_csv
from tellers.formats.sb1288_spec import read_sb1288_spec
from tellers.web.forms import parse_spec, read_roll_csv
from tests.conftest import SHARED

from .support import counted, fuzz_settings, mutated, nasty_text, rejects_cleanly

RCTAB = SHARED / "conformance" / "rctab"


def _seed(*parts: str) -> bytes:
    return SHARED.joinpath(*parts).read_bytes()


_WORK = Path(tempfile.mkdtemp(prefix="tellers-fuzz-"))


def _put(data: bytes, name: str) -> Path:
    """Write ``data`` to a scratch file (one folder per run, overwritten per example)."""
    path = _WORK / name
    path.write_bytes(data)
    return path


def _csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def _profile_key(profile: Any) -> tuple[Any, ...]:
    return (tuple(profile.candidates), tuple(profile.ballots()))


# ------------------------------------------------------------------------ plain CSV

PLAIN_SEEDS = (
    b"Alice,Bob,Carol\nBob,,Alice\nCarol=Bob,Alice\n=\n,\n",
    b"3,Alice,Bob\n2,Bob\n1\n7,Carol=Alice,,Bob\n",
    b'"Smith, Jo",Alice\n\xef\xbb\xbfAlice\n  Bob  , Carol\n',
    (SHARED / "conformance")
    .joinpath("rctab", "generic_csv_test", "generic_csv_test_cvr.csv")
    .read_bytes()[:400],
)

_plain_input = st.one_of(
    st.binary(max_size=300),
    mutated(PLAIN_SEEDS),
    st.lists(st.lists(nasty_text(), max_size=6), max_size=8).map(_csv_bytes),
)


@fuzz_settings(weight=2)
@given(data=_plain_input, counts=st.booleans())
@counted("plain CSV (reference and fast readers)")
def test_plain_csv_readers_agree_and_refuse_with_a_message(data: bytes, counts: bool) -> None:
    path = _put(data, "ballots.csv")
    slow: list[Any] = []
    fast: list[Any] = []
    slow_err = rejects_cleanly(lambda: slow.append(read_csv_ballots(path, counts=counts)))
    fast_err = rejects_cleanly(lambda: fast.append(read_csv_fast(path, counts=counts)))
    assert (slow_err is None) == (fast_err is None), (slow_err, fast_err)
    if slow and fast:
        assert _profile_key(slow[0]) == _profile_key(fast[0])


@fuzz_settings(weight=0.5)
@given(data=_plain_input, names=st.lists(nasty_text().filter(str.strip), max_size=4, unique=True))
@counted("plain CSV with a candidate list")
def test_plain_csv_with_a_candidate_list_refuses_unknown_names(
    data: bytes, names: list[str]
) -> None:
    path = _put(data, "ballots.csv")
    rejects_cleanly(lambda: read_csv_ballots(path, candidates=names))


# ------------------------------------------------------------------ RCTab generic CSV

GENERIC_SEED = _seed("conformance", "rctab", "generic_csv_test", "generic_csv_test_cvr.csv")


@st.composite
def _generic_csv(draw: st.DrawFn) -> bytes:
    names = draw(st.lists(nasty_text(max_size=6), min_size=1, max_size=5))
    rank = st.one_of(st.integers(-2, 7).map(str), nasty_text(max_size=4))
    rows = [["id", *names]]
    for i in range(draw(st.integers(0, 6))):
        rows.append([f"r{i}", *draw(st.lists(rank, min_size=0, max_size=len(names) + 2))])
    return _csv_bytes(rows)


@fuzz_settings(weight=1)
@given(
    data=st.one_of(st.binary(max_size=200), mutated((GENERIC_SEED,)), _generic_csv()),
    first=st.integers(1, 5),  # column options are checked by the config reader (>= 1)
    id_column=st.one_of(st.none(), st.integers(1, 5)),
    write_in=st.one_of(st.none(), nasty_text(max_size=6)),
)
@counted("RCTab generic CSV")
def test_generic_csv_is_read_or_refused_with_a_message(
    data: bytes, first: int, id_column: int | None, write_in: str | None
) -> None:
    path = _put(data, "generic.csv")
    rejects_cleanly(
        lambda: read_generic_csv(
            path, first_vote_column=first, id_column=id_column, write_in_label=write_in
        )
    )


# -------------------------------------------------------------------- RCTab CVR CSV

CVR_HEADER = [
    "Source Filepath",
    "CVR Provider",
    "Contest Id",
    "Tabulator Id",
    "Batch Id",
    "Ballot Id",
    "Precinct",
    "Ballot Style",
    "Precinct Portion",
    "Split",
]
CVR_SEED = _csv_bytes(
    [
        [*CVR_HEADER, "Rank 1", "Rank 2", "Rank 3"],
        ["a.xlsx", "ess", "1", "", "", "1", "P1", "", "", "", "Alice", "undervote", "Bob"],
        ["a.xlsx", "ess", "1", "", "", "2", "P1", "", "", "", "overvote", "Bob\nAlice", ""],
    ]
)


@st.composite
def _cvr_csv(draw: st.DrawFn) -> bytes:
    ranks = draw(st.integers(0, 4))
    header = [*CVR_HEADER[: draw(st.integers(0, len(CVR_HEADER)))]]
    header += [
        draw(st.sampled_from([f"Rank {i + 1}", f"Rank {i}", "Rank x", "rank 1"]))
        for i in range(ranks)
    ]
    cell = st.one_of(
        st.sampled_from(["Alice", "Bob", "undervote", "overvote", "UWI", "Alice\nBob", ""]),
        nasty_text(max_size=6),
    )
    rows = [header]
    for _ in range(draw(st.integers(0, 5))):
        rows.append(draw(st.lists(cell, max_size=len(header) + 2)))
    return _csv_bytes(rows)


@fuzz_settings(weight=1)
@given(
    data=st.one_of(st.binary(max_size=200), mutated((CVR_SEED,)), _cvr_csv()),
    candidates=st.one_of(
        st.none(), st.lists(nasty_text(max_size=5).filter(str.strip), max_size=3, unique=True)
    ),
)
@counted("RCTab CVR CSV")
def test_rctab_cvr_csv_is_read_or_refused_with_a_message(
    data: bytes, candidates: list[str] | None
) -> None:
    path = _put(data, "cvr.csv")
    rejects_cleanly(lambda: read_rctab_csv(path, candidates=candidates))


# -------------------------------------------------------------------- CDF JSON / XML

CDF_JSON_SEED = _seed(
    "conformance",
    "rctab",
    "test_set_4_skipped_choice_next",
    "test_set_4_skipped_choice_next_cvr.json",
)[:6000]
CDF_XML_SEED = _seed("conformance", "rctab", "nist_xml_cdf_2", "nist_xml_cdf_2.xml")[:8000]

_CDF_KEYS = [
    "@type",
    "@id",
    "CVR",
    "CVRSnapshot",
    "CVRContest",
    "CVRContestSelection",
    "SelectionPosition",
    "Rank",
    "HasIndication",
    "NumberVotes",
    "IsAllocable",
    "ContestId",
    "ContestSelectionId",
    "CurrentSnapshotId",
    "Election",
    "Contest",
    "ContestSelection",
    "CandidateIds",
    "Candidate",
    "Name",
    "BallotStyleUnitId",
    "GpUnit",
    "Code",
    "Type",
    "Status",
]
_CDF_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 5),
    st.floats(allow_nan=True),
    st.sampled_from(["CVR.CVR", "CVR.CVRContest", "yes", "no", "true", "c1", "cs-a", "1"]),
    nasty_text(max_size=5),
)
_cdf_json_value = st.recursive(
    _CDF_VALUES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(_CDF_KEYS), inner, max_size=5),
    ),
    max_leaves=25,
)


@fuzz_settings(weight=1.5)
@given(
    data=st.one_of(
        st.binary(max_size=200),
        mutated((CDF_JSON_SEED,)),
        _cdf_json_value.map(lambda v: json.dumps(v).encode()),
    ),
    contest=st.one_of(st.none(), st.sampled_from(["1", "c1", "x"])),
)
@counted("CDF JSON")
def test_cdf_json_is_read_or_refused_with_a_message(data: bytes, contest: str | None) -> None:
    path = _put(data, "cvr.json")
    rejects_cleanly(lambda: read_cdf(path, contest))


def _xml(value: Any, tag: str = "CastVoteRecordReport") -> str:
    if isinstance(value, dict):
        inner = "".join(_xml(v, k.replace("@", "")) for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(_xml(v, "CVR") for v in value)
    else:
        from xml.sax.saxutils import escape

        inner = escape(str(value))
    return f"<{tag}>{inner}</{tag}>"


@fuzz_settings(weight=1.5)
@given(
    data=st.one_of(
        st.binary(max_size=200),
        mutated((CDF_XML_SEED,)),
        _cdf_json_value.map(
            lambda v: ('<?xml version="1.0"?>' + _xml(v)).encode("utf-8", "surrogatepass")
        ),
    ),
    contest=st.one_of(st.none(), st.sampled_from(["1", "c1", "x"])),
)
@counted("CDF XML")
def test_cdf_xml_is_read_or_refused_with_a_message(data: bytes, contest: str | None) -> None:
    path = _put(data, "cvr.xml")
    rejects_cleanly(lambda: read_cdf(path, contest))


# ------------------------------------------------------------------------ ES&S xlsx

ESS_SEED = _seed(
    "conformance",
    "rctab",
    "test_set_4_skipped_choice_next",
    "test_set_4_skipped_choice_next_cvr.xlsx",
)
_cell_value = st.one_of(
    st.none(),
    st.integers(-5, 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.sampled_from(["undervote", "overvote", "Alice", "Bob"]),
    nasty_text(max_size=8).map(lambda s: "".join(c for c in s if c.isprintable())),
)


@st.composite
def _workbook(draw: st.DrawFn) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in draw(st.lists(st.lists(_cell_value, max_size=6), max_size=6)):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@fuzz_settings(weight=0.6)
@given(
    data=st.one_of(st.binary(max_size=200), mutated((ESS_SEED,), max_ops=3), _workbook()),
    layout=st.builds(
        EssLayout,
        first_vote_column=st.integers(1, 4),  # layouts are checked by the config reader
        first_vote_row=st.integers(1, 3),
        rankings=st.one_of(st.none(), st.integers(1, 5)),
        id_column=st.one_of(st.none(), st.integers(1, 3)),
        overvote_delimiter=st.one_of(st.none(), st.sampled_from(["", "|", "//"])),
    ),
)
@counted("ES&S xlsx")
def test_ess_workbook_is_read_or_refused_with_a_message(data: bytes, layout: EssLayout) -> None:
    path = _put(data, "cvr.xlsx")
    rejects_cleanly(lambda: read_ess(path, layout))


# ------------------------------------------------------------------------------ BLT

BLT_SEEDS = (
    _seed("conformance", "droop", "blt", "scotland", "weak-defeat.blt"),
    _seed("conformance", "droop", "blt", "meek", "eq1.blt"),
    b'3 1\n-2\n1 1 2 0\n2 2 1 3 0\n1 3 0\n0\n"A"\n"B"\n"C"\n"Title"\n',
)


@st.composite
def _blt_tokens(draw: st.DrawFn) -> bytes:
    token = st.one_of(
        st.integers(-3, 12).map(str),
        st.sampled_from(
            [
                '"A"',
                '"B"',
                '"T"',
                "=",
                "-",
                "0",
                "#",
                "[",
                "]",
                "(",
                ")",
                "1.5",
                "2/3",
                '"',
                "[withdrawn 1]",
                "\n",
                "1=2",
            ]
        ),
    )
    return " ".join(draw(st.lists(token, max_size=40))).encode()


@fuzz_settings(weight=1.5)
@given(data=st.one_of(st.binary(max_size=200), mutated(BLT_SEEDS), _blt_tokens()))
@counted("BLT")
def test_blt_is_read_or_refused_with_a_message(data: bytes) -> None:
    path = _put(data, "election.blt")
    rejects_cleanly(lambda: read_blt(path))


# ------------------------------------------------------------------------- PrefLib

PREFLIB_SEEDS = (
    _seed("realdata", "preflib", "00030-uklabor", "00030-00000001.soi")[:2000],
    b"# FILE NAME: x.toc\n# DATA TYPE: toc\n# NUMBER ALTERNATIVES: 3\n"
    b"# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n# ALTERNATIVE NAME 3: C\n"
    b"# NUMBER VOTERS: 5\n# NUMBER UNIQUE ORDERS: 2\n3: 1,{2,3}\n2: 3,2,1\n",
)


@st.composite
def _preflib_lines(draw: st.DrawFn) -> bytes:
    header = draw(
        st.lists(
            st.sampled_from(
                [
                    "# NUMBER ALTERNATIVES: 3",
                    "# NUMBER ALTERNATIVES: -1",
                    "# ALTERNATIVE NAME 1: A",
                    "# ALTERNATIVE NAME 9: Z",
                    "# DATA TYPE: soi",
                    "# DATA TYPE: toc",
                    "# NUMBER VOTERS: 2",
                    "# ALTERNATIVE NAME 1:",
                    "#",
                    "# NUMBER UNIQUE ORDERS: x",
                ]
            ),
            max_size=6,
        )
    )
    item = st.one_of(st.integers(-1, 5).map(str), st.sampled_from(["{1,2}", "{", "}", "{}"]))
    body = [
        f"{draw(st.integers(-2, 9))}: {','.join(draw(st.lists(item, max_size=5)))}"
        for _ in range(draw(st.integers(0, 4)))
    ]
    return "\n".join(header + body).encode()


@fuzz_settings(weight=1.5)
@given(
    data=st.one_of(st.binary(max_size=200), mutated(PREFLIB_SEEDS), _preflib_lines()),
    suffix=st.sampled_from([".soi", ".toc", ".soc", ".toi"]),
)
@counted("PrefLib")
def test_preflib_is_read_or_refused_with_a_message(data: bytes, suffix: str) -> None:
    path = _put(data, "election" + suffix)
    rejects_cleanly(lambda: read_preflib(path))


# ------------------------------------------------------------------- SB1288 specs

SB_SEED = _seed("conformance", "sb1288", "test_stv_altdef", "altdef-000-1.json")
_sb_root = _WORK / "sb1288"
_sb_root.mkdir(exist_ok=True)
(_sb_root / "all-tests-spec.json").write_bytes(b"{}")
(_sb_root / "base.json").write_bytes(SB_SEED)


def _sb_value(v: Any) -> bytes:
    return json.dumps(v).encode()


_SB_KEYS = [
    "description",
    "include",
    "contest_name",
    "candidates",
    "winners",
    "ballots",
    "nbr_seats_to_fill",
    "options",
    "expected",
    "tally",
    "elected",
    "defeated",
    "status_codes",
    "tie_breaker",
    "max_ranking_levels",
]
_sb_json = st.recursive(
    st.one_of(
        st.none(),
        st.integers(-2, 5),
        st.sampled_from(
            ["A", "B", "base.json", "../../../etc/passwd", "/etc/passwd", "A B C", "1.5", ""]
        ),
        nasty_text(max_size=5),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_SB_KEYS), inner, max_size=6)
    ),
    max_leaves=20,
)


@fuzz_settings(weight=1)
@given(data=st.one_of(st.binary(max_size=200), mutated((SB_SEED,)), _sb_json.map(_sb_value)))
@counted("SB1288 spec")
def test_sb1288_spec_is_read_or_refused_with_a_message(data: bytes) -> None:
    path = _sb_root / "case.json"
    path.write_bytes(data)
    rejects_cleanly(lambda: read_sb1288_spec(path, root=_sb_root))


# ---------------------------------------------------------------------------- rolls

ROLL_SEED = (
    b"person_id,name,kind,start,end,standing,fee_paid_at,fee_pence,body,affiliate\n"
    b"p1,Ada,member,2020-01-01,,good,,,,\n"
    b"p2,Bo,registered supporter,2021-02-03,,good,2021-03-01T10:00:00+00:00,300,,\n"
    b"p3,Cy,seat,2019-05-05,2024-01-01,lapsed,,,plp,\n"
)


@st.composite
def _roll_rows(draw: st.DrawFn) -> bytes:
    columns = draw(
        st.permutations(
            [
                "person_id",
                "name",
                "kind",
                "start",
                "end",
                "standing",
                "fee_paid_at",
                "fee_pence",
                "body",
                "affiliate",
            ]
        )
    )
    cell = st.one_of(
        st.sampled_from(
            [
                "p1",
                "member",
                "seat",
                "good",
                "lapsed",
                "2020-01-01",
                "2020-13-40",
                "2021-03-01T10:00:00",
                "2021-03-01T10:00:00+00:00",
                "-5",
                "1e9",
                "99999999999999999999999",
            ]
        ),
        nasty_text(max_size=8),
    )
    rows = [list(columns)] + [
        draw(st.lists(cell, max_size=len(columns) + 1)) for _ in range(draw(st.integers(0, 5)))
    ]
    return _csv_bytes(rows)


@fuzz_settings(weight=1.5)
@given(data=st.one_of(st.binary(max_size=200), mutated((ROLL_SEED,)), _roll_rows()))
@counted("roll CSV")
def test_roll_file_problems_name_the_line_and_column(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    found: list[Any] = []
    if rejects_cleanly(lambda: found.append(read_roll_csv(text))) is None:
        for problem in found[0].problems:
            assert problem.line >= 1
            assert str(problem.problem).strip()


# --------------------------------------------------------------------- contest specs

SPEC_SEED = b"""
kind = "election"
title = "General Secretary"
method = "irv"
seats = 1
seed = 42
candidates = ["Ada", "Bo"]

[electorate]
version = "2024"

[[electorate.sections]]
name = "members"
kind = "member"
joined_on_or_before = 2024-01-01
standings = ["good"]
channels = ["online", "post"]

[nominations]
bodies = ["plp"]
threshold = "20%"
snapshot_at = "2024-01-01T00:00:00+00:00"
"""

_SPEC_KEYS = [
    "kind",
    "title",
    "question",
    "rule_version",
    "method",
    "seats",
    "seed",
    "reissue_cutoff",
    "motion",
    "candidates",
    "nominations",
    "electorate",
    "sections",
    "name",
    "basis",
    "share",
    "threshold",
    "snapshot_at",
    "bodies",
    "version",
    "joined_on_or_before",
    "standings",
    "channels",
    "fee_window",
    "opens",
    "closes",
    "min_fee_pence",
    "id",
    "person",
    "turnout_threshold",
]
_spec_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(),
        st.sampled_from(
            [
                "election",
                "motion",
                "leadership",
                "member",
                "seat",
                "1/2",
                "20%",
                "0.2",
                "2024-01-01",
                "2024-01-01T00:00:00+00:00",
                "2024-01-01T00:00:00",
                "irv",
                "valid votes",
                "online",
            ]
        ),
        nasty_text(max_size=6),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_SPEC_KEYS), inner, max_size=8)
    ),
    max_leaves=30,
)


def _spec_then_contest(text: str) -> None:
    spec = parse_spec(text)
    contest_from_spec(
        spec, contest_id=ContestId("c-fuzz"), organisation_id=OrganisationId("o-fuzz")
    )


@fuzz_settings(weight=1.5)
@given(
    text=st.one_of(
        st.text(max_size=200),
        mutated((SPEC_SEED,)).map(lambda b: b.decode("utf-8", "replace")),
        _spec_json.map(
            lambda v: json.dumps({"electorate": {}, **v} if isinstance(v, dict) else v, default=str)
        ),
    )
)
@counted("contest spec (TOML/JSON)")
def test_contest_spec_is_read_or_refused_with_a_message(text: str) -> None:
    rejects_cleanly(lambda: _spec_then_contest(text))


# ---------------------------------------------------------------------- RCTab configs

CONFIG_SEED = _seed("conformance", "rctab", "generic_csv_test", "generic_csv_test_config.json")
_cfg_dir = _WORK / "rctab"
_cfg_dir.mkdir(exist_ok=True)
(_cfg_dir / "generic_csv_test_cvr.csv").write_bytes(GENERIC_SEED)


def _edit_config(data: bytes, edits: dict[str, Any]) -> bytes:
    try:
        config = json.loads(data)
    except ValueError:
        return data
    if not isinstance(config, dict):
        return data
    for dotted, value in edits.items():
        where: Any = config
        *path, last = dotted.split(".")
        for key in path:
            where = where.get(key) if isinstance(where, dict) else None
            if isinstance(where, list) and where:
                where = where[0]
        if isinstance(where, dict):
            where[last] = value
    return json.dumps(config).encode()


_CONFIG_FIELDS = [
    "rules.tiebreakMode",
    "rules.overvoteRule",
    "rules.winnerElectionMode",
    "rules.numberOfWinners",
    "rules.maxRankingsAllowed",
    "rules.randomSeed",
    "rules.multiSeatBottomsUpPercentageThreshold",
    "rules.decimalPlacesForVoteArithmetic",
    "cvrFileSources.filePath",
    "cvrFileSources.provider",
    "cvrFileSources.firstVoteColumnIndex",
    "cvrFileSources.firstVoteRowIndex",
    "cvrFileSources.idColumnIndex",
    "candidates",
    "cvrFileSources",
    "outputSettings.contestName",
    "rules.minimumVoteThreshold",
]


@fuzz_settings(weight=1)
@given(
    data=st.one_of(
        st.binary(max_size=200),
        mutated((CONFIG_SEED,), max_ops=3),
        st.dictionaries(
            st.sampled_from(_CONFIG_FIELDS),
            st.one_of(
                _CDF_VALUES,
                st.sampled_from(
                    [
                        "../../../../etc/passwd",
                        "/etc/passwd",
                        "genericCsv",
                        "ess",
                        "cdf",
                        "x.csv",
                        "1",
                        "0",
                        "-1",
                        "9",
                        "random",
                    ]
                ),
            ),
            max_size=4,
        ).map(lambda edits: _edit_config(CONFIG_SEED, edits)),
    )
)
@counted("RCTab config")
def test_rctab_config_is_read_or_refused_with_a_message(data: bytes) -> None:
    path = _cfg_dir / "contest_config.json"
    path.write_bytes(data)
    rejects_cleanly(lambda: read_rctab_config(path))
    rejects_cleanly(lambda: load_rctab_contest(path))


# ---------------------------------------------------------------- format detection


@fuzz_settings(weight=1)
@given(
    data=st.one_of(st.binary(max_size=200), mutated(PLAIN_SEEDS + BLT_SEEDS + PREFLIB_SEEDS)),
    suffix=st.sampled_from([".csv", ".json", ".xml", ".blt", ".soi", ".toc", ".txt", "", ".xlsx"]),
)
@counted("auto-detected ballot file")
def test_auto_detection_reads_or_refuses_with_a_message(data: bytes, suffix: str) -> None:
    path = _put(data, "ballots" + suffix)
    rejects_cleanly(lambda: read_profile(path))


# -------------------------------------------------- bulletin board and audit export


@fuzz_settings(weight=1)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        _cdf_json_value.map(lambda v: json.dumps(v).encode()),
        st.lists(_cdf_json_value.map(json.dumps), max_size=4).map(
            lambda lines: "\n".join(lines).encode()
        ),
    )
)
@counted("bulletin board and audit log files")
def test_board_and_audit_files_are_read_or_refused_with_a_message(data: bytes) -> None:
    rejects_cleanly(lambda: read_board(data))
    rejects_cleanly(lambda: read_audit_log(data))


# ----------------------------------------------------- huge, deep and hostile files


def _huge_inputs() -> Iterator[tuple[str, str, bytes]]:
    yield "csv-long-line", "huge.csv", b"Alice," * 2_000_000 + b"Bob\n"
    yield "csv-many-lines", "huge.csv", b"Alice,Bob\n" * 1_000_000
    yield "csv-huge-cell", "huge.csv", b'"' + b"A" * 30_000_000 + b'"\n'
    yield "csv-unclosed-quote", "huge.csv", b'Alice,"Bob\n' * 100_000
    yield "json-deep", "deep.json", b"[" * 200_000 + b"]" * 200_000
    yield "json-deep-objects", "deep.json", b'{"CVR":' * 100_000 + b"1" + b"}" * 100_000
    yield "xml-deep", "deep.xml", b"<a>" * 100_000 + b"</a>" * 100_000
    yield (
        "xml-billion-laughs",
        "bomb.xml",
        (
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(
                f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode()
                for i in range(9)
            )
            + b"]><CastVoteRecordReport>&j;</CastVoteRecordReport>"
        ),
    )
    yield (
        "xml-external-entity",
        "xxe.xml",
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<CastVoteRecordReport>&x;</CastVoteRecordReport>"
        ),
    )
    yield "blt-huge-numbers", "huge.blt", b"3 1\n" + b"9" * 100_000 + b" 1 0\n0\n"
    yield "blt-many-ballots", "huge.blt", b"3 1\n" + b"1 1 2 3 0\n" * 500_000 + b"0\n"
    yield "preflib-huge-count", "huge.soi", b"# NUMBER ALTERNATIVES: 1\n" + b"9" * 99_999 + b": 1\n"
    yield "not-utf8", "bad.csv", b"Alice,Bob\n\xff\xfe\xc3(\n"
    yield "utf16", "bad.csv", "Alice,Bob\n".encode("utf-16")


@pytest.mark.parametrize(
    ("case", "name", "data"), list(_huge_inputs()), ids=[c for c, _, _ in _huge_inputs()]
)
def test_huge_deep_and_hostile_files_are_read_or_refused_with_a_message(
    case: str, name: str, data: bytes
) -> None:
    path = _put(data, name)
    started = datetime.now(UTC)
    rejects_cleanly(lambda: read_profile(path))
    elapsed = (datetime.now(UTC) - started).total_seconds()
    assert elapsed < 60, f"{case}: took {elapsed:.0f} s"
    if case in ("xml-billion-laughs", "xml-external-entity", "not-utf8", "utf16"):
        assert rejects_cleanly(lambda: read_profile(path)) is not None, case


def test_an_rctab_config_cannot_name_a_file_that_is_not_there_through_traversal() -> None:
    config = json.loads(CONFIG_SEED)
    config["cvrFileSources"][0]["filePath"] = "../../../../../../etc/shadow-not-here"
    path = _cfg_dir / "traversal_config.json"
    path.write_text(json.dumps(config))
    err = rejects_cleanly(lambda: load_rctab_contest(path))
    assert err is not None
    assert "not found" in str(err)


# ------------------------------------------------------- roll file (CLI roll import)

CLI_ROLL_SEED = (
    b"person_id,name,email,address,kind,start,end,standing,body,affiliate,fee_paid_at,"
    b"fee_pence,membership_id\n"
    b"p1,Ada,ada@example.org,,member,2020-01-01,,good,,,,,\n"
    b"p1,Ada,ada@example.org,,seat,2020-01-01,,good,plp,,,,\n"
    b"p2,Bo,,,registered supporter,2021-02-03,,good,,,2021-03-01T10:00:00+00:00,300,\n"
)


@fuzz_settings(weight=1.5)
@given(
    data=st.one_of(st.binary(max_size=200), mutated((CLI_ROLL_SEED,)), _roll_rows()),
    skip=st.booleans(),
)
@counted("roll file (roll import)")
def test_cli_roll_reader_is_read_or_refused_with_a_message(data: bytes, skip: bool) -> None:
    from tellers.formats.roll_csv import RollReader

    path = _put(data, "roll.csv")
    rejects_cleanly(lambda: list(RollReader(path, skip_invalid=skip).rows()))


# --------------------------------------------------- path traversal in written names


@fuzz_settings(weight=0.2)
@given(
    slice_id=st.one_of(
        nasty_text(max_size=20),
        st.sampled_from(["..", ".", "../../etc/passwd", "..\\..\\x", "/abs", "C:\\x", "a/../b"]),
    ),
    kind=st.sampled_from(["precinct", "batch"]),
)
@counted("report file names from precinct and batch ids")
def test_a_precinct_or_batch_id_cannot_name_a_file_outside_the_report_folder(
    slice_id: str, kind: str
) -> None:
    from tellers.formats.rctab_report import slice_file_stem

    folder = _WORK / "reports"
    stem = slice_file_stem(kind, slice_id)
    assert "/" not in stem
    assert "\\" not in stem
    assert stem not in (".", "..")
    target = (folder / f"{stem}.json").resolve()
    assert target.parent == folder.resolve()
