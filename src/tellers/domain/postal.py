"""Postal (paper) batches entered by tellers.

Papers are **consecutively numbered** (TULRCA s.51(2), s.229(1A)); each number was sent
to one voter, so a paper's number finds its credential. A teller enters a batch of
papers, each either marked (the ranking read from it) or rejected with a
:class:`~tellers.domain.ballot.RejectionReason` (spoilt). The batch record keeps the
numbers entered, the gaps in their run, the counts of each outcome, and the numbers
that were refused -- **never** which number carried which marks.

Two channels, one vote: **the first recorded return counts.** A paper whose voter has
already voted (online or on an earlier paper) is refused as ``duplicate return`` and
counted nowhere; an online vote after a counted paper is refused as ``AlreadyVoted``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from tellers.domain.ballot import RejectionReason
from tellers.domain.ids import ContestId, OfficerId, PostalBatchId

__all__ = ["PaperEntry", "PaperOutcome", "PostalBatch", "find_gaps"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PaperEntry:
    """One paper as entered by a teller."""

    paper_number: int
    ranking: tuple[str, ...] = ()
    rejection: RejectionReason | None = None


class PaperOutcome(Enum):
    """What became of an entered paper."""

    COUNTED = "counted"
    SPOILT = "spoilt"
    DUPLICATE_RETURN = "duplicate return"
    """The voter had already returned a ballot; the first return counts."""
    UNKNOWN_PAPER = "unknown paper"
    VOIDED_PAPER = "voided paper"
    """The paper was replaced by a reissue."""
    REPEATED_PAPER = "paper entered twice"
    INVALID_MARKS = "marks not on the ballot"
    """Marks naming no option (a teller's keying error); re-enter with a rejection."""


def find_gaps(numbers: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Runs of numbers missing between the smallest and largest entered, as ``(first, last)``."""
    ordered = sorted(set(numbers))
    gaps: list[tuple[int, int]] = []
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b > a + 1:
            gaps.append((a + 1, b - 1))
    return tuple(gaps)


@dataclass(frozen=True, slots=True, kw_only=True)
class PostalBatch:
    """The record of one entered batch (no marks, see module docstring)."""

    id: PostalBatchId
    contest_id: ContestId
    sequence: int
    """1 for the contest's first batch, 2 for the next..."""
    entered_by: OfficerId
    paper_numbers: tuple[int, ...]
    """The numbers entered, sorted (a paper refused for a keying error is not entered)."""
    gaps: tuple[tuple[int, int], ...]
    counted: int
    spoilt: Mapping[str, int] = field(default_factory=dict)
    """Spoilt papers by rejection reason code."""
    refused: tuple[tuple[int, PaperOutcome], ...] = ()
    """Numbers that produced no ballot, with why."""

    @property
    def spoilt_total(self) -> int:
        """All spoilt papers of the batch."""
        return sum(self.spoilt.values())
