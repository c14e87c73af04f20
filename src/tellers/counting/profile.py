"""Ballot profiles: the distinct rankings cast, each with how many ballots carry it.

Counting rules never look at individual ballots. A :class:`Profile` merges identical
ballots first, so a count over millions of ballots touches only the distinct ones, and
it keeps each ballot *as cast*: a rank left blank, several candidates marked at one rank
(an overvote), the same candidate at several ranks, a write-in. Whether such a mark
exhausts the ballot, is skipped or is counted is for each rule to decide, as its text
prescribes, so the profile never "cleans" anything.

Layout (numpy, so kernels can work column by column):

- ``ranks``: ``int32`` array of shape ``(distinct ballots, depth)``. Cell ``[b, r]`` holds
  the index (into ``candidates``) of the candidate marked at rank ``r + 1``, or
  :data:`SKIP` (no mark at that rank) or :data:`OVERVOTE` (several marks at that rank).
  Rows shorter than ``depth`` are padded with :data:`SKIP`.
- ``counts``: ``int64`` array, the number of ballots with that row.
- ``overvotes``: for cells holding :data:`OVERVOTE`, the candidates marked there when the
  source says which (``(row, rank index) -> frozenset``); absent when unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = [
    "OVERVOTE",
    "SKIP",
    "Mark",
    "Profile",
    "ProfileBuilder",
]

SKIP = -1
"""No mark at this rank."""

OVERVOTE = -2
"""Several candidates marked at this rank."""

Mark = int | frozenset[int] | None
"""One rank of a ballot as cast: a candidate index, several (an overvote), or nothing."""

IntArray = npt.NDArray[np.int64]
RankArray = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True, eq=False)
class Profile:
    """Distinct ballots with their counts; see the module docstring for the layout."""

    candidates: tuple[str, ...]
    ranks: RankArray
    counts: IntArray
    overvotes: Mapping[tuple[int, int], frozenset[int]] = field(default_factory=dict)
    write_ins: frozenset[int] = frozenset()
    """Indices of candidates that are write-ins rather than names on the ballot paper."""

    def __post_init__(self) -> None:
        if self.ranks.ndim != 2:
            msg = f"ranks must be two-dimensional, got shape {self.ranks.shape}"
            raise ValueError(msg)
        if self.ranks.shape[0] != self.counts.shape[0]:
            msg = f"{self.ranks.shape[0]} rows of ranks but {self.counts.shape[0]} counts"
            raise ValueError(msg)
        if len(set(self.candidates)) != len(self.candidates):
            msg = f"candidate names must be distinct: {self.candidates!r}"
            raise ValueError(msg)

    @property
    def total(self) -> int:
        """Number of ballots (not distinct rows)."""
        return int(self.counts.sum())

    @property
    def depth(self) -> int:
        """Number of rank positions."""
        return int(self.ranks.shape[1])

    def __len__(self) -> int:
        return int(self.ranks.shape[0])

    def index(self, name: str) -> int:
        """The index of a candidate by name."""
        return self.candidates.index(name)

    def marks(self, row: int) -> tuple[Mark, ...]:
        """The ballot in ``row`` as cast, trailing blanks removed."""
        out: list[Mark] = []
        for r, cell in enumerate(self.ranks[row].tolist()):
            if cell == SKIP:
                out.append(None)
            elif cell == OVERVOTE:
                out.append(self.overvotes.get((row, r), frozenset()))
            else:
                out.append(int(cell))
        while out and out[-1] is None:
            out.pop()
        return tuple(out)

    def ballots(self) -> Iterator[tuple[tuple[Mark, ...], int]]:
        """Each distinct ballot as cast, with its count."""
        counts = self.counts.tolist()
        for row in range(len(self)):
            yield self.marks(row), int(counts[row])

    def ranked_names(self, row: int) -> tuple[str | tuple[str, ...] | None, ...]:
        """The ballot in ``row`` with names instead of indices (for reports and errors)."""
        names: list[str | tuple[str, ...] | None] = []
        for mark in self.marks(row):
            if mark is None:
                names.append(None)
            elif isinstance(mark, int):
                names.append(self.candidates[mark])
            else:
                names.append(tuple(sorted(self.candidates[i] for i in mark)))
        return tuple(names)

    @classmethod
    def from_ballots(
        cls,
        candidates: Sequence[str],
        ballots: Iterable[tuple[Sequence[Mark], int]],
        *,
        write_ins: Iterable[int] = (),
    ) -> Profile:
        """Build a profile from ``(marks, count)`` pairs, merging identical ballots."""
        builder = ProfileBuilder(candidates, write_ins=write_ins)
        for marks, count in ballots:
            builder.add(marks, count)
        return builder.build()

    @classmethod
    def from_rankings(cls, candidates: Sequence[str], rankings: Iterable[Sequence[str]]) -> Profile:
        """Build a profile from simple rankings by name, one ballot each (tests, examples)."""
        lookup = {name: i for i, name in enumerate(candidates)}
        builder = ProfileBuilder(candidates)
        for ranking in rankings:
            builder.add([lookup[name] for name in ranking])
        return builder.build()

    def restricted(self, keep: Iterable[int]) -> Profile:
        """A profile of the chosen distinct rows (used for sections and slices)."""
        idx = np.fromiter(keep, dtype=np.int64)
        remap = {int(old): new for new, old in enumerate(idx.tolist())}
        overvotes = {
            (remap[row], r): cands for (row, r), cands in self.overvotes.items() if row in remap
        }
        return Profile(
            candidates=self.candidates,
            ranks=self.ranks[idx],
            counts=self.counts[idx],
            overvotes=overvotes,
            write_ins=self.write_ins,
        )


class ProfileBuilder:
    """Accumulates ballots, merging identical ones, then builds a :class:`Profile`."""

    def __init__(self, candidates: Sequence[str], *, write_ins: Iterable[int] = ()) -> None:
        self.candidates = list(candidates)
        self.write_ins = set(write_ins)
        self._index = {name: i for i, name in enumerate(self.candidates)}
        self._rows: dict[tuple[Mark, ...], int] = {}

    def candidate(self, name: str, *, write_in: bool = False) -> int:
        """The index of ``name``, adding it to the candidates if new."""
        found = self._index.get(name)
        if found is not None:
            return found
        self._index[name] = len(self.candidates)
        self.candidates.append(name)
        if write_in:
            self.write_ins.add(self._index[name])
        return self._index[name]

    def add(self, marks: Sequence[Mark], count: int = 1) -> None:
        """Add ``count`` ballots marked ``marks`` (rank 1 first)."""
        key = list(marks)
        while key and key[-1] is None:
            key.pop()
        normal: tuple[Mark, ...] = tuple(
            (next(iter(m)) if len(m) == 1 else frozenset(m)) if isinstance(m, frozenset) else m
            for m in key
        )
        self._rows[normal] = self._rows.get(normal, 0) + count

    def build(self) -> Profile:
        rows = list(self._rows.items())
        depth = max((len(marks) for marks, _ in rows), default=0)
        ranks = np.full((len(rows), depth), SKIP, dtype=np.int32)
        counts = np.zeros(len(rows), dtype=np.int64)
        overvotes: dict[tuple[int, int], frozenset[int]] = {}
        for row, (marks, count) in enumerate(rows):
            counts[row] = count
            for r, mark in enumerate(marks):
                if mark is None:
                    continue
                if isinstance(mark, frozenset):
                    ranks[row, r] = OVERVOTE
                    if mark:
                        overvotes[(row, r)] = mark
                else:
                    ranks[row, r] = mark
        return Profile(
            candidates=tuple(self.candidates),
            ranks=ranks,
            counts=counts,
            overvotes=overvotes,
            write_ins=frozenset(self.write_ins),
        )
