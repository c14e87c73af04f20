"""Dominion Democracy Suite cast vote record exports (a folder of JSON files) read into ballots.

A Dominion export is a folder. Its manifests describe the election: ``ContestManifest.json``
(contests: ``Id``, ``Description``, ``NumOfRanks``), ``CandidateManifest.json`` (candidates:
``Id``, ``Description``, ``ContestId``), ``PrecinctPortionManifest.json`` and, in newer
exports, ``PrecinctManifest.json`` (``Id`` -> ``Description``). The ballots are in
``CvrExport.json``, or split over ``CvrExport_<n>.json`` files (read in the order of n,
which need not start at 1 nor be consecutive). Each file holds ``Sessions``: one scanned
ballot each, with ``TabulatorId``, ``BatchId`` and ``RecordId``, and its marks as first
read (``Original``) and, after adjudication, as corrected (``Modified``). The marks of a
contest are ``{"CandidateId", "Rank", "IsAmbiguous", "IsVote", ...}``; two marks at one
rank are an overvote, a rank without marks is skipped. Candidates are named by their
Dominion ``Id``: the RCTab config maps those codes to names through candidate aliases,
and the source's ``undeclaredWriteInLabel`` is the code of the write-in line.

Source text: RCTab ``src/main/java/network/brightspots/rcv/DominionCvrReader.java``
(BrightSpots/rcv; ``readCastVoteRecords``, ``gatherCvrsForContest``, ``parseCvrFile``,
``validateNamesAreInContest``), whose rules are followed here:

- a session whose ``Original`` has ``IsCurrent`` false is read from ``Modified``, or
  skipped when it has none ("CVR has no adjudicated rankings, skipping");
- a ``PrecinctId`` or ``PrecinctPortionId`` missing from its manifest stops the load
  ("Precinct ID ... from CVR not found in manifest data!");
- contests are found in the record itself or in each of its ``Cards``; only the
  source's ``contestId`` is read, and it must be in the contest manifest;
- a contest carrying ``OutstackConditionIds`` 7 ("InvalidContest": Alaska's partial-count
  ballots, cast where the voter may not vote in that contest) is not a ballot in that
  contest (RCTab issue #909, pull request #910);
- a mark with ``IsAmbiguous`` true is ignored; ``IsVote`` is not consulted (RCTab reads
  every unambiguous mark, and lets its own overvote and skip rules judge the ranking);
- a candidate code that is not a candidate of the contest in ``CandidateManifest.json``
  stops the load ("Candidate ID ... is not valid for contest ...");
- the write-in code becomes the undeclared write-in;
- a contest with no ballots at all stops the load ("No cast vote record data found!").

RCTab names a record ``<TabulatorId>-<BatchId>-<RecordId>``; its precinct is the
``PrecinctManifest`` description of ``PrecinctId`` (none when the session has no
``PrecinctId``) and its batch is ``BatchId``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tellers.counting.profile import Mark, Profile, ProfileBuilder
from tellers.errors import BallotFileError
from tellers.formats.rctab_config import UNDECLARED_WRITE_INS, CvrRecord

if TYPE_CHECKING:
    from tellers.formats.rctab_config import RctabConfig, RctabSource

__all__ = [
    "CANDIDATE_MANIFEST",
    "CONTEST_MANIFEST",
    "CVR_EXPORT",
    "EXCLUDED_CONTEST_CONDITION",
    "PRECINCT_MANIFEST",
    "PRECINCT_PORTION_MANIFEST",
    "DominionContest",
    "cvr_export_files",
    "read_dominion",
    "read_dominion_contest",
    "read_dominion_records",
]

PRECINCT_MANIFEST = "PrecinctManifest.json"
PRECINCT_PORTION_MANIFEST = "PrecinctPortionManifest.json"
CANDIDATE_MANIFEST = "CandidateManifest.json"
CONTEST_MANIFEST = "ContestManifest.json"
CVR_EXPORT = "CvrExport.json"
_CVR_EXPORT_PART = re.compile(r"CvrExport_(\d+)\.json")
EXCLUDED_CONTEST_CONDITION = 7
"""Dominion's outstack condition "InvalidContest": the contest is not counted on that ballot."""
_MAX_RANK = 1000
"""Ranks above this are refused rather than laid out (a ballot with 1000 ranks is an error)."""

Node = Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class DominionContest:
    """One contest of a Dominion export, read into raw records.

    ``candidates`` maps each candidate code of the contest (the Dominion ``Id``, as text)
    to its ``Description``, in manifest order.
    """

    contest_id: str
    name: str
    max_ranks: int | None
    candidates: Mapping[str, str]
    records: tuple[CvrRecord, ...]


# --------------------------------------------------------------------------- files


def _load_json(path: Path) -> Node:
    where = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise BallotFileError(where, "", "", "the file is missing from the export") from err
    except OSError as err:
        problem = f"cannot read the file: {err.strerror or err}"
        raise BallotFileError(where, "", "", problem) from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        problem = f"not UTF-8 text: undecodable byte at offset {err.start}"
        raise BallotFileError(where, "", "", problem) from err
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as err:
        problem = f"not valid JSON: {err.msg}"
        raise BallotFileError(where, f"line {err.lineno}", f"column {err.colno}", problem) from err
    except RecursionError as err:
        raise BallotFileError(where, "", "", "JSON nested too deeply") from err
    if not isinstance(loaded, dict):
        problem = f"expected a JSON object, got {type(loaded).__name__}"
        raise BallotFileError(where, "", "", problem)
    return loaded


def cvr_export_files(folder: str | Path) -> list[Path]:
    """The CVR files of an export: ``CvrExport.json``, else every ``CvrExport_<n>.json`` by n.

    Raises:
        BallotFileError: the folder holds neither.
    """
    root = Path(folder)
    single = root / CVR_EXPORT
    if single.is_file():
        return [single]
    parts: list[tuple[int, Path]] = []
    for child in root.iterdir():
        match = _CVR_EXPORT_PART.fullmatch(child.name)
        if match and child.is_file():
            parts.append((int(match.group(1)), child))
    if not parts:
        problem = f"no cast vote records: neither {CVR_EXPORT} nor CvrExport_<n>.json is there"
        raise BallotFileError(str(root), "", "", problem)
    return [path for _, path in sorted(parts)]


class _Reader:
    """Typed access to one JSON file, with errors that name file, record and field."""

    def __init__(self, path: Path) -> None:
        self.where = str(path)

    def fail(self, location: str, field: str, problem: str) -> BallotFileError:
        return BallotFileError(self.where, location, field, problem)

    def objects(self, node: Node, key: str, location: str, *, required: bool) -> list[Node]:
        value = node.get(key)
        if value is None:
            if required:
                raise self.fail(location, key, "missing")
            return []
        if not isinstance(value, list):
            raise self.fail(location, key, f"expected a list, got {type(value).__name__}")
        for item in value:
            if not isinstance(item, dict):
                raise self.fail(location, key, f"expected objects, got {type(item).__name__}")
        return value

    def object(self, node: Node, key: str, location: str) -> Node | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(location, key, f"expected an object, got {type(value).__name__}")
        return value

    def integer(self, node: Node, key: str, location: str, *, required: bool) -> int | None:
        value = node.get(key)
        if value is None:
            if required:
                raise self.fail(location, key, "missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(location, key, f"expected a whole number, got {value!r}")
        return value

    def code(self, node: Node, key: str, location: str, *, field: str = "") -> str:
        """An id as RCTab keeps it: the JSON value written out (``toString``)."""
        value = node.get(key)
        if value is None:
            raise self.fail(location, field or key, "missing")
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.fail(location, field or key, f"expected an id, got {value!r}")
        return str(value)

    def flag(self, node: Node, key: str, location: str, *, field: str = "") -> bool:
        value = node.get(key, False)
        if not isinstance(value, bool):
            problem = f"expected true or false, got {value!r}"
            raise self.fail(location, field or key, problem)
        return value

    def text(self, node: Node, key: str, location: str) -> str | None:
        value = node.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self.fail(location, key, f"expected text, got {value!r}")


# --------------------------------------------------------------------------- manifests


@dataclass(frozen=True, slots=True)
class _Contest:
    name: str
    max_ranks: int | None


@dataclass(frozen=True, slots=True)
class _Manifests:
    precincts: dict[int, str] | None  # None: no PrecinctManifest.json (older exports)
    portions: dict[int, str]
    contests: dict[str, _Contest]
    candidates: dict[str, dict[str, str]]  # contest id -> candidate code -> name


def _manifest_list(path: Path) -> tuple[_Reader, list[tuple[str, Node]]]:
    reader = _Reader(path)
    items = reader.objects(_load_json(path), "List", "", required=True)
    return reader, [(f"List item {n}", item) for n, item in enumerate(items, start=1)]


def _descriptions(path: Path) -> dict[int, str]:
    """``PrecinctManifest.json`` / ``PrecinctPortionManifest.json``: Id -> Description."""
    reader, items = _manifest_list(path)
    out: dict[int, str] = {}
    for where, item in items:
        ident = reader.integer(item, "Id", where, required=True)
        assert ident is not None
        out[ident] = reader.text(item, "Description", where) or ""
    return out


def _manifests(folder: Path) -> _Manifests:
    precinct_path = folder / PRECINCT_MANIFEST
    precincts = _descriptions(precinct_path) if precinct_path.exists() else None
    portions = _descriptions(folder / PRECINCT_PORTION_MANIFEST)
    reader, items = _manifest_list(folder / CONTEST_MANIFEST)
    contests: dict[str, _Contest] = {}
    for where, item in items:
        contests[reader.code(item, "Id", where)] = _Contest(
            name=reader.text(item, "Description", where) or "",
            max_ranks=reader.integer(item, "NumOfRanks", where, required=False),
        )
    reader, items = _manifest_list(folder / CANDIDATE_MANIFEST)
    candidates: dict[str, dict[str, str]] = {}
    for where, item in items:
        reader.integer(item, "Id", where, required=True)  # RCTab reads it as an Integer
        code = reader.code(item, "Id", where)
        contest = reader.code(item, "ContestId", where)
        candidates.setdefault(contest, {})[code] = reader.text(item, "Description", where) or ""
    return _Manifests(
        precincts=precincts, portions=portions, contests=contests, candidates=candidates
    )


# --------------------------------------------------------------------------- sessions


def _current(session: Node, reader: _Reader, location: str) -> Node | None:
    """The record to read: ``Original`` if current, else ``Modified`` (None: skip)."""
    original = reader.object(session, "Original", location)
    if original is None:
        raise reader.fail(location, "Original", "missing")
    if "IsCurrent" not in original:
        raise reader.fail(location, "Original.IsCurrent", "missing")
    if reader.flag(original, "IsCurrent", location):
        return original
    return reader.object(session, "Modified", location)


def _place(
    record: Node, manifests: _Manifests, reader: _Reader, location: str, field: str
) -> str | None:
    """The precinct name of a record, checking its precinct and portion ids."""
    precinct_id = reader.integer(record, "PrecinctId", location, required=False)
    if precinct_id is not None and (
        manifests.precincts is None or precinct_id not in manifests.precincts
    ):
        problem = f'Precinct ID "{precinct_id}" from CVR not found in manifest data'
        raise reader.fail(location, f"{field}.PrecinctId", problem)
    portion_id = reader.integer(record, "PrecinctPortionId", location, required=False)
    if portion_id is not None and portion_id not in manifests.portions:
        problem = f'Precinct portion ID "{portion_id}" from CVR not found in manifest data'
        raise reader.fail(location, f"{field}.PrecinctPortionId", problem)
    if precinct_id is None or manifests.precincts is None:
        return None
    return manifests.precincts[precinct_id]


def _rankings(
    contest: Node,
    codes: Mapping[str, str],
    write_in: str | None,
    reader: _Reader,
    location: str,
    field: str,
) -> list[tuple[int, str]]:
    rankings: list[tuple[int, str]] = []
    marks = contest.get("Marks")
    if not isinstance(marks, list) or not all(isinstance(m, dict) for m in marks):
        problem = f"expected a list of marks, got {marks!r}"
        raise reader.fail(location, f"{field}.Marks", problem)
    for n, mark in enumerate(marks):
        at = f"{field}.Marks[{n}]"
        if reader.flag(mark, "IsAmbiguous", location, field=f"{at}.IsAmbiguous"):
            continue
        code = reader.code(mark, "CandidateId", location, field=f"{at}.CandidateId")
        rank = mark.get("Rank")
        if isinstance(rank, bool) or not isinstance(rank, int):
            problem = f"expected a whole number, got {rank!r}"
            raise reader.fail(location, f"{at}.Rank", problem)
        if not 1 <= rank <= _MAX_RANK:
            problem = f"expected a rank from 1 to {_MAX_RANK}, got {rank}"
            raise reader.fail(location, f"{at}.Rank", problem)
        if code == write_in:
            rankings.append((rank, UNDECLARED_WRITE_INS))
            continue
        if code not in codes:
            problem = f"Candidate ID '{code}' is not valid for contest '{contest['Id']}'"
            raise reader.fail(location, f"{at}.CandidateId", problem)
        rankings.append((rank, code))
    return rankings


def _records(
    path: Path,
    contest_id: str,
    manifests: _Manifests,
    write_in: str | None,
) -> Iterator[CvrRecord]:
    reader = _Reader(path)
    sessions = reader.objects(_load_json(path), "Sessions", "", required=True)
    codes = manifests.candidates.get(contest_id, {})
    for n, session in enumerate(sessions, start=1):
        location = f"session {n}"
        tabulator = reader.code(session, "TabulatorId", location)
        batch = reader.code(session, "BatchId", location)
        record_number = reader.code(session, "RecordId", location)
        record_id = f"{tabulator}-{batch}-{record_number}"
        location = f"session {n} (record {record_id})"
        record = _current(session, reader, location)
        if record is None:  # not current and never adjudicated: RCTab skips it
            continue
        field = "Original" if record is session["Original"] else "Modified"
        precinct = _place(record, manifests, reader, location, field)
        if "Cards" in record:
            cards = reader.objects(record, "Cards", location, required=True)
            card_fields = [f"{field}.Cards[{c}]" for c in range(len(cards))]
        else:
            cards, card_fields = [record], [field]
        for card, card_field in zip(cards, card_fields, strict=True):
            contests = reader.objects(card, "Contests", location, required=True)
            for c, contest in enumerate(contests):
                contest_field = f"{card_field}.Contests[{c}]"
                if reader.code(contest, "Id", location, field=f"{contest_field}.Id") != contest_id:
                    continue
                conditions = contest.get("OutstackConditionIds") or []
                if not isinstance(conditions, list):
                    problem = f"expected a list of ids, got {conditions!r}"
                    raise reader.fail(location, f"{contest_field}.OutstackConditionIds", problem)
                if EXCLUDED_CONTEST_CONDITION in conditions:
                    continue
                rankings = _rankings(contest, codes, write_in, reader, location, contest_field)
                yield CvrRecord(
                    record_id=record_id,
                    location=f"{path.name}, {location}",
                    rankings=tuple(rankings),
                    precinct=precinct,
                    batch=batch,
                )


def read_dominion_contest(
    folder: str | Path, contest_id: str, *, undeclared_write_in_label: str | None = None
) -> DominionContest:
    """Read one contest of a Dominion export into raw records (codes not yet resolved).

    Args:
        folder: the export folder (manifests and ``CvrExport*.json``).
        contest_id: the contest's Dominion ``Id`` (RCTab's ``contestId``).
        undeclared_write_in_label: the candidate code of the write-in line; its marks
            become ``Undeclared Write-ins``.

    Returns:
        The contest and its records, in file and session order. Each ranking names a
        candidate by its code.

    Raises:
        BallotFileError: a missing or malformed file, an id not in its manifest, or a
            contest with no ballots; names the file, the session and the field.
    """
    root = Path(folder)
    if not root.is_dir():
        problem = "expected the folder of a Dominion export (manifests and CvrExport*.json)"
        raise BallotFileError(str(root), "", "", problem)
    manifests = _manifests(root)
    if contest_id not in manifests.contests:
        listed = ", ".join(f"{k} ({v.name})" for k, v in manifests.contests.items()) or "none"
        problem = f"Unknown contest ID '{contest_id}': the manifest lists {listed}"
        raise BallotFileError(str(root / CONTEST_MANIFEST), "", "Id", problem)
    records: list[CvrRecord] = []
    for path in cvr_export_files(root):
        records.extend(_records(path, contest_id, manifests, undeclared_write_in_label))
    if not records:
        problem = f"No cast vote record data found for contest '{contest_id}'"
        raise BallotFileError(str(root), "", "", problem)
    contest = manifests.contests[contest_id]
    return DominionContest(
        contest_id=contest_id,
        name=contest.name,
        max_ranks=contest.max_ranks,
        candidates=dict(manifests.candidates.get(contest_id, {})),
        records=tuple(records),
    )


def read_dominion_records(config: RctabConfig, source: RctabSource) -> Sequence[CvrRecord]:
    """Read an RCTab ``dominion`` source: the records of the source's ``contestId``.

    Codes are resolved to names by the caller, through the config's aliases. When
    ``maxRankingsAllowed`` is "max", a Dominion contest allows as many ranks as its
    ``NumOfRanks`` (RCTab's per-contest ``isRankingAllowed``; upstream's
    ``2024_alaska_dominion`` has 4 candidates and ballots ranked to 5), and that limit is
    checked here; a numeric ``maxRankingsAllowed`` is checked by the caller.

    Raises:
        BallotFileError: as :func:`read_dominion_contest`, or a rank above the
            contest's ``NumOfRanks`` when ``maxRankingsAllowed`` is "max".
    """
    if source.contest_id is None:  # the config validation requires it
        raise BallotFileError(str(source.path), "", "contestId", "a contest id is required")
    contest = read_dominion_contest(
        source.path,
        source.contest_id,
        undeclared_write_in_label=source.undeclared_write_in_label,
    )
    if config.rules.max_rankings_allowed is None:
        limit = contest.max_ranks or config.ranking_limit
        for record in contest.records:
            top = max((rank for rank, _ in record.rankings), default=0)
            if top > limit:
                problem = (
                    f'CVR "{record.record_id}" has a ranking {top}, but contest '
                    f'"{contest.contest_id}" has max ranking {limit} (NumOfRanks)'
                )
                raise BallotFileError(str(source.path), record.location, "Rank", problem)
    return contest.records


def read_dominion(
    folder: str | Path, contest_id: str, *, undeclared_write_in_label: str | None = None
) -> Profile:
    """Read one contest of a Dominion export into a profile, candidates named by the manifest.

    Candidates are the contest's candidates in manifest order (their ``Description``),
    less the write-in line when ``undeclared_write_in_label`` names it, then
    ``Undeclared Write-ins`` (a write-in) if any ballot has one.

    Raises:
        BallotFileError: as :func:`read_dominion_contest`, or a rank above the
            contest's ``NumOfRanks``.
    """
    contest = read_dominion_contest(
        folder, contest_id, undeclared_write_in_label=undeclared_write_in_label
    )
    names = {
        code: name for code, name in contest.candidates.items() if code != undeclared_write_in_label
    }
    builder = ProfileBuilder(list(dict.fromkeys(names.values())))
    for record in contest.records:
        builder.add(_marks(record, names, contest, builder, str(folder)))
    return builder.build()


def _marks(
    record: CvrRecord,
    names: Mapping[str, str],
    contest: DominionContest,
    builder: ProfileBuilder,
    where: str,
) -> list[Mark]:
    if not record.rankings:
        return []
    top = max(rank for rank, _ in record.rankings)
    if contest.max_ranks and top > contest.max_ranks:
        problem = f"rank {top} is above the contest's NumOfRanks ({contest.max_ranks})"
        raise BallotFileError(where, record.location, "Rank", problem)
    cells: list[set[int]] = [set() for _ in range(top)]
    for rank, code in record.rankings:
        if code == UNDECLARED_WRITE_INS:
            cells[rank - 1].add(builder.candidate(UNDECLARED_WRITE_INS, write_in=True))
        else:
            cells[rank - 1].add(builder.candidate(names[code]))
    return [
        None if not cell else next(iter(cell)) if len(cell) == 1 else frozenset(cell)
        for cell in cells
    ]
