"""RCTab contest configurations: read, validate, and load every cast-vote-record source.

RCTab (BrightSpots/rcv, the Ranked Choice Voting Resource Center's Universal RCV
Tabulator) describes a contest in one JSON file: ``outputSettings`` (the contest's name,
date, jurisdiction, office), ``cvrFileSources`` (where the ballots are and how to read
them), ``candidates`` (names, aliases, exclusions) and ``rules`` (how to count). This
module reads that file into typed values, checks it the way RCTab's
``ContestConfig.validate`` does (every problem is collected; the error names each field
at fault), then reads every source with the matching reader and merges the ballots into
one :class:`~tellers.counting.profile.Profile`.

Source text: RCTab ``src/main/java/network/brightspots/rcv/ContestConfig.java``
(validation, ``getNameForCandidate``), ``TabulatorSession.java`` (``parseCastVoteRecords``:
unrecognized candidates abort the load), ``BaseCvrReader.java``
(``runAdditionalValidations``: a ranking above ``maxRankingsAllowed`` aborts the load;
``isRankingAllowed(rank, contestId)``: a Dominion contest with "max" allows its own
``NumOfRanks``) and ``CandidateRankingsList.java`` (rankings sorted by rank; several
candidates at one rank are an overvote; a rank with no candidate is skipped).

How a CVR name becomes a mark (RCTab's rules, applied to every provider):

- a configured candidate name, or one of its ``aliases``, is that candidate;
- the source's ``undeclaredWriteInLabel``, or RCTab's own label ``Undeclared Write-ins``
  (CDF write-in selections), is the undeclared write-in pseudo-candidate;
- the source's ``overvoteLabel`` (or RCTab's internal ``overvote``) is an overvote whose
  candidates are unknown: ``frozenset()``;
- anything else is an unrecognized candidate and the load fails, listing each one with
  the number of times it appears, as RCTab does.

Known, deliberate differences from RCTab: the same candidate written twice at one rank
is one mark here (RCTab's ``CandidatesAtRanking`` keeps both and so sees an overvote; a
profile cannot hold a one-candidate overvote); ``numberOfWinners`` is not capped at the
number of candidates (RCTab's validation caps it, yet its own regression case
``more_winners_than_candidates`` counts 5 seats among 4 candidates); CDF files are not
required to be tabulated one per config (RCTab 1.x required it, 2.0 does not:
``test_set_8_multi_cdf``).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tellers.counting.profile import Mark, Profile, ProfileBuilder
from tellers.errors import BallotFileError, ConfigError

__all__ = [
    "EXPLICIT_OVERVOTE_LABEL",
    "OVERVOTE_RULES",
    "PROVIDERS",
    "TIEBREAK_MODES",
    "UNDECLARED_WRITE_INS",
    "WINNER_ELECTION_MODES",
    "CvrRecord",
    "RctabCandidate",
    "RctabConfig",
    "RctabConfigInvalid",
    "RctabContest",
    "RctabRules",
    "RctabSource",
    "load_rctab_contest",
    "load_rctab_contest_from_csv",
    "read_rctab_config",
    "records_to_profile",
]

UNDECLARED_WRITE_INS = "Undeclared Write-ins"
"""RCTab's fixed label for undeclared write-ins (``Tabulator.UNDECLARED_WRITE_IN_OUTPUT_LABEL``)."""

EXPLICIT_OVERVOTE_LABEL = "overvote"
"""RCTab's internal label for an overvote cell (``Tabulator.EXPLICIT_OVERVOTE_LABEL``)."""

WINNER_ELECTION_MODES = (
    "singleWinnerMajority",
    "multiWinnerAllowMultipleWinnersPerRound",
    "multiWinnerAllowOnlyOneWinnerPerRound",
    "multiPassIrv",
    "bottomsUp",
    "bottomsUpUsingPercentageThreshold",
)
TIEBREAK_MODES = (
    "useCandidateOrder",
    "random",
    "previousRoundCountsThenRandom",
    "generatePermutation",
    "stopCountingAndAsk",
    "previousRoundCountsThenAsk",
)
_RANDOM_TIEBREAK_MODES = frozenset(
    {"random", "previousRoundCountsThenRandom", "generatePermutation"}
)
OVERVOTE_RULES = ("exhaustImmediately", "alwaysSkipToNextRank", "exhaustIfMultipleContinuing")
PROVIDERS = ("cdf", "clearBallot", "dominion", "ess", "genericCsv", "hart")

# Bounds from RCTab ContestConfig.java.
_MIN_COLUMN_INDEX, _MAX_COLUMN_INDEX = 1, 1000
_MIN_ROW_INDEX, _MAX_ROW_INDEX = 1, 100000
_MIN_DECIMAL_PLACES, _MAX_DECIMAL_PLACES = 1, 20
_MIN_MINIMUM_VOTE_THRESHOLD, _MAX_MINIMUM_VOTE_THRESHOLD = 0, 1000000
_MIN_PERCENT, _MAX_PERCENT = 1, 100
_MIN_RANDOM_SEED, _MAX_RANDOM_SEED = -140737488355328, 140737488355327
_MAX_INT = 2**31 - 1
# RCTab TallyTransfers.RESERVED_STRINGS: names that cannot be candidates.
_RESERVED = ("exhausted", "residual surplus")


class RctabConfigInvalid(ConfigError):
    """An RCTab config that fails validation; ``problems`` lists every problem found.

    Args:
        path: the config file.
        problems: one message per problem, each naming the field at fault.
    """

    def __init__(self, path: str, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{path}: contest config validation failed:\n{lines}")


@dataclass(frozen=True, slots=True, kw_only=True)
class RctabCandidate:
    """One entry of the config's ``candidates`` list."""

    name: str
    aliases: tuple[str, ...] = ()
    excluded: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RctabRules:
    """Every key of the config's ``rules`` object, typed (see the interface note)."""

    winner_election_mode: str
    number_of_winners: int
    tiebreak_mode: str
    random_seed: int | None
    overvote_rule: str
    max_skipped_ranks_allowed: int | None
    max_rankings_allowed: int | None
    exhaust_on_duplicate_candidate: bool
    batch_elimination: bool
    continue_until_two_candidates_remain: bool
    stop_tabulation_early_after_round: int | None
    minimum_vote_threshold: int | None
    decimal_places_for_vote_arithmetic: int
    non_integer_winning_threshold: bool
    hare_quota: bool
    does_first_round_determine_threshold: bool
    multi_seat_bottoms_up_percentage_threshold: Decimal | None
    raw: Mapping[str, object]


@dataclass(frozen=True, slots=True, kw_only=True)
class RctabSource:
    """One ``cvrFileSources`` entry; ``path`` is resolved against the config's folder."""

    provider: str
    path: Path
    contest_id: str | None
    first_vote_column_index: int | None
    first_vote_row_index: int | None
    id_column_index: int | None
    precinct_column_index: int | None
    batch_column_index: int | None
    overvote_label: str | None
    skipped_rank_label: str | None
    overvote_delimiter: str | None
    undeclared_write_in_label: str | None
    treat_blank_as_undeclared_write_in: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RctabConfig:
    """A validated RCTab contest config."""

    path: Path
    contest_name: str
    contest_date: str
    contest_jurisdiction: str
    contest_office: str
    candidates: tuple[RctabCandidate, ...]
    rules: RctabRules
    sources: tuple[RctabSource, ...]
    raw: Mapping[str, object]

    @property
    def declared_candidate_count(self) -> int:
        """RCTab's ``getNumDeclaredCandidates``: the configured candidates."""
        return len(self.candidates)

    @property
    def ranking_limit(self) -> int:
        """The highest rank allowed: ``maxRankingsAllowed``, or the candidate count for "max"."""
        limit = self.rules.max_rankings_allowed
        return self.declared_candidate_count if limit is None else limit

    @property
    def has_undeclared_write_ins(self) -> bool:
        """Whether any source declares an undeclared write-in label or blank-as-write-in."""
        return any(
            s.undeclared_write_in_label or s.treat_blank_as_undeclared_write_in
            for s in self.sources
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RctabContest:
    """A config with every source read into one profile (see the interface note)."""

    config: RctabConfig
    profile: Profile
    precincts: Mapping[str, Profile] = field(default_factory=dict)
    """One profile per precinct (ES&S/generic CSV precinct column, CDF GpUnit), same
    candidates as ``profile``; empty when the sources name no precincts."""
    batches: Mapping[str, Profile] = field(default_factory=dict)
    """One profile per batch (``batchColumnIndex``), same candidates as ``profile``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CvrRecord:
    """One cast vote record as a reader found it, before names are resolved.

    ``rankings`` pairs a rank (1-based) with the name written in the CVR; a rank may
    appear several times (an overvote). ``location`` says where it is ("row 7",
    "record 3") for error messages.
    """

    record_id: str
    location: str
    rankings: tuple[tuple[int, str], ...]
    precinct: str | None = None
    batch: str | None = None


# --------------------------------------------------------------------------- config


def _text(value: object) -> str:
    """RCTab stores every setting as a string; JSON numbers are accepted as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


class _Checker:
    """Collects validation problems while converting raw values."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, message: str) -> None:
        self.problems.append(message)

    def integer(
        self,
        value: object,
        field: str,
        low: int,
        high: int,
        *,
        required: bool,
        where: str = "",
    ) -> int | None:
        """RCTab's ``fieldOutOfRangeOrNotInteger``: an integer in [low, high], or blank."""
        raw = _text(value)
        suffix = f": {where}" if where else ""
        if low == high:
            expected = f"{field} must be an integer equal to {low}"
        else:
            expected = f"{field} must be an integer from {low} to {high}"
        if not raw:
            if required:
                self.add(f"{expected}, got a blank value{suffix}")
            return None
        try:
            number = int(raw)
        except ValueError:
            extra = "" if required else " if supplied"
            self.add(f"{expected}{extra}, got {raw!r}{suffix}")
            return None
        if not low <= number <= high:
            extra = "" if required else " if supplied"
            self.add(f"{expected}{extra}, got {number}{suffix}")
            return None
        return number

    def boolean(self, value: object, field: str) -> bool:
        if value is None or value == "":
            return False
        if isinstance(value, bool):
            return value
        raw = _text(value).lower()
        if raw in ("true", "false"):
            return raw == "true"
        self.add(f"{field} must be true or false, got {value!r}")
        return False

    def choice(self, value: object, field: str, options: Sequence[str]) -> str:
        raw = _text(value)
        if raw not in options:
            self.add(f"Invalid {field} {raw!r}: expected one of {', '.join(options)}")
        return raw

    def int_or_option(self, value: object, field: str, option: str, low: int) -> int | None:
        """An integer >= low, or the word ``option`` (returned as None)."""
        raw = _text(value)
        message = f'{field} must either be "{option}" or an integer from {low} to {_MAX_INT}'
        if raw.lower() == option:
            return None
        try:
            number = int(raw)
        except ValueError:
            self.add(f"{message}, got {raw!r}")
            return None
        if not low <= number <= _MAX_INT:
            self.add(f"{message}, got {number}")
            return None
        return number


def _mapping(value: object, field: str, checker: _Checker) -> Mapping[str, object]:
    if value is None:
        checker.add(f"{field} is required")
        return {}
    if not isinstance(value, dict):
        checker.add(f"{field} must be a JSON object, got {type(value).__name__}")
        return {}
    return value


def _label(value: object) -> str | None:
    raw = _text(value)
    return raw or None


def _read_sources(raw_sources: object, folder: Path, checker: _Checker) -> tuple[RctabSource, ...]:
    if not isinstance(raw_sources, list) or not raw_sources:
        checker.add("Contest config must contain at least 1 cast vote record file (cvrFileSources)")
        return ()
    sources: list[RctabSource] = []
    seen: set[Path] = set()
    for n, entry in enumerate(raw_sources, start=1):
        if not isinstance(entry, dict):
            checker.add(f"cvrFileSources[{n}] must be a JSON object")
            continue
        file_path = _text(entry.get("filePath"))
        where = file_path or f"cvrFileSources[{n}]"
        provider = _text(entry.get("provider"))
        if not file_path:
            checker.add(f"filePath is required for each cast vote record file: cvrFileSources[{n}]")
        if provider not in PROVIDERS:
            checker.add(
                f"Invalid provider {provider!r} for source {where}: expected one of "
                f"{', '.join(PROVIDERS)}"
            )
        resolved = folder
        if file_path:
            try:
                resolved = (folder / file_path).resolve()
                found = resolved.exists()
            except (OSError, ValueError) as err:
                checker.add(f"filePath {file_path!r} is not a usable path: {err}")
                found = True  # already reported
            if resolved in seen:
                checker.add(f"Duplicate cast vote record filePaths are not allowed: {resolved}")
            seen.add(resolved)
            if not found:
                checker.add(f"Cast vote record file not found (filePath): {resolved}")
        tabular = provider in ("ess", "genericCsv")
        first_col = checker.integer(
            entry.get("firstVoteColumnIndex"),
            "firstVoteColumnIndex",
            _MIN_COLUMN_INDEX,
            _MAX_COLUMN_INDEX,
            required=tabular,
            where=where,
        )
        first_row = checker.integer(
            entry.get("firstVoteRowIndex"),
            "firstVoteRowIndex",
            _MIN_ROW_INDEX,
            _MAX_ROW_INDEX,
            required=provider == "ess",
            where=where,
        )
        columns = {
            name: checker.integer(
                entry.get(name),
                name,
                _MIN_COLUMN_INDEX,
                _MAX_COLUMN_INDEX,
                required=False,
                where=where,
            )
            for name in ("idColumnIndex", "precinctColumnIndex", "batchColumnIndex")
        }
        if not tabular:
            for name in (
                "firstVoteColumnIndex",
                "firstVoteRowIndex",
                "idColumnIndex",
                "precinctColumnIndex",
                "overvoteDelimiter",
                "skippedRankLabel",
            ):
                if _text(entry.get(name)):
                    checker.add(
                        f'{name} should not be defined for CVR source with provider "{provider}" '
                        f"for file source: {where}"
                    )
            if entry.get("treatBlankAsUndeclaredWriteIn") is True:
                checker.add(
                    "treatBlankAsUndeclaredWriteIn should not be true for CVR source with "
                    f'provider "{provider}" for file source: {where}'
                )
        contest_id = _label(entry.get("contestId"))
        if provider in ("cdf", "clearBallot", "dominion", "hart"):
            if contest_id is None:
                checker.add(
                    f'contestId must be defined for CVR source with provider "{provider}": {where}'
                )
        elif contest_id is not None:
            checker.add(
                f'contestId should not be defined for CVR source with provider "{provider}" '
                f"for file source: {where}"
            )
        uwi_label = _label(entry.get("undeclaredWriteInLabel"))
        blank_uwi = checker.boolean(
            entry.get("treatBlankAsUndeclaredWriteIn"), "treatBlankAsUndeclaredWriteIn"
        )
        if blank_uwi and uwi_label is None:
            checker.add(
                "undeclaredWriteInLabel must be supplied if treatBlankAsUndeclaredWriteIn is "
                f"true: {where}"
            )
        overvote_label = _label(entry.get("overvoteLabel"))
        delimiter = _label(entry.get("overvoteDelimiter"))
        sources.append(
            RctabSource(
                provider=provider,
                path=resolved,
                contest_id=contest_id,
                first_vote_column_index=first_col,
                first_vote_row_index=first_row,
                id_column_index=columns["idColumnIndex"],
                precinct_column_index=columns["precinctColumnIndex"],
                batch_column_index=columns["batchColumnIndex"],
                overvote_label=overvote_label,
                skipped_rank_label=(
                    _label(entry.get("skippedRankLabel")) or _label(entry.get("undervoteLabel"))
                ),
                overvote_delimiter=delimiter,
                undeclared_write_in_label=uwi_label,
                treat_blank_as_undeclared_write_in=blank_uwi,
            )
        )
    return tuple(sources)


def _read_candidates(raw_candidates: object, checker: _Checker) -> tuple[RctabCandidate, ...]:
    if not isinstance(raw_candidates, list):
        checker.add("candidates must be a list")
        return ()
    candidates: list[RctabCandidate] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw_candidates, start=1):
        if not isinstance(entry, dict):
            checker.add(f"candidates[{n}] must be a JSON object")
            continue
        name = _text(entry.get("name"))
        if not name:
            checker.add(f"A name is required for each candidate: candidates[{n}]")
            continue
        raw_aliases = entry.get("aliases") or []
        if not isinstance(raw_aliases, list):
            checker.add(f"aliases of candidate {name!r} must be a list")
            raw_aliases = []
        aliases = [_text(a) for a in raw_aliases if _text(a)]
        code = _text(entry.get("code"))  # RCTab before 1.3 had one "code" per candidate
        if code:
            aliases.append(code)
        for spelling in (name, *aliases):
            if spelling in seen:
                checker.add(f"Duplicate candidate names or aliases are not allowed: {spelling!r}")
            seen.add(spelling)
            if spelling.lower() in _RESERVED or spelling == UNDECLARED_WRITE_INS:
                checker.add(
                    f'"{spelling}" is a reserved term and can\'t be used as a candidate name'
                )
        candidates.append(
            RctabCandidate(
                name=name,
                aliases=tuple(aliases),
                excluded=checker.boolean(entry.get("excluded"), f"excluded of {name!r}"),
            )
        )
    if not candidates:
        checker.add("Contest config must contain at least 1 declared candidate")
    elif all(c.excluded for c in candidates):
        checker.add("Contest config must contain at least 1 non-excluded candidate")
    return tuple(candidates)


def _read_rules(raw_rules: Mapping[str, object], checker: _Checker) -> RctabRules:
    mode = checker.choice(
        raw_rules.get("winnerElectionMode"), "winnerElectionMode", WINNER_ELECTION_MODES
    )
    tiebreak = checker.choice(raw_rules.get("tiebreakMode"), "tiebreakMode", TIEBREAK_MODES)
    seed = checker.integer(
        raw_rules.get("randomSeed"),
        "randomSeed",
        _MIN_RANDOM_SEED,
        _MAX_RANDOM_SEED,
        required=False,
    )
    if tiebreak in _RANDOM_TIEBREAK_MODES and not _text(raw_rules.get("randomSeed")):
        checker.add("When tiebreakMode involves a random element, randomSeed must be supplied")
    overvote_rule = checker.choice(raw_rules.get("overvoteRule"), "overvoteRule", OVERVOTE_RULES)
    max_rankings = checker.int_or_option(
        raw_rules.get("maxRankingsAllowed"), "maxRankingsAllowed", "max", 1
    )
    max_skipped = checker.int_or_option(
        raw_rules.get("maxSkippedRanksAllowed"), "maxSkippedRanksAllowed", "unlimited", 0
    )
    # RCTab bounds numberOfWinners by the candidate count, yet its own regression case
    # more_winners_than_candidates counts 5 seats among 4 candidates; we follow the case.
    winners = checker.integer(
        raw_rules.get("numberOfWinners"), "numberOfWinners", 0, _MAX_INT, required=True
    )
    decimals = checker.integer(
        raw_rules.get("decimalPlacesForVoteArithmetic"),
        "decimalPlacesForVoteArithmetic",
        _MIN_DECIMAL_PLACES,
        _MAX_DECIMAL_PLACES,
        required=True,
    )
    minimum = checker.integer(
        raw_rules.get("minimumVoteThreshold"),
        "minimumVoteThreshold",
        _MIN_MINIMUM_VOTE_THRESHOLD,
        _MAX_MINIMUM_VOTE_THRESHOLD,
        required=False,
    )
    stop_after = checker.integer(
        raw_rules.get("stopTabulationEarlyAfterRound"),
        "stopTabulationEarlyAfterRound",
        1,
        _MAX_INT,
        required=False,
    )
    percent_value = checker.integer(
        raw_rules.get("multiSeatBottomsUpPercentageThreshold"),
        "multiSeatBottomsUpPercentageThreshold",
        _MIN_PERCENT,
        _MAX_PERCENT,
        required=False,
    )
    percent = Decimal(percent_value) if percent_value is not None else None
    flags = {
        name: checker.boolean(raw_rules.get(name), name)
        for name in (
            "exhaustOnDuplicateCandidate",
            "batchElimination",
            "continueUntilTwoCandidatesRemain",
            "nonIntegerWinningThreshold",
            "hareQuota",
            "doesFirstRoundDetermineThreshold",
        )
    }
    multi_winner_modes = (
        "multiWinnerAllowOnlyOneWinnerPerRound",
        "multiWinnerAllowMultipleWinnersPerRound",
    )
    if winners is not None and winners > 0:
        if mode == "bottomsUpUsingPercentageThreshold":
            checker.add(f'numberOfWinners must be zero if winnerElectionMode is "{mode}"')
        if winners > 1 and mode != "multiPassIrv":
            if flags["continueUntilTwoCandidatesRemain"]:
                checker.add(
                    "continueUntilTwoCandidatesRemain can't be true in a multi-seat contest "
                    "unless the winner election mode is multi-pass IRV"
                )
            if flags["batchElimination"]:
                checker.add(
                    "batchElimination can't be true in a multi-seat contest unless the winner "
                    "election mode is multi-pass IRV"
                )
        if winners == 1 and mode != "singleWinnerMajority" and mode in WINNER_ELECTION_MODES:
            checker.add(
                f'winnerElectionMode can\'t be "{mode}" in a single-seat contest (numberOfWinners)'
            )
    elif winners == 0:
        if mode != "bottomsUpUsingPercentageThreshold":
            checker.add(
                "If numberOfWinners is zero, winnerElectionMode must be "
                '"bottomsUpUsingPercentageThreshold"'
            )
        if percent is None:
            checker.add(
                "If numberOfWinners is zero, multiSeatBottomsUpPercentageThreshold must be "
                "specified"
            )
    if mode == "bottomsUpUsingPercentageThreshold" and flags["batchElimination"]:
        checker.add(f'batchElimination can\'t be true when winnerElectionMode is "{mode}"')
    if mode not in multi_winner_modes:
        for flag in ("nonIntegerWinningThreshold", "hareQuota"):
            if flags[flag]:
                checker.add(f'{flag} can\'t be true when winnerElectionMode is "{mode}"')
    if flags["nonIntegerWinningThreshold"] and flags["hareQuota"]:
        checker.add("nonIntegerWinningThreshold and hareQuota can't both be true at the same time")
    return RctabRules(
        winner_election_mode=mode,
        number_of_winners=winners if winners is not None else 0,
        tiebreak_mode=tiebreak,
        random_seed=seed,
        overvote_rule=overvote_rule,
        max_skipped_ranks_allowed=max_skipped,
        max_rankings_allowed=max_rankings,
        exhaust_on_duplicate_candidate=flags["exhaustOnDuplicateCandidate"],
        batch_elimination=flags["batchElimination"],
        continue_until_two_candidates_remain=flags["continueUntilTwoCandidatesRemain"],
        stop_tabulation_early_after_round=stop_after,
        minimum_vote_threshold=minimum,
        decimal_places_for_vote_arithmetic=decimals if decimals is not None else 4,
        non_integer_winning_threshold=flags["nonIntegerWinningThreshold"],
        hare_quota=flags["hareQuota"],
        does_first_round_determine_threshold=flags["doesFirstRoundDetermineThreshold"],
        multi_seat_bottoms_up_percentage_threshold=percent,
        raw=dict(raw_rules),
    )


def read_rctab_config(path: str | Path) -> RctabConfig:
    """Read and validate an RCTab contest config file.

    Args:
        path: the ``*_config.json`` file. Relative CVR paths are resolved against its folder.

    Returns:
        The typed config.

    Raises:
        ConfigError: the file cannot be read or is not JSON.
        RctabConfigInvalid: the config fails validation; ``problems`` lists every problem,
            each naming the field at fault.
    """
    config_path = Path(path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError as err:
        msg = f"{path}: cannot read the contest config: {err.strerror or err}"
        raise ConfigError(msg) from err
    except UnicodeDecodeError as err:
        msg = f"{path}: the contest config is not UTF-8 text (byte {err.start})"
        raise ConfigError(msg) from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        msg = f"{path}: line {err.lineno}, column {err.colno}: not valid JSON: {err.msg}"
        raise ConfigError(msg) from err
    if not isinstance(data, dict):
        msg = f"{path}: a contest config must be a JSON object, got {type(data).__name__}"
        raise ConfigError(msg)
    checker = _Checker()
    if not _text(data.get("tabulatorVersion")):
        checker.add("tabulatorVersion is required")
    output = _mapping(data.get("outputSettings"), "outputSettings", checker)
    contest_name = _text(output.get("contestName"))
    if not contest_name:
        checker.add("contestName is required (outputSettings.contestName)")
    folder = config_path.resolve().parent
    sources = _read_sources(data.get("cvrFileSources"), folder, checker)
    candidates = _read_candidates(data.get("candidates"), checker)
    rules = _read_rules(_mapping(data.get("rules"), "rules", checker), checker)
    for source in sources:
        if source.overvote_label is not None and rules.overvote_rule == (
            "exhaustIfMultipleContinuing"
        ):
            checker.add(
                "When overvoteLabel is supplied, overvoteRule must be either "
                "exhaustImmediately or alwaysSkipToNextRank"
            )
        if (
            source.provider == "ess"
            and source.overvote_delimiter is None
            and rules.overvote_rule == "exhaustIfMultipleContinuing"
        ):
            checker.add(
                "overvoteDelimiter is required for an ES&S CVR source when overvoteRule is set "
                f'to "exhaustIfMultipleContinuing": {source.path.name}'
            )
        if source.provider == "cdf" and output.get("tabulateByPrecinct") is True:
            checker.add("tabulateByPrecinct may not be used with CDF files")
        if (
            output.get("tabulateByPrecinct") is True
            and source.provider in ("ess", "genericCsv")
            and source.precinct_column_index is None
        ):
            checker.add(
                f"precinctColumnIndex is required when tabulateByPrecinct is enabled: "
                f"{source.path.name}"
            )
        labels = {
            "overvoteLabel": source.overvote_label,
            "skippedRankLabel": source.skipped_rank_label,
            "undeclaredWriteInLabel": source.undeclared_write_in_label,
        }
        names = {s.lower(): c.name for c in candidates for s in (c.name, *c.aliases)}
        for field_name, label in labels.items():
            if label is None:
                continue
            if label.lower() in names:
                checker.add(
                    f"\"{label}\" can't be used as {field_name} if it's also being used as a "
                    f"candidate name or alias ({names[label.lower()]!r})"
                )
            for other, other_label in labels.items():
                if (
                    other < field_name
                    and other_label is not None
                    and other_label.lower() == (label.lower())
                ):
                    checker.add(f'"{label}" can\'t be used as both {other} and {field_name}')
    if checker.problems:
        raise RctabConfigInvalid(str(path), checker.problems)
    return RctabConfig(
        path=config_path,
        contest_name=contest_name,
        contest_date=_text(output.get("contestDate")),
        contest_jurisdiction=_text(output.get("contestJurisdiction")),
        contest_office=_text(output.get("contestOffice")),
        candidates=candidates,
        rules=rules,
        sources=sources,
        raw=data,
    )


# --------------------------------------------------------------------------- ballots

_OVERVOTE = object()


def _name_table(config: RctabConfig) -> dict[str, int]:
    table: dict[str, int] = {}
    for index, candidate in enumerate(config.candidates):
        table[candidate.name] = index
        for alias in candidate.aliases:
            table.setdefault(alias, index)
    return table


def records_to_profile(
    config: RctabConfig,
    batches: Sequence[tuple[RctabSource, Sequence[CvrRecord]]],
) -> Profile:
    """Resolve the names in each source's records and build one profile.

    Args:
        config: the contest config (candidates, aliases, ranking limit).
        batches: each source with the records read from it, in config order.

    Returns:
        The profile, candidates in config order then ``Undeclared Write-ins`` when used.

    Raises:
        BallotFileError: a source names candidates the config does not know, or ranks
            beyond ``maxRankingsAllowed`` (as RCTab's ``runAdditionalValidations``).
    """
    return _build(config, batches).profile


@dataclass(frozen=True, slots=True)
class _Built:
    profile: Profile
    precincts: dict[str, Profile]
    batches: dict[str, Profile]


def _build(
    config: RctabConfig,
    batches: Sequence[tuple[RctabSource, Sequence[CvrRecord]]],
) -> _Built:
    table = _name_table(config)
    names = [c.name for c in config.candidates]
    uwi_index = len(names)
    uwi_used = config.has_undeclared_write_ins
    limit = config.ranking_limit
    ballots: list[tuple[list[Mark], CvrRecord]] = []
    for source, records in batches:
        own_limit = (
            source.provider in _CONTEST_RANK_LIMIT_PROVIDERS
            and config.rules.max_rankings_allowed is None
        )
        lookup: dict[str, int | object] = dict(table)
        lookup[EXPLICIT_OVERVOTE_LABEL] = _OVERVOTE
        if source.overvote_label is not None:
            lookup[source.overvote_label] = _OVERVOTE
        lookup.setdefault(UNDECLARED_WRITE_INS, uwi_index)
        if source.undeclared_write_in_label is not None:
            lookup.setdefault(source.undeclared_write_in_label, uwi_index)
        unknown: dict[str, int] = {}
        resolved: list[tuple[CvrRecord, list[tuple[int, int | object]]]] = []
        for record in records:
            marks: list[tuple[int, int | object]] = []
            for rank, name in record.rankings:
                found = lookup.get(name)
                if found is None:
                    unknown[name] = unknown.get(name, 0) + 1
                    continue
                if found == uwi_index:
                    uwi_used = True
                marks.append((rank, found))
            resolved.append((record, marks))
        if unknown:
            listed = "; ".join(f'"{n}" appears {c} time(s)' for n, c in unknown.items())
            problem = f"unrecognized candidate(s) not in the contest config: {listed}"
            raise BallotFileError(str(source.path), "", "", problem)
        for record, marks in resolved:
            if not marks:
                ballots.append(([], record))
                continue
            top = max(rank for rank, _ in marks)
            low = min(rank for rank, _ in marks)
            if low < 1:
                problem = f"rankings must start at 1, but this record has a ranking at {low}"
                raise BallotFileError(str(source.path), record.location, "Rank", problem)
            if top > limit and not own_limit:
                allowed = _text(config.rules.raw.get("maxRankingsAllowed")) or str(limit)
                problem = (
                    f'CVR "{record.record_id}" has a ranking {top}, but the contest has max '
                    f"ranking {allowed} (maxRankingsAllowed)"
                )
                raise BallotFileError(str(source.path), record.location, "Rank", problem)
            ballots.append((_marks_from(marks, top), record))
    candidates = [*names, UNDECLARED_WRITE_INS] if uwi_used else names
    write_ins = [uwi_index] if uwi_used else []
    builder = ProfileBuilder(candidates, write_ins=write_ins)
    by_precinct: dict[str, ProfileBuilder] = {}
    by_batch: dict[str, ProfileBuilder] = {}
    for marks_list, record in ballots:
        builder.add(marks_list)
        if record.precinct is not None:
            if record.precinct not in by_precinct:
                by_precinct[record.precinct] = ProfileBuilder(candidates, write_ins=write_ins)
            by_precinct[record.precinct].add(marks_list)
        if record.batch is not None:
            if record.batch not in by_batch:
                by_batch[record.batch] = ProfileBuilder(candidates, write_ins=write_ins)
            by_batch[record.batch].add(marks_list)
    return _Built(
        profile=builder.build(),
        precincts={k: v.build() for k, v in by_precinct.items()},
        batches={k: v.build() for k, v in by_batch.items()},
    )


def _marks_from(marks: Sequence[tuple[int, int | object]], top: int) -> list[Mark]:
    """Group (rank, candidate) pairs into one mark per rank, as CandidateRankingsList does."""
    cells: list[list[int | object]] = [[] for _ in range(top)]
    for rank, found in marks:
        cells[rank - 1].append(found)
    out: list[Mark] = []
    for cell in cells:
        if not cell:
            out.append(None)
        elif any(c is _OVERVOTE for c in cell):
            out.append(frozenset(c for c in cell if isinstance(c, int) and len(cell) > 1))
        else:
            distinct = frozenset(c for c in cell if isinstance(c, int))
            out.append(next(iter(distinct)) if len(distinct) == 1 else distinct)
    return out


_CONTEST_RANK_LIMIT_PROVIDERS = frozenset({"dominion"})
"""Providers whose contests carry their own number of ranks (Dominion ``NumOfRanks``): with
``maxRankingsAllowed`` "max" the reader checks ranks against the contest's limit, not the
declared candidate count (RCTab: ``BaseCvrReader.isRankingAllowed(rank, contestId)``,
"Individual contests may have a different value than what the config allows"; upstream's
``2024_alaska_dominion`` counts a rank 5 with 4 declared candidates)."""

_READERS = {
    "cdf": ("tellers.formats.cdf", "read_cdf_records"),
    "ess": ("tellers.formats.ess", "read_ess_records"),
    "genericCsv": ("tellers.formats.rctab_csv", "read_generic_csv_records"),
    "clearBallot": ("tellers.formats.rctab_csv", "read_clear_ballot_records"),
    "dominion": ("tellers.formats.dominion", "read_dominion_records"),
    "hart": ("tellers.formats.hart", "read_hart_records"),
}
"""Provider -> (module, function); imported on use, since the readers import this module."""

_Reader = Callable[[RctabConfig, RctabSource], Sequence[CvrRecord]]


def _reader_for(source: RctabSource) -> _Reader:
    if source.provider not in _READERS:
        msg = (
            f"{source.path}: provider {source.provider!r} is not supported yet "
            f"(supported: {', '.join(sorted(_READERS))})"
        )
        raise ConfigError(msg)
    module, function = _READERS[source.provider]
    reader: _Reader = getattr(importlib.import_module(module), function)
    return reader


def load_rctab_contest(path: str | Path) -> RctabContest:
    """Read an RCTab config and every cast vote record source it names.

    Args:
        path: the ``*_config.json`` file.

    Returns:
        The config and the merged profile.

    Raises:
        ConfigError: invalid config, or a provider without a reader.
        BallotFileError: a source that cannot be read; names file, row/record and field.
    """
    config = read_rctab_config(path)
    batches = [(source, _reader_for(source)(config, source)) for source in config.sources]
    return _contest(config, batches)


def _contest(
    config: RctabConfig, batches: Sequence[tuple[RctabSource, Sequence[CvrRecord]]]
) -> RctabContest:
    built = _build(config, batches)
    return RctabContest(
        config=config, profile=built.profile, precincts=built.precincts, batches=built.batches
    )


def load_rctab_contest_from_csv(path: str | Path, csv_path: str | Path) -> RctabContest:
    """Load an RCTab contest whose ballots come from RCTab's own converted CVR CSV.

    RCTab's CSV export of a contest's ballots (``conversions_from_dominion_expected.csv``)
    stands in for the config's sources, e.g. to check a vendor reader against RCTab's own
    reading: names are resolved with the config's candidates, aliases and the first
    source's labels (e.g. Dominion's write-in code ``12``).

    Raises:
        ConfigError: invalid config.
        BallotFileError: the CSV cannot be read, or names candidates the config lacks.
    """
    from tellers.formats.rctab_csv import read_rctab_csv_records

    config = read_rctab_config(path)
    records = read_rctab_csv_records(csv_path)
    source = dataclasses.replace(config.sources[0], provider="rctab-csv", path=Path(csv_path))
    return _contest(config, [(source, records)])
