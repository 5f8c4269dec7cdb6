"""Small helpers shared by the provider's pages: form parsing, versions, the routing kick."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response


def posted(form: FormData) -> dict[str, list[str]]:
    """Every posted name with its text values (file uploads are ignored)."""
    return {
        name: [value for value in form.getlist(name) if isinstance(value, str)]
        for name in form.keys()  # noqa: SIM118 (FormData is a multi-dict)
    }


def go_to(request: Request, path: str) -> Response:
    """After a successful POST: a redirect (or its htmx equivalent) to `path`."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": path})
    return RedirectResponse(path, status_code=303)
