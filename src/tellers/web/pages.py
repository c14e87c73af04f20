"""Rendering server-side pages with Jinja2 (autoescaped), with what every page needs:
the CSRF token, the logged-in officer, the organisation's name, flash messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from tellers.domain.result import percent
from tellers.web.deps import context_of
from tellers.web.security import csrf_token, current_officer

__all__ = ["TEMPLATES", "flash", "render"]

TEMPLATES = Path(__file__).resolve().parent / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _thousands(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


_env.filters["n"] = _thousands
_env.globals["percent"] = percent


def flash(request: Request, message: str, kind: str = "success") -> None:
    """Show ``message`` on the next page rendered for this session."""
    request.session.setdefault("flash", []).append([kind, message])


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the page context."""
    ctx = context_of(request)
    messages = request.session.pop("flash", []) if "flash" in request.session else []
    page = _env.get_template(template).render(
        request=request,
        csrf=csrf_token(request),
        officer=current_officer(request),
        site=ctx.settings.organisation_name,
        flashes=messages,
        **context,
    )
    return HTMLResponse(page, status_code=status_code)
