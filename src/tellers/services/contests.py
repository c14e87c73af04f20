"""Officer and nominator actions on a contest's lifecycle; one transaction each.

create_contest -> [open_nominations -> nominate / withdraw -> close_nominations]
-> open_voting (freezes the roll) -> close_voting. Counting and declaring are in
:mod:`tellers.services.results`; credentials and casting in
:mod:`tellers.services.credentials` and :mod:`tellers.services.voting`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from tellers.crypto.credentials import new_election_key
from tellers.domain.amendment import CredentialPolicy, ElectorateChange, recompute
from tellers.domain.contest import Candidate, Contest
from tellers.domain.electorate import ElectorateRule
from tellers.domain.errors import (
    AlreadyNominated,
    NominationsNotOpen,
    NotACandidate,
    NotANominator,
    SelfNominationNotAllowed,
)
from tellers.domain.exhaustive import ExhaustiveDecision, decide_round
from tellers.domain.gates import (
    DenominatorSnapshot,
    GateOutcome,
    SupportingNomination,
    affiliate_pool_size,
    evaluate,
    passes_stages_before,
    pool_closes_at,
    stage_of_pool,
)
from tellers.domain.ids import (
    AffiliateId,
    CandidateId,
    ContestId,
    OfficerId,
    OrganisationId,
    PersonId,
)
from tellers.domain.lifecycle import Phase, check_transition, require_phase
from tellers.domain.membership import MembershipKind
from tellers.domain.nomination import (
    CandidateStanding,
    Nomination,
    RegisterRow,
    nomination_register,
)
from tellers.domain.organisation import Affiliate
from tellers.domain.roll import CredentialStatus, RollEntry
from tellers.domain.spec import contest_from_spec
from tellers.services.audit import record
from tellers.services.ports import Clock, UnitOfWork

__all__ = [
    "amend_electorate",
    "amend_incumbent_rule",
    "close_nominations",
    "close_voting",
    "create_contest",
    "gate_outcomes",
    "get_contest",
    "nominate",
    "next_exhaustive_round",
    "nominate_by_affiliate",
    "nomination_register_of",
    "open_nominations",
    "open_voting",
    "participation_list",
    "withdraw",
]


def _log(uow: UnitOfWork, clock: Clock, officer: OfficerId, action: str, **params: Any) -> None:
    record(uow, clock=clock, officer=officer, action=action, parameters=params)


def get_contest(*, uow: UnitOfWork, contest_id: str) -> Contest:
    """Read a contest (a read-only transaction)."""
    with uow:
        return uow.contests.get(ContestId(contest_id))


def create_contest(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation_id: str,
    contest_id: str,
    spec: Mapping[str, Any],
) -> Contest:
    """Create a draft contest from a spec (see :mod:`tellers.domain.spec`).

    Raises:
        InvalidSpec: the spec cannot be used.
        NotFound: no such organisation, or a body named by the nomination rule.
        AlreadyExists: the contest id is taken.
    """
    contest = contest_from_spec(
        spec, contest_id=ContestId(contest_id), organisation_id=OrganisationId(organisation_id)
    )
    with uow:
        _add_contest(uow, clock, officer, contest)
        uow.commit()
    return contest


def _add_contest(
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    contest: Contest,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Check a new contest's references, add it and log it, in the open transaction."""
    uow.organisations.get(contest.organisation_id)
    if contest.nomination is not None:
        for body in contest.nomination.bodies:
            uow.organisations.get_body(body)
        if contest.nomination.incumbent is not None:
            uow.people.get(contest.nomination.incumbent)
    uow.contests.add(contest)
    params: dict[str, Any] = {
        "contest": contest.id,
        "organisation": contest.organisation_id,
        "kind": contest.kind.value,
        "title": contest.title,
        "rule_version": contest.rule_version,
        "electorate_version": contest.electorate.version,
        "sections": [s.name for s in contest.electorate.sections],
        "method": contest.method,
        "seats": contest.seats,
        "seed": contest.seed,
    }
    if contest.motion is not None:
        params["binding"] = contest.motion.binding
    if contest.nomination is not None:
        n = contest.nomination
        params["nominations"] = {
            "bodies": list(n.bodies),
            "threshold": f"{n.threshold.numerator}/{n.threshold.denominator}",
            "incumbent": n.incumbent,
            "incumbent_on_ballot": n.incumbent_on_ballot,
            "ruling": n.ruling,
        }
    params.update(extra or {})
    _log(uow, clock, officer, "create_contest", **params)


def amend_incumbent_rule(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    contest_id: str,
    incumbent_on_ballot: bool,
    ruling: str,
) -> Contest:
    """Record a ruling that sets whether the incumbent is on the ballot automatically.

    Allowed while the contest is a draft; the ruling's text goes into the audit log.

    Raises:
        WrongPhase: nominations have already opened.
    """
    from dataclasses import replace

    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        require_phase(contest.phase, Phase.DRAFT, action="amend the incumbent rule")
        if contest.nomination is None:
            msg = f"{contest.id} has no nomination phase"
            raise NotACandidate(msg)
        rule = replace(contest.nomination, incumbent_on_ballot=incumbent_on_ballot, ruling=ruling)
        changed = replace(contest, nomination=rule, version=contest.version + 1)
        uow.contests.save(changed)
        _log(
            uow,
            clock,
            officer,
            "amend_incumbent_rule",
            contest=contest.id,
            incumbent_on_ballot=incumbent_on_ballot,
            ruling=ruling,
        )
        uow.commit()
    return changed


def open_nominations(
    *, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str
) -> Contest:
    """Open nominations, snapshotting the nominating bodies' combined size.

    The size is the number of people holding a seat in any nominating body on the day
    of the rule's snapshot instant. The incumbent, if named, is entered as a candidate
    with no nominations.

    Raises:
        WrongPhase: not a draft.
        NotReadyToOpen: every problem found (e.g. no nomination rule, empty bodies).
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        check_transition(contest.phase, Phase.NOMINATIONS_OPEN, action="open nominations")
        denominator = 0
        if contest.nomination is not None:
            snapshot_day = contest.nomination.snapshot_at.date()
            denominator = len(uow.people.seat_holders(contest.nomination.bodies, snapshot_day))
        opened = contest.open_nominations(denominator=denominator)
        snapshots = _gate_snapshots(uow, opened)
        if snapshots:
            from dataclasses import replace

            opened = replace(opened, gate_snapshots=snapshots)
        incumbent = opened.nomination.incumbent if opened.nomination else None
        if incumbent is not None:
            person = uow.people.get(incumbent)
            opened = opened.with_candidate(
                Candidate(id=CandidateId(person.id), name=person.name, person_id=person.id)
            )
            opened = _one_version_step(contest, opened)
        uow.contests.save(opened)
        gate = opened.gate
        assert gate is not None
        _log(
            uow,
            clock,
            officer,
            "open_nominations",
            contest=contest.id,
            denominator=gate.denominator,
            threshold=f"{gate.threshold.numerator}/{gate.threshold.denominator}",
            required=gate.required,
            snapshot_at=gate.snapshot_at.isoformat(),
            snapshot_label=gate.snapshot_label,
            gate_snapshots=[
                {
                    "gate": snap.node,
                    "denominator": snap.denominator,
                    "membership": snap.membership,
                    "at": snap.at.isoformat(),
                    "label": snap.label,
                }
                for snap in opened.gate_snapshots
            ],
        )
        uow.commit()
    return opened


def _gate_snapshots(uow: UnitOfWork, contest: Contest) -> tuple[DenominatorSnapshot, ...]:
    """Each leaf of the contest's gate tree sized at its named instant."""
    rule = contest.nomination
    if rule is None or rule.gate is None:
        return ()
    affiliates = uow.organisations.affiliates(contest.organisation_id)
    out: list[DenominatorSnapshot] = []
    for node in rule.gate.walk():
        if not node.is_leaf:
            continue
        at = node.snapshot_at or rule.snapshot_at
        label = node.snapshot_label or rule.snapshot_label
        if node.counts_seats:
            size = len(uow.people.seat_holders(node.bodies, at.date()))
            out.append(DenominatorSnapshot(node=node.name, denominator=size, at=at, label=label))
        else:
            number, membership = affiliate_pool_size(affiliates, node.affiliate_kinds)
            out.append(
                DenominatorSnapshot(
                    node=node.name,
                    denominator=number,
                    membership=membership,
                    at=at,
                    label=label,
                )
            )
    return tuple(out)


def _one_version_step(before: Contest, after: Contest) -> Contest:
    from dataclasses import replace

    return replace(after, version=before.version + 1)


def nominate(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    contest_id: str,
    nominator: str,
    candidate: str,
) -> Nomination:
    """Record ``nominator``'s nomination of ``candidate`` (both person ids).

    Raises:
        NominationsNotOpen: outside the nomination phase, or after its closing instant.
        NotANominator: the nominator holds no seat in a nominating body today.
        SelfNominationNotAllowed: the contest forbids it.
        AlreadyNominated: the nominator already nominates a standing candidate.
        NotACandidate: the candidate has withdrawn.
        NotFound: no such person.
    """
    now = clock.now()
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        require_phase(contest.phase, Phase.NOMINATIONS_OPEN, action="nominate")
        rule = contest.nomination
        assert rule is not None
        if rule.closes_at is not None and now > rule.closes_at:
            action = f"nominate (nominations closed at {rule.closes_at.isoformat()})"
            raise NominationsNotOpen(action, contest.phase, (Phase.NOMINATIONS_OPEN,))
        if rule.gate is not None:
            stage_close = pool_closes_at(rule.gate, affiliate_kind=None)
            if stage_close is not None and now > stage_close:
                action = f"nominate (this stage closed at {stage_close.isoformat()})"
                raise NominationsNotOpen(action, contest.phase, (Phase.NOMINATIONS_OPEN,))
        nominator_id = PersonId(nominator)
        uow.people.get(nominator_id)
        seats = [
            m
            for m in uow.people.memberships_of(nominator_id)
            if m.kind is MembershipKind.SEAT
            and m.body_id in rule.bodies
            and m.is_current_on(now.date())
        ]
        if not seats:
            msg = f"{nominator} holds no seat in {', '.join(rule.bodies)} on {now.date()}"
            raise NotANominator(msg)
        person = uow.people.get(PersonId(candidate))
        if nominator_id == person.id and not rule.allow_self_nomination:
            msg = f"{nominator} cannot nominate themselves in {contest.id}"
            raise SelfNominationNotAllowed(msg)
        withdrawn = {c.id for c in contest.candidates if c.withdrawn}
        for earlier in uow.contests.nominations(contest.id):
            if earlier.nominator == nominator_id and earlier.candidate not in withdrawn:
                msg = f"{nominator} already nominates {earlier.candidate} in {contest.id}"
                raise AlreadyNominated(msg)
        cid = CandidateId(person.id)
        if cid in withdrawn:
            msg = f"{person.name} has withdrawn from {contest.id}"
            raise NotACandidate(msg)
        if not contest.has_candidate(cid):
            uow.contests.save(
                contest.with_candidate(Candidate(id=cid, name=person.name, person_id=person.id))
            )
        nomination = Nomination(
            contest_id=contest.id, nominator=nominator_id, candidate=cid, at=now
        )
        uow.contests.add_nomination(nomination)
        _log(
            uow, clock, officer, "nominate", contest=contest.id, nominator=nominator, candidate=cid
        )
        uow.commit()
    return nomination


def withdraw(
    *, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str, candidate: str
) -> Contest:
    """A candidate withdraws before the close of nominations.

    Raises:
        NominationsNotOpen: outside the nomination phase.
        NotACandidate: not a standing candidate.
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        changed = contest.withdraw(CandidateId(candidate))
        uow.contests.save(changed)
        count = sum(1 for n in uow.contests.nominations(contest.id) if n.candidate == candidate)
        _log(
            uow,
            clock,
            officer,
            "withdraw",
            contest=contest.id,
            candidate=candidate,
            nominations=count,
        )
        uow.commit()
    return changed


def _register(uow: UnitOfWork, contest: Contest) -> tuple[RegisterRow, ...]:
    assert contest.gate is not None
    assert contest.nomination is not None
    if contest.nomination.gate is not None:
        return _gated_register(uow, contest)
    return nomination_register(
        gate=contest.gate,
        rule=contest.nomination,
        candidates=[(c.id, c.name, c.withdrawn) for c in contest.candidates],
        nominations=uow.contests.nominations(contest.id),
    )


def _seat_nominations(uow: UnitOfWork, contest: Contest) -> dict[str, dict[str, int]]:
    """Nominations by seat holders, per candidate and per seat-counting gate node."""
    rule = contest.nomination
    assert rule is not None
    assert rule.gate is not None
    nominations = uow.contests.nominations(contest.id)
    out: dict[str, dict[str, int]] = {}
    for node in rule.gate.walk():
        if not node.counts_seats:
            continue
        at = node.snapshot_at or rule.snapshot_at
        holders = uow.people.seat_holders(node.bodies, at.date())
        for n in nominations:
            if n.nominator in holders:
                per = out.setdefault(n.candidate, {})
                per[node.name] = per.get(node.name, 0) + 1
    return out


def _affiliates_for(contest: Contest, uow: UnitOfWork) -> dict[str, list[Affiliate]]:
    """The affiliates nominating each candidate (each affiliate's standing nomination)."""
    known = {a.id: a for a in uow.organisations.affiliates(contest.organisation_id)}
    out: dict[str, list[Affiliate]] = {}
    for s in contest.supporting:
        out.setdefault(s.candidate, []).append(known[s.affiliate])
    return out


def _outcomes(uow: UnitOfWork, contest: Contest) -> dict[str, GateOutcome]:
    rule = contest.nomination
    assert rule is not None
    assert rule.gate is not None
    snapshots = {s.node: s for s in contest.gate_snapshots}
    seats = _seat_nominations(uow, contest)
    supporters = _affiliates_for(contest, uow)
    return {
        c.id: evaluate(
            rule.gate,
            snapshots=snapshots,
            seat_nominations=seats.get(c.id, {}),
            affiliates=supporters.get(c.id, []),
        )
        for c in contest.candidates
    }


def _gated_register(uow: UnitOfWork, contest: Contest) -> tuple[RegisterRow, ...]:
    rule = contest.nomination
    gate = contest.gate
    assert rule is not None
    assert gate is not None
    outcomes = _outcomes(uow, contest)
    tally = Counter(n.candidate for n in uow.contests.nominations(contest.id))
    seat_node = next((n for n in rule.gate.walk() if n.counts_seats), None) if rule.gate else None
    rows: list[RegisterRow] = []
    for c in contest.candidates:
        passed = outcomes[c.id].passed
        required = (
            outcomes[c.id].find(seat_node.name).required if seat_node is not None else gate.required
        )
        is_incumbent = rule.incumbent is not None and str(c.id) == str(rule.incumbent)
        if c.withdrawn:
            standing = (
                CandidateStanding.WITHDRAWN_QUALIFIED if passed else CandidateStanding.WITHDRAWN
            )
        elif passed:
            standing = CandidateStanding.QUALIFIED
        elif is_incumbent and rule.incumbent_on_ballot:
            standing = CandidateStanding.INCUMBENT
        else:
            standing = CandidateStanding.NOT_QUALIFIED
        rows.append(
            RegisterRow(
                candidate=c.id,
                name=c.name,
                nominations=tally.get(c.id, 0),
                required=required,
                standing=standing,
            )
        )
    return tuple(rows)


def gate_outcomes(*, uow: UnitOfWork, contest_id: str) -> dict[str, GateOutcome]:
    """Each candidate's outcome at every node of the contest's gate tree (read-only).

    Empty for a contest without a gate tree or before nominations open.
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        if contest.nomination is None or contest.nomination.gate is None or contest.gate is None:
            return {}
        return _outcomes(uow, contest)


def nominate_by_affiliate(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    contest_id: str,
    affiliate: str,
    candidate: str,
) -> SupportingNomination:
    """Record an affiliate's (a CLP's, a union's) supporting nomination of ``candidate``.

    One standing nomination per affiliate; if its nominee withdraws, the affiliate may
    nominate another candidate before the close. In a staged gate the candidate must
    already have passed every earlier stage.

    Raises:
        NominationsNotOpen: outside the nomination phase, or after the stage closed.
        NotANominator: the affiliate's kind is counted by no gate node.
        AlreadyNominated: the affiliate already nominates a standing candidate.
        NotACandidate: the candidate is not standing, or has not passed the earlier stages.
        NotFound: no such affiliate.
    """
    now = clock.now()
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        require_phase(contest.phase, Phase.NOMINATIONS_OPEN, action="nominate")
        rule = contest.nomination
        if rule is None or rule.gate is None:
            msg = f"{contest.id} takes no supporting nominations from affiliates"
            raise NotANominator(msg)
        found = uow.organisations.get_affiliate(AffiliateId(affiliate))
        if found.organisation_id != contest.organisation_id:
            msg = f"{affiliate} is not an affiliate of {contest.organisation_id}"
            raise NotANominator(msg)
        if not any(found.kind in node.affiliate_kinds for node in rule.gate.walk()):
            msg = f"{affiliate} ({found.kind.value}) is not counted by any gate of {contest.id}"
            raise NotANominator(msg)
        closes = pool_closes_at(rule.gate, affiliate_kind=found.kind)
        for limit in (rule.closes_at, closes):
            if limit is not None and now > limit:
                action = f"nominate (nominations closed at {limit.isoformat()})"
                raise NominationsNotOpen(action, contest.phase, (Phase.NOMINATIONS_OPEN,))
        cid = CandidateId(candidate)
        target = contest.candidate(cid)
        if target.withdrawn:
            msg = f"{target.name} has withdrawn from {contest.id}"
            raise NotACandidate(msg)
        withdrawn = {c.id for c in contest.candidates if c.withdrawn}
        for earlier in contest.supporting:
            if earlier.affiliate == found.id and earlier.candidate not in withdrawn:
                msg = f"{affiliate} already nominates {earlier.candidate} in {contest.id}"
                raise AlreadyNominated(msg)
        stage = stage_of_pool(rule.gate, affiliate_kind=found.kind)
        if stage:
            seats = _seat_nominations(uow, contest).get(cid, {})
            supporters = _affiliates_for(contest, uow).get(cid, [])
            if not passes_stages_before(
                rule.gate,
                stage,
                snapshots={s.node: s for s in contest.gate_snapshots},
                seat_nominations=seats,
                affiliates=supporters,
            ):
                msg = f"{target.name} has not passed the earlier stage(s) of {contest.id}"
                raise NotACandidate(msg)
        nomination = SupportingNomination(affiliate=found.id, candidate=cid, at=now)
        renominated = any(s.affiliate == found.id for s in contest.supporting)
        from dataclasses import replace

        uow.contests.save(
            replace(
                contest, supporting=(*contest.supporting, nomination), version=contest.version + 1
            )
        )
        _log(
            uow,
            clock,
            officer,
            "nominate_by_affiliate",
            contest=contest.id,
            affiliate=found.id,
            kind=found.kind.value,
            candidate=cid,
            renominated=renominated,
        )
        uow.commit()
    return nomination


def nomination_register_of(*, uow: UnitOfWork, contest_id: str) -> tuple[RegisterRow, ...]:
    """The nomination register as it stands (read-only; exportable with ``as_dict``)."""
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        if contest.gate is None:
            return ()
        return _register(uow, contest)


def close_nominations(
    *, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str
) -> Contest:
    """Close nominations and fix the ballot; one qualified candidate is elected unopposed.

    Raises:
        WrongPhase: nominations are not open.
        NoCandidates: nobody qualified.
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        check_transition(contest.phase, Phase.NOMINATIONS_CLOSED, action="close nominations")
        register = _register(uow, contest)
        closed = contest.close_nominations(register)
        uow.contests.save(closed)
        _log(
            uow,
            clock,
            officer,
            "close_nominations",
            contest=contest.id,
            register=[
                {
                    "candidate": r.candidate,
                    "nominations": r.nominations,
                    "standing": r.standing.value,
                }
                for r in register
            ],
            ballot=list(closed.ballot),
            unopposed=closed.unopposed,
        )
        uow.commit()
    return closed


def open_voting(*, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str) -> Contest:
    """Freeze the roll and open voting.

    Applies the electorate rule to everyone on the organisation's books, records every
    decision (eligible or not, with section, rule version and reason) on the roll,
    creates the contest's credential key and opens voting.

    Raises:
        WrongPhase: not a draft (motion, election) or closed nominations (leadership).
        NotReadyToOpen: every problem found, the empty roll included; nothing is written.
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        check_transition(contest.phase, Phase.VOTING_OPEN, action="open voting")
        rule = contest.electorate
        sections: Counter[str] = Counter()

        people = uow.people.iter_with_memberships(contest.organisation_id)

        def entries() -> Iterator[RollEntry]:
            # the roll is written as it is decided: a store may run this in a thread,
            # making the next chunk while it writes this one (the query above has been
            # started here, so this only reads its rows)
            for person, memberships in people:
                decision = rule.decide(person.id, memberships)
                if decision.section is not None:
                    sections[decision.section] += 1
                yield RollEntry(
                    contest_id=contest.id,
                    person_id=person.id,
                    section=decision.section,
                    rule_version=decision.rule_version,
                    reason=decision.reason,
                )

        try:
            decided = uow.roll.add_many(entries())
        finally:
            # the stream's cursor closed here, in this transaction, come what may
            close = getattr(people, "close", None)
            if close is not None:
                close()
        eligible = sum(sections.values())
        opened = contest.open_voting(roll_size=eligible)
        uow.credentials.set_key(contest.id, new_election_key())
        uow.contests.save(opened)
        _log(
            uow,
            clock,
            officer,
            "open_voting",
            contest=contest.id,
            electorate_version=rule.version,
            precedence=rule.precedence,
            eligible=eligible,
            refused=decided - eligible,
            eligible_by_section={s.name: sections.get(s.name, 0) for s in rule.sections},
            ballot=list(opened.options()),
        )
        uow.commit()
    return opened


def close_voting(*, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str) -> Contest:
    """Close voting: no more online ballots (postal papers received may still be entered).

    Raises:
        WrongPhase: voting is not open.
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        closed = contest.close_voting()
        uow.contests.save(closed)
        _log(
            uow,
            clock,
            officer,
            "close_voting",
            contest=contest.id,
            ballots=uow.ballots.count(contest.id),
            marked_voted=uow.roll.voted_count(contest.id),
            credentials=dict(uow.credentials.count(contest.id)),
        )
        uow.commit()
    return closed


def participation_list(
    *, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str
) -> tuple[PersonId, ...]:
    """Who returned a ballot (never which): for publication where the rules require it.

    The marked register names voters, so reading it is an officer action on record: the
    read and its audit entry (who read it, for which contest, how many names) are one
    transaction, and a read whose entry cannot be written returns nothing.

    Raises:
        NotFound: no such contest.
    """
    cid = ContestId(contest_id)
    with uow:
        uow.contests.get(cid)
        voters = tuple(e.person_id for e in uow.roll.iter(cid) if e.voted)
        _log(uow, clock, officer, "read_participation_list", contest=cid, names=len(voters))
        uow.commit()
    return voters


def amend_electorate(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    contest_id: str,
    electorate: ElectorateRule,
    ruling: str,
    policy: CredentialPolicy = CredentialPolicy.VOID,
) -> ElectorateChange:
    """Swap the contest's electorate rule (a court ruling) and recompute the electorate.

    Before voting opens the new rule simply replaces the old (the roll is not frozen
    yet); the audit entry states how many the new rule admits in each section. While
    voting is open the roll is recomputed: newly eligible people get an entry (they are
    issued credentials by the next :func:`~tellers.services.credentials.issue_credentials`),
    people the new rule refuses leave the roll and their unused credentials are handled
    by ``policy`` (:class:`~tellers.domain.amendment.CredentialPolicy`); a ballot already
    cast is never withdrawn. Every change is logged with the ruling.

    Raises:
        WrongPhase: voting has closed.
        InvalidSpec: the new rule has problems (no version, no sections...).
    """
    from dataclasses import replace

    from tellers.domain.errors import InvalidSpec

    problems = electorate.problems()
    if problems:
        msg = f"electorate rule {electorate.version!r}: {'; '.join(problems)}"
        raise InvalidSpec(msg)
    now = clock.now()
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        require_phase(
            contest.phase,
            Phase.DRAFT,
            Phase.NOMINATIONS_OPEN,
            Phase.NOMINATIONS_CLOSED,
            Phase.VOTING_OPEN,
            action="change the electorate rule",
        )
        kinds: Counter[str] = Counter()
        changed_ids: dict[str, list[str]] = {}
        voided = 0
        sections: Counter[str] = Counter()
        if contest.phase is Phase.VOTING_OPEN:
            cid = contest.id
            entries = {e.person_id: e for e in uow.roll.iter(cid)}
            people = list(uow.people.iter_with_memberships(contest.organisation_id))

            def holds(pid: PersonId) -> bool:
                return any(
                    c.status is not CredentialStatus.VOIDED
                    for c in uow.credentials.for_person(cid, pid)
                )

            changes = recompute(
                electorate,
                entries=entries,
                people=[(p.id, ms) for p, ms in people],
                holds_credential=holds,
                policy=policy,
                ruling=ruling,
            )
            for change in changes:
                uow.roll.save(change.after)
                kinds[change.kind] += 1
                if change.kind != "kept":
                    changed_ids.setdefault(change.kind, []).append(change.after.person_id)
                if change.void_credentials:
                    for c in uow.credentials.for_person(cid, change.after.person_id):
                        if c.status is CredentialStatus.ACTIVE:
                            uow.credentials.save(c.voided())
                            voided += 1
            newcomers: list[RollEntry] = []
            for person, memberships in people:
                if person.id in entries:
                    continue
                decision = electorate.decide(person.id, memberships)
                newcomers.append(
                    RollEntry(
                        contest_id=cid,
                        person_id=person.id,
                        section=decision.section,
                        rule_version=decision.rule_version,
                        reason=f"{decision.reason} [{ruling}]",
                    )
                )
                if decision.section is not None:
                    kinds["added"] += 1
                    changed_ids.setdefault("added", []).append(person.id)
            uow.roll.add_many(newcomers)
            sections.update(uow.roll.eligible_by_section(cid))
        else:
            for person, memberships in uow.people.iter_with_memberships(contest.organisation_id):
                decision = electorate.decide(person.id, memberships)
                if decision.section is not None:
                    sections[decision.section] += 1
        change_record = ElectorateChange(
            sequence=len(contest.electorate_changes) + 1,
            at=now,
            ruling=ruling,
            previous_version=contest.electorate.version,
            new_version=electorate.version,
            policy=policy,
            added=kinds["added"],
            removed=kinds["removed"],
            moved=kinds["moved"],
            kept=kinds["kept"] + kinds["kept until used"],
            voided=voided,
            eligible_by_section={s.name: sections.get(s.name, 0) for s in electorate.sections},
        )
        uow.contests.save(
            replace(
                contest,
                electorate=electorate,
                electorate_changes=(*contest.electorate_changes, change_record),
                version=contest.version + 1,
            )
        )
        _log(
            uow,
            clock,
            officer,
            "amend_electorate",
            contest=contest.id,
            ruling=ruling,
            previous_version=change_record.previous_version,
            new_version=change_record.new_version,
            phase=contest.phase.value,
            policy=policy.value,
            added=change_record.added,
            removed=change_record.removed,
            moved=change_record.moved,
            kept=change_record.kept,
            kept_until_used=kinds["kept until used"],
            restored=kinds["restored"],
            voided=voided,
            eligible_by_section=dict(change_record.eligible_by_section),
            people={k: sorted(v) for k, v in sorted(changed_ids.items())},
        )
        uow.commit()
    return change_record


def next_exhaustive_round(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    contest_id: str,
    next_contest_id: str,
    withdrawn: tuple[str, ...] = (),
) -> ExhaustiveDecision:
    """Decide a counted ballot of an exhaustive ballot and set up the next one.

    The ballot's first-preference tallies decide who is eliminated
    (:func:`tellers.domain.exhaustive.decide_round`); candidates in ``withdrawn`` leave
    after the result. If more than the rule's ``remain`` continue, a new draft contest
    ``next_contest_id`` is created for the next ballot, with the same electorate and the
    continuing candidates; otherwise balloting of the body is over: the survivors go to
    the wider ballot, or the one candidate left is declared without one. Every decision
    is logged with the tallies.

    Raises:
        WrongPhase: the ballot has not been counted.
        NotFound: the contest is not part of an exhaustive ballot, or was not counted.
    """
    import json
    from dataclasses import replace

    from tellers.domain.errors import NotFound

    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        require_phase(contest.phase, Phase.COUNTED, Phase.DECLARED, action="decide the round")
        rule = contest.exhaustive
        if rule is None:
            msg = f"{contest.id} is not a ballot of an exhaustive ballot"
            raise NotFound(msg)
        counts = uow.results.counts(contest.id)
        if not counts:
            msg = f"{contest.id} has not been counted"
            raise NotFound(msg)
        data = json.loads(counts[0][1])
        tallies = {k: int(v["votes"]) for k, v in data["tallies"].items()}
        decision = decide_round(
            rule,
            round_number=contest.exhaustive_round or 1,
            tallies=tallies,
            withdrawn=frozenset(withdrawn),
        )
        created = None
        if not decision.finished:
            keep = set(decision.continuing)
            created = replace(
                contest,
                id=ContestId(next_contest_id),
                phase=Phase.DRAFT,
                version=0,
                candidates=tuple(c for c in contest.candidates if c.id in keep),
                ballot=(),
                unopposed=None,
                gate=None,
                exhaustive_round=(contest.exhaustive_round or 1) + 1,
                title=f"{contest.title} (ballot {(contest.exhaustive_round or 1) + 1})",
                electorate_changes=(),
            )
            uow.contests.add(created)
        _log(
            uow,
            clock,
            officer,
            "exhaustive_round",
            contest=contest.id,
            round=decision.round,
            tallies=dict(decision.tallies),
            eliminated=list(decision.eliminated),
            reason=decision.reason,
            continuing=list(decision.continuing),
            finished=decision.finished,
            declared_without_ballot=decision.declared,
            tie=list(decision.tie),
            next_contest=None if created is None else created.id,
        )
        uow.commit()
    return decision
