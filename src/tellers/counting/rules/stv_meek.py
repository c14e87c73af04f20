"""STV by Meek's method: keep factors found by iteration, quota recomputed as votes exhaust.

Source texts:

- I. D. Hill, B. A. Wichmann and D. R. Woodall, "Algorithm 123 - Single Transferable Vote
  by Meek's method", *The Computer Journal* 30(3), 1987, 277-281: each elected candidate
  keeps a fraction (the keep factor) of every vote reaching them and passes the rest on;
  keep factors are updated to ``kf x quota / votes`` until the total surplus is below a
  limit; the quota is (votes credited) / (seats + 1), so exhausted votes lower it.
- The Proportional Representation Foundation's "Reference Meek Rule" (``variant="prf"``,
  the default; rules A-C quoted in jklundell/droop ``droop/rules/meek_prf.py``): nine
  decimal places; a candidate keeps ``w x kf`` rounded up and the ballot goes on with
  ``w`` minus that; quota = votes / (seats + 1) truncated, plus 10^-9; elected when the
  vote reaches the quota; iteration stops when the surplus is below 10^-6 or stops
  falling; then the lowest hopeful is defeated, candidates within the surplus of the
  lowest counting as tied.
- New Zealand's Local Electoral Regulations 2001, Schedule 1A ("New Zealand method of
  counting single transferable votes", ``variant="nz"``): quota
  (v - vnt) / (n + 1) + 0.000000001, truncated to nine places; a candidate keeps ``w x kf``
  rounded up and the ballot goes on with ``w x (1 - kf)`` rounded up (Droop's
  ``kw_meekNZ1A``); keep factors updated as kf x q (rounded up) / v (rounded up). The
  surplus limit defaults to 10^-5 (``omega``). Ties are broken by the published tie order
  or by lot here; Schedule 1A's own tie procedure (earlier stages, then its
  pseudo-random-number method) is not implemented. Not checked against an official count.
- Droop's generic ``meek`` rule (``variant="droop"``; jklundell/droop
  ``droop/rules/meek.py``): the OpenSTV form (keep ``w x kf`` and pass on ``w x (1-kf)``,
  both truncated), quota reached when exceeded in exact (rational, guarded) arithmetic,
  equal rankings split evenly, and "sure losers" defeated together (``defeat_batch``).

Options (``CountParams.options``):

- ``variant``: ``"prf"`` (default), ``"nz"`` or ``"droop"``.
- For ``"droop"``: ``arithmetic`` (``"guarded"`` default with precision 18 and guard 9,
  ``"fixed"`` default precision 9, ``"rational"``), ``precision``, ``guard``, ``omega``
  (the surplus limit is 10^-omega; default precision/2 guarded, 2/3 of the precision
  fixed, 10 rational) and ``defeat_batch`` (``"safe"`` default, or ``"none"``).
- For ``"nz"``: ``omega`` (default 5).
- ``withdrawn``, ``tie_order`` as for every STV rule (:mod:`tellers.counting.stv`).

The result's rounds carry the keep factors in their notes and in
``details["keep_factors"]`` (one mapping per round); ``details["actions"]`` has the
step-by-step record in the shape of Droop's dumps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from tellers.counting.amounts import Amount, format_amount
from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult, Round
from tellers.counting.stv import (
    DEFEATED,
    ELECTED,
    HOPEFUL,
    WITHDRAWN,
    Action,
    Arithmetic,
    Array,
    Fixed,
    Guarded,
    TieResolver,
    Value,
    advance_rows,
    arithmetic_from_options,
    prepare_ballots,
    rows_at,
    sum_by,
    sure_loser_batch,
    total_of,
    withdrawn_indices,
)
from tellers.errors import InvalidCountOptions

__all__ = ["count"]

_KNOWN = frozenset(
    {
        "variant",
        "arithmetic",
        "precision",
        "guard",
        "display",
        "omega",
        "defeat_batch",
        "withdrawn",
        "tie_order",
    }
)


def _brief(value: Amount) -> str:
    """An amount for a note: exact when short, else to twelve places (exact values are in
    ``details["keep_factors"]``)."""
    if isinstance(value, Fraction) and value.denominator > 10**12:
        scaled = value.numerator * 10**12 // value.denominator
        whole, frac = divmod(scaled, 10**12)
        return f"~{whole}.{frac:012d}"
    return format_amount(value)


class _Groups:
    """Profile rows grouped by what matters to Meek: the elected candidates a ballot
    passes through, in order, and the first hopeful one it reaches (or none).

    Hopeful candidates keep everything (keep factor 1) and defeated ones nothing, so every
    ballot with the same path has the same arithmetic; a distribution then costs one step
    per group and path position rather than per ballot.
    """

    def __init__(self, ranks: npt.NDArray[np.int32], counts: npt.NDArray[np.int64], n: int):
        self.ranks = ranks
        self.counts = counts
        self.n = n
        rows = ranks.shape[0]
        self.ptr = np.full(rows, -1, dtype=np.int64)
        self.pre = np.zeros(rows, dtype=np.int64)
        self.stop = np.full(rows, -1, dtype=np.int32)
        self.prefixes: list[tuple[int, ...]] = [()]
        self.ids: dict[tuple[int, int], int] = {}
        self.known: list[str] | None = None
        self.cache: tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], Array] | None = None
        self.sizes: dict[int, int] = {}
        """Ballots per group key, kept up to date as rows move."""

    def _keys(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        keys: npt.NDArray[np.int64] = self.pre[rows] * (self.n + 2) + (
            self.stop[rows].astype(np.int64) + 1
        )
        return keys

    def _tally(self, rows: npt.NDArray[np.int64], sign: int) -> None:
        if not rows.size:
            return
        uniq, inverse = np.unique(self._keys(rows), return_inverse=True)
        sums = np.zeros(uniq.size, dtype=np.int64)
        np.add.at(sums, inverse, self.counts[rows])
        for key, total in zip(uniq.tolist(), sums.tolist(), strict=True):
            left = self.sizes.get(key, 0) + sign * total
            if left:
                self.sizes[key] = left
            else:
                self.sizes.pop(key, None)

    def _extend(self, rows: npt.NDArray[np.int64], cells: npt.NDArray[np.int32]) -> None:
        keys = self.pre[rows] * (self.n + 1) + cells
        uniq, inverse = np.unique(keys, return_inverse=True)
        new = []
        for key in uniq.tolist():
            parent, cand = divmod(int(key), self.n + 1)
            found = self.ids.get((parent, cand))
            if found is None:
                found = len(self.prefixes)
                self.prefixes.append((*self.prefixes[parent], cand))
                self.ids[(parent, cand)] = found
            new.append(found)
        self.pre[rows] = np.asarray(new, dtype=np.int64)[inverse]

    def sync(self, state: Sequence[str]) -> None:
        """Move ballots past candidates who stopped being hopeful since the last sync."""
        if self.known is None:
            rows = np.arange(self.ranks.shape[0], dtype=np.int64)
        else:
            changed = [c for c in range(self.n) if self.known[c] == HOPEFUL and state[c] != HOPEFUL]
            if not changed:
                return
            rows = rows_at(self.stop, changed, self.n).astype(np.int64)
        code = np.zeros(self.n + 1, dtype=np.int8)
        for c in range(self.n):
            if state[c] == HOPEFUL:
                code[c + 1] = 1
            elif state[c] == ELECTED:
                code[c + 1] = 2
        if self.known is not None:
            self._tally(rows, -1)
        if rows.size and self.known is not None:
            elected_now = rows[code[self.stop[rows] + 1] == 2]
            if elected_now.size:
                self._extend(elected_now, self.stop[elected_now])
        self.known = list(state)
        if rows.size:
            self.stop[rows] = advance_rows(self.ranks, self.ptr, rows, code, on_pass=self._extend)
        self._tally(rows, +1)
        self.cache = None

    def groups(self, big: bool) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], Array]:
        """(prefix matrix padded with ``n``, stop candidate or -1, ballots per group)."""
        if self.cache is not None:
            return self.cache
        ordered = sorted(self.sizes.items())
        uniq = np.asarray([k for k, _ in ordered], dtype=np.int64)
        sizes = np.asarray([v for _, v in ordered], dtype=np.int64)
        pre_ids, stops = np.divmod(uniq, self.n + 2)
        width = max((len(self.prefixes[int(p)]) for p in pre_ids.tolist()), default=0)
        matrix = np.full((uniq.size, width), self.n, dtype=np.int64)
        for g, p in enumerate(pre_ids.tolist()):
            path = self.prefixes[int(p)]
            matrix[g, : len(path)] = path
        weights: Array = sizes if not big else sizes.astype(object)
        self.cache = (matrix, (stops - 1).astype(np.int32), weights)
        return self.cache


class _Meek:
    def __init__(self, profile: Profile, params: CountParams) -> None:
        options = params.options
        unknown = sorted(set(options) - _KNOWN)
        if unknown:
            msg = f"stv-meek does not take options {unknown}; known: {sorted(_KNOWN)}"
            raise InvalidCountOptions(msg)
        if params.seats < 1:
            msg = f"seats must be at least 1, got {params.seats}"
            raise InvalidCountOptions(msg)
        self.variant = str(options.get("variant", "prf"))
        if self.variant == "droop":
            self.arith: Arithmetic = arithmetic_from_options(
                options, default="guarded", default_precision=9
            )
            a = self.arith
            if isinstance(a, Guarded):
                omega10 = a.significant // 2
            elif isinstance(a, Fixed):
                omega10 = a.precision * 2 // 3
            else:
                omega10 = 10
            self.batch = str(options.get("defeat_batch", "safe"))
            if self.batch not in ("safe", "none"):
                msg = f"defeat_batch must be safe or none, got {self.batch!r}"
                raise InvalidCountOptions(msg)
        elif self.variant in ("prf", "nz"):
            self.arith = Fixed(9)
            omega10 = 6 if self.variant == "prf" else 5
            self.batch = "none"
        else:
            msg = f"variant must be prf, nz or droop, got {self.variant!r}"
            raise InvalidCountOptions(msg)
        omega_opt = options.get("omega")
        if omega_opt is not None:
            if self.variant == "prf":
                msg = "the PRF reference rule fixes omega at 6"
                raise InvalidCountOptions(msg)
            omega10 = int(str(omega_opt))
        a = self.arith
        self.omega10 = omega10
        self.omega = a.div(a.one, a.from_int(10**omega10))
        self.names = profile.candidates
        self.n = len(self.names)
        self.seats = params.seats
        withdrawn = withdrawn_indices(profile, options)
        self.prep = prepare_ballots(profile, withdrawn, equal_ranks=self.variant == "droop")
        self.valid = self.prep.valid
        self.state = [WITHDRAWN if i in withdrawn else HOPEFUL for i in range(self.n)]
        self.eligible = [i for i in range(self.n) if i not in withdrawn]
        self.ties = TieResolver(self.names, options, params.seed)
        self.vote: list[Value] = [a.zero] * self.n
        self.kf: list[Value] = [a.one if i not in withdrawn else a.zero for i in range(self.n)]
        self.quota: Value = a.zero
        self.surplus: Value = a.zero
        self.residual: Value = a.zero
        self.exhausted: Value = a.zero
        self.votes: Value = a.zero
        self.round = 0
        self.actions: list[Action] = []
        self.rounds: list[Round] = []
        self.keep_history: list[Mapping[str, Amount]] = []
        self.winners: list[int] = []
        self.groups = _Groups(self.prep.ranks, self.prep.counts, self.n)
        self.big = not (isinstance(a, Fixed) and not isinstance(a, Guarded) and a.precision <= 9)
        self._round_elected: list[int] = []
        self._round_defeated: list[int] = []

    # -- record ------------------------------------------------------------------------
    def snap(self, tag: str) -> None:
        a = self.arith
        votes: Value = a.zero
        for i in self.eligible:
            votes = votes + self.vote[i]
        self.actions.append(
            Action(
                round=self.round,
                tag=tag,
                quota=a.to_amount(self.quota),
                figures={
                    "votes": a.to_amount(votes),
                    "surplus": a.to_amount(self.surplus),
                    "residual": a.to_amount(self.residual),
                },
                states={self.names[i]: self.state[i] for i in self.eligible},
                votes={self.names[i]: a.to_amount(self.vote[i]) for i in self.eligible},
                keep_factors={self.names[i]: a.to_amount(self.kf[i]) for i in self.eligible},
            )
        )

    def hopeful(self) -> list[int]:
        return [i for i in range(self.n) if self.state[i] == HOPEFUL]

    def elected(self) -> list[int]:
        return [i for i in range(self.n) if self.state[i] == ELECTED]

    def seats_left(self) -> int:
        return self.seats - len(self.elected())

    def elect(self, c: int) -> None:
        self.state[c] = ELECTED
        self.winners.append(c)
        self._round_elected.append(c)
        self.snap("elect")

    def defeat(self, c: int) -> None:
        self.state[c] = DEFEATED
        self._round_defeated.append(c)
        self.snap("defeat")

    # -- arithmetic of one ballot step ---------------------------------------------------
    def _keep(self, w: Any, kf: Any) -> tuple[Any, Any]:
        a = self.arith
        if self.variant == "droop":
            return a.mul_array(w, kf), a.mul_array(w, a.one - kf)
        keep = a.mul_array(w, kf, up=True)
        if self.variant == "prf":
            return keep, w - keep
        return keep, a.mul_array(w, a.one - kf, up=True)

    def _keep_one(self, w: Value, kf: Value) -> tuple[Value, Value]:
        a = self.arith
        if self.variant == "droop":
            return a.mul(w, kf), a.mul(w, a.one - kf)
        keep = a.mul(w, kf, up=True)
        if self.variant == "prf":
            return keep, w - keep
        return keep, a.mul(w, a.one - kf, up=True)

    def distribute(self) -> None:
        """Share every ballot out by the current keep factors (one Meek distribution)."""
        a = self.arith
        self.groups.sync(self.state)
        matrix, stops, sizes = self.groups.groups(self.big)
        for c in range(self.n):
            if self.state[c] in (HOPEFUL, ELECTED):
                self.vote[c] = a.zero
        ngroups = stops.size
        kf_ext: Array
        if self.big:
            kf_ext = np.empty(self.n + 1, dtype=object)
            kf_ext[:] = [*self.kf, a.zero]
            w: Array = np.empty(ngroups, dtype=object)
            w[:] = [a.one] * ngroups
        else:
            kf_ext = np.asarray([*self.kf, 0], dtype=np.int64)
            w = np.full(ngroups, int(a.one), dtype=np.int64)
        guarded = isinstance(a, Guarded) and a.guard > 0
        alive = np.ones(ngroups, dtype=bool)
        kept: Value = a.zero
        for j in range(matrix.shape[1]):
            cands = matrix[:, j]
            k = kf_ext[cands]
            if not alive.all():
                k = np.where(alive, k, 0)
            keep, w = self._keep(w, k)
            value = keep * sizes
            moved = sum_by(cands, value, self.n + 1, a.zero)
            for c in range(self.n):
                if moved[c] != a.zero:
                    self.vote[c] = self.vote[c] + moved[c]
                    kept = kept + moved[c]
            # Droop stops reading a ballot once its weight is (comparably) zero
            gone = (w < a.geps) if guarded and isinstance(a, Guarded) else (w <= a.zero)
            alive &= ~((cands < self.n) & gone)
        to_stop = (stops >= 0) & alive
        if to_stop.any():
            value = w[to_stop] * sizes[to_stop]
            moved = sum_by(stops[to_stop].astype(np.int64), value, self.n, a.zero)
            for c in range(self.n):
                if moved[c] != a.zero:
                    self.vote[c] = self.vote[c] + moved[c]
                    kept = kept + moved[c]
            w = w.copy()
            w[to_stop] = a.zero
        exhausted = total_of(w * sizes, a.zero) if ngroups else a.zero
        residual: Value = a.from_int(int(self.prep.counts.sum())) - kept
        for marks, m in self.prep.equal:
            residual = residual + self._distribute_equal(marks, m)
        self.residual = residual
        self.exhausted = exhausted

    def _distribute_equal(self, ranking: tuple[tuple[int, ...], ...], m: int) -> Value:
        """Droop's recursive share of a ballot with equal rankings; returns its residual."""
        a = self.arith
        live = {c for c in range(self.n) if self.state[c] in (HOPEFUL, ELECTED)}
        residual = a.from_int(m)

        def dist(i: int, weight: Value) -> None:
            nonlocal residual
            if weight and i < len(ranking):
                cids = [c for c in ranking[i] if c in live]
                if cids:
                    share = a.div(weight, a.from_int(len(cids)))
                    for c in cids:
                        keep, rest = self._keep_one(share, self.kf[c])
                        self.vote[c] = self.vote[c] + keep * m
                        residual = residual - keep * m
                        dist(i + 1, rest)

        dist(0, a.one)
        return residual

    # -- the count -------------------------------------------------------------------------
    def calc_quota(self) -> Value:
        a = self.arith
        if self.variant == "droop":
            q = a.div(self.votes, a.from_int(self.seats + 1))
            return q if a.exact else q + a.epsilon
        return a.div(self.votes, a.from_int(self.seats + 1)) + a.epsilon

    def has_quota(self, c: int) -> bool:
        if self.variant == "droop" and self.arith.exact:
            return self.arith.gt(self.vote[c], self.quota)
        return self.arith.ge(self.vote[c], self.quota)

    def sure_losers(self, surplus: Value) -> list[int]:
        if self.batch == "none":
            return []
        return sure_loser_batch(
            self.arith,
            self.hopeful(),
            self.vote,
            surplus,
            max_defeat=len(self.hopeful()) - self.seats_left(),
        )

    def iterate(self) -> tuple[str, list[int]]:
        a = self.arith
        status = "iterate"
        last = a.from_int(self.valid)
        while True:
            self.distribute()
            votes: Value = a.zero
            for c in self.hopeful() + self.elected():
                votes = votes + self.vote[c]
            self.votes = votes
            self.quota = self.calc_quota()
            for c in [c for c in self.hopeful() if self.has_quota(c)]:
                self.elect(c)
                status = "elected"
            surplus: Value = a.zero
            for c in self.elected():
                surplus = surplus + self.vote[c] - self.quota
            if self.variant != "droop" and surplus < a.zero:
                surplus = a.zero
            self.surplus = surplus
            if status == "elected":
                return status, []
            if self.variant == "droop":
                if a.le(surplus, self.omega):
                    return "omega", []
                if a.ge(surplus, last):
                    return "stable", []
                batch = self.sure_losers(surplus)
                if batch:
                    return "batch", batch
            else:
                if a.lt(surplus, self.omega):
                    return "omega", []
                if a.ge(surplus, last):
                    return "stable", []
            last = surplus
            for c in self.elected():
                self.kf[c] = a.div(a.mul(self.kf[c], self.quota, up=True), self.vote[c], up=True)

    def knock_out(self, c: int) -> None:
        self.kf[c] = self.arith.zero
        self.vote[c] = self.arith.zero
        if self.variant == "droop":
            self.distribute()

    def close_round(self, tallies: Mapping[str, Amount], loss: Value, exhausted: Value) -> None:
        a = self.arith
        keep = {self.names[c]: a.to_amount(self.kf[c]) for c in self.elected()}
        self.keep_history.append(keep)
        note = "keep factors: " + ", ".join(f"{k} {_brief(v)}" for k, v in keep.items())
        self.rounds.append(
            Round(
                number=len(self.rounds) + 1,
                tallies=tallies,
                exhausted=a.to_amount(exhausted),
                elected=tuple(self.names[c] for c in self._round_elected),
                eliminated=tuple(self.names[c] for c in self._round_defeated),
                threshold=a.to_amount(self.quota),
                loss=a.to_amount(loss),
                note=note if keep else "",
            )
        )
        self._round_elected = []
        self._round_defeated = []

    def tallies(self) -> tuple[dict[str, Amount], Value, Value]:
        a = self.arith
        return (
            {self.names[i]: a.to_amount(self.vote[i]) for i in self.eligible},
            self.residual - self.exhausted,
            self.exhausted,
        )

    def run(self) -> CountResult:
        a = self.arith
        self.votes = a.from_int(self.valid)
        self.quota = self.calc_quota()
        ranks = self.prep.ranks
        if ranks.shape[0]:
            firsts = sum_by(ranks[:, 0].astype(np.int64), self.prep.counts, self.n, 0)
            self.vote = [a.from_int(int(v)) for v in firsts]
        for marks, m in self.prep.equal:
            share = a.div(a.one, a.from_int(len(marks[0])))
            for c in marks[0]:
                self.vote[c] = self.vote[c] + share * m
        self.snap("begin")
        while len(self.hopeful()) > self.seats_left() > 0:
            self.round += 1
            status, batch = self.iterate()
            snapshot = self.tallies()
            if status == "elected":
                self.close_round(*snapshot)
                continue
            if status == "batch":
                for c in sorted(batch):
                    self.defeat(c)
                    self.knock_out(c)
                self.close_round(*snapshot)
                continue
            hop = self.hopeful()
            if hop:
                low = min(self.vote[c] for c in hop)
                tied = [c for c in hop if a.ge(low + self.surplus, self.vote[c])]
                loser = tied[0] if len(tied) == 1 else self._tie(tied)
                self.defeat(loser)
                self.knock_out(loser)
            self.close_round(*snapshot)
        remaining = self.hopeful()
        if remaining:
            # the last stage shows the votes as they now stand (PRF and NZ do not
            # redistribute after a defeat, so share them out here without recording it)
            saved = (list(self.vote), self.residual, self.exhausted)
            self.distribute()
            snapshot = self.tallies()
            self.vote, self.residual, self.exhausted = saved
            for c in remaining:
                if len(self.elected()) < self.seats:
                    self.elect(c)
                else:
                    self.defeat(c)
                    self.knock_out(c)
            self.close_round(*snapshot)
        votes: Value = a.zero
        for c in self.elected():
            votes = votes + self.vote[c]
        self.votes = votes
        self.residual = a.from_int(self.valid) - votes
        self.snap("end")
        return CountResult(
            method="stv-meek",
            seats=self.seats,
            candidates=self.names,
            winners=tuple(self.names[c] for c in self.winners),
            rounds=tuple(self.rounds),
            valid=self.valid,
            quota=a.to_amount(self.quota),
            tie_breaks=tuple(self.ties.records),
            seed=self.ties.seed,
            details={
                "actions": tuple(a.as_mapping() for a in self.actions),
                "keep_factors": tuple(self.keep_history),
                "arithmetic": a.describe(),
                "variant": self.variant,
                "omega": f"1/10^{self.omega10}",
                "invalid": self.prep.invalid,
                "withdrawn": tuple(
                    self.names[i] for i in range(self.n) if self.state[i] == WITHDRAWN
                ),
            },
        )

    def _tie(self, tied: list[int]) -> int:
        self.snap("tie")
        return self.ties.lot(tied, purpose="elimination", round_number=self.round)


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count ``profile`` by Meek STV (see the module docstring for variants and options).

    Raises:
        InvalidCountOptions: an unknown option or value.
        CountError: a tie needs a lot and neither a seed nor a tie order was given.
    """
    return _Meek(profile, params).run()
