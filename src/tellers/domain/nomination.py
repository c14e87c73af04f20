"""Nominations: who may nominate, how many are needed, and who reaches the ballot.

A :class:`NominationRule` names the nominating bodies, the threshold as an exact share
of their **combined size**, and the instant at which that size is snapshotted. The
number required is ``ceil(threshold * denominator)`` in integers (Labour rule book
2016, ch. 4 cl. II.2.B.ii: "20 per cent of the combined Commons members of the PLP and
members of the EPLP"; Conventions and traps 2: thresholds round up, never by float):
``required_nominations(Fraction(1, 5), 251) == 51``.

One nomination per nominator: a nominator may nominate one standing candidate; if that
candidate withdraws, the nominator may nominate another before the close (Labour 2020
procedural guidelines). Self-nomination is a contest setting. The **incumbent** is on the
ballot automatically when ``incumbent_on_ballot`` (NEC ruling, 12 July 2016, 18-14), and
otherwise needs the threshold like any challenger. A candidate who withdraws before the
close keeps their nominations in the register and is shown as *withdrawn (qualified)* if
they had reached the threshold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from fractions import Fraction

from tellers.domain.gates import GateNode
from tellers.domain.ids import BodyId, CandidateId, ContestId, PersonId

__all__ = [
    "CandidateStanding",
    "Nomination",
    "NominationGate",
    "NominationRule",
    "RegisterRow",
    "nomination_register",
    "required_nominations",
]


def required_nominations(threshold: Fraction, denominator: int) -> int:
    """``ceil(threshold * denominator)``, exactly.

    Raises:
        ValueError: a threshold outside ``(0, 1]`` or a negative denominator.
    """
    if not 0 < threshold <= 1:
        msg = f"a nomination threshold must be a share in (0, 1], got {threshold}"
        raise ValueError(msg)
    if denominator < 0:
        msg = f"the denominator cannot be negative, got {denominator}"
        raise ValueError(msg)
    return -(-(threshold.numerator * denominator) // threshold.denominator)


@dataclass(frozen=True, slots=True, kw_only=True)
class NominationRule:
    """The rule of a nomination phase (see module docstring)."""

    bodies: tuple[BodyId, ...]
    threshold: Fraction
    snapshot_at: datetime
    """The named instant at which the bodies' combined size is taken."""
    snapshot_label: str = ""
    """What the instant is called in the rules (``"nominations open"``)."""
    incumbent: PersonId | None = None
    incumbent_on_ballot: bool = False
    ruling: str = ""
    """The decision that set the incumbent rule (``"NEC 18-14, 12 Jul 2016"``)."""
    allow_self_nomination: bool = True
    closes_at: datetime | None = None
    """Nominations after this instant are refused (None: only the officer closes)."""
    gate: GateNode | None = None
    """A staged AND/OR gate (:mod:`tellers.domain.gates`) that replaces the single
    threshold as the test of who reaches the ballot; ``bodies`` and ``threshold`` still
    name the body nominations that every candidate's register row counts."""

    def problems(self) -> list[str]:
        """What is wrong with the rule itself."""
        out: list[str] = []
        if self.gate is not None:
            out.extend(self.gate.problems())
        if not self.bodies:
            out.append("no nominating bodies")
        if not 0 < self.threshold <= 1:
            out.append(f"threshold {self.threshold} is not a share in (0, 1]")
        if self.snapshot_at.utcoffset() is None:
            out.append("the snapshot instant has no time zone")
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class NominationGate:
    """The threshold made concrete when nominations open: denominator snapshotted."""

    threshold: Fraction
    denominator: int
    snapshot_at: datetime
    snapshot_label: str = ""

    @property
    def required(self) -> int:
        """Nominations needed, rounded up in integers."""
        return required_nominations(self.threshold, self.denominator)


@dataclass(frozen=True, slots=True, kw_only=True)
class Nomination:
    """One nominator's nomination of one candidate."""

    contest_id: ContestId
    nominator: PersonId
    candidate: CandidateId
    at: datetime


class CandidateStanding(Enum):
    """A candidate's position when nominations close."""

    QUALIFIED = "qualified"
    INCUMBENT = "incumbent (on the ballot by rule)"
    WITHDRAWN_QUALIFIED = "withdrawn (qualified)"
    WITHDRAWN = "withdrawn"
    NOT_QUALIFIED = "not qualified"

    @property
    def on_ballot(self) -> bool:
        """Whether a candidate with this standing is on the ballot paper."""
        return self in (CandidateStanding.QUALIFIED, CandidateStanding.INCUMBENT)


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterRow:
    """One line of the nomination register (exportable)."""

    candidate: CandidateId
    name: str
    nominations: int
    required: int
    standing: CandidateStanding

    def as_dict(self) -> dict[str, object]:
        """The row as plain values (CSV or JSON export)."""
        return {
            "candidate": self.candidate,
            "name": self.name,
            "nominations": self.nominations,
            "required": self.required,
            "standing": self.standing.value,
            "on_ballot": self.standing.on_ballot,
        }


def nomination_register(
    *,
    gate: NominationGate,
    rule: NominationRule,
    candidates: Sequence[tuple[CandidateId, str, bool]],
    nominations: Iterable[Nomination],
) -> tuple[RegisterRow, ...]:
    """The register: each candidate's nominations and standing, in candidate order.

    Args:
        gate: the snapshotted threshold.
        rule: the nomination rule (incumbent settings).
        candidates: ``(id, name, withdrawn)`` for everyone who was nominated (and the
            incumbent, if the rule puts them on the ballot).
        nominations: every nomination made.
    """
    tally = Counter(n.candidate for n in nominations)
    required = gate.required
    rows: list[RegisterRow] = []
    for cid, name, withdrawn in candidates:
        count = tally.get(cid, 0)
        qualified = count >= required
        is_incumbent = rule.incumbent is not None and str(cid) == str(rule.incumbent)
        if withdrawn:
            standing = (
                CandidateStanding.WITHDRAWN_QUALIFIED if qualified else CandidateStanding.WITHDRAWN
            )
        elif qualified:
            standing = CandidateStanding.QUALIFIED
        elif is_incumbent and rule.incumbent_on_ballot:
            standing = CandidateStanding.INCUMBENT
        else:
            standing = CandidateStanding.NOT_QUALIFIED
        rows.append(
            RegisterRow(
                candidate=cid, name=name, nominations=count, required=required, standing=standing
            )
        )
    return tuple(rows)
