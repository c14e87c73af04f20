"""In-memory adapters of the service ports, with real transaction semantics.

A :class:`MemoryStore` holds the committed state. Each :class:`MemoryUnitOfWork` works
on a private **overlay** of every table: reads see the overlay first, then the store;
writes go only to the overlay; ``commit()`` checks for conflicting commits (stale contest
versions, a moved audit head) and then applies the overlay to the store; leaving the
``with`` block without committing drops it. So a failing service call leaves the store
exactly as it was, as a database transaction would. (Copying whole tables per
transaction would make casting 600,000 ballots quadratic; the overlay copies only the
rows a transaction touches.)

These adapters implement the Protocols of :mod:`tellers.services.ports` structurally;
storage does not import the services layer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from tellers.domain.audit import AuditEntry
from tellers.domain.ballot import Ballot
from tellers.domain.contest import Contest
from tellers.domain.errors import AlreadyExists, NotFound, StaleWrite
from tellers.domain.ids import (
    AffiliateId,
    BallotId,
    BodyId,
    ContestId,
    CredentialId,
    OfficerId,
    OrganisationId,
    PersonId,
    SectionName,
    TrackingCode,
)
from tellers.domain.mail import OutboxMessage
from tellers.domain.membership import Membership, MembershipKind
from tellers.domain.nomination import Nomination
from tellers.domain.officer import Officer
from tellers.domain.organisation import Affiliate, Body, Organisation, Person
from tellers.domain.postal import PostalBatch
from tellers.domain.roll import Credential, RollEntry

__all__ = [
    "OFFICERS_TABLE",
    "OUTBOX_TABLE",
    "FixedClock",
    "MemoryStore",
    "MemoryUnitOfWork",
    "SystemClock",
]

K = TypeVar("K")
V = TypeVar("V")


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that shows a set instant until moved (tests, replays)."""

    def __init__(self, at: datetime) -> None:
        if at.utcoffset() is None:
            msg = f"a clock needs an aware instant, got {at!r}"
            raise ValueError(msg)
        self.at = at

    def now(self) -> datetime:
        """The set instant."""
        return self.at

    def set(self, at: datetime) -> None:
        """Move the clock to ``at``."""
        self.at = at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self.at += delta


class _Table(Generic[K, V]):
    """One table seen through a transaction's overlay."""

    __slots__ = ("base", "expected", "pending")

    def __init__(self, base: dict[K, V]) -> None:
        self.base = base
        self.pending: dict[K, V] = {}
        self.expected: dict[K, V | None] = {}

    def get(self, key: K) -> V | None:
        if key in self.pending:
            return self.pending[key]
        return self.base.get(key)

    def __contains__(self, key: K) -> bool:
        return key in self.pending or key in self.base

    def put(self, key: K, value: V) -> None:
        self.pending[key] = value

    def replace(self, key: K, value: V) -> None:
        """Overwrite a committed row, which must be unchanged at commit (optimistic)."""
        if key not in self.pending and key not in self.expected:
            self.expected[key] = self.base.get(key)
        self.pending[key] = value

    def conflicts(self) -> list[K]:
        """Rows replaced here that another transaction changed since they were read."""
        return [k for k, v in self.expected.items() if self.base.get(k) is not v]

    def items(self) -> Iterator[tuple[K, V]]:
        pending = self.pending
        for key, value in self.base.items():
            yield key, pending.get(key, value)
        for key, value in pending.items():
            if key not in self.base:
                yield key, value

    def values(self) -> Iterator[V]:
        for _, value in self.items():
            yield value

    def apply(self) -> None:
        self.base.update(self.pending)
        self.pending = {}
        self.expected = {}


class MemoryStore:
    """The committed state of an in-memory tellers database."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[object, object]] = {}
        self.audit: list[AuditEntry] = []

    def table(self, name: str) -> dict[object, object]:
        """The committed rows of table ``name`` (created empty on first use)."""
        return self.tables.setdefault(name, {})


def _missing(key: object, kind: str) -> NotFound:
    return NotFound(f"no {kind} {key!r}")


def _taken(key: object, kind: str) -> AlreadyExists:
    return AlreadyExists(f"{kind} {key!r} already exists")


class _Organisations:
    def __init__(self, t: _Tx) -> None:
        self._orgs: _Table[OrganisationId, Organisation] = t.table("organisations")
        self._bodies: _Table[BodyId, Body] = t.table("bodies")
        self._affiliates: _Table[AffiliateId, Affiliate] = t.table("affiliates")

    def add(self, organisation: Organisation) -> None:
        if organisation.id in self._orgs:
            raise _taken(organisation.id, "organisation")
        self._orgs.put(organisation.id, organisation)

    def get(self, organisation_id: OrganisationId) -> Organisation:
        found = self._orgs.get(organisation_id)
        if found is None:
            raise _missing(organisation_id, "organisation")
        return found

    def add_body(self, body: Body) -> None:
        self.get(body.organisation_id)
        if body.id in self._bodies:
            raise _taken(body.id, "body")
        self._bodies.put(body.id, body)

    def get_body(self, body_id: BodyId) -> Body:
        found = self._bodies.get(body_id)
        if found is None:
            raise _missing(body_id, "body")
        return found

    def bodies(self, organisation_id: OrganisationId) -> tuple[Body, ...]:
        return tuple(
            sorted(
                (b for b in self._bodies.values() if b.organisation_id == organisation_id),
                key=lambda b: b.id,
            )
        )

    def add_affiliate(self, affiliate: Affiliate) -> None:
        self.get(affiliate.organisation_id)
        if affiliate.id in self._affiliates:
            raise _taken(affiliate.id, "affiliate")
        self._affiliates.put(affiliate.id, affiliate)

    def get_affiliate(self, affiliate_id: AffiliateId) -> Affiliate:
        found = self._affiliates.get(affiliate_id)
        if found is None:
            raise _missing(affiliate_id, "affiliate")
        return found

    def affiliates(self, organisation_id: OrganisationId) -> tuple[Affiliate, ...]:
        return tuple(
            sorted(
                (a for a in self._affiliates.values() if a.organisation_id == organisation_id),
                key=lambda a: a.id,
            )
        )


class _People:
    def __init__(self, t: _Tx) -> None:
        self._people: _Table[PersonId, Person] = t.table("people")
        self._memberships: _Table[PersonId, tuple[Membership, ...]] = t.table("memberships")
        self._seats: _Table[BodyId, tuple[Membership, ...]] = t.table("seats")
        self._orgs = _Organisations(t)

    def add_many(self, people: Iterable[Person]) -> int:
        n = 0
        checked: set[OrganisationId] = set()
        for person in people:
            if person.organisation_id not in checked:
                self._orgs.get(person.organisation_id)
                checked.add(person.organisation_id)
            if person.id in self._people:
                raise _taken(person.id, "person")
            self._people.put(person.id, person)
            n += 1
        return n

    def add_with_memberships(
        self, people: Iterable[tuple[Person, Sequence[Membership]]]
    ) -> tuple[int, int]:
        added = added_m = 0
        for person, memberships in people:
            added += self.add_many((person,))
            added_m += self.add_memberships(memberships)
        return added, added_m

    def add_memberships(self, memberships: Iterable[Membership]) -> int:
        n = 0
        for m in memberships:
            if m.person_id not in self._people:
                raise _missing(m.person_id, "person")
            self._memberships.put(m.person_id, (*(self._memberships.get(m.person_id) or ()), m))
            if m.kind is MembershipKind.SEAT and m.body_id is not None:
                self._orgs.get_body(m.body_id)
                self._seats.put(m.body_id, (*(self._seats.get(m.body_id) or ()), m))
            n += 1
        return n

    def get(self, person_id: PersonId) -> Person:
        found = self._people.get(person_id)
        if found is None:
            raise _missing(person_id, "person")
        return found

    def find(self, person_id: PersonId) -> Person | None:
        return self._people.get(person_id)

    def memberships_of(self, person_id: PersonId) -> tuple[Membership, ...]:
        return self._memberships.get(person_id) or ()

    def all(self, organisation_id: OrganisationId) -> Iterator[Person]:
        return iter(
            sorted(
                (p for p in self._people.values() if p.organisation_id == organisation_id),
                key=lambda p: p.id,
            )
        )

    def iter_with_memberships(
        self, organisation_id: OrganisationId
    ) -> Iterator[tuple[Person, tuple[Membership, ...]]]:
        people = sorted(
            (p for p in self._people.values() if p.organisation_id == organisation_id),
            key=lambda p: p.id,
        )
        for p in people:
            yield p, self._memberships.get(p.id) or ()

    def seat_holders(self, body_ids: Iterable[BodyId], on: date) -> frozenset[PersonId]:
        holders: set[PersonId] = set()
        for body in body_ids:
            for m in self._seats.get(body) or ():
                if m.is_current_on(on):
                    holders.add(m.person_id)
        return frozenset(holders)


class _Contests:
    def __init__(self, t: _Tx) -> None:
        self._contests: _Table[ContestId, Contest] = t.table("contests")
        self._nominations: _Table[ContestId, tuple[Nomination, ...]] = t.table("nominations")
        self._read_versions = t.contest_versions

    def add(self, contest: Contest) -> None:
        if contest.id in self._contests:
            raise _taken(contest.id, "contest")
        self._contests.put(contest.id, contest)
        self._read_versions.setdefault(contest.id, -1)

    def get(self, contest_id: ContestId) -> Contest:
        found = self._contests.get(contest_id)
        if found is None:
            raise _missing(contest_id, "contest")
        return found

    def save(self, contest: Contest) -> None:
        current = self.get(contest.id)
        if contest.version != current.version + 1:
            msg = (
                f"contest {contest.id} was changed concurrently: stored version "
                f"{current.version}, saving {contest.version}"
            )
            raise StaleWrite(msg)
        base = self._contests.base.get(contest.id)
        self._read_versions.setdefault(contest.id, base.version if base is not None else -1)
        self._contests.put(contest.id, contest)

    def add_nomination(self, nomination: Nomination) -> None:
        self.get(nomination.contest_id)
        existing = self._nominations.get(nomination.contest_id) or ()
        self._nominations.put(nomination.contest_id, (*existing, nomination))

    def nominations(self, contest_id: ContestId) -> tuple[Nomination, ...]:
        return self._nominations.get(contest_id) or ()


class _Roll:
    def __init__(self, t: _Tx) -> None:
        self._entries: _Table[tuple[ContestId, PersonId], RollEntry] = t.table("roll")

    def add_many(self, entries: Iterable[RollEntry]) -> int:
        n = 0
        table = self._entries
        for e in entries:
            key = (e.contest_id, e.person_id)
            if key in table:
                raise _taken(key, "roll entry")
            table.put(key, e)
            n += 1
        return n

    def get(self, contest_id: ContestId, person_id: PersonId) -> RollEntry:
        found = self._entries.get((contest_id, person_id))
        if found is None:
            raise _missing((contest_id, person_id), "roll entry")
        return found

    def find(self, contest_id: ContestId, person_id: PersonId) -> RollEntry | None:
        return self._entries.get((contest_id, person_id))

    def save(self, entry: RollEntry) -> None:
        self.get(entry.contest_id, entry.person_id)
        self._entries.replace((entry.contest_id, entry.person_id), entry)

    def iter(self, contest_id: ContestId) -> Iterator[RollEntry]:
        entries = [e for (c, _), e in self._entries.items() if c == contest_id]
        entries.sort(key=lambda e: e.person_id)
        return iter(entries)

    def eligible(self, contest_id: ContestId) -> Iterator[tuple[PersonId, SectionName]]:
        return ((e.person_id, e.section) for e in self.iter(contest_id) if e.section is not None)

    def eligible_by_section(self, contest_id: ContestId) -> Mapping[str, int]:
        out: dict[str, int] = {}
        for (c, _), e in self._entries.items():
            if c == contest_id and e.section is not None:
                out[e.section] = out.get(e.section, 0) + 1
        return out

    def voted_count(self, contest_id: ContestId) -> int:
        return sum(1 for (c, _), e in self._entries.items() if c == contest_id and e.voted)


class _Credentials:
    def __init__(self, t: _Tx) -> None:
        self._keys: _Table[ContestId, bytes] = t.table("credential_keys")
        self._creds: _Table[CredentialId, Credential] = t.table("credentials")
        self._by_hash: _Table[tuple[ContestId, str], CredentialId] = t.table("credential_hash")
        self._by_paper: _Table[tuple[ContestId, int], CredentialId] = t.table("credential_paper")
        self._by_person: _Table[tuple[ContestId, PersonId], tuple[CredentialId, ...]] = t.table(
            "credential_person"
        )
        self._top_paper: _Table[ContestId, int] = t.table("credential_top_paper")

    def set_key(self, contest_id: ContestId, key: bytes) -> None:
        if contest_id in self._keys:
            raise _taken(contest_id, "credential key of contest")
        self._keys.put(contest_id, key)

    def key(self, contest_id: ContestId) -> bytes:
        found = self._keys.get(contest_id)
        if found is None:
            raise _missing(contest_id, "credential key of contest")
        return found

    def add_many(self, credentials: Iterable[Credential]) -> int:
        n = 0
        for c in credentials:
            if c.id in self._creds:
                raise _taken(c.id, "credential")
            hkey = (c.contest_id, c.code_hash)
            if hkey in self._by_hash:
                raise _taken(c.id, "credential with the same code hash as")
            self._creds.put(c.id, c)
            self._by_hash.put(hkey, c.id)
            if c.paper_number is not None:
                pkey = (c.contest_id, c.paper_number)
                if pkey in self._by_paper:
                    raise _taken(pkey, "paper number")
                self._by_paper.put(pkey, c.id)
                top = self._top_paper.get(c.contest_id) or 0
                if c.paper_number > top:
                    self._top_paper.put(c.contest_id, c.paper_number)
            person = (c.contest_id, c.person_id)
            self._by_person.put(person, (*(self._by_person.get(person) or ()), c.id))
            n += 1
        return n

    def save(self, credential: Credential) -> None:
        if credential.id not in self._creds:
            raise _missing(credential.id, "credential")
        self._creds.replace(credential.id, credential)

    def _by_id(self, cid: CredentialId | None) -> Credential | None:
        return None if cid is None else self._creds.get(cid)

    def find_by_hash(self, contest_id: ContestId, code_hash: str) -> Credential | None:
        return self._by_id(self._by_hash.get((contest_id, code_hash)))

    def find_by_paper(self, contest_id: ContestId, paper_number: int) -> Credential | None:
        return self._by_id(self._by_paper.get((contest_id, paper_number)))

    def for_person(self, contest_id: ContestId, person_id: PersonId) -> tuple[Credential, ...]:
        ids = self._by_person.get((contest_id, person_id)) or ()
        return tuple(c for c in (self._creds.get(i) for i in ids) if c is not None)

    def next_paper_number(self, contest_id: ContestId) -> int:
        return (self._top_paper.get(contest_id) or 0) + 1

    def count(self, contest_id: ContestId) -> Mapping[str, int]:
        out: dict[str, int] = {}
        for c in self._creds.values():
            if c.contest_id == contest_id:
                out[c.status.value] = out.get(c.status.value, 0) + 1
        return out


class _Ballots:
    def __init__(self, t: _Tx) -> None:
        self._ballots: _Table[BallotId, Ballot] = t.table("ballots")
        self._by_code: _Table[tuple[ContestId, TrackingCode], BallotId] = t.table("ballot_codes")

    def add(self, ballot: Ballot) -> None:
        if ballot.id in self._ballots:
            raise _taken(ballot.id, "ballot")
        code = (ballot.contest_id, ballot.tracking_code)
        if code in self._by_code:
            raise _taken(ballot.tracking_code, "tracking code")
        self._ballots.put(ballot.id, ballot)
        self._by_code.put(code, ballot.id)

    def iter(self, contest_id: ContestId) -> Iterator[Ballot]:
        found = [b for b in self._ballots.values() if b.contest_id == contest_id]
        found.sort(key=lambda b: b.id)
        return iter(found)

    def count(self, contest_id: ContestId) -> int:
        return sum(1 for b in self._ballots.values() if b.contest_id == contest_id)

    def groups(self, contest_id: ContestId) -> Iterator[tuple[Ballot, int]]:
        seen: Counter[tuple[Any, ...]] = Counter(
            (b.section, b.channel, b.ranking, b.rejection)
            for b in self._ballots.values()
            if b.contest_id == contest_id
        )
        for (section, channel, ranking, rejection), n in sorted(
            seen.items(), key=lambda kv: repr(kv[0])
        ):
            yield (
                Ballot(
                    id=BallotId(""),
                    contest_id=contest_id,
                    section=section,
                    channel=channel,
                    ranking=ranking,
                    rejection=rejection,
                    tracking_code=TrackingCode(""),
                ),
                n,
            )

    def find_by_tracking_code(
        self, contest_id: ContestId, tracking_code: TrackingCode
    ) -> Ballot | None:
        bid = self._by_code.get((contest_id, tracking_code))
        return None if bid is None else self._ballots.get(bid)


class _Postal:
    def __init__(self, t: _Tx) -> None:
        self._batches: _Table[ContestId, tuple[PostalBatch, ...]] = t.table("postal_batches")

    def add(self, batch: PostalBatch) -> None:
        existing = self._batches.get(batch.contest_id) or ()
        if any(b.id == batch.id for b in existing):
            raise _taken(batch.id, "postal batch")
        self._batches.put(batch.contest_id, (*existing, batch))

    def for_contest(self, contest_id: ContestId) -> tuple[PostalBatch, ...]:
        return tuple(sorted(self._batches.get(contest_id) or (), key=lambda b: b.sequence))

    def entered_papers(self, contest_id: ContestId) -> frozenset[int]:
        return frozenset(n for b in self._batches.get(contest_id) or () for n in b.paper_numbers)


class _Results:
    def __init__(self, t: _Tx) -> None:
        self._counts: _Table[ContestId, tuple[tuple[int, str], ...]] = t.table("counts")
        self._declarations: _Table[ContestId, tuple[str, str]] = t.table("declarations")

    def add_count(self, contest_id: ContestId, number: int, result_json: str) -> None:
        existing = self._counts.get(contest_id) or ()
        if any(n == number for n, _ in existing):
            raise _taken((contest_id, number), "count")
        self._counts.put(contest_id, (*existing, (number, result_json)))

    def counts(self, contest_id: ContestId) -> tuple[tuple[int, str], ...]:
        return self._counts.get(contest_id) or ()

    def set_declaration(self, contest_id: ContestId, text: str, json_text: str) -> None:
        if contest_id in self._declarations:
            raise _taken(contest_id, "declaration")
        self._declarations.put(contest_id, (text, json_text))

    def declaration(self, contest_id: ContestId) -> tuple[str, str] | None:
        return self._declarations.get(contest_id)


class _Audit:
    def __init__(self, t: _Tx) -> None:
        self._base = t.store.audit
        self._base_len = len(self._base)
        self.pending: list[AuditEntry] = []

    def head(self) -> AuditEntry | None:
        if self.pending:
            return self.pending[-1]
        return self._base[-1] if self._base else None

    def append(self, entry: AuditEntry) -> None:
        head = self.head()
        expected = head.sequence + 1 if head is not None else 1
        if entry.sequence != expected or (head is not None and entry.previous != head.hash):
            msg = f"audit entry {entry.sequence} does not follow the head ({expected - 1})"
            raise StaleWrite(msg)
        self.pending.append(entry)

    def iter(self) -> Iterator[AuditEntry]:
        return iter([*self._base, *self.pending])

    def apply(self) -> None:
        if len(self._base) != self._base_len:
            msg = "the audit log moved on during this transaction; retry"
            raise StaleWrite(msg)
        self._base.extend(self.pending)
        self.pending = []


OUTBOX_TABLE = "web_outbox"
"""The store's table of queued mail (shared with ``web_memory.MemoryOutbox``)."""
OFFICERS_TABLE = "web_officers"
"""The store's table of officers (shared with ``web_memory.MemoryOfficers``)."""


class _Outbox:
    def __init__(self, t: _Tx) -> None:
        self._rows: _Table[str, OutboxMessage] = t.table(OUTBOX_TABLE)

    def add_many(self, messages: Iterable[OutboxMessage]) -> int:
        n = 0
        for m in messages:
            if m.id in self._rows:
                raise _taken(m.id, "message")
            self._rows.put(m.id, m)
            n += 1
        return n


class _Officers:
    def __init__(self, t: _Tx) -> None:
        self._rows: _Table[OfficerId, Officer] = t.table(OFFICERS_TABLE)

    def add(self, officer: Officer) -> None:
        if officer.id in self._rows:
            raise _taken(officer.id, "officer")
        self._rows.put(officer.id, officer)

    def find(self, officer_id: OfficerId) -> Officer | None:
        return self._rows.get(officer_id)

    def save(self, officer: Officer) -> None:
        if officer.id not in self._rows:
            raise _missing(officer.id, "officer")
        self._rows.replace(officer.id, officer)


class _Tx:
    """The overlays of one transaction."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.tables: dict[str, _Table[object, object]] = {}
        self.contest_versions: dict[ContestId, int] = {}

    def table(self, name: str) -> Any:
        """The overlay of table ``name``; each repository states its row types."""
        found = self.tables.get(name)
        if found is None:
            found = self.tables[name] = _Table(self.store.table(name))
        return found


class MemoryUnitOfWork:
    """A unit of work over a :class:`MemoryStore` (see module docstring).

    One instance may be used for many transactions, one after another: each ``with``
    block starts a fresh overlay. Repositories are made on first use in a transaction,
    so a short one (casting a ballot) touches only the tables it needs.
    """

    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store if store is not None else MemoryStore()
        self._tx: _Tx | None = None
        self._repos: dict[str, Any] = {}
        self.commits = 0

    def _repo(self, name: str, factory: Any) -> Any:
        found = self._repos.get(name)
        if found is None:
            if self._tx is None:
                msg = f"the {name} repository is used outside a unit of work"
                raise RuntimeError(msg)
            found = self._repos[name] = factory(self._tx)
        return found

    @property
    def organisations(self) -> _Organisations:
        return self._repo("organisations", _Organisations)  # type: ignore[no-any-return]

    @property
    def people(self) -> _People:
        return self._repo("people", _People)  # type: ignore[no-any-return]

    @property
    def contests(self) -> _Contests:
        return self._repo("contests", _Contests)  # type: ignore[no-any-return]

    @property
    def roll(self) -> _Roll:
        return self._repo("roll", _Roll)  # type: ignore[no-any-return]

    @property
    def credentials(self) -> _Credentials:
        return self._repo("credentials", _Credentials)  # type: ignore[no-any-return]

    @property
    def ballots(self) -> _Ballots:
        return self._repo("ballots", _Ballots)  # type: ignore[no-any-return]

    @property
    def postal(self) -> _Postal:
        return self._repo("postal", _Postal)  # type: ignore[no-any-return]

    @property
    def results(self) -> _Results:
        return self._repo("results", _Results)  # type: ignore[no-any-return]

    @property
    def audit(self) -> _Audit:
        return self._repo("audit", _Audit)  # type: ignore[no-any-return]

    @property
    def outbox(self) -> _Outbox:
        return self._repo("outbox", _Outbox)  # type: ignore[no-any-return]

    @property
    def officers(self) -> _Officers:
        return self._repo("officers", _Officers)  # type: ignore[no-any-return]

    def __enter__(self) -> Self:
        self._tx = _Tx(self.store)
        self._repos = {}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._tx = None
        self._repos = {}

    def commit(self) -> None:
        """Apply this transaction's writes to the store, or raise StaleWrite.

        The transaction stays open (empty) after a commit, as a SQL session does.
        """
        tx = self._tx
        if tx is None:
            msg = "commit outside a unit of work"
            raise RuntimeError(msg)
        contests = self.store.tables.get("contests", {})
        for cid, read_version in tx.contest_versions.items():
            stored = contests.get(cid)
            stored_version = stored.version if isinstance(stored, Contest) else -1
            if stored_version != read_version:
                msg = f"contest {cid} was changed by another transaction; retry"
                raise StaleWrite(msg)
        for name, table in tx.tables.items():
            stale = table.conflicts()
            if stale:
                msg = f"{len(stale)} {name} row(s) were changed by another transaction; retry"
                raise StaleWrite(msg)
        audit = self._repos.get("audit")
        if audit is not None:
            audit.apply()
        for table in tx.tables.values():
            table.apply()
        self._tx = _Tx(self.store)
        self._repos = {}
        self.commits += 1

    def rollback(self) -> None:
        """Drop whatever this transaction wrote and has not committed."""
        if self._tx is not None:
            self._tx = _Tx(self.store)
            self._repos = {}
