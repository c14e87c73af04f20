"""Issuing and reissuing voters' credentials; one transaction each.

Codes are returned **once**, for mailing, and stored only as keyed hashes. Voters in
a section that may vote by post also get a consecutively numbered paper, tied to the
same credential (whichever is used first uses it). The audit log records counts and
paper-number ranges, never codes.
"""

from __future__ import annotations

from tellers.crypto.credentials import (
    credential_hash,
    credential_hashes,
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

__all__ = ["issue_credentials", "reissue_credential"]


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
    cid = ContestId(contest_id)
    issued: list[IssuedCredential] = []
    with uow:
        contest = uow.contests.get(cid)
        require_phase(contest.phase, Phase.VOTING_OPEN, action="issue credentials")
        key = uow.credentials.key(cid)
        post_sections = {s.name for s in contest.electorate.sections if Channel.POST in s.channels}
        paper = uow.credentials.next_paper_number(cid)
        first_paper = paper
        # who gets one, in roll order; then the codes, hashes and ids for all at once
        due = [
            (entry.person_id, entry.section)
            for entry in uow.roll.iter(cid)
            if entry.section is not None and not uow.credentials.for_person(cid, entry.person_id)
        ]
        codes = new_credentials(len(due))
        hashes = credential_hashes(key, codes)
        # random ids handed out in ascending order: the primary-key index is then
        # appended to rather than split at random places (ids say nothing about anyone,
        # and the credential rows name their holder anyway)
        ids = sorted(random_hexes(len(due), 128))
        new: list[Credential] = []
        for (person_id, section), code, code_hash, cred_id in zip(
            due, codes, hashes, ids, strict=True
        ):
            number = None
            if section in post_sections:
                number = paper
                paper += 1
            new.append(
                Credential(
                    id=CredentialId(cred_id),
                    contest_id=cid,
                    person_id=person_id,
                    code_hash=code_hash,
                    paper_number=number,
                )
            )
            issued.append(
                IssuedCredential(
                    person_id=person_id, section=section, code=code, paper_number=number
                )
            )
        del due, codes, hashes, ids
        uow.credentials.add_many(new)
        record(
            uow,
            clock=clock,
            officer=officer,
            action="issue_credentials",
            parameters={
                "contest": cid,
                "issued": len(new),
                "papers": paper - first_paper,
                "first_paper": first_paper if paper > first_paper else None,
                "last_paper": paper - 1 if paper > first_paper else None,
            },
        )
        uow.commit()
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
