"""Our RCTab readers against RCTab's own view of the same cast vote records.

The oracles are files RCTab wrote, read in place from ``shared/conformance/rctab`` (see
its README; BrightSpots/rcv ``src/test/resources/.../test_data``, MPL-2.0):

- ``conversions_from_cdf`` and ``conversions_from_ess``: RCTab's normalised CSV dump of
  the CVRs (``*_expected.csv``). The ballots our CDF and ES&S readers produce from those
  cases' configs must be exactly the ballots in the dump (aliases resolved, skipped
  ranks, overvotes), as a multiset.
- ``conversions_from_dominion_expected.csv`` and ``2024_alaska_dominion``'s
  ``_expected_rctab_cvr.csv``: RCTab's dump of the ballots of ``dominion_alaska`` and
  ``2024_alaska_dominion``. The ballots our Dominion reader produces from the JSON export
  must be those ballots (the dump shows only the first ``maxRankingsAllowed`` ranks);
  the contests also load from the dump itself.
- Every case with an expected report (CDF JSON/XML, ES&S xlsx, generic CSV, Clear Ballot
  CSV, Dominion JSON, Hart XML): the number of ballots must equal the report's
  ``summary.totalNumBallots``, and the ballots with no mark at all must equal its
  ``summary.undervotes``. Round-by-round agreement is the tabulator's test.
- ``max_ranking_enforcement``: RCTab's test expects
  ``CastVoteRecordGenericParseException`` (a ranking above ``maxRankingsAllowed``); we raise
  :class:`BallotFileError` naming the row and column.
- The NIST test sets that ship the same ballots twice (CDF JSON and xlsx): our CDF and
  ES&S readers must agree.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from tellers.counting.profile import Profile
from tellers.errors import BallotFileError
from tellers.formats.ess import read_ess
from tellers.formats.rctab_config import (
    load_rctab_contest,
    load_rctab_contest_from_csv,
    read_rctab_config,
)
from tellers.formats.rctab_csv import read_rctab_csv
from tests.conftest import SHARED

RCTAB = SHARED / "conformance" / "rctab"
READ = {"cdf", "clearBallot", "dominion", "ess", "genericCsv", "hart"}
LARGE = {
    "2013_minneapolis_mayor",
    "2013_minneapolis_park",
    "2013_minneapolis_park_bottoms_up",
    "2013_minneapolis_park_hare",
    "2013_minneapolis_park_sequential",
    "2017_minneapolis_mayor",
}


def _config(case: str) -> Path:
    return RCTAB / case / f"{case}_config.json"


def _providers(case: str) -> set[str]:
    data = json.loads(_config(case).read_text(encoding="utf-8"))
    return {source["provider"] for source in data["cvrFileSources"]}


def _report(case: str) -> Path | None:
    for name in (
        f"{case}_expected_detailed_report.json",
        f"{case}_1_expected_detailed_report.json",
    ):
        if (RCTAB / case / name).is_file():
            return RCTAB / case / name
    return None


def _cases() -> list[str]:
    if not RCTAB.is_dir():
        return []
    return sorted(p.parent.name for p in RCTAB.glob("*/*_config.json"))


def _summary(case: str) -> dict[str, object]:
    report = _report(case)
    assert report is not None
    summary: dict[str, object] = json.loads(report.read_text(encoding="utf-8"))["summary"]
    return summary


def _by_name(profile: Profile, depth: int | None = None) -> Counter[tuple[object, ...]]:
    """The ballots as a multiset of rankings by name (overvotes as sorted name tuples).

    ``depth`` keeps only the first ranks (trailing skipped ranks dropped), as a dump
    that shows only that many rank columns.
    """
    ballots: Counter[tuple[object, ...]] = Counter()
    for row in range(len(profile)):
        names = list(profile.ranked_names(row)[:depth])
        while names and names[-1] is None:
            names.pop()
        ballots[tuple(names)] += int(profile.counts[row])
    return ballots


def _param(case: str) -> object:
    marks = [pytest.mark.slow] if case in LARGE else []
    return pytest.param(case, id=case, marks=marks)


TABULATED = [_param(c) for c in _cases() if _report(c) is not None and _providers(c) <= READ]
NOT_READ = [c for c in _cases() if not _providers(c) <= READ]


def test_the_case_index_matches_the_readme() -> None:
    # README: 70 folders; 66 with an expected report; by format 39 ES&S, 13 CDF JSON,
    # 8 CDF XML, 3 generic CSV, 2 Clear Ballot, 3 Dominion, 2 Hart.
    assert len(_cases()) == 70
    assert len(TABULATED) == 66  # every case with a report, vendor formats included
    assert NOT_READ == []
    by_provider = Counter(p for case in _cases() for p in _providers(case))
    assert by_provider["dominion"] == 3
    assert by_provider["hart"] == 2


@pytest.mark.parametrize(
    ("case", "dump"),
    [
        ("conversions_from_cdf", "conversions_from_cdf_expected.csv"),
        ("conversions_from_ess", "conversions_from_ess_expected.csv"),
    ],
)
def test_our_ballots_equal_rctabs_own_csv_dump_of_the_same_cvrs(case: str, dump: str) -> None:
    ours = load_rctab_contest(_config(case)).profile
    theirs = read_rctab_csv(RCTAB / case / dump)
    assert sum(_by_name(ours).values()) == theirs.total
    assert _by_name(ours) == _by_name(theirs)


def test_aliases_case_reads_the_same_two_cdf_files_as_the_conversion_dump() -> None:
    ours = load_rctab_contest(_config("aliases_cdf_json")).profile
    theirs = read_rctab_csv(RCTAB / "conversions_from_cdf" / "conversions_from_cdf_expected.csv")
    assert _by_name(ours) == _by_name(theirs)


@pytest.mark.parametrize(
    ("case", "dump"),
    [
        ("dominion_alaska", "conversions_from_dominion/conversions_from_dominion_expected.csv"),
        (
            "2024_alaska_dominion",
            "2024_alaska_dominion/2024_alaska_dominion_expected_rctab_cvr.csv",
        ),
    ],
)
def test_dominion_cases_load_from_rctabs_csv_with_the_reports_ballot_count(
    case: str, dump: str
) -> None:
    contest = load_rctab_contest_from_csv(_config(case), RCTAB / dump)
    summary = _summary(case)
    assert contest.profile.total == Decimal(str(summary["totalNumBallots"]))
    assert sum(n for marks, n in contest.profile.ballots() if not marks) == summary["undervotes"]
    # The write-in code of the config (12, 476) became the undeclared write-in.
    assert contest.profile.candidates[-1] == "Undeclared Write-ins"


@pytest.mark.parametrize("case", TABULATED)
def test_every_readable_case_loads_with_the_reports_ballot_and_undervote_counts(
    case: str,
) -> None:
    contest = load_rctab_contest(_config(case))
    summary = _summary(case)
    assert contest.profile.total == Decimal(str(summary["totalNumBallots"]))
    undervotes = sum(n for marks, n in contest.profile.ballots() if not marks)
    assert undervotes == summary["undervotes"]
    declared = [c.name for c in contest.config.candidates]
    assert list(contest.profile.candidates[: len(declared)]) == declared


@pytest.mark.parametrize(
    ("case", "dump"),
    [
        (
            "conversions_from_dominion",
            "conversions_from_dominion/conversions_from_dominion_expected.csv",
        ),
        ("dominion_alaska", "conversions_from_dominion/conversions_from_dominion_expected.csv"),
        (
            "2024_alaska_dominion",
            "2024_alaska_dominion/2024_alaska_dominion_expected_rctab_cvr.csv",
        ),
    ],
)
def test_dominion_json_gives_the_ballots_of_rctabs_csv_dump(case: str, dump: str) -> None:
    ours = load_rctab_contest(_config(case))
    theirs = load_rctab_contest_from_csv(_config(case), RCTAB / dump)
    assert ours.profile.candidates == theirs.profile.candidates
    assert ours.profile.total == theirs.profile.total
    # RCTab writes maxRankingsAllowed rank columns ("max": 4 in 2024_alaska_dominion,
    # whose contest allows 5 ranks), so compare what the dump shows.
    depth = theirs.profile.depth
    assert _by_name(ours.profile, depth) == _by_name(theirs.profile, depth)


def test_dominion_records_are_rctabs_records_in_rctabs_order() -> None:
    # 197 sessions of the 2024 export carry contest 7; the 73 of tabulator 92302 have
    # OutstackConditionIds [7] ("InvalidContest", Alaska's partial-count ballots), and
    # RCTab's dump lists the other 124, by tabulator, batch and record id, in file order.
    from tellers.formats.dominion import read_dominion_records

    config = read_rctab_config(_config("2024_alaska_dominion"))
    ours = read_dominion_records(config, config.sources[0])
    dump = RCTAB / "2024_alaska_dominion" / "2024_alaska_dominion_expected_rctab_cvr.csv"
    with dump.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r.record_id for r in ours] == [
        f"{row['Tabulator Id']}-{row['Batch Id']}-{row['Record Id']}" for row in rows
    ]
    assert [r.precinct for r in ours] == [row["Precinct"] or None for row in rows]


def test_a_rank_above_max_rankings_allowed_is_refused_naming_row_and_column() -> None:
    # Upstream TabulatorTests.maxRankingValidationFails expects
    # CastVoteRecordGenericParseException: ballot "1" ranks Candidate D 4th, limit 3.
    with pytest.raises(BallotFileError) as caught:
        load_rctab_contest(_config("max_ranking_enforcement"))
    assert caught.value.path.endswith("max_ranking_enforcement_cvr.csv")
    assert caught.value.location == "row 2"
    assert caught.value.field == "column 5"
    assert "ranking 4" in caught.value.problem
    assert "max ranking 3" in caught.value.problem


def test_every_config_in_the_suite_passes_validation() -> None:
    for case in _cases():
        config = read_rctab_config(_config(case))
        assert config.contest_name
        assert config.sources


def test_precinct_and_batch_slices_partition_the_ballots_with_rctabs_slice_names() -> None:
    contest = load_rctab_contest(_config("generic_csv_test"))
    # RCTab's expected slice reports: Tabulate by Precinct/..._{p1,p2,no_precinct_id}_...
    folder = RCTAB / "generic_csv_test"
    precinct_names = {
        p.name.removeprefix("generic_csv_test_expected_").removesuffix(
            "_precinct_detailed_report.csv"
        )
        for p in (folder / "Tabulate by Precinct").iterdir()
    }
    batch_names = {
        p.name.removeprefix("generic_csv_test_expected_").removesuffix("_batch_detailed_report.csv")
        for p in (folder / "Tabulate by Batch").iterdir()
    }
    assert set(contest.precincts) == precinct_names
    assert set(contest.batches) == batch_names
    assert sum(p.total for p in contest.precincts.values()) == contest.profile.total
    assert sum(p.total for p in contest.batches.values()) == contest.profile.total


def test_missing_precinct_rows_are_grouped_under_rctabs_name() -> None:
    contest = load_rctab_contest(_config("missing_precinct_example"))
    folder = RCTAB / "missing_precinct_example" / "Tabulate by Precinct"
    reports = {p.name for p in folder.glob("*.json")}
    assert (
        "missing_precinct_example_expected_missing_precinct_id_precinct_detailed_report.json"
        in (reports)
    )
    assert "missing_precinct_id" in contest.precincts
    by_file_name = {name.replace(" ", "_"): profile for name, profile in contest.precincts.items()}
    for report in folder.glob("*.json"):
        name = report.name.removeprefix("missing_precinct_example_expected_").removesuffix(
            "_precinct_detailed_report.json"
        )
        summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
        assert by_file_name[name].total == Decimal(summary["totalNumBallots"])


CROSS_FORMAT = [
    # NIST test sets ship the same ballots as CDF JSON (read by the config) and as an
    # ES&S-style xlsx with short names (A for "Candidate A Name") and bare "overvote"
    # cells. test_set_0's xlsx is left out: it has one more, empty, formatted row.
    "test_set_1_exhaust_at_overvote",
    "test_set_3_skipped_choice_exhaust",
    "test_set_4_skipped_choice_next",
    "test_set_5_two_skipped_choice_exhaust",
    "test_set_6_duplicate_exhaust",
    "test_set_7_duplicate_skip_to_next",
    "test_set_multi_winner_whole_threshold",
]


def _shape(profile: Profile, rename: dict[str, str]) -> Counter[tuple[object, ...]]:
    """Ballots by name, every overvote as one token (the xlsx does not say who)."""
    ballots: Counter[tuple[object, ...]] = Counter()
    for row in range(len(profile)):
        ballots[
            tuple(
                "overvote" if isinstance(mark, tuple) else None if mark is None else rename[mark]
                for mark in profile.ranked_names(row)
            )
        ] += int(profile.counts[row])
    return ballots


@pytest.mark.parametrize("case", CROSS_FORMAT)
def test_cdf_json_and_xlsx_copies_of_a_nist_test_set_give_the_same_ballots(case: str) -> None:
    cdf = load_rctab_contest(_config(case)).profile
    xlsx = read_ess(RCTAB / case / f"{case}_cvr.xlsx")
    short = {name: name.removeprefix("Candidate ").removesuffix(" Name") for name in cdf.candidates}
    same = {name: name.strip() for name in xlsx.candidates}
    assert _shape(cdf, short) == _shape(xlsx, same)
