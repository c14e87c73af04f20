"""Ports: what the services need from storage and from the world, as Protocols.

The services talk to storage only through a :class:`UnitOfWork`. **One service call is
one transaction**: the service opens the unit of work (``with uow:``), reads and writes
through its repositories, and calls ``uow.commit()``; leaving the ``with`` block without
a commit -- normally, or by any exception -- rolls everything back, so a failed action
leaves nothing half-written (cosmicpython, ch. 6). Adapters implement these Protocols
structurally (``tellers.storage.memory`` for tests, ``tellers.storage.sql`` for
SQLite/PostgreSQL); storage never imports this module, so the layers point down only.

Secrecy rules every adapter must keep (see ``docs/architecture-lifecycle.md``):

- the ballot box (:class:`BallotRepository`) stores no voter key, credential, paper
  number or timestamp, and lists ballots by their random id, never in casting order;
  a SQL adapter uses the random id as the primary key and no autoincrement column;
- credentials are stored only as keyed hashes; the per-contest key is kept apart
  (:meth:`CredentialRepository.set_key`);
- the roll records *whether* and *how* someone voted, never *when*;
- the audit log is append-only;
- the outbox and officer repositories write the same rows as the web's stores
  (:mod:`tellers.services.web_ports`), in this transaction, so an action that queues mail
  or changes an account commits with its audit entry.

``save`` of a roll entry or a credential replaces a row another transaction may be
replacing at the same moment (two casts with one credential): the adapter must make it
a conditional write (SQL: ``UPDATE ... WHERE id = :id AND status = :read_status``, or
``SELECT ... FOR UPDATE``) and raise :class:`~tellers.domain.errors.StaleWrite` at the
latest on commit, so only one of two racing casts commits.

Reads of a missing id raise :class:`~tellers.domain.errors.NotFound`; ``find_*`` methods
return ``None`` instead. Adding an id that exists raises
:class:`~tellers.domain.errors.AlreadyExists`. Saving a :class:`Contest` whose
``version`` is not one more than the stored one raises
:class:`~tellers.domain.errors.StaleWrite` (optimistic concurrency).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from tellers.domain.audit import AuditEntry
from tellers.domain.ballot import Ballot
from tellers.domain.contest import Contest
from tellers.domain.ids import (
    AffiliateId,
    BodyId,
    ContestId,
    OfficerId,
    OrganisationId,
    PersonId,
    SectionName,
    TrackingCode,
)
from tellers.domain.mail import OutboxMessage
from tellers.domain.membership import Membership
from tellers.domain.nomination import Nomination
from tellers.domain.officer import Officer
from tellers.domain.organisation import Affiliate, Body, Organisation, Person
from tellers.domain.postal import PostalBatch
from tellers.domain.roll import Credential, RollEntry

__all__ = [
    "AuditLog",
    "BallotRepository",
    "Clock",
    "ContestRepository",
    "CredentialRepository",
    "OfficerRepository",
    "OrganisationRepository",
    "OutboxRepository",
    "PeopleRepository",
    "PostalBatchRepository",
    "ResultRepository",
    "RollRepository",
    "UnitOfWork",
]


class Clock(Protocol):
    """The time, as the services see it (a fixed clock in tests)."""

    def now(self) -> datetime:
        """The current instant, time-zone aware."""
        ...


class OrganisationRepository(Protocol):
    """Organisations, their bodies and affiliates."""

    def add(self, organisation: Organisation) -> None: ...
    def get(self, organisation_id: OrganisationId) -> Organisation: ...
    def add_body(self, body: Body) -> None: ...
    def get_body(self, body_id: BodyId) -> Body: ...
    def bodies(self, organisation_id: OrganisationId) -> tuple[Body, ...]: ...
    def add_affiliate(self, affiliate: Affiliate) -> None: ...
    def get_affiliate(self, affiliate_id: AffiliateId) -> Affiliate: ...
    def affiliates(self, organisation_id: OrganisationId) -> tuple[Affiliate, ...]: ...


class PeopleRepository(Protocol):
    """People and their dated memberships (bulk loads stream; never one ORM row at a time)."""

    def add_many(self, people: Iterable[Person]) -> int:
        """Add people; returns how many. Raises AlreadyExists on a repeated id."""
        ...

    def add_memberships(self, memberships: Iterable[Membership]) -> int:
        """Add memberships (their people must exist); returns how many."""
        ...

    def add_with_memberships(
        self, people: Iterable[tuple[Person, Sequence[Membership]]]
    ) -> tuple[int, int]:
        """Add people, each with their memberships; returns how many of each.

        The same as :meth:`add_many` then :meth:`add_memberships`, in one pass over a
        stream (a roll file being read), so a store can write as it reads.
        """
        ...

    def get(self, person_id: PersonId) -> Person: ...
    def find(self, person_id: PersonId) -> Person | None: ...
    def memberships_of(self, person_id: PersonId) -> tuple[Membership, ...]: ...

    def all(self, organisation_id: OrganisationId) -> Iterator[Person]:
        """Every person of the organisation (contact details, no memberships), by id.

        For a mailing to many of them: one pass instead of a lookup per person.
        """
        ...

    def iter_with_memberships(
        self, organisation_id: OrganisationId
    ) -> Iterator[tuple[Person, tuple[Membership, ...]]]:
        """Every person of the organisation with all their memberships, ordered by id.

        The query is started by the call, so the rows may be read from another thread
        (a bulk load's row maker) without it running statements.
        """
        ...

    def seat_holders(self, body_ids: Iterable[BodyId], on: date) -> frozenset[PersonId]:
        """People holding a seat in any of ``body_ids`` on day ``on`` (each once)."""
        ...


class ContestRepository(Protocol):
    """Contests (the aggregate) and their nominations."""

    def add(self, contest: Contest) -> None: ...
    def get(self, contest_id: ContestId) -> Contest: ...

    def save(self, contest: Contest) -> None:
        """Store a changed contest; StaleWrite unless its version is stored version + 1."""
        ...

    def add_nomination(self, nomination: Nomination) -> None: ...
    def nominations(self, contest_id: ContestId) -> tuple[Nomination, ...]:
        """Every nomination of the contest, in the order made."""
        ...


class RollRepository(Protocol):
    """The frozen roll: one entry per eligibility decision."""

    def add_many(self, entries: Iterable[RollEntry]) -> int: ...
    def get(self, contest_id: ContestId, person_id: PersonId) -> RollEntry: ...
    def find(self, contest_id: ContestId, person_id: PersonId) -> RollEntry | None: ...

    def save(self, entry: RollEntry) -> None:
        """Replace an existing entry (marking it voted)."""
        ...

    def iter(self, contest_id: ContestId) -> Iterator[RollEntry]:
        """All entries of the contest (eligible or not), ordered by person id."""
        ...

    def eligible(self, contest_id: ContestId) -> Iterator[tuple[PersonId, SectionName]]:
        """Each eligible person with their section, ordered by person id.

        What issuing credentials to a whole roll needs, without a full entry per person.
        """
        ...

    def eligible_by_section(self, contest_id: ContestId) -> Mapping[str, int]:
        """Eligible entries counted by section."""
        ...

    def voted_count(self, contest_id: ContestId) -> int:
        """Entries marked voted."""
        ...


class CredentialRepository(Protocol):
    """Credentials (keyed hashes only) and the per-contest HMAC key."""

    def set_key(self, contest_id: ContestId, key: bytes) -> None: ...
    def key(self, contest_id: ContestId) -> bytes: ...
    def add_many(self, credentials: Iterable[Credential]) -> int: ...

    def save(self, credential: Credential) -> None:
        """Replace an existing credential (used, voided)."""
        ...

    def find_by_hash(self, contest_id: ContestId, code_hash: str) -> Credential | None: ...
    def find_by_paper(self, contest_id: ContestId, paper_number: int) -> Credential | None: ...
    def for_person(self, contest_id: ContestId, person_id: PersonId) -> tuple[Credential, ...]: ...

    def next_paper_number(self, contest_id: ContestId) -> int:
        """One more than the highest paper number issued in the contest (1 if none)."""
        ...

    def count(self, contest_id: ContestId) -> Mapping[str, int]:
        """Credentials by status value (``active``, ``used``, ``voided``)."""
        ...


class BallotRepository(Protocol):
    """The ballot box: see the secrecy rules in the module docstring."""

    def add(self, ballot: Ballot) -> None: ...

    def iter(self, contest_id: ContestId) -> Iterator[Ballot]:
        """Every ballot of the contest in ballot-id order (random, not casting order)."""
        ...

    def count(self, contest_id: ContestId) -> int: ...

    def groups(self, contest_id: ContestId) -> Iterator[tuple[Ballot, int]]:
        """The box's distinct papers (section, channel, marks, rejection) with counts.

        The ballots handed out carry no id and no tracking code: this is what a count
        reads, so it touches each distinct paper once, not each of half a million.
        """
        ...

    def find_by_tracking_code(
        self, contest_id: ContestId, tracking_code: TrackingCode
    ) -> Ballot | None: ...


class PostalBatchRepository(Protocol):
    """Records of entered postal batches (no marks)."""

    def add(self, batch: PostalBatch) -> None: ...
    def for_contest(self, contest_id: ContestId) -> tuple[PostalBatch, ...]:
        """Batches in sequence order."""
        ...

    def entered_papers(self, contest_id: ContestId) -> frozenset[int]:
        """Every paper number entered in any batch of the contest."""
        ...


class ResultRepository(Protocol):
    """Counts and declarations, as canonical JSON text."""

    def add_count(self, contest_id: ContestId, number: int, result_json: str) -> None: ...
    def counts(self, contest_id: ContestId) -> tuple[tuple[int, str], ...]:
        """``(number, result_json)`` of every count of the contest, in order."""
        ...

    def set_declaration(self, contest_id: ContestId, text: str, json_text: str) -> None: ...
    def declaration(self, contest_id: ContestId) -> tuple[str, str] | None:
        """``(text, json)`` of the declaration, if declared."""
        ...


class AuditLog(Protocol):
    """The append-only, hash-chained audit log (one chain per store)."""

    def append(self, entry: AuditEntry) -> None:
        """Append the entry; StaleWrite unless it follows the current head."""
        ...

    def head(self) -> AuditEntry | None: ...
    def iter(self) -> Iterator[AuditEntry]:
        """Every entry in sequence order."""
        ...


class OutboxRepository(Protocol):
    """Queueing mail in the transaction that decides it (an invitation carries a code
    that exists nowhere else, so the code's credential and its message commit together).

    The same rows the web's :class:`~tellers.services.web_ports.OutboxStore` delivers
    from; delivery (reading what is due, recording attempts) stays there.
    """

    def add_many(self, messages: Iterable[OutboxMessage]) -> int:
        """Queue messages; returns how many. Raises AlreadyExists on a repeated id."""
        ...


class OfficerRepository(Protocol):
    """Officers, in the transaction that logs what is done to their accounts.

    The same rows the web's :class:`~tellers.services.web_ports.OfficerStore` reads at
    each log-in; appointing an officer or locking an account goes through here, so the
    change and its audit entry commit together.
    """

    def add(self, officer: Officer) -> None:
        """Add an officer; AlreadyExists on a repeated id."""
        ...

    def find(self, officer_id: OfficerId) -> Officer | None: ...

    def save(self, officer: Officer) -> None:
        """Replace an existing officer; NotFound for an unknown id."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository (see module docstring)."""

    @property
    def organisations(self) -> OrganisationRepository: ...
    @property
    def people(self) -> PeopleRepository: ...
    @property
    def contests(self) -> ContestRepository: ...
    @property
    def roll(self) -> RollRepository: ...
    @property
    def credentials(self) -> CredentialRepository: ...
    @property
    def ballots(self) -> BallotRepository: ...
    @property
    def postal(self) -> PostalBatchRepository: ...
    @property
    def results(self) -> ResultRepository: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def officers(self) -> OfficerRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None: ...
    def rollback(self) -> None: ...
