"""Tie-breaking strategies, passed into the rules.

A rule that meets a tie asks a :class:`TieBreaker` to choose, and the choice is
recorded in the result. Drawing lots uses :class:`random.Random` seeded from a value
published before the count, so every recount draws the same lots; the tied names are
sorted first so that the draw does not depend on any internal order.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol

__all__ = ["ByOrder", "Lot", "TieBreaker"]


class TieBreaker(Protocol):
    """Chooses one of several tied candidates."""

    how: str

    def choose(self, tied: Sequence[str], *, purpose: str) -> str:
        """Return the candidate to be eliminated or elected (per ``purpose``)."""
        ...


class Lot:
    """Drawing lots from a published seed (reproducible)."""

    how = "lot"

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rng = random.Random(seed)

    def choose(self, tied: Sequence[str], *, purpose: str) -> str:
        return self._rng.choice(sorted(tied))


class ByOrder:
    """A fixed order, e.g. the candidate list or a tie-break list published in advance.

    For an elimination the candidate *latest* in the order loses when ``last_loses``
    (RCTab's ``useCandidateOrder``), else the earliest (CA-SB1288's tie-breaker list).
    For an election the earliest wins.
    """

    how = "candidate order"

    def __init__(self, order: Sequence[str], *, last_loses: bool = True) -> None:
        self.order = list(order)
        self.last_loses = last_loses

    def choose(self, tied: Sequence[str], *, purpose: str) -> str:
        ranked = sorted(tied, key=self.order.index)
        if purpose == "elimination" and self.last_loses:
            return ranked[-1]
        return ranked[0]
