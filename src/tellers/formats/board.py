"""The bulletin board file: one contest's ballots, roll totals, postal counts and result, signed.

The format is specified for independent verifiers in ``docs/verification.md``; this
module is its reference implementation. In short, a board file is UTF-8 text of exactly
two lines, each ending in ``\\n``:

1. the **body**: the canonical JSON (:func:`tellers.crypto.hashing.canonical_json`) of
   an object whose fields are listed in :data:`BODY_FIELDS`;
2. the **signature**: the canonical JSON of
   ``{"algorithm": "Ed25519", "public_key": hex, "signature": hex}``, where the signature
   is the Ed25519 signature (RFC 8032) of the bytes of line 1 without its ``\\n``.

Ballots are encoded one per string (``tellers-ballot-line-1``)::

    "<section index> <channel index>"                      an abstention (motions)
    "<section index> <channel index> <option index> ..."   options in preference order
    "<section index> <channel index> r<rejection index>"   a spoilt paper

with the indices into the lists ``ballots.sections``, ``ballots.channels``,
``ballots.options`` and ``ballots.rejections``, decimal, separated by single spaces.
The ballots are listed in a random order drawn from the CSPRNG at publication, so their
order says nothing about the order of casting; the tracking codes are listed separately,
sorted, so that a tracking code is never tied to a ballot's content (a receipt proves
that a ballot was counted, not how it was marked).

Writing and reading 10**6 ballots takes seconds: canonical JSON is produced through the
C encoder of :mod:`json` with the options that make it coincide with the canonical form
for the values a board holds (no floats; keys whose UTF-16 and code-point orders agree),
falling back to :func:`~tellers.crypto.hashing.canonical_json` otherwise.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tellers.crypto.hashing import canonical_json, sha256_hex
from tellers.crypto.signing import ElectionKey, sign
from tellers.domain.ballot import Ballot, Channel, RejectionReason
from tellers.domain.contest import Contest
from tellers.domain.electorate import Section
from tellers.errors import InputError

__all__ = [
    "BALLOT_ENCODING",
    "BODY_FIELDS",
    "BOARD_FORMAT",
    "DIGESTED_PARTS",
    "BoardBallot",
    "BoardFormatError",
    "SignedBoard",
    "canonical_bytes",
    "contest_definition",
    "decode_ballots",
    "encode_ballots",
    "part_digests",
    "read_board",
    "write_board",
]

BOARD_FORMAT = "tellers-board-1"
BALLOT_ENCODING = "tellers-ballot-line-1"
CHANNELS: tuple[str, ...] = tuple(c.value for c in Channel)
REJECTIONS: tuple[str, ...] = tuple(r.value for r in RejectionReason)

BODY_FIELDS = (
    "audit",
    "ballots",
    "contest",
    "declaration",
    "digests",
    "format",
    "phase",
    "postal",
    "public_key",
    "published_at",
    "result",
    "roll",
    "seed",
    "tracking_codes",
)
"""Every field of the body, no more and no fewer (see docs/verification.md)."""

DIGESTED_PARTS = (
    "audit",
    "ballots",
    "contest",
    "declaration",
    "postal",
    "result",
    "roll",
    "seed",
    "tracking_codes",
)
"""The body fields whose SHA-256 is listed under ``digests`` (to name what changed)."""

_MAX_SAFE = 2**53 - 1


class BoardFormatError(InputError):
    """A board file that cannot be read as a board; says where and what."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"board, {where}: {problem}" if where else f"board: {problem}")


def _bad(where: str, problem: str) -> BoardFormatError:
    return BoardFormatError(where, problem)


@dataclass(frozen=True, slots=True, kw_only=True)
class BoardBallot:
    """One distinct ballot as decoded from a board line."""

    section: str
    channel: str
    ranking: tuple[str, ...] = ()
    rejection: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedBoard:
    """A board file as read: its body, the signed bytes and the signature line."""

    body: Mapping[str, Any]
    signed: bytes
    """The bytes of line 1 (without its newline): what the signature covers."""
    algorithm: str
    public_key: bytes
    signature: bytes


# -- canonical JSON, fast ---------------------------------------------------------------


def _plain(value: Any) -> bool:
    """Whether the C encoder's output is canonical for ``value`` (no floats, safe keys)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str) or v is None or isinstance(v, bool):
            continue
        if isinstance(v, int):
            if not -_MAX_SAFE <= v <= _MAX_SAFE:
                return False
            continue
        if isinstance(v, list | tuple):
            # Long lists of strings (ballots, codes) are checked in one pass.
            if v and set(map(type, v)) == {str}:
                continue
            stack.extend(v)
            continue
        if isinstance(v, Mapping):
            for k in v:
                if type(k) is not str or any(ord(ch) > 0xFFFF for ch in k):
                    return False
            stack.extend(v.values())
            continue
        return False
    return True


def canonical_bytes(value: Any) -> bytes:
    """``canonical_json(value)``, through the C encoder when that gives the same bytes.

    For values without floats, with integers in the safe range and with object keys
    free of characters beyond U+FFFF, ``json.dumps`` with sorted keys, no spaces and
    ``ensure_ascii=False`` writes exactly the canonical form (same escapes, same order).
    """
    if _plain(value):
        return json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    return canonical_json(value)


def part_digests(body: Mapping[str, Any], *, canonical: bool = False) -> dict[str, str]:
    """SHA-256 (hex) of the canonical JSON of each part in :data:`DIGESTED_PARTS`.

    Args:
        body: a board body.
        canonical: the body is known to have been read from canonical JSON (so the C
            encoder's output is canonical for every part, and the check is skipped).
    """
    if canonical:
        return {
            name: sha256_hex(
                json.dumps(
                    body.get(name), ensure_ascii=False, sort_keys=True, separators=(",", ":")
                ).encode("utf-8")
            )
            if _bmp_keys(body.get(name))
            else sha256_hex(canonical_json(body.get(name)))
            for name in DIGESTED_PARTS
        }
    return {name: sha256_hex(canonical_bytes(body.get(name))) for name in DIGESTED_PARTS}


def _bmp_keys(value: Any) -> bool:
    """Whether every object key in ``value`` lies in the basic multilingual plane."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Mapping):
            if any(ord(ch) > 0xFFFF for k in v for ch in k):
                return False
            stack.extend(v.values())
        elif isinstance(v, list) and set(map(type, v)) != {str}:
            stack.extend(v)
    return True


# -- the contest definition -------------------------------------------------------------


def _share(value: Any) -> str:
    return f"{value.numerator}/{value.denominator}"


def _section_spec(s: Section) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": s.name,
        "kind": s.kind.value,
        "standings": sorted(x.value for x in s.standings),
        "bodies": sorted(s.body_ids),
        "affiliates": sorted(s.affiliate_ids),
        "channels": sorted(c.value for c in s.channels),
    }
    if s.joined_on_or_before is not None:
        out["joined_on_or_before"] = s.joined_on_or_before.isoformat()
    if s.current_on is not None:
        out["current_on"] = s.current_on.isoformat()
    if s.fee_window is not None:
        out["fee_window"] = {
            "opens": s.fee_window.opens.isoformat(),
            "closes": s.fee_window.closes.isoformat(),
        }
    if s.min_fee_pence is not None:
        out["min_fee_pence"] = s.min_fee_pence
    return out


def contest_definition(contest: Contest) -> dict[str, Any]:
    """The contest as published: a contest spec (:mod:`tellers.domain.spec`) plus ids.

    ``tellers.domain.spec.contest_from_spec`` reads it back into the same rules; the
    extra keys are ``id``, ``organisation`` and ``ballot`` (the option keys in ballot
    order, fixed when voting opened).
    """
    out: dict[str, Any] = {
        "id": contest.id,
        "organisation": contest.organisation_id,
        "kind": contest.kind.value,
        "title": contest.title,
        "question": contest.question,
        "rule_version": contest.rule_version,
        "method": contest.method,
        "seats": contest.seats,
        "seed": contest.seed,
        "ballot": list(contest.options()),
        "candidates": [
            {"id": c.id, "name": c.name, "withdrawn": c.withdrawn} for c in contest.candidates
        ],
        "electorate": {
            "version": contest.electorate.version,
            "sections": [_section_spec(s) for s in contest.electorate.sections],
        },
    }
    if contest.motion is not None:
        m = contest.motion
        out["motion"] = {
            "basis": m.basis.value,
            "share": _share(m.share),
            "at_least": m.at_least,
            "turnout_threshold": None
            if m.turnout_threshold is None
            else _share(m.turnout_threshold),
            "support_threshold": None
            if m.support_threshold is None
            else _share(m.support_threshold),
            "binding": m.binding,
        }
    if contest.nomination is not None:
        n = contest.nomination
        nominations: dict[str, Any] = {
            "bodies": list(n.bodies),
            "threshold": _share(n.threshold),
            "snapshot_at": n.snapshot_at.isoformat(),
            "snapshot_label": n.snapshot_label,
            "incumbent": n.incumbent,
            "incumbent_on_ballot": n.incumbent_on_ballot,
            "ruling": n.ruling,
            "allow_self_nomination": n.allow_self_nomination,
        }
        if n.closes_at is not None:
            nominations["closes_at"] = n.closes_at.isoformat()
        out["nominations"] = nominations
    if contest.reissue_cutoff is not None:
        out["reissue_cutoff"] = contest.reissue_cutoff.isoformat()
    if contest.re_open_nominations:
        out["re_open_nominations"] = True
    if contest.college is not None:
        out["college"] = {
            "mode": contest.college.mode.value,
            "sections": [
                {"name": s.name, "weight": _share(s.weight)} for s in contest.college.sections
            ],
        }
    if contest.exhaustive is not None:
        e = contest.exhaustive
        exhaustive: dict[str, Any] = {"remain": e.remain, "floors": list(e.floors)}
        if e.first_round_floor is not None:
            exhaustive["first_round_floor"] = e.first_round_floor
        out["exhaustive"] = exhaustive
        out["exhaustive_round"] = contest.exhaustive_round
    return out


# -- ballots ----------------------------------------------------------------------------


def encode_ballots(
    ballots: Iterable[Ballot], *, sections: Sequence[str], options: Sequence[str]
) -> dict[str, Any]:
    """The ``ballots`` part of a body, lines in the order given (shuffle first).

    Raises:
        ValueError: a ballot naming a section or option not in the lists.
    """
    s_index = {name: i for i, name in enumerate(sections)}
    o_index = {key: str(i) for i, key in enumerate(options)}
    c_index = {name: i for i, name in enumerate(CHANNELS)}
    r_index = {name: i for i, name in enumerate(REJECTIONS)}
    lines: list[str] = []
    cache: dict[tuple[str, str, tuple[str, ...], str | None], str] = {}
    for b in ballots:
        rejection = b.rejection.value if b.rejection is not None else None
        key = (b.section, b.channel.value, b.ranking, rejection)
        line = cache.get(key)
        if line is None:
            try:
                head = f"{s_index[b.section]} {c_index[b.channel.value]}"
                if rejection is not None:
                    line = f"{head} r{r_index[rejection]}"
                elif b.ranking:
                    line = head + " " + " ".join(o_index[k] for k in b.ranking)
                else:
                    line = head
            except KeyError as err:
                msg = f"a ballot names {err.args[0]!r}, which is not on the board's lists"
                raise ValueError(msg) from err
            cache[key] = line
        lines.append(line)
    return {
        "encoding": BALLOT_ENCODING,
        "sections": list(sections),
        "channels": list(CHANNELS),
        "options": list(options),
        "rejections": list(REJECTIONS),
        "count": len(lines),
        "lines": lines,
    }


def decode_ballots(part: Mapping[str, Any]) -> Counter[BoardBallot]:
    """The distinct ballots of a ``ballots`` part with how many lines carry each.

    Identical lines are merged before parsing, so 10**6 ballots cost one pass of
    :class:`collections.Counter` plus one parse per distinct line.

    Raises:
        BoardFormatError: an unknown encoding, a malformed line or an index out of range
            (naming the first such line by its position).
    """
    if part.get("encoding") != BALLOT_ENCODING:
        raise _bad(where="ballots.encoding", problem=f"expected {BALLOT_ENCODING!r}")
    lists: dict[str, list[str]] = {}
    for name in ("sections", "channels", "options", "rejections"):
        value = part.get(name)
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise _bad(where=f"ballots.{name}", problem="expected a list of strings")
        lists[name] = value
    lines = part.get("lines")
    if not isinstance(lines, list):
        raise _bad(where="ballots.lines", problem="expected a list of strings")
    sections, channels = lists["sections"], lists["channels"]
    options, rejections = lists["options"], lists["rejections"]
    distinct: Counter[str] = Counter(lines)
    out: Counter[BoardBallot] = Counter()
    by_s, by_c = _by_token(sections), _by_token(channels)
    by_o, by_r = _by_token(options), _by_token(rejections)
    for line, n in distinct.items():
        ballot = _parse_fast(line, by_s, by_c, by_o, by_r)
        if ballot is None:  # the careful parse says what is wrong
            try:
                ballot = _parse_line(line, sections, channels, options, rejections)
            except (ValueError, IndexError, TypeError) as err:
                where = f"ballots.lines[{lines.index(line)}]"
                raise _bad(where=where, problem=f"{line!r} is not a ballot line: {err}") from err
        out[ballot] += n
    return out


def _by_token(table: Sequence[str]) -> dict[str, str]:
    """Each entry of ``table`` by its index written in decimal (no leading zeros)."""
    return {str(i): name for i, name in enumerate(table)}


def _parse_fast(
    line: object,
    by_s: Mapping[str, str],
    by_c: Mapping[str, str],
    by_o: Mapping[str, str],
    by_r: Mapping[str, str],
) -> BoardBallot | None:
    """A well-formed line parsed by table lookups; None for anything else."""
    if type(line) is not str:
        return None
    tokens = line.split(" ")
    if len(tokens) < 2:
        return None
    try:
        section, channel = by_s[tokens[0]], by_c[tokens[1]]
        rest = tokens[2:]
        if rest and rest[0][:1] == "r":
            if len(rest) != 1:
                return None
            return BoardBallot(section=section, channel=channel, rejection=by_r[rest[0][1:]])
        ranking = tuple(map(by_o.__getitem__, rest))
    except KeyError:
        return None
    if len(set(ranking)) != len(ranking):
        return None
    return BoardBallot(section=section, channel=channel, ranking=ranking)


def _index(token: str, table: Sequence[str], what: str) -> str:
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        msg = f"{what} index {token!r} is not a decimal number"
        raise ValueError(msg)
    i = int(token)
    if i >= len(table):
        msg = f"{what} index {i} is out of range"
        raise ValueError(msg)
    return table[i]


def _parse_line(
    line: object,
    sections: Sequence[str],
    channels: Sequence[str],
    options: Sequence[str],
    rejections: Sequence[str],
) -> BoardBallot:
    if not isinstance(line, str):
        msg = "not a string"
        raise TypeError(msg)
    tokens = line.split(" ")
    if len(tokens) < 2:
        msg = "needs a section and a channel"
        raise ValueError(msg)
    section = _index(tokens[0], sections, "section")
    channel = _index(tokens[1], channels, "channel")
    rest = tokens[2:]
    if rest and rest[0].startswith("r"):
        if len(rest) != 1:
            msg = "a spoilt paper has no marks"
            raise ValueError(msg)
        rejection = _index(rest[0][1:], rejections, "rejection")
        return BoardBallot(section=section, channel=channel, rejection=rejection)
    ranking = tuple(_index(t, options, "option") for t in rest)
    if len(set(ranking)) != len(ranking):
        msg = "an option is ranked twice"
        raise ValueError(msg)
    return BoardBallot(section=section, channel=channel, ranking=ranking)


# -- the file ---------------------------------------------------------------------------


def write_board(body: Mapping[str, Any], key: ElectionKey) -> bytes:
    """The board file for ``body``, signed with ``key``.

    ``body`` holds every field of :data:`BODY_FIELDS` except ``digests`` and
    ``public_key``, which are filled in here.

    Raises:
        ValueError: missing or unknown fields.
    """
    full = dict(body)
    full["public_key"] = key.public_key_hex
    full["digests"] = part_digests(full)
    missing = sorted(set(BODY_FIELDS) - set(full))
    extra = sorted(set(full) - set(BODY_FIELDS))
    if missing or extra:
        msg = f"board body: missing {missing}, unknown {extra}"
        raise ValueError(msg)
    line1 = canonical_bytes(full)
    signature = sign(key, line1)
    line2 = canonical_bytes(
        {
            "algorithm": "Ed25519",
            "public_key": key.public_key_hex,
            "signature": signature.hex(),
        }
    )
    return line1 + b"\n" + line2 + b"\n"


def _no_float(text: str) -> Any:
    msg = f"a number with a fraction or exponent ({text}); boards hold integers only"
    raise ValueError(msg)


def _no_constant(text: str) -> Any:
    msg = f"{text} is not JSON"
    raise ValueError(msg)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            msg = f"the key {k!r} appears twice in one object"
            raise ValueError(msg)
        out[k] = v
    return out


def _loads(data: bytes, where: str) -> Any:
    try:
        return json.loads(
            data.decode("utf-8"),
            parse_float=_no_float,
            parse_constant=_no_constant,
            object_pairs_hook=_no_duplicates,
        )
    except UnicodeDecodeError as err:
        raise _bad(where=where, problem=f"not UTF-8 ({err.reason} at byte {err.start})") from err
    except ValueError as err:
        raise _bad(where=where, problem=f"not valid JSON: {err}") from err


def read_board(data: bytes) -> SignedBoard:
    """Split a board file into body and signature and check its form (not the signature).

    Raises:
        BoardFormatError: not two lines, not JSON, not canonical, not an object with
            exactly the body fields, or a signature line that cannot be read.
    """
    if not data.endswith(b"\n"):
        raise _bad(where="", problem="the file must end with a newline (two lines)")
    lines = data[:-1].split(b"\n")
    if len(lines) != 2:
        raise _bad(where="", problem=f"expected 2 lines (body, signature), found {len(lines)}")
    line1, line2 = lines
    body = _loads(line1, "line 1")
    if not isinstance(body, dict):
        raise _bad(where="line 1", problem="the body must be a JSON object")
    if canonical_bytes(body) != line1:
        raise _bad(where="line 1", problem="the body is not in canonical JSON form")
    missing = sorted(set(BODY_FIELDS) - set(body))
    extra = sorted(set(body) - set(BODY_FIELDS))
    if missing:
        raise _bad(where="line 1", problem=f"missing fields: {', '.join(missing)}")
    if extra:
        raise _bad(where="line 1", problem=f"unknown fields: {', '.join(extra)}")
    if body.get("format") != BOARD_FORMAT:
        raise _bad(where="format", problem=f"expected {BOARD_FORMAT!r}, got {body.get('format')!r}")
    sig = _loads(line2, "line 2")
    if not isinstance(sig, dict) or set(sig) != {"algorithm", "public_key", "signature"}:
        raise _bad(
            where="line 2", problem="expected an object with algorithm, public_key and signature"
        )
    try:
        public_key = bytes.fromhex(str(sig["public_key"]))
        signature = bytes.fromhex(str(sig["signature"]))
    except ValueError as err:
        raise _bad(where="line 2", problem="public_key and signature must be hex") from err
    return SignedBoard(
        body=body,
        signed=line1,
        algorithm=str(sig["algorithm"]),
        public_key=public_key,
        signature=signature,
    )
