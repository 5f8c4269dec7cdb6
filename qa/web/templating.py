"""Jinja2 templates from the top-level `templates/` folder (or the copy in a wheel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from qa.domain.descriptor_fields import label as element_label
from qa.domain.descriptor_form import readable
from qa.domain.labels import ago, isced, label
from qa.domain.stage_guidance import stage_name
from qa.web.security import csrf_token


def templates_dir() -> Path:
    package = Path(__file__).resolve().parent.parent
    for candidate in (package.parent / "templates", package / "_bundled" / "templates"):
        if candidate.is_dir():
            return candidate
    return package.parent / "templates"


templates = Jinja2Templates(directory=str(templates_dir()))


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a template with the common context (CSRF token, user, roles, path).

    Views choose the template: list pages pass a fragment template for htmx requests. Every
    response varies on `HX-Request`, so caches keep the page and the fragment apart.
    """
    actor = getattr(request.state, "actor", None)
    roles = {role.value for role in actor.roles} if actor else set()
    context = {
        "csrf_token": csrf_token(request.session),
        "user": request.state.user,
        "roles": roles,
        "path": request.url.path,
    } | context
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    return response


templates.env.filters["label"] = label
templates.env.filters["ago"] = ago
templates.env.filters["isced"] = isced
templates.env.filters["stage"] = stage_name
templates.env.filters["element"] = element_label
templates.env.filters["readable"] = readable
