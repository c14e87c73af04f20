"""Helpers for the lifecycle service tests: a fresh in-memory store, a clock, officers.

Also the ballot-set builder for scenario replays: given how many ballots of each kind a
section returned, it assigns them to that section's issued credentials in roll order
and casts every one through the real service path (online via ``cast_ballot``, papers
via ``enter_postal_batch``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tellers.domain.ballot import RejectionReason
from tellers.domain.ids import OfficerId
from tellers.domain.membership import MembershipKind
from tellers.domain.postal import PaperEntry
from tellers.domain.roll import IssuedCredential
from tellers.services.people import MembershipRow, PersonRow
from tellers.services.voting import cast_ballot, enter_postal_batch
from tellers.storage.memory import FixedClock, MemoryUnitOfWork

RO = OfficerId("returning-officer")
TELLER = OfficerId("teller-1")


def at(text: str) -> datetime:
    """An instant from ISO text; naive text is read as UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass
class World:
    """An in-memory store, a unit of work over it and a settable clock."""

    uow: MemoryUnitOfWork
    clock: FixedClock


def new_world(start: str = "2016-06-01T09:00:00") -> World:
    return World(uow=MemoryUnitOfWork(), clock=FixedClock(at(start)))


def seat_rows(
    prefix: str, n: int, body: str, since: date, names: Sequence[str] = ()
) -> list[PersonRow]:
    """``n`` people holding a seat in ``body`` since ``since``; the first take ``names``."""
    rows = []
    for i in range(n):
        name = names[i] if i < len(names) else f"{prefix} {i + 1}"
        pid = f"{prefix}-{i + 1:04d}" if i >= len(names) else names[i].lower().replace(" ", "-")
        rows.append(
            PersonRow(
                id=pid,
                name=name,
                memberships=(MembershipRow(kind=MembershipKind.SEAT, start=since, body_id=body),),
            )
        )
    return rows


@dataclass(frozen=True)
class Returns:
    """What one section returned: online rankings, postal rankings, spoilt papers."""

    online: Sequence[tuple[tuple[str, ...], int]] = ()
    post: Sequence[tuple[tuple[str, ...], int]] = ()
    spoilt_post: Sequence[tuple[RejectionReason, int]] = ()


def _expand(pairs: Iterable[tuple[object, int]]) -> list[object]:
    out: list[object] = []
    for item, n in pairs:
        out.extend([item] * n)
    return out


def cast_returns(
    world: World,
    contest_id: str,
    issued: Sequence[IssuedCredential],
    returns: dict[str, Returns],
    *,
    batch_size: int = 5000,
) -> dict[str, int]:
    """Cast every return through the services; returns how many papers/ballots per channel.

    Within each section, voters take the returns in roll order: postal papers (spoilt,
    then marked) go to voters with a paper, online ballots to the rest.
    """
    by_section: dict[str, list[IssuedCredential]] = {}
    for cred in issued:
        by_section.setdefault(cred.section, []).append(cred)
    papers: list[PaperEntry] = []
    online = 0
    for section, ret in returns.items():
        voters = by_section[section]
        with_paper = [c for c in voters if c.paper_number is not None]
        spoilt = _expand(ret.spoilt_post)
        marked = _expand(ret.post)
        if len(spoilt) + len(marked) > len(with_paper):
            msg = f"{section}: more postal returns than papers"
            raise AssertionError(msg)
        used: set[str] = set()
        for cred, reason in zip(with_paper, spoilt, strict=False):
            assert isinstance(reason, RejectionReason)
            papers.append(PaperEntry(paper_number=cred.paper_number or 0, rejection=reason))
            used.add(cred.person_id)
        for cred, ranking in zip(with_paper[len(spoilt) :], marked, strict=False):
            assert isinstance(ranking, tuple)
            papers.append(PaperEntry(paper_number=cred.paper_number or 0, ranking=ranking))
            used.add(cred.person_id)
        rest = [c for c in voters if c.person_id not in used]
        ballots = _expand(ret.online)
        if len(ballots) > len(rest):
            msg = f"{section}: more online returns than voters left"
            raise AssertionError(msg)
        for cred, ranking in zip(rest, ballots, strict=False):
            assert isinstance(ranking, tuple)
            cast_ballot(uow=world.uow, contest_id=contest_id, credential=cred.code, ranking=ranking)
            online += 1
    for start in range(0, len(papers), batch_size):
        enter_postal_batch(
            uow=world.uow,
            clock=world.clock,
            officer=TELLER,
            contest_id=contest_id,
            papers=papers[start : start + batch_size],
        )
    return {"online": online, "post": len(papers)}
