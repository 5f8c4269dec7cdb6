"""The token's user, institutions, decided files (agencies), audit packs, the pipeline."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

from starlette.responses import FileResponse, Response

from qa.domain.credential_documents import elm_document, ob3_achievement
from qa.domain.enums import Stage
from qa.domain.errors import NotFound
from qa.domain.pack_access import require_pack_requester
from qa.export.pack import PackFilter
from qa.export.pack_jobs import get_pack, list_packs, pack_download, request_pack
from qa.services.pages.agency_pages import DECISIONS, decided_submissions, parse_filter
from qa.services.pages.dashboard import SORTS, PipelineFilter, pipeline
from qa.services.people.account_settings import FieldErrors
from qa.services.people.institutions import list_institutions
from qa.services.submissions.published import published_credential
from qa.web.api import models as m
from qa.web.api.call import Call, cursor_key, encode_cursor, json_response, paginate, parse_body
from qa.web.api.models import CURSOR_SCHEMA, DATE_SCHEMA
from qa.web.api.registry import Operation, Query
from qa.web.api.submissions import PAGING
from qa.web.forms import kick

if TYPE_CHECKING:  # a row the export layer hands over; the web never queries it
    from qa.persistence.models import AuditPack


def me(call: Call) -> Response:
    actor = call.actor
    assert actor.user_id is not None
    return json_response(
        m.Me(
            id=actor.user_id,
            display_name=actor.label,
            roles=sorted(role.value for role in actor.roles),
            institution_id=actor.institution_id,
        )
    )


def institutions(call: Call) -> Response:
    rows = list_institutions(call.db)
    page, cursor = paginate(call, rows, lambda row: (row.id or 0,))
    items = [m.InstitutionOut.model_validate(row, from_attributes=True) for row in page]
    return json_response(m.InstitutionPage(items=items, next_cursor=cursor))


def institution(call: Call) -> Response:
    found = next((row for row in list_institutions(call.db) if row.id == call.id), None)
    if found is None:
        raise NotFound(f"institution {call.id} does not exist")
    return json_response(m.InstitutionOut.model_validate(found, from_attributes=True))


def decided(call: Call) -> Response:
    """Decided rounds, as the agency page lists them (same filter, same rounds)."""
    names = ("date_from", "date_to", "provider", "decision")
    wanted, problems = parse_filter({name: call.query(name) or "" for name in names})
    if problems:
        raise FieldErrors("the filter is not valid", problems)
    rows = decided_submissions(call.db, call.actor, wanted).rows
    page, cursor = paginate(call, rows, lambda row: (row.submission_id, row.round_number))
    items = [
        m.DecidedOut(
            submission_id=r.submission_id,
            round=r.round_number,
            title=r.title,
            provider=r.provider,
            eqf_level=r.eqf_level,
            decided_on=r.decided_on,
            decision=r.decision,
            label=r.label,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
        )
        for r in page
    ]
    return json_response(m.DecidedPage(items=items, next_cursor=cursor))


def _pack(pack: AuditPack) -> m.PackOut:
    assert pack.id is not None
    ready = pack.status == "ready"
    return m.PackOut(
        id=pack.id,
        status=pack.status,
        filter=pack.filter,
        reveal_reviewers=pack.reveal_reviewers,
        requested_at=pack.requested_at,
        finished_at=pack.finished_at,
        progress_done=pack.progress_done,
        progress_total=pack.progress_total,
        size_bytes=pack.size_bytes,
        sha256=pack.sha256,
        error=pack.error,
        download=f"/api/v1/packs/{pack.id}/download" if ready else None,
    )


def packs(call: Call) -> Response:
    rows = list_packs(call.db, call.actor)
    page, cursor = paginate(call, rows, lambda row: (row.id or 0,))
    return json_response(m.PackPage(items=[_pack(p) for p in page], next_cursor=cursor))


def ask_for_pack(call: Call) -> Response:
    require_pack_requester(call.actor)  # 403 before the body is looked at, as on the page
    wanted = parse_body(m.PackIn, call.body)
    pack = request_pack(
        call.db,
        call.actor,
        PackFilter(
            wanted.date_from,
            wanted.date_to,
            provider_code=wanted.provider or None,
            decision=wanted.decision or None,
        ),
        reveal_reviewers=wanted.reveal_reviewers,
    )
    kick(call.request)
    response = json_response(_pack(pack), status=202)
    response.headers["Location"] = f"/api/v1/packs/{pack.id}"
    return response


def pack(call: Call) -> Response:
    return json_response(_pack(get_pack(call.db, call.actor, call.id)))


def download(call: Call) -> Response:
    found, path = pack_download(call.db, call.actor, call.id, call.settings.packs_dir)
    name = f"audit-pack-{found.filter['date_from']}-to-{found.filter['date_to']}-{found.id}.zip"
    response = FileResponse(path, media_type="application/zip", filename=name)
    response.headers["Cache-Control"] = "no-store"
    return response


def officer_pipeline(call: Call) -> Response:
    """The officer's pipeline, a page of the dashboard per cursor (its page size)."""
    stage, sort = call.query("stage") or None, call.query("sort") or "oldest"
    problems = {}
    if stage is not None and stage not in {s.value for s in Stage}:
        problems["stage"] = "Choose a stage from the list."
    if sort not in SORTS:
        problems["sort"] = f"Choose one of {', '.join(SORTS)}."
    if problems:
        raise FieldErrors("the filter is not valid", problems)
    after = cursor_key(call)
    number = after[0] if after else 1
    filters = replace(
        PipelineFilter.from_query({k: call.query(k) or "" for k in ("provider", "overdue", "q")}),
        stage=stage,
        sort=sort,
        page=max(1, number),
    )
    view = pipeline(
        call.db, call.actor, filters, now=call.db.clock.now(), settings=call.settings.review
    )
    more = number < view.pages and bool(view.rows)
    items = [
        m.PipelineRowOut(
            id=r.id,
            title=r.title,
            provider=r.provider,
            external_id=r.external_id,
            stage=r.stage,
            round=r.round,
            eqf_level=r.eqf_level,
            days_in_stage=r.days_in_stage,
            stage_limit=r.stage_limit,
            stale=r.stale,
            open_reviews=r.open_reviews,
            submitted_reviews=r.submitted_reviews,
            late_reviews=r.late_reviews,
            late_conditions=r.late_conditions,
        )
        for r in view.rows
    ]
    return json_response(
        m.PipelineOut(
            stage_counts={link.stage: link.count for link in view.stages},
            stale_count=view.stale_count,
            late_review_count=view.late_review_count,
            late_condition_count=view.late_condition_count,
            items=items,
            next_cursor=encode_cursor((number + 1,)) if more else None,
        )
    )


TEXT = {"type": "string", "maxLength": 100}
OPERATIONS = (
    Operation("GET", "/me", me, "The token's user and roles", "account", m.Me),
    Operation(
        "GET",
        "/institutions",
        institutions,
        "Provider institutions and QA agencies",
        "institutions",
        m.InstitutionPage,
        queries=PAGING,
    ),
    Operation(
        "GET",
        "/institutions/{id}",
        institution,
        "One institution",
        "institutions",
        m.InstitutionOut,
    ),
    Operation(
        "GET",
        "/decisions",
        decided,
        "Decided rounds (agencies and staff), filtered as on the agency page",
        "decisions",
        m.DecidedPage,
        queries=(
            *PAGING,
            Query("date_from", "First signed on or after this day.", DATE_SCHEMA),
            Query("date_to", "First signed on or before this day.", DATE_SCHEMA),
            Query("provider", "Institution code.", TEXT),
            Query("decision", "One of: " + ", ".join(DECISIONS), TEXT),
        ),
    ),
    Operation(
        "GET", "/packs", packs, "Audit packs the user may see", "packs", m.PackPage, queries=PAGING
    ),
    Operation(
        "POST",
        "/packs",
        ask_for_pack,
        "Ask for an audit pack (built in the background)",
        "packs",
        m.PackOut,
        status=202,
        body=m.PackIn,
        errors=(429,),
        headers=("Location",),
    ),
    Operation("GET", "/packs/{id}", pack, "An audit pack's status", "packs", m.PackOut),
    Operation(
        "GET",
        "/packs/{id}/download",
        download,
        "Download a ready pack (zip; every download is audited)",
        "packs",
        media_type="application/zip",
    ),
    Operation(
        "GET",
        "/pipeline",
        officer_pipeline,
        "Officers: the pipeline (files, days in stage, late reviews and conditions)",
        "officers",
        m.PipelineOut,
        queries=(
            Query("cursor", "`next_cursor` of the previous page.", CURSOR_SCHEMA),
            Query("stage", "Only files in this stage.", TEXT),
            Query("provider", "Only files of this institution id.", {"type": "integer"}),
            Query("overdue", "1: only files with late reviews or conditions.", TEXT),
            Query("q", "Title or code contains.", TEXT),
            Query("sort", "One of: " + ", ".join(SORTS), TEXT),
        ),
    ),
)


# -- published micro-credentials (public) -------------------------------------------------------


def _credential_url(call: Call, suffix: str) -> str:
    base = str(call.request.base_url).rstrip("/")
    return f"{base}/api/v1/credentials/{call.id}{suffix}"


def elm(call: Call) -> Response:
    facts = published_credential(call.db, call.id)
    document = elm_document(facts, _credential_url(call, ".jsonld"))
    return _public_json(document, "application/ld+json")


def ob3(call: Call) -> Response:
    facts = published_credential(call.db, call.id)
    return _public_json(ob3_achievement(facts, _credential_url(call, "/ob3.json")), None)


def _public_json(document: dict[str, object], media_type: str | None) -> Response:
    body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return Response(
        body,
        media_type=media_type or "application/json",
        headers={"Cache-Control": "no-cache"},  # public, but revalidated (a decision may change)
    )


CREDENTIAL_OPERATIONS = (
    Operation(
        "GET",
        "/credentials/{id}.jsonld",
        elm,
        "An approved micro-credential as ELM 3 (Europass) JSON-LD",
        "credentials",
        public=True,
        media_type="application/ld+json",
    ),
    Operation(
        "GET",
        "/credentials/{id}/ob3.json",
        ob3,
        "An approved micro-credential as an Open Badges 3.0 achievement",
        "credentials",
        public=True,
        media_type="application/json",
    ),
)
