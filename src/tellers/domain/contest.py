"""Contests: motions, elections and leadership contests, with their lifecycle.

A :class:`Contest` is the aggregate the services load, change through its methods and
save; each method checks the phase (:mod:`tellers.domain.lifecycle`) and returns a new
contest with ``version`` incremented, so that storage can refuse a stale write.

- A **motion** has the options ``yes`` / ``no`` (an empty ballot abstains) and a
  :class:`MotionRule`: a majority of valid votes, of votes cast or of those eligible, or
  a supermajority; optional turnout and support thresholds; binding or advisory.
- An **election** fills ``seats`` from a fixed list of candidates by a counting method
  of the engine (:func:`tellers.counting.methods.count`).
- A **leadership contest** is an election whose candidates come from a nomination phase
  (:mod:`tellers.domain.nomination`); with one qualified candidate at the close they are
  declared **elected unopposed** and no ballot is held.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from fractions import Fraction

from tellers.counting.methods import METHODS
from tellers.domain.amendment import ElectorateChange
from tellers.domain.ballot import MOTION_OPTIONS
from tellers.domain.college import CollegeRule
from tellers.domain.electorate import ElectorateRule
from tellers.domain.errors import NoCandidates, NotACandidate, NotReadyToOpen, WrongPhase
from tellers.domain.exhaustive import ExhaustiveRule
from tellers.domain.gates import DenominatorSnapshot, SupportingNomination
from tellers.domain.ids import CandidateId, ContestId, OrganisationId, PersonId
from tellers.domain.lifecycle import Phase, Problem, check_transition, require_phase
from tellers.domain.nomination import NominationGate, NominationRule, RegisterRow
from tellers.domain.statute import StatutoryBallot
from tellers.domain.trigger import TriggerState

__all__ = [
    "RON",
    "RON_NAME",
    "Candidate",
    "Contest",
    "ContestKind",
    "MajorityBasis",
    "MotionRule",
]


RON = CandidateId("ron")
"""The key of "re-open nominations" on a ballot that offers it."""
RON_NAME = "Re-open nominations (RON)"


class ContestKind(Enum):
    """What is being decided."""

    MOTION = "motion"
    ELECTION = "election"
    LEADERSHIP = "leadership"


class MajorityBasis(Enum):
    """The denominator of a motion's majority."""

    VALID_VOTES = "valid votes"
    """Yes as a share of yes + no (abstentions and spoilt papers left out)."""
    VOTES_CAST = "votes cast"
    """Yes as a share of every ballot returned (abstentions and spoilt papers included)."""
    ELIGIBLE = "eligible"
    """Yes as a share of everyone on the roll."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MotionRule:
    """How a motion is decided.

    The motion is carried when ``yes / denominator`` is more than ``share`` (or at least
    ``share`` when ``at_least``), the denominator given by ``basis``; when set, turnout
    (returned including spoilt, over eligible) must be at least ``turnout_threshold``,
    and yes over eligible at least ``support_threshold`` (TULRCA s.226(2)(a)(iia) and
    s.226(2B)).
    """

    basis: MajorityBasis = MajorityBasis.VALID_VOTES
    share: Fraction = Fraction(1, 2)
    at_least: bool = False
    turnout_threshold: Fraction | None = None
    support_threshold: Fraction | None = None
    binding: bool = True
    """False for an advisory motion: it creates no vacancy and starts nothing by itself."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """A candidate: a person standing (leadership) or a name on a list (election)."""

    id: CandidateId
    name: str
    person_id: PersonId | None = None
    withdrawn: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Contest:
    """The contest aggregate (see module docstring)."""

    id: ContestId
    organisation_id: OrganisationId
    kind: ContestKind
    title: str
    electorate: ElectorateRule
    phase: Phase = Phase.DRAFT
    question: str = ""
    motion: MotionRule | None = None
    method: str = ""
    seats: int = 1
    candidates: tuple[Candidate, ...] = ()
    nomination: NominationRule | None = None
    gate: NominationGate | None = None
    """Set when nominations open: the snapshotted denominator."""
    ballot: tuple[CandidateId, ...] = ()
    """The candidates on the ballot paper, fixed when voting opens."""
    unopposed: CandidateId | None = None
    seed: int | None = None
    """Published seed for any lot the count needs."""
    reissue_cutoff: datetime | None = None
    rule_version: str = ""
    """The version of the contest rules in force on the day it opened."""
    version: int = 0
    gate_snapshots: tuple[DenominatorSnapshot, ...] = ()
    """Each gate node's pool size, taken when nominations open (staged gates)."""
    supporting: tuple[SupportingNomination, ...] = ()
    """Supporting nominations by affiliates (CLPs, unions), in the order made."""
    trigger: TriggerState | None = None
    """For a confidence vote called by letters: the sealed letters and the threshold
    (:mod:`tellers.domain.trigger`); voting cannot open until the trigger is reached."""
    electorate_changes: tuple[ElectorateChange, ...] = ()
    """Eligibility rules swapped after creation (a court ruling), in order
    (:mod:`tellers.domain.amendment`)."""
    re_open_nominations: bool = False
    """Whether "re-open nominations" (RON) stands as a candidate on the ballot: it is
    added to the ballot when voting opens (so one candidate still faces a ballot), and
    if RON wins nobody is elected and nominations re-open (NUS and students' unions'
    rules; many union branch rules)."""
    exhaustive: ExhaustiveRule | None = None
    """For one ballot of an exhaustive ballot of a body (:mod:`tellers.domain.exhaustive`):
    the rule that decides, after the count, who goes on to the next ballot."""
    exhaustive_round: int = 0
    """Which ballot of the exhaustive ballot this contest is (1 for the first)."""
    college: CollegeRule | None = None
    """Weighted sections (an electoral college, :mod:`tellers.domain.college`): the
    winner is decided by the sections' shares combined by weight, not by pooled votes."""
    statute: StatutoryBallot | None = None
    """For a statutory ballot (a union's industrial action ballot): the rule set and
    version in force on the day it opened, and the facts the notices need."""

    # -- queries ---------------------------------------------------------------------

    @property
    def is_motion(self) -> bool:
        """Whether the contest is a motion."""
        return self.kind is ContestKind.MOTION

    def options(self) -> tuple[str, ...]:
        """The keys a ballot may mark: ``yes``/``no`` or the candidates on the ballot."""
        if self.is_motion:
            return MOTION_OPTIONS
        return tuple(self.ballot)

    def candidate(self, candidate_id: str) -> Candidate:
        """The candidate with this id.

        Raises:
            NotACandidate: nobody of that id is a candidate.
        """
        for c in self.candidates:
            if c.id == candidate_id:
                return c
        if candidate_id == RON and self.re_open_nominations:
            return Candidate(id=RON, name=RON_NAME)
        msg = f"{candidate_id} is not a candidate in {self.id}"
        raise NotACandidate(msg)

    def has_candidate(self, candidate_id: str) -> bool:
        """Whether someone of this id has been nominated or listed."""
        if candidate_id == RON and self.re_open_nominations:
            return True
        return any(c.id == candidate_id for c in self.candidates)

    def standing_candidates(self) -> tuple[Candidate, ...]:
        """Candidates who have not withdrawn."""
        return tuple(c for c in self.candidates if not c.withdrawn)

    def candidate_name(self, candidate_id: str) -> str:
        """A candidate's name (or the option itself for motions)."""
        if self.is_motion:
            return candidate_id
        return self.candidate(candidate_id).name

    def problems_before_opening(
        self,
        phase: Phase,
        *,
        denominator: int | None = None,
        roll_size: int | None = None,
    ) -> tuple[Problem, ...]:
        """Every problem that stops ``phase`` from opening (empty when ready).

        Args:
            phase: ``NOMINATIONS_OPEN`` or ``VOTING_OPEN``.
            denominator: the nominating bodies' combined size at the snapshot, when known.
            roll_size: the number of eligible entries on the roll, when computed.
        """
        out: list[Problem] = []

        def add(code: str, message: str) -> None:
            out.append(Problem(code=code, message=message))

        if phase is Phase.NOMINATIONS_OPEN:
            if self.nomination is None:
                add("no-nomination-rule", f"{self.kind.value} {self.id} has no nomination phase")
            else:
                for text in self.nomination.problems():
                    add("nomination-rule", text)
            if denominator is not None and denominator <= 0:
                add(
                    "empty-nominating-bodies", "the nominating bodies have no seats at the snapshot"
                )
        elif phase is Phase.VOTING_OPEN:
            for text in self.electorate.problems():
                add("electorate", text)
            if roll_size is not None and roll_size == 0:
                add("empty-roll", "nobody is eligible under the electorate rule")
            if self.trigger is not None and not self.trigger.is_reached:
                add(
                    "trigger-not-reached",
                    f"{self.trigger.received} of the {self.trigger.required} letters needed "
                    "to call the vote",
                )
            if self.is_motion:
                if self.motion is None:
                    add("no-motion-rule", "a motion needs a majority rule")
                if not self.question:
                    add("no-question", "a motion needs its wording")
            else:
                if not self.method:
                    add("no-method", "no counting method")
                elif self.method not in METHODS:
                    add("unknown-method", f"unknown counting method {self.method!r}")
                if self.seats < 1:
                    add("no-seats", f"seats must be at least 1, got {self.seats}")
                on_ballot = self._ballot_for_voting()
                names = [self.candidate_name(cid) for cid in on_ballot if self.has_candidate(cid)]
                repeated = sorted({n for n in names if names.count(n) > 1})
                if repeated:
                    add("same-name", f"candidates share a name: {', '.join(repeated)}")
                standing = len(on_ballot)
                if standing <= self.seats:
                    add(
                        "too-few-candidates",
                        f"{standing} candidate(s) on the ballot for {self.seats} seat(s)",
                    )
        else:
            add("not-an-opening", f"{phase.value} is not a phase that opens")
        if self.reissue_cutoff is not None and self.reissue_cutoff.utcoffset() is None:
            add("naive-instant", "the reissue cut-off has no time zone")
        return tuple(out)

    def _ballot_for_voting(self) -> tuple[CandidateId, ...]:
        if self.kind is ContestKind.LEADERSHIP:
            ballot = self.ballot
        else:
            ballot = tuple(c.id for c in self.standing_candidates())
        if self.re_open_nominations and RON not in ballot:
            ballot = (*ballot, RON)
        return ballot

    # -- transitions -----------------------------------------------------------------

    def _moved(self, phase: Phase, **changes: object) -> Contest:
        return replace(self, phase=phase, version=self.version + 1, **changes)  # type: ignore[arg-type]

    def open_nominations(self, *, denominator: int) -> Contest:
        """Open nominations with the bodies' combined size snapshotted as ``denominator``.

        Raises:
            WrongPhase: not a draft.
            NotReadyToOpen: with every problem found.
        """
        check_transition(self.phase, Phase.NOMINATIONS_OPEN, action="open nominations")
        problems = self.problems_before_opening(Phase.NOMINATIONS_OPEN, denominator=denominator)
        if problems:
            raise NotReadyToOpen(Phase.NOMINATIONS_OPEN, problems)
        assert self.nomination is not None
        gate = NominationGate(
            threshold=self.nomination.threshold,
            denominator=denominator,
            snapshot_at=self.nomination.snapshot_at,
            snapshot_label=self.nomination.snapshot_label,
        )
        return self._moved(Phase.NOMINATIONS_OPEN, gate=gate)

    def with_candidate(self, candidate: Candidate) -> Contest:
        """Add a newly nominated candidate (no phase change)."""
        require_phase(self.phase, Phase.NOMINATIONS_OPEN, action="add a candidate")
        if self.has_candidate(candidate.id):
            return self
        return replace(self, candidates=(*self.candidates, candidate), version=self.version + 1)

    def withdraw(self, candidate_id: CandidateId) -> Contest:
        """A candidate withdraws before the close of nominations.

        Raises:
            NominationsNotOpen: outside the nomination phase.
            NotACandidate: not a standing candidate.
        """
        require_phase(self.phase, Phase.NOMINATIONS_OPEN, action="withdraw a candidate")
        found = self.candidate(candidate_id)
        if found.withdrawn:
            msg = f"{candidate_id} has already withdrawn from {self.id}"
            raise NotACandidate(msg)
        candidates = tuple(
            replace(c, withdrawn=True) if c.id == candidate_id else c for c in self.candidates
        )
        return replace(self, candidates=candidates, version=self.version + 1)

    def close_nominations(self, register: tuple[RegisterRow, ...]) -> Contest:
        """Close nominations: fix the ballot from the register (or elect unopposed).

        Raises:
            WrongPhase: nominations are not open.
            NoCandidates: nobody qualified.
        """
        check_transition(self.phase, Phase.NOMINATIONS_CLOSED, action="close nominations")
        on_ballot = tuple(row.candidate for row in register if row.standing.on_ballot)
        if not on_ballot:
            msg = f"nominations for {self.id} closed with no qualified candidate"
            raise NoCandidates(msg)
        unopposed = (
            on_ballot[0] if len(on_ballot) <= self.seats and not self.re_open_nominations else None
        )
        return self._moved(Phase.NOMINATIONS_CLOSED, ballot=on_ballot, unopposed=unopposed)

    def open_voting(self, *, roll_size: int) -> Contest:
        """Open voting on a frozen roll of ``roll_size`` eligible voters.

        Raises:
            WrongPhase: not a draft (without nominations) or nominations closed.
            NotReadyToOpen: with every problem found.
        """
        check_transition(self.phase, Phase.VOTING_OPEN, action="open voting")
        problems: list[Problem] = []
        if self.phase is Phase.DRAFT and self.kind is ContestKind.LEADERSHIP:
            problems.append(
                Problem(
                    code="nominations-first", message="a leadership contest needs nominations first"
                )
            )
        if self.unopposed is not None:
            problems.append(
                Problem(
                    code="unopposed", message=f"{self.unopposed} is elected unopposed: no ballot"
                )
            )
        problems.extend(self.problems_before_opening(Phase.VOTING_OPEN, roll_size=roll_size))
        if problems:
            raise NotReadyToOpen(Phase.VOTING_OPEN, problems)
        return self._moved(Phase.VOTING_OPEN, ballot=self._ballot_for_voting())

    def close_voting(self) -> Contest:
        """Close voting: no more ballots or papers are accepted."""
        check_transition(self.phase, Phase.VOTING_CLOSED, action="close voting")
        return self._moved(Phase.VOTING_CLOSED)

    def mark_counted(self) -> Contest:
        """Record that the count has been made."""
        check_transition(self.phase, Phase.COUNTED, action="count")
        return self._moved(Phase.COUNTED)

    def declare(self) -> Contest:
        """Declare the result (after the count, or unopposed after nominations close).

        Raises:
            WrongPhase: not counted, and not closed nominations with one candidate.
        """
        if self.phase is Phase.NOMINATIONS_CLOSED and self.unopposed is None:
            action = "declare (the contest is opposed: count first)"
            raise WrongPhase(action, self.phase, (Phase.COUNTED,))
        check_transition(self.phase, Phase.DECLARED, action="declare")
        return self._moved(Phase.DECLARED)
