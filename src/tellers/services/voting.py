"""Casting ballots online and entering postal papers; one transaction each.

Casting checks the phase and the credential, marks the roll entry voted, marks the
credential used and puts the ballot in the box with a random id and tracking code --
and no voter key, credential, paper number or time. It is a voter's action and is not
written to the audit log. :func:`cast_ballot` commits one voter's ballot;
:func:`cast_ballots` runs the same checks and writes for several voters and commits
them together (group commit), as a replay of a whole ballot does. Entering a postal
batch is a teller's action and is logged with counts only.

**Two channels, one vote: the first recorded return counts** (see
:mod:`tellers.domain.postal`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tellers.crypto.credentials import (
    TRACKING_CODE_BITS,
    credential_hasher,
    hashes_match,
    new_tracking_code,
)
from tellers.crypto.random import random_codes, random_hex, random_hexes
from tellers.domain.ballot import Ballot, Channel, RejectionReason, validate_ranking
from tellers.domain.contest import Contest
from tellers.domain.errors import (
    AlreadyVoted,
    CredentialVoided,
    InvalidBallot,
    NotInElectorate,
    UnknownCredential,
    VotingError,
    WrongChannel,
)
from tellers.domain.ids import (
    BallotId,
    ContestId,
    OfficerId,
    PostalBatchId,
    SectionName,
    TrackingCode,
)
from tellers.domain.lifecycle import Phase, require_phase
from tellers.domain.postal import PaperEntry, PaperOutcome, PostalBatch, find_gaps
from tellers.domain.roll import CredentialStatus
from tellers.services.audit import record
from tellers.services.ports import Clock, UnitOfWork

__all__ = [
    "Receipt",
    "bulletin_board",
    "cast_ballot",
    "cast_ballots",
    "enter_postal_batch",
    "was_counted",
]

_SINGLE_MARK_METHODS = frozenset({"plurality", "motion"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Receipt:
    """What the voter keeps: the contest and the ballot's tracking code."""

    contest_id: ContestId
    tracking_code: TrackingCode


def _max_marks(contest: Contest) -> int:
    return 1 if contest.is_motion or contest.method in _SINGLE_MARK_METHODS else 0


def _new_ballot(
    contest: Contest,
    section: str,
    channel: Channel,
    ranking: tuple[str, ...],
    rejection: RejectionReason | None,
    drawn: tuple[str, str] | None = None,
) -> Ballot:
    """A new ballot with a random id and tracking code (``drawn``: drawn in advance)."""
    ballot_id, code = drawn if drawn is not None else (random_hex(128), new_tracking_code())
    return Ballot(
        id=BallotId(ballot_id),
        contest_id=contest.id,
        section=SectionName(section),
        channel=channel,
        ranking=ranking,
        rejection=rejection,
        tracking_code=TrackingCode(code),
    )


def cast_ballot(
    *, uow: UnitOfWork, contest_id: str, credential: str, ranking: Sequence[str]
) -> Receipt:
    """Cast one ballot online, in one transaction of its own.

    Args:
        credential: the code the voter was sent (typed loosely: case, spaces and
            hyphens do not matter).
        ranking: option keys in order of preference; ``["yes"]``, ``["no"]`` or ``[]``
            (abstain) for a motion.

    Raises:
        PollNotOpen: voting is not open.
        UnknownCredential: no credential of this contest has this code.
        CredentialVoided: the code was replaced by a reissue.
        AlreadyVoted: the voter has already returned a ballot (online or by post).
        NotInElectorate: the credential's holder is not eligible.
        WrongChannel: the voter's section may not vote online.
        InvalidBallot: marks the contest cannot accept.
    """
    cid = ContestId(contest_id)
    with uow:
        contest = uow.contests.get(cid)
        require_phase(contest.phase, Phase.VOTING_OPEN, action="cast a ballot")
        hash_code = credential_hasher(uow.credentials.key(cid))
        ballot = _cast(uow, contest, hash_code, credential, ranking)
        uow.commit()
    return Receipt(contest_id=cid, tracking_code=ballot.tracking_code)


def cast_ballots(
    *, uow: UnitOfWork, contest_id: str, casts: Iterable[tuple[str, Sequence[str]]]
) -> list[Receipt | VotingError]:
    """Cast several voters' ballots online and commit them together (group commit).

    Each ``(credential, ranking)`` goes through exactly the checks and writes of
    :func:`cast_ballot` (the same :func:`_cast`), in order, inside one transaction; the
    receipts exist only once that transaction has committed. A voter's mistake (an
    unknown, voided or used code, a wrong channel, bad marks) is that voter's outcome
    and writes nothing, because every check comes before the first write; the others
    are still cast. Anything else (the poll not open, a storage failure) rolls back the
    whole group and is raised: then no ballot of the group was cast.

    The group's ballots are added after all of its roll marks, in the order of their
    random ids, so the order in which the rows are written follows neither the order
    of casting nor the roll.

    One commit per group instead of one per ballot is what lets a replay of half a
    million online returns finish in minutes, and lets the web server's
    :class:`~tellers.web.batcher.CastBatcher` answer concurrent voters with one commit
    per group.

    Returns:
        For each cast, in order, its receipt or the :class:`VotingError` refusing it.
    """
    cid = ContestId(contest_id)
    out: list[Receipt | VotingError] = []
    with uow:
        contest = uow.contests.get(cid)
        require_phase(contest.phase, Phase.VOTING_OPEN, action="cast a ballot")
        hash_code = credential_hasher(uow.credentials.key(cid))
        group = list(casts)
        # the group's random ids and tracking codes in two calls to the CSPRNG
        drawn = zip(
            random_hexes(len(group), 128),
            random_codes(len(group), TRACKING_CODE_BITS, group=4),
            strict=True,
        )
        box: list[Ballot] = []
        for (credential, ranking), fresh in zip(group, drawn, strict=True):
            try:
                ballot = _cast(uow, contest, hash_code, credential, ranking, fresh, box)
            except VotingError as refused:  # the voter's own mistake (see _cast)
                out.append(refused)
                continue
            out.append(Receipt(contest_id=cid, tracking_code=ballot.tracking_code))
        # the ballots go in after every roll mark, in random-id order: neither the
        # order of casting nor the order of the marks shows in the order of writing
        for ballot in sorted(box, key=lambda b: b.id):
            uow.ballots.add(ballot)
        uow.commit()
    return out


def _cast(
    uow: UnitOfWork,
    contest: Contest,
    hash_code: Callable[[str], str],
    credential: str,
    ranking: Sequence[str],
    drawn: tuple[str, str] | None = None,
    box: list[Ballot] | None = None,
) -> Ballot:
    """Check one online cast and write it (inside the caller's transaction).

    Every check comes before the first write, so a refusal leaves nothing behind
    (:func:`cast_ballots` relies on it).

    Args:
        hash_code: the contest's keyed credential hash (:func:`credential_hasher`).
        drawn: the new ballot's id and tracking code, if drawn in advance.
        box: if given, the new ballot is appended here for the caller to add to the
            ballot box, instead of being added at once.
    """
    cid = contest.id
    code_hash = hash_code(credential)
    found = uow.credentials.find_by_hash(cid, code_hash)
    if found is None or not hashes_match(code_hash, found.code_hash):
        msg = f"no credential of {cid} has this code"
        raise UnknownCredential(msg)
    if found.status is CredentialStatus.VOIDED:
        msg = "this credential was replaced by a reissue; use the newest one"
        raise CredentialVoided(msg)
    if found.status is CredentialStatus.USED:
        msg = "this credential has already been used"
        raise AlreadyVoted(msg)
    entry = uow.roll.get(cid, found.person_id)
    if entry.section is None:
        msg = "the holder of this credential is not on the roll"
        raise NotInElectorate(msg)
    if entry.voted:
        msg = "a ballot has already been returned for this voter; the first return counts"
        raise AlreadyVoted(msg)
    if Channel.ONLINE not in contest.electorate.section(entry.section).channels:
        msg = f"section {entry.section} does not vote online"
        raise WrongChannel(msg)
    marks = validate_ranking(
        ranking, contest.options(), allow_empty=contest.is_motion, max_marks=_max_marks(contest)
    )
    # -- writes from here on --
    ballot = _new_ballot(contest, entry.section, Channel.ONLINE, marks, None, drawn)
    uow.credentials.save(found.used())
    uow.roll.save(entry.mark_voted(Channel.ONLINE))
    if box is None:
        uow.ballots.add(ballot)
    else:
        box.append(ballot)
    return ballot


def enter_postal_batch(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    contest_id: str,
    papers: Iterable[PaperEntry],
) -> PostalBatch:
    """Enter a batch of returned papers (while voting is open or after it closed).

    Each paper is counted, counted as spoilt (with its rejection reason; an unmarked
    paper is spoilt as ``unmarked``), or refused with a :class:`PaperOutcome` and no
    ballot: unknown number, voided by a reissue, already entered, voter already voted
    (first return counts), or marks naming no option (to be re-entered).

    Raises:
        WrongPhase: the contest is neither voting open nor voting closed.
    """
    cid = ContestId(contest_id)
    with uow:
        contest = uow.contests.get(cid)
        require_phase(
            contest.phase, Phase.VOTING_OPEN, Phase.VOTING_CLOSED, action="enter postal papers"
        )
        options = contest.options()
        max_marks = _max_marks(contest)
        already = uow.postal.entered_papers(cid)
        seen: set[int] = set()
        counted = 0
        spoilt: Counter[str] = Counter()
        refused: list[tuple[int, PaperOutcome]] = []
        for paper in papers:
            n = paper.paper_number
            if n in already or n in seen:
                refused.append((n, PaperOutcome.REPEATED_PAPER))
                continue
            seen.add(n)
            cred = uow.credentials.find_by_paper(cid, n)
            if cred is None:
                refused.append((n, PaperOutcome.UNKNOWN_PAPER))
                continue
            if cred.status is CredentialStatus.VOIDED:
                refused.append((n, PaperOutcome.VOIDED_PAPER))
                continue
            entry = uow.roll.get(cid, cred.person_id)
            if cred.status is CredentialStatus.USED or entry.voted or entry.section is None:
                refused.append((n, PaperOutcome.DUPLICATE_RETURN))
                continue
            rejection = paper.rejection
            marks: tuple[str, ...] = ()
            if rejection is None:
                if not paper.ranking:
                    rejection = RejectionReason.UNMARKED
                else:
                    try:
                        marks = validate_ranking(
                            paper.ranking, options, allow_empty=False, max_marks=max_marks
                        )
                    except InvalidBallot:
                        refused.append((n, PaperOutcome.INVALID_MARKS))
                        continue
            if rejection is not None:
                spoilt[rejection.value] += 1
            else:
                counted += 1
            uow.ballots.add(_new_ballot(contest, entry.section, Channel.POST, marks, rejection))
            uow.credentials.save(cred.used())
            uow.roll.save(entry.mark_voted(Channel.POST))
        sequence = len(uow.postal.for_contest(cid)) + 1
        rekey = {n for n, outcome in refused if outcome is PaperOutcome.INVALID_MARKS}
        numbers = tuple(sorted(seen - rekey))
        batch = PostalBatch(
            id=PostalBatchId(random_hex(128)),
            contest_id=cid,
            sequence=sequence,
            entered_by=officer,
            paper_numbers=numbers,
            gaps=find_gaps(seen),
            counted=counted,
            spoilt=dict(sorted(spoilt.items())),
            refused=tuple(refused),
        )
        uow.postal.add(batch)
        record(
            uow,
            clock=clock,
            officer=officer,
            action="enter_postal_batch",
            parameters={
                "contest": cid,
                "batch": sequence,
                "papers": len(numbers)
                + sum(1 for _, o in refused if o is PaperOutcome.REPEATED_PAPER),
                "first": numbers[0] if numbers else None,
                "last": numbers[-1] if numbers else None,
                "gaps": [list(g) for g in batch.gaps],
                "counted": counted,
                "spoilt": dict(batch.spoilt),
                "refused": [[n, o.value] for n, o in refused],
            },
        )
        uow.commit()
    return batch


def was_counted(*, uow: UnitOfWork, contest_id: str, tracking_code: str) -> bool:
    """Whether a ballot with this tracking code is in the box ("was my ballot counted?")."""
    with uow:
        return (
            uow.ballots.find_by_tracking_code(
                ContestId(contest_id), TrackingCode(tracking_code.strip().upper())
            )
            is not None
        )


def bulletin_board(*, uow: UnitOfWork, contest_id: str) -> tuple[Ballot, ...]:
    """Every ballot with its tracking code, in random-id order, once voting has closed.

    Raises:
        WrongPhase: voting is still open (or has not started).
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        require_phase(
            contest.phase,
            Phase.VOTING_CLOSED,
            Phase.COUNTED,
            Phase.DECLARED,
            action="publish the bulletin board",
        )
        return tuple(uow.ballots.iter(contest.id))
