"""Officer pages: log-in, organisations, roll import, contests and their lifecycle,
nominations, turnout, count and declaration, the audit log and the outbox.

Every page checks the officer's role (:func:`tellers.web.security.require_officer`) and
every form its CSRF token; every change is one service call. A roll import runs in the
background (:mod:`tellers.web.roll_import`), its progress kept in the job store so that
any worker can show it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tellers.domain.errors import NotFound
from tellers.domain.officer import OfficerAction, OfficerRole
from tellers.domain.organisation import AffiliateKind
from tellers.domain.presentation import BallotOrder, Presentation
from tellers.services import contests, mail, officers, organisations, portal
from tellers.web.actions import ACTIONS, PHASE_ACTIONS, run_action, verify_audit
from tellers.web.deps import context_of
from tellers.web.errors import error_code
from tellers.web.forms import parse_spec
from tellers.web.pages import flash, render
from tellers.web.roll_import import job_view, start_roll_import
from tellers.web.security import check_csrf, log_in, log_out, require_officer

__all__ = ["router"]

router = APIRouter(prefix="/officer", include_in_schema=False)

AFFILIATE_KINDS = {k.value: k for k in AffiliateKind}


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str) -> str:
    return target if target.startswith("/officer") and "//" not in target else "/officer"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/officer") -> Response:  # noqa: A002
    """The officers' log-in form."""
    return render(request, "login.html", next=_safe_next(next), problem=None)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    officer_id: str = Form(""),
    password: str = Form(""),
    csrf: str = Form(""),
    next: str = Form("/officer"),  # noqa: A002
) -> Response:
    """Check the password (argon2id), with lock-out after repeated failures."""
    check_csrf(request, csrf)
    ctx = context_of(request)
    try:
        officer = officers.authenticate(
            officers=ctx.stores.officers,
            clock=ctx.clock,
            officer_id=officer_id,
            password=password,
            policy=ctx.settings.lockout,
            uow=ctx.uow,
        )
    except officers.AuthenticationError as err:
        status = 423 if isinstance(err, officers.AccountLocked) else 401
        return render(
            request,
            "login.html",
            status_code=status,
            next=_safe_next(next),
            problem={"code": error_code(err), "message": str(err)},
        )
    log_in(request, officer)
    return _see_other(_safe_next(next))


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> Response:
    """End the officer's session."""
    check_csrf(request, csrf)
    log_out(request)
    return _see_other("/officer/login")


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    """Organisations and contests, with their phases."""
    require_officer(request, OfficerAction.VIEW)
    ctx = context_of(request)
    with ctx.uow() as uow:
        orgs = portal.list_organisations(uow=uow)
    with ctx.uow() as uow:
        listed = portal.list_contests(uow=uow)
    return render(
        request,
        "officer/dashboard.html",
        organisations=orgs,
        contests=listed,
        kinds=AFFILIATE_KINDS,
        roles=list(OfficerRole),
        officers_list=ctx.stores.officers.all(),
    )


@router.post("/organisations")
def create_organisation(
    request: Request, organisation_id: str = Form(...), name: str = Form(...), csrf: str = Form("")
) -> Response:
    """Create an organisation."""
    check_csrf(request, csrf)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        organisations.create_organisation(
            uow=uow,
            clock=ctx.clock,
            officer=officer.id,
            organisation_id=organisation_id.strip(),
            name=name.strip(),
        )
    flash(request, f"Organisation {name} created.")
    return _see_other("/officer")


@router.post("/organisations/{organisation_id}/bodies")
def add_body(
    request: Request,
    organisation_id: str,
    body_id: str = Form(...),
    name: str = Form(...),
    kind: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    """Add a body (parliamentary group, executive...)."""
    check_csrf(request, csrf)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        organisations.add_body(
            uow=uow,
            clock=ctx.clock,
            officer=officer.id,
            organisation_id=organisation_id,
            body_id=body_id.strip(),
            name=name.strip(),
            kind=kind.strip(),
        )
    flash(request, f"Body {name} added.")
    return _see_other("/officer")


@router.post("/organisations/{organisation_id}/affiliates")
def add_affiliate(
    request: Request,
    organisation_id: str,
    affiliate_id: str = Form(...),
    name: str = Form(...),
    kind: str = Form("union"),
    affiliated_membership: int = Form(0),
    csrf: str = Form(""),
) -> Response:
    """Add an affiliate (union, society, branch...)."""
    check_csrf(request, csrf)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        organisations.add_affiliate(
            uow=uow,
            clock=ctx.clock,
            officer=officer.id,
            organisation_id=organisation_id,
            affiliate_id=affiliate_id.strip(),
            name=name.strip(),
            kind=AFFILIATE_KINDS[kind],
            affiliated_membership=affiliated_membership,
        )
    flash(request, f"Affiliate {name} added.")
    return _see_other("/officer")


@router.post("/officers")
def appoint(
    request: Request,
    officer_id: str = Form(...),
    name: str = Form(...),
    role: str = Form(...),
    password: str = Form(...),
    csrf: str = Form(""),
) -> Response:
    """Appoint an officer (returning officers only)."""
    check_csrf(request, csrf)
    by = require_officer(request, OfficerAction.ADMINISTER)
    ctx = context_of(request)
    with ctx.uow() as uow:
        officers.appoint_officer(
            uow=uow,
            clock=ctx.clock,
            officer=by.id,
            officer_id=officer_id.strip(),
            name=name.strip(),
            role=OfficerRole(role),
            password=password,
        )
    flash(request, f"{name} appointed as {role}.")
    return _see_other("/officer")


# -- roll import with progress ---------------------------------------------------------


@router.get("/organisations/{organisation_id}/roll", response_class=HTMLResponse)
def roll_form(request: Request, organisation_id: str) -> Response:
    """Upload a roll file."""
    require_officer(request, OfficerAction.MANAGE)
    return render(request, "officer/roll.html", organisation_id=organisation_id)


@router.post("/organisations/{organisation_id}/roll")
async def roll_upload(request: Request, organisation_id: str) -> Response:
    """Start importing an uploaded roll file in the background; show its progress."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) and not hasattr(upload, "read"):
        await form.close()
        flash(request, "Choose a roll file to upload.", "error")
        return _see_other(f"/officer/organisations/{organisation_id}/roll")
    assert upload is not None
    assert not isinstance(upload, str)
    raw = await upload.read()
    await form.close()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(request, "The roll file must be UTF-8 text (CSV).", "error")
        return _see_other(f"/officer/organisations/{organisation_id}/roll")
    # recording the job is a database write: off the event loop
    job = await run_in_threadpool(
        start_roll_import, ctx, officer=officer.id, organisation_id=organisation_id, text=text
    )
    return _see_other(f"/officer/jobs/{job.id}")


def _job(request: Request, job_id: str) -> dict[str, Any]:
    ctx = context_of(request)
    job = ctx.stores.jobs.find(job_id)
    if job is None:
        msg = f"no import job {job_id}"
        raise NotFound(msg)
    return job_view(job, ctx)


@router.get("/jobs/{job_id}.json")
def job_json(request: Request, job_id: str) -> Response:
    """An import's progress as JSON (for the progress bar's script)."""
    require_officer(request, OfficerAction.MANAGE)
    return JSONResponse(_job(request, job_id))


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> Response:
    """An import's progress (the page refreshes itself until it is done)."""
    require_officer(request, OfficerAction.MANAGE)
    job = _job(request, job_id)
    return render(request, "officer/job.html", job=job, running=job["running"])


# -- contests --------------------------------------------------------------------------


@router.get("/contests/new", response_class=HTMLResponse)
def contest_form(request: Request) -> Response:
    """Set up a contest from a spec (TOML or JSON)."""
    require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        orgs = portal.list_organisations(uow=uow)
    return render(request, "officer/contest_new.html", organisations=orgs, orders=list(BallotOrder))


@router.post("/contests")
def contest_create(
    request: Request,
    organisation_id: str = Form(...),
    contest_id: str = Form(...),
    spec: str = Form(...),
    order: str = Form("fixed"),
    instructions: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    """Create a draft contest."""
    check_csrf(request, csrf)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    data = parse_spec(spec)
    with ctx.uow() as uow:
        c = contests.create_contest(
            uow=uow,
            clock=ctx.clock,
            officer=officer.id,
            organisation_id=organisation_id,
            contest_id=contest_id.strip(),
            spec=data,
        )
    ctx.stores.presentation.set(
        Presentation(contest_id=c.id, order=BallotOrder(order), instructions=instructions.strip())
    )
    flash(request, f"Contest {c.title} created as a draft.")
    return _see_other(f"/officer/contests/{c.id}")


@router.get("/contests/{contest_id}", response_class=HTMLResponse)
def contest_page(request: Request, contest_id: str) -> Response:
    """A contest: phase, next actions, nominations register, turnout, results."""
    officer = require_officer(request, OfficerAction.VIEW)
    ctx = context_of(request)
    with ctx.uow() as uow:
        contest = portal.get_contest(uow=uow, contest_id=contest_id)
    with ctx.uow() as uow:
        register = contests.nomination_register_of(uow=uow, contest_id=contest_id)
    with ctx.uow() as uow:
        nominations = uow_nominations(uow, contest_id)
    turnout = None
    if contest.phase.value in ("voting open", "voting closed", "counted", "declared"):
        with ctx.uow() as uow:
            turnout = portal.turnout_by_section(uow=uow, contest_id=contest_id)
    result = None
    if contest.phase.value in ("counted", "declared"):
        with ctx.uow() as uow:
            result = portal.published_result(
                uow=uow, contest_id=contest_id, include_undeclared=True
            )
    from tellers.domain.officer import can

    offered = [
        ACTIONS[name]
        for name in PHASE_ACTIONS.get(contest.phase.value, ())
        if can(officer.role, ACTIONS[name].permission)
    ]
    return render(
        request,
        "officer/contest.html",
        contest=contest,
        register=register,
        nominations=nominations,
        turnout=turnout,
        result=result,
        actions=offered,
        presentation=ctx.stores.presentation.get(contest_id),
        orders=list(BallotOrder),
        outbox=ctx.stores.outbox.counts(contest_id=contest_id),
        can_manage=can(officer.role, OfficerAction.MANAGE),
    )


def uow_nominations(uow: Any, contest_id: str) -> tuple[Any, ...]:
    """Every nomination of a contest (who nominated whom), in the order made."""
    from tellers.domain.ids import ContestId

    with uow:
        found: tuple[Any, ...] = uow.contests.nominations(ContestId(contest_id))
        return found


@router.post("/contests/{contest_id}/action/{name}")
def contest_action(request: Request, contest_id: str, name: str, csrf: str = Form("")) -> Response:
    """Run one lifecycle action (open, close, count, declare, mail...)."""
    check_csrf(request, csrf)
    action = ACTIONS.get(name)
    if action is None:
        msg = f"no action {name!r}"
        raise NotFound(msg)
    officer = require_officer(request, action.permission)
    outcome = run_action(context_of(request), officer.id, contest_id, name)
    flash(request, str(outcome["message"]))
    return _see_other(f"/officer/contests/{contest_id}")


@router.post("/contests/{contest_id}/nominate")
def nominate(
    request: Request,
    contest_id: str,
    nominator: str = Form(...),
    candidate: str = Form(...),
    csrf: str = Form(""),
) -> Response:
    """Record a nomination."""
    check_csrf(request, csrf)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        contests.nominate(
            uow=uow,
            clock=ctx.clock,
            officer=officer.id,
            contest_id=contest_id,
            nominator=nominator.strip(),
            candidate=candidate.strip(),
        )
    flash(request, f"{nominator} nominates {candidate}.")
    return _see_other(f"/officer/contests/{contest_id}")


@router.post("/contests/{contest_id}/withdraw")
def withdraw(
    request: Request, contest_id: str, candidate: str = Form(...), csrf: str = Form("")
) -> Response:
    """Record a candidate's withdrawal."""
    check_csrf(request, csrf)
    officer = require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        contests.withdraw(
            uow=uow, clock=ctx.clock, officer=officer.id, contest_id=contest_id, candidate=candidate
        )
    flash(request, f"{candidate} has withdrawn.")
    return _see_other(f"/officer/contests/{contest_id}")


@router.post("/contests/{contest_id}/presentation")
def presentation(
    request: Request,
    contest_id: str,
    order: str = Form("fixed"),
    instructions: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    """Set the order of the candidates and the instructions on the paper."""
    check_csrf(request, csrf)
    require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    with ctx.uow() as uow:
        portal.get_contest(uow=uow, contest_id=contest_id)
    ctx.stores.presentation.set(
        Presentation(
            contest_id=contest_id, order=BallotOrder(order), instructions=instructions.strip()
        )
    )
    flash(request, "The ballot paper's settings are saved.")
    return _see_other(f"/officer/contests/{contest_id}")


# -- audit and outbox ------------------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request) -> Response:
    """The audit log, newest first."""
    require_officer(request, OfficerAction.VIEW)
    ctx = context_of(request)
    with ctx.uow() as uow:
        entries = portal.audit_entries(uow=uow, limit=500)
    return render(request, "officer/audit.html", entries=entries, verified=None)


@router.post("/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, csrf: str = Form("")) -> Response:
    """Verify every link of the audit chain."""
    check_csrf(request, csrf)
    require_officer(request, OfficerAction.COUNT)
    ctx = context_of(request)
    head = verify_audit(ctx)
    with ctx.uow() as uow:
        entries = portal.audit_entries(uow=uow, limit=500)
    return render(request, "officer/audit.html", entries=entries, verified=head)


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request) -> Response:
    """Queued and delivered mail (bodies with codes are erased once sent)."""
    require_officer(request, OfficerAction.VIEW)
    ctx = context_of(request)
    return render(
        request,
        "officer/outbox.html",
        messages=ctx.stores.outbox.recent(limit=300),
        counts=ctx.stores.outbox.counts(),
        can_send=ctx.sender is not None,
    )


@router.post("/outbox/deliver")
def outbox_deliver(request: Request, csrf: str = Form("")) -> Response:
    """Send what is due now (normally a background worker does this)."""
    check_csrf(request, csrf)
    require_officer(request, OfficerAction.MANAGE)
    ctx = context_of(request)
    if ctx.sender is None:
        flash(request, "No SMTP server is configured.", "error")
        return _see_other("/officer/outbox")
    report = mail.deliver(
        outbox=ctx.stores.outbox, sender=ctx.sender, clock=ctx.clock, policy=ctx.settings.retry
    )
    flash(
        request,
        f"Sent {report.sent}; {report.retrying} will be retried; {report.failed} given up.",
    )
    return _see_other("/officer/outbox")
