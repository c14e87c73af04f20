"""Nomination gates as data: an expression tree of thresholds combined by AND / OR.

A party's rule for reaching the ballot is rarely one threshold. Labour's 2020 rules
(procedural guidelines for the leadership and deputy leadership elections, January
2020; README S7) were: **stage 1**, nominations from 10% of the combined PLP and EPLP;
then **stage 2**, supporting nominations from 5% of constituency Labour parties **or**
from at least 3 affiliates, at least 2 of them trade unions, together holding at least
5% of the affiliated membership. A :class:`GateNode` tree writes that rule as data::

    all (staged)
     +-- threshold 10% of seats in {plp, eplp}            "stage 1: PLP and EPLP"
     +-- any                                              "stage 2"
          +-- threshold 5% of affiliates of kind CLP      "CLPs"
          +-- affiliate route: >= 3 affiliates, >= 2 unions,
              >= 5% of the affiliated membership          "affiliates"

- ``THRESHOLD`` counts nominations from one **pool**: seat holders of some bodies, or
  affiliates of some kinds. The number needed is ``share x denominator`` rounded **up**
  in integers (Conventions and traps 2), the denominator being the pool's size
  **snapshotted at a named instant** (traps 6) and printed with the outcome; or an
  absolute ``minimum`` (the Conservative rules: 20 MPs in July 2022, 100 in October
  2022), or the larger of the two.
- ``AFFILIATE_ROUTE`` counts nominating affiliates of the route's kinds: at least
  ``min_affiliates`` of them, at least ``min_unions`` unions, and together at least
  ``min_membership_share`` of the affiliated membership of those kinds (exact fractions).
- ``ALL`` passes when every child passes; ``ANY`` when one does. A ``staged`` ``ALL``
  takes its children as stages in order: nominations for stage *k* are accepted only for
  candidates who have passed every earlier stage (:func:`passes_stages_before`).

:func:`evaluate` is pure: it takes the snapshots (:class:`DenominatorSnapshot`) and the
nominations counted per pool, and returns a :class:`GateOutcome` tree with every node's
count, requirement, denominator and snapshot, so each gate's pass/fail can be reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from fractions import Fraction
from typing import Any

from tellers.counting.amounts import format_amount
from tellers.crypto.hashing import format_instant
from tellers.domain.ids import AffiliateId, BodyId, CandidateId
from tellers.domain.organisation import Affiliate, AffiliateKind

__all__ = [
    "DenominatorSnapshot",
    "GateNode",
    "GateOp",
    "GateOutcome",
    "Rounding",
    "SupportingNomination",
    "affiliate_pool_size",
    "evaluate",
    "gate_from_spec",
    "passes_stages_before",
    "pool_closes_at",
    "required_share",
    "stage_of_pool",
]


class GateOp(Enum):
    """What a gate node does."""

    ALL = "all"
    ANY = "any"
    THRESHOLD = "threshold"
    AFFILIATE_ROUTE = "affiliate route"


class Rounding(Enum):
    """How ``share x denominator`` becomes a whole number of nominations."""

    UP = "up"
    """The rule books' default: 10% of 216 is 21.6, so 22 are needed."""
    DOWN = "down"
    NEAREST_HALF_UP = "nearest, half up"


def required_share(share: Fraction, denominator: int, rounding: Rounding = Rounding.UP) -> int:
    """``share x denominator`` rounded as the rule says, exactly in integers.

    >>> required_share(Fraction(1, 10), 216)
    22
    >>> required_share(Fraction(3, 20), 359)
    54

    Raises:
        ValueError: a share outside ``[0, 1]`` or a negative denominator.
    """
    if not 0 <= share <= 1:
        msg = f"a share must be in [0, 1], got {share}"
        raise ValueError(msg)
    if denominator < 0:
        msg = f"a denominator cannot be negative, got {denominator}"
        raise ValueError(msg)
    num, den = share.numerator * denominator, share.denominator
    if rounding is Rounding.UP:
        return -(-num // den)
    if rounding is Rounding.DOWN:
        return num // den
    return (2 * num + den) // (2 * den)


@dataclass(frozen=True, slots=True, kw_only=True)
class GateNode:
    """One node of a nomination gate (see the module docstring).

    Only the fields of the node's ``op`` are used; the others keep their defaults, so
    the tree stores as plain JSON (one node type, no unions).
    """

    op: GateOp
    name: str = ""
    """What the rules call it (``"stage 1: PLP and EPLP"``, ``"CLPs"``); unique in a tree."""
    children: tuple[GateNode, ...] = ()
    staged: bool = False
    """For ``ALL``: the children are stages, each open only to those who passed the earlier."""
    share: Fraction = Fraction(0)
    rounding: Rounding = Rounding.UP
    minimum: int = 0
    """For ``THRESHOLD``: an absolute number of nominations needed at least (20 MPs,
    100 MPs), alone (share 0) or with a share (the larger applies)."""
    bodies: tuple[BodyId, ...] = ()
    """For ``THRESHOLD``: nominations from seat holders of these bodies."""
    affiliate_kinds: tuple[AffiliateKind, ...] = ()
    """For ``THRESHOLD`` and ``AFFILIATE_ROUTE``: nominations from affiliates of these kinds."""
    min_affiliates: int = 0
    min_unions: int = 0
    min_membership_share: Fraction = Fraction(0)
    snapshot_at: datetime | None = None
    """When the pool's size is taken (None: when nominations open)."""
    snapshot_label: str = ""
    closes_at: datetime | None = None
    """For a stage (or any node): nominations of its pools after this instant are refused."""

    def walk(self) -> Iterable[GateNode]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def is_leaf(self) -> bool:
        """Whether the node counts nominations itself."""
        return self.op in (GateOp.THRESHOLD, GateOp.AFFILIATE_ROUTE)

    @property
    def counts_seats(self) -> bool:
        """Whether the node counts nominations by seat holders (people)."""
        return self.op is GateOp.THRESHOLD and bool(self.bodies)

    def problems(self) -> list[str]:
        """What is wrong with the tree (empty when usable)."""
        out: list[str] = []
        names = [n.name for n in self.walk()]
        if any(not n for n in names):
            out.append("every gate node needs a name")
        repeated = sorted({n for n in names if n and names.count(n) > 1})
        if repeated:
            out.append(f"gate node names repeated: {', '.join(repeated)}")
        for node in self.walk():
            where = f"gate {node.name or '?'}"
            if node.op in (GateOp.ALL, GateOp.ANY) and not node.children:
                out.append(f"{where}: {node.op.value} needs at least one child")
            if node.is_leaf and node.children:
                out.append(f"{where}: a {node.op.value} has no children")
            if node.op is GateOp.THRESHOLD:
                if bool(node.bodies) == bool(node.affiliate_kinds):
                    out.append(f"{where}: count either seats in bodies or affiliates, not both")
                if not 0 < node.share <= 1 and not (node.share == 0 and node.minimum > 0):
                    out.append(f"{where}: share {node.share} is not in (0, 1]")
                if node.minimum < 0:
                    out.append(f"{where}: a negative minimum")
            if node.op is GateOp.AFFILIATE_ROUTE and not node.affiliate_kinds:
                out.append(f"{where}: an affiliate route needs affiliate kinds")
            if node.snapshot_at is not None and node.snapshot_at.utcoffset() is None:
                out.append(f"{where}: the snapshot instant has no time zone")
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class DenominatorSnapshot:
    """A pool's size taken at a named instant (kept on the contest, printed with results)."""

    node: str
    denominator: int
    """Seat holders, or affiliates of the node's kinds."""
    membership: int = 0
    """For affiliate pools: the affiliated membership of the affiliates counted."""
    at: datetime
    label: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SupportingNomination:
    """An affiliate's (a CLP's, a union's) nomination of a candidate."""

    affiliate: AffiliateId
    candidate: CandidateId
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class GateOutcome:
    """How one candidate fared at one gate node (a tree like the gate)."""

    name: str
    op: GateOp
    passed: bool
    count: int = 0
    """Nominations counted (threshold), or nominating affiliates (route)."""
    required: int = 0
    denominator: int = 0
    share: Fraction = Fraction(0)
    rounding: Rounding = Rounding.UP
    minimum: int = 0
    snapshot_at: datetime | None = None
    snapshot_label: str = ""
    unions: int = 0
    min_unions: int = 0
    membership: int = 0
    """Affiliated membership of the nominating affiliates (route)."""
    membership_total: int = 0
    min_membership_share: Fraction = Fraction(0)
    reached: bool = True
    """False for a stage not reached because an earlier stage failed."""
    children: tuple[GateOutcome, ...] = ()

    def find(self, name: str) -> GateOutcome:
        """The outcome of the node called ``name``.

        Raises:
            KeyError: no such node.
        """
        if self.name == name:
            return self
        for child in self.children:
            try:
                return child.find(name)
            except KeyError:
                continue
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """The outcome as JSON-ready values (exact shares as text, no floats)."""
        out: dict[str, Any] = {"name": self.name, "op": self.op.value, "passed": self.passed}
        if not self.reached:
            out["reached"] = False
        if self.op is GateOp.THRESHOLD:
            out |= {
                "count": self.count,
                "required": self.required,
                "share": format_amount(self.share),
                "denominator": self.denominator,
                "rounding": self.rounding.value,
                "minimum": self.minimum,
                "snapshot_at": format_instant(self.snapshot_at) if self.snapshot_at else None,
                "snapshot_label": self.snapshot_label,
            }
        elif self.op is GateOp.AFFILIATE_ROUTE:
            out |= {
                "affiliates": self.count,
                "min_affiliates": self.required,
                "unions": self.unions,
                "min_unions": self.min_unions,
                "membership": self.membership,
                "membership_total": self.membership_total,
                "membership_share": format_amount(
                    Fraction(self.membership, self.membership_total)
                    if self.membership_total
                    else Fraction(0)
                ),
                "min_membership_share": format_amount(self.min_membership_share),
                "denominator": self.denominator,
                "snapshot_at": format_instant(self.snapshot_at) if self.snapshot_at else None,
                "snapshot_label": self.snapshot_label,
            }
        else:
            out["children"] = [c.as_dict() for c in self.children]
        return out


def affiliate_pool_size(
    affiliates: Iterable[Affiliate], kinds: Sequence[AffiliateKind]
) -> tuple[int, int]:
    """``(number, affiliated membership)`` of the affiliates of ``kinds``."""
    pool = [a for a in affiliates if a.kind in kinds]
    return len(pool), sum(a.affiliated_membership for a in pool)


def stage_of_pool(gate: GateNode, *, affiliate_kind: AffiliateKind | None) -> int:
    """The index of the stage (child of a staged root) that counts this pool.

    ``affiliate_kind=None`` asks about nominations by seat holders. Returns 0 when the
    root is not staged or no stage counts the pool.
    """
    if gate.op is not GateOp.ALL or not gate.staged:
        return 0
    for i, stage in enumerate(gate.children):
        for node in stage.walk():
            if affiliate_kind is None and node.counts_seats:
                return i
            if affiliate_kind is not None and affiliate_kind in node.affiliate_kinds:
                return i
    return 0


def pool_closes_at(gate: GateNode, *, affiliate_kind: AffiliateKind | None) -> datetime | None:
    """The earliest closing instant of the nodes (and their enclosing stages) counting a pool.

    ``affiliate_kind=None`` asks about nominations by seat holders.
    """
    found: list[datetime] = []

    def visit(node: GateNode, inherited: datetime | None) -> None:
        closes = node.closes_at or inherited
        if node.is_leaf:
            counts = (
                node.counts_seats
                if affiliate_kind is None
                else affiliate_kind in node.affiliate_kinds
            )
            if counts and closes is not None:
                found.append(closes)
        for child in node.children:
            visit(child, closes)

    visit(gate, None)
    return min(found) if found else None


def _snapshot(snapshots: Mapping[str, DenominatorSnapshot], node: GateNode) -> DenominatorSnapshot:
    found = snapshots.get(node.name)
    if found is None:
        msg = f"no denominator snapshot for gate {node.name!r}"
        raise KeyError(msg)
    return found


def evaluate(
    gate: GateNode,
    *,
    snapshots: Mapping[str, DenominatorSnapshot],
    seat_nominations: Mapping[str, int],
    affiliates: Sequence[Affiliate],
) -> GateOutcome:
    """One candidate's outcome at every node of ``gate``.

    Args:
        gate: the gate tree.
        snapshots: the pools' sizes, by node name.
        seat_nominations: the candidate's nominations by seat holders, by node name.
        affiliates: the affiliates that nominate the candidate (each once).
    """
    op = gate.op
    if op is GateOp.THRESHOLD:
        snap = _snapshot(snapshots, gate)
        if gate.bodies:
            got = seat_nominations.get(gate.name, 0)
        else:
            got = sum(1 for a in affiliates if a.kind in gate.affiliate_kinds)
        need = max(required_share(gate.share, snap.denominator, gate.rounding), gate.minimum)
        return GateOutcome(
            name=gate.name,
            op=op,
            passed=snap.denominator > 0 and got >= need,
            count=got,
            required=need,
            denominator=snap.denominator,
            share=gate.share,
            rounding=gate.rounding,
            minimum=gate.minimum,
            snapshot_at=snap.at,
            snapshot_label=snap.label,
        )
    if op is GateOp.AFFILIATE_ROUTE:
        snap = _snapshot(snapshots, gate)
        counted = [a for a in affiliates if a.kind in gate.affiliate_kinds]
        unions = sum(1 for a in counted if a.kind is AffiliateKind.UNION)
        membership = sum(a.affiliated_membership for a in counted)
        share_ok = (
            snap.membership > 0
            and Fraction(membership, snap.membership) >= gate.min_membership_share
        ) or gate.min_membership_share == 0
        return GateOutcome(
            name=gate.name,
            op=op,
            passed=len(counted) >= gate.min_affiliates and unions >= gate.min_unions and share_ok,
            count=len(counted),
            required=gate.min_affiliates,
            denominator=snap.denominator,
            snapshot_at=snap.at,
            snapshot_label=snap.label,
            unions=unions,
            min_unions=gate.min_unions,
            membership=membership,
            membership_total=snap.membership,
            min_membership_share=gate.min_membership_share,
        )
    children: list[GateOutcome] = []
    blocked = False
    for child in gate.children:
        outcome = evaluate(
            child, snapshots=snapshots, seat_nominations=seat_nominations, affiliates=affiliates
        )
        if blocked:
            outcome = _not_reached(outcome)
        children.append(outcome)
        if gate.staged and not outcome.passed:
            blocked = True
    if op is GateOp.ALL:
        passed = all(c.passed for c in children)
    else:
        passed = any(c.passed for c in children)
    return GateOutcome(name=gate.name, op=op, passed=passed, children=tuple(children))


def _not_reached(outcome: GateOutcome) -> GateOutcome:
    from dataclasses import replace

    return replace(
        outcome,
        passed=False,
        reached=False,
        children=tuple(_not_reached(c) for c in outcome.children),
    )


def passes_stages_before(
    gate: GateNode,
    stage: int,
    *,
    snapshots: Mapping[str, DenominatorSnapshot],
    seat_nominations: Mapping[str, int],
    affiliates: Sequence[Affiliate],
) -> bool:
    """Whether a candidate has passed every stage of a staged gate before ``stage``."""
    if gate.op is not GateOp.ALL or not gate.staged:
        return True
    for earlier in gate.children[:stage]:
        outcome = evaluate(
            earlier, snapshots=snapshots, seat_nominations=seat_nominations, affiliates=affiliates
        )
        if not outcome.passed:
            return False
    return True


# -- spec -------------------------------------------------------------------------------


def gate_from_spec(
    raw: Mapping[str, Any],
    *,
    key: str,
    parse_share: Any,
    parse_instant: Any,
    fail: Any,
) -> GateNode:
    """A gate tree from its spec (the parsers and the error maker are the spec module's).

    Spec keys: ``{name, all: [..] | any: [..], staged?}``, ``{name, threshold?: share,
    minimum?: int, bodies: [id] | affiliate_kinds: [kind], rounding?, snapshot_at?,
    snapshot_label?}``
    or ``{name, affiliate_route: {affiliate_kinds: [kind], min_affiliates?,
    min_unions?, min_membership_share?}, snapshot_at?, snapshot_label?}``.
    """
    if not isinstance(raw, Mapping):
        raise fail(key, f"expected a table, got {type(raw).__name__}")
    name = str(raw.get("name", ""))
    snapshot_at = (
        parse_instant(raw["snapshot_at"], f"{key}.snapshot_at") if "snapshot_at" in raw else None
    )
    label = str(raw.get("snapshot_label", ""))
    closes_at = parse_instant(raw["closes_at"], f"{key}.closes_at") if "closes_at" in raw else None
    kinds_of = _kinds_parser(fail)
    for op_key, op in (("all", GateOp.ALL), ("any", GateOp.ANY)):
        if op_key in raw:
            items = raw[op_key]
            if not isinstance(items, list | tuple):
                msg = f"{key}.{op_key}"
                raise fail(msg, "expected a list of gates")
            return GateNode(
                op=op,
                name=name,
                closes_at=closes_at,
                staged=bool(raw.get("staged", False)),
                children=tuple(
                    gate_from_spec(
                        c,
                        key=f"{key}.{op_key}[{i}]",
                        parse_share=parse_share,
                        parse_instant=parse_instant,
                        fail=fail,
                    )
                    for i, c in enumerate(items)
                ),
            )
    if "threshold" in raw or "minimum" in raw:
        rounding = raw.get("rounding", "up")
        try:
            rounding_value = Rounding(rounding)
        except ValueError as err:
            msg = f"{key}.rounding"
            raise fail(msg, f"{rounding!r} is not a rounding rule") from err
        return GateNode(
            op=GateOp.THRESHOLD,
            name=name,
            share=parse_share(raw.get("threshold", "0"), f"{key}.threshold"),
            minimum=int(raw.get("minimum", 0)),
            rounding=rounding_value,
            bodies=tuple(BodyId(str(b)) for b in raw.get("bodies", ())),
            affiliate_kinds=kinds_of(raw.get("affiliate_kinds", ()), f"{key}.affiliate_kinds"),
            snapshot_at=snapshot_at,
            snapshot_label=label,
            closes_at=closes_at,
        )
    if "affiliate_route" in raw:
        route = raw["affiliate_route"]
        if not isinstance(route, Mapping):
            msg = f"{key}.affiliate_route"
            raise fail(msg, "expected a table")
        return GateNode(
            op=GateOp.AFFILIATE_ROUTE,
            name=name,
            affiliate_kinds=kinds_of(
                route.get("affiliate_kinds", ()), f"{key}.affiliate_route.affiliate_kinds"
            ),
            min_affiliates=int(route.get("min_affiliates", 0)),
            min_unions=int(route.get("min_unions", 0)),
            min_membership_share=parse_share(
                route.get("min_membership_share", "0"),
                f"{key}.affiliate_route.min_membership_share",
            ),
            snapshot_at=snapshot_at,
            snapshot_label=label,
            closes_at=closes_at,
        )
    raise fail(key, "a gate needs one of all, any, threshold or affiliate_route")


def _kinds_parser(fail: Any) -> Any:
    def parse(values: object, key: str) -> tuple[AffiliateKind, ...]:
        if not isinstance(values, list | tuple):
            raise fail(key, "expected a list of affiliate kinds")
        out: list[AffiliateKind] = []
        for v in values:
            try:
                out.append(AffiliateKind(v))
            except ValueError as err:
                known = ", ".join(repr(k.value) for k in AffiliateKind)
                raise fail(key, f"{v!r} is not one of {known}") from err
        return tuple(out)

    return parse
