"""Rule sets versioned by date: which version of the rules governs a given day.

Rules change by statute (the Trade Union Act 2016 thresholds apply to ballots *opened*
on or after 1 March 2017; the Employment Rights Act 2025 repeals the 40% support
threshold for ballots opened from 18 February 2026 and the 50% turnout threshold from
a date **not yet set**) and by the organisation's own rulings (the 1922 Committee may
change its immunity rule). A :class:`RuleSet` is a named list of
:class:`RuleVersion`\\ s, each with the day it takes effect -- or ``None`` when its
commencement has not been set, in which case it is never in force until an amendment
sets the day (:meth:`RuleSet.commenced`). The version in force on a day is the one with
the latest effective date on or before that day (:meth:`RuleSet.in_force_on`): a
contest records the version in force on the day it **opened** (Conventions and traps 7).

A version's ``settings`` are JSON values (shares as exact text such as ``"1/2"``,
integers, booleans, text, or ``None`` for "no such rule"); :meth:`RuleVersion.share`
and :meth:`RuleVersion.integer` read them typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Any

from tellers.domain.errors import InvalidSpec

__all__ = ["NoRuleInForce", "RuleSet", "RuleVersion"]


class NoRuleInForce(InvalidSpec):
    """No version of a rule set is in force on the day asked about."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleVersion:
    """One version of a rule set."""

    version: str
    effective_from: date | None
    """First day in force (for statutory ballots: ballots opened on or after it);
    ``None`` while the commencement date is not yet set."""
    settings: Mapping[str, Any]
    source: str = ""
    """The text that makes it law or rule (an Act's section, a committee's ruling)."""

    @property
    def is_commenced(self) -> bool:
        """Whether the version has a commencement date."""
        return self.effective_from is not None

    def share(self, key: str) -> Fraction | None:
        """The setting ``key`` as an exact share, or None when the rule has none.

        Raises:
            InvalidSpec: the setting is not written as an exact share.
        """
        raw = self.settings.get(key)
        if raw is None:
            return None
        if isinstance(raw, bool | float):
            msg = f"rule {self.version}, {key}: write shares exactly as text, not {raw!r}"
            raise InvalidSpec(msg)
        try:
            if isinstance(raw, str) and raw.strip().endswith("%"):
                return Fraction(raw.strip()[:-1]) / 100
            return Fraction(raw)
        except (TypeError, ValueError, ZeroDivisionError) as err:
            msg = f"rule {self.version}, {key}: not a share: {raw!r}"
            raise InvalidSpec(msg) from err

    def integer(self, key: str, default: int | None = None) -> int | None:
        """The setting ``key`` as an integer (``default`` when absent or None)."""
        raw = self.settings.get(key)
        if raw is None:
            return default
        if isinstance(raw, bool) or not isinstance(raw, int):
            msg = f"rule {self.version}, {key}: expected an integer, got {raw!r}"
            raise InvalidSpec(msg)
        return raw

    def flag(self, key: str, default: bool = False) -> bool:
        """The setting ``key`` as a boolean."""
        raw = self.settings.get(key, default)
        return bool(raw)

    def as_dict(self) -> dict[str, Any]:
        """The version as JSON-ready values."""
        return {
            "version": self.version,
            "effective_from": None
            if self.effective_from is None
            else self.effective_from.isoformat(),
            "settings": dict(self.settings),
            "source": self.source,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSet:
    """A named, dated sequence of rule versions."""

    name: str
    versions: tuple[RuleVersion, ...]

    def version(self, name: str) -> RuleVersion:
        """The version called ``name``.

        Raises:
            KeyError: no such version.
        """
        for v in self.versions:
            if v.version == name:
                return v
        raise KeyError(name)

    def in_force_on(self, day: date) -> RuleVersion:
        """The version in force on ``day``: the latest commenced on or before it.

        Raises:
            NoRuleInForce: no version had commenced by ``day``.
        """
        best: RuleVersion | None = None
        for v in self.versions:
            if v.effective_from is None or v.effective_from > day:
                continue
            if best is None or (
                best.effective_from is not None and v.effective_from >= best.effective_from
            ):
                best = v
        if best is None:
            msg = f"no version of {self.name} was in force on {day.isoformat()}"
            raise NoRuleInForce(msg)
        return best

    def amended(self, version: RuleVersion) -> RuleSet:
        """The rule set with ``version`` added (or replacing one of the same name)."""
        kept = tuple(v for v in self.versions if v.version != version.version)
        return replace(self, versions=(*kept, version))

    def commenced(self, version: str, day: date) -> RuleSet:
        """The rule set with ``version``'s commencement set to ``day``."""
        found = self.version(version)
        return self.amended(replace(found, effective_from=day))

    def as_dict(self) -> dict[str, Any]:
        """The rule set as JSON-ready values."""
        return {"name": self.name, "versions": [v.as_dict() for v in self.versions]}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RuleSet:
        """A rule set from :meth:`as_dict` values (or a spec of the same shape).

        Raises:
            InvalidSpec: a missing name or version, or an unreadable date.
        """
        try:
            versions = tuple(_version(v) for v in raw.get("versions", ()))
            name = str(raw["name"])
        except (KeyError, TypeError, ValueError) as err:
            msg = f"rule set: {err}"
            raise InvalidSpec(msg) from err
        return cls(name=name, versions=versions)


def _version(raw: Mapping[str, Any]) -> RuleVersion:
    effective = raw.get("effective_from")
    return RuleVersion(
        version=str(raw["version"]),
        effective_from=None if effective is None else date.fromisoformat(str(effective)),
        settings=dict(raw.get("settings", {})),
        source=str(raw.get("source", "")),
    )
