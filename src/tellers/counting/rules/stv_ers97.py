"""STV by the Electoral Reform Society's 1997 rules (ERS97).

Source text: Electoral Reform Society of Great Britain and Ireland, *How to conduct an
election by the Single Transferable Vote*, 3rd edition (1997), sections 4 and 5 ("ERS97";
the text is reproduced in OpenSTV's ``ERS97STV.py``, which was validated against eSTV).
The rules as implemented here:

- **5.1.6** Quota: total valid vote / (places + 1) to two decimal places; if not exact,
  the remainder is ignored and 0.01 added. **5.4.8** While nobody has been deemed
  elected, the quota is recalculated the same way ignoring non-transferable votes.
- **5.1.7, 5.3.13, 5.4.9** In descending order of votes, a continuing candidate whose vote
  equals or exceeds the quota, or the total active vote / (places unfilled + 1), is deemed
  elected, up to the number of places left.
- **5.2.2** Surpluses are deferred while their total does not exceed the difference
  between the two lowest candidates, nor the difference between the votes of the
  candidates who could be excluded together (5.2.5) and the candidate next above.
- **5.2.3** The largest surplus goes first; equal surpluses: the candidate with more votes
  at the first stage or the earliest point after a transfer where they differed, else lot.
- **5.3** A surplus arising at the first stage is taken from all the candidate's papers;
  one arising later only from the last batch received. Transfer value = surplus /
  number of transferable papers, to two places, remainder ignored (non-transferable
  difference), but never more than the papers' present value.
- **5.2.5, 5.4** With no surplus to transfer (or all deferred) the candidates with the
  fewest votes are excluded, as many together as possible while enough remain and their
  total (plus deferred surpluses) does not exceed the next candidate's vote; ties as in
  5.2.3 but for the fewest. Their papers move batch by batch, highest transfer value
  first, candidates being deemed elected after each batch (5.4.9-5.4.11).
- **5.5** When a proposed exclusion would leave as many continuing candidates as places,
  they are all elected; once all places are filled the rest are excluded.

Ties that the earlier-stage rule cannot settle are decided by ``options["tie_order"]`` or
by lot from ``CountParams.seed``. Deviation: 5.6.2 (equal votes at the boundary when
deeming candidates elected, equal at every stage) leaves all of them unelected at that
stage; here the lot decides instead.

Options: ``withdrawn``, ``tie_order`` (see :mod:`tellers.counting.stv`).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult, Transfer
from tellers.counting.stv import (
    DEFEATED,
    ELECTED,
    HOPEFUL,
    WITHDRAWN,
    Action,
    Fixed,
    RoundBook,
    TieResolver,
    advance_rows,
    prepare_ballots,
    sum_by,
    withdrawn_indices,
)
from tellers.errors import InvalidCountOptions

__all__ = ["count"]

_KNOWN = frozenset({"withdrawn", "tie_order"})
_CENT = 100  # values are held in hundredths


class _Ers97:
    def __init__(self, profile: Profile, params: CountParams) -> None:
        unknown = sorted(set(params.options) - _KNOWN)
        if unknown:
            msg = f"stv-ers97 takes no options {unknown}; known: {sorted(_KNOWN)}"
            raise InvalidCountOptions(msg)
        if params.seats < 1:
            msg = f"seats must be at least 1, got {params.seats}"
            raise InvalidCountOptions(msg)
        self.arith = Fixed(2)
        self.names = profile.candidates
        self.n = len(self.names)
        self.seats = params.seats
        withdrawn = withdrawn_indices(profile, params.options)
        self.prep = prepare_ballots(profile, withdrawn, equal_ranks=False)
        self.valid = self.prep.valid
        self.state = [WITHDRAWN if i in withdrawn else HOPEFUL for i in range(self.n)]
        self.eligible = [i for i in range(self.n) if i not in withdrawn]
        self.ties = TieResolver(self.names, params.options, params.seed)
        ranks = self.prep.ranks
        rows = ranks.shape[0]
        self.ranks = ranks
        self.counts = self.prep.counts
        self.ptr = np.zeros(rows, dtype=np.int64)
        self.top = ranks[:, 0].astype(np.int32) if rows else np.zeros(0, dtype=np.int32)
        self.value = np.full(rows, _CENT, dtype=np.int64)
        self.batch = np.zeros(rows, dtype=np.int64)
        self.batches = 0
        self.last_batch = [0] * self.n
        self.vote = [0] * self.n
        self.nontransferable = 0
        self.surplus_done: set[int] = set()
        self.winners: list[int] = []
        self.history: list[list[int]] = []
        self.actions: list[Action] = []
        self.stage = 0
        self.book = RoundBook(self.names, self.eligible, self.arith)

    # -- helpers -----------------------------------------------------------------------
    def continuing(self) -> list[int]:
        return [c for c in range(self.n) if self.state[c] == HOPEFUL]

    def elected(self) -> list[int]:
        return [c for c in range(self.n) if self.state[c] == ELECTED]

    def places_left(self) -> int:
        return self.seats - len(self.elected())

    @staticmethod
    def quota_for(total: int, places: int) -> int:
        """5.1.6 on a total in hundredths."""
        q, r = divmod(total, places + 1)
        return q + 1 if r else q

    def surplus(self, c: int) -> int:
        return max(self.vote[c] - self.quota, 0)

    def snap(self, tag: str) -> None:
        a = self.arith
        self.actions.append(
            Action(
                round=self.stage,
                tag=tag,
                quota=a.to_amount(self.quota),
                figures={"nontransferable": a.to_amount(self.nontransferable)},
                states={self.names[i]: self.state[i] for i in self.eligible},
                votes={self.names[i]: a.to_amount(self.vote[i]) for i in self.eligible},
            )
        )

    def loss(self) -> int:
        return self.valid * _CENT - self.nontransferable - sum(self.vote[c] for c in self.eligible)

    def ensure_stage(self) -> None:
        if not self.book.is_open:
            self.book.open(self.vote, self.nontransferable, self.loss(), self.quota)

    def earliest_difference(self, tied: list[int], *, fewest: bool, purpose: str) -> int:
        """5.2.3 / 5.2.5 / 5.6.2: the first point in the count where they differed."""
        for past in self.history:
            values = [past[c] for c in tied]
            extreme = min(values) if fewest else max(values)
            if values.count(extreme) == 1:
                chosen = tied[values.index(extreme)]
                self.ties.record(
                    tied,
                    self.names[chosen],
                    purpose=purpose,
                    how="earlier stages",
                    round_number=self.stage,
                )
                return chosen
            if values.count(extreme) < len(tied):
                tied = [c for c in tied if past[c] == extreme]
        return self.ties.lot(tied, purpose=purpose, round_number=self.stage)

    def record_point(self) -> None:
        self.history.append(list(self.vote))

    # -- electing ------------------------------------------------------------------------
    def deem_elected(self) -> None:
        """5.1.7 / 5.3.13 / 5.4.9."""
        places = self.places_left()
        if places <= 0:
            return
        elected_votes = sum(min(self.vote[c], self.quota) for c in self.elected())
        active = self.valid * _CENT - self.nontransferable - elected_votes
        bar = Fraction(active, places + 1)
        reaching = [
            c for c in self.continuing() if self.vote[c] >= self.quota or self.vote[c] >= bar
        ]
        reaching.sort(key=lambda c: -self.vote[c])
        chosen: list[int] = []
        while reaching and len(chosen) < places:
            top = self.vote[reaching[0]]
            level = [c for c in reaching if self.vote[c] == top]
            room = places - len(chosen)
            if len(level) <= room:
                chosen.extend(level)
            else:
                while len(chosen) < places:
                    pick = self.earliest_difference(level, fewest=False, purpose="election")
                    chosen.append(pick)
                    level.remove(pick)
            reaching = [c for c in reaching if c not in chosen and self.vote[c] != top]
        for c in chosen:
            self.ensure_stage()
            self.state[c] = ELECTED
            self.winners.append(c)
            self.book.elect(c)
            self.snap("elect")
        if chosen:
            # the total active vote bar may now be lower (as in OpenSTV's ERS97)
            self.deem_elected()

    # -- moving papers -------------------------------------------------------------------
    def move(self, idx: np.ndarray, values: np.ndarray | None) -> tuple[dict[int, int], int]:
        """Send rows ``idx`` to their next continuing preference at ``values`` (or their
        present values); returns value credited per candidate and the value of papers
        that had no next preference (at their present value)."""
        code = np.zeros(self.n + 1, dtype=np.int8)
        for c in self.continuing():
            code[c + 1] = 1
        dest = advance_rows(self.ranks, self.ptr, idx, code)
        old_values = self.value[idx]
        if values is not None:
            self.value[idx] = values
        self.top[idx] = dest
        self.batches += 1
        self.batch[idx] = self.batches
        gone = dest < 0
        credit = self.value[idx] * self.counts[idx]
        moved = sum_by(dest[~gone].astype(np.int64), credit[~gone], self.n, 0)
        out: dict[int, int] = {}
        for c in range(self.n):
            if moved[c]:
                self.vote[c] += int(moved[c])
                self.last_batch[c] = self.batches
                out[c] = int(moved[c])
        lost = int((old_values[gone] * self.counts[idx][gone]).sum())
        self.value[idx[gone]] = 0
        return out, lost

    def transfer_surplus(self, c: int) -> None:
        """5.3."""
        self.ensure_stage()
        surplus = self.vote[c] - self.quota
        if self.last_batch[c] == 0:
            idx = np.flatnonzero(self.top == c)
        else:
            idx = np.flatnonzero((self.top == c) & (self.batch == self.last_batch[c]))
        code = np.zeros(self.n + 1, dtype=np.int8)
        for h in self.continuing():
            code[h + 1] = 1
        # find which papers are transferable without moving them yet
        probe = self.ptr.copy()
        dest = advance_rows(self.ranks, probe, idx, code)
        transferable = idx[dest >= 0]
        papers = int(self.counts[transferable].sum())
        present = int((self.value[transferable] * self.counts[transferable]).sum())
        if papers and present > surplus:
            tv: np.ndarray | None = np.full(transferable.size, surplus // papers, dtype=np.int64)
        else:
            tv = None
        moved, _ = self.move(transferable, tv)
        # the papers with no next preference stay set aside with the candidate
        credited = sum(moved.values())
        difference = surplus - credited
        self.nontransferable += difference
        self.vote[c] = self.quota
        self.surplus_done.add(c)
        self.book.transfer(
            Transfer(
                source=self.names[c],
                reason="surplus",
                to={self.names[d]: self.arith.to_amount(v) for d, v in moved.items()},
                exhausted=self.arith.to_amount(difference),
                loss=0,
            )
        )
        self.snap("transfer")
        self.record_point()
        self.deem_elected()
        self.book.close()

    def exclude(self, losers: Sequence[int]) -> None:
        """5.4: papers move in batches of equal value, highest first."""
        self.ensure_stage()
        for c in losers:
            self.state[c] = DEFEATED
            self.book.eliminate(c)
            self.snap("defeat")
        idx_all = np.flatnonzero(np.isin(self.top, np.asarray(list(losers), dtype=np.int32)))
        before_total = sum(self.vote[c] for c in losers)
        credited: dict[int, int] = {}
        lost_total = 0
        for v in sorted(set(self.value[idx_all].tolist()), reverse=True):
            idx = idx_all[self.value[idx_all] == v]
            moved, lost = self.move(idx, None)
            for d, amount in moved.items():
                credited[d] = credited.get(d, 0) + amount
            lost_total += lost
            self.nontransferable += lost
            if not self.elected() and lost:
                self.quota = self.quota_for(
                    self.valid * _CENT - self.nontransferable, self.seats
                )  # 5.4.8
            self.record_point()
            self.deem_elected()
            if self.places_left() <= 0:
                break
        for c in losers:
            # papers left untransferred once every place is filled (5.5.2) stay put
            here = self.top == c
            self.vote[c] = int((self.value[here] * self.counts[here]).sum())
        self.book.transfer(
            Transfer(
                source=", ".join(self.names[c] for c in losers),
                reason="eliminated",
                to={self.names[d]: self.arith.to_amount(v) for d, v in credited.items()},
                exhausted=self.arith.to_amount(lost_total),
                loss=self.arith.to_amount(
                    before_total
                    - sum(credited.values())
                    - lost_total
                    - sum(self.vote[c] for c in losers)
                ),
            )
        )
        self.snap("transfer")
        self.book.close()

    # -- choosing ------------------------------------------------------------------------
    def exclusion_batch(self, deferred: int) -> list[int]:
        """5.2.5: the most candidates that may be excluded together (fewest votes)."""
        cont = sorted(self.continuing(), key=lambda c: self.vote[c])
        best = 0
        total = 0
        for k in range(1, len(cont)):
            total += self.vote[cont[k - 1]]
            if len(cont) - k < self.places_left():
                break
            if (
                total + deferred <= self.vote[cont[k]]
                and self.vote[cont[k]] > self.vote[cont[k - 1]]
            ):
                best = k
        return cont[:best]

    def lowest(self) -> int:
        cont = self.continuing()
        low = min(self.vote[c] for c in cont)
        tied = [c for c in cont if self.vote[c] == low]
        if len(tied) == 1:
            return tied[0]
        return self.earliest_difference(tied, fewest=True, purpose="elimination")

    def run(self) -> CountResult:
        a = self.arith
        if self.ranks.shape[0]:
            firsts = sum_by(self.top.astype(np.int64), self.value * self.counts, self.n, 0)
            self.vote = [int(v) for v in firsts]
        self.quota = self.quota_for(self.valid * _CENT, self.seats)
        self.snap("begin")
        self.record_point()
        self.ensure_stage()
        self.deem_elected()
        while self.places_left() > 0:
            cont = self.continuing()
            if len(cont) <= self.places_left():
                break
            pending = [
                c for c in self.elected() if c not in self.surplus_done and self.surplus(c) > 0
            ]
            total_surplus = sum(self.surplus(c) for c in pending)
            if pending and not self._defer(total_surplus):
                self.stage += 1
                high = max(self.surplus(c) for c in pending)
                tied = [c for c in pending if self.surplus(c) == high]
                chosen = (
                    tied[0]
                    if len(tied) == 1
                    else self.earliest_difference(tied, fewest=False, purpose="surplus order")
                )
                self.transfer_surplus(chosen)
                continue
            self.stage += 1
            batch = self.exclusion_batch(total_surplus if pending else 0)
            losers = batch if len(batch) >= 2 else [self.lowest()]
            if len(cont) - len(losers) <= self.places_left():  # 5.5.1
                self.ensure_stage()
                for c in losers:
                    self.state[c] = DEFEATED
                    self.book.eliminate(c)
                    self.snap("defeat")
                break
            self.exclude(losers)
        self.ensure_stage()
        if self.places_left() > 0:
            for c in self.continuing():
                self.state[c] = ELECTED
                self.winners.append(c)
                self.book.elect(c)
                self.snap("elect")
        for c in self.continuing():
            self.state[c] = DEFEATED
            self.book.eliminate(c)
            self.snap("defeat")
        self.snap("end")
        self.book.close()
        return CountResult(
            method="stv-ers97",
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
            },
        )

    def _defer(self, total_surplus: int) -> bool:
        """5.2.2: may the surpluses wait?"""
        cont = sorted(self.continuing(), key=lambda c: self.vote[c])
        if len(cont) < 2 or len(cont) - 1 < self.places_left():
            return False
        if total_surplus <= self.vote[cont[1]] - self.vote[cont[0]]:
            return True
        batch = self.exclusion_batch(total_surplus)
        if len(batch) >= 2:
            above = cont[len(batch)]
            return total_surplus <= self.vote[above] - sum(self.vote[c] for c in batch)
        return False


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count ``profile`` by the ERS97 rules (see the module docstring).

    Raises:
        InvalidCountOptions: an unknown option, or fewer than one seat.
        CountError: a tie needs a lot and neither a seed nor a tie order was given.
    """
    return _Ers97(profile, params).run()
