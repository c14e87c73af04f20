"""How a contest's ballot paper is presented to a voter: the order of the candidates,
the way it is marked, and the instructions.

The order follows the contest's rule (:class:`BallotOrder`): **alphabetical** by
surname-first sort key of the printed name (the usual rule for UK party ballots, e.g.
Labour Party Rule Book 2016, ch. 4 cl. II.2.C: "candidates ... listed in alphabetical
order"), **random per voter** (each voter's paper is shuffled with a seed derived from
that voter's session, so a reload shows the same order but the order carries no
position bias across the electorate; Robson rotation's aim), or **fixed** (the order
the ballot was fixed in when voting opened). The order shown never changes what is
stored: a ballot records option keys, not positions.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from enum import Enum

from tellers.domain.contest import Contest

__all__ = [
    "BallotOrder",
    "BallotPaper",
    "MarkingStyle",
    "Presentation",
    "ballot_paper",
    "marking_style",
]


class BallotOrder(Enum):
    """The order in which the candidates are printed."""

    ALPHABETICAL = "alphabetical"
    RANDOM = "random per voter"
    FIXED = "fixed"


class MarkingStyle(Enum):
    """How the voter marks the paper, from the contest's counting method."""

    YES_NO = "yes/no"
    SINGLE = "single X"
    MULTIPLE = "up to N X's"
    APPROVAL = "approvals"
    RANKING = "ranking"


_SINGLE = frozenset({"plurality"})
_MULTIPLE = frozenset({"block"})
_APPROVAL = frozenset({"approval"})


def marking_style(contest: Contest) -> MarkingStyle:
    """How a ballot of ``contest`` is marked."""
    if contest.is_motion:
        return MarkingStyle.YES_NO
    if contest.method in _SINGLE:
        return MarkingStyle.SINGLE
    if contest.method in _MULTIPLE:
        return MarkingStyle.MULTIPLE
    if contest.method in _APPROVAL:
        return MarkingStyle.APPROVAL
    return MarkingStyle.RANKING


@dataclass(frozen=True, slots=True, kw_only=True)
class Presentation:
    """An officer's settings for a contest's ballot paper."""

    contest_id: str
    order: BallotOrder = BallotOrder.FIXED
    instructions: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class BallotPaper:
    """What a voter sees: the options in order, how to mark them, and instructions."""

    contest_id: str
    title: str
    question: str
    style: MarkingStyle
    options: tuple[tuple[str, str], ...]
    """``(key, printed name)`` in the order shown."""
    max_marks: int
    """0 for no limit beyond the options."""
    instructions: str


def _sort_key(name: str) -> tuple[str, str]:
    parts = name.split()
    surname = parts[-1] if parts else name
    return (surname.casefold(), name.casefold())


def _default_instructions(style: MarkingStyle, seats: int) -> str:
    return {
        MarkingStyle.YES_NO: "Choose Yes or No. You may abstain by choosing neither.",
        MarkingStyle.SINGLE: "Vote for one candidate only.",
        MarkingStyle.MULTIPLE: f"Vote for up to {seats} candidates.",
        MarkingStyle.APPROVAL: "Vote for every candidate you approve of.",
        MarkingStyle.RANKING: (
            "Number the candidates in order of preference: 1 for your first choice, "
            "2 for your second, and so on. Rank as many or as few as you wish."
        ),
    }[style]


def ballot_paper(
    contest: Contest, presentation: Presentation | None, voter_seed: bytes
) -> BallotPaper:
    """The ballot paper of ``contest`` as shown to one voter.

    Args:
        contest: the contest, with its ballot fixed (voting open).
        presentation: the officer's settings, or None for the defaults (fixed order).
        voter_seed: bytes that identify this voter's session (used only for the random
            order; the same seed gives the same order).
    """
    style = marking_style(contest)
    order = presentation.order if presentation is not None else BallotOrder.FIXED
    options = [(key, contest.candidate_name(key)) for key in contest.options()]
    if contest.is_motion:
        options = [("yes", "Yes"), ("no", "No")]
    elif order is BallotOrder.ALPHABETICAL:
        options.sort(key=lambda kv: _sort_key(kv[1]))
    elif order is BallotOrder.RANDOM:
        digest = hashlib.sha256(b"ballot-order\x00" + contest.id.encode() + b"\x00" + voter_seed)
        random.Random(digest.digest()).shuffle(options)
    max_marks = {
        MarkingStyle.YES_NO: 1,
        MarkingStyle.SINGLE: 1,
        MarkingStyle.MULTIPLE: contest.seats,
    }.get(style, 0)
    instructions = (presentation.instructions if presentation is not None else "") or (
        _default_instructions(style, contest.seats)
    )
    return BallotPaper(
        contest_id=contest.id,
        title=contest.title,
        question=contest.question,
        style=style,
        options=tuple(options),
        max_marks=max_marks,
        instructions=instructions,
    )
