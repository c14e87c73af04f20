"""Read-side use cases of the web pages and API: what a voter, an officer or the
public may see, each one read-only transaction.

- :func:`check_credential` tells a voter, **before** they fill in the paper, whether
  their code will be accepted (the same checks as :func:`~tellers.services.voting.cast_ballot`,
  in the same order, with nothing written); a code of the wrong shape is reported as
  mistyped rather than unknown.
- :func:`ballot_for_voter` gives the paper in the order the contest's presentation
  prescribes (:mod:`tellers.domain.presentation`).
- :func:`check_tracking_code` answers "was my ballot counted?" once voting has closed.
- :func:`turnout_by_section` gives eligible and returned counts per section at any time:
  **never** partial results (no marks are read).
- :func:`published_result` gives the declaration (public) or the latest count (officers).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from tellers.crypto.credentials import credential_hash, credential_matches, normalise_code
from tellers.crypto.random import CROCKFORD_ALPHABET
from tellers.domain.audit import AuditEntry
from tellers.domain.ballot import Channel
from tellers.domain.contest import Contest
from tellers.domain.errors import (
    AlreadyVoted,
    CredentialVoided,
    NotInElectorate,
    UnknownCredential,
    WrongChannel,
    WrongPhase,
)
from tellers.domain.ids import ContestId, TrackingCode
from tellers.domain.lifecycle import Phase, require_phase
from tellers.domain.organisation import Body, Organisation
from tellers.domain.presentation import BallotPaper, ballot_paper
from tellers.domain.roll import CredentialStatus
from tellers.services.ports import UnitOfWork
from tellers.services.web_ports import PresentationStore

__all__ = [
    "CLOSED_PHASES",
    "ContestSummary",
    "MistypedCredential",
    "PublishedResult",
    "SectionTurnout",
    "audit_entries",
    "ballot_for_voter",
    "check_credential",
    "check_tracking_code",
    "list_contests",
    "list_organisations",
    "published_result",
    "turnout_by_section",
]

CODE_LENGTH = 28
"""Characters in a credential (140 bits of Crockford base32)."""

CLOSED_PHASES = (Phase.VOTING_CLOSED, Phase.COUNTED, Phase.DECLARED)


class MistypedCredential(UnknownCredential):
    """A code that cannot be a credential: wrong length or a character not used in codes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ContestSummary:
    """One line of a list of contests."""

    id: str
    title: str
    kind: str
    phase: Phase
    organisation_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionTurnout:
    """Eligible voters and ballots returned in one section (no marks)."""

    section: str
    eligible: int
    returned: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishedResult:
    """A result as published: the declaration's JSON and text, or a count's JSON."""

    contest_id: str
    declared: bool
    data: dict[str, Any]
    text: str
    raw_json: str
    counts: int
    recount_matches: bool | None


def _created(uow: UnitOfWork, action: str, key: str) -> list[str]:
    seen: dict[str, None] = {}
    for entry in uow.audit.iter():
        if entry.action == action:
            value = str(entry.parameters.get(key, ""))
            if value:
                seen.setdefault(value, None)
    return list(seen)


def list_contests(*, uow: UnitOfWork) -> tuple[ContestSummary, ...]:
    """Every contest, in order of creation (read from the audit log's ``create_contest``)."""
    with uow:
        out = []
        for cid in _created(uow, "create_contest", "contest"):
            c = uow.contests.get(ContestId(cid))
            out.append(
                ContestSummary(
                    id=c.id,
                    title=c.title,
                    kind=c.kind.value,
                    phase=c.phase,
                    organisation_id=c.organisation_id,
                )
            )
        return tuple(out)


def list_organisations(*, uow: UnitOfWork) -> tuple[tuple[Organisation, tuple[Body, ...]], ...]:
    """Every organisation with its bodies, in order of creation."""
    from tellers.domain.ids import OrganisationId

    with uow:
        out = []
        for oid in _created(uow, "create_organisation", "organisation"):
            org = uow.organisations.get(OrganisationId(oid))
            out.append((org, uow.organisations.bodies(org.id)))
        return tuple(out)


def check_credential(*, uow: UnitOfWork, contest_id: str, code: str) -> str:
    """Check that ``code`` can vote now in ``contest_id``; returns the voter's section.

    Raises:
        PollNotOpen: voting is not open.
        MistypedCredential: the code has the wrong length or a character codes never use.
        UnknownCredential: no credential of the contest has this code.
        CredentialVoided: replaced by a reissue.
        AlreadyVoted: the code was used, or the voter returned a paper.
        NotInElectorate: the holder is not eligible.
        WrongChannel: the voter's section does not vote online.
    """
    cid = ContestId(contest_id)
    with uow:
        contest = uow.contests.get(cid)
        require_phase(contest.phase, Phase.VOTING_OPEN, action="cast a ballot")
        norm = normalise_code(code)
        bad = sorted({ch for ch in norm if ch not in CROCKFORD_ALPHABET})
        if bad or len(norm) != CODE_LENGTH:
            problem = (
                f"a voting code has {CODE_LENGTH} letters and digits; this one has {len(norm)}"
                if not bad
                else f"a voting code never contains {', '.join(repr(b) for b in bad)}"
            )
            msg = f"this does not look like a voting code: {problem}. Check for a typing mistake."
            raise MistypedCredential(msg)
        key = uow.credentials.key(cid)
        found = uow.credentials.find_by_hash(cid, credential_hash(key, code))
        if found is None or not credential_matches(key, code, found.code_hash):
            msg = "this voting code is not known for this ballot. Check it was typed exactly."
            raise UnknownCredential(msg)
        if found.status is CredentialStatus.VOIDED:
            msg = "this voting code was replaced by a new one; please use the newest code sent"
            raise CredentialVoided(msg)
        if found.status is CredentialStatus.USED:
            msg = "this voting code has already been used: a ballot was cast with it"
            raise AlreadyVoted(msg)
        entry = uow.roll.get(cid, found.person_id)
        if entry.section is None:
            msg = "the holder of this code is not on the roll of this ballot"
            raise NotInElectorate(msg)
        if entry.voted:
            msg = "a ballot has already been returned for you (by post or online)"
            raise AlreadyVoted(msg)
        if Channel.ONLINE not in contest.electorate.section(entry.section).channels:
            msg = f"voters in section {entry.section} vote by post, not online"
            raise WrongChannel(msg)
        return entry.section


def get_contest(*, uow: UnitOfWork, contest_id: str) -> Contest:
    """A contest (read-only)."""
    with uow:
        return uow.contests.get(ContestId(contest_id))


def ballot_for_voter(
    *, uow: UnitOfWork, presentation: PresentationStore, contest_id: str, voter_seed: bytes
) -> BallotPaper:
    """The ballot paper as this voter sees it.

    Raises:
        PollNotOpen: voting is not open.
    """
    contest = get_contest(uow=uow, contest_id=contest_id)
    require_phase(contest.phase, Phase.VOTING_OPEN, action="show the ballot paper")
    return ballot_paper(contest, presentation.get(contest.id), voter_seed)


def check_tracking_code(*, uow: UnitOfWork, contest_id: str, tracking_code: str) -> bool:
    """Whether a ballot with this tracking code is on the bulletin board.

    Raises:
        WrongPhase: voting has not closed yet (the board is published at the close).
    """
    cid = ContestId(contest_id)
    with uow:
        contest = uow.contests.get(cid)
        require_phase(contest.phase, *CLOSED_PHASES, action="look up a tracking code")
        code = "-".join(
            normalise_code(tracking_code)[i : i + 4]
            for i in range(0, len(normalise_code(tracking_code)), 4)
        )
        found = uow.ballots.find_by_tracking_code(cid, TrackingCode(code))
        if found is None:
            found = uow.ballots.find_by_tracking_code(
                cid, TrackingCode(tracking_code.strip().upper())
            )
        return found is not None


def turnout_by_section(*, uow: UnitOfWork, contest_id: str) -> tuple[SectionTurnout, ...]:
    """Eligible and returned per section (from the roll; no ballot is read)."""
    cid = ContestId(contest_id)
    with uow:
        contest = uow.contests.get(cid)
        eligible: Counter[str] = Counter()
        returned: Counter[str] = Counter()
        for entry in uow.roll.iter(cid):
            if entry.section is None:
                continue
            eligible[entry.section] += 1
            if entry.voted:
                returned[entry.section] += 1
        names: list[str] = [s.name for s in contest.electorate.sections]
        names += sorted(n for n in eligible if n not in names)
        return tuple(
            SectionTurnout(section=n, eligible=eligible[n], returned=returned[n]) for n in names
        )


def published_result(
    *, uow: UnitOfWork, contest_id: str, include_undeclared: bool = False
) -> PublishedResult:
    """The declared result, or (for officers) the first count before the declaration.

    Raises:
        WrongPhase: nothing to show yet.
    """
    cid = ContestId(contest_id)
    with uow:
        contest = uow.contests.get(cid)
        declared = uow.results.declaration(cid)
        counts = uow.results.counts(cid)
    matches = None
    if len(counts) > 1:
        matches = all(text == counts[0][1] for _, text in counts[1:])
    if declared is not None:
        text, raw = declared
        return PublishedResult(
            contest_id=cid,
            declared=True,
            data=json.loads(raw),
            text=text,
            raw_json=raw,
            counts=len(counts),
            recount_matches=matches,
        )
    if include_undeclared and counts:
        raw = counts[0][1]
        return PublishedResult(
            contest_id=cid,
            declared=False,
            data=json.loads(raw),
            text="",
            raw_json=raw,
            counts=len(counts),
            recount_matches=matches,
        )
    allowed = (Phase.DECLARED,) if not include_undeclared else (Phase.COUNTED, Phase.DECLARED)
    msg = "show the result"
    raise WrongPhase(msg, contest.phase, allowed)


def audit_entries(*, uow: UnitOfWork, limit: int = 500) -> tuple[AuditEntry, ...]:
    """The newest audit entries, newest first."""
    with uow:
        entries = list(uow.audit.iter())
    return tuple(reversed(entries[-limit:]))
