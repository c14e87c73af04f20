"""RCTab's two CSV ballot layouts: the generic CVR CSV it reads, and the CVR CSV it writes.

**Generic CSV** (RCTab provider ``genericCsv``): the first row is a header; from
``firstVoteColumnIndex`` on, each header cell is a candidate name (or the source's
``undeclaredWriteInLabel``, the write-in column). Each later row, from
``firstVoteRowIndex``, is one ballot, and each cell holds the **rank number** the voter
gave that column's candidate; a blank cell means "not ranked". Two candidates given
the same number are an overvote at that rank. Optional ``idColumnIndex``,
``precinctColumnIndex`` and ``batchColumnIndex`` (1-based) name the ballot's id,
precinct and batch. A cell that is not a whole number stops the load with the row,
column and header named, as RCTab's reader does; ranks above ``maxRankingsAllowed`` are
refused by :func:`tellers.formats.rctab_config.records_to_profile`.

**RCTab CVR CSV** (what RCTab writes when it converts CVRs, e.g. the
``conversions_from_*/*_expected.csv`` files): a header with metadata columns (``Source
Filepath``, ``CVR Provider``, ``Contest Id``, ids, ``Precinct``...) then ``Rank 1`` ..
``Rank N``. Each rank cell holds a candidate name, ``undervote`` (nothing marked at that
rank), a write-in code, ``overvote``, or several names separated by newlines inside one
quoted cell (an overvote whose candidates are known).

**Clear Ballot CSV** (RCTab provider ``clearBallot``, Clear Ballot 2.1 RCV format): ten
fixed columns (``RowNumber, BoxID, BoxPosition, BallotID, PrecinctID, BallotStyleID,
PrecinctStyleName, ScanComputerName, Status, Remade``), then one column per (candidate,
rank) pair headed ``Choice_<id>_<n>:<contest>:<rank>:<vote rule>:<candidate>:<party>``,
holding ``1`` where the voter marked that candidate at that rank. Only the columns of
the source's ``contestId`` are read; a rank above ``maxRankingsAllowed`` in a header is
refused; the choice named like the ``undeclaredWriteInLabel`` is the write-in.

Source text: RCTab ``src/main/java/network/brightspots/rcv/CsvCvrReader.java`` (generic
CSV: header names, blank cells skipped, "Row %s expected number at column %d"),
``ClearBallotCvrReader.java`` (Clear Ballot) and ``ResultsWriter.java``
(``writeGenericCvrCsv``: the layout of the converted CSV). Unlike RCTab's older Clear
Ballot reader, which split lines on every comma, cells are read the CSV way, so a
contest name with a comma (``"City of Portland, Auditor"``) works, as in RCTab 2.0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tellers.counting.profile import Mark, Profile, ProfileBuilder
from tellers.errors import BallotFileError
from tellers.formats.rctab_config import (
    EXPLICIT_OVERVOTE_LABEL,
    UNDECLARED_WRITE_INS,
    CvrRecord,
)

if TYPE_CHECKING:
    from tellers.formats.rctab_config import RctabConfig, RctabSource

__all__ = [
    "NO_BATCH_ID",
    "NO_PRECINCT_ID",
    "RCTAB_CSV_FIRST_HEADER",
    "SKIPPED_RANK",
    "read_clear_ballot_records",
    "read_generic_csv",
    "read_generic_csv_records",
    "read_rctab_csv",
    "read_rctab_csv_rankings",
    "read_rctab_csv_records",
]

RCTAB_CSV_FIRST_HEADER = "Source Filepath"
"""The first header cell of RCTab's converted CVR CSV (used to recognise the layout)."""

SKIPPED_RANK = "undervote"
"""What RCTab writes in a rank cell with no mark."""

_MAX_RANK = 1000

NO_PRECINCT_ID = "no_precinct_id"
"""RCTab's slice name for generic-CSV rows whose precinct cell is blank."""

NO_BATCH_ID = "no_batch_id"
"""RCTab's slice name for rows whose batch cell is blank."""


def _rows(path: Path) -> list[list[str]]:
    """All rows of a CSV file, as text; errors name the file (and line for bad UTF-8)."""
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        problem = f"cannot read the file: {err.strerror or err}"
        raise BallotFileError(where, "", "", problem) from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        problem = f"not UTF-8 text: undecodable byte 0x{data[err.start]:02x}"
        raise BallotFileError(where, f"line {line}", "", problem) from err
    if "\x00" in text:
        raise BallotFileError(where, "", "", "not a text file: it holds NUL bytes")
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as err:
        raise BallotFileError(where, "", "", f"not a readable CSV file: {err}") from err


# --------------------------------------------------------------------------- generic CSV


def _generic_records(
    path: Path,
    *,
    first_vote_column: int,
    first_vote_row: int,
    id_column: int | None,
    precinct_column: int | None,
    batch_column: int | None,
    write_in_label: str | None,
    ranking_limit: int | None = None,
    limit_text: str = "",
) -> list[CvrRecord]:
    where = str(path)
    rows = _rows(path)
    if not rows:
        raise BallotFileError(where, "", "", "the file is empty: expected a header row")
    header = rows[0]
    meta = {c - 1 for c in (id_column, precinct_column, batch_column) if c is not None}
    names: dict[int, str] = {}
    for col in range(first_vote_column - 1, len(header)):
        if col in meta:
            continue
        name = header[col].strip()
        if not name:
            problem = "expected a candidate name in the header, found a blank cell"
            raise BallotFileError(where, "row 1", f"column {col + 1}", problem)
        names[col] = UNDECLARED_WRITE_INS if name == write_in_label else name
    if not names:
        problem = (
            f"the header has no candidate columns from column {first_vote_column} "
            "(firstVoteColumnIndex)"
        )
        raise BallotFileError(where, "row 1", "", problem)

    def cell(row: list[str], column: int | None) -> str | None:
        if column is None or column - 1 >= len(row):
            return None
        return row[column - 1].strip() or None

    records: list[CvrRecord] = []
    for row_number in range(max(first_vote_row, 2), len(rows) + 1):
        row = rows[row_number - 1]
        if not any(c.strip() for c in row):
            continue  # a blank line is not a ballot
        location = f"row {row_number}"
        rankings: list[tuple[int, str]] = []
        for col in range(first_vote_column - 1, len(row)):
            if col in meta:
                continue
            raw = row[col].strip()
            if not raw:
                continue
            if col not in names:
                problem = f"a rank {raw!r} in a column with no candidate in the header"
                raise BallotFileError(where, location, f"column {col + 1}", problem)
            try:
                rank = int(raw)
            except ValueError:
                problem = f"expected a rank number for {header[col].strip()!r}, got {raw!r}"
                raise BallotFileError(where, location, f"column {col + 1}", problem) from None
            if not 1 <= rank <= _MAX_RANK:
                problem = f"expected a rank number from 1 for {header[col].strip()!r}, got {raw!r}"
                raise BallotFileError(where, location, f"column {col + 1}", problem)
            if ranking_limit is not None and rank > ranking_limit:
                problem = (
                    f"a ranking {rank} for {header[col].strip()!r}, but the contest has max "
                    f"ranking {limit_text or ranking_limit} (maxRankingsAllowed)"
                )
                raise BallotFileError(where, location, f"column {col + 1}", problem)
            rankings.append((rank, names[col]))
        records.append(
            CvrRecord(
                record_id=cell(row, id_column) or f"{path.name}-{row_number}",
                location=location,
                rankings=tuple(rankings),
                precinct=(cell(row, precinct_column) or NO_PRECINCT_ID)
                if precinct_column
                else None,
                batch=(cell(row, batch_column) or NO_BATCH_ID) if batch_column else None,
            )
        )
    return records


def read_generic_csv_records(config: RctabConfig, source: RctabSource) -> Sequence[CvrRecord]:
    """Read an RCTab ``genericCsv`` source into raw records (names not yet resolved).

    A rank above the config's ``maxRankingsAllowed`` stops the load at that cell, as
    RCTab's ``runAdditionalValidations`` stops it (``CastVoteRecordGenericParseException``).
    """
    return _generic_records(
        source.path,
        first_vote_column=source.first_vote_column_index or 1,
        first_vote_row=source.first_vote_row_index or 2,
        id_column=source.id_column_index,
        precinct_column=source.precinct_column_index,
        batch_column=source.batch_column_index,
        write_in_label=source.undeclared_write_in_label,
        ranking_limit=config.ranking_limit,
        limit_text=str(config.rules.raw.get("maxRankingsAllowed", "")),
    )


def read_generic_csv(
    path: str | Path,
    *,
    first_vote_column: int = 1,
    id_column: int | None = None,
    write_in_label: str | None = None,
) -> Profile:
    """Read a generic CSV (candidates in columns, rank numbers in cells) into a profile.

    Candidates are the header's names in column order. Two candidates with the same rank
    on one ballot are an overvote there; a rank nobody was given is skipped.

    Raises:
        BallotFileError: naming the row and column of a cell that is not a rank number.
    """
    file_path = Path(path)
    records = _generic_records(
        file_path,
        first_vote_column=first_vote_column,
        first_vote_row=2,
        id_column=id_column,
        precinct_column=None,
        batch_column=None,
        write_in_label=write_in_label,
    )
    header = _rows(file_path)[0]
    names = [
        UNDECLARED_WRITE_INS if h.strip() == write_in_label else h.strip()
        for col, h in enumerate(header)
        if col >= first_vote_column - 1 and col != (id_column or 0) - 1
    ]
    builder = ProfileBuilder(list(dict.fromkeys(names)))
    for record in records:
        cells: dict[int, set[int]] = {}
        for rank, name in record.rankings:
            cells.setdefault(rank, set()).add(
                builder.candidate(name, write_in=name == UNDECLARED_WRITE_INS)
            )
        builder.add(_marks_from_cells(cells))
    return builder.build()


def _marks_from_cells(cells: dict[int, set[int]]) -> list[Mark]:
    if not cells:
        return []
    out: list[Mark] = []
    for rank in range(1, max(cells) + 1):
        chosen = cells.get(rank)
        if not chosen:
            out.append(None)
        elif len(chosen) == 1:
            out.append(next(iter(chosen)))
        else:
            out.append(frozenset(chosen))
    return out


# --------------------------------------------------------------------------- Clear Ballot

_CLEAR_BALLOT_FIXED = (
    "RowNumber",
    "BoxID",
    "BoxPosition",
    "BallotID",
    "PrecinctID",
    "BallotStyleID",
    "PrecinctStyleName",
    "ScanComputerName",
    "Status",
    "Remade",
)
_CLEAR_BALLOT_FIELDS = 6  # header, contest, rank, vote rule, choice name, party


def read_clear_ballot_records(config: RctabConfig, source: RctabSource) -> Sequence[CvrRecord]:
    """Read an RCTab ``clearBallot`` source: the marks of the source's ``contestId``.

    Raises:
        BallotFileError: no header or choice columns, a malformed choice header, a rank
            above ``maxRankingsAllowed``, or a mark cell that is not a whole number;
            naming the row and column.
    """
    path = source.path
    where = str(path)
    rows = _rows(path)
    if not rows:
        raise BallotFileError(where, "", "", "No header row found in cast vote record file")
    header = rows[0]
    first = len(_CLEAR_BALLOT_FIXED)
    if len(header) <= first:
        raise BallotFileError(where, "row 1", "", "No choice columns found after column 10")
    limit = config.ranking_limit
    columns: dict[int, tuple[int, str]] = {}
    for col in range(first, len(header)):
        fields = header[col].split(":")
        if len(fields) != _CLEAR_BALLOT_FIELDS:
            problem = (
                f"expected a choice header of {_CLEAR_BALLOT_FIELDS} fields "
                f"'Choice_..:contest:rank:rule:candidate:party', got {header[col]!r}"
            )
            raise BallotFileError(where, "row 1", f"column {col + 1}", problem)
        if fields[1] != source.contest_id:
            continue
        try:
            rank = int(fields[2])
        except ValueError:
            problem = f"expected a rank number in the choice header, got {fields[2]!r}"
            raise BallotFileError(where, "row 1", f"column {col + 1}", problem) from None
        if rank > limit:
            problem = f"Rank: {rank} exceeds max rankings allowed in config: {limit}"
            raise BallotFileError(where, "row 1", f"column {col + 1}", problem)
        name = fields[4]
        if name == source.undeclared_write_in_label:
            name = UNDECLARED_WRITE_INS
        columns[col] = (rank, name)
    records: list[CvrRecord] = []
    for row_number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        location = f"row {row_number}"
        if len(row) < len(header):
            problem = f"expected {len(header)} cells as in the header, found {len(row)}"
            raise BallotFileError(where, location, "", problem)
        rankings: list[tuple[int, str]] = []
        for col, ranking in columns.items():
            raw = row[col].strip()
            if raw == "1":
                rankings.append(ranking)
            elif raw not in ("0", ""):
                problem = f"expected a mark 0 or 1, got {raw!r}"
                raise BallotFileError(where, location, f"column {col + 1}", problem)
        records.append(
            CvrRecord(
                record_id=row[3].strip() or f"{path.name}-{row_number}",
                location=location,
                rankings=tuple(rankings),
                precinct=row[4].strip() or None,
            )
        )
    return records


# --------------------------------------------------------------------------- RCTab CVR CSV


def read_rctab_csv_rankings(path: str | Path) -> list[tuple[tuple[str, ...], ...]]:
    """Read RCTab's converted CVR CSV as one tuple per ballot, one tuple of names per rank.

    A rank cell ``undervote`` becomes ``()``; several names in one cell (separated by
    newlines) become a tuple of several names; ``overvote`` stays as that word.

    Raises:
        BallotFileError: no ``Rank 1`` column, or a malformed file.
    """
    file_path = Path(path)
    where = str(file_path)
    rows = _rows(file_path)
    if not rows:
        raise BallotFileError(where, "", "", "the file is empty: expected a header row")
    header = [h.strip() for h in rows[0]]
    rank_columns: list[int] = []
    for expected in range(1, len(header) + 1):
        label = f"Rank {expected}"
        if label not in header:
            break
        rank_columns.append(header.index(label))
    if not rank_columns:
        problem = "expected RCTab's CVR CSV header with columns 'Rank 1' .. 'Rank N'"
        raise BallotFileError(where, "line 1", "", problem)
    ballots: list[tuple[tuple[str, ...], ...]] = []
    for row_number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            problem = f"expected {len(header)} cells as in the header, found {len(row)}"
            raise BallotFileError(where, f"row {row_number}", "", problem)
        ranks: list[tuple[str, ...]] = []
        for col in rank_columns:
            raw = row[col]
            names = tuple(n.strip() for n in raw.splitlines() if n.strip())
            ranks.append(() if names in ((), (SKIPPED_RANK,)) else names)
        ballots.append(tuple(ranks))
    return ballots


def read_rctab_csv_records(path: str | Path) -> list[CvrRecord]:
    """Read RCTab's converted CVR CSV as raw records (for an RCTab config's names).

    Each rank cell gives one (rank, name) pair per name in it; ``undervote`` gives none.
    The record id, precinct and batch come from the ``RCTab CVR Id`` (or ``Record Id``),
    ``Precinct`` (or ``Precinct Portion``) and ``Batch Id`` columns when present.
    """
    file_path = Path(path)
    rows = _rows(file_path)
    header = [h.strip() for h in rows[0]] if rows else []
    ballots = read_rctab_csv_rankings(file_path)

    def column(*names: str) -> int | None:
        for name in names:
            if name in header:
                return header.index(name)
        return None

    id_col = column("RCTab CVR Id", "Record Id")
    precinct_col = column("Precinct", "Precinct Portion")
    batch_col = column("Batch Id")
    data_rows = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    records: list[CvrRecord] = []
    for (row_number, row), ballot in zip(data_rows, ballots, strict=True):

        def cell(col: int | None, row: list[str] = row) -> str | None:
            return row[col].strip() or None if col is not None else None

        rankings = tuple(
            (rank, name) for rank, names in enumerate(ballot, start=1) for name in names
        )
        records.append(
            CvrRecord(
                record_id=cell(id_col) or f"{file_path.name}-{row_number}",
                location=f"row {row_number}",
                rankings=rankings,
                precinct=cell(precinct_col),
                batch=cell(batch_col),
            )
        )
    return records


def read_rctab_csv(
    path: str | Path,
    *,
    candidates: Sequence[str] | None = None,
    write_in_labels: Sequence[str] = (),
) -> Profile:
    """Read RCTab's converted CVR CSV into a profile.

    Args:
        path: the CSV file.
        candidates: candidate order; names not listed are added in order of appearance.
        write_in_labels: cell values that mean an undeclared write-in (e.g. a vendor's
            write-in code such as ``12``); they become ``Undeclared Write-ins``.

    Returns:
        The profile: ``undervote`` cells are skipped ranks, ``overvote`` an overvote with
        unknown candidates, newline-separated names an overvote among those names.
    """
    builder = ProfileBuilder(list(candidates or ()))
    uwi = set(write_in_labels) | {UNDECLARED_WRITE_INS}
    for ballot in read_rctab_csv_rankings(path):
        marks: list[Mark] = []
        for names in ballot:
            indices: set[int] = set()
            overvote = len(names) > 1
            for name in names:
                if name == EXPLICIT_OVERVOTE_LABEL:
                    overvote = True
                elif name in uwi:
                    indices.add(builder.candidate(UNDECLARED_WRITE_INS, write_in=True))
                else:
                    indices.add(builder.candidate(name))
            if overvote:
                marks.append(frozenset(indices) if len(indices) > 1 else frozenset())
            elif indices:
                marks.append(next(iter(indices)))
            else:
                marks.append(None)
        builder.add(marks)
    return builder.build()
