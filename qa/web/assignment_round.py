"""Officer pages for assignment rounds and the conflict-of-interest queue; the reviewer's
own profile form. Forms redirect (303) after success; a refusal is shown on the page."""

from __future__ import annotations

from dataclasses import replace

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from qa.domain.errors import InvalidInput
from qa.domain.reviewer_profile import FIELDS
from qa.services.people.reviewer_profiles import profile_form, update_profile
from qa.services.review.assignment_round import apply_round, propose_round
from qa.services.review.conflicts import (
    decide_conflict,
    declare_standing_conflict,
    pending_conflicts,
    providers,
    scan_conflicts,
)
from qa.web import clock, params
from qa.web.auth import current_actor, login_required
from qa.web.forms import choice, form_text, kick, version_of
from qa.web.officer_support import officer_actor, review_settings
from qa.web.templating import render

MAX_PANEL = 7


def _panel_size(raw: str | None, default: int) -> int:
    if not raw:
        return default
    size = params.whole_number(raw, "Reviewers per file (panel size)", "panel")
    if not 1 <= size <= MAX_PANEL:
        raise InvalidInput(f"a panel has 1 to {MAX_PANEL} reviewers")
    return size


async def round_page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    query = request.query_params
    settings = review_settings(request)
    size = _panel_size(query.get("panel"), settings.reviewers_to_invite)
    chosen = replace(
        settings, reviewers_to_invite=size, required_reviews=min(settings.required_reviews, size)
    )
    fair = query.get("fair") == "1"
    problem = None
    preview = None
    try:
        preview = await run_in_threadpool(
            propose_round,
            request.app.state.db,
            actor,
            today=clock.today(request),
            settings=chosen,
            fair=fair,
        )
    except InvalidInput as refusal:
        problem = str(refusal)
    context = {
        "preview": preview,
        "problem": problem,
        "panel": size,
        "fair": fair,
        "applied": query.get("applied"),
    }
    return render(request, "officer/assignment_round.html", context)


async def round_apply(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    form = await request.form()
    pairs: list[tuple[int, int]] = []
    for value in form.getlist("pair"):
        file_id, _, reviewer_id = str(value).partition(":")
        pairs.append(
            (
                params.whole_number(file_id, "Pairing (its file)", "pair"),
                params.whole_number(reviewer_id, "Pairing (its reviewer)", "pair"),
            )
        )
    settings = review_settings(request)
    size = _panel_size(form_text(form, "panel"), settings.reviewers_to_invite)
    chosen = replace(
        settings, reviewers_to_invite=size, required_reviews=min(settings.required_reviews, size)
    )
    invited = await run_in_threadpool(
        apply_round,
        request.app.state.db,
        actor,
        pairs,
        today=clock.today(request),
        settings=chosen,
    )
    kick(request)
    return RedirectResponse(f"/officer/assignment-round?applied={len(invited)}", status_code=303)


async def conflicts_page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    rows = await run_in_threadpool(pending_conflicts, request.app.state.db, actor)
    return render(request, "officer/conflicts.html", {"conflicts": rows})


async def conflicts_scan(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    form = await request.form()
    if form_text(form, "scan") != "yes":
        raise InvalidInput(
            "scan: press the scan button to look for potential conflicts", field="scan"
        )
    await run_in_threadpool(scan_conflicts, request.app.state.db, actor)
    return RedirectResponse("/officer/conflicts", status_code=303)


async def conflict_decide(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = officer_actor(request)
    form = await request.form()
    await run_in_threadpool(
        decide_conflict,
        request.app.state.db,
        actor,
        int(request.path_params["id"]),
        confirm=choice(form, "outcome", "Outcome", {"confirm": "Confirm", "dismiss": "Dismiss"})
        == "confirm",
        reason=form_text(form, "reason"),
        expected_version=version_of(form),
    )
    return RedirectResponse("/officer/conflicts", status_code=303)


async def profile_page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = current_actor(request)
    assert actor.user_id is not None
    view = await run_in_threadpool(profile_form, request.app.state.db, actor, actor.user_id)
    saved = "saved" in request.query_params
    choices = await run_in_threadpool(providers, request.app.state.db)
    context = {"view": view, "saved": saved, "providers": choices}
    return render(request, "reviewer_profile.html", context)


async def profile_conflict(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = current_actor(request)
    form = await request.form()
    institution_id = params.whole_number(
        form.get("institution_id"), "Provider (the institution chosen)", "institution_id"
    )
    reason = form_text(form, "reason")
    await run_in_threadpool(
        lambda: declare_standing_conflict(
            request.app.state.db, actor, institution_id, reason=reason
        )
    )
    return RedirectResponse("/profile?saved", status_code=303)


async def profile_save(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    actor = current_actor(request)
    assert actor.user_id is not None
    form = await request.form()
    raw = {name: form_text(form, name) for name in FIELDS if name != "panel_role"}
    version = form_text(form, "version")
    await run_in_threadpool(
        lambda: update_profile(
            request.app.state.db,
            actor,
            actor.user_id or 0,
            raw,
            expected_version=params.version(version) if version else None,
        )
    )
    return RedirectResponse("/profile?saved", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/officer/assignment-round", round_page, methods=["GET"]),
    Route("/officer/assignment-round", round_apply, methods=["POST"]),
    Route("/officer/conflicts", conflicts_page, methods=["GET"]),
    Route("/officer/conflicts/scan", conflicts_scan, methods=["POST"]),
    Route("/officer/conflicts/{id:int}", conflict_decide, methods=["POST"]),
    Route("/profile", profile_page, methods=["GET"]),
    Route("/profile", profile_save, methods=["POST"]),
    Route("/profile/conflicts", profile_conflict, methods=["POST"]),
]
