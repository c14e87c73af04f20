"""A vectorised reader of tellers' plain ballot CSV, for files of millions of ballots.

The plain ballot CSV has one ballot per line, the candidates' names in rank order, no
header; a blank cell is a rank left blank; with ``counts=True`` the first cell of each
line is the number of ballots cast that way. :func:`read_csv_fast` returns exactly the
:class:`~tellers.counting.profile.Profile` that the reference reader
:func:`tellers.formats.csv_ballots.read_csv_ballots` returns (same candidates in order of
first appearance, same distinct rows in order of first appearance, same counts), and
raises the same errors, because for anything but the plain, regular case it *is* the
reference reader: it checks the bytes first and hands the file over when it meets a
quote, a bare carriage return, a byte-order mark, a cell with surrounding blanks, a line
without any name, a count that is not a plain positive integer, or anything else it
does not handle itself. ``tests/property/test_csv_fast.py`` checks the agreement.

How it is fast (no Python loop per ballot or per cell):

1. The file is read in blocks of whole lines. In each block numpy finds every comma and
   newline; the cells lie between them.
2. Each cell's bytes are loaded as whole 64-bit words through an unaligned view of the
   block (one gather per 8 bytes of the longest name), masked to the cell's length.
   These words *are* the name, so comparing them is comparing the names exactly. A
   64-bit mix of the words finds the candidate in a small sorted table of the names seen
   so far (``searchsorted``), and then the words are compared with that name's words;
   new names (rare: a contest has few candidates) are added in order of first appearance.
3. The candidate numbers are scattered into a small matrix, one row per ballot, and each
   row is packed into one or a few 64-bit keys (a few bits per rank).
4. Identical ballots are merged by sorting the keys (``np.unique``, or for wide rows a
   sort by a 64-bit mix of the keys whose groups are then checked key by key), keeping
   the order of first appearance, as the reference reader's dictionary does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tellers.counting.profile import SKIP, Profile

__all__ = ["read_csv_fast"]

BLOCK = 1 << 25
"""Bytes read at a time (whole lines are processed; the rest waits for the next block)."""

_MAX_NAMES = 65_000
"""More distinct names than this is no plain ballot file; leave it to the reference."""

_NL = 10
_CR = 13
_COMMA = 44
_QUOTE = 34
_SPACE = 32
_TAB = 9

U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_MIX = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
    np.uint64(0xD6E8FEB86659FD93),
)
_MASKS = np.array([(1 << (8 * m)) - 1 for m in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


class _Irregular(Exception):  # noqa: N818 - a signal, not an error shown to anyone
    """The file needs the reference reader."""


def read_csv_fast(
    path: str | Path, *, counts: bool = False, candidates: Sequence[str] | None = None
) -> Profile:
    """Read a plain ballot CSV into a profile, exactly as the reference reader does.

    Args:
        path: the file.
        counts: the first cell of each line is a ballot count.
        candidates: the candidates in the order to number them; any other name is an
            error. Without it, candidates are numbered in order of first appearance.

    Returns:
        The profile: candidates in order of first appearance, distinct ballots in order
        of first appearance, with their counts.

    Raises:
        BallotFileError: as the reference reader raises it (the file is handed to it).
    """
    try:
        return _read(Path(path), counts=counts, candidates=candidates)
    except (_Irregular, OSError):
        from tellers.formats.csv_ballots import read_csv_ballots

        return read_csv_ballots(path, counts=counts, candidates=candidates)


@dataclass(slots=True)
class _Names:
    """The candidate names met so far, with their exact 64-bit words."""

    words: int = 1
    """64-bit words per name (the longest name, rounded up to 8 bytes)."""
    fixed: bool = False
    """The names were given: any other name is the reference reader's error to report."""
    names: list[str] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    keys: U64 = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    """Mixed key of each name, sorted; ``order[i]`` is the name whose key is ``keys[i]``."""
    order: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    table: U64 = field(default_factory=lambda: np.zeros((0, 1), dtype=np.uint64))
    """The words of each name, shape ``(names, words)``."""
    lengths: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def name_words(self, n_words: int) -> U64:
        """The words of every name, shape ``(names, n_words)``."""
        out = np.zeros((len(self.raw), n_words), dtype=np.uint64)
        for i, raw in enumerate(self.raw):
            padded = raw + b"\0" * (8 * n_words - len(raw))
            out[i] = np.frombuffer(padded, dtype="<u8")
        return out


def _mix(words: list[U64], lengths: I64) -> U64:
    """A 64-bit mix of a cell's words and length (for lookup only; equality is exact)."""
    h = lengths.astype(np.uint64) * _MIX[3]
    for k, w in enumerate(words):
        h ^= w * _MIX[k % 3]
        h = (h ^ (h >> np.uint64(29))) * _MIX[3]
    return h


def _cell_words(view: U64, starts: I64, lengths: I64, n_words: int) -> list[U64]:
    out: list[U64] = []
    longest = 8 * n_words
    for k in range(n_words):
        masks = _MASKS[np.clip(np.arange(longest + 1) - 8 * k, 0, 8)]
        at = np.minimum(starts + 8 * k, view.size - 1)  # short cells: masked to 0 anyway
        out.append(view[at] & masks[lengths])
    return out


def _block_cells(
    buf: U8, size: int, names: _Names, counts: bool, has_cr: bool
) -> tuple[npt.NDArray[np.uint16], I64]:
    """Parse ``buf[:size]`` (whole lines) into a symbol matrix and per-line counts.

    Symbols: 0 for a blank rank, ``i + 1`` for candidate ``i``.
    """
    data = buf[:size]
    if size and int(data[0]) == 0xEF:
        raise _Irregular
    is_nl = data == _NL
    seps = np.flatnonzero(is_nl | (data == _COMMA))
    n_cells = seps.size
    starts = np.empty(n_cells, dtype=np.int64)
    starts[0] = 0
    starts[1:] = seps[:-1] + 1
    ends = seps.astype(np.int64)
    sep_nl = is_nl[seps]
    n_cr = int(np.count_nonzero(data == _CR)) if has_cr else 0
    if n_cr:
        at_nl = ends[sep_nl]
        crlf = at_nl[(at_nl > 0)]
        crlf = crlf[data[crlf - 1] == _CR]
        if crlf.size != n_cr:
            raise _Irregular
        ends[np.flatnonzero(sep_nl)[data[at_nl - 1] == _CR]] -= 1
    lengths = ends - starts
    filled = lengths > 0
    first = data[starts[filled]]
    last = data[ends[filled] - 1]
    if np.any((first == _SPACE) | (first == _TAB) | (last == _SPACE) | (last == _TAB)):
        raise _Irregular
    line_last = np.flatnonzero(sep_nl)
    n_lines = line_last.size
    line_first = np.empty(n_lines, dtype=np.int64)
    line_first[0] = 0
    line_first[1:] = line_last[:-1] + 1
    per_line = line_last - line_first + 1
    line_of = np.repeat(np.arange(n_lines, dtype=np.int64), per_line)
    col = np.arange(n_cells, dtype=np.int64) - line_first[line_of]
    line_counts = np.ones(n_lines, dtype=np.int64)
    if counts:
        line_counts = _parse_counts(data, starts[line_first], lengths[line_first])
        name_cell = filled & (col > 0)
        col = col - 1
    else:
        name_cell = filled
    idx = np.flatnonzero(name_cell)
    # Every line must have at least one name (blank lines are the reference's business).
    named_lines = np.zeros(n_lines, dtype=bool)
    named_lines[line_of[idx]] = True
    if not named_lines.all():
        raise _Irregular
    c_starts = starts[idx]
    c_lens = lengths[idx]
    longest = int(c_lens.max())
    n_words = max(names.words, (longest + 7) // 8)
    if n_words != names.words:
        _rekey(names, n_words)
    view: U64 = np.ndarray(
        shape=(max(buf.size - 7, 0),), dtype="<u8", buffer=buf.data, strides=(1,)
    )
    words = _cell_words(view, c_starts, c_lens, n_words)
    keys = _mix(words, c_lens)
    ids = _lookup(keys, names)
    new = ids < 0
    while new.any():
        _add_names(data, keys, c_starts, c_lens, new, names)
        ids = _lookup(keys, names)
        new = ids < 0
    _check_exact(words, c_lens, ids, names, n_words)
    width = int(col[idx].max()) + 1
    symbols = np.zeros((n_lines, width), dtype=np.uint16)
    symbols[line_of[idx], col[idx]] = (ids + 1).astype(np.uint16)
    return symbols, line_counts


def _parse_counts(data: U8, starts: I64, lengths: I64) -> I64:
    """Plain positive integers (no sign, no leading zero) in the first cell of each line."""
    if lengths.size == 0 or int(lengths.min()) < 1 or int(lengths.max()) > 15:
        raise _Irregular
    value = np.zeros(lengths.size, dtype=np.int64)
    for k in range(int(lengths.max())):
        here = lengths > k
        digit = data[starts[here] + k].astype(np.int64) - 48
        if np.any((digit < 0) | (digit > 9)) or (k == 0 and np.any(digit == 0)):
            raise _Irregular
        value[here] = value[here] * 10 + digit
    return value


def _lookup(keys: U64, names: _Names) -> I64:
    if names.keys.size == 0:
        return np.full(keys.size, -1, dtype=np.int64)
    pos = np.searchsorted(names.keys, keys)
    pos = np.minimum(pos, names.keys.size - 1)
    found = names.keys[pos] == keys
    return np.where(found, names.order[pos], -1)


def _add_names(
    data: U8, keys: U64, starts: I64, lengths: I64, new: npt.NDArray[np.bool_], names: _Names
) -> None:
    """Add the names of the cells in ``new``, in order of first appearance."""
    # The first few thousand unmatched cells hold the new names that appear first;
    # the caller looks up again and comes back for any later ones.
    new_idx = np.flatnonzero(new)[:4096]
    _fresh, first = np.unique(keys[new_idx], return_index=True)
    if len(names.names) + first.size > _MAX_NAMES:
        raise _Irregular
    for j in np.sort(new_idx[first]).tolist():
        s = int(starts[j])
        raw = bytes(data[s : s + int(lengths[j])])
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise _Irregular from err
        if name in names.names or names.fixed:
            # a mix collision with a known name, or a name not in the given list
            raise _Irregular
        if name != name.strip() or "=" in name:  # the reference strips; "=" joins names
            raise _Irregular
        names.names.append(name)
        names.raw.append(raw)
    _rekey(names, names.words)


def _rekey(names: _Names, n_words: int) -> None:
    """Recompute the sorted lookup table of the names for cells of ``n_words`` words."""
    names.words = n_words
    table = names.name_words(n_words)
    lengths = np.array([len(r) for r in names.raw], dtype=np.int64)
    keys = _mix([table[:, k] for k in range(n_words)], lengths)
    order = np.argsort(keys, kind="stable").astype(np.int64)
    names.keys = keys[order]
    names.order = order
    names.table = table
    names.lengths = lengths


def _check_exact(words: list[U64], lengths: I64, ids: I64, names: _Names, n_words: int) -> None:
    """Every cell equals, byte for byte, the name it was matched to."""
    if np.any(names.lengths[ids] != lengths):
        raise _Irregular
    for k in range(n_words):
        if np.any(names.table[ids, k] != words[k]):
            raise _Irregular


def _blocks(path: Path, counts: bool, names: _Names) -> tuple[list[npt.NDArray[np.uint16]], I64]:
    matrices: list[npt.NDArray[np.uint16]] = []
    line_counts: list[I64] = []
    carry = b""
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(BLOCK)
            if not chunk:
                break
            chunk = carry + chunk if carry else chunk
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                carry = chunk
                continue
            carry = chunk[cut:]
            _one_block(chunk, cut, counts, names, matrices, line_counts)
    if carry:
        _one_block(carry + b"\n", len(carry) + 1, counts, names, matrices, line_counts)
    if not matrices:
        raise _Irregular
    return matrices, np.concatenate(line_counts)


def _one_block(
    chunk: bytes,
    size: int,
    counts: bool,
    names: _Names,
    matrices: list[npt.NDArray[np.uint16]],
    line_counts: list[I64],
) -> None:
    if chunk.find(b'"', 0, size) >= 0 or chunk.find(b"\0", 0, size) >= 0:
        raise _Irregular
    has_cr = chunk.find(b"\r", 0, size) >= 0
    buf = np.zeros(size + 16, dtype=np.uint8)
    buf[:size] = np.frombuffer(chunk, dtype=np.uint8, count=size)
    symbols, block_counts = _block_cells(buf, size, names, counts, has_cr)
    matrices.append(symbols)
    line_counts.append(block_counts)


def _given(candidates: Sequence[str]) -> _Names:
    names = _Names()
    if len(set(candidates)) != len(candidates):
        raise _Irregular
    for name in candidates:
        if not name or name != name.strip() or "=" in name or "\0" in name:
            raise _Irregular
        try:
            raw = name.encode("utf-8")
        except UnicodeEncodeError as err:
            raise _Irregular from err
        names.names.append(name)
        names.raw.append(raw)
    longest = max((len(r) for r in names.raw), default=0)
    _rekey(names, max(1, (longest + 7) // 8))
    names.fixed = True
    return names


def _read(path: Path, *, counts: bool, candidates: Sequence[str] | None = None) -> Profile:
    names = _Names() if candidates is None else _given(candidates)
    matrices, line_counts = _blocks(path, counts, names)
    n_names = len(names.names)
    bits = max(1, math.ceil(math.log2(n_names + 1)))
    per_word = 64 // bits
    depth = 0
    for m in matrices:
        filled_cols = np.flatnonzero(m.any(axis=0))
        if filled_cols.size:
            depth = max(depth, int(filled_cols[-1]) + 1)
    n_words = max(1, -(-depth // per_word))
    total_lines = sum(m.shape[0] for m in matrices)
    packed = np.zeros((total_lines, n_words), dtype=np.uint64)
    at = 0
    for m in matrices:
        rows = m.shape[0]
        for c in range(min(depth, m.shape[1])):
            w, k = divmod(c, per_word)
            packed[at : at + rows, w] |= m[:, c].astype(np.uint64) << np.uint64(bits * k)
        at += rows
    del matrices
    order, starts = _group(packed)
    first_of_group = order[starts]
    sums = (
        np.add.reduceat(line_counts[order], starts)
        if counts
        else np.diff(np.append(starts, total_lines))
    )
    by_first = np.argsort(first_of_group, kind="stable")
    reps = packed[first_of_group[by_first]]
    ranks = np.empty((reps.shape[0], depth), dtype=np.int32)
    mask = np.uint64((1 << bits) - 1)
    for c in range(depth):
        w, k = divmod(c, per_word)
        ranks[:, c] = ((reps[:, w] >> np.uint64(bits * k)) & mask).astype(np.int32) - 1
    assert SKIP == -1
    return Profile(
        candidates=tuple(names.names),
        ranks=ranks,
        counts=np.asarray(sums, dtype=np.int64)[by_first],
    )


def _group(packed: U64) -> tuple[I64, I64]:
    """Sort rows (stably) so equal rows are adjacent; return the order and group starts."""
    n = packed.shape[0]
    if packed.shape[1] == 1:
        key = packed[:, 0]
    else:
        key = _mix([packed[:, w] for w in range(packed.shape[1])], np.zeros(n, dtype=np.int64))
    order = np.argsort(key, kind="stable").astype(np.int64)
    sorted_key = key[order]
    boundary = np.empty(n, dtype=bool)
    boundary[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=boundary[1:])
    if packed.shape[1] > 1:
        # Equal mixes must be equal rows; otherwise fall back to an exact row sort.
        group_first = order[np.maximum.accumulate(np.where(boundary, np.arange(n), 0))]
        if np.any(packed[order] != packed[group_first]):
            void = (
                np.ascontiguousarray(packed)
                .view(np.dtype((np.void, packed.dtype.itemsize * packed.shape[1])))
                .ravel()
            )
            order = np.argsort(void, kind="stable").astype(np.int64)
            sorted_void = void[order]
            boundary[1:] = sorted_void[1:] != sorted_void[:-1]
    return order, np.flatnonzero(boundary).astype(np.int64)
