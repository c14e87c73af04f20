"""Voter pages: code -> ballot paper -> review -> cast -> receipt.

The voting code arrives either typed (``POST /vote``) or in an invitation link
(``GET /vote/{contest}/start?code=...``); either way it is checked
(:func:`tellers.services.portal.check_credential`), kept in the session -- sealed, so
the cookie never shows it (:mod:`tellers.web.security`) -- for the minutes it takes to
vote, and the browser is **redirected** to a URL without it, so the code never stays in
the address bar or the history. The draft ballot and the receipt are sealed likewise. Casting
(:func:`tellers.services.voting.cast_ballots`, in the server's group commit:
:mod:`tellers.web.batcher`) drops the code from the session and keeps
only the receipt; a second submission of the same form finds no code and shows the
receipt of the ballot already cast (no second ballot can be made: the credential is
used).
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tellers.domain.errors import VotingError, WrongPhase
from tellers.domain.presentation import BallotPaper, MarkingStyle
from tellers.errors import TellersError
from tellers.services import mail, portal
from tellers.web.deps import context_of
from tellers.web.errors import ADVICE, error_code, error_status
from tellers.web.forms import read_ballot_form
from tellers.web.pages import flash, render
from tellers.web.security import (
    check_csrf,
    end_voter_session,
    set_voter_value,
    start_voter_session,
    voter_code,
    voter_value,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _problem(err: TellersError) -> dict[str, Any]:
    code = error_code(err)
    return {"code": code, "message": str(err), "advice": ADVICE.get(code, "")}


@router.get("/vote", response_class=HTMLResponse)
def vote_start(request: Request) -> Response:
    """Type a voting code (choose the ballot if more than one is open)."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        contests = [c for c in portal.list_contests(uow=uow) if c.phase.value == "voting open"]
    return render(request, "vote_code.html", contests=contests, contest=None, problem=None)


@router.get("/vote/{contest_id}", response_class=HTMLResponse)
def vote_code_form(request: Request, contest_id: str) -> Response:
    """Type a voting code for one ballot."""
    ctx = context_of(request)
    with ctx.uow() as uow:
        contest = portal.get_contest(uow=uow, contest_id=contest_id)
    problem = request.session.pop("voter_problem", None)
    status = int(problem.pop("status", 200)) if isinstance(problem, dict) else 200
    return render(
        request,
        "vote_code.html",
        status_code=status,
        contests=[],
        contest=contest,
        problem=problem,
    )


@router.post("/vote", response_class=HTMLResponse)
def vote_code_submit(
    request: Request, contest: str = Form(""), code: str = Form(""), csrf: str = Form("")
) -> Response:
    """Check a typed code and go to the ballot paper."""
    check_csrf(request, csrf)
    ctx = context_of(request)
    try:
        with ctx.uow() as uow:
            portal.check_credential(uow=uow, contest_id=contest, code=code)
    except (VotingError, WrongPhase) as err:
        with ctx.uow() as uow:
            found = portal.get_contest(uow=uow, contest_id=contest)
        return render(
            request,
            "vote_code.html",
            status_code=error_status(err),
            contests=[],
            contest=found,
            problem=_problem(err),
        )
    start_voter_session(request, contest, code)
    return _see_other(f"/vote/{contest}/ballot")


@router.get("/vote/{contest_id}/start")
def vote_from_link(request: Request, contest_id: str, code: str = "") -> Response:
    """Land from an invitation link: keep the code in the session, drop it from the URL."""
    ctx = context_of(request)
    try:
        with ctx.uow() as uow:
            portal.check_credential(uow=uow, contest_id=contest_id, code=code)
    except (VotingError, WrongPhase) as err:
        problem = _problem(err)
        problem["status"] = error_status(err)
        request.session["voter_problem"] = problem
        return _see_other(f"/vote/{contest_id}")
    start_voter_session(request, contest_id, code)
    return _see_other(f"/vote/{contest_id}/ballot")


def _paper(request: Request, contest_id: str, code: str) -> BallotPaper:
    ctx = context_of(request)
    seed = hashlib.sha256(ctx.settings.secret_key.encode() + b"\x00" + code.encode()).digest()
    with ctx.uow() as uow:
        return portal.ballot_for_voter(
            uow=uow,
            presentation=ctx.stores.presentation,
            contest_id=contest_id,
            voter_seed=seed,
        )


def _draft(request: Request, contest_id: str) -> dict[str, Any] | None:
    """The voter's draft of this contest's ballot, if any."""
    draft = voter_value(request, "draft")
    return draft if draft is not None and draft.get("contest") == contest_id else None


def _no_session(request: Request, contest_id: str) -> Response:
    receipt = voter_value(request, "receipt")
    if receipt is not None and receipt.get("contest") == contest_id:
        return _see_other(f"/vote/{contest_id}/receipt")
    flash(request, "Please enter your voting code to continue.", "info")
    return _see_other(f"/vote/{contest_id}")


@router.get("/vote/{contest_id}/ballot", response_class=HTMLResponse)
def ballot_page(request: Request, contest_id: str) -> Response:
    """The ballot paper (filled in with the voter's draft, if they came back to change it)."""
    code = voter_code(request, contest_id)
    if code is None:
        return _no_session(request, contest_id)
    paper = _paper(request, contest_id, code)
    draft = _draft(request, contest_id)
    marks = draft.get("ranking", []) if draft is not None else []
    abstain = bool(draft.get("abstain")) if draft is not None else False
    return render(
        request,
        "ballot.html",
        paper=paper,
        marks=marks,
        abstain=abstain,
        problems=[],
        styles=MarkingStyle,
    )


@router.post("/vote/{contest_id}/review", response_class=HTMLResponse)
async def review_submit(request: Request, contest_id: str) -> Response:
    """Read the marks; show the paper again with problems, or go to the review."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    code = voter_code(request, contest_id)
    if code is None:
        return _no_session(request, contest_id)
    paper = _paper(request, contest_id, code)
    read = read_ballot_form(paper, form, form.getlist)
    if read.problems:
        prefs = [str(form.get(f"pref-{i}", "")) for i in range(1, len(paper.options) + 1)]
        marks = (
            prefs
            if paper.style is MarkingStyle.RANKING
            else [str(c) for c in form.getlist("choice")]
        )
        return render(
            request,
            "ballot.html",
            status_code=422,
            paper=paper,
            marks=marks,
            abstain=False,
            problems=list(read.problems),
            styles=MarkingStyle,
        )
    set_voter_value(
        request,
        "draft",
        {"contest": contest_id, "ranking": list(read.ranking), "abstain": read.abstain},
    )
    return _see_other(f"/vote/{contest_id}/review")


@router.get("/vote/{contest_id}/review", response_class=HTMLResponse)
def review_page(request: Request, contest_id: str) -> Response:
    """Check your vote before casting it."""
    code = voter_code(request, contest_id)
    draft = _draft(request, contest_id)
    if code is None:
        return _no_session(request, contest_id)
    if draft is None:
        return _see_other(f"/vote/{contest_id}/ballot")
    paper = _paper(request, contest_id, code)
    names = dict(paper.options)
    chosen = [(k, names.get(k, k)) for k in draft.get("ranking", [])]
    return render(request, "review.html", paper=paper, chosen=chosen, styles=MarkingStyle)


@router.post("/vote/{contest_id}/cast", response_class=HTMLResponse)
def cast_submit(request: Request, contest_id: str, csrf: str = Form("")) -> Response:
    """Cast the reviewed ballot; the code leaves the session, the receipt stays."""
    check_csrf(request, csrf)
    ctx = context_of(request)
    code = voter_code(request, contest_id)
    draft = _draft(request, contest_id)
    if code is None:
        receipt = voter_value(request, "receipt")
        if receipt is not None and receipt.get("contest") == contest_id:
            with ctx.uow() as uow:
                contest = portal.get_contest(uow=uow, contest_id=contest_id)
            return render(
                request,
                "receipt.html",
                status_code=409,
                contest=contest,
                tracking_code=receipt.get("tracking", ""),
                again=True,
            )
        return _no_session(request, contest_id)
    if draft is None:
        return _see_other(f"/vote/{contest_id}/ballot")
    # the same group commit as the API's casts (tellers.web.batcher)
    receipt_obj = ctx.casts.cast_blocking(contest_id, code, list(draft.get("ranking", [])))
    end_voter_session(request)
    set_voter_value(
        request, "receipt", {"contest": contest_id, "tracking": receipt_obj.tracking_code}
    )
    return _see_other(f"/vote/{contest_id}/receipt")


@router.get("/vote/{contest_id}/receipt", response_class=HTMLResponse)
def receipt_page(request: Request, contest_id: str) -> Response:
    """The receipt: the tracking code, and an offer to e-mail it."""
    ctx = context_of(request)
    receipt = voter_value(request, "receipt")
    if receipt is None or receipt.get("contest") != contest_id:
        return _see_other(f"/vote/{contest_id}")
    with ctx.uow() as uow:
        contest = portal.get_contest(uow=uow, contest_id=contest_id)
    return render(
        request,
        "receipt.html",
        contest=contest,
        tracking_code=receipt.get("tracking", ""),
        again=False,
    )


@router.post("/vote/{contest_id}/receipt/email")
def receipt_email(
    request: Request, contest_id: str, email: str = Form(""), csrf: str = Form("")
) -> Response:
    """E-mail the receipt to an address the voter types (only if they ask)."""
    check_csrf(request, csrf)
    ctx = context_of(request)
    receipt = voter_value(request, "receipt")
    if receipt is None or receipt.get("contest") != contest_id:
        return _see_other(f"/vote/{contest_id}")
    address = email.strip()
    if "@" not in address or len(address) > 254 or any(c in address for c in "\r\n<>, "):
        flash(request, "That does not look like an e-mail address; please check it.", "error")
        return _see_other(f"/vote/{contest_id}/receipt")
    with ctx.uow() as uow:
        contest = portal.get_contest(uow=uow, contest_id=contest_id)
    mail.queue_receipt(
        clock=ctx.clock,
        outbox=ctx.stores.outbox,
        contest_id=contest_id,
        title=contest.title,
        tracking_code=str(receipt.get("tracking", "")),
        to=address,
        base_url=ctx.settings.base_url,
    )
    flash(request, f"Your receipt will be sent to {address}.")
    return _see_other(f"/vote/{contest_id}/receipt")


@router.post("/vote/finish")
def finish(request: Request, csrf: str = Form("")) -> Response:
    """Forget everything about this voting session (for shared computers)."""
    check_csrf(request, csrf)
    request.session.clear()
    return _see_other("/")
