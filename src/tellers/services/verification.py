"""Independent verification of a bulletin board (and of the audit log), without a database.

:func:`verify_board` takes the bytes of a board file (:mod:`tellers.formats.board`) and,
optionally, of an audit log export (:mod:`tellers.formats.audit_jsonl`), and checks, in
this order (the first failure is the verdict's *first discrepancy*; every check runs,
so a report also names everything else that is wrong):

1. **form**: two lines, canonical JSON, exactly the documented fields;
2. **signature**: Ed25519 over line 1 by the key in the file, which must be the
   body's ``public_key`` and, when given, the organisation's published key;
3. **digests**: each part's SHA-256 against the body's ``digests``: when the
   signature fails, this names the part that was changed after signing; **phase**:
   the parts published are those of the board's phase;
4. **ballots**: every line decodes, and their number is the one stated;
5. **tracking codes**: one per ballot, distinct, sorted;
6. **roll**: the roll's returns by section and channel equal the ballots on the board;
7. **postal**: the batches' counted and spoilt papers equal the postal ballots;
8. **seed**: the contest's seed is the published one and the one the count used;
9. **recount**: the contest is rebuilt from its published rules
   (:func:`tellers.domain.spec.contest_from_spec`) and the ballots are counted again
   by :func:`tellers.domain.result.tabulate`, which runs the count engine
   (:func:`tellers.counting.methods.count`) on the profile of distinct ballots; the
   recount must equal the published result field by field and round by round;
10. **declaration**: the declaration states the same figures as the result;
11. with an audit log: **audit chain** (every link, :func:`verify_chain`), **audit head**
    (the board's head is in the chain) and **audit v board** (the logged hashes of the
    count and the declaration, the seed logged before the count, the roll's sizes
    logged at opening, the ballots logged at the close, the postal batches, and the
    board file's own SHA-256 when its publication is in the log).

A body whose parts have unexpected shapes fails the check concerned; it never raises.

It is pure: it reads bytes and returns a :class:`BoardVerification`; it never touches a
unit of work, so it runs anywhere the board and the log can be copied to.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain, repeat
from typing import Any, TypeVar

from tellers.crypto.credentials import normalise_code
from tellers.crypto.hashing import ChainBroken, sha256_hex, verify_chain
from tellers.crypto.signing import verify_signature
from tellers.domain.ballot import Ballot, Channel, RejectionReason
from tellers.domain.ids import (
    BallotId,
    CandidateId,
    ContestId,
    OrganisationId,
    SectionName,
    TrackingCode,
)
from tellers.domain.result import result_json, tabulate
from tellers.domain.spec import contest_from_spec
from tellers.errors import TellersError
from tellers.formats.audit_jsonl import AuditLine, read_audit_log
from tellers.formats.board import (
    BoardBallot,
    BoardFormatError,
    SignedBoard,
    canonical_bytes,
    decode_ballots,
    part_digests,
    read_board,
)

__all__ = [
    "BoardVerification",
    "Finding",
    "has_tracking_code",
    "verify_audit_export",
    "verify_board",
]

_TOP_ORDER = (
    "contest",
    "title",
    "kind",
    "rule_version",
    "electorate_version",
    "options",
    "eligible",
    "returned",
    "valid",
    "abstained",
    "spoilt",
    "spoilt_by_reason",
    "by_channel",
    "turnout",
    "turnout_rule",
    "tallies",
    "sections",
    "motion",
    "count",
    "winners",
    "unopposed",
)
_COUNT_ORDER = (
    "method",
    "seats",
    "candidates",
    "seed",
    "valid",
    "quota",
    "rounds",
    "tie_breaks",
    "winners",
)
_NOT_FROM_BALLOTS = frozenset({"nominations", "electorate_changes"})
"""Parts of a result that state decisions made before voting, not counts of ballots."""

_ROUND_ORDER = ("number", "tallies", "exhausted", "threshold", "elected", "eliminated", "transfers")


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """The outcome of one check."""

    check: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BoardVerification:
    """Everything :func:`verify_board` found about one board."""

    label: str
    contest_id: str
    public_key: str
    findings: tuple[Finding, ...]
    winners: tuple[str, ...] = ()
    rounds_compared: int = 0
    recount: Mapping[str, Any] | None = None
    """The recount, in the published result's JSON form (None if it could not be made)."""

    @property
    def ok(self) -> bool:
        """Whether every check holds."""
        return all(f.ok for f in self.findings)

    @property
    def first_discrepancy(self) -> Finding | None:
        """The first check that failed, in the documented order."""
        return next((f for f in self.findings if not f.ok), None)

    @property
    def discrepancies(self) -> tuple[Finding, ...]:
        """Every failed check."""
        return tuple(f for f in self.findings if not f.ok)


def _bad(where: str, problem: str) -> BoardFormatError:
    return BoardFormatError(where, problem)


class _Report:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, check: str, ok: bool, detail: str) -> bool:
        self.findings.append(Finding(check=check, ok=ok, detail=detail))
        return ok


# -- helpers ---------------------------------------------------------------------------


def _human_path(path: Sequence[str | int]) -> str:
    out: list[str] = []
    i = 0
    while i < len(path):
        part = path[i]
        if part == "rounds" and i + 1 < len(path) and isinstance(path[i + 1], int):
            out.append(f"round {int(path[i + 1]) + 1}")
            i += 2
            continue
        if part == "sections" and i + 1 < len(path) and isinstance(path[i + 1], int):
            out.append(f"section #{int(path[i + 1]) + 1}")
            i += 2
            continue
        if part == "tallies" and i + 1 < len(path) and isinstance(path[i + 1], str):
            out.append(f"tally of {path[i + 1]}")
            i += 2
            continue
        out.append(f"[{part}]" if isinstance(part, int) else str(part))
        i += 1
    return ", ".join(out)


def _ordered_keys(a: Mapping[str, Any], b: Mapping[str, Any], order: Sequence[str]) -> list[str]:
    keys = [k for k in order if k in a or k in b]
    keys += sorted((set(a) | set(b)) - set(keys))
    return keys


def _first_difference(
    published: Any, recount: Any, path: tuple[str | int, ...] = ()
) -> tuple[tuple[str | int, ...], Any, Any] | None:
    """The first place (in reading order: totals, then round by round) where they differ."""
    if isinstance(published, Mapping) and isinstance(recount, Mapping):
        last = path[-1] if path else None
        if not path:
            order: Sequence[str] = _TOP_ORDER
        elif last == "count":
            order = _COUNT_ORDER
        elif len(path) >= 2 and path[-2] == "rounds":
            order = _ROUND_ORDER
        else:
            order = ()
        for key in _ordered_keys(published, recount, order):
            if key not in published:
                return (*path, key), "(absent)", recount[key]
            if key not in recount:
                return (*path, key), published[key], "(absent)"
            found = _first_difference(published[key], recount[key], (*path, key))
            if found is not None:
                return found
        return None
    if isinstance(published, list) and isinstance(recount, list):
        scalars = all(not isinstance(x, list | Mapping) for x in (*published, *recount))
        if scalars:
            return None if published == recount else (path, published, recount)
        for i, (p, r) in enumerate(zip(published, recount, strict=False)):
            found = _first_difference(p, r, (*path, i))
            if found is not None:
                return found
        if len(published) != len(recount):
            return (*path, "length"), len(published), len(recount)
        return None
    if published != recount or type(published) is not type(recount):
        return path, published, recount
    return None


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"expected an integer, got {value!r}"
        raise TypeError(msg)
    return value


# -- checks ----------------------------------------------------------------------------


def _check_signature(rep: _Report, board: SignedBoard, expected_key: str | None) -> None:
    body_key = str(board.body.get("public_key", ""))
    file_key = board.public_key.hex()
    if board.algorithm != "Ed25519":
        rep.add("signature", False, f"unknown algorithm {board.algorithm!r} (expected Ed25519)")
        return
    if file_key != body_key:
        rep.add(
            "signature",
            False,
            f"the signature line names key {file_key}, the body states {body_key}",
        )
        return
    if expected_key is not None and expected_key.strip().lower() != file_key:
        rep.add(
            "signature",
            False,
            f"signed by {file_key}, not by the organisation's published key {expected_key}",
        )
        return
    if not verify_signature(board.public_key, board.signed, board.signature):
        rep.add(
            "signature",
            False,
            "the Ed25519 signature does not verify: line 1 changed after signing",
        )
        return
    pinned = "" if expected_key is not None else " (compare the key with the published one)"
    rep.add("signature", True, f"Ed25519 signature by {file_key} verifies{pinned}")


def _check_digests(rep: _Report, body: Mapping[str, Any]) -> None:
    stated = body.get("digests")
    if not isinstance(stated, Mapping):
        rep.add("digests", False, "no digests object")
        return
    actual = part_digests(body, canonical=True)
    changed = [name for name, digest in actual.items() if stated.get(name) != digest]
    if changed:
        rep.add(
            "digests",
            False,
            "changed since the digests were made: " + ", ".join(changed),
        )
    else:
        rep.add("digests", True, f"{len(actual)} parts match their SHA-256 digests")


_PHASES = {
    "voting closed": (False, False),
    "counted": (True, False),
    "declared": (True, True),
}
"""Phase -> (a result is published, a declaration is published)."""


def _check_phase(rep: _Report, body: Mapping[str, Any]) -> None:
    phase = body.get("phase")
    expected = _PHASES.get(phase) if isinstance(phase, str) else None
    if expected is None:
        rep.add("phase", False, f"unknown phase {phase!r}; expected one of {sorted(_PHASES)}")
        return
    has = (body.get("result") is not None, body.get("declaration") is not None)
    if has != expected:
        rep.add(
            "phase",
            False,
            f"a {phase} board should {'' if expected[0] else 'not '}carry a result and "
            f"{'' if expected[1] else 'not '}a declaration",
        )
    else:
        rep.add("phase", True, f"{phase}: the parts published are those of that phase")


def _check_codes(rep: _Report, body: Mapping[str, Any], n_ballots: int) -> None:
    codes = body.get("tracking_codes")
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        rep.add("tracking codes", False, "tracking_codes is not a list of strings")
        return
    problems = []
    if len(codes) != n_ballots:
        problems.append(f"{len(codes)} tracking codes for {n_ballots} ballots")
    if len(set(codes)) != len(codes):
        dupes = [c for c, k in Counter(codes).items() if k > 1]
        problems.append(f"repeated: {', '.join(dupes[:3])}")
    if codes != sorted(codes):
        problems.append("not in sorted order")
    if problems:
        rep.add("tracking codes", False, "; ".join(problems))
    else:
        rep.add("tracking codes", True, f"{len(codes)} distinct codes, one per ballot")


def _check_roll(
    rep: _Report, body: Mapping[str, Any], ballots: Counter[BoardBallot], n_ballots: int
) -> dict[str, int]:
    """Check the roll totals against the ballots; returns eligible by section."""
    roll = body.get("roll")
    eligible: dict[str, int] = {}
    try:
        assert isinstance(roll, Mapping)
        by_section: Counter[str] = Counter()
        by_channel: dict[str, Counter[str]] = {}
        for b, n in ballots.items():
            by_section[b.section] += n
            by_channel.setdefault(b.section, Counter())[b.channel] += n
        problems = []
        for row in roll["sections"]:
            name = str(row["section"])
            eligible[name] = _int(row["eligible"])
            if _int(row["returned"]) != by_section.get(name, 0):
                problems.append(
                    f"section {name}: roll says {row['returned']} returned, "
                    f"{by_section.get(name, 0)} ballots on the board"
                )
            if dict(row["by_channel"]) != dict(by_channel.get(name, Counter())):
                problems.append(
                    f"section {name}: returns by channel {dict(row['by_channel'])} but "
                    f"ballots by channel {dict(by_channel.get(name, Counter()))}"
                )
            if _int(row["returned"]) > eligible[name]:
                problems.append(f"section {name}: more returned than eligible")
        unknown = set(by_section) - set(eligible)
        if unknown:
            problems.append(f"ballots in sections not on the roll: {sorted(unknown)}")
        if _int(roll["returned"]) != n_ballots:
            problems.append(f"roll says {roll['returned']} returned, {n_ballots} ballots")
        if _int(roll["eligible"]) != sum(eligible.values()):
            problems.append("the sections' eligible do not add up to the total")
    except (AssertionError, KeyError, TypeError, ValueError) as err:
        rep.add("roll", False, f"the roll totals cannot be read: {err}")
        return eligible
    if problems:
        rep.add("roll", False, "; ".join(problems))
    else:
        rep.add(
            "roll",
            True,
            f"{n_ballots} returns of {sum(eligible.values())} eligible match the ballots "
            "by section and channel",
        )
    return eligible


def _check_postal(rep: _Report, body: Mapping[str, Any], ballots: Counter[BoardBallot]) -> None:
    postal = body.get("postal")
    try:
        assert isinstance(postal, Mapping)
        post_valid = sum(n for b, n in ballots.items() if b.channel == "post" and not b.rejection)
        spoilt: Counter[str] = Counter()
        for b, n in ballots.items():
            if b.rejection is not None:
                spoilt[b.rejection] += n
        counted = 0
        batch_spoilt: Counter[str] = Counter()
        for batch in postal["batches"]:
            counted += _int(batch["counted"])
            batch_spoilt.update({str(k): _int(v) for k, v in batch["spoilt"].items()})
        totals = postal["totals"]
        problems = []
        if counted != _int(totals["counted"]) or dict(batch_spoilt) != dict(totals["spoilt"]):
            problems.append("the batches do not add up to the totals")
        if counted != post_valid:
            problems.append(
                f"{counted} papers counted in batches, {post_valid} marked postal ballots"
            )
        if dict(batch_spoilt) != dict(spoilt):
            problems.append(f"spoilt papers {dict(batch_spoilt)} but spoilt ballots {dict(spoilt)}")
    except (AssertionError, KeyError, TypeError, ValueError, AttributeError) as err:
        rep.add("postal", False, f"the postal counts cannot be read: {err}")
        return
    if problems:
        rep.add("postal", False, "; ".join(problems))
    else:
        rep.add(
            "postal",
            True,
            f"{len(postal['batches'])} batches: {counted} counted, "
            f"{sum(spoilt.values())} spoilt, as on the board",
        )


def _check_seed(rep: _Report, body: Mapping[str, Any]) -> None:
    seed = body.get("seed")
    contest = body.get("contest")
    result = body.get("result")
    if not isinstance(seed, Mapping) or not isinstance(contest, Mapping):
        rep.add("seed", False, "no seed or contest")
        return
    problems = []
    if seed.get("value") != contest.get("seed"):
        problems.append(f"seed {seed.get('value')!r} but the contest's is {contest.get('seed')!r}")
    if isinstance(result, Mapping) and isinstance(result.get("count"), Mapping):
        used = result["count"].get("seed")
        if used is not None and used != seed.get("value"):
            problems.append(
                f"the count used seed {used!r}, the published one is {seed.get('value')!r}"
            )
    if problems:
        rep.add("seed", False, "; ".join(problems))
    else:
        rep.add(
            "seed",
            True,
            f"seed {seed.get('value')!r} published before voting (audit entry "
            f"{seed.get('audit_sequence')})",
        )


def _recount(
    rep: _Report,
    body: Mapping[str, Any],
    ballots: Counter[BoardBallot],
    eligible: Mapping[str, int],
) -> tuple[tuple[str, ...], int, dict[str, Any] | None]:
    """Recount and compare; returns the winners (names), rounds compared and the recount."""
    definition = body.get("contest")
    try:
        assert isinstance(definition, Mapping)
        cid = ContestId(str(definition["id"]))
        contest = contest_from_spec(
            definition,
            contest_id=cid,
            organisation_id=OrganisationId(str(definition["organisation"])),
        )
        options = tuple(str(k) for k in definition["ballot"])
        if not contest.is_motion:
            contest = replace(contest, ballot=tuple(CandidateId(k) for k in options))
        if "exhaustive_round" in definition:
            contest = replace(contest, exhaustive_round=int(definition["exhaustive_round"]))
        board_options = tuple(body["ballots"]["options"])
        if board_options != contest.options():
            rep.add(
                "recount",
                False,
                f"the ballots' options {board_options} are not the contest's {contest.options()}",
            )
            return (), 0, None
        box: list[Ballot] = []
        weights: list[int] = []
        for b, n in ballots.items():
            box.append(
                Ballot(
                    id=BallotId(""),
                    contest_id=cid,
                    section=SectionName(b.section),
                    channel=Channel(b.channel),
                    ranking=b.ranking,
                    rejection=RejectionReason(b.rejection) if b.rejection else None,
                    tracking_code=TrackingCode(""),
                )
            )
            weights.append(n)
        expanded = chain.from_iterable(repeat(b, n) for b, n in zip(box, weights, strict=True))
        result = tabulate(contest, expanded, eligible)
    except (AssertionError, KeyError, TypeError, ValueError, TellersError) as err:
        rep.add("recount", False, f"the contest could not be recounted: {err}")
        return (), 0, None
    recount = json.loads(result_json(result))
    winners = tuple(result.options.get(w, w) for w in result.winners)
    rounds = len(recount.get("count", {}).get("rounds", [])) if "count" in recount else 0
    published = body.get("result")
    if published is None:
        rep.add(
            "recount",
            True,
            f"no result published yet; the recount elects {', '.join(winners) or 'nobody'}",
        )
        return winners, 0, recount
    if not isinstance(published, Mapping):
        rep.add("recount", False, "the published result is not an object")
        return winners, 0, recount
    compared = {k: v for k, v in published.items() if k not in _NOT_FROM_BALLOTS}
    recount = {k: v for k, v in recount.items() if k not in _NOT_FROM_BALLOTS}
    diff = _first_difference(compared, recount)
    if diff is not None:
        path, pub, rec = diff
        detail = f"the recount differs at {_human_path(path)}: published {pub!r}, recount {rec!r}"
        by_round = _first_difference(
            {"rounds": compared.get("count", {}).get("rounds", [])},
            {"rounds": recount.get("count", {}).get("rounds", [])},
        )
        if by_round is not None and by_round[0] != path[1:]:
            rpath, rpub, rrec = by_round
            detail += (
                f"; first differing round: {_human_path(rpath)}: "
                f"published {rpub!r}, recount {rrec!r}"
            )
        rep.add("recount", False, detail)
        return winners, 0, recount
    what = f"{rounds} rounds" if rounds else "the tallies"
    outcome = (
        ("carried" if recount["motion"]["carried"] else "not carried")
        if "motion" in recount
        else "elects " + ", ".join(winners)
    )
    rep.add(
        "recount",
        True,
        f"recount of {result.returned} ballots equals the published result ({what}); {outcome}",
    )
    return winners, rounds, recount


def _check_declaration(rep: _Report, body: Mapping[str, Any]) -> dict[str, Any] | None:
    text = body.get("declaration")
    if text is None:
        return None
    try:
        assert isinstance(text, str)
        declared = json.loads(text)
        assert isinstance(declared, dict)
        figures = {
            k: v for k, v in declared.items() if k not in ("declared_at", "audit_head", "recount")
        }
    except (AssertionError, ValueError) as err:
        rep.add("declaration", False, f"the declaration cannot be read: {err}")
        return None
    published = body.get("result")
    if not isinstance(published, Mapping):
        rep.add("declaration", False, "a declaration without a published result")
        return declared
    diff = _first_difference(figures, dict(published))
    if diff is not None:
        path, dec, pub = diff
        rep.add(
            "declaration",
            False,
            f"the declaration differs from the result at {_human_path(path)}: "
            f"declared {dec!r}, result {pub!r}",
        )
    else:
        rep.add(
            "declaration",
            True,
            "the declaration states the result; audit head at declaring "
            f"{declared.get('audit_head')}",
        )
    return declared


def _for_contest(entries: Iterable[AuditLine], cid: str, action: str) -> list[AuditLine]:
    return [e for e in entries if e.action == action and e.parameters.get("contest") == cid]


def _check_audit(
    rep: _Report,
    body: Mapping[str, Any],
    entries: list[AuditLine],
    declared: Mapping[str, Any] | None,
    n_ballots: int,
    file_sha256: str,
) -> None:
    try:
        head = verify_chain(entries)
    except ChainBroken as err:
        rep.add("audit chain", False, str(err))
        return
    rep.add("audit chain", True, f"{len(entries)} entries chained; head {head}")
    audit = body.get("audit")
    if not isinstance(audit, Mapping):
        rep.add("audit head", False, "the board states no audit head")
        return
    seq = audit.get("head_sequence")
    want = audit.get("head_hash")
    by_seq = {e.sequence: e for e in entries}
    if seq == 0 and want == "0" * 64:
        rep.add("audit head", True, "the board was published before any audit entry")
    elif not isinstance(seq, int) or seq not in by_seq:
        rep.add("audit head", False, f"the log has no entry {seq}, the board's head")
        return
    elif by_seq[seq].hash != want:
        rep.add(
            "audit head",
            False,
            f"entry {seq} has hash {by_seq[seq].hash}, the board states {want}",
        )
        return
    elif seq == len(entries):
        rep.add("audit head", True, f"the log's head equals the board's head (entry {seq})")
    else:
        rep.add(
            "audit head",
            True,
            f"the board's head is entry {seq}; the log continues {len(entries) - seq} "
            "entries after it",
        )
    _check_audit_content(rep, body, entries, declared, n_ballots, file_sha256)


def _check_audit_content(
    rep: _Report,
    body: Mapping[str, Any],
    entries: list[AuditLine],
    declared: Mapping[str, Any] | None,
    n_ballots: int,
    file_sha256: str,
) -> None:
    contest = body.get("contest")
    cid = str(contest.get("id")) if isinstance(contest, Mapping) else ""
    problems: list[str] = []
    notes: list[str] = []
    limit = body.get("audit", {}).get("head_sequence", 0)
    upto = [e for e in entries if e.sequence <= limit]
    counts = _for_contest(upto, cid, "count")
    result = body.get("result")
    if result is None and counts:
        problems.append(
            f"a count is logged at entry {counts[0].sequence} but the board publishes no result"
        )
    if result is not None:
        if not counts:
            problems.append("a result is published but no count is logged")
        else:
            digest = sha256_hex(canonical_bytes(result))
            if counts[0].parameters.get("result_sha256") != digest:
                problems.append(
                    f"the count logged at entry {counts[0].sequence} has result SHA-256 "
                    f"{counts[0].parameters.get('result_sha256')}, the published result {digest}"
                )
            else:
                notes.append(f"result hash logged at entry {counts[0].sequence}")
    seed = body.get("seed", {})
    created = _for_contest(upto, cid, "create_contest")
    if created:
        entry = created[0]
        if entry.parameters.get("seed") != seed.get("value"):
            problems.append(
                f"the seed logged at entry {entry.sequence} is {entry.parameters.get('seed')!r}, "
                f"the board's {seed.get('value')!r}"
            )
        if seed.get("audit_sequence") != entry.sequence:
            problems.append(
                f"the board says the seed was logged at entry {seed.get('audit_sequence')}, "
                f"the log at {entry.sequence}"
            )
        if counts and entry.sequence > counts[0].sequence:
            problems.append("the seed was logged after the count")
    else:
        problems.append("the log does not record the contest's creation (and its seed)")
    opened = _for_contest(upto, cid, "open_voting")
    roll = body.get("roll", {})
    if opened:
        amended = [
            e
            for e in _for_contest(upto, cid, "amend_electorate")
            if e.sequence > opened[0].sequence
        ]
        last = amended[-1] if amended else opened[0]
        logged = last.parameters.get("eligible_by_section")
        stated = {str(r.get("section")): r.get("eligible") for r in roll.get("sections", [])}
        if logged != stated:
            problems.append(
                f"eligible by section logged at entry {last.sequence} {logged}, "
                f"on the board {stated}"
            )
    else:
        problems.append("the log does not record the opening of voting")
    closed = _for_contest(upto, cid, "close_voting")
    batches = _for_contest(upto, cid, "enter_postal_batch")
    if closed:
        at_close = closed[0].parameters.get("ballots")
        later = sum(
            int(b.parameters.get("counted", 0)) + sum(b.parameters.get("spoilt", {}).values())
            for b in batches
            if b.sequence > closed[0].sequence
        )
        if isinstance(at_close, int) and at_close + later != n_ballots:
            problems.append(
                f"{at_close} ballots logged at the close and {later} papers entered after it, "
                f"but {n_ballots} ballots on the board"
            )
    else:
        problems.append("the log does not record the close of voting")
    logged_batches = {b.parameters.get("batch"): b for b in batches}
    for batch in body.get("postal", {}).get("batches", []):
        logged = logged_batches.get(batch.get("sequence"))
        if logged is None:
            problems.append(f"postal batch {batch.get('sequence')} is not in the log")
        elif logged.parameters.get("counted") != batch.get("counted") or dict(
            logged.parameters.get("spoilt", {})
        ) != dict(batch.get("spoilt", {})):
            problems.append(
                f"postal batch {batch.get('sequence')}: logged counted "
                f"{logged.parameters.get('counted')} spoilt {logged.parameters.get('spoilt')}, "
                f"board {batch.get('counted')} {batch.get('spoilt')}"
            )
    if len(logged_batches) != len(body.get("postal", {}).get("batches", [])):
        problems.append(
            f"{len(logged_batches)} postal batches logged, "
            f"{len(body.get('postal', {}).get('batches', []))} on the board"
        )
    text = body.get("declaration")
    dec = _for_contest(upto, cid, "declare")
    if text is None and dec:
        problems.append(
            f"a declaration is logged at entry {dec[0].sequence} but the board publishes none"
        )
    if isinstance(text, str) and declared is not None:
        digest = sha256_hex(text.encode("utf-8"))
        if not dec:
            problems.append("a declaration is published but none is logged")
        elif dec[0].parameters.get("declaration_sha256") != digest:
            problems.append(
                f"the declaration logged at entry {dec[0].sequence} has SHA-256 "
                f"{dec[0].parameters.get('declaration_sha256')}, the published one {digest}"
            )
        else:
            stated_head = declared.get("audit_head")
            if stated_head != dec[0].previous:
                problems.append(
                    f"the declaration states head {stated_head}, but the entry before "
                    f"the declaration is {dec[0].previous}"
                )
            else:
                notes.append(f"declaration hash logged at entry {dec[0].sequence}")
    head_hash = body.get("audit", {}).get("head_hash")
    published = [
        e
        for e in _for_contest(entries, cid, "publish_board")
        if e.parameters.get("audit_head_on_board") == head_hash
        and e.time == body.get("published_at")
    ]
    if published:
        logged = published[0].parameters.get("board_sha256")
        if logged != file_sha256:
            problems.append(
                f"the board published at entry {published[0].sequence} has SHA-256 {logged}, "
                f"this file {file_sha256}"
            )
        else:
            notes.append(f"this file is the board published at entry {published[0].sequence}")
    else:
        notes.append("this board's publication is not in the log given")
    if problems:
        rep.add("audit v board", False, "; ".join(problems))
    else:
        rep.add("audit v board", True, "; ".join(notes) or "the log agrees with the board")


# -- entry points ----------------------------------------------------------------------

T = TypeVar("T")


def _guarded(rep: _Report, check: str, run: Callable[[], T]) -> T | None:
    """Run one check; a body whose parts have unexpected shapes fails it, not the run."""
    try:
        return run()
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as err:
        rep.add(check, False, f"the board's {check} part has an unexpected shape: {err!r}")
        return None


def verify_board(
    data: bytes,
    *,
    audit: bytes | None = None,
    public_key: str | None = None,
    label: str = "",
) -> BoardVerification:
    """Check a board (and optionally an audit log export); see the module docstring.

    Args:
        data: the board file's bytes.
        audit: the audit log export's bytes (JSON Lines), if available.
        public_key: the organisation's published key (hex), to pin the signer.
        label: how to name the board in the report (e.g. its path).
    """
    rep = _Report()
    try:
        board = read_board(data)
    except BoardFormatError as err:
        rep.add("form", False, str(err))
        return BoardVerification(
            label=label, contest_id="", public_key="", findings=tuple(rep.findings)
        )
    body = board.body
    contest = body.get("contest")
    cid = str(contest.get("id", "")) if isinstance(contest, Mapping) else ""
    rep.add("form", True, f"a {body['format']} board of contest {cid} ({body.get('phase')})")
    _check_signature(rep, board, public_key)
    _check_digests(rep, body)
    _check_phase(rep, body)
    ballots: Counter[BoardBallot] = Counter()
    try:
        part = body.get("ballots")
        if not isinstance(part, Mapping):
            raise _bad(where="ballots", problem="expected an object")
        ballots = decode_ballots(part)
        n = sum(ballots.values())
        if n != part.get("count"):
            rep.add("ballots", False, f"{n} ballot lines but count says {part.get('count')}")
        else:
            rep.add("ballots", True, f"{n} ballots, {len(ballots)} distinct")
    except BoardFormatError as err:
        rep.add("ballots", False, str(err))
    n_ballots = sum(ballots.values())
    _guarded(rep, "tracking codes", lambda: _check_codes(rep, body, n_ballots))
    eligible = _guarded(rep, "roll", lambda: _check_roll(rep, body, ballots, n_ballots)) or {}
    _guarded(rep, "postal", lambda: _check_postal(rep, body, ballots))
    _guarded(rep, "seed", lambda: _check_seed(rep, body))
    winners: tuple[str, ...] = ()
    rounds = 0
    recount: dict[str, Any] | None = None
    outcome = _guarded(rep, "recount", lambda: _recount(rep, body, ballots, eligible))
    if outcome is not None:
        winners, rounds, recount = outcome
    declared = _guarded(rep, "declaration", lambda: _check_declaration(rep, body))
    if audit is not None:
        try:
            entries = read_audit_log(audit)
        except TellersError as err:
            rep.add("audit chain", False, str(err))
        else:
            digest = sha256_hex(data)
            _guarded(
                rep,
                "audit v board",
                lambda: _check_audit(rep, body, entries, declared, n_ballots, digest),
            )
    return BoardVerification(
        label=label,
        contest_id=cid,
        public_key=board.public_key.hex(),
        findings=tuple(rep.findings),
        winners=winners,
        rounds_compared=rounds,
        recount=recount,
    )


def verify_audit_export(audit: bytes) -> str:
    """Check an audit export's chain alone and return its head hash.

    Raises:
        AuditLogFormatError: a line that is not an entry.
        ChainBroken: the first entry that does not verify.
    """
    return verify_chain(read_audit_log(audit))


def has_tracking_code(data: bytes, code: str) -> bool:
    """Whether a voter's tracking code is among the counted ballots of a board.

    The code is compared as typed loosely (case, spaces, hyphens and look-alike letters
    do not matter). This reads the board's form but does not verify it: run
    :func:`verify_board` for that.

    Raises:
        BoardFormatError: the file is not a board.
    """
    board = read_board(data)
    codes = board.body.get("tracking_codes")
    if not isinstance(codes, list):
        raise _bad(where="tracking_codes", problem="expected a list of strings")
    wanted = normalise_code(code)
    return any(normalise_code(str(c)) == wanted for c in codes)
