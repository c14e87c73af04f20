"""Ballots as stored in the ballot box: secret, unordered, unlinkable.

A stored :class:`Ballot` carries a random id, its contest, the electorate **section**
and the **channel** it came through (both needed for the published per-section and
per-channel tables), the marks (a ranking of option keys: candidate ids, or ``"yes"`` /
``"no"`` for a motion, empty for an abstention), a rejection reason if the paper was
spoilt, and a random tracking code. It carries **no voter key, no credential, no paper
number and no timestamp**; the ballot box is listed in id order, which is random, so no
order of storage follows the order of casting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from tellers.domain.errors import InvalidBallot
from tellers.domain.ids import BallotId, ContestId, SectionName, TrackingCode

__all__ = [
    "MOTION_OPTIONS",
    "Ballot",
    "Channel",
    "RejectionReason",
    "validate_ranking",
]

MOTION_OPTIONS = ("yes", "no")
"""The options of a motion; an empty ranking is an abstention."""


class Channel(Enum):
    """How a ballot was returned."""

    ONLINE = "online"
    POST = "post"
    """A numbered paper entered by tellers (posted, or handed out in a room)."""


class RejectionReason(Enum):
    """Why a returned paper was rejected (spoilt); counted in turnout, not in valid votes.

    The codes follow the usual returning officers' headings (UK Parliamentary Elections
    Rules, r.47: want of official mark, voting for too many, writing by which the voter
    can be identified, unmarked or void for uncertainty).
    """

    NO_OFFICIAL_MARK = "no-official-mark"
    TOO_MANY_MARKS = "too-many-marks"
    IDENTIFIES_VOTER = "identifies-voter"
    UNMARKED = "unmarked"
    UNCERTAIN = "void-for-uncertainty"


@dataclass(frozen=True, slots=True, kw_only=True)
class Ballot:
    """One returned ballot (valid or spoilt); see the module docstring for what it omits."""

    id: BallotId
    contest_id: ContestId
    section: SectionName
    channel: Channel
    ranking: tuple[str, ...] = ()
    rejection: RejectionReason | None = None
    tracking_code: TrackingCode

    @property
    def is_spoilt(self) -> bool:
        """Whether the ballot was rejected."""
        return self.rejection is not None


def validate_ranking(
    ranking: Sequence[str], options: Sequence[str], *, allow_empty: bool, max_marks: int = 0
) -> tuple[str, ...]:
    """Check marks against the options of a contest and return them as a tuple.

    Args:
        ranking: option keys in order of preference (one for a single-mark ballot).
        options: the keys on the ballot.
        allow_empty: whether an empty ballot is an abstention (motions) or an error.
        max_marks: the most marks allowed (0 for no limit beyond the options).

    Raises:
        InvalidBallot: an unknown option, a repeated one, too many marks, or empty.
    """
    marks = tuple(ranking)
    problem = ""
    known = set(options)
    if not marks and not allow_empty:
        problem = "the ballot is empty"
    elif len(set(marks)) != len(marks):
        problem = f"an option is marked more than once: {marks!r}"
    elif max_marks and len(marks) > max_marks:
        problem = f"{len(marks)} marks, at most {max_marks} allowed"
    else:
        unknown = [m for m in marks if m not in known]
        if unknown:
            problem = f"not on the ballot: {', '.join(unknown)}"
    if problem:
        raise InvalidBallot(problem)
    return marks
