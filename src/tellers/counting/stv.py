"""Shared machinery of the single transferable vote rules.

The STV rules (:mod:`~tellers.counting.rules.stv_scottish`,
:mod:`~tellers.counting.rules.stv_wigm`, :mod:`~tellers.counting.rules.stv_meek`) share:

- **Arithmetic** exactly as each rule prescribes: :class:`Fixed` decimal fixed point with
  ``p`` places (values held as integers scaled by ``10**p``, so truncation is an exact
  integer division), :class:`Guarded` fixed point with ``g`` extra guard digits, values
  closer than half a guard unit comparing equal, and :class:`Rational` (exact fractions).
  These follow the arithmetic classes of Droop (jklundell/droop ``droop/values/fixed.py``,
  ``guarded.py``, ``rational.py``) operation for operation, so that counts agree with
  Droop's published reference counts digit for digit.
- **Ballot preparation** (:func:`prepare_ballots`): withdrawn candidates are struck out
  of every ballot (a ballot left empty is not a valid vote, as in Droop); a blank rank
  ends a ballot; a later repeat of a candidate is ignored; for WIGM rules an overvote (two
  candidates at one rank) ends the ballot, for Meek it is an equal ranking.
- **Vectorised kernels**: each distinct ballot (profile row) has a current weight and a
  pointer to its current preference, held as numpy arrays (``int64`` when the scaled
  values provably fit, else Python integers or fractions in object arrays), so a count
  over a million distinct ballots moves only the rows that change hands.
- **Ties** (:class:`TieResolver`): broken by earlier stages where the rule says so, then
  by a tie-break order published in advance (``options["tie_order"]``) or else by lot
  from the published seed, each recorded as a :class:`~tellers.counting.rounds.TieBreak`.
- **The record**: :class:`Action` rows mirroring Droop's dump (one row per begin, elect,
  unpend, defeat, transfer, tie, end, with every candidate's state and vote), kept as
  plain mappings (:meth:`Action.as_mapping`) in ``CountResult.details["actions"]``, and
  :class:`~tellers.counting.rounds.Round` stages: a stage opens with the tallies then
  standing, collects the elections and exclusions decided on them and the transfer they
  cause, and closes; ``Round.loss`` is the cumulative vote lost to truncation, so that in
  every stage continuing + exhausted + loss = valid votes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from tellers.counting.amounts import Amount
from tellers.counting.profile import OVERVOTE, SKIP, Profile
from tellers.counting.rounds import CountResult, Round, TieBreak, Transfer
from tellers.counting.ties import Lot
from tellers.errors import CountError, InvalidCountOptions

__all__ = [
    "DEFEATED",
    "ELECTED",
    "HOPEFUL",
    "PENDING",
    "WITHDRAWN",
    "Action",
    "Arithmetic",
    "Array",
    "Fixed",
    "Guarded",
    "Prepared",
    "Rational",
    "RoundBook",
    "TieResolver",
    "Value",
    "WigmStyle",
    "advance_rows",
    "arithmetic_from_options",
    "count_wigm",
    "prepare_ballots",
    "rows_at",
    "sort_by_vote",
    "sum_by",
    "sure_loser_batch",
    "total_of",
    "withdrawn_indices",
]

Value = int | Fraction
"""A vote amount inside a count: a scaled integer (fixed, guarded) or a fraction."""

Array = npt.NDArray[Any]

HOPEFUL, PENDING, ELECTED, DEFEATED, WITHDRAWN = "H", "e", "E", "D", "W"
"""Candidate state codes, as in Droop's dumps (``e``: elected, surplus not yet moved)."""


# ---------------------------------------------------------------------------------------
# Arithmetic


class Arithmetic:
    """Operations on vote values as a rule prescribes them (see the module docstring)."""

    name = ""
    exact = False
    """Droop's ``V.exact``: a quota is reached only when *exceeded* (guarded, rational)."""
    zero: Value = 0
    one: Value = 1
    epsilon: Value = 0

    def from_int(self, n: int) -> Value:
        raise NotImplementedError

    def mul(self, a: Value, b: Value, *, up: bool = False) -> Value:
        raise NotImplementedError

    def div(self, a: Value, b: Value, *, up: bool = False) -> Value:
        raise NotImplementedError

    def muldiv(self, a: Value, b: Value, c: Value, *, up: bool = False) -> Value:
        raise NotImplementedError

    def mul_array(self, a: Array, b: Array | Value, *, up: bool = False) -> Array:
        raise NotImplementedError

    def muldiv_array(self, a: Array, b: Value, c: Value) -> Array:
        raise NotImplementedError

    def cmp(self, a: Value, b: Value) -> int:
        return (a > b) - (a < b)

    def eq(self, a: Value, b: Value) -> bool:
        return self.cmp(a, b) == 0

    def lt(self, a: Value, b: Value) -> bool:
        return self.cmp(a, b) < 0

    def le(self, a: Value, b: Value) -> bool:
        return self.cmp(a, b) <= 0

    def gt(self, a: Value, b: Value) -> bool:
        return self.cmp(a, b) > 0

    def ge(self, a: Value, b: Value) -> bool:
        return self.cmp(a, b) >= 0

    def first_max(self, values: Sequence[Value]) -> Value:
        """Python's ``max`` under this arithmetic's comparison (first of equals wins)."""
        best = values[0]
        for v in values[1:]:
            if self.gt(v, best):
                best = v
        return best

    def first_min(self, values: Sequence[Value]) -> Value:
        """Python's ``min`` under this arithmetic's comparison."""
        best = values[0]
        for v in values[1:]:
            if self.lt(v, best):
                best = v
        return best

    def to_amount(self, a: Value) -> Amount:
        raise NotImplementedError

    def int_array_ok(self, bound: int) -> bool:
        """Whether values up to ``bound`` (in scaled units) may live in ``int64`` arrays."""
        return False

    def describe(self) -> str:
        return self.name


class Fixed(Arithmetic):
    """Decimal fixed point with ``precision`` places; every product and quotient is
    truncated (or rounded up where the rule says so) to those places."""

    name = "fixed"
    exact = False

    def __init__(self, precision: int) -> None:
        if precision < 0:
            msg = f"precision must be at least 0, got {precision}"
            raise InvalidCountOptions(msg)
        self.precision = precision
        self.scale: int = 10**precision
        self.zero = 0
        self.one = self.scale
        self.epsilon = 1

    def from_int(self, n: int) -> Value:
        return n * self.scale

    def mul(self, a: Value, b: Value, *, up: bool = False) -> Value:
        q, r = divmod(int(a) * int(b), self.scale)
        return q + 1 if up and r else q

    def div(self, a: Value, b: Value, *, up: bool = False) -> Value:
        q, r = divmod(int(a) * self.scale, int(b))
        return q + 1 if up and r else q

    def muldiv(self, a: Value, b: Value, c: Value, *, up: bool = False) -> Value:
        q, r = divmod(int(a) * int(b), int(c))
        return q + 1 if up and r else q

    def mul_array(self, a: Array, b: Array | Value, *, up: bool = False) -> Array:
        prod = a * b
        q: Array = prod // self.scale
        if up:
            q = q + (prod % self.scale != 0)
        return q

    def muldiv_array(self, a: Array, b: Value, c: Value) -> Array:
        out: Array = (a * int(b)) // int(c)
        return out

    def to_amount(self, a: Value) -> Amount:
        # built from text, so no context precision applies: exact at any length
        return Decimal(f"{int(a)}E-{self.precision}")

    def int_array_ok(self, bound: int) -> bool:
        return bound < 2**62

    def describe(self) -> str:
        return f"fixed-point decimal, {self.precision} places"


class Guarded(Fixed):
    """Fixed point with ``precision + guard`` places; values less than half a unit of
    ``guard`` digits apart compare equal (Droop's ``guarded`` arithmetic)."""

    name = "guarded"

    def __init__(self, precision: int, guard: int) -> None:
        super().__init__(precision + guard)
        self.significant = precision
        self.guard = guard
        self.geps = max(10**guard // 2, 1)
        self.exact = guard > 0

    def mul(self, a: Value, b: Value, *, up: bool = False) -> Value:
        return super().mul(a, b, up=up and not self.guard)

    def div(self, a: Value, b: Value, *, up: bool = False) -> Value:
        return super().div(a, b, up=up and not self.guard)

    def muldiv(self, a: Value, b: Value, c: Value, *, up: bool = False) -> Value:
        return super().muldiv(a, b, c, up=up and not self.guard)

    def mul_array(self, a: Array, b: Array | Value, *, up: bool = False) -> Array:
        return super().mul_array(a, b, up=up and not self.guard)

    def cmp(self, a: Value, b: Value) -> int:
        diff = int(a) - int(b)
        if abs(diff) < self.geps:
            return 0
        return 1 if diff > 0 else -1

    def describe(self) -> str:
        return f"guarded fixed-point decimal, {self.significant}+{self.guard} places"


class Rational(Arithmetic):
    """Exact rational arithmetic (no rounding anywhere)."""

    name = "rational"
    exact = True

    def __init__(self) -> None:
        self.zero = Fraction(0)
        self.one = Fraction(1)
        self.epsilon = Fraction(0)

    def from_int(self, n: int) -> Value:
        return Fraction(n)

    def mul(self, a: Value, b: Value, *, up: bool = False) -> Value:
        return Fraction(a) * b

    def div(self, a: Value, b: Value, *, up: bool = False) -> Value:
        return Fraction(a) / b

    def muldiv(self, a: Value, b: Value, c: Value, *, up: bool = False) -> Value:
        return Fraction(a) * b / c

    def mul_array(self, a: Array, b: Array | Value, *, up: bool = False) -> Array:
        out: Array = a * b
        return out

    def muldiv_array(self, a: Array, b: Value, c: Value) -> Array:
        out: Array = a * Fraction(b) / c
        return out

    def to_amount(self, a: Value) -> Amount:
        return Fraction(a)

    def describe(self) -> str:
        return "exact rational"


def arithmetic_from_options(
    options: Mapping[str, object],
    *,
    default: str,
    default_precision: int,
) -> Arithmetic:
    """Build the arithmetic named by ``options["arithmetic"]`` (Droop's option names).

    ``precision`` defaults to ``default_precision`` (18 for guarded when not given), and
    ``guard`` to half the precision, as in Droop.
    """
    kind = str(options.get("arithmetic", default))
    if kind == "fixed":
        return Fixed(_int_option(options, "precision", default_precision))
    if kind == "guarded":
        precision = _int_option(options, "precision", 18)
        return Guarded(precision, _int_option(options, "guard", precision // 2))
    if kind == "rational":
        return Rational()
    msg = f"arithmetic must be fixed, guarded or rational, got {kind!r}"
    raise InvalidCountOptions(msg)


def _int_option(options: Mapping[str, object], key: str, default: int) -> int:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | str):
        msg = f"option {key} must be a whole number, got {value!r}"
        raise InvalidCountOptions(msg)
    try:
        return int(value)
    except ValueError as err:
        msg = f"option {key} must be a whole number, got {value!r}"
        raise InvalidCountOptions(msg) from err


# ---------------------------------------------------------------------------------------
# Ballots

_REMOVED = -3


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepared:
    """Valid ballots ready for an STV count."""

    ranks: npt.NDArray[np.int32]
    """Rows of candidate indices, each ending in at least one :data:`SKIP`."""
    counts: npt.NDArray[np.int64]
    equal: tuple[tuple[tuple[tuple[int, ...], ...], int], ...]
    """Ballots with an equal ranking (Meek only): ranks as tuples of candidates, count."""
    valid: int
    """Number of valid ballots (including the equal-ranking ones)."""
    invalid: int
    """Ballots not counted: no first preference after withdrawals."""


def withdrawn_indices(profile: Profile, options: Mapping[str, object]) -> frozenset[int]:
    """The candidates named in ``options["withdrawn"]``.

    Raises:
        InvalidCountOptions: a name that is not a candidate.
    """
    names = options.get("withdrawn", ())
    if isinstance(names, str) or not isinstance(names, Iterable):
        msg = f"option withdrawn must be a list of candidate names, got {names!r}"
        raise InvalidCountOptions(msg)
    out: set[int] = set()
    for name in names:
        if name not in profile.candidates:
            msg = f"withdrawn candidate {name!r} is not a candidate"
            raise InvalidCountOptions(msg)
        out.add(profile.candidates.index(name))
    return frozenset(out)


def prepare_ballots(profile: Profile, withdrawn: frozenset[int], *, equal_ranks: bool) -> Prepared:
    """Strike out withdrawn candidates, end ballots at blanks and keep the valid ones.

    Args:
        profile: the ballots as cast.
        withdrawn: candidates to strike out.
        equal_ranks: keep overvotes whose candidates are known as equal rankings (Meek);
            otherwise an overvote ends the ballot at that rank.
    """
    ranks = np.array(profile.ranks, dtype=np.int32, copy=True)
    counts = np.asarray(profile.counts, dtype=np.int64)
    nrows, depth = ranks.shape
    sets: dict[tuple[int, int], frozenset[int]] = {}
    for (row, r), cands in profile.overvotes.items():
        left = frozenset(c for c in cands if c not in withdrawn)
        if len(left) == 1:
            ranks[row, r] = next(iter(left))
        elif not left:
            ranks[row, r] = _REMOVED
        else:
            sets[(row, r)] = left
    if depth:
        if withdrawn:
            ranks[np.isin(ranks, np.fromiter(withdrawn, dtype=np.int32))] = _REMOVED
        # later repeats of a candidate are ignored
        dup_rows = _rows_with_repeats(ranks, len(profile.candidates))
        for row in dup_rows.tolist():
            seen: set[int] = set()
            for r in range(depth):
                c = int(ranks[row, r])
                if c >= 0:
                    if c in seen:
                        ranks[row, r] = _REMOVED
                    seen.add(c)
        removed_rows = np.flatnonzero((ranks == _REMOVED).any(axis=1))
        if removed_rows.size:
            sub = ranks[removed_rows]
            order = np.argsort(sub == _REMOVED, axis=1, kind="stable")
            sub = np.take_along_axis(sub, order, axis=1)
            sub[sub == _REMOVED] = SKIP
            ranks[removed_rows] = sub
            # keep the overvote side-table in step with the moved cells
            moved = {int(row): order[i].tolist() for i, row in enumerate(removed_rows)}
            fixed_sets: dict[tuple[int, int], frozenset[int]] = {}
            for (row, r), cands in sets.items():
                if row in moved:
                    fixed_sets[(row, moved[row].index(r))] = cands
                else:
                    fixed_sets[(row, r)] = cands
            sets = fixed_sets
        # a blank (and, without equal rankings, an overvote) ends the ballot
        stop = ranks == SKIP
        if not equal_ranks:
            stop |= ranks == OVERVOTE
        else:
            unknown = ranks == OVERVOTE
            for row, r in sets:
                unknown[row, r] = False
            stop |= unknown
        ended = np.logical_or.accumulate(stop, axis=1)
        ranks[ended] = SKIP
    ranks = np.concatenate([ranks, np.full((nrows, 1), SKIP, dtype=np.int32)], axis=1)
    equal_rows = np.flatnonzero((ranks == OVERVOTE).any(axis=1))
    equal: list[tuple[tuple[tuple[int, ...], ...], int]] = []
    for row in equal_rows.tolist():
        cells: list[tuple[int, ...]] = []
        for r in range(depth):
            c = int(ranks[row, r])
            if c == SKIP:
                break
            cells.append(tuple(sorted(sets[(row, r)])) if c == OVERVOTE else (c,))
        equal.append((tuple(cells), int(counts[row])))
    keep = ranks[:, 0] >= 0
    keep[equal_rows] = False
    valid = int(counts[keep].sum()) + sum(n for _, n in equal)
    return Prepared(
        ranks=np.ascontiguousarray(ranks[keep]),
        counts=np.ascontiguousarray(counts[keep]),
        equal=tuple(equal),
        valid=valid,
        invalid=int(counts.sum()) - valid,
    )


def _rows_with_repeats(ranks: npt.NDArray[np.int32], ncand: int) -> npt.NDArray[np.intp]:
    """Rows that mark some candidate more than once."""
    if ncand <= 63:
        # one bit per candidate; cells below 0 (blank, overvote, struck out) map to 0
        table = np.zeros(ncand + 4, dtype=np.uint64)
        table[4:] = np.left_shift(np.uint64(1), np.arange(ncand, dtype=np.uint64))
        seen = np.zeros(ranks.shape[0], dtype=np.uint64)
        repeat = np.zeros(ranks.shape[0], dtype=bool)
        for r in range(ranks.shape[1]):
            bit = table[ranks[:, r] + 4]
            repeat |= (seen & bit) != 0
            seen |= bit
        return np.flatnonzero(repeat)
    marked = ranks >= 0
    srt = np.sort(np.where(marked, ranks, -1), axis=1)
    return np.flatnonzero(((srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)).any(axis=1))


def rows_at(top: npt.NDArray[np.int32], cands: Sequence[int], n: int) -> npt.NDArray[np.intp]:
    """Indices of the rows whose current candidate (``top``, -1 for none) is in ``cands``."""
    if len(cands) == 1:
        return np.flatnonzero(top == cands[0])
    wanted = np.zeros(n + 1, dtype=bool)
    wanted[np.asarray(cands, dtype=np.int64) + 1] = True
    return np.flatnonzero(wanted[top + 1])


def sum_by(keys: Array, values: Array, n: int, zero: Value) -> list[Value]:
    """Exact sums of ``values`` grouped by ``keys`` (``0 <= key < n``)."""
    out: list[Value] = [zero] * n
    if keys.size == 0:
        return out
    if values.dtype == np.int64:
        total = int(values.sum())
        if int(values.min()) >= 0 and total < 2**53:
            sums = np.bincount(keys, weights=values.astype(np.float64), minlength=n)
            return [int(s) for s in sums.tolist()]
        acc = np.zeros(n, dtype=np.int64)
        np.add.at(acc, keys, values)
        return [int(s) for s in acc.tolist()]
    for k, v in zip(keys.tolist(), values.tolist(), strict=True):
        out[k] = out[k] + v
    return out


def total_of(values: Array, zero: Value) -> Value:
    """Exact sum of an array of values."""
    if values.size == 0:
        return zero
    if values.dtype == np.int64:
        return int(values.astype(object).sum()) if values.size > 1 << 20 else int(values.sum())
    s: Value = zero
    for v in values.tolist():
        s = s + v
    return s


# ---------------------------------------------------------------------------------------
# Ties


class TieResolver:
    """Breaks the ties a count meets and records how.

    Lots come from ``options["tie_order"]`` when given (the earliest candidate in that
    published order is the one chosen, for whatever purpose, as in Droop) or else are
    drawn with :class:`~tellers.counting.ties.Lot` from the published seed.
    """

    def __init__(
        self, names: Sequence[str], options: Mapping[str, object], seed: int | None
    ) -> None:
        self.names = list(names)
        order = options.get("tie_order")
        self.order: list[str] | None = None
        if order is not None:
            if isinstance(order, str) or not isinstance(order, Iterable):
                msg = f"option tie_order must be a list of candidate names, got {order!r}"
                raise InvalidCountOptions(msg)
            self.order = [str(n) for n in order]
            missing = [n for n in self.names if n not in self.order]
            if missing:
                msg = f"tie_order does not list {missing}"
                raise InvalidCountOptions(msg)
        self.seed = seed
        self._lot = Lot(seed) if seed is not None else None
        self.records: list[TieBreak] = []

    def lot(self, tied: Sequence[int], *, purpose: str, round_number: int) -> int:
        """Choose one of ``tied`` by the published order or by lot, and record it."""
        names = [self.names[i] for i in tied]
        if self.order is not None:
            chosen = min(names, key=self.order.index)
            how = "tie order"
        elif self._lot is not None:
            chosen = self._lot.choose(names, purpose=purpose)
            how = "lot"
        else:
            msg = (
                f"a tie between {', '.join(sorted(names))} ({purpose}) must be broken by "
                "lot, but no seed was given (CountParams.seed) and no tie_order option"
            )
            raise CountError(msg)
        self.record(tied, chosen, purpose=purpose, how=how, round_number=round_number)
        return self.names.index(chosen)

    def record(
        self, tied: Sequence[int], chosen: str, *, purpose: str, how: str, round_number: int
    ) -> None:
        self.records.append(
            TieBreak(
                round=round_number,
                purpose=purpose,
                tied=tuple(self.names[i] for i in tied),
                chosen=chosen,
                how=how,
            )
        )


# ---------------------------------------------------------------------------------------
# The record


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """One step of a count, as a row of Droop's dump: the state after the step."""

    round: int
    tag: str
    """``begin``, ``elect``, ``unpend``, ``transfer``, ``defeat``, ``tie`` or ``end``."""
    quota: Amount
    figures: Mapping[str, Amount]
    """Rule-level figures: ``nontransferable`` (WIGM rules) or ``votes``, ``surplus``,
    ``residual`` (Meek)."""
    states: Mapping[str, str]
    """State code of each candidate not withdrawn: H, e, E, D."""
    votes: Mapping[str, Amount]
    keep_factors: Mapping[str, Amount] | None = None

    def as_mapping(self) -> dict[str, object]:
        """Plain data (for ``CountResult.details`` and results files)."""
        out: dict[str, object] = {
            "round": self.round,
            "action": self.tag,
            "quota": self.quota,
            "figures": dict(self.figures),
            "states": dict(self.states),
            "votes": dict(self.votes),
        }
        if self.keep_factors is not None:
            out["keep_factors"] = dict(self.keep_factors)
        return out


class RoundBook:
    """Builds :class:`~tellers.counting.rounds.Round` stages as a count proceeds.

    A stage opens with the tallies then standing; elections, exclusions and the transfer
    they cause are added; a transfer closes the stage (its effect shows in the next).
    """

    def __init__(self, names: Sequence[str], shown: Sequence[int], arith: Arithmetic) -> None:
        self.names = names
        self.shown = list(shown)
        self.arith = arith
        self.rounds: list[Round] = []
        self._open: dict[str, Any] | None = None

    def open(self, votes: Sequence[Value], exhausted: Value, loss: Value, quota: Value) -> None:
        a = self.arith
        self._open = {
            "tallies": {self.names[i]: a.to_amount(votes[i]) for i in self.shown},
            "exhausted": a.to_amount(exhausted),
            "loss": a.to_amount(loss),
            "threshold": a.to_amount(quota),
            "elected": [],
            "eliminated": [],
            "transfers": [],
            "note": "",
        }

    @property
    def is_open(self) -> bool:
        return self._open is not None

    def elect(self, c: int) -> None:
        assert self._open is not None
        self._open["elected"].append(self.names[c])

    def eliminate(self, c: int) -> None:
        assert self._open is not None
        self._open["eliminated"].append(self.names[c])

    def note(self, text: str) -> None:
        assert self._open is not None
        self._open["note"] = (self._open["note"] + "; " + text).lstrip("; ")

    def transfer(self, transfer: Transfer) -> None:
        assert self._open is not None
        self._open["transfers"].append(transfer)

    def close(self) -> None:
        if self._open is None:
            return
        o = self._open
        self.rounds.append(
            Round(
                number=len(self.rounds) + 1,
                tallies=o["tallies"],
                exhausted=o["exhausted"],
                elected=tuple(o["elected"]),
                eliminated=tuple(o["eliminated"]),
                threshold=o["threshold"],
                transfers=tuple(o["transfers"]),
                loss=o["loss"],
                note=o["note"],
            )
        )
        self._open = None


def sort_by_vote(
    arith: Arithmetic, cands: Iterable[int], votes: Sequence[Value], *, reverse: bool
) -> list[int]:
    """Candidates by (vote, ballot order), as Droop's ``byVote``."""

    def compare(x: int, y: int) -> int:
        c = arith.cmp(votes[x], votes[y])
        return c if c else (x > y) - (x < y)

    return sorted(cands, key=functools.cmp_to_key(compare), reverse=reverse)


def sure_loser_batch(
    arith: Arithmetic,
    hopeful: Iterable[int],
    votes: Sequence[Value],
    surplus: Value,
    *,
    max_defeat: int,
) -> list[int]:
    """The largest batch of hopefuls who are sure to lose (Droop's batch defeat).

    The hopefuls are grouped, lowest vote first, so that a candidate joins the group
    below when the group's lowest vote plus the surplus still reaches it. A prefix of
    groups is a sure-loser batch when its total vote plus the surplus is below the next
    group's lowest vote, and it leaves enough hopefuls for the seats (at most
    ``max_defeat`` candidates); the largest such prefix is returned, or nobody.
    """
    groups: list[list[int]] = []
    group: list[int] = []
    vote: Value = arith.zero
    for c in sort_by_vote(arith, hopeful, votes, reverse=False):
        if arith.ge(vote + surplus, votes[c]):
            group.append(c)
        else:
            if group:
                groups.append(group)
            group = [c]
            vote = votes[c]
    if group:
        groups.append(group)
    vote = arith.zero
    maxg: int | None = None
    ncand = 0
    for g in range(len(groups) - 1):
        ncand += len(groups[g])
        if ncand > max_defeat:
            break
        for c in groups[g]:
            vote = vote + votes[c]
        if arith.lt(vote + surplus, votes[groups[g + 1][0]]):
            maxg = g
    return [c for g in range(maxg + 1) for c in groups[g]] if maxg is not None else []


def advance_rows(
    ranks: npt.NDArray[np.int32],
    ptr: npt.NDArray[np.int64],
    rows: npt.NDArray[np.int64],
    code: npt.NDArray[np.int8],
    *,
    on_pass: Callable[[npt.NDArray[np.int64], npt.NDArray[np.int32]], None] | None = None,
) -> npt.NDArray[np.int32]:
    """Move each of ``rows`` on to its next preference whose code is 1 (stop there) or to
    the end (a :data:`SKIP`, giving -1). ``code[cell + 1]`` classifies a cell: 0 passes
    over, 1 stops, 2 passes over and calls ``on_pass(rows, cells)`` first. Returns the
    candidate each row stopped at (or -1)."""
    out = np.full(rows.size, -1, dtype=np.int32)
    active = np.arange(rows.size)
    while active.size:
        rr = rows[active]
        ptr[rr] += 1
        cells = ranks[rr, ptr[rr]]
        kinds = code[cells + 1]
        stop = (kinds == 1) | (cells == SKIP)
        out[active[stop]] = np.where(cells[stop] == SKIP, -1, cells[stop])
        if on_pass is not None:
            passing = kinds == 2
            if passing.any():
                on_pass(rr[passing], cells[passing])
        active = active[~stop]
    return out


# ---------------------------------------------------------------------------------------
# The WIGM family: Scottish STV, Droop's generic WIGM, the PR Foundation reference WIGM


@dataclass(frozen=True, slots=True, kw_only=True)
class WigmStyle:
    """How one member of the WIGM family counts."""

    method: str
    """Registry name, for the result."""
    scottish: bool = False
    """SSI 2007/42 rules 45-52: elect at the end of each stage, ties by earlier stages,
    surplus transfer value ``muldiv`` truncated once."""
    quota: str = "droop-fractional"
    """``droop`` (integer: floor(N/(s+1)) + 1, reached when equalled), ``droop-fractional``
    (N/(s+1): in exact arithmetic reached only when exceeded, otherwise rounded up by one
    unit of the last place and reached when equalled), ``hare`` (N/s, truncated, reached
    when equalled)."""
    defeat_batch: str = "none"
    """``none``, ``zero`` (defeat all hopefuls with no votes at once) or ``safe``
    (the PR Foundation's sure losers)."""


class _Wigm:
    def __init__(
        self,
        profile: Profile,
        seats: int,
        options: Mapping[str, object],
        seed: int | None,
        arith: Arithmetic,
        style: WigmStyle,
    ) -> None:
        self.style = style
        self.arith = arith
        self.names = profile.candidates
        n = len(self.names)
        self.n = n
        self.seats = seats
        withdrawn = withdrawn_indices(profile, options)
        self.prep = prepare_ballots(profile, withdrawn, equal_ranks=False)
        self.state = [WITHDRAWN if i in withdrawn else HOPEFUL for i in range(n)]
        self.eligible = [i for i in range(n) if i not in withdrawn]
        self.ties = TieResolver(self.names, options, seed)
        self.actions: list[Action] = []
        self.round = 0
        self.history: list[list[Value]] = []
        self.winners: list[int] = []
        a = arith
        self.zero = a.zero
        self.vote: list[Value] = [a.zero] * n
        self.exhausted: Value = a.zero
        self.valid = self.prep.valid
        ranks = self.prep.ranks
        self.ranks = ranks
        self.counts = self.prep.counts
        rows = ranks.shape[0]
        self.ptr = np.zeros(rows, dtype=np.int64)
        self.top = ranks[:, 0].astype(np.int32) if rows else np.zeros(0, dtype=np.int32)
        bound = max(int(self.counts.sum()), 1) * int(a.one) * int(a.one)
        if isinstance(a, Fixed) and a.int_array_ok(bound):
            self.weight: Array = np.full(rows, int(a.one), dtype=np.int64)
        else:
            w = np.empty(rows, dtype=object)
            w[:] = [a.one] * rows
            self.weight = w
        self.book = RoundBook(self.names, self.eligible, a)

    # -- helpers -----------------------------------------------------------------------
    def hopeful(self) -> list[int]:
        return [i for i in range(self.n) if self.state[i] == HOPEFUL]

    def pending(self) -> list[int]:
        return [i for i in range(self.n) if self.state[i] == PENDING]

    def elected_count(self) -> int:
        return sum(1 for s in self.state if s in (ELECTED, PENDING))

    def seats_left(self) -> int:
        return self.seats - self.elected_count()

    def row_votes(self, idx: Array) -> Array:
        w = self.weight[idx]
        out: Array = w * self.counts[idx].astype(w.dtype)
        return out

    def loss(self) -> Value:
        total = self.exhausted
        for i in self.eligible:
            total = total + self.vote[i]
        return self.arith.from_int(self.valid) - total

    def snap(self, tag: str) -> None:
        a = self.arith
        self.actions.append(
            Action(
                round=self.round,
                tag=tag,
                quota=a.to_amount(self.quota),
                figures={"nontransferable": a.to_amount(self.exhausted)},
                states={self.names[i]: self.state[i] for i in self.eligible},
                votes={self.names[i]: a.to_amount(self.vote[i]) for i in self.eligible},
            )
        )

    def new_round(self) -> None:
        self.round += 1
        self.history.append(list(self.vote))

    def has_quota(self, c: int) -> bool:
        if self.style.quota in ("droop", "hare") or not self.arith.exact:
            return self.arith.ge(self.vote[c], self.quota)
        return self.arith.gt(self.vote[c], self.quota)

    def elect(self, c: int, *, pending: bool) -> None:
        self.state[c] = PENDING if pending else ELECTED
        self.winners.append(c)
        self.ensure_stage()
        self.book.elect(c)
        self.snap("elect")

    def defeat(self, c: int) -> None:
        self.ensure_stage()
        self.state[c] = DEFEATED
        self.book.eliminate(c)
        self.snap("defeat")

    def open_stage(self) -> None:
        self.book.open(self.vote, self.exhausted, self.loss(), self.quota)

    def ensure_stage(self) -> None:
        if not self.book.is_open:
            self.open_stage()

    def transfer_from(self, sources: Sequence[int], reason: str, amount: Value) -> None:
        """Move every paper now with ``sources`` to its next hopeful candidate."""
        a = self.arith
        self.ensure_stage()
        idx = rows_at(self.top, sources, self.n)
        code = np.zeros(self.n + 1, dtype=np.int8)
        for i in range(self.n):
            if self.state[i] == HOPEFUL:
                code[i + 1] = 1
        dest = advance_rows(self.ranks, self.ptr, idx, code)
        self.top[idx] = dest
        votes = self.row_votes(idx)
        gone = dest < 0
        moved = sum_by(dest[~gone].astype(np.int64), votes[~gone], self.n, a.zero)
        exhausted = total_of(votes[gone], a.zero)
        before = list(self.vote)
        to: dict[str, Amount] = {}
        received: Value = a.zero
        for c in range(self.n):
            if moved[c] != a.zero:
                self.vote[c] = self.vote[c] + moved[c]
                received = received + moved[c]
            delta = self.vote[c] - before[c]
            if delta and self.state[c] == HOPEFUL:
                to[self.names[c]] = a.to_amount(delta)
        self.exhausted = self.exhausted + exhausted
        self.book.transfer(
            Transfer(
                source=", ".join(self.names[s] for s in sources),
                reason=reason,
                to=to,
                exhausted=a.to_amount(exhausted),
                loss=a.to_amount(amount - received - exhausted),
            )
        )
        self.book.close()

    # -- ties --------------------------------------------------------------------------
    def break_tie(self, tied: list[int], purpose: str) -> int:
        if len(tied) == 1:
            return tied[0]
        self.snap("tie")
        if not self.style.scottish:
            return self.ties.lot(tied, purpose=purpose, round_number=self.round)
        a = self.arith
        lowest = purpose == "elimination"
        narrowed = list(tied)
        for n in range(self.round - 1, -1, -1):
            past = self.history[n]
            ordered = sort_by_vote(a, narrowed, past, reverse=False)
            extreme = past[ordered[0] if lowest else ordered[-1]]
            narrowed = [c for c in ordered if a.eq(past[c], extreme)]
            if len(narrowed) == 1:
                chosen = narrowed[0]
                self.ties.record(
                    tied,
                    self.names[chosen],
                    purpose=purpose,
                    how="previous rounds",
                    round_number=self.round,
                )
                return chosen
        return self.ties.lot(narrowed, purpose=purpose, round_number=self.round)

    # -- quota -------------------------------------------------------------------------
    def compute_quota(self) -> Value:
        a, s, n = self.arith, self.seats, self.valid
        kind = self.style.quota
        if kind == "droop":
            return a.from_int(n // (s + 1) + 1)
        if kind == "droop-fractional":
            q = a.div(a.from_int(n), a.from_int(s + 1))
            return q if a.exact else q + a.epsilon
        if kind == "hare":
            return a.div(a.from_int(n), a.from_int(s))
        msg = f"quota must be droop, droop-fractional or hare, got {kind!r}"
        raise InvalidCountOptions(msg)

    # -- the count ---------------------------------------------------------------------
    def first_count(self) -> None:
        a = self.arith
        self.quota = self.compute_quota()
        if self.ranks.shape[0]:
            firsts = sum_by(
                self.top.astype(np.int64),
                self.row_votes(np.arange(self.ranks.shape[0])),
                self.n,
                a.zero,
            )
            self.vote = [firsts[i] for i in range(self.n)]
        self.snap("begin")
        self.open_stage()

    def transfer_surplus(self) -> None:
        a = self.arith
        pend = self.pending()
        high = a.first_max([self.vote[c] for c in pend])
        tied = [c for c in pend if a.eq(self.vote[c], high)]
        hc = self.break_tie(tied, "surplus order")
        self.ensure_stage()
        self.state[hc] = ELECTED
        self.snap("unpend")
        total = self.vote[hc]
        surplus = total - self.quota
        idx = np.flatnonzero(self.top == hc)
        if self.style.scottish:
            self.weight[idx] = a.muldiv_array(self.weight[idx], surplus, total)
        else:
            w = a.mul_array(self.weight[idx], surplus)
            if isinstance(a, Fixed):
                self.weight[idx] = (w * a.scale) // int(total)
            else:
                self.weight[idx] = w / total
        self.vote[hc] = self.quota
        self.transfer_from([hc], "surplus", surplus)
        self.snap("transfer")

    def defeat_and_transfer(self, losers: Sequence[int]) -> None:
        for c in losers:
            amount = self.vote[c]
            self.transfer_from([c], "eliminated", amount)
            self.vote[c] = self.arith.zero
            self.snap("transfer")

    def lowest_hopeful(self) -> tuple[Value, list[int]]:
        a = self.arith
        hop = self.hopeful()
        low = a.first_min([self.vote[c] for c in hop])
        return low, [c for c in hop if a.eq(self.vote[c], low)]

    def sure_losers(self) -> list[int]:
        a = self.arith
        surplus = a.zero
        for c in self.pending():
            surplus = surplus + self.vote[c] - self.quota
        return sure_loser_batch(
            a,
            self.hopeful(),
            self.vote,
            surplus,
            max_defeat=len(self.hopeful()) - self.seats_left(),
        )

    def elect_with_quota(self) -> None:
        for c in sort_by_vote(self.arith, self.hopeful(), self.vote, reverse=True):
            if self.has_quota(c):
                self.elect(c, pending=True)

    def complete(self) -> bool:
        return self.seats_left() <= 0 or len(self.hopeful()) <= self.seats_left()

    def run_scottish(self) -> None:
        while True:
            self.elect_with_quota()  # rule 47
            if self.complete():
                break
            self.new_round()
            if self.pending():  # rules 48, 49
                self.transfer_surplus()
                continue
            if self.hopeful():  # rules 50, 51
                _, tied = self.lowest_hopeful()
                loser = self.break_tie(tied, "elimination")
                self.defeat(loser)
                self.defeat_and_transfer([loser])
            if self.complete():
                break

    def run_wigm(self) -> None:
        a = self.arith
        while len(self.hopeful()) > self.seats_left() > 0:
            self.new_round()
            self.elect_with_quota()
            if self.style.defeat_batch == "safe":
                losers = self.sure_losers()
                if losers:
                    for c in sorted(losers):
                        self.defeat(c)
                    if len(self.hopeful()) <= self.seats_left():
                        break
                    amount = a.zero
                    for c in losers:
                        amount = amount + self.vote[c]
                    self.transfer_from(losers, "eliminated", amount)
                    for c in losers:
                        self.vote[c] = a.zero
                    self.snap("transfer")
                    continue
            if self.pending():
                self.transfer_surplus()
            elif self.hopeful():
                low, tied = self.lowest_hopeful()
                if self.style.defeat_batch == "zero" and a.eq(low, a.zero):
                    for c in tied:
                        self.defeat(c)
                    self.defeat_and_transfer(tied)
                else:
                    loser = self.break_tie(tied, "elimination")
                    self.defeat(loser)
                    self.defeat_and_transfer([loser])

    def finish(self) -> None:
        for c in self.pending():
            self.state[c] = ELECTED
        if self.style.scottish:
            if len(self.hopeful()) <= self.seats_left():  # rule 52
                for c in self.hopeful():
                    self.elect(c, pending=False)
            for c in self.hopeful():
                self.defeat(c)
        else:
            for c in self.hopeful():
                if self.elected_count() < self.seats:
                    self.elect(c, pending=False)
                else:
                    self.defeat(c)
        self.snap("end")
        self.book.close()

    def result(self) -> CountResult:
        a = self.arith
        return CountResult(
            method=self.style.method,
            seats=self.seats,
            candidates=self.names,
            winners=tuple(self.names[c] for c in self.winners),
            rounds=tuple(self.book.rounds),
            valid=self.valid,
            quota=a.to_amount(self.quota),
            tie_breaks=tuple(self.ties.records),
            seed=self.ties.seed,
            details={
                "actions": tuple(a.as_mapping() for a in self.actions),
                "arithmetic": a.describe(),
                "invalid": self.prep.invalid,
                "withdrawn": tuple(
                    self.names[i] for i in range(self.n) if self.state[i] == WITHDRAWN
                ),
            },
        )


def count_wigm(
    profile: Profile,
    *,
    seats: int,
    options: Mapping[str, object],
    seed: int | None,
    arith: Arithmetic,
    style: WigmStyle,
) -> CountResult:
    """Count by a member of the WIGM family (see :class:`WigmStyle`)."""
    if seats < 1:
        msg = f"seats must be at least 1, got {seats}"
        raise InvalidCountOptions(msg)
    count = _Wigm(profile, seats, options, seed, arith, style)
    count.first_count()
    if style.scottish:
        count.run_scottish()
    else:
        count.run_wigm()
    count.finish()
    return count.result()
