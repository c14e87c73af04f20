"""RCTab's own regression cases, counted by tellers and compared with RCTab's reports.

The cases are RCTab's ``test_data`` (BrightSpots/rcv, see
``shared/conformance/rctab/README.md``), read in place. Every case folder that has an
expected detailed report is tabulated (cases whose CVR provider the readers do not
support yet are skipped, saying so), and the report tellers writes must equal RCTab's:
the same keys in the same order, the same rounds, tallies, transfers, inactive ballots,
thresholds and summary, amounts compared as exact decimals. Only
``config.generatedBy`` (which names the program) is ignored, as RCTab's own test does.
Every case is counted from its own cast vote records, the vendor formats included
(Dominion JSON for ``dominion_alaska`` and ``2024_alaska_dominion``, Hart XML for the two
``hart_*`` cases). As an extra check, the two Dominion cases are also counted from
RCTab's own CSV conversion of the same ballots (``conversions_from_dominion``, and the
``_expected_rctab_cvr.csv`` shipped with ``2024_alaska_dominion``). The per-precinct and
per-batch reports ("Tabulate by Precinct/Batch") are compared in the same way.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

from tellers.counting.methods import CountParams, count
from tellers.errors import BallotFileError, ConfigError, TellersError
from tellers.formats.rctab_config import (
    RctabContest,
    load_rctab_contest,
    read_rctab_config,
)
from tellers.formats.rctab_report import (
    count_rctab,
    options_from_config,
    slice_file_stem,
    slice_reports,
    tabulate_rctab,
)

from ..conftest import SHARED

RCTAB = SHARED / "conformance" / "rctab"
READABLE = {"cdf", "ess", "genericCsv", "dominion", "hart"}
"""Providers the readers were known to read when this test was written; the others are
tried, and skipped while the readers say they are not supported yet."""
CSV_ROUTE = {
    # RCTab's own CSV conversion of the same Dominion ballots (see the README)
    "dominion_alaska": (
        RCTAB / "conversions_from_dominion" / "conversions_from_dominion_expected.csv"
    ),
    "2024_alaska_dominion": (
        RCTAB / "2024_alaska_dominion" / "2024_alaska_dominion_expected_rctab_cvr.csv"
    ),
}


def _config_path(folder: Path) -> Path:
    return folder / f"{folder.name}_config.json"


def _expected_reports(folder: Path) -> list[Path]:
    stem = folder.name
    single = folder / f"{stem}_expected_detailed_report.json"
    if single.exists():
        return [single]
    passes: list[tuple[int, Path]] = []
    for path in folder.glob(f"{stem}_*_expected_detailed_report.json"):
        middle = path.name[len(stem) + 1 : -len("_expected_detailed_report.json")]
        if middle.isdigit():
            passes.append((int(middle), path))
    return [path for _, path in sorted(passes)]


def _providers(folder: Path) -> set[str]:
    raw = json.loads(_config_path(folder).read_text(encoding="utf-8"))
    return {str(source.get("provider", "")) for source in raw.get("cvrFileSources", [])}


def _cases() -> list[Any]:
    params: list[Any] = []
    if not RCTAB.is_dir():
        return params
    for folder in sorted(p for p in RCTAB.iterdir() if p.is_dir()):
        if not _config_path(folder).exists() or not _expected_reports(folder):
            continue
        params.append(pytest.param(folder, id=folder.name))
    return params


def _number(text: str) -> Decimal | str:
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def _comparable(value: Any) -> Any:
    """Keys in order, amounts as exact decimals, ``config.generatedBy`` dropped."""
    if isinstance(value, dict):
        return [(key, _comparable(item)) for key, item in value.items() if key != "generatedBy"]
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, str):
        return _number(value)
    return value


def _load_from_rctab_csv(folder: Path) -> RctabContest:
    rctab_csv = pytest.importorskip("tellers.formats.rctab_csv")
    config = read_rctab_config(_config_path(folder))
    labels = [s.undeclared_write_in_label for s in config.sources if s.undeclared_write_in_label]
    profile = rctab_csv.read_rctab_csv(
        CSV_ROUTE[folder.name],
        candidates=[c.name for c in config.candidates],
        write_in_labels=labels,
    )
    return RctabContest(config=config, profile=profile)


def _load(folder: Path) -> RctabContest:
    try:
        return load_rctab_contest(_config_path(folder))
    except ConfigError as err:
        if "not supported yet" not in str(err):
            raise
        unread = ", ".join(sorted(_providers(folder) - READABLE))
        pytest.skip(f"provider not supported yet ({unread})")


@pytest.mark.parametrize("folder", _cases())
def test_report_matches_rctab(folder: Path) -> None:
    contest = _load(folder)
    reports = tabulate_rctab(contest)
    expected = [json.loads(path.read_text(encoding="utf-8")) for path in _expected_reports(folder)]
    assert len(reports) == len(expected)
    for ours, theirs in zip(reports, expected, strict=True):
        assert _comparable(ours) == _comparable(theirs)


@pytest.mark.parametrize("folder", [RCTAB / name for name in CSV_ROUTE], ids=list(CSV_ROUTE))
def test_dominion_report_from_rctabs_csv_conversion_matches_rctab(folder: Path) -> None:
    reports = tabulate_rctab(_load_from_rctab_csv(folder))
    expected = [json.loads(path.read_text(encoding="utf-8")) for path in _expected_reports(folder)]
    assert [_comparable(r) for r in reports] == [_comparable(e) for e in expected]


def test_case_discovery_finds_the_documented_cases() -> None:
    names = {param.id for param in _cases()}
    for stem in ("test_set_0_skipped_first_choice", "2013_minneapolis_mayor", "dominion_alaska"):
        assert stem in names


def test_rank_beyond_max_rankings_is_rejected_as_rctab_rejects_it() -> None:
    folder = RCTAB / "max_ranking_enforcement"
    with pytest.raises(BallotFileError) as caught:
        tabulate_rctab(load_rctab_contest(_config_path(folder)))
    assert "max" in str(caught.value).lower()


def test_rejection_is_a_tellers_error() -> None:
    assert issubclass(BallotFileError, TellersError)


def _slice_cases() -> list[Any]:
    params: list[Any] = []
    if not RCTAB.is_dir():
        return params
    for folder in sorted(p for p in RCTAB.iterdir() if p.is_dir()):
        expected = sorted(folder.glob("Tabulate by */*_detailed_report.json"))
        if not expected or not _config_path(folder).exists():
            continue
        params.append(pytest.param(folder, expected, id=folder.name))
    return params


@pytest.mark.parametrize(("folder", "expected"), _slice_cases())
def test_slice_reports_match_rctab(folder: Path, expected: list[Path]) -> None:
    contest = _load(folder)
    ours = {slice_file_stem(kind, sid): report for kind, sid, report in slice_reports(contest)}
    prefix = f"{folder.name}_expected_"
    suffix = "_detailed_report.json"
    for path in expected:
        stem = path.name[len(prefix) : -len(suffix)]
        assert stem in ours, f"no {stem} slice among {sorted(ours)}"
        theirs = json.loads(path.read_text(encoding="utf-8"))
        assert _comparable(ours[stem]) == _comparable(theirs), stem


SMALL_SINGLE_WINNER = [
    param
    for param in _cases()
    if _providers(param.values[0]) <= READABLE
    and json.loads(_config_path(param.values[0]).read_text(encoding="utf-8"))["rules"][
        "winnerElectionMode"
    ]
    == "singleWinnerMajority"
    and not param.id.startswith("20")
]


@pytest.mark.parametrize("folder", SMALL_SINGLE_WINNER)
def test_irv_rule_with_rctab_options_counts_as_rctab(folder: Path) -> None:
    contest = load_rctab_contest(_config_path(folder))
    options = options_from_config(contest.config, contest.profile.candidates)
    options["engine"] = "reference"
    result = count(contest.profile, "irv", CountParams(options=options))
    (expected,) = count_rctab(contest)
    assert result.winners == expected.winners
    assert result.rounds == expected.rounds
