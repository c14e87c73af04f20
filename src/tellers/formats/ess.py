"""ES&S cast vote record exports (Excel ``.xlsx``) read into ballots.

An ES&S export is one worksheet (the first): a header row, then one ballot per row
from ``firstVoteRowIndex``. The ranking cells start at ``firstVoteColumnIndex`` and run
for ``maxRankingsAllowed`` columns (for "max", the number of declared candidates); each
holds a candidate name or alias, the ``overvoteLabel`` (an overvote with unknown
candidates), the ``skippedRankLabel`` (nothing marked, e.g. ``undervote``), the
``undeclaredWriteInLabel``, a blank (nothing marked, or an undeclared write-in when
``treatBlankAsUndeclaredWriteIn`` is set), or, when ``overvoteDelimiter`` is set,
several names joined by it (an overvote among them). Optional id, precinct and batch
columns are given by 1-based index; a row with no precinct is grouped under
``missing_precinct_id``. Minneapolis exports carry a trailing ``Count`` column, always 1,
which lies outside the ranking columns and is ignored, as RCTab ignores it.

Source text: RCTab ``src/main/java/network/brightspots/rcv/StreamingCvrReader.java``
(``cvrCell``, ``handleEmptyCells``, ``endCvr``): the rules above, including "If a cell
contains multiple candidates split by the overvote delimiter, it's not valid for any of
them to be blank or an explicit undervote" and "Cast vote record identifier missing on
row %d". The workbook is read with openpyxl in read-only, values-only mode, limited to
the columns in use, so the 80,000- and 106,000-row Minneapolis files read in seconds.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
from openpyxl.worksheet._reader import WorkSheetParser

from tellers.counting.profile import Mark, Profile, ProfileBuilder
from tellers.errors import BallotFileError
from tellers.formats.rctab_config import EXPLICIT_OVERVOTE_LABEL, UNDECLARED_WRITE_INS, CvrRecord

if TYPE_CHECKING:
    from tellers.formats.rctab_config import RctabConfig, RctabSource

__all__ = ["MISSING_PRECINCT_ID", "EssLayout", "read_ess", "read_ess_records"]

MISSING_PRECINCT_ID = "missing_precinct_id"
"""RCTab's precinct name for rows whose precinct cell is empty."""

NO_BATCH_ID = "no_batch_id"
"""The batch name for rows whose batch cell is empty (as RCTab's generic CSV)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EssLayout:
    """Where the ballots are in the sheet and what its special cells mean (all 1-based)."""

    first_vote_column: int = 2
    first_vote_row: int = 2
    rankings: int | None = None
    """How many ranking columns; None = every column from ``first_vote_column`` on."""
    id_column: int | None = None
    precinct_column: int | None = None
    batch_column: int | None = None
    overvote_label: str | None = None
    skipped_rank_label: str | None = None
    overvote_delimiter: str | None = None
    undeclared_write_in_label: str | None = None
    treat_blank_as_undeclared_write_in: bool = False


def _cell_text(value: Any) -> str | None:
    """A cell as the text RCTab sees; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _column_name(index: int) -> str:
    """Excel's letters for a 1-based column number (1 -> A, 28 -> AB)."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@contextmanager
def _sheet_rows(path: Path) -> Iterator[Iterator[tuple[int, dict[int, Any]]]]:
    """The first worksheet's ``<row>`` elements in file order: (1-based row, column -> value).

    RCTab's streaming reader sees exactly the row elements the sheet holds (a row element
    with only formatted, empty cells is still a ballot, an undervote), so rows are read
    through openpyxl's worksheet parser rather than ``iter_rows``, which pads gaps with
    empty rows up to the sheet's declared dimension (a million rows in some exports).
    """
    where = str(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Unknown extension is not supported" and the like
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except FileNotFoundError as err:
            raise BallotFileError(where, "", "", "file not found") from err
        except OSError as err:
            problem = f"cannot read the file: {err.strerror or err}"
            raise BallotFileError(where, "", "", problem) from err
        except Exception as err:  # openpyxl raises many kinds on malformed archives
            problem = f"not an Excel workbook (.xlsx) that can be read: {type(err).__name__}: {err}"
            raise BallotFileError(where, "", "", problem) from err
        try:
            if not workbook.worksheets:
                raise BallotFileError(where, "", "", "the workbook has no worksheet")
            sheet = workbook.worksheets[0]
            try:
                source = sheet._get_source()
            except Exception as err:
                problem = f"the worksheet cannot be opened: {type(err).__name__}: {err}"
                raise BallotFileError(where, "", "", problem) from err
            with source:
                parser = WorkSheetParser(
                    source,
                    sheet._shared_strings,
                    data_only=True,
                    epoch=workbook.epoch,
                    date_formats=workbook._date_formats,
                    timedelta_formats=workbook._timedelta_formats,
                )
                yield _guarded(parser.parse(), where)
        finally:
            workbook.close()


def _guarded(rows: Iterator[Any], where: str) -> Iterator[tuple[int, dict[int, Any]]]:
    """Rows as (row number, column -> value), turning parse failures into BallotFileError."""
    while True:
        try:
            number, cells = next(rows)
        except StopIteration:
            return
        except Exception as err:  # malformed sheet XML, bad shared-string index, ...
            problem = f"the worksheet cannot be read: {type(err).__name__}: {err}"
            raise BallotFileError(where, "", "", problem) from err
        yield number, {cell["column"]: cell["value"] for cell in cells}


def _records(path: Path, layout: EssLayout) -> list[CvrRecord]:
    where = str(path)
    first_col = layout.first_vote_column
    delimiter = layout.overvote_delimiter or None
    skip_label = layout.skipped_rank_label
    records: list[CvrRecord] = []
    with _sheet_rows(path) as rows:
        for row_number, row in rows:
            if row_number < layout.first_vote_row:
                continue
            location = f"row {row_number}"
            end = (max(row, default=0) if layout.rankings is None else 0) or (
                first_col - 1 + (layout.rankings or 0)
            )
            rankings: list[tuple[int, str]] = []
            for col in range(first_col, end + 1):
                rank = col - first_col + 1
                text = _cell_text(row.get(col))
                if text is None:
                    if layout.treat_blank_as_undeclared_write_in:
                        rankings.append((rank, UNDECLARED_WRITE_INS))
                    continue
                parts = [p.strip() for p in text.split(delimiter)] if delimiter else [text]
                for part in parts:
                    if len(parts) > 1 and (not part or part == skip_label):
                        problem = (
                            f"the cell {text!r} splits on the overvote delimiter {delimiter!r} "
                            "into a blank or an explicit undervote, which is not valid"
                        )
                        field = f"column {_column_name(col)}"
                        raise BallotFileError(where, location, field, problem)
                    if part == skip_label:
                        continue
                    if part == layout.overvote_label:
                        part = EXPLICIT_OVERVOTE_LABEL
                    elif part == layout.undeclared_write_in_label:
                        part = UNDECLARED_WRITE_INS
                    rankings.append((rank, part))
            supplied = None
            if layout.id_column is not None:
                supplied = _cell_text(row.get(layout.id_column))
                if supplied is None:
                    field = f"column {_column_name(layout.id_column)}"
                    problem = "cast vote record identifier missing (idColumnIndex)"
                    raise BallotFileError(where, location, field, problem)
            precinct = None
            if layout.precinct_column is not None:
                precinct = _cell_text(row.get(layout.precinct_column)) or MISSING_PRECINCT_ID
            batch = None
            if layout.batch_column is not None:
                batch = _cell_text(row.get(layout.batch_column)) or NO_BATCH_ID
            records.append(
                CvrRecord(
                    record_id=supplied or f"{path.name}-{len(records) + 1}",
                    location=location,
                    rankings=tuple(rankings),
                    precinct=precinct,
                    batch=batch,
                )
            )
    return records


def read_ess_records(config: RctabConfig, source: RctabSource) -> Sequence[CvrRecord]:
    """Read an RCTab ``ess`` source into raw records (names not yet resolved)."""
    layout = EssLayout(
        first_vote_column=source.first_vote_column_index or 1,
        first_vote_row=source.first_vote_row_index or 2,
        rankings=config.ranking_limit,
        id_column=source.id_column_index,
        precinct_column=source.precinct_column_index,
        batch_column=source.batch_column_index,
        overvote_label=source.overvote_label,
        skipped_rank_label=source.skipped_rank_label,
        overvote_delimiter=source.overvote_delimiter,
        undeclared_write_in_label=source.undeclared_write_in_label,
        treat_blank_as_undeclared_write_in=source.treat_blank_as_undeclared_write_in,
    )
    return _records(source.path, layout)


def read_ess(path: str | Path, layout: EssLayout | None = None) -> Profile:
    """Read an ES&S workbook into a profile for ``tellers count --format ess``.

    With the default layout, the sheet has a header row and the ballots' rankings run
    from column B to the last column whose header names a choice (a trailing ``Count``
    column is left out); ``overvote`` and ``undervote`` cells mean what they say.
    Candidates are listed in order of first appearance.

    Raises:
        BallotFileError: the file is not a readable workbook or a cell is malformed.
    """
    file_path = Path(path)
    if layout is None:
        layout = EssLayout(
            rankings=_default_rankings(file_path),
            overvote_label=EXPLICIT_OVERVOTE_LABEL,
            skipped_rank_label="undervote",
        )
    builder = ProfileBuilder([])
    for record in _records(file_path, layout):
        cells: dict[int, set[int]] = {}
        overvoted: set[int] = set()
        for rank, name in record.rankings:
            cells.setdefault(rank, set())
            if name == EXPLICIT_OVERVOTE_LABEL:
                overvoted.add(rank)
            else:
                write_in = name == UNDECLARED_WRITE_INS
                cells[rank].add(builder.candidate(name, write_in=write_in))
        marks: list[Mark] = []
        for rank in range(1, max(cells, default=0) + 1):
            chosen = cells.get(rank, set())
            if rank in overvoted or len(chosen) > 1:
                marks.append(frozenset(chosen) if len(chosen) > 1 else frozenset())
            elif chosen:
                marks.append(next(iter(chosen)))
            else:
                marks.append(None)
        builder.add(marks)
    return builder.build()


def _default_rankings(path: Path) -> int:
    """Ranking columns from B up to the last header that is not ``Count``."""
    header: dict[int, Any] = {}
    with _sheet_rows(path) as rows:
        for number, cells in rows:
            if number == 1:
                header = cells
            break
    names = [_cell_text(header.get(col)) for col in range(1, max(header, default=0) + 1)]
    while names and (names[-1] is None or names[-1].lower() == "count"):
        names.pop()
    if len(names) < 2:
        problem = "expected a header row with choice columns from column B"
        raise BallotFileError(str(path), "row 1", "", problem)
    return len(names) - 1
