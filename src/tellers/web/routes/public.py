"""Public pages: the list of ballots, results with charts, "was my ballot counted?",
and the downloads (results JSON, bulletin board, the election's public key, audit log
head and export).

The board served is the file stored when it was published, byte for byte, and only if
the audit log certifies its SHA-256 (:func:`tellers.services.board.published_board`);
the pages show that hash and the log entry. The results page and the bulletin-board
page ("was my ballot counted?") print the organisation's election public key and its
fingerprint, and ``public-key.txt`` serves the key alone, so that a scrutineer can pass
it to ``tellers verify --public-key``: a board signed by any other key then fails the
check.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from tellers.domain.errors import NotFound
from tellers.domain.publication import StoredBoard
from tellers.services import portal
from tellers.services.audit import audit_head
from tellers.services.board import (
    PublicKey,
    export_audit_log,
    latest_publication,
    published_board,
    published_public_key,
)
from tellers.web.charts import progress_chart, round_chart, share_chart, transfers_chart
from tellers.web.deps import WebContext, context_of
from tellers.web.pages import render

__all__ = ["public_key_of", "publication_of", "result_view", "router"]

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> Response:
    """The front page: ballots open now, and results."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        contests = portal.list_contests(uow=uow)
    return render(request, "home.html", contests=contests)


def result_view(data: dict[str, Any]) -> dict[str, Any]:
    """Charts and tables of a result's JSON (declaration or count)."""
    view: dict[str, Any] = {"charts": [], "transfers": [], "progress": None, "status": {}}
    options = data.get("options", {})
    count = data.get("count")
    motion = data.get("motion")
    if motion is not None:
        view["motion_chart"] = share_chart(
            [("Yes", motion["yes"]), ("No", motion["no"]), ("Abstained", motion["abstained"])],
            title="Votes on the motion: yes, no and abstentions",
        )
    if count is not None and motion is None:
        names = list(count.get("candidates", []))
        status: dict[str, str] = {}
        for r in count.get("rounds", []):
            for e in r.get("elected", []):
                status.setdefault(e, f"elected in round {r['number']}")
            for e in r.get("eliminated", []):
                status.setdefault(e, f"excluded in round {r['number']}")
        view["status"] = status
        for r in count.get("rounds", []):
            here = {
                **{e: "elected" for e in r.get("elected", [])},
                **{e: "excluded" for e in r.get("eliminated", [])},
            }
            view["charts"].append(
                round_chart(
                    r,
                    candidates=names,
                    quota=count.get("quota"),
                    title=f"Round {r['number']}: votes for each candidate",
                    status=here,
                )
            )
            moved = [t for t in r.get("transfers", []) if _moves_votes(t)]
            view["transfers"].append(
                transfers_chart(
                    {**r, "transfers": moved},
                    candidates=names,
                    title=f"Round {r['number']}: where the transferred votes went",
                )
                if moved
                else None
            )
        if len(count.get("rounds", [])) > 1:
            view["progress"] = progress_chart(
                count["rounds"], candidates=names, title="Each candidate's votes round by round"
            )
        view["names"] = names
    view["options"] = options
    return view


def _moves_votes(transfer: dict[str, Any]) -> bool:
    amounts = [*transfer.get("to", {}).values(), transfer.get("exhausted", "0")]
    return any(Decimal(str(a)) != 0 for a in amounts)


def public_key_of(ctx: WebContext, organisation_id: str) -> PublicKey | None:
    """The organisation's election public key, or None before its first board."""
    return published_public_key(keys=ctx.keys, organisation_id=organisation_id)


@router.get("/contests/{contest_id}/results", response_class=HTMLResponse, include_in_schema=False)
def results_page(request: Request, contest_id: str) -> Response:
    """The declared result with tables and charts, and the key that signs its board."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        contest = portal.get_contest(uow=uow, contest_id=contest_id)
        result = portal.published_result(uow=uow, contest_id=contest_id)
    return render(
        request,
        "results.html",
        contest=contest,
        result=result,
        data=result.data,
        view=result_view(result.data),
        public_key=public_key_of(ctx, contest.organisation_id),
        board=publication_of(ctx, contest_id),
    )


@router.get("/contests/{contest_id}/public-key.txt", include_in_schema=False)
def public_key_txt(request: Request, contest_id: str) -> Response:
    """The election public key that signs the contest's boards: 64 hex digits and a newline.

    Raises:
        NotFound: no board of the organisation has been published yet (so no key).
    """
    ctx = context_of(request)
    with ctx.uow() as uow:
        contest = portal.get_contest(uow=uow, contest_id=contest_id)
    key = public_key_of(ctx, contest.organisation_id)
    if key is None:
        msg = f"no election key yet for {contest.organisation_id}: no board has been published"
        raise NotFound(msg)
    name = f"{contest.organisation_id}-public-key.txt"
    return Response(
        key.hex + "\n",
        media_type="text/plain",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get("/contests/{contest_id}/results.json", include_in_schema=False)
def results_json(request: Request, contest_id: str) -> Response:
    """The declaration's JSON, as stored (byte for byte)."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        result = portal.published_result(uow=uow, contest_id=contest_id)
    return Response(
        result.raw_json,
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="{contest_id}-result.json"'},
    )


@router.get("/contests/{contest_id}/board.json", include_in_schema=False)
def board_json(request: Request, contest_id: str) -> Response:
    """The signed bulletin board as it was published: the very file whose SHA-256 the
    audit log's ``publish_board`` entry holds (404 until an officer publishes one)."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        board = published_board(uow=uow, boards=ctx.boards, contest_id=contest_id)
    return Response(
        board.data,
        media_type="application/json",
        headers={
            "content-disposition": f'attachment; filename="{contest_id}-board.json"',
            "x-tellers-board-sha256": board.sha256,
            "x-tellers-audit-sequence": str(board.audit_sequence),
        },
    )


def publication_of(ctx: WebContext, contest_id: str) -> StoredBoard | None:
    """The contest's newest published board (without its bytes), or None."""
    with ctx.uow() as uow:
        return latest_publication(uow=uow, boards=ctx.boards, contest_id=contest_id)


@router.get("/audit/head.json", include_in_schema=False)
def audit_head_json(request: Request) -> Response:
    """The audit log's head hash and length."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        entries = portal.audit_entries(uow=uow, limit=1)
        with uow:
            head = audit_head(uow)
    return JSONResponse(
        {"head": head, "sequence": entries[0].sequence if entries else 0},
    )


@router.get("/audit/log.jsonl", include_in_schema=False)
def audit_log_jsonl(request: Request) -> Response:
    """The audit log as JSON Lines (every officer action; no ballot, no code)."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        lines = b"".join(export_audit_log(uow=uow))
    return Response(lines, media_type="application/jsonl")


@router.get("/contests/{contest_id}/check", response_class=HTMLResponse, include_in_schema=False)
def check_page(request: Request, contest_id: str, tracking_code: str = "") -> Response:
    """'Was my ballot counted?': look a tracking code up on the bulletin board."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        contest = portal.get_contest(uow=uow, contest_id=contest_id)
    found: bool | None = None
    closed = contest.phase in portal.CLOSED_PHASES
    if tracking_code.strip() and closed:
        with ctx.uow() as uow:
            found = portal.check_tracking_code(
                uow=uow, contest_id=contest_id, tracking_code=tracking_code
            )
    return render(
        request,
        "check.html",
        contest=contest,
        closed=closed,
        tracking_code=tracking_code.strip(),
        found=found,
        public_key=public_key_of(ctx, contest.organisation_id) if closed else None,
        board=publication_of(ctx, contest_id) if closed else None,
    )
