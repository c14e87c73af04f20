"""Publishing the bulletin board and exporting the audit log; the organisation's election key.

After the close of voting an officer publishes, for each contest, a signed **bulletin
board** (:mod:`tellers.formats.board`, specified in ``docs/verification.md``): the
contest's rules, the sorted tracking codes, the ballots in a fresh random order, the
roll's totals by section (never names), the postal batches' counts, the tie-break seed
(with the audit entry that published it before the count), the count and the
declaration when made, and the audit head. Anyone can then check it with ``tellers
verify`` (:mod:`tellers.services.verification`), which needs no database.

**Election keys.** Each organisation has one Ed25519 key pair
(:mod:`tellers.crypto.signing`), made on first use. The private key is kept in the
store only in sealed form (XSalsa20-Poly1305 under a sealing key from the settings, or
marked unsealed when none is configured), through the small :class:`ElectionKeyStore`
port: one row per organisation, apart from every other table. It is a port of its own,
passed in next to the unit of work, rather than a repository of the ``UnitOfWork``,
so that the storage adapters of the lifecycle need not change to carry it.
:func:`election_public_key` gives the public key for the declaration, and
:func:`published_public_key` the key with its fingerprint for the public pages.

Publishing is an officer action and is written to the audit log (``publish_board``,
with the SHA-256 of the board file), *after* the audit head stated on the board, and at
the instant stated on the board (``published_at``), so that a verifier holding the log
can tell that a file is the very board the officers published. :func:`build_board`
makes the same board without logging it (a fresh random order each time).

**Stored boards.** The published file is kept, byte for byte, through the
:class:`BoardStore` port (a table of its own), and :func:`published_board` serves the
newest one whose SHA-256 the log certifies, so that what the public downloads is the
file the log names -- not a board built again on request, whose ballot order and
publication instant would differ from the logged one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tellers.crypto.hashing import GENESIS, format_instant, sha256_hex
from tellers.crypto.random import secure_shuffle
from tellers.crypto.signing import (
    ElectionKey,
    new_election_key,
    public_key_fingerprint,
    seal_election_key,
    stored_public_key,
    unseal_election_key,
)
from tellers.domain.ballot import Ballot
from tellers.domain.contest import Contest
from tellers.domain.errors import AlreadyExists, NotFound, StaleWrite
from tellers.domain.ids import ContestId, OfficerId, OrganisationId
from tellers.domain.lifecycle import Phase, require_phase
from tellers.domain.postal import PaperOutcome
from tellers.domain.publication import StoredBoard
from tellers.errors import TellersError
from tellers.formats.audit_jsonl import audit_lines
from tellers.formats.board import BOARD_FORMAT, contest_definition, encode_ballots, write_board
from tellers.services.audit import record
from tellers.services.ports import Clock, UnitOfWork

__all__ = [
    "BOARD_PHASES",
    "PUBLISH_ATTEMPTS",
    "BoardNotPublished",
    "BoardStore",
    "ElectionKeyStore",
    "MemoryBoards",
    "MemoryElectionKeys",
    "PublicKey",
    "PublishedBoard",
    "StoredBoard",
    "StoredBoardMismatch",
    "board_contests",
    "build_board",
    "election_key",
    "election_public_key",
    "export_audit_log",
    "latest_publication",
    "publish_board",
    "published_board",
    "published_public_key",
]

BOARD_PHASES = (Phase.VOTING_CLOSED, Phase.COUNTED, Phase.DECLARED)
"""The phases in which a contest's board can be published (voting has closed)."""


class ElectionKeyStore(Protocol):
    """Where each organisation's election key is kept, sealed (one row per organisation).

    A SQL adapter keeps it in a table of its own, e.g. ``election_keys(organisation_id
    primary key, stored text not null)``; ``add`` refuses a second key for an
    organisation (a unique key), so two officers racing to create one cannot both win.
    """

    def find(self, organisation_id: OrganisationId) -> str | None:
        """The stored (sealed) key of the organisation, if it has one."""
        ...

    def add(self, organisation_id: OrganisationId, stored: str) -> None:
        """Store the organisation's key; raises AlreadyExists if it has one."""
        ...


class MemoryElectionKeys:
    """An in-memory :class:`ElectionKeyStore` (tests, the demo)."""

    def __init__(self) -> None:
        self.rows: dict[OrganisationId, str] = {}

    def find(self, organisation_id: OrganisationId) -> str | None:
        """The stored key, if any."""
        return self.rows.get(organisation_id)

    def add(self, organisation_id: OrganisationId, stored: str) -> None:
        """Store a key (first one wins)."""
        if organisation_id in self.rows:
            msg = f"organisation {organisation_id} already has an election key"
            raise AlreadyExists(msg)
        self.rows[organisation_id] = stored


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishedBoard:
    """A board file and what it states at a glance."""

    contest_id: ContestId
    data: bytes
    sha256: str
    ballots: int
    audit_head: str
    public_key: str
    audit_sequence: int | None = None
    """The sequence of the ``publish_board`` entry that logs it (None: not published)."""


class BoardStore(Protocol):
    """Where published board files are kept, byte for byte (a table of their own).

    Like :class:`ElectionKeyStore`, a port apart from the unit of work: the file is
    stored in its own short transaction before its publication is logged (see
    :func:`publish_board`).
    """

    def add(self, board: StoredBoard) -> None:
        """Keep a board file (the same file twice is kept once)."""
        ...

    def discard(self, contest_id: ContestId, sha256: str) -> None:
        """Forget a file whose publication was not logged."""
        ...

    def for_contest(self, contest_id: ContestId) -> tuple[StoredBoard, ...]:
        """The contest's files without their bytes, newest first (by audit sequence)."""
        ...

    def get(self, contest_id: ContestId, sha256: str) -> StoredBoard | None:
        """One file with its bytes."""
        ...


class MemoryBoards:
    """An in-memory :class:`BoardStore` (tests, the demo)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[ContestId, str], StoredBoard] = {}

    def add(self, board: StoredBoard) -> None:
        """Keep a file."""
        self.rows.setdefault((board.contest_id, board.sha256), board)

    def discard(self, contest_id: ContestId, sha256: str) -> None:
        """Forget a file."""
        self.rows.pop((contest_id, sha256), None)

    def for_contest(self, contest_id: ContestId) -> tuple[StoredBoard, ...]:
        """The contest's files, newest first, without bytes."""
        mine = [
            dataclasses.replace(b, data=b"") for (c, _), b in self.rows.items() if c == contest_id
        ]
        return tuple(sorted(mine, key=lambda b: b.audit_sequence, reverse=True))

    def get(self, contest_id: ContestId, sha256: str) -> StoredBoard | None:
        """One file."""
        return self.rows.get((contest_id, sha256))


class BoardNotPublished(NotFound):
    """No board of the contest has been published yet."""


class StoredBoardMismatch(TellersError):
    """A stored board file whose bytes do not hash to the SHA-256 its publication logged."""


def election_key(
    *, keys: ElectionKeyStore, organisation_id: str, sealing_key: bytes | None = None
) -> ElectionKey:
    """The organisation's election key, made (and stored sealed) on first use.

    Raises:
        KeySealError: the stored key does not open with ``sealing_key``.
    """
    org = OrganisationId(organisation_id)
    stored = keys.find(org)
    if stored is None:
        key = new_election_key()
        # if another officer made it first, theirs is the organisation's key
        with contextlib.suppress(AlreadyExists):
            keys.add(org, seal_election_key(key, sealing_key))
        stored = keys.find(org)
        assert stored is not None
    return unseal_election_key(stored, sealing_key)


def election_public_key(*, keys: ElectionKeyStore, organisation_id: str) -> str | None:
    """The organisation's public key as 64 hex digits, or None before its first board.

    For the declaration and the public pages; needs no sealing key.
    """
    stored = keys.find(OrganisationId(organisation_id))
    return None if stored is None else stored_public_key(stored).hex()


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicKey:
    """An organisation's election public key, as the public pages print it.

    A scrutineer compares ``fingerprint`` with the one published elsewhere (read aloud,
    printed on the notice of election) and passes ``hex`` to ``tellers verify
    --public-key``, which then refuses a board signed by any other key.
    """

    organisation_id: OrganisationId
    algorithm: str
    hex: str
    fingerprint: str


def published_public_key(*, keys: ElectionKeyStore, organisation_id: str) -> PublicKey | None:
    """The organisation's public key with its fingerprint, or None before its first board."""
    stored = keys.find(OrganisationId(organisation_id))
    if stored is None:
        return None
    public = stored_public_key(stored)
    return PublicKey(
        organisation_id=OrganisationId(organisation_id),
        algorithm="Ed25519",
        hex=public.hex(),
        fingerprint=public_key_fingerprint(public),
    )


def board_contests(*, uow: UnitOfWork) -> tuple[ContestId, ...]:
    """Every contest whose voting has closed, in order of creation (from the audit log)."""
    out: list[ContestId] = []
    with uow:
        seen: set[str] = set()
        for entry in uow.audit.iter():
            if entry.action != "create_contest":
                continue
            cid = str(entry.parameters.get("contest", ""))
            if not cid or cid in seen:
                continue
            seen.add(cid)
            contest = uow.contests.get(ContestId(cid))
            if contest.phase in BOARD_PHASES:
                out.append(contest.id)
    return tuple(out)


def _roll_totals(uow: UnitOfWork, contest: Contest) -> dict[str, Any]:
    eligible: Counter[str] = Counter()
    returned: Counter[str] = Counter()
    channels: dict[str, Counter[str]] = {}
    not_eligible = 0
    for entry in uow.roll.iter(contest.id):
        if entry.section is None:
            not_eligible += 1
            continue
        eligible[entry.section] += 1
        if entry.voted:
            returned[entry.section] += 1
            channel = entry.voted_channel.value if entry.voted_channel is not None else "unknown"
            channels.setdefault(entry.section, Counter())[channel] += 1
    names: list[str] = [s.name for s in contest.electorate.sections]
    names += sorted(n for n in eligible if n not in names)
    return {
        "eligible": sum(eligible.values()),
        "returned": sum(returned.values()),
        "not_eligible": not_eligible,
        "sections": [
            {
                "section": name,
                "eligible": eligible[name],
                "returned": returned[name],
                "by_channel": dict(sorted(channels.get(name, Counter()).items())),
            }
            for name in names
        ],
    }


def _postal(uow: UnitOfWork, contest: Contest) -> dict[str, Any]:
    batches = []
    totals: dict[str, Any] = {"papers": 0, "counted": 0, "spoilt": Counter(), "refused": Counter()}
    for b in uow.postal.for_contest(contest.id):
        refused = Counter(o.value for _, o in b.refused)
        papers = len(b.paper_numbers) + refused[PaperOutcome.REPEATED_PAPER.value]
        batches.append(
            {
                "sequence": b.sequence,
                "entered_by": b.entered_by,
                "papers": papers,
                "counted": b.counted,
                "spoilt": dict(sorted(b.spoilt.items())),
                "refused": dict(sorted(refused.items())),
                "gaps": len(b.gaps),
            }
        )
        totals["papers"] += papers
        totals["counted"] += b.counted
        totals["spoilt"].update(b.spoilt)
        totals["refused"].update(refused)
    totals["spoilt"] = dict(sorted(totals["spoilt"].items()))
    totals["refused"] = dict(sorted(totals["refused"].items()))
    return {"batches": batches, "totals": totals}


def _seed(uow: UnitOfWork, contest: Contest) -> dict[str, Any]:
    for entry in uow.audit.iter():
        if entry.action == "create_contest" and entry.parameters.get("contest") == contest.id:
            return {
                "value": contest.seed,
                "audit_sequence": entry.sequence,
                "published_at": entry.time,
            }
    return {"value": contest.seed, "audit_sequence": None, "published_at": None}


def _body(uow: UnitOfWork, contest: Contest, at: datetime) -> dict[str, Any]:
    ballots: list[Ballot] = list(uow.ballots.iter(contest.id))
    codes = sorted(b.tracking_code for b in ballots)
    secure_shuffle(ballots)
    sections: list[str] = [s.name for s in contest.electorate.sections]
    sections += sorted({str(b.section) for b in ballots}.difference(sections))
    counts = uow.results.counts(contest.id)
    result = json.loads(counts[0][1]) if counts else None
    declared = uow.results.declaration(contest.id)
    head = uow.audit.head()
    return {
        "format": BOARD_FORMAT,
        "phase": contest.phase.value,
        "published_at": format_instant(at),
        "contest": contest_definition(contest),
        "seed": _seed(uow, contest),
        "tracking_codes": codes,
        "ballots": encode_ballots(ballots, sections=sections, options=contest.options()),
        "roll": _roll_totals(uow, contest),
        "postal": _postal(uow, contest),
        "result": result,
        "declaration": declared[1] if declared is not None else None,
        "audit": {
            "head_sequence": head.sequence if head is not None else 0,
            "head_hash": head.hash if head is not None else GENESIS,
        },
    }


def _published(
    contest: Contest,
    data: bytes,
    body: dict[str, Any],
    key: ElectionKey,
    audit_sequence: int | None = None,
) -> PublishedBoard:
    return PublishedBoard(
        contest_id=contest.id,
        data=data,
        sha256=sha256_hex(data),
        ballots=int(body["ballots"]["count"]),
        audit_head=str(body["audit"]["head_hash"]),
        public_key=key.public_key_hex,
        audit_sequence=audit_sequence,
    )


class _At:
    """A clock stopped at one instant: the publication entry bears the board's time."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def build_board(
    *, uow: UnitOfWork, clock: Clock, key: ElectionKey, contest_id: str
) -> PublishedBoard:
    """The signed board of a contest whose voting has closed (read-only; not logged).

    Raises:
        WrongPhase: voting has not closed.
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        require_phase(contest.phase, *BOARD_PHASES, action="publish the bulletin board")
        body = _body(uow, contest, clock.now())
    data = write_board(body, key)
    return _published(contest, data, body, key)


PUBLISH_ATTEMPTS = 3
"""How many times :func:`publish_board` builds the board again when the log moves on
between building it and logging it (another officer's action at that instant)."""


def publish_board(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    keys: ElectionKeyStore,
    contest_id: str,
    sealing_key: bytes | None = None,
    boards: BoardStore | None = None,
) -> PublishedBoard:
    """Build, sign and publish a contest's board; the publication is logged and stored.

    The audit entry ``publish_board`` records the contest, the number of ballots, the
    audit head stated on the board and the SHA-256 of the board file. With ``boards``
    the file itself is kept, byte for byte, for :func:`published_board` to serve.

    The file is stored **before** its publication is logged, so that every logged
    publication has its file: the board is built (reading), stored, then logged in a
    second transaction that first checks that the log's head is still the one stated
    on the board -- every change a board shows is an audit entry, so an unchanged head
    means an unchanged board. If the head has moved, the board is built again (up to
    :data:`PUBLISH_ATTEMPTS` times). A file stored but never logged (a crash, a lost
    race) is never served: :func:`published_board` serves only files whose hash the
    log holds.

    Raises:
        WrongPhase: voting has not closed.
        KeySealError: the election key does not open with ``sealing_key``.
        StaleWrite: the log kept moving on while the board was being built.
    """
    with uow:
        organisation = uow.contests.get(ContestId(contest_id)).organisation_id
    # The key store is apart from the unit of work: made or read outside its transaction.
    key = election_key(keys=keys, organisation_id=organisation, sealing_key=sealing_key)
    attempt = 1
    while True:
        with uow:
            contest = uow.contests.get(ContestId(contest_id))
            require_phase(contest.phase, *BOARD_PHASES, action="publish the bulletin board")
            at = clock.now()
            body = _body(uow, contest, at)
        data = write_board(body, key)
        sequence = int(body["audit"]["head_sequence"]) + 1
        board = _published(contest, data, body, key, audit_sequence=sequence)
        if boards is not None:
            boards.add(_stored(board, at))
        try:
            _log_publication(uow, officer=officer, board=board, phase=contest.phase, at=at)
        except StaleWrite:
            if boards is not None:
                boards.discard(board.contest_id, board.sha256)
            if attempt >= PUBLISH_ATTEMPTS:
                raise
            attempt += 1
            continue
        return board


def _stored(board: PublishedBoard, at: datetime) -> StoredBoard:
    assert board.audit_sequence is not None
    return StoredBoard(
        contest_id=board.contest_id,
        sha256=board.sha256,
        audit_sequence=board.audit_sequence,
        published_at=format_instant(at),
        ballots=board.ballots,
        data=board.data,
    )


def _log_publication(
    uow: UnitOfWork, *, officer: OfficerId, board: PublishedBoard, phase: Phase, at: datetime
) -> None:
    """Log the publication right after the head the board states, or raise StaleWrite."""
    with uow:
        head = uow.audit.head()
        now_head = head.hash if head is not None else GENESIS
        if now_head != board.audit_head:
            msg = (
                f"the audit log moved on (head {now_head}) while the board of "
                f"{board.contest_id} was being built on head {board.audit_head}"
            )
            raise StaleWrite(msg)
        record(
            uow,
            clock=_At(at),
            officer=officer,
            action="publish_board",
            parameters={
                "contest": board.contest_id,
                "phase": phase.value,
                "ballots": board.ballots,
                "audit_head_on_board": board.audit_head,
                "board_sha256": board.sha256,
                "public_key": board.public_key,
            },
        )
        uow.commit()


def latest_publication(
    *, uow: UnitOfWork, boards: BoardStore, contest_id: str
) -> StoredBoard | None:
    """The contest's newest stored board whose publication the log records (no bytes).

    A stored file counts only if the audit log holds, at the sequence stored with it, a
    ``publish_board`` entry naming this contest and the file's SHA-256; a file stored
    but never logged (a crash, a lost race) is passed over.

    Raises:
        NotFound: the contest does not exist.
    """
    cid = ContestId(contest_id)
    with uow:
        uow.contests.get(cid)
        logged = {
            e.sequence: str(e.parameters.get("board_sha256", ""))
            for e in uow.audit.iter()
            if e.action == "publish_board" and e.parameters.get("contest") == contest_id
        }
    for entry in boards.for_contest(cid):
        if logged.get(entry.audit_sequence) == entry.sha256:
            return entry
    return None


def published_board(*, uow: UnitOfWork, boards: BoardStore, contest_id: str) -> StoredBoard:
    """The contest's newest published board file, byte for byte as it was published.

    The file is the one :func:`latest_publication` finds, and its bytes are hashed
    again before they are served: what the public downloads is what the log certifies.

    Raises:
        NotFound: the contest does not exist.
        BoardNotPublished: no board of the contest has been published (and stored).
        StoredBoardMismatch: the stored bytes do not hash to the logged SHA-256.
    """
    entry = latest_publication(uow=uow, boards=boards, contest_id=contest_id)
    found = None if entry is None else boards.get(entry.contest_id, entry.sha256)
    if entry is None or found is None:
        msg = f"no bulletin board of {contest_id} has been published yet"
        raise BoardNotPublished(msg)
    actual = sha256_hex(found.data)
    if actual != entry.sha256:
        msg = (
            f"the stored board of {contest_id} published at audit entry "
            f"{entry.audit_sequence} hashes to {actual}, but the log certifies "
            f"{entry.sha256}: it is not served"
        )
        raise StoredBoardMismatch(msg)
    return found


def export_audit_log(*, uow: UnitOfWork, up_to: int | None = None) -> Iterator[bytes]:
    """The audit log as JSON Lines (:mod:`tellers.formats.audit_jsonl`), one entry a line.

    Args:
        up_to: stop after the entry with this sequence number (e.g. a board's head).
    """
    with uow:
        entries = [e for e in uow.audit.iter() if up_to is None or e.sequence <= up_to]
    return audit_lines(entries)
