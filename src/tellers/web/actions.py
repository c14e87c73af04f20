"""The officer actions on a contest, shared by the officer pages and the JSON API.

Each entry names the role permission it needs and the one service it calls; the pages
and the API differ only in how they answer (a redirect with a message, or JSON).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tellers.domain.ids import OfficerId
from tellers.domain.officer import OfficerAction
from tellers.services import contests, mail, results
from tellers.services.audit import verify_audit_log
from tellers.services.board import publish_board
from tellers.web.deps import WebContext

__all__ = ["ACTIONS", "ContestAction", "run_action"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ContestAction:
    """One button on a contest's page / one API verb."""

    name: str
    label: str
    permission: OfficerAction
    run: Callable[[WebContext, OfficerId, str], dict[str, Any]]
    danger: bool = False


def _open_nominations(ctx: WebContext, officer: OfficerId, cid: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        c = contests.open_nominations(uow=uow, clock=ctx.clock, officer=officer, contest_id=cid)
    assert c.gate is not None
    return {
        "message": f"Nominations are open: {c.gate.required} needed "
        f"(of {c.gate.denominator}, rounded up).",
        "phase": c.phase.value,
    }


def _close_nominations(ctx: WebContext, officer: OfficerId, cid: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        c = contests.close_nominations(uow=uow, clock=ctx.clock, officer=officer, contest_id=cid)
    note = f" {c.unopposed} is elected unopposed." if c.unopposed else ""
    return {"message": f"Nominations are closed.{note}", "phase": c.phase.value}


def _open_voting(ctx: WebContext, officer: OfficerId, cid: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        c = contests.open_voting(uow=uow, clock=ctx.clock, officer=officer, contest_id=cid)
    return {"message": "Voting is open: the roll is frozen.", "phase": c.phase.value}


def _close_voting(ctx: WebContext, officer: OfficerId, cid: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        c = contests.close_voting(uow=uow, clock=ctx.clock, officer=officer, contest_id=cid)
    return {"message": "Voting is closed.", "phase": c.phase.value}


def _count(ctx: WebContext, officer: OfficerId, cid: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        r = results.count(uow=uow, clock=ctx.clock, officer=officer, contest_id=cid)
    return {"message": f"Counted: {r.valid:,} valid ballots of {r.returned:,} returned."}


def _recount(ctx: WebContext, officer: OfficerId, cid: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        r = results.recount(uow=uow, clock=ctx.clock, officer=officer, contest_id=cid)
    verdict = "agrees with" if r.matches_first else "DIFFERS FROM"
    return {
        "message": f"Recount {r.number} {verdict} the first count.",
        "matches_first": r.matches_first,
    }


def _declare(ctx: WebContext, officer: OfficerId, cid: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        d = results.declare(uow=uow, clock=ctx.clock, officer=officer, contest_id=cid)
    return {"message": "The result is declared.", "audit_head": d.audit_head}


def _invitations(ctx: WebContext, officer: OfficerId, cid: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        s = mail.queue_invitations(
            uow=uow,
            clock=ctx.clock,
            officer=officer,
            contest_id=cid,
            base_url=ctx.settings.base_url,
        )
    return {
        "message": f"{s.queued:,} invitations queued; {s.without_address:,} voters have no "
        "e-mail address.",
        "queued": s.queued,
        "without_address": s.without_address,
    }


def _reminders(ctx: WebContext, officer: OfficerId, cid: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        s = mail.queue_reminders(
            uow=uow,
            clock=ctx.clock,
            officer=officer,
            contest_id=cid,
            base_url=ctx.settings.base_url,
        )
    return {
        "message": f"{s.queued:,} reminders queued.",
        "queued": s.queued,
        "without_address": s.without_address,
    }


def _result_notice(ctx: WebContext, officer: OfficerId, cid: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        s = mail.queue_result_notice(
            uow=uow,
            clock=ctx.clock,
            officer=officer,
            contest_id=cid,
            base_url=ctx.settings.base_url,
        )
    return {"message": f"{s.queued:,} result notices queued.", "queued": s.queued}


def _publish_board(ctx: WebContext, officer: OfficerId, cid: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        b = publish_board(
            uow=uow,
            clock=ctx.clock,
            officer=officer,
            keys=ctx.keys,
            contest_id=cid,
            sealing_key=ctx.settings.sealing_key,
            boards=ctx.boards,
        )
    return {
        "message": f"Bulletin board published ({b.ballots:,} ballots; audit entry "
        f"{b.audit_sequence}, SHA-256 {b.sha256}).",
        "sha256": b.sha256,
        "audit_sequence": b.audit_sequence,
    }


def verify_audit(ctx: WebContext) -> str:
    """Verify the whole audit chain; returns the head hash."""
    with ctx.uow() as uow:
        return verify_audit_log(uow=uow)


_LIST = (
    ContestAction(
        name="open-nominations",
        label="Open nominations",
        permission=OfficerAction.MANAGE,
        run=_open_nominations,
    ),
    ContestAction(
        name="close-nominations",
        label="Close nominations",
        permission=OfficerAction.MANAGE,
        run=_close_nominations,
    ),
    ContestAction(
        name="open-voting", label="Open voting", permission=OfficerAction.MANAGE, run=_open_voting
    ),
    ContestAction(
        name="invitations",
        label="Issue codes and send invitations",
        permission=OfficerAction.MANAGE,
        run=_invitations,
    ),
    ContestAction(
        name="reminders",
        label="Send reminders to those who have not voted",
        permission=OfficerAction.MANAGE,
        run=_reminders,
    ),
    ContestAction(
        name="close-voting",
        label="Close voting",
        permission=OfficerAction.MANAGE,
        run=_close_voting,
        danger=True,
    ),
    ContestAction(name="count", label="Count", permission=OfficerAction.COUNT, run=_count),
    ContestAction(name="recount", label="Recount", permission=OfficerAction.COUNT, run=_recount),
    ContestAction(
        name="declare",
        label="Declare the result",
        permission=OfficerAction.MANAGE,
        run=_declare,
        danger=True,
    ),
    ContestAction(
        name="publish-board",
        label="Publish the bulletin board",
        permission=OfficerAction.MANAGE,
        run=_publish_board,
    ),
    ContestAction(
        name="result-notice",
        label="E-mail the result to voters",
        permission=OfficerAction.MANAGE,
        run=_result_notice,
    ),
)

ACTIONS: dict[str, ContestAction] = {a.name: a for a in _LIST}

PHASE_ACTIONS: dict[str, tuple[str, ...]] = {
    "draft": ("open-nominations", "open-voting"),
    "nominations open": ("close-nominations",),
    "nominations closed": ("open-voting", "declare"),
    "voting open": ("invitations", "reminders", "close-voting"),
    "voting closed": ("count", "publish-board"),
    "counted": ("recount", "declare", "publish-board"),
    "declared": ("recount", "publish-board", "result-notice"),
}
"""The actions offered in each phase (the services still check every one)."""


def run_action(ctx: WebContext, officer: OfficerId, contest_id: str, name: str) -> dict[str, Any]:
    """Run one action (the caller has checked the officer's permission)."""
    return ACTIONS[name].run(ctx, officer, contest_id)
