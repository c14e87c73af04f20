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

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tellers.counting.profile import Profile
from tellers.formats.csv_safe import restore

__all__ = ["read_csv_fast"]

BLOCK = 1 << 23
"""Bytes read at a time (whole lines are processed; the rest waits for the next block)."""

_MAX_NAMES = 4096
"""More distinct names than this is no plain ballot file; leave it to the reference."""

_NL = 10
_CR = 13
_COMMA = 44

U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]

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
    """The candidate names met so far, and a perfect hash table over their words."""

    words: int = 1
    """64-bit words per name (the longest name, rounded up to 8 bytes)."""
    fixed: bool = False
    """The names were given: any other name is the reference reader's error to report."""
    names: list[str] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    shift: np.uint64 = np.uint64(63)
    multiplier: np.uint64 = _MIX[0]
    slot_ids: I64 = field(default_factory=lambda: np.full(2, -1, dtype=np.int64))
    """Name index per slot, -1 for an empty slot."""
    slot_words: tuple[U64, ...] = (np.zeros(2, dtype=np.uint64),)
    """The words of the name in each slot (zeros for an empty one), one array per word."""
    scratch: npt.NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, dtype=bool))
    """Work space for the byte masks of a block, kept between blocks."""

    def name_words(self, n_words: int) -> U64:
        """The words of every name, shape ``(names, n_words)``."""
        out = np.zeros((len(self.raw), n_words), dtype=np.uint64)
        for i, raw in enumerate(self.raw):
            padded = raw + b"\0" * (8 * n_words - len(raw))
            out[i] = np.frombuffer(padded, dtype="<u8")
        return out


def _mix(words: list[U64]) -> U64:
    """A 64-bit mix of several words (for lookup and grouping only; equality is exact)."""
    h = words[0] * _MIX[3]
    for k, w in enumerate(words[1:]):
        h ^= w * _MIX[k % 3]
        h = (h ^ (h >> np.uint64(29))) * _MIX[3]
    return h


def _key(words: list[U64]) -> U64:
    """The lookup key of cells: the word itself for names of up to 8 bytes.

    A cell holds no NUL byte (such files go to the reference reader), so its masked
    words determine it; one word needs no mixing. Longer names: the words multiplied by
    odd constants and xor-ed, which the multiply-shift table lookup then spreads (two
    names with one key are left to the reference reader by :func:`_rekey`).
    """
    if len(words) == 1:
        return words[0]
    key = words[0] * _MIX[0]
    for k, w in enumerate(words[1:], start=1):
        key ^= w * _MIX[k % 4]
    return key


def _cell_words(view: U64, starts: I32, lengths: I32, n_words: int) -> list[U64]:
    out: list[U64] = []
    longest = 8 * n_words
    for k in range(n_words):
        masks = _MASKS[np.clip(np.arange(longest + 1) - 8 * k, 0, 8)]
        # Cells shorter than 8 * k would read past the block: clamp (masked to 0 anyway).
        at = starts if k == 0 else np.minimum(starts + 8 * k, view.size - 1)
        out.append(view[at] & masks[lengths])
    return out


@dataclass(frozen=True, slots=True)
class _Block:
    """The distinct ballots of one block, packed ``bits`` bits a rank.

    ``first`` is the line (in the whole file) where each first appears, ``counts`` how
    many ballots each stands for.
    """

    packed: U64
    bits: int
    first: I64
    counts: I64


def _pack_cells(
    ids: I64, line: I32, col: I32, n_lines: int, bits: int, line_starts: I32 | None
) -> U64:
    """Pack each line's names into 64-bit words: symbol ``id + 1`` at ``bits * col``.

    A word holds ``64 // bits`` ranks; blank ranks are 0. Cells come line by line and
    rank by rank, so the cells of one word are contiguous and are or-ed together.
    ``line_starts``, when given, is where each line's cells start (every line has one).
    """
    per_word = 64 // bits
    n_words = int(col.max()) // per_word + 1
    contrib = ids.astype(np.uint64)
    contrib += np.uint64(1)
    if n_words == 1:
        shift = col.astype(np.uint64)
        shift *= np.uint64(bits)
        contrib <<= shift
        if line_starts is not None:
            one: U64 = np.bitwise_or.reduceat(contrib, line_starts)
            return one.reshape(n_lines, 1)
        word = np.zeros(1, dtype=np.int32)
    else:
        word = col // per_word
        contrib <<= ((col - word * per_word) * bits).astype(np.uint64)
    target = line.astype(np.int64)
    if n_words > 1:
        target *= n_words
        target += word
    starts = np.flatnonzero(target[1:] != target[:-1])
    starts += 1
    starts = np.concatenate([np.zeros(1, dtype=np.int64), starts])
    packed = np.zeros(n_lines * n_words, dtype=np.uint64)
    packed[target[starts]] = np.bitwise_or.reduceat(contrib, starts)
    return packed.reshape(n_lines, n_words)


def _unpack(packed: U64, bits: int, depth: int) -> I32:
    """The rank matrix (``candidate index``, or -1 for a blank) of packed rows."""
    per_word = 64 // bits
    n = packed.shape[0]
    mask = np.uint64((1 << bits) - 1)
    columns = np.empty((depth, n), dtype=np.int32)  # rank by rank: contiguous writes
    word = np.empty(n, dtype=np.uint64)
    part = np.empty(n, dtype=np.uint64)
    for w in range(-(-depth // per_word)):
        np.copyto(word, packed[:, w])
        for k in range(min(per_word, depth - w * per_word)):
            np.right_shift(word, np.uint64(bits * k), out=part)
            np.bitwise_and(part, mask, out=part)
            np.subtract(part, 1, out=columns[w * per_word + k], casting="unsafe")
    # Rank by rank in memory (Fortran order): the IRV kernel reads it in place, and a
    # transposed copy of a large profile would cost as much again.
    return columns.T


def _pack(ranks: I32, bits: int) -> U64:
    """Pack a rank matrix (as from :func:`_unpack`) ``bits`` bits a rank."""
    per_word = 64 // bits
    n, depth = ranks.shape
    n_words = max(1, -(-depth // per_word))
    wide = np.zeros((n, n_words * per_word), dtype=np.uint64)
    wide[:, :depth] = ranks + 1
    shaped = wide.reshape(n, n_words, per_word)
    shaped <<= (np.arange(per_word, dtype=np.uint64) * np.uint64(bits))[None, None, :]
    packed: U64 = np.bitwise_or.reduce(shaped, axis=2)
    return packed


def _block_cells(
    buf: U8, size: int, names: _Names, counts: bool, has_cr: bool, line_offset: int
) -> _Block:
    """Parse ``buf[:size]`` (whole lines) into packed ballots and per-line counts."""
    data = buf[:size]
    bom = line_offset == 0 and bytes(data[:3]) == b"\xef\xbb\xbf"
    if size >= 2**31 - 16 or bom:
        raise _Irregular
    scratch = names.scratch
    if scratch.size < 2 * size:
        scratch = names.scratch = np.empty(2 * size, dtype=bool)
    is_nl, is_sep = scratch[:size], scratch[size : 2 * size]  # reused from block to block
    np.equal(data, _NL, out=is_nl)
    np.equal(data, _COMMA, out=is_sep)
    is_sep |= is_nl
    seps = np.flatnonzero(is_sep).astype(np.int32)
    n_cells = seps.size
    starts = np.empty(n_cells, dtype=np.int32)
    starts[0] = 0
    np.add(seps[:-1], 1, out=starts[1:])
    ends = seps
    sep_nl = is_nl[seps]
    n_cr = int(np.count_nonzero(data == _CR)) if has_cr else 0
    if n_cr:
        ends = seps.copy()
        nl_cells = np.flatnonzero(sep_nl)
        at_nl = ends[nl_cells]
        before = at_nl > starts[nl_cells]
        crlf = nl_cells[before][data[at_nl[before] - 1] == _CR]
        if crlf.size != n_cr:
            raise _Irregular
        ends[crlf] -= 1
    lengths = ends - starts
    line_last = np.flatnonzero(sep_nl).astype(np.int32)
    n_lines = line_last.size
    line_first = np.empty(n_lines, dtype=np.int32)
    line_first[0] = 0
    np.add(line_last[:-1], 1, out=line_first[1:])
    line_of = np.cumsum(sep_nl, dtype=np.int32)
    line_of -= sep_nl
    col = np.arange(n_cells, dtype=np.int32)
    col -= line_first[line_of]
    line_counts = np.ones(0, dtype=np.int64)
    if counts:
        line_counts = _parse_counts(data, starts[line_first], lengths[line_first])
        col -= 1
        name_cell = lengths > 0
        name_cell[line_first] = False
    else:
        name_cell = lengths > 0
    every_cell_named = bool(name_cell.all())
    if every_cell_named:  # then every line has a name, and its first cell starts it
        c_starts, c_lens, c_line, c_col = starts, lengths, line_of, col
        line_starts: I32 | None = line_first
    else:
        idx = np.flatnonzero(name_cell)
        c_starts, c_lens, c_line, c_col = starts[idx], lengths[idx], line_of[idx], col[idx]
        line_starts = None
        # Every line must have a name (blank lines are the reference's business).
        if c_line.size == 0 or np.count_nonzero(np.diff(c_line)) != n_lines - 1:
            raise _Irregular
    longest = int(c_lens.max())
    n_words = max(names.words, (longest + 7) // 8)
    if n_words != names.words:
        _rekey(names, n_words)
    view: U64 = np.ndarray(
        shape=(max(buf.size - 7, 0),), dtype="<u8", buffer=buf.data, strides=(1,)
    )
    words = _cell_words(view, c_starts, c_lens, n_words)
    keys = _key(words)
    ids = _lookup(words, keys, names)
    new = ids < 0
    while new.any():
        _add_names(data, keys, c_starts, c_lens, new, names)
        ids = _lookup(words, keys, names)
        new = ids < 0
    bits = len(names.raw).bit_length()
    packed = _pack_cells(ids, c_line, c_col, n_lines, bits, line_starts)
    order, group_starts = _group(packed)
    first = np.minimum.reduceat(order, group_starts)
    if counts:
        sums = np.add.reduceat(line_counts[order], group_starts)
    else:
        sums = np.diff(np.append(group_starts, n_lines))
    return _Block(
        packed=np.take(packed, first, axis=0),
        bits=bits,
        first=first + line_offset,
        counts=sums.astype(np.int64),
    )


def _parse_counts(data: U8, starts: I32, lengths: I32) -> I64:
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


def _lookup(words: list[U64], keys: U64, names: _Names) -> I64:
    """The name of each cell, by its exact words; -1 for a name not met yet."""
    slot = (keys * names.multiplier) >> names.shift
    ids: I64 = np.take(names.slot_ids, slot)
    wrong = np.take(names.slot_words[0], slot) != words[0]
    for column, w in zip(names.slot_words[1:], words[1:], strict=True):
        wrong |= np.take(column, slot) != w
    if wrong.any():
        ids[wrong] = -1
    return ids


def _add_names(
    data: U8, keys: U64, starts: I32, lengths: I32, new: npt.NDArray[np.bool_], names: _Names
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
        if name != name.strip() or "=" in name or restore(name) != name:
            # the reference strips blanks, splits at "=", and takes the apostrophe off a
            # neutralised formula cell (tellers.formats.csv_safe)
            raise _Irregular
        names.names.append(name)
        names.raw.append(raw)
    _rekey(names, names.words)


_MULTIPLIERS = tuple(
    np.uint64((0x9E3779B97F4A7C15 * (2 * i + 1) + 0x632BE59BD9B4E019 * i) % 2**64 | 1)
    for i in range(32)
)


def _rekey(names: _Names, n_words: int) -> None:
    """Rebuild the hash table of the names for cells of ``n_words`` words.

    Multiply-shift hashing into a table of about the square of the number of names, with
    the first of a fixed list of multipliers that puts every name in a slot of its own.
    """
    names.words = n_words
    table = names.name_words(n_words)
    keys = _key([table[:, k] for k in range(n_words)])
    size = max(len(names.raw), 1)
    bits = max(4, min((size * size).bit_length(), size.bit_length() + 6))
    while True:
        shift = np.uint64(64 - bits)
        for multiplier in _MULTIPLIERS:
            slot = (keys * multiplier) >> shift
            if np.unique(slot).size == slot.size:
                names.shift, names.multiplier = shift, multiplier
                names.slot_ids = np.full(1 << bits, -1, dtype=np.int64)
                names.slot_ids[slot] = np.arange(slot.size, dtype=np.int64)
                columns = np.zeros((n_words, 1 << bits), dtype=np.uint64)
                columns[:, slot] = table.T
                names.slot_words = tuple(columns)
                return
        bits += 1


def _blocks(path: Path, counts: bool, names: _Names) -> list[_Block]:
    """Read the file in blocks of whole lines into one reused buffer; parse each."""
    blocks: list[_Block] = []
    buf = np.zeros(BLOCK + 16, dtype=np.uint8)
    held = 0  # bytes of an unfinished line kept at the start of the buffer
    lines = 0
    with path.open("rb") as fh:
        while True:
            if held + 16 >= buf.size - 16:  # a line longer than the buffer: grow it
                bigger = np.zeros(2 * buf.size, dtype=np.uint8)
                bigger[:held] = buf[:held]
                buf = bigger
            got = fh.readinto(buf.data[held : buf.size - 16])
            end = held + (got or 0)
            if not got:
                if held:  # a last line without a line end
                    buf[held] = _NL
                    buf[held + 1 : held + 17] = 0
                    lines = _one_block(buf, held + 1, counts, names, blocks, lines)
                break
            cut = bytes(buf[max(held, end - 65536) : end]).rfind(b"\n")
            if cut < 0:
                cut = bytes(buf[:end]).rfind(b"\n")
                if cut < 0:
                    held = end
                    continue
            else:
                cut += max(held, end - 65536)
            size = cut + 1
            tail = buf[size:end].copy()
            buf[size : size + 16] = 0
            lines = _one_block(buf, size, counts, names, blocks, lines)
            held = end - size
            buf[:held] = tail
    if not blocks:
        raise _Irregular
    return blocks


def _one_block(
    buf: U8, size: int, counts: bool, names: _Names, blocks: list[_Block], lines: int
) -> int:
    """Parse the whole lines in ``buf[:size]``; return the number of lines read so far."""
    raw = buf[:size].tobytes()  # bytes' searches run at memchr speed
    if raw.find(b'"') >= 0 or raw.find(b"\0") >= 0:
        raise _Irregular
    blocks.append(_block_cells(buf, size, names, counts, raw.find(b"\r") >= 0, lines))
    return lines + raw.count(b"\n")


def _given(candidates: Sequence[str]) -> _Names:
    names = _Names()
    if len(set(candidates)) != len(candidates):
        raise _Irregular
    for name in candidates:
        if not name or name != name.strip() or "=" in name or "\0" in name:
            raise _Irregular
        if restore(name) != name:  # a cell spelt like it names another candidate
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
    blocks = _blocks(path, counts, names)
    bits = max(1, len(names.names).bit_length())
    per_word = 64 // bits
    # Blocks read before the last new name may use fewer bits a rank: repack those.
    parts: list[U64] = []
    depth = 0
    for block in blocks:
        packed = block.packed
        if block.bits != bits:
            per = 64 // block.bits
            packed = _pack(_unpack(packed, block.bits, packed.shape[1] * per), bits)
        used = np.flatnonzero(packed.any(axis=0))
        if used.size:
            top = int(packed[:, int(used[-1])].max()).bit_length()
            depth = max(depth, int(used[-1]) * per_word + -(-top // bits))
        parts.append(packed)
    n_words = max(1, -(-depth // per_word))
    packed = np.zeros((sum(p.shape[0] for p in parts), n_words), dtype=np.uint64)
    at = 0
    for part in parts:
        width = min(n_words, part.shape[1])
        packed[at : at + part.shape[0], :width] = part[:, :width]
        at += part.shape[0]
    first = np.concatenate([b.first for b in blocks])
    weights = np.concatenate([b.counts for b in blocks])
    del parts, blocks
    # Merge the blocks' distinct ballots: a ballot first appears where its earliest
    # block first saw it, and counts what every block counted.
    order, starts = _group(packed)
    first_of_group = np.minimum.reduceat(first[order], starts)
    sums = np.add.reduceat(weights[order], starts)
    rep = np.minimum.reduceat(order, starts)  # any member: the rows are equal
    by_first = np.argsort(first_of_group)
    ranks = _unpack(np.take(packed, rep[by_first], axis=0), bits, depth)
    return Profile(
        candidates=tuple(names.names),
        ranks=ranks,
        counts=np.asarray(sums[by_first], dtype=np.int64),
    )


def _group(packed: U64) -> tuple[I64, I64]:
    """An order of the rows that makes equal rows adjacent, and where each group starts.

    One word per row: sort the words. Several: sort by a 64-bit mix of the words, then
    check that rows with equal mixes are equal, word for word; if any are not (a
    collision of the mix), sort the rows themselves instead.
    """
    n = packed.shape[0]
    if packed.shape[1] == 1:
        key = packed[:, 0]
    else:
        key = _mix([packed[:, w] for w in range(packed.shape[1])])
    order = np.argsort(key).astype(np.int64)
    sorted_key = key[order]
    boundary = np.empty(n, dtype=bool)
    boundary[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=boundary[1:])
    if packed.shape[1] > 1:
        rows = np.take(packed, order, axis=0)
        same = np.all(rows[1:] == rows[:-1], axis=1)
        if np.any(~boundary[1:] & ~same):
            void = (
                np.ascontiguousarray(packed)
                .view(np.dtype((np.void, packed.dtype.itemsize * packed.shape[1])))
                .ravel()
            )
            order = np.argsort(void, kind="stable").astype(np.int64)
            sorted_void = void[order]
            boundary[1:] = sorted_void[1:] != sorted_void[:-1]
    return order, np.flatnonzero(boundary).astype(np.int64)
