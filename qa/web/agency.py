"""The QA agency's page: decided micro-credentials (filtered) and audit packs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from qa.audit.signing import PublicKey, load_or_create
from qa.domain.actor import Actor
from qa.domain.pack_access import require_pack_requester
from qa.domain.policy import is_staff, require_agency_or_staff
from qa.export.pack import PackFilter
from qa.export.pack_jobs import list_packs, pack_download, request_pack
from qa.persistence.db import Database
from qa.services.pages.agency_pages import (
    DECISIONS,
    decided_submissions,
    parse_filter,
    provider_choices,
)
from qa.web import clock, params
from qa.web.auth import current_actor, login_required
from qa.web.forms import kick
from qa.web.templating import render


async def page(request: Request) -> Response:
    """The full page, or only the decisions table for the htmx filter form."""
    if (redirect := login_required(request)) is not None:
        return redirect
    db, actor = request.app.state.db, current_actor(request)
    wanted, errors = parse_filter(request.query_params)
    context = {
        "decided": decided_submissions(db, actor, wanted),
        "wanted": wanted,
        "errors": errors,
    }
    if request.headers.get("hx-request"):
        return render(request, "agency/_decisions.html", context)
    context |= {
        "providers": provider_choices(db, actor),
        "decisions": [(value, label) for value, (label, _) in DECISIONS.items()],
        "pack_defaults": _last_month(request),
        "can_reveal": is_staff(actor),
        "office_key": _office_key(request),
        "built": request.query_params.get("built") == "1",
    } | _packs_context(db, actor)
    return render(request, "agency/agency.html", context)


def _office_key(request: Request) -> PublicKey:
    """The office's public key, parsed again only when the key file changed (a rotation)."""
    path = request.app.state.settings.signing_key_path
    public = load_or_create(path).public if not path.exists() else None
    stamp = path.stat().st_mtime_ns
    cached: tuple[int, PublicKey] | None = getattr(request.app.state, "office_key", None)
    if cached is None or cached[0] != stamp:
        cached = (stamp, public or load_or_create(path).public)
        request.app.state.office_key = cached
    return cached[1]


def _last_month(request: Request) -> dict[str, str]:
    last_day = clock.today(request).replace(day=1) - timedelta(days=1)
    return {"date_from": last_day.replace(day=1).isoformat(), "date_to": last_day.isoformat()}


def _packs_context(db: Database, actor: Actor) -> dict[str, Any]:
    packs = list_packs(db, actor)
    return {"packs": packs, "packs_busy": any(p.status in ("queued", "building") for p in packs)}


async def packs(request: Request) -> Response:
    """The pack list alone for htmx (the page polls it while a pack is being built); opened
    directly (a bookmark, a new tab), a page of its own with the list."""
    if (redirect := login_required(request)) is not None:
        return redirect
    context = _packs_context(request.app.state.db, current_actor(request))
    if request.headers.get("hx-request"):
        return render(request, "agency/_packs.html", context)
    return render(request, "agency/packs.html", context)


async def verify(request: Request) -> Response:
    """How to check that a pack is genuine, with the office's public key."""
    if (redirect := login_required(request)) is not None:
        return redirect
    require_agency_or_staff(current_actor(request))
    return render(request, "agency/verify.html", {"office_key": _office_key(request)})


async def request_pack_view(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    db, actor = request.app.state.db, current_actor(request)
    require_pack_requester(actor)  # 403 before the form is read: no hints about valid input
    form = await request.form()
    wanted = PackFilter(
        params.day(form.get("date_from"), "Decisions from (the first date)", "date_from"),
        params.day(form.get("date_to"), "Decisions until (the last date)", "date_to"),
        provider_code=str(form.get("provider") or "") or None,
        decision=str(form.get("decision") or "") or None,
    )
    request_pack(db, actor, wanted, reveal_reviewers=form.get("reveal_reviewers") == "1")
    kick(request)
    return RedirectResponse("/agency?built=1#audit-packs", status_code=303)


async def download(request: Request) -> Response:
    """Stream a ready pack's file (agencies and staff only; every download is audited)."""
    if (redirect := login_required(request)) is not None:
        return redirect
    settings = request.app.state.settings
    pack, path = pack_download(
        request.app.state.db,
        current_actor(request),
        int(request.path_params["id"]),
        settings.packs_dir,
    )
    name = f"audit-pack-{pack.filter['date_from']}-to-{pack.filter['date_to']}-{pack.id}.zip"
    return FileResponse(path, media_type="application/zip", filename=name)


ROUTES: list[BaseRoute] = [
    Route("/agency", page, methods=["GET"]),
    Route("/agency/packs", packs, methods=["GET"]),
    Route("/agency/packs", request_pack_view, methods=["POST"]),
    Route("/agency/packs/{id:int}/download", download, methods=["GET"]),
    Route("/agency/verify", verify, methods=["GET"]),
]
