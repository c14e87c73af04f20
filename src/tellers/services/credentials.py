"""Issuing and reissuing voters' credentials; one transaction each.

Codes are returned **once**, for mailing, and stored only as keyed hashes. Voters in
a section that may vote by post also get a consecutively numbered paper, tied to the
same credential (whichever is used first uses it). The audit log records counts and
paper-number ranges, never codes.
"""

from __future__ import annotations

from collections.abc import Iterator

from tellers.crypto.credentials import (
    credential_hash,
    credential_hasher,
    new_credential,
    new_credentials,
)
from tellers.crypto.random import random_hex, random_hexes
from tellers.domain.amendment import KEPT_UNTIL_USED
from tellers.domain.ballot import Channel
from tellers.domain.errors import AlreadyVoted, NotInElectorate, ReissueClosed
from tellers.domain.ids import ContestId, CredentialId, OfficerId, PersonId
from tellers.domain.lifecycle import Phase, require_phase
from tellers.domain.roll import Credential, CredentialStatus, IssuedCredential
from tellers.services.audit import record
from tellers.services.ports import Clock, UnitOfWork

__all__ = ["issue_credentials", "issue_credentials_in", "reissue_credential"]

_ISSUE_CHUNK = 20_000
"""Codes drawn (one CSPRNG call) and hashed per step of a whole-roll issue."""


def issue_credentials(
    *, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str
) -> tuple[IssuedCredential, ...]:
    """Issue a credential to every eligible voter who has none yet.

    Returns:
        The plaintext codes (and paper numbers), in roll order, for mailing: they are
        not stored and cannot be shown again.

    Raises:
        PollNotOpen: voting is not open (the roll is frozen when it opens).
    """
    with uow:
        issued = issue_credentials_in(uow, clock=clock, officer=officer, contest_id=contest_id)
        uow.commit()
    return issued


def issue_credentials_in(
    uow: UnitOfWork, *, clock: Clock, officer: OfficerId, contest_id: str
) -> tuple[IssuedCredential, ...]:
    """:func:`issue_credentials` inside the caller's open transaction, without committing.

    For an action that must commit the codes together with what carries them (queueing
    the invitations, :func:`tellers.services.mail.queue_invitations`): if that part
    fails, the transaction rolls back and no credential exists whose code was lost.

    Raises:
        PollNotOpen: voting is not open (the roll is frozen when it opens).
    """
    cid = ContestId(contest_id)
    issued: list[IssuedCredential] = []
    contest = uow.contests.get(cid)
    require_phase(contest.phase, Phase.VOTING_OPEN, action="issue credentials")
    key = uow.credentials.key(cid)
    post_sections = {s.name for s in contest.electorate.sections if Channel.POST in s.channels}
    first_paper = uow.credentials.next_paper_number(cid)
    # who gets one, in roll order
    due = [
        (person_id, section)
        for person_id, section in uow.roll.eligible(cid)
        if not uow.credentials.for_person(cid, person_id)
    ]
    # random ids handed out in ascending order: the primary-key index is then
    # appended to rather than split at random places (ids say nothing about anyone,
    # and the credential rows name their holder anyway)
    ids = sorted(random_hexes(len(due), 128))

    def made() -> Iterator[Credential]:
        # plain computation, a chunk of codes at a time: a store may run this ahead
        # in a thread while it writes the credentials made before
        paper = first_paper
        hash_code = credential_hasher(key)
        for start in range(0, len(due), _ISSUE_CHUNK):
            part = due[start : start + _ISSUE_CHUNK]
            codes = new_credentials(len(part))
            for (person_id, section), code, cred_id in zip(
                part, codes, ids[start : start + _ISSUE_CHUNK], strict=True
            ):
                number = None
                if section in post_sections:
                    number = paper
                    paper += 1
                issued.append(
                    IssuedCredential(
                        person_id=person_id, section=section, code=code, paper_number=number
                    )
                )
                yield Credential(
                    id=CredentialId(cred_id),
                    contest_id=cid,
                    person_id=person_id,
                    code_hash=hash_code(code),
                    paper_number=number,
                )

    added = uow.credentials.add_many(made())
    papers = sum(1 for c in issued if c.paper_number is not None)
    record(
        uow,
        clock=clock,
        officer=officer,
        action="issue_credentials",
        parameters={
            "contest": cid,
            "issued": added,
            "papers": papers,
            "first_paper": first_paper if papers else None,
            "last_paper": first_paper + papers - 1 if papers else None,
        },
    )
    return tuple(issued)


def reissue_credential(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    contest_id: str,
    person_id: str,
    paper: bool = False,
) -> IssuedCredential:
    """Void a voter's credential(s) and issue a new one (with a new paper if ``paper``).

    Raises:
        PollNotOpen: voting is not open.
        ReissueClosed: after the contest's reissue cut-off.
        NotInElectorate: the person is not eligible.
        AlreadyVoted: the voter has already returned a ballot.
    """
    cid = ContestId(contest_id)
    pid = PersonId(person_id)
    now = clock.now()
    with uow:
        contest = uow.contests.get(cid)
        require_phase(contest.phase, Phase.VOTING_OPEN, action="reissue a credential")
        if contest.reissue_cutoff is not None and now > contest.reissue_cutoff:
            msg = (
                f"reissues closed at {contest.reissue_cutoff.isoformat()}; it is {now.isoformat()}"
            )
            raise ReissueClosed(msg)
        entry = uow.roll.find(cid, pid)
        if entry is None or entry.section is None:
            msg = f"{person_id} is not on the roll of {contest_id}"
            raise NotInElectorate(msg)
        if entry.voted:
            msg = f"{person_id} has already voted in {contest_id}; nothing to reissue"
            raise AlreadyVoted(msg)
        if entry.reason.startswith(KEPT_UNTIL_USED):
            msg = (
                f"{person_id} was removed by a change of the electorate rule and keeps only "
                f"the credential already issued: no reissue ({entry.reason})"
            )
            raise NotInElectorate(msg)
        old = uow.credentials.for_person(cid, pid)
        voided = 0
        for c in old:
            if c.status is CredentialStatus.ACTIVE:
                uow.credentials.save(c.voided())
                voided += 1
        section = contest.electorate.section(entry.section)
        number = (
            uow.credentials.next_paper_number(cid)
            if paper and Channel.POST in section.channels
            else None
        )
        issue = max((c.issue for c in old), default=0) + 1
        code = new_credential()
        key = uow.credentials.key(cid)
        uow.credentials.add_many(
            [
                Credential(
                    id=CredentialId(random_hex(128)),
                    contest_id=cid,
                    person_id=pid,
                    code_hash=credential_hash(key, code),
                    paper_number=number,
                    issue=issue,
                )
            ]
        )
        record(
            uow,
            clock=clock,
            officer=officer,
            action="reissue_credential",
            parameters={
                "contest": cid,
                "person": pid,
                "issue": issue,
                "voided": voided,
                "paper_number": number,
            },
        )
        uow.commit()
    return IssuedCredential(
        person_id=pid, section=entry.section, code=code, paper_number=number, issue=issue
    )
