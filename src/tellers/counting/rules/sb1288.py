"""Ranked choice voting as California SB 1288 (2016) counts it: IRV for one seat, STV for more.

Source text: California Senate Bill 1288 (2015-2016 session, Leno), enrolled 26 August
2016, passed by the Legislature and vetoed. It would have added Division 22 to the
Elections Code; Chapter 1 defines the terms used below (continuing candidate, overvote,
skipped ranking, abstention, exhausted ballot, threshold) and Chapter 2 gives the counts:
single-winner RCV (instant runoff), which the bill explicitly lets an officer shorten by
defeating several candidates at once, and multiple-winner RCV (single transferable vote,
weighted inclusive Gregory with five decimal places), **Elections Code section 22101** as
the reference's ``stv-altdefs.md`` cites it, the IRV section preceding it. The bill was
drafted so
that "any two conforming implementations would produce the same results". Where its
wording leaves a choice (how ties are broken, whether an IRV count stops at the first
majority, how rankings are expressed) we follow the author's reference implementation,
DavidCary/CA-SB1288 (package ``sb1288``: ``rcv.Tabulation``, ``ballot.Ballot.get_hrcc``,
``decimal5.Decimal5``), and its JSON test cases, which pin every round of every case (see
``tests/golden/test_sb1288_conformance.py``). Subdivision letters below are those the
reference's ``stv-altdefs.md`` cites; the other steps are described, not lettered.

How a ballot counts (Chapter 1, as the reference reads it). Each round a ballot counts for
its *highest-ranked continuing candidate*: its rankings are read from the first; a skipped
ranking (no mark) is passed over, however many there are; a ranking of a candidate who is
no longer continuing (defeated, or already elected) is passed over, so a candidate ranked
twice simply counts once; an **overvote** (several candidates at one ranking) reached
before any continuing candidate stops the ballot, which then counts under
``"overvotes"``. A ballot with no continuing candidate left and no overvote is an
**abstention** if the voter ranked fewer distinct candidates than the ballot allowed
(``max_ranking_levels``), otherwise it is **other exhausted**. The three are reported
every round (:attr:`Round.inactive`), cumulatively.

Single-winner count (IRV, ``seats == 1``), round by round:

1. Tally the votes of the continuing candidates (one vote per ballot).
2. With only one candidate, elect them. With two continuing candidates, defeat the one
   with fewer votes and elect the other: the count always runs to the last two
   ("finalists") unless the ``stop_at_majority`` option is set, in which case a candidate
   with more than half of the continuing votes is elected at once.
3. Otherwise defeat the continuing candidate with the fewest votes and transfer their
   ballots. Under the ``alternative_defeats`` option several are defeated at once: the
   largest group of lowest candidates whose combined votes are fewer than the votes of the
   next candidate up (never fewer than two candidates remain).

Multiple-winner count (STV, section 22101, ``seats > 1``), round by round:

- Round 1: the **threshold** is the total of the votes counting for candidates divided by
  ``seats + 1``, rounded *up* at the fifth decimal place (``decimal5`` division with
  ``round_away``); for 15 votes and 2 seats it is exactly 5 (reference case ``stv-001``),
  for 16 votes 5.33334.
- If in round 1 there are no more candidates than seats, all are elected.
- Every continuing candidate with *more than* the threshold is elected.
- When the seats are filled, all remaining continuing candidates are defeated.

(f) Otherwise, if any elected candidate has votes above the threshold, the **surplus** is
    transferred: the surplus fraction is ``surplus / votes``, truncated to five decimal
    places; each of the candidate's ballots keeps its *transfer value* times that fraction,
    truncated to five places, and moves on to its next continuing candidate (or to an
    inactive pile); the elected candidate keeps the threshold. What truncation loses is
    the cumulative **residual surplus** (:attr:`Round.loss`).
(g) If no surplus is transferred, the continuing candidate with the fewest votes is
    defeated; (g)(1) if the continuing candidates can now fill exactly the remaining
    seats they are all elected; (g)(2) else the defeated candidate's ballots are
    transferred at their current values.

Every amount is a multiple of 0.00001 held as a scaled integer and every product or
quotient is truncated toward zero, exactly as the reference's ``decimal5``; results are
reported as :class:`~decimal.Decimal` with five places (STV) or as ``int`` (IRV).

**Ties** for defeat are broken by the ``tie_breaker`` option, an order of candidate names
fixed in advance (by lot, in public): the tied candidate *earliest* in it is defeated. A
tie among candidates the order omits is an error, as in the reference. With no
``tie_breaker`` at all, lots are drawn from the published ``seed`` (:class:`Lot`); with
neither, a tie is an error.

**STV alternative defeats** (``alternative_defeats``; the reference's extension, file
``stv-altdefs.md``, which the bill as introduced contained and left to Secretary of State
regulations): just before (f), the largest group of continuing candidates with the
fewest votes that satisfies all of these is defeated at once, deferring any surplus:
(1) the elected plus the continuing candidates outside the group are at least the seats;
(2) the group's votes plus all elected candidates' surplus are fewer than the votes of any
continuing candidate outside the group; (3) one seat remains unfilled, or the candidates
outside the group exactly fill the remaining seats, or the group's votes plus the surplus
plus the leading candidate's votes do not exceed the threshold, or there is no surplus
and the group's votes less its strongest member's plus the leading candidate's votes do
not exceed the threshold. Then (g)(1) and (g)(2) complete the round.

Options (``CountParams.options``):

- ``tie_breaker``: sequence of candidate names (earlier is defeated first).
- ``max_ranking_levels``: the number of rankings a ballot offered (an ``int`` of at least 3),
  or ``None`` when unlimited, which we read as "as many as there are candidates". A
  ballot with marks beyond it is rejected.
- ``stop_at_majority``: ``bool``, IRV only (default ``False``).
- ``alternative_defeats``: ``"Y"`` or ``"N"`` (any case), or one such value per round
  (default ``"N"``).

The result's ``details["status_codes"]`` holds, for every candidate, ``(candidate,
"elected" | "defeated", round, votes)``: the round in which the candidate was decided and
the votes they had in it, as the reference reports them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tellers.counting.amounts import Amount
from tellers.counting.methods import CountParams
from tellers.counting.profile import OVERVOTE, Profile
from tellers.counting.rounds import CountResult, Round, TieBreak, Transfer
from tellers.counting.ties import ByOrder, Lot, TieBreaker
from tellers.errors import CountError, InvalidCountOptions

__all__ = [
    "ABSTENTIONS",
    "INACTIVE",
    "OTHER_EXHAUSTED",
    "OVERVOTES",
    "PLACES",
    "count",
    "reference_tally",
]

PLACES = 5
"""Decimal places of every STV amount (section 22101)."""

_SCALE: int = 100_000  # 10 ** PLACES

OVERVOTES = "overvotes"
"""Inactive pile: the ballot reached an overvote before any continuing candidate."""

ABSTENTIONS = "abstentions"
"""Inactive pile: no continuing candidate left, and fewer candidates ranked than allowed."""

OTHER_EXHAUSTED = "other exhausted"
"""Inactive pile: no continuing candidate left after ranking as many as allowed."""

INACTIVE = (OVERVOTES, ABSTENTIONS, OTHER_EXHAUSTED)
"""The inactive piles, in the reference's report order."""

_CONTINUING = "continuing"
_ELECTED = "elected"
_DEFEATED = "defeated"

_OPTION_NAMES = frozenset(
    {"tie_breaker", "max_ranking_levels", "stop_at_majority", "alternative_defeats"}
)
_MIN_RANKINGS = 3
_YES = "Y"
_NO = "N"

# Labels of the reference's tally rows (``sb1288.constants``).
_REFERENCE_LABELS = {
    OVERVOTES: ":Overvotes",
    ABSTENTIONS: ":Abstentions",
    OTHER_EXHAUSTED: ":Other exhausted",
}
_RESIDUAL_LABEL = ":Residual surplus"


def _truncating_div(numerator: int, denominator: int) -> int:
    """Integer quotient truncated toward zero (``decimal5.div_to_int``)."""
    quotient = abs(numerator) // abs(denominator)
    return -quotient if (numerator < 0) != (denominator < 0) else quotient


def _times(a: int, b: int) -> int:
    """Product of two scaled amounts, truncated to five places."""
    return _truncating_div(a * b, _SCALE)


def _divided_by(a: int, b: int) -> int:
    """Quotient of two scaled amounts, truncated to five places."""
    return _truncating_div(a * _SCALE, b)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Rules:
    seats: int
    tie_breaker: tuple[str, ...] | None
    max_ranking_levels: int | None
    stop_at_majority: bool
    alternative_defeats: str | tuple[str, ...]


@dataclass(slots=True, kw_only=True)
class _RoundRecord:
    number: int
    tallies: dict[int, int] = field(default_factory=dict)
    piles: dict[str, int] = field(default_factory=dict)
    residual: int = 0
    elected: list[int] = field(default_factory=list)
    defeated: list[int] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)


def _read_rules(params: CountParams) -> _Rules:
    seats = params.seats
    if isinstance(seats, bool) or not isinstance(seats, int):
        msg = f"nbr_seats_to_fill not an int: the number of seats is {seats!r}"
        raise InvalidCountOptions(msg)
    if seats < 1:
        msg = f"nbr_seats_to_fill not >= 1: the number of seats to fill is {seats}"
        raise InvalidCountOptions(msg)
    options = params.options
    unknown = sorted(set(options) - _OPTION_NAMES)
    if unknown:
        msg = f"unknown SB 1288 options {unknown}; known: {sorted(_OPTION_NAMES)}"
        raise InvalidCountOptions(msg)
    tie_breaker = options.get("tie_breaker")
    if tie_breaker is not None:
        if isinstance(tie_breaker, str) or not isinstance(tie_breaker, Sequence):
            msg = f"tie_breaker must be a sequence of candidate names, got {tie_breaker!r}"
            raise InvalidCountOptions(msg)
        order = tuple(str(name) for name in tie_breaker)
        if len(set(order)) != len(order):
            msg = f"candidate names in tie_breaker are not unique: {order!r}"
            raise InvalidCountOptions(msg)
    else:
        order = None
    levels = options.get("max_ranking_levels")
    if levels is not None and (
        isinstance(levels, bool) or not isinstance(levels, int) or levels < _MIN_RANKINGS
    ):
        msg = f"max_ranking_levels must be None or an int of at least 3, got {levels!r}"
        raise InvalidCountOptions(msg)
    stop = options.get("stop_at_majority", False)
    if not isinstance(stop, bool):
        msg = f"stop_at_majority must be True or False, got {stop!r}"
        raise InvalidCountOptions(msg)
    return _Rules(
        seats=seats,
        tie_breaker=order,
        max_ranking_levels=levels,
        stop_at_majority=stop,
        alternative_defeats=_read_alternative_defeats(options.get("alternative_defeats", _NO)),
    )


def _read_alternative_defeats(value: object) -> str | tuple[str, ...]:
    if isinstance(value, str):
        if value.upper() in (_YES, _NO):
            return value.upper()
        msg = f"alternative_defeats must be 'Y', 'N' or one of them per round, got {value!r}"
        raise InvalidCountOptions(msg)
    if isinstance(value, Sequence):
        per_round = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or item.upper() not in (_YES, _NO):
                msg = f"alternative_defeats for round {index + 1} must be 'Y' or 'N': {item!r}"
                raise InvalidCountOptions(msg)
            per_round.append(item.upper())
        return tuple(per_round)
    msg = f"alternative_defeats must be 'Y', 'N' or one of them per round, got {value!r}"
    raise InvalidCountOptions(msg)


class _Tabulation:
    """The state of one count: where each distinct ballot lies, and with what value."""

    def __init__(self, profile: Profile, rules: _Rules, seed: int | None) -> None:
        self.names = profile.candidates
        self.rules = rules
        self.seed = seed
        self.is_irv = rules.seats == 1
        self.rows: list[list[int]] = profile.ranks.tolist()
        self.counts: list[int] = [int(n) for n in profile.counts.tolist()]
        self.values = [_SCALE] * len(self.rows)
        """Transfer value of each distinct ballot (scaled)."""
        self.position = [0] * len(self.rows)
        """Where the last search for a continuing candidate stopped; never moves back."""
        self.distinct = [len({cell for cell in row if cell >= 0}) for row in self.rows]
        self.limit = (
            rules.max_ranking_levels if rules.max_ranking_levels is not None else len(self.names)
        )
        self._check_ballot_lengths()
        self.status = [_CONTINUING] * len(self.names)
        self.status_round = [0] * len(self.names)
        self.status_votes = [0] * len(self.names)
        self.piles: dict[int | str, list[int]] = {c: [] for c in range(len(self.names))}
        for pile in INACTIVE:
            self.piles[pile] = []
        self.round = 0
        self.threshold = 0
        self.residual = 0
        self.records: list[_RoundRecord] = []
        self.tie_breaks: list[TieBreak] = []
        self.breaker: TieBreaker | None = None
        if rules.tie_breaker is not None:
            self.breaker = ByOrder(rules.tie_breaker, last_loses=False)
        elif seed is not None:
            self.breaker = Lot(seed)

    def _check_ballot_lengths(self) -> None:
        levels = self.rules.max_ranking_levels
        if levels is None:
            return
        for index, row in enumerate(self.rows):
            marked = [r for r, cell in enumerate(row) if cell != -1]
            if marked and marked[-1] >= levels:
                msg = (
                    f"ballot {index} has a mark at ranking {marked[-1] + 1}, but ballots "
                    f"offer only {levels} rankings (max_ranking_levels)"
                )
                raise CountError(msg)

    # -- ballots --------------------------------------------------------------------------

    def _next_choice(self, row: int) -> int | str:
        """The ballot's highest-ranked continuing candidate, or the pile it now lies in."""
        cells = self.rows[row]
        for index in range(self.position[row], len(cells)):
            cell = cells[index]
            if cell == OVERVOTE:
                self.position[row] = index
                return OVERVOTES
            if cell >= 0 and self.status[cell] == _CONTINUING:
                self.position[row] = index
                return cell
        self.position[row] = len(cells)
        return ABSTENTIONS if self.distinct[row] < self.limit else OTHER_EXHAUSTED

    def _votes(self, row: int) -> int:
        return self.values[row] * self.counts[row]

    def _pile_votes(self, pile: int | str) -> int:
        return sum(self.values[r] * self.counts[r] for r in self.piles[pile])

    def _move(self, rows: list[int]) -> tuple[dict[int | str, int], int]:
        """Move ballots on to their next choices; the amounts each received, and the total."""
        received: dict[int | str, int] = {}
        total = 0
        for row in rows:
            to = self._next_choice(row)
            self.piles[to].append(row)
            amount = self._votes(row)
            received[to] = received.get(to, 0) + amount
            total += amount
        return received, total

    def _transfer(
        self, source: int, reason: str, received: Mapping[int | str, int], loss: int
    ) -> Transfer:
        return Transfer(
            source=self.names[source],
            reason=reason,
            to={
                self.names[to]: self._amount(received[to])
                for to in sorted(k for k in received if isinstance(k, int))
            },
            exhausted=self._amount(sum(received.get(pile, 0) for pile in INACTIVE)),
            loss=self._amount(loss),
        )

    # -- candidates -----------------------------------------------------------------------

    def _with_status(self, status: str) -> list[int]:
        return [c for c, s in enumerate(self.status) if s == status]

    def _elect(self, candidates: Sequence[int], record: _RoundRecord) -> None:
        for c in candidates:
            assert self.status[c] == _CONTINUING, self.names[c]
            self.status[c] = _ELECTED
            record.elected.append(c)

    def _defeat(self, candidates: Sequence[int], record: _RoundRecord) -> None:
        for c in candidates:
            assert self.status[c] == _CONTINUING, self.names[c]
            self.status[c] = _DEFEATED
            record.defeated.append(c)

    def _fewest(self) -> int:
        """The continuing candidate with the fewest votes, after breaking any tie."""
        continuing = self._with_status(_CONTINUING)
        fewest = min(self.status_votes[c] for c in continuing)
        tied = [c for c in continuing if self.status_votes[c] == fewest]
        if len(tied) == 1:
            return tied[0]
        names = [self.names[c] for c in tied]
        order = self.rules.tie_breaker
        if order is not None:
            missing = [name for name in names if name not in order]
            if missing:
                msg = (
                    f"tied candidate not in tie_breaker: {missing[0]!r} in round "
                    f"{self.round}, tied {sorted(names)}, tie_breaker {list(order)}"
                )
                raise CountError(msg)
            names.sort(key=order.index)
        if self.breaker is None:
            msg = (
                f"candidates {sorted(names)} are tied for defeat in round {self.round}, "
                "and neither a tie_breaker order nor a seed for lots was given"
            )
            raise CountError(msg)
        chosen = self.breaker.choose(names, purpose="elimination")
        self.tie_breaks.append(
            TieBreak(
                round=self.round,
                purpose="elimination",
                tied=tuple(names),
                chosen=chosen,
                how=self.breaker.how,
            )
        )
        return self.names.index(chosen)

    def _alternative_defeats_now(self) -> bool:
        option = self.rules.alternative_defeats
        if isinstance(option, str):
            return option == _YES
        if self.round > len(option):
            msg = (
                f"alternative_defeats gives {len(option)} per-round values, "
                f"but the count reached round {self.round}"
            )
            raise InvalidCountOptions(msg)
        return option[self.round - 1] == _YES

    # -- rounds ---------------------------------------------------------------------------

    def _tally(self) -> _RoundRecord:
        """Tally the round; continuing candidates' status votes follow the tally."""
        record = _RoundRecord(number=self.round)
        for c, status in enumerate(self.status):
            if status == _DEFEATED:
                continue
            votes = self._pile_votes(c)
            if status == _ELECTED and votes == 0 and not self.is_irv:
                votes = self.threshold
            record.tallies[c] = votes
            if status == _CONTINUING:
                self.status_round[c] = self.round
                self.status_votes[c] = votes
        for pile in INACTIVE:
            record.piles[pile] = self._pile_votes(pile)
        record.residual = self.residual
        self.records.append(record)
        return record

    def _start_round(self) -> _RoundRecord:
        self.round += 1
        if self.round == 1:
            self._move(list(range(len(self.rows))))
            if not self.is_irv:
                candidates_total = sum(self._pile_votes(c) for c in range(len(self.names)))
                divisor = self.rules.seats + 1
                self.threshold = -(-candidates_total // divisor)  # up, at the 5th place
        return self._tally()

    def irv_round(self) -> bool:
        """One round of section 22100; whether another round follows."""
        record = self._start_round()
        if self.round == 1 and len(self.names) <= 1:
            self._elect(self._with_status(_CONTINUING), record)
            return False
        continuing = self._with_status(_CONTINUING)
        if len(continuing) == 2:
            loser = self._fewest()
            self._defeat([loser], record)
            self._elect(self._with_status(_CONTINUING), record)
            return False
        votes = {c: self.status_votes[c] for c in continuing}
        most = max(votes.values())
        if self.rules.stop_at_majority and 2 * most > sum(votes.values()):
            leaders = [c for c in continuing if votes[c] == most]
            self._elect(leaders, record)
            self._defeat([c for c in continuing if c not in leaders], record)
            return False
        defeated: list[int] = []
        if self._alternative_defeats_now():
            defeated = self._irv_alternative_defeats(votes)
        if not defeated:
            defeated = [self._fewest()]
        self._defeat(defeated, record)
        self._transfer_from_defeated(defeated, record)
        return True

    @staticmethod
    def _irv_alternative_defeats(votes: Mapping[int, int]) -> list[int]:
        """The largest group of lowest candidates, together fewer than the next one up."""
        by_votes = sorted(votes.items(), key=lambda item: item[1], reverse=True)
        lesser = sum(votes.values())
        for index, (_, candidate_votes) in enumerate(by_votes):
            lesser -= candidate_votes
            if index > 0 and lesser < candidate_votes:
                return sorted(c for c, _ in by_votes[index + 1 :])
        return []

    def stv_round(self) -> bool:
        """One round of section 22101; whether another round follows."""
        record = self._start_round()
        seats = self.rules.seats
        if self.round == 1 and len(self._with_status(_CONTINUING)) <= seats:
            self._elect(self._with_status(_CONTINUING), record)
            return False
        with_surplus = [c for c, votes in record.tallies.items() if votes > self.threshold]
        self._elect([c for c in with_surplus if self.status[c] == _CONTINUING], record)
        if len(self._with_status(_ELECTED)) == seats:
            self._defeat(self._with_status(_CONTINUING), record)
            return False
        defeated: list[int] = []
        if self._alternative_defeats_now():
            defeated = self._stv_alternative_defeats(record)
            self._defeat(defeated, record)
        if not defeated:
            if with_surplus:
                self._transfer_surplus(with_surplus, record)
            else:
                defeated = [self._fewest()]
                self._defeat(defeated, record)
        continuing = self._with_status(_CONTINUING)
        if len(continuing) + len(self._with_status(_ELECTED)) == seats:
            self._elect(continuing, record)
            return False
        self._transfer_from_defeated(defeated, record)
        return True

    def _stv_alternative_defeats(self, record: _RoundRecord) -> list[int]:
        """The largest group of lowest candidates that the altdefs conditions let go."""
        seats = self.rules.seats
        elected = self._with_status(_ELECTED)
        unfilled = seats - len(elected)
        surplus = sum(max(0, record.tallies[c] - self.threshold) for c in elected)
        votes = {c: self.status_votes[c] for c in self._with_status(_CONTINUING)}
        ascending = sorted(votes, key=lambda c: votes[c])
        leading = max(votes.values())
        chosen: list[int] = []
        for size in range(1, len(ascending)):
            group, rest = ascending[:size], ascending[size:]
            group_votes = sum(votes[c] for c in group)
            enough_left = len(elected) + len(rest) >= seats
            all_lower = group_votes + surplus < min(votes[c] for c in rest)
            cannot_matter = (
                unfilled == 1
                or len(rest) == unfilled
                or group_votes + surplus + leading <= self.threshold
                or (
                    surplus == 0
                    and group_votes - max(votes[c] for c in group) + leading <= self.threshold
                )
            )
            if enough_left and all_lower and cannot_matter:
                chosen = sorted(group)
        return chosen

    def _transfer_surplus(self, candidates: Sequence[int], record: _RoundRecord) -> None:
        """Section 22101(f): pass on each surplus at truncated transfer values."""
        for c in sorted(candidates):
            votes = record.tallies[c]
            surplus = votes - self.threshold
            fraction = _divided_by(surplus, votes)
            rows = self.piles[c]
            self.piles[c] = []
            for row in rows:
                self.values[row] = _times(self.values[row], fraction)
            received, moved = self._move(rows)
            loss = surplus - moved
            self.residual += loss
            record.transfers.append(self._transfer(c, "surplus", received, loss))

    def _transfer_from_defeated(self, defeated: Sequence[int], record: _RoundRecord) -> None:
        for c in defeated:
            rows = self.piles[c]
            self.piles[c] = []
            received, _ = self._move(rows)
            record.transfers.append(self._transfer(c, "eliminated", received, 0))

    # -- result ---------------------------------------------------------------------------

    def _amount(self, scaled: int) -> Amount:
        if self.is_irv:
            return scaled // _SCALE
        return Decimal(scaled).scaleb(-PLACES)

    def result(self, profile: Profile) -> CountResult:
        threshold = None if self.is_irv else self._amount(self.threshold)
        rounds = tuple(
            Round(
                number=record.number,
                tallies={self.names[c]: self._amount(v) for c, v in record.tallies.items()},
                exhausted=self._amount(sum(record.piles.values())),
                inactive={pile: self._amount(record.piles[pile]) for pile in INACTIVE},
                elected=tuple(self.names[c] for c in record.elected),
                eliminated=tuple(self.names[c] for c in record.defeated),
                threshold=threshold,
                transfers=tuple(record.transfers),
                loss=self._amount(record.residual),
            )
            for record in self.records
        )
        elected = sorted(
            self._with_status(_ELECTED),
            key=lambda c: (self.status_round[c], -self.status_votes[c], c),
        )
        status_codes = tuple(
            (
                self.names[c],
                self.status[c],
                self.status_round[c],
                self._amount(self.status_votes[c]),
            )
            for c in range(len(self.names))
        )
        return CountResult(
            method="irv-sb1288" if self.is_irv else "stv-sb1288",
            seats=self.rules.seats,
            candidates=self.names,
            winners=tuple(self.names[c] for c in elected),
            rounds=rounds,
            valid=profile.total,
            quota=threshold,
            tie_breaks=tuple(self.tie_breaks),
            seed=self.seed if isinstance(self.breaker, Lot) else None,
            details={
                "status_codes": status_codes,
                "tie_breaker": self.rules.tie_breaker,
                "max_ranking_levels": self.rules.max_ranking_levels,
                "stop_at_majority": self.rules.stop_at_majority,
                "alternative_defeats": self.rules.alternative_defeats,
            },
        )


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count ``profile`` by SB 1288: IRV (section 22100) for one seat, else STV (22101).

    Args:
        profile: the ballots as cast; skipped rankings, overvotes and repeated candidates
            are kept as cast and read as the module docstring describes.
        params: ``seats`` and the options listed in the module docstring; ``seed`` is used
            only to draw lots when no ``tie_breaker`` order is given.

    Returns:
        The rounds with each candidate's tally, the inactive piles
        (:data:`INACTIVE`, in :attr:`Round.inactive`) and the cumulative residual surplus
        (:attr:`Round.loss`); the winners in order of election; the status codes in
        ``details["status_codes"]``.

    Raises:
        InvalidCountOptions: seats below one, or an option the rule does not accept.
        CountError: a ballot marks more rankings than ``max_ranking_levels``, or a tie
            cannot be broken (tied candidates missing from ``tie_breaker``, or neither a
            ``tie_breaker`` nor a seed).
    """
    rules = _read_rules(params)
    tabulation = _Tabulation(profile, rules, params.seed)
    step = tabulation.irv_round if tabulation.is_irv else tabulation.stv_round
    while step():
        pass
    return tabulation.result(profile)


def reference_tally(result: CountResult) -> dict[str, tuple[Amount, ...]]:
    """The round-by-round tally in the reference's layout, for reports and comparisons.

    Each candidate has one entry per round that began with them continuing or elected;
    the rows ``":Overvotes"``, ``":Abstentions"``, ``":Other exhausted"`` and, for STV,
    ``":Residual surplus"`` have one entry per round.

    Args:
        result: a result of :func:`count`.

    Returns:
        Row label to amounts by round, candidates first in ballot order.
    """
    rows: dict[str, list[Amount]] = {name: [] for name in result.candidates}
    for round_ in result.rounds:
        for name, votes in round_.tallies.items():
            rows[name].append(votes)
        for pile, label in _REFERENCE_LABELS.items():
            rows.setdefault(label, []).append(round_.inactive[pile])
        if result.seats > 1:
            rows.setdefault(_RESIDUAL_LABEL, []).append(round_.loss)
    return {label: tuple(amounts) for label, amounts in rows.items()}
