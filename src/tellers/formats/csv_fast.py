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

1. The file is read in blocks of whole lines into one reused buffer. In each block numpy
   finds every comma and newline; the cells lie between them.
2. Each cell's bytes are loaded as whole 64-bit words through an unaligned view of the
   block (one gather per 8 bytes of the longest name), masked to the cell's length.
   These words *are* the name, so comparing them is comparing the names exactly. A
   multiply-shift perfect hash of the first word (or of a mix of the words, when two
   names share their first eight bytes) finds the candidate in a small table, and then
   the words are compared with that name's words; new names (rare: a contest has few
   candidates) are added in order of first appearance.
3. Each ballot becomes one row of a small byte matrix: the symbol ``candidate + 1`` of
   its rank ``r`` in column ``r`` (two bytes a rank past 255 names), 0 for a blank, so
   a row read as 64-bit words is an exact key of the ballot.
4. Identical ballots are merged by one sort of 64-bit numbers, each the high bits of a
   hash of the row above the row's own index in its low bits (a plain ``np.sort``, much
   faster than an ``argsort``), so equal rows come together in order of first
   appearance; then neighbouring rows are compared word by word, and the rare rows
   that share a hash without being equal are sorted exactly. This is done within each
   block and then across blocks, keeping the order of first appearance, as the
   reference reader's dictionary does.
5. The distinct rows, read back as bytes, are the profile's rank matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tellers.counting.profile import Profile
from tellers.formats.csv_safe import restore

__all__ = ["read_csv_fast"]

BLOCK = 1 << 20
"""Bytes read at a time (whole lines are processed; the rest waits for the next block).

Small enough that a block's work arrays stay in the processor's cache, large enough that
numpy's per-call overhead does not matter.
"""

_MAX_NAMES = 4096
"""More distinct names than this is no plain ballot file; leave it to the reference."""

_MAX_SPLIT_GROUPS = 64
"""Hash groups holding unequal rows that are sorted one by one; beyond that, all rows."""

_NL = 10
_CR = 13
_COMMA = 44

U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
Symbols = npt.NDArray[np.unsignedinteger[Any]]
"""Symbols (name index + 1, 0 for none): ``uint8``, or ``uint16`` past 255 names."""

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
    by_first_word: bool = True
    """The names' first words differ, so the first word alone is the lookup key."""
    shift: np.uint64 = np.uint64(63)
    multiplier: np.uint64 = _MIX[0]
    slot_symbols: Symbols = field(default_factory=lambda: np.zeros(2, dtype=np.uint8))
    """Symbol (name index + 1) per slot, 0 for an empty slot."""
    slot_words: U64 = field(default_factory=lambda: np.zeros((2, 1), dtype=np.uint64))
    """The words of the name in each slot (zeros for an empty one), a row a slot."""
    scratch: npt.NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, dtype=bool))
    """Work space for the byte masks of a block, kept between blocks."""

    def name_words(self, n_words: int) -> U64:
        """The words of every name, shape ``(names, n_words)``."""
        out = np.zeros((len(self.raw), n_words), dtype=np.uint64)
        for i, raw in enumerate(self.raw):
            padded = raw + b"\0" * (8 * n_words - len(raw))
            out[i] = np.frombuffer(padded, dtype="<u8")
        return out


def _symbol_type(n_names: int) -> type[np.uint8] | type[np.uint16]:
    """One byte a rank while symbols (name index + 1) fit in it, else two."""
    return np.uint8 if n_names < 256 else np.uint16


def _mix(words: list[U64]) -> U64:
    """A 64-bit hash of several words (for lookup and grouping only; equality is exact).

    A sum of the words times odd constants, then one shift-xor and multiply so that the
    high bits (those :func:`_group` keeps) depend on every bit.
    """
    h = words[0] * _MIX[3]
    for k, w in enumerate(words[1:]):
        h += w * _MIX[k % 3]
    h ^= h >> np.uint64(29)
    h *= _MIX[3]
    return h


def _key(words: U64, by_first_word: bool) -> U64:
    """The lookup key of cells (rows of ``words``): the first word, or a mix of them all.

    A cell holds no NUL byte (such files go to the reference reader), so its masked
    words determine it. When the known names differ in their first eight bytes, the first
    word finds the only name the cell can be (and the other words are then compared).
    Otherwise: the words multiplied by odd constants and xor-ed, which the multiply-shift
    table lookup then spreads (two names with one key are left to the reference reader
    by :func:`_rekey`).
    """
    if by_first_word or words.shape[1] == 1:
        first: U64 = words[:, 0]
        return first
    key = words[:, 0] * _MIX[0]
    for k in range(1, words.shape[1]):
        key ^= words[:, k] * _MIX[k % 4]
    return key


def _cell_words(buf: U8, starts: I64, lengths: I64, n_words: int) -> U64:
    """Each cell's bytes as a row of ``n_words`` little-endian words, zero past its end.

    The words are read two at a time, as 16-byte items of an unaligned view of the block
    (one gather instead of two). The block has 16 spare bytes after its last line end.
    """
    n = starts.size
    pairs: npt.NDArray[np.void] = np.ndarray(
        shape=(max(buf.size - 15, 0),), dtype="V16", buffer=buf.data, strides=(1,)
    )
    if n_words <= 2:
        words: U64 = pairs[starts].view("<u8").reshape(n, 2)[:, :n_words]
    else:
        words = np.empty((n, n_words + 1), dtype=np.uint64)
        last = int(starts[-1])
        for k in range(0, n_words, 2):
            at = starts
            if k:
                at = starts + 8 * k
                if last + 8 * k >= pairs.size:
                    # A cell shorter than 8 * k would read past the block: clamp (masked).
                    np.minimum(at, pairs.size - 1, out=at)
            words[:, k : k + 2] = pairs[at].view("<u8").reshape(n, 2)
        words = words[:, :n_words]
    masks = _MASKS[np.clip(np.arange(8 * n_words + 1)[:, None] - 8 * np.arange(n_words), 0, 8)]
    words &= masks.take(lengths, axis=0)  # take(): several times faster than masks[lengths]
    return words


@dataclass(frozen=True, slots=True)
class _Block:
    """The distinct ballots of one block, in order of first appearance in the block.

    ``rows`` holds one ballot a row as 64-bit words over its symbols (one byte a rank,
    or two: ``symbol_bytes``); ``counts`` says how many ballots each stands for;
    ``lines`` is the number of lines in the block.
    """

    rows: U64
    symbol_bytes: int
    counts: I64
    lines: int


def _unpack(rows: U64, symbol_bytes: int) -> I32:
    """The rank matrix (``candidate index``, or -1 for a blank) of distinct rows."""
    n, n_words = rows.shape
    symbols = np.ascontiguousarray(rows).view(np.uint8 if symbol_bytes == 1 else np.uint16)
    symbols = symbols.reshape(n, n_words * 8 // symbol_bytes)
    used = np.flatnonzero(symbols.any(axis=0))
    depth = int(used[-1]) + 1 if used.size else 1
    # Rank by rank in memory (Fortran order): the IRV kernel reads it in place, and a
    # transposed copy of a large profile would cost as much again.
    columns = np.empty((depth, n), dtype=np.int32)
    np.subtract(symbols[:, :depth].T, 1, out=columns, dtype=np.int32)
    return columns.T


def _widen(rows: U64) -> U64:
    """Rows of one-byte symbols as rows of two-byte symbols."""
    n, n_words = rows.shape
    wide = np.ascontiguousarray(rows).view(np.uint8).reshape(n, 8 * n_words).astype(np.uint16)
    out: U64 = wide.view(np.uint64).reshape(n, 2 * n_words)
    return out


def _block_cells(
    buf: U8, size: int, names: _Names, counts: bool, has_cr: bool, line_offset: int
) -> _Block:
    """Parse ``buf[:size]`` (whole lines) into its distinct ballots and their counts."""
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
    seps = np.flatnonzero(is_sep)
    n_cells = seps.size
    starts = np.empty(n_cells, dtype=np.int64)
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
    line_last = np.flatnonzero(sep_nl)
    n_lines = line_last.size
    line_first = np.empty(n_lines, dtype=np.int64)
    line_first[0] = 0
    np.add(line_last[:-1], 1, out=line_first[1:])
    line_counts = np.ones(0, dtype=np.int64)
    plain = not counts and int(lengths.min()) > 0  # every cell holds a name
    if plain:
        c_starts, c_lens = starts, lengths
    else:
        line_of = np.cumsum(sep_nl, dtype=np.int64)
        line_of -= sep_nl
        name_cell = lengths > 0
        if counts:
            line_counts = _parse_counts(data, starts[line_first], lengths[line_first])
            name_cell[line_first] = False
        cells = np.flatnonzero(name_cell)
        c_starts, c_lens, c_line = starts[cells], lengths[cells], line_of[cells]
        # Every line must have a name (blank lines are the reference's business).
        if c_line.size == 0 or np.count_nonzero(np.diff(c_line)) != n_lines - 1:
            raise _Irregular
        c_col = cells - line_first[c_line]
        if counts:
            c_col -= 1
    longest = int(c_lens.max())
    n_words = max(names.words, (longest + 7) // 8)
    if n_words != names.words:
        _rekey(names, n_words)
    words = _cell_words(buf, c_starts, c_lens, n_words)
    symbols = _lookup(words, names)
    new = symbols == 0
    while new.any():
        _add_names(data, words, c_starts, c_lens, new, names)
        symbols = _lookup(words, names)
        new = symbols == 0
    # One row of symbols a ballot, as whole 64-bit words.
    per_word = 8 // symbols.itemsize
    if plain:
        line_len = line_last - line_first
        line_len += 1
        width = int(line_len.max())
    else:
        width = int(c_col.max()) + 1
    row_words = -(-width // per_word)
    stride = row_words * per_word
    if plain:
        offset = np.arange(0, n_lines * stride, stride, dtype=np.int64)
        offset -= line_first
        target = np.repeat(offset, line_len)
        target += np.arange(n_cells, dtype=np.int64)
    else:
        target = c_line * stride
        target += c_col
    table = np.zeros(n_lines * stride, dtype=symbols.dtype)
    table[target] = symbols
    packed: U64 = table.view(np.uint64).reshape(n_lines, row_words)
    order, group_starts = _group(packed)
    first = order[group_starts]  # each group lists its rows in ascending order
    if counts:
        sums = np.add.reduceat(line_counts[order], group_starts)
    else:
        sums = np.diff(np.append(group_starts, n_lines))
    by_first = _order_of(first)
    return _Block(
        rows=np.take(packed, first[by_first], axis=0),
        symbol_bytes=symbols.itemsize,
        counts=sums[by_first].astype(np.int64),
        lines=n_lines,
    )


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


def _lookup(words: U64, names: _Names) -> Symbols:
    """The symbol (name index + 1) of each cell, by its exact words; 0 for a new name."""
    slot = _key(words, names.by_first_word) * names.multiplier
    slot >>= names.shift
    index = slot.view(np.int64)  # below 2**63: take() needs no conversion
    symbols: Symbols = np.take(names.slot_symbols, index)
    differ = np.take(names.slot_words, index, axis=0)
    differ ^= words
    wrong = differ[:, 0] != 0
    for k in range(1, words.shape[1]):
        wrong |= differ[:, k] != 0
    if wrong.any():
        symbols[wrong] = 0
    return symbols


def _add_names(
    data: U8,
    words: U64,
    starts: I64,
    lengths: I64,
    new: npt.NDArray[np.bool_],
    names: _Names,
) -> None:
    """Add the names of the cells in ``new``, in order of first appearance."""
    # The first few thousand unmatched cells hold the new names that appear first;
    # the caller looks up again and comes back for any later ones. Distinct names are
    # told apart by their exact words (keys may be shared).
    new_idx = np.flatnonzero(new)[:4096]
    first: dict[tuple[int, ...], int] = {}
    for j, cell in zip(new_idx.tolist(), words[new_idx].tolist(), strict=True):
        first.setdefault(tuple(cell), j)
    if len(names.names) + len(first) > _MAX_NAMES:
        raise _Irregular
    for j in first.values():  # in order of first appearance
        s = int(starts[j])
        raw = bytes(data[s : s + int(lengths[j])])
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise _Irregular from err
        if name in names.names or names.fixed:
            # a lookup that missed a known name, or a name not in the given list
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
    Two names with the same key (a collision of the mix) go to the reference reader.
    """
    names.words = n_words
    table = names.name_words(n_words)
    # (sets, not np.unique, which imports numpy.ma: a noticeable part of a short run)
    names.by_first_word = len(set(table[:, 0].tolist())) == len(names.raw)
    keys = _key(table, names.by_first_word)
    if len(set(keys.tolist())) != keys.size:
        raise _Irregular
    size = max(len(names.raw), 1)
    bits = max(4, min((size * size).bit_length(), size.bit_length() + 6))
    while bits <= 30:
        shift = np.uint64(64 - bits)
        for multiplier in _MULTIPLIERS:
            slot = (keys * multiplier) >> shift
            if len(set(slot.tolist())) == slot.size:
                names.shift, names.multiplier = shift, multiplier
                names.slot_symbols = np.zeros(1 << bits, dtype=_symbol_type(len(names.raw)))
                names.slot_symbols[slot] = np.arange(1, slot.size + 1)
                names.slot_words = np.zeros((1 << bits, n_words), dtype=np.uint64)
                names.slot_words[slot] = table
                return
        bits += 1
    raise _Irregular


def _blocks(path: Path, counts: bool, names: _Names) -> list[_Block]:
    """Read the file in blocks of whole lines into one reused buffer; parse each."""
    blocks: list[_Block] = []
    raw = bytearray(BLOCK + 16)  # bytearray: its searches run at memchr speed, in place
    buf = np.frombuffer(raw, dtype=np.uint8)
    held = 0  # bytes of an unfinished line kept at the start of the buffer
    lines = 0
    with path.open("rb", buffering=0) as fh:  # into our buffer, not through another
        while True:
            if held + 16 >= buf.size - 16:  # a line longer than the buffer: grow it
                bigger = bytearray(2 * buf.size)
                bigger[:held] = raw[:held]
                raw, buf = bigger, np.frombuffer(bigger, dtype=np.uint8)
            got = fh.readinto(memoryview(raw)[held : buf.size - 16])
            end = held + (got or 0)
            if not got:
                if held:  # a last line without a line end
                    raw[held] = _NL
                    raw[held + 1 : held + 17] = bytes(16)
                    lines = _one_block(raw, buf, held + 1, counts, names, blocks, lines)
                break
            cut = raw.rfind(b"\n", held, end)  # the unfinished line held has none
            if cut < 0:
                held = end
                continue
            size = cut + 1
            tail = raw[size:end]
            raw[size : size + 16] = bytes(16)
            lines = _one_block(raw, buf, size, counts, names, blocks, lines)
            held = end - size
            raw[:held] = tail
    if not blocks:
        raise _Irregular
    return blocks


def _one_block(
    raw: bytearray,
    buf: U8,
    size: int,
    counts: bool,
    names: _Names,
    blocks: list[_Block],
    lines: int,
) -> int:
    """Parse the whole lines in ``buf[:size]``; return the number of lines read so far."""
    if raw.find(b'"', 0, size) >= 0 or raw.find(b"\0", 0, size) >= 0:
        raise _Irregular
    block = _block_cells(buf, size, names, counts, raw.find(b"\r", 0, size) >= 0, lines)
    blocks.append(block)
    return lines + block.lines


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
    symbol_bytes = max(block.symbol_bytes for block in blocks)
    parts = [
        block.rows if block.symbol_bytes == symbol_bytes else _widen(block.rows) for block in blocks
    ]
    if len(parts) == 1:
        rows, weights = parts[0], blocks[0].counts
    else:
        n_words = max(part.shape[1] for part in parts)
        packed = np.zeros((sum(part.shape[0] for part in parts), n_words), dtype=np.uint64)
        at = 0
        for part in parts:
            packed[at : at + part.shape[0], : part.shape[1]] = part
            at += part.shape[0]
        weights = np.concatenate([block.counts for block in blocks])
        del parts, blocks
        # Merge the blocks' distinct ballots. Blocks come in file order and each lists
        # its ballots in order of first appearance, so a ballot's earliest row is where
        # it first appears in the file, and it counts what every block counted.
        order, starts = _group(packed)
        earliest = order[starts]
        sums = np.add.reduceat(weights[order], starts)
        by_first = _order_of(earliest)
        rows, weights = np.take(packed, earliest[by_first], axis=0), sums[by_first]
    return Profile(
        candidates=tuple(names.names),
        ranks=_unpack(rows, symbol_bytes),
        counts=np.asarray(weights, dtype=np.int64),
    )


def _order_of(values: I64) -> I64:
    """The permutation that sorts distinct non-negative integers (as ``argsort``).

    Sorts each value with its position in the low bits: one ``np.sort`` of 64-bit
    numbers, several times faster than an ``argsort``.
    """
    n = values.size
    bits = max(1, (n - 1).bit_length())
    if n == 0 or int(values.max()) >= 1 << (63 - bits):
        return np.argsort(values).astype(np.int64)
    key = values.astype(np.uint64)
    key <<= np.uint64(bits)
    key |= np.arange(n, dtype=np.uint64)
    key.sort()
    key &= np.uint64((1 << bits) - 1)
    out: I64 = key.view(np.int64)
    return out


def _row_hash(packed: U64) -> U64:
    """A 64-bit hash of each row (a new array); :func:`_group` keeps its high bits."""
    if packed.shape[1] == 1:
        key: U64 = packed[:, 0] * _MIX[3]
        return key
    return _mix([packed[:, w] for w in range(packed.shape[1])])


def _group(packed: U64) -> tuple[I64, I64]:
    """An order of the rows that makes equal rows adjacent, and where each group starts.

    Within a group, rows keep their ascending order, so a group's first row is its
    earliest. The rows are sorted by a hash of their words in the high bits of a 64-bit
    number whose low bits are the row's index (one ``np.sort``); neighbours are then
    compared word for word, so equal hashes never merge unequal rows: the rare hash
    groups holding unequal rows are sorted again by the rows themselves.
    """
    n, n_words = packed.shape
    bits = max(1, (n - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    key = _row_hash(packed)
    key &= ~low
    key |= np.arange(n, dtype=np.uint64)
    key.sort()
    order = (key & low).view(np.int64)
    key >>= np.uint64(bits)
    boundary = np.empty(n, dtype=bool)
    boundary[0] = True
    np.not_equal(key[1:], key[:-1], out=boundary[1:])
    rows = np.take(packed, order, axis=0)
    differ = rows[1:, 0] != rows[:-1, 0]
    for w in range(1, n_words):
        differ |= rows[1:, w] != rows[:-1, w]
    shared = differ & ~boundary[1:]  # unequal neighbours with one hash
    if shared.any():
        _split_shared_hashes(packed, order, boundary, np.flatnonzero(shared) + 1)
    return order, np.flatnonzero(boundary).astype(np.int64)


def _void(rows: U64) -> npt.NDArray[np.void]:
    contiguous = np.ascontiguousarray(rows)
    out: npt.NDArray[np.void] = contiguous.view(
        np.dtype((np.void, contiguous.dtype.itemsize * contiguous.shape[1]))
    ).ravel()
    return out


def _split_shared_hashes(packed: U64, order: I64, boundary: npt.NDArray[np.bool_], at: I64) -> None:
    """Sort exactly (in place) the hash groups that hold unequal rows (positions ``at``)."""
    group_starts = np.flatnonzero(boundary)
    groups = sorted(set((np.searchsorted(group_starts, at, side="right") - 1).tolist()))
    if len(groups) > _MAX_SPLIT_GROUPS:  # many (a crafted file?): sort every row exactly
        void = _void(packed)
        order[:] = np.argsort(void, kind="stable")
        ordered = void[order]
        boundary[1:] = ordered[1:] != ordered[:-1]
        return
    ends = np.append(group_starts[1:], order.size)
    for g in groups:
        s, e = int(group_starts[g]), int(ends[g])
        segment = order[s:e]
        void = _void(np.take(packed, segment, axis=0))
        sub = np.argsort(void, kind="stable")  # stable: equal rows stay in ascending order
        order[s:e] = segment[sub]
        ordered = void[sub]
        boundary[s + 1 : e] = ordered[1:] != ordered[:-1]
