"""The round-by-round machinery of RCTab's tabulator, shared by the RCTab-style rules.

Source: RCTab, the Universal RCV Tabulator of the Ranked Choice Voting Resource Center
(github.com/BrightSpots/rcv, MPL-2.0), ``Tabulator.java``, ``CastVoteRecord.java``,
``ContestConfig.java``, ``Tiebreak.java`` and ``RoundTally.java`` of RCTab 2.x. This is an
independent re-implementation of their documented behaviour, written so that counts
agree with RCTab's reports digit for digit; no RCTab code is copied. What it follows:

- **Each round**, every ballot whose current candidate is no longer continuing is
  re-read from its first rank: a gap of more than ``maxSkippedRanksAllowed`` blank ranks
  makes it inactive ("skippedRankings"); with ``exhaustOnDuplicateCandidate`` a repeated
  candidate makes it inactive ("repeatedRankings"); an overvote is handled by
  ``overvoteRule`` (exhaust, skip to the next rank, or exhaust only if two or more of the
  marked candidates are continuing) and an exhausting overvote is "overvotes"; the first
  continuing candidate gets the ballot; a ballot with no continuing candidate left (or
  whose last rank is a skipped overvote) is "exhaustedChoices". A ballot with no marks at
  all is an undervote ("did not rank any candidates").
- **Threshold**: ``floor(V / (S + 1)) + 1`` with V the active votes (every round for one
  seat, round 1 only for several seats or with ``doesFirstRoundDetermineThreshold``);
  ``nonIntegerWinningThreshold`` floors to d decimal places and adds ``10^-d``; ``hareQuota``
  takes ``ceil(V / S)``; ``minimumVoteThreshold`` is a floor under it; the bottoms-up
  percentage mode uses ``V * p``.
- **Winners**: candidates at or above the threshold (never the "Undeclared Write-ins"
  placeholder, and none while it still has votes); everyone left when no more remain
  than seats; with one seat and two candidates left, the leader (a tie for the lead goes
  to the tie-break).
- **Eliminations**, in this order of precedence: undeclared write-ins first, then every
  candidate under ``minimumVoteThreshold``, then batch elimination (every candidate whose
  combined votes with all lower ones cannot reach the next one up), then the lowest
  candidate, ties broken by ``tiebreakMode``.
- **Surpluses** (several seats): the surplus fraction ``(votes - threshold) / votes`` and
  each ballot's transferred value are truncated to ``decimalPlacesForVoteArithmetic``;
  what is lost is reported as "residual surplus", and the winner keeps exactly the
  threshold. Once every seat is filled, the last surpluses are "finalRoundSurplus".
- **Tie-breaks**: ``useCandidateOrder`` / ``generatePermutation`` (loser = latest in the
  order, winner = earliest), ``random`` (``floor(nextDouble() * n)`` over the tied names
  sorted, from ``java.util.Random(seed)``, see :mod:`tellers.counting.java_random`),
  ``previousRoundCountsThenRandom`` (back through earlier rounds, keeping those with the
  fewest, or most, votes, then random). The interactive modes cannot run unattended.
  Tellers adds ``previousRoundCountsThenLot``: earlier rounds, then a lot drawn with
  :class:`tellers.counting.ties.Lot` from the published seed.

Where RCTab's outcome depends on the iteration order of a Java ``HashSet`` (the order of
the candidates still tied after comparing earlier rounds, from which the random draw
picks), that order is reproduced (:func:`java_hash_order`). A contest's slices (RCTab's
"tabulate by precinct / batch") are counted by :func:`tabulate` with ``follow``: the
slice's ballots under the whole contest's decisions.

Ballots are handled as distinct rows with counts: identical ballots always take the same
path, so each row is processed once and its values are multiplied by its count.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from tellers.counting.amounts import Amount
from tellers.counting.java_random import JavaRandom, java_shuffle
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult, Round, TieBreak, Transfer
from tellers.counting.ties import Lot
from tellers.errors import CountError, InvalidCountOptions

__all__ = [
    "FINAL_ROUND_SURPLUS",
    "INACTIVE_KEYS",
    "MODES",
    "TIEBREAK_MODES",
    "UNDECLARED_WRITE_INS",
    "UNDERVOTES",
    "RctabRuleSet",
    "java_string_hash",
    "java_hash_order",
    "rules_from_options",
    "tabulate",
]

UNDECLARED_WRITE_INS = "Undeclared Write-ins"
"""RCTab's fixed label for undeclared write-ins."""

OVERVOTES = "overvotes"
SKIPPED_RANKINGS = "skippedRankings"
EXHAUSTED_CHOICES = "exhaustedChoices"
REPEATED_RANKINGS = "repeatedRankings"
FINAL_ROUND_SURPLUS = "finalRoundSurplus"
UNDERVOTES = "undervotes"
INACTIVE_KEYS = (EXHAUSTED_CHOICES, OVERVOTES, REPEATED_RANKINGS, SKIPPED_RANKINGS)
"""The inactive-ballot categories of RCTab's reports (``finalRoundSurplus`` aside)."""

SINGLE = "singleWinnerMajority"
MULTI_MANY = "multiWinnerAllowMultipleWinnersPerRound"
MULTI_ONE = "multiWinnerAllowOnlyOneWinnerPerRound"
BOTTOMS_UP = "bottomsUp"
BOTTOMS_UP_PCT = "bottomsUpUsingPercentageThreshold"
MULTI_PASS = "multiPassIrv"  # noqa: S105
MODES = (SINGLE, MULTI_MANY, MULTI_ONE, BOTTOMS_UP, BOTTOMS_UP_PCT, MULTI_PASS)

TELLERS_LOT = "previousRoundCountsThenLot"
TIEBREAK_MODES = (
    "useCandidateOrder",
    "random",
    "previousRoundCountsThenRandom",
    "generatePermutation",
    "stopCountingAndAsk",
    "previousRoundCountsThenAsk",
    TELLERS_LOT,
)
OVERVOTE_RULES = ("exhaustImmediately", "alwaysSkipToNextRank", "exhaustIfMultipleContinuing")

_OV = -2
"""A rank holding the explicit overvote label (candidates unknown)."""

_CTX = decimal.Context(prec=200, rounding=decimal.ROUND_DOWN)
_ZERO = Decimal(0)
_ONE = Decimal(1)


@dataclass(frozen=True, slots=True, kw_only=True)
class RctabRuleSet:
    """RCTab's rules (``ContestConfig`` getters), typed; see the module docstring."""

    mode: str = SINGLE
    seats: int = 1
    tiebreak_mode: str = TELLERS_LOT
    random_seed: int | None = None
    overvote_rule: str = "exhaustImmediately"
    max_skipped_ranks_allowed: int | None = None
    """``None`` = unlimited."""
    exhaust_on_duplicate_candidate: bool = False
    batch_elimination: bool = False
    continue_until_two_candidates_remain: bool = False
    stop_tabulation_early_after_round: int | None = None
    minimum_vote_threshold: Decimal = _ZERO
    decimal_places_for_vote_arithmetic: int = 4
    non_integer_winning_threshold: bool = False
    hare_quota: bool = False
    does_first_round_determine_threshold: bool = False
    multi_seat_bottoms_up_percentage_threshold: Decimal | None = None
    """As a percentage (``15`` for 15%)."""
    cutoff_elimination: bool = False
    """Bottoms-up by percentage: eliminate every candidate under the threshold at once."""
    excluded: frozenset[str] = frozenset()
    undeclared_write_ins: str | None = None
    """The profile's candidate that stands for undeclared write-ins, if any."""
    candidate_order: tuple[str, ...] = ()
    """Declared candidates in config order (``useCandidateOrder``); default: the profile's."""

    @property
    def uses_surpluses(self) -> bool:
        """RCTab's ``usesSurpluses``: several seats filled by threshold, with transfers."""
        return self.seats > 1 and self.mode in (MULTI_MANY, MULTI_ONE)

    @property
    def is_bottoms_up_pct(self) -> bool:
        return self.mode == BOTTOMS_UP_PCT

    def check(self) -> None:
        """Raise :class:`InvalidCountOptions` for values RCTab would reject."""
        problems: list[str] = []
        if self.mode not in MODES:
            problems.append(f"winner_election_mode {self.mode!r} is not one of {MODES}")
        if self.tiebreak_mode not in TIEBREAK_MODES:
            problems.append(f"tiebreak_mode {self.tiebreak_mode!r} is not one of {TIEBREAK_MODES}")
        if self.overvote_rule not in OVERVOTE_RULES:
            problems.append(f"overvote_rule {self.overvote_rule!r} is not one of {OVERVOTE_RULES}")
        if self.seats < 0 or (self.seats == 0 and self.mode != BOTTOMS_UP_PCT):
            problems.append(f"number of seats must be at least 1, got {self.seats}")
        if self.mode == BOTTOMS_UP_PCT and self.multi_seat_bottoms_up_percentage_threshold is None:
            problems.append("bottomsUpUsingPercentageThreshold needs a percentage threshold")
        if self.max_skipped_ranks_allowed is not None and self.max_skipped_ranks_allowed < 0:
            problems.append("max_skipped_ranks_allowed must be 0 or more, or unlimited")
        if self.decimal_places_for_vote_arithmetic < 0:
            problems.append("decimal_places_for_vote_arithmetic must be 0 or more")
        if problems:
            raise InvalidCountOptions("; ".join(problems))


# --------------------------------------------------------------------------- options


def _opt_bool(options: Mapping[str, object], key: str, default: bool) -> bool:
    value = options.get(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    msg = f"option {key} must be true or false, got {value!r}"
    raise InvalidCountOptions(msg)


def _opt_int(
    options: Mapping[str, object], key: str, default: int | None, *, words: tuple[str, ...] = ()
) -> int | None:
    value = options.get(key, default)
    if value is None or (isinstance(value, str) and (value == "" or value.lower() in words)):
        return None
    if isinstance(value, bool):
        msg = f"option {key} must be an integer, got {value!r}"
        raise InvalidCountOptions(msg)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    msg = f"option {key} must be an integer, got {value!r}"
    raise InvalidCountOptions(msg)


def _opt_decimal(options: Mapping[str, object], key: str) -> Decimal | None:
    value = options.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        msg = f"option {key} must be a number, got {value!r}"
        raise InvalidCountOptions(msg)
    try:
        return Decimal(str(value))
    except decimal.InvalidOperation as err:
        msg = f"option {key} must be a number, got {value!r}"
        raise InvalidCountOptions(msg) from err


def _opt_str(options: Mapping[str, object], key: str, default: str) -> str:
    value = options.get(key, default)
    if not isinstance(value, str):
        msg = f"option {key} must be text, got {value!r}"
        raise InvalidCountOptions(msg)
    return value


def _opt_names(options: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = options.get(key, ())
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list | tuple | frozenset | set):
        return tuple(str(v) for v in value)
    msg = f"option {key} must be a list of candidate names, got {value!r}"
    raise InvalidCountOptions(msg)


KNOWN_OPTIONS = frozenset(
    {
        "winner_election_mode",
        "tiebreak_mode",
        "random_seed",
        "overvote_rule",
        "max_skipped_ranks_allowed",
        "max_rankings_allowed",
        "exhaust_on_duplicate_candidate",
        "batch_elimination",
        "continue_until_two_candidates_remain",
        "stop_tabulation_early_after_round",
        "minimum_vote_threshold",
        "decimal_places_for_vote_arithmetic",
        "non_integer_winning_threshold",
        "hare_quota",
        "does_first_round_determine_threshold",
        "multi_seat_bottoms_up_percentage_threshold",
        "cutoff_elimination",
        "excluded",
        "undeclared_write_ins",
        "candidate_order",
        "engine",
    }
)


def rules_from_options(
    options: Mapping[str, object], *, seats: int, seed: int | None, mode: str
) -> RctabRuleSet:
    """Build the rule set from ``CountParams.options`` (keys as in ``RctabRules``).

    Raises:
        InvalidCountOptions: an unknown key or a value of the wrong kind.
    """
    unknown = sorted(set(options) - KNOWN_OPTIONS)
    if unknown:
        msg = f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_OPTIONS))}"
        raise InvalidCountOptions(msg)
    random_seed = _opt_int(options, "random_seed", seed)
    minimum = _opt_decimal(options, "minimum_vote_threshold") or _ZERO
    uwi = options.get("undeclared_write_ins")
    rules = RctabRuleSet(
        mode=_opt_str(options, "winner_election_mode", mode),
        seats=seats,
        tiebreak_mode=_opt_str(options, "tiebreak_mode", TELLERS_LOT),
        random_seed=random_seed,
        overvote_rule=_opt_str(options, "overvote_rule", "exhaustImmediately"),
        max_skipped_ranks_allowed=_opt_int(
            options, "max_skipped_ranks_allowed", None, words=("unlimited",)
        ),
        exhaust_on_duplicate_candidate=_opt_bool(options, "exhaust_on_duplicate_candidate", False),
        batch_elimination=_opt_bool(options, "batch_elimination", False),
        continue_until_two_candidates_remain=_opt_bool(
            options, "continue_until_two_candidates_remain", False
        ),
        stop_tabulation_early_after_round=_opt_int(
            options, "stop_tabulation_early_after_round", None
        ),
        minimum_vote_threshold=minimum,
        decimal_places_for_vote_arithmetic=_opt_int(
            options, "decimal_places_for_vote_arithmetic", 4
        )
        or 0,
        non_integer_winning_threshold=_opt_bool(options, "non_integer_winning_threshold", False),
        hare_quota=_opt_bool(options, "hare_quota", False),
        does_first_round_determine_threshold=_opt_bool(
            options, "does_first_round_determine_threshold", False
        ),
        multi_seat_bottoms_up_percentage_threshold=_opt_decimal(
            options, "multi_seat_bottoms_up_percentage_threshold"
        ),
        cutoff_elimination=_opt_bool(options, "cutoff_elimination", False),
        excluded=frozenset(_opt_names(options, "excluded")),
        undeclared_write_ins=str(uwi) if uwi else None,
        candidate_order=_opt_names(options, "candidate_order"),
    )
    rules.check()
    return rules


# --------------------------------------------------------------------------- Java ordering


def java_string_hash(text: str) -> int:
    """``String.hashCode()`` (over UTF-16 code units, as a signed 32-bit int)."""
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def java_hash_order(keys: Sequence[str], capacity: int | None = None) -> list[str]:
    """The iteration order of a ``java.util.HashMap``/``HashSet`` filled with ``keys`` in order.

    Buckets are ``(h ^ (h >>> 16)) & (capacity - 1)``; within a bucket, insertion order.
    The default capacity is the one a map created empty reaches (16, doubled while the
    size exceeds three quarters of it).
    """
    if capacity is None:
        capacity = 16
        while len(keys) > capacity * 3 // 4:
            capacity *= 2

    def bucket(key: str) -> int:
        h = java_string_hash(key) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(keys, key=bucket)


def _java_set_order(keys: Sequence[str]) -> list[str]:
    """Order of ``new HashSet<>(collection)`` (capacity from the collection's size)."""
    wanted = max(int(len(keys) / 0.75) + 1, 16)
    capacity = 1
    while capacity < wanted:
        capacity *= 2
    return java_hash_order(keys, capacity)


def _java_sorted(names: Sequence[str]) -> list[str]:
    """``Collections.sort`` of strings: UTF-16 code unit order."""
    return sorted(names, key=lambda s: s.encode("utf-16-be"))


# --------------------------------------------------------------------------- arithmetic


def _divide_down(dividend: Decimal, divisor: Decimal, places: int) -> Decimal:
    """``dividend.divide(divisor, places, RoundingMode.DOWN)`` exactly."""
    q = Fraction(dividend) / Fraction(divisor)
    scale = 10**places
    n = abs(q.numerator) * scale // q.denominator
    value = Decimal(n).scaleb(-places, _CTX)
    return -value if q < 0 else value


def _divide_up(dividend: Decimal, divisor: Decimal, places: int) -> Decimal:
    """``dividend.divide(divisor, places, RoundingMode.UP)`` (away from zero) exactly."""
    q = Fraction(dividend) / Fraction(divisor)
    scale = 10**places
    n = -((-abs(q.numerator) * scale) // q.denominator)
    value = Decimal(n).scaleb(-places, _CTX)
    return -value if q < 0 else value


def _multiply_down(a: Decimal, b: Decimal, places: int) -> Decimal:
    """``a.multiply(b).setScale(places, RoundingMode.DOWN)``."""
    return _CTX.multiply(a, b).quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_DOWN)


def _amount(value: Decimal) -> Amount:
    if value == value.to_integral_value():
        return int(value)
    return value.normalize(_CTX)


# --------------------------------------------------------------------------- tabulation


@dataclass(slots=True)
class _Row:
    rankings: tuple[tuple[int, tuple[int, ...]], ...]
    count: int
    recipient: int = -1
    status: str = ""
    """"" while active, else the inactive category."""
    value: Decimal = _ONE
    """The ballot's current (fractional) value."""
    allocations: dict[int, Decimal] = field(default_factory=dict)


class _TieBreaker:
    def __init__(self, rules: RctabRuleSet, names: Sequence[str]) -> None:
        self.rules = rules
        self.mode = rules.tiebreak_mode
        order = list(rules.candidate_order) or [n for n in names if n != rules.undeclared_write_ins]
        self.permutation = order
        self.java: JavaRandom | None = None
        self.lot: Lot | None = None
        if self.mode in ("random", "previousRoundCountsThenRandom", "generatePermutation"):
            if rules.random_seed is None:
                msg = f"tiebreak mode {self.mode} needs a random seed"
                raise InvalidCountOptions(msg)
            self.java = JavaRandom(rules.random_seed)
            if self.mode == "generatePermutation":
                self.permutation = _java_sorted(order)
                java_shuffle(self.permutation, self.java)
        elif self.mode == TELLERS_LOT and rules.random_seed is not None:
            self.lot = Lot(rules.random_seed)

    def choose(
        self,
        tied: Sequence[str],
        *,
        winner: bool,
        round_number: int,
        history: Sequence[Mapping[str, Decimal]],
    ) -> tuple[str, str]:
        """Return the chosen candidate and how it was chosen."""
        ordered = _java_sorted(tied)
        mode = self.mode
        if mode in ("useCandidateOrder", "generatePermutation"):
            search = self.permutation if winner else list(reversed(self.permutation))
            for name in search:
                if name in ordered:
                    return name, "candidate order"
            msg = f"tie between {', '.join(ordered)} in round {round_number}: not in the order"
            raise CountError(msg)
        if mode == "random":
            return self._random(ordered), "lot"
        if mode == "stopCountingAndAsk":
            return self._ask(ordered, round_number)
        contention = ordered
        for earlier in range(round_number - 1, 0, -1):
            tallies = history[earlier - 1]
            pool = _java_set_order(contention)
            votes = [tallies[c] for c in pool]
            target = max(votes) if winner else min(votes)
            contention = [c for c, v in zip(pool, votes, strict=True) if v == target]
            if len(contention) == 1:
                return contention[0], "previous rounds"
        if mode == "previousRoundCountsThenRandom":
            return self._random(contention), "previous rounds, then lot"
        if mode == "previousRoundCountsThenAsk":
            return self._ask(contention, round_number)
        if self.lot is None:
            msg = (
                f"a tie between {', '.join(sorted(contention))} in round {round_number} must be "
                "broken by lot, and lots need a published seed (give --seed)"
            )
            raise CountError(msg)
        return self.lot.choose(contention, purpose="election" if winner else "elimination"), (
            "previous rounds, then lot"
        )

    def _random(self, candidates: Sequence[str]) -> str:
        assert self.java is not None
        index = int(self.java.next_double() * len(candidates))
        return candidates[index]

    @staticmethod
    def _ask(candidates: Sequence[str], round_number: int) -> tuple[str, str]:
        msg = (
            f"a tie between {', '.join(candidates)} in round {round_number} must be broken "
            "by the operator (tiebreakMode asks), which an unattended count cannot do"
        )
        raise CountError(msg)


def _rows_of(profile: Profile) -> list[_Row]:
    rows: list[_Row] = []
    for marks, count in profile.ballots():
        rankings: list[tuple[int, tuple[int, ...]]] = []
        for position, mark in enumerate(marks, start=1):
            if mark is None:
                continue
            if isinstance(mark, int):
                rankings.append((position, (mark,)))
            elif mark:
                rankings.append((position, tuple(sorted(mark))))
            else:
                rankings.append((position, (_OV,)))
        rows.append(_Row(rankings=tuple(rankings), count=count))
    return rows


def tabulate(
    profile: Profile, rules: RctabRuleSet, *, method: str, follow: CountResult | None = None
) -> CountResult:
    """Count ``profile`` as RCTab's ``Tabulator.tabulate`` does (one pass).

    With ``follow`` (the result of the whole contest), ``profile`` is one slice of the
    ballots (a precinct or a batch, RCTab's "tabulate by precinct/batch"): the rounds,
    thresholds, elections, eliminations and surplus fractions are those of ``follow``,
    and only the slice's own ballots are counted; a winner's slice tally is what the
    slice's ballots keep for them, and residual surplus exists only for the whole contest.

    Raises:
        CountError: a tie the configured mode cannot break unattended, every declared
            candidate below the minimum vote threshold, or an explicit overvote under
            ``exhaustIfMultipleContinuing``.
    """
    return _Tabulation(profile, rules, method, follow).run()


class _Tabulation:
    def __init__(
        self, profile: Profile, rules: RctabRuleSet, method: str, follow: CountResult | None
    ) -> None:
        self.follow = follow
        self.fractions: dict[int, Decimal] = {}
        self.profile = profile
        self.rules = rules
        self.method = method
        self.names = profile.candidates
        self.index = {n: i for i, n in enumerate(self.names)}
        unknown = sorted((set(rules.excluded) | set(rules.candidate_order)) - set(self.names))
        if unknown:
            msg = f"unknown candidate(s) in the options: {', '.join(unknown)}"
            raise InvalidCountOptions(msg)
        uwi = rules.undeclared_write_ins
        if uwi is not None and uwi not in self.index:
            uwi = None
        self.uwi = self.index[uwi] if uwi is not None else -1
        self.excluded = {self.index[n] for n in rules.excluded}
        self.declared = len(self.names) - (1 if self.uwi >= 0 else 0)
        self.num_candidates = len(self.names) - len(self.excluded)
        self.places = rules.decimal_places_for_vote_arithmetic
        self.rows = _rows_of(profile)
        self.winner_round: dict[int, int] = {}
        self.eliminated_round: dict[int, int] = {}
        self.winner_order: list[int] = []
        self.eliminated_order: list[int] = []
        self.holders: dict[int, list[int]] = {}
        self.tally: dict[int, Decimal] = {}
        self.inactive: dict[str, Decimal] = dict.fromkeys(
            (*INACTIVE_KEYS, FINAL_ROUND_SURPLUS, UNDERVOTES), _ZERO
        )
        self.history: list[dict[str, Decimal]] = []
        self.tie_breaks: list[TieBreak] = []
        self.tiebreaker = _TieBreaker(rules, self.names)
        self.residual_total = _ZERO
        self.round = 0

    # ----------------------------------------------------------------- status

    def continuing(self, c: int) -> bool:
        if c in self.excluded or c in self.eliminated_round:
            return False
        if c in self.winner_round:
            return self.rules.continue_until_two_candidates_remain
        return True

    def should_continue(self) -> bool:
        rules = self.rules
        if self.follow is not None:
            return self.round < len(self.follow.rounds)
        stop = rules.stop_tabulation_early_after_round
        winners = len(self.winner_round)
        if stop is not None and self.round >= stop:
            return False
        if winners == self.declared and rules.seats > self.num_candidates:
            return False
        if rules.continue_until_two_candidates_remain:
            return (
                len(self.eliminated_round) + winners + 1 < self.num_candidates
                or self.round in self.eliminated_round.values()
            )
        if rules.is_bottoms_up_pct:
            return winners == 0
        return winners < rules.seats or (
            rules.uses_surpluses and self.round in self.winner_round.values()
        )

    # ----------------------------------------------------------------- ballots

    def overvote_exhausts(self, cands: tuple[int, ...]) -> str:
        """ "exhaust", "skip" or "" (no overvote)."""
        rule = self.rules.overvote_rule
        if cands == (_OV,):
            if rule == "exhaustImmediately":
                return "exhaust"
            if rule == "alwaysSkipToNextRank":
                return "skip"
            msg = f"an explicit overvote label cannot be used with overvote rule {rule}"
            raise CountError(msg)
        if len(cands) <= 1:
            return ""
        if rule == "exhaustImmediately":
            return "exhaust"
        if rule == "alwaysSkipToNextRank":
            return "skip"
        live = sum(1 for c in cands if self.continuing(c))
        return "exhaust" if live >= 2 else ""

    def place(self, row_id: int, transfers: dict[int, dict[str, Decimal]]) -> None:
        row = self.rows[row_id]
        source = row.recipient
        rules = self.rules
        target = -1
        status = ""
        if not row.rankings:
            status = UNDERVOTES
        else:
            last_rank = 0
            seen: set[int] = set()
            top = row.rankings[-1][0]
            all_elected = rules.uses_surpluses and len(self.winner_round) == rules.seats
            for rank, cands in row.rankings:
                if all_elected:
                    status = FINAL_ROUND_SURPLUS
                    break
                skipped = rules.max_skipped_ranks_allowed
                if skipped is not None and rank - last_rank > skipped + 1:
                    status = SKIPPED_RANKINGS
                    break
                last_rank = rank
                if rules.exhaust_on_duplicate_candidate:
                    duplicate = False
                    for c in cands:
                        if c in seen:
                            duplicate = True
                            break
                        seen.add(c)
                    if duplicate:
                        status = REPEATED_RANKINGS
                        break
                decision = self.overvote_exhausts(cands)
                if decision == "exhaust":
                    status = OVERVOTES
                    break
                if decision == "skip":
                    if rank == top:
                        status = EXHAUSTED_CHOICES
                    continue
                for c in cands:
                    if c >= 0 and self.continuing(c):
                        target = c
                        break
                if target >= 0:
                    break
                if rank == top:
                    status = EXHAUSTED_CHOICES
        amount = row.value * row.count
        if source >= 0 and row.value > 0:
            key = self.names[target] if target >= 0 else "exhausted"
            moved = transfers.setdefault(source, {})
            moved[key] = moved.get(key, _ZERO) + amount
        row.recipient = target
        if target >= 0:
            self.holders.setdefault(target, []).append(row_id)
            self.tally[target] += amount
        else:
            row.status = status or EXHAUSTED_CHOICES
            self.inactive[row.status] += amount

    # ----------------------------------------------------------------- rounds

    def threshold_for(self, active: Decimal) -> Decimal:
        rules = self.rules
        if rules.is_bottoms_up_pct:
            percent = rules.multi_seat_bottoms_up_percentage_threshold
            assert percent is not None
            fraction = _divide_down(percent, Decimal(100), self.places)
            threshold = _CTX.multiply(active, fraction)
        else:
            divisor = Decimal(rules.seats if rules.hare_quota else rules.seats + 1)
            places = self.places if rules.non_integer_winning_threshold else 0
            if rules.hare_quota:
                threshold = _divide_up(active, divisor, places)
            else:
                threshold = _divide_down(active, divisor, places) + Decimal(1).scaleb(-places)
        minimum = rules.minimum_vote_threshold
        if minimum > 0 and minimum > threshold:
            threshold = minimum
        return threshold

    def groups(self, candidates: Sequence[int]) -> list[tuple[Decimal, list[int]]]:
        """``buildTallyToCandidates``: tallies ascending, candidates in table order."""
        by_votes: dict[Decimal, list[int]] = {}
        for c in candidates:
            by_votes.setdefault(self.tally[c], []).append(c)
        return sorted(by_votes.items())

    def break_tie(self, tied: list[int], *, winner: bool) -> int:
        names = [self.names[c] for c in tied]
        chosen, how = self.tiebreaker.choose(
            names, winner=winner, round_number=self.round, history=self.history
        )
        self.tie_breaks.append(
            TieBreak(
                round=self.round,
                purpose="election" if winner else "elimination",
                tied=tuple(_java_sorted(names)),
                chosen=chosen,
                how=how,
            )
        )
        return self.index[chosen]

    def identify_winners(
        self, active: list[int], groups: list[tuple[Decimal, list[int]]], threshold: Decimal
    ) -> list[int]:
        rules = self.rules
        if self.uwi >= 0 and self.uwi in self.tally and self.tally[self.uwi] != 0:
            return []
        selected: list[int] = []
        if rules.is_bottoms_up_pct:
            if all(self.tally[c] > threshold for c in active):
                selected = list(active)
            return selected
        unfilled = rules.seats - len(self.winner_round)
        if unfilled > 0:
            if len(active) <= unfilled:
                selected = list(active)
            elif rules.does_first_round_determine_threshold and len(active) - 1 == rules.seats:
                selected = list(groups[-1][1])
            elif rules.mode != BOTTOMS_UP:
                for votes, cands in groups:
                    if votes >= threshold:
                        selected.extend(c for c in cands if c != self.uwi)
        several = len(selected) > 1 and (
            rules.mode == MULTI_ONE or rules.does_first_round_determine_threshold
        )
        none_of_two = (
            rules.seats == 1
            and not selected
            and len(active) == 2
            and unfilled == 1
            and all(votes >= rules.minimum_vote_threshold for votes, _ in groups)
        )
        if several or none_of_two:
            selected = list(groups[-1][1])
            if len(selected) > 1:
                selected = [self.break_tie(selected, winner=True)]
        return selected

    def eliminate(self, groups: list[tuple[Decimal, list[int]]], threshold: Decimal) -> list[int]:
        rules = self.rules
        if not groups:
            msg = f"round {self.round}: no continuing candidate is left to count"
            raise CountError(msg)
        if self.uwi >= 0 and self.uwi in self.tally and self.tally[self.uwi] > 0:
            return [self.uwi]
        minimum = rules.minimum_vote_threshold
        if minimum > 0 and groups[0][0] < minimum:
            below = [c for votes, cands in groups if votes < minimum for c in cands]
            if len(below) == self.declared:
                msg = "every declared candidate is below the minimum vote threshold"
                raise CountError(msg)
            return below
        if rules.cutoff_elimination and rules.is_bottoms_up_pct:
            below = [c for votes, cands in groups if votes < threshold for c in cands]
            if below:
                return below
        if rules.batch_elimination:
            batch = self.batch(groups)
            if len(batch) > 1:
                return batch
        votes, lowest = groups[0]
        if len(lowest) > 1:
            return [self.break_tie(lowest, winner=False)]
        return [lowest[0]]

    def batch(self, groups: list[tuple[Decimal, list[int]]]) -> list[int]:
        running = _ZERO
        seen: list[int] = []
        chosen: list[int] = []
        previous: list[int] = []
        for votes, cands in groups:
            grown = list(chosen)
            if running < votes:
                grown.extend(c for c in seen if c not in chosen)
            running += _multiply_down(votes, Decimal(len(cands)), self.places)
            seen.extend(cands)
            if len(grown) > len(chosen):
                previous, chosen = chosen, grown
        if (
            self.rules.continue_until_two_candidates_remain
            and len(chosen) + len(self.eliminated_round) == self.num_candidates - 1
        ):
            chosen = previous
        return chosen

    def transfer_surplus(self, winners: list[int], threshold: Decimal) -> None:
        followed: Mapping[str, str] = {}
        if self.follow is not None:
            followed = self.follow.details.get("surplus_fractions", {})  # type: ignore[assignment]
        for w in winners:
            if self.follow is not None:
                fraction = Decimal(followed.get(self.names[w], "0"))
            else:
                votes = self.tally[w]
                extra = votes - threshold
                fraction = _divide_down(extra, votes, self.places) if extra > 0 else _ZERO
            self.fractions[w] = fraction
            for row_id in self.holders.get(w, []):
                row = self.rows[row_id]
                moved = _multiply_down(row.value, fraction, self.places)
                row.allocations[w] = row.value - moved
                row.value = moved

    def settle_winners(
        self, threshold: Decimal, transfers: dict[int, dict[str, Decimal]]
    ) -> dict[int, Decimal]:
        """``updateWinnerTallies``: past winners' tallies, residual surplus of last round's."""
        shown: dict[int, Decimal] = {}
        residuals: dict[int, Decimal] = {}
        for w, won in self.winner_round.items():
            if won == self.round:
                continue
            if won == self.round - 1:
                total = sum(
                    (
                        self.rows[r].allocations.get(w, _ZERO) * self.rows[r].count
                        for r in self.holders_at_win.get(w, [])
                    ),
                    _ZERO,
                )
                residual = total - threshold
                if residual > 0 and self.follow is None:
                    residuals[w] = residual
                    self.residual_total += residual
                    moved = transfers.setdefault(w, {})
                    moved["residual surplus"] = moved.get("residual surplus", _ZERO) + residual
                    total = threshold
                self.settled[w] = total
            shown[w] = self.settled[w]
        return shown

    def run(self) -> CountResult:
        rules = self.rules
        rounds: list[Round] = []
        self.holders_at_win: dict[int, list[int]] = {}
        self.settled: dict[int, Decimal] = {}
        threshold = _ZERO
        decisions: list[tuple[list[int], list[int]]] = []
        totals: dict[str, Decimal] = {}
        while self.should_continue():
            self.round += 1
            transfers: dict[int, dict[str, Decimal]] = {}
            # computeTalliesForRound
            active_set = [c for c in range(len(self.names)) if self.continuing(c)]
            for c in active_set:
                self.tally.setdefault(c, _ZERO)
            for c in list(self.tally):
                if c not in active_set:
                    del self.tally[c]
            if self.round == 1:
                for row_id in range(len(self.rows)):
                    self.place(row_id, transfers)
            else:
                for c in sorted(self.holders):
                    if c in active_set:
                        continue
                    for row_id in self.holders.pop(c):
                        self.place(row_id, transfers)
            active_votes = sum((self.tally[c] for c in active_set), _ZERO)
            if self.round == 1:
                totals = {
                    "active": active_votes,
                    "inactive": sum(self.inactive.values(), _ZERO),
                }
            if rules.seats > 1:
                recompute = self.round == 1
            else:
                # the threshold is frozen once a winner is known (continueUntilTwo...)
                recompute = self.round == 1 or not (
                    rules.does_first_round_determine_threshold or self.winner_round
                )
            if recompute:
                threshold = self.threshold_for(active_votes)
            groups = self.groups(active_set)
            tallies_now = {self.names[c]: self.tally[c] for c in active_set}
            self.history.append(tallies_now)
            eliminated: list[int] = []
            if self.follow is not None:
                decided = self.follow.rounds[self.round - 1]
                threshold = Decimal(str(decided.threshold))
                winners = [self.index[n] for n in decided.elected]
                eliminated = [self.index[n] for n in decided.eliminated]
                for c in eliminated:
                    self.eliminated_round[c] = self.round
                    self.eliminated_order.append(c)
            else:
                winners = self.identify_winners(active_set, groups, threshold)
            if winners:
                for w in winners:
                    self.winner_round[w] = self.round
                    self.winner_order.append(w)
                if rules.uses_surpluses:
                    for w in winners:
                        self.holders_at_win[w] = list(self.holders.get(w, []))
                    self.transfer_surplus(winners, threshold)
            elif self.follow is None and (
                len(self.winner_round) < rules.seats
                or (
                    rules.continue_until_two_candidates_remain
                    and len(self.eliminated_round) < self.num_candidates - 2
                )
                or rules.is_bottoms_up_pct
            ):
                eliminated = self.eliminate(groups, threshold)
                if not eliminated:
                    msg = f"round {self.round}: no candidate could be eliminated"
                    raise CountError(msg)
                for c in eliminated:
                    self.eliminated_round[c] = self.round
                    self.eliminated_order.append(c)
            shown = self.settle_winners(threshold, transfers) if rules.seats > 1 else {}
            # transfers computed this round belong to the previous round's decisions
            if rounds:
                rounds[-1] = self._with_transfers(rounds[-1], decisions[-1], transfers)
            round_tallies = dict(tallies_now)
            for w, votes in shown.items():
                round_tallies[self.names[w]] = votes
            ordered = {n: _amount(round_tallies[n]) for n in self.names if n in round_tallies}
            inactive = {k: _amount(v) for k, v in self.inactive.items()}
            rounds.append(
                Round(
                    number=self.round,
                    tallies=ordered,
                    exhausted=_amount(sum(self.inactive.values(), _ZERO)),
                    inactive=inactive,
                    elected=tuple(self.names[c] for c in winners),
                    eliminated=tuple(self.names[c] for c in eliminated),
                    threshold=_amount(threshold),
                    loss=_amount(self.residual_total),
                )
            )
            decisions.append((winners, eliminated))
        if rounds:
            rounds[-1] = self._with_transfers(rounds[-1], decisions[-1], {})
        winners_named = tuple(self.names[c] for c in self.winner_order)
        total = _amount(totals.get("active", _ZERO) + totals.get("inactive", _ZERO))
        details: dict[str, object] = {
            "rctab_mode": rules.mode,
            "number_of_winners": rules.seats,
            "num_candidates": len(self.names),
            "total_ballots": total,
            "undervotes": _amount(self._undervotes()),
            "uses_surpluses": rules.uses_surpluses,
            "excluded": tuple(n for n in self.names if self.index[n] in self.excluded),
            "eliminated_order": tuple(self.names[c] for c in self.eliminated_order),
        }
        if rules.uses_surpluses:
            details["surplus_fractions"] = {
                self.names[w]: str(f) for w, f in self.fractions.items()
            }
        return CountResult(
            method=self.method,
            seats=rules.seats,
            candidates=self.names,
            winners=winners_named,
            rounds=tuple(rounds),
            valid=total,
            quota=rounds[-1].threshold if rounds else None,
            tie_breaks=tuple(self.tie_breaks),
            seed=rules.random_seed,
            details=details,
        )

    def _undervotes(self) -> Decimal:
        return sum((Decimal(r.count) for r in self.rows if not r.rankings), _ZERO)

    def _with_transfers(
        self,
        rnd: Round,
        decision: tuple[list[int], list[int]],
        transfers: dict[int, dict[str, Decimal]],
    ) -> Round:
        winners, eliminated = decision
        out: list[Transfer] = []
        surplus = winners if self.rules.uses_surpluses else []
        for c, reason in [(w, "surplus") for w in surplus] + [
            (e, "eliminated") for e in eliminated
        ]:
            moved = transfers.get(c, {})
            to = {
                k: _amount(v)
                for k, v in moved.items()
                if k not in ("exhausted", "residual surplus")
            }
            out.append(
                Transfer(
                    source=self.names[c],
                    reason=reason,
                    to=to,
                    exhausted=_amount(moved.get("exhausted", _ZERO)),
                    loss=_amount(moved.get("residual surplus", _ZERO)),
                )
            )
        return Round(
            number=rnd.number,
            tallies=rnd.tallies,
            exhausted=rnd.exhausted,
            inactive=rnd.inactive,
            elected=rnd.elected,
            eliminated=rnd.eliminated,
            threshold=rnd.threshold,
            transfers=tuple(out),
            loss=rnd.loss,
            note=rnd.note,
        )
