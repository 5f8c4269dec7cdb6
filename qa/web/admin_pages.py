"""The administrator's read-only pages: rubric versions (with what changed) and settings."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from qa.config import Settings
from qa.domain.bounds import whole_number_or_none
from qa.domain.policy import require_admin
from qa.services.pages.rubric_pages import rubric_diff, rubric_versions
from qa.web.auth import current_actor, login_required
from qa.web.templating import render


@dataclass(frozen=True)
class Setting:
    label: str
    value: str
    variable: str  # the environment variable that sets it


async def rubrics(request: Request) -> Response:
    """Every stored version; `?from=ID&to=ID` adds what changed between two of them."""
    if (redirect := login_required(request)) is not None:
        return redirect
    db, actor = request.app.state.db, current_actor(request)
    versions = rubric_versions(db, actor)
    old = whole_number_or_none(request.query_params.get("from", ""))
    new = whole_number_or_none(request.query_params.get("to", ""))
    diff = rubric_diff(db, actor, old, new) if old and new else None
    context = {"versions": versions, "diff": diff, "old": old, "new": new}
    return render(request, "admin/rubrics.html", context)


async def settings_page(request: Request) -> Response:
    if (redirect := login_required(request)) is not None:
        return redirect
    require_admin(current_actor(request))
    return render(
        request, "admin/settings.html", {"sections": sections(request.app.state.settings)}
    )


def sections(settings: Settings) -> list[tuple[str, list[Setting]]]:
    """What the office runs with, grouped; secrets are never shown (only whether they are set)."""
    r, d, w = settings.review, settings.deadlines, settings.web

    def days(values: tuple[int, ...]) -> str:
        return ", ".join(str(v) for v in values) + " days"

    smtp = settings.smtp
    return [
        (
            "Review panels",
            [
                Setting(
                    "Reviewers invited per file",
                    str(r.reviewers_to_invite),
                    "QA_REVIEWERS_TO_INVITE",
                ),
                Setting("Reviews required", str(r.required_reviews), "QA_REQUIRED_REVIEWS"),
                Setting("Days to answer an invitation", str(r.respond_days), "QA_RESPOND_DAYS"),
                Setting("Days to review", str(r.review_days), "QA_REVIEW_DAYS"),
                Setting("Most open reviews per reviewer", str(r.max_load), "QA_REVIEWER_MAX_LOAD"),
            ],
        ),
        (
            "Reminders and deadlines",
            [
                Setting(
                    "Reminders before the date", days(d.remind_before_days), "QA_REMIND_BEFORE_DAYS"
                ),
                Setting(
                    "Reminders after the date", days(d.remind_after_days), "QA_REMIND_AFTER_DAYS"
                ),
                Setting(
                    "Tell the officer after",
                    f"{d.escalate_after_days} days",
                    "QA_ESCALATE_AFTER_DAYS",
                ),
                Setting(
                    "Unanswered invitations expire after",
                    f"{d.expire_invitation_after_days} days",
                    "QA_EXPIRE_INVITATION_DAYS",
                ),
                Setting("The office's time zone", settings.timezone, "QA_TIMEZONE"),
            ],
        ),
        (
            "Sign-in and sessions",
            [
                Setting(
                    "Idle sessions end after",
                    f"{w.session_idle_minutes} minutes",
                    "QA_SESSION_IDLE_MINUTES",
                ),
                Setting(
                    "Sessions end after", f"{w.session_max_hours} hours", "QA_SESSION_MAX_HOURS"
                ),
                Setting("Secure cookies", w.secure_cookies, "QA_SECURE_COOKIES"),
                Setting(
                    "Wrong passwords per account",
                    f"{w.sign_in_account_attempts} in {w.sign_in_window_minutes} minutes",
                    "QA_SIGN_IN_ACCOUNT_ATTEMPTS",
                ),
            ],
        ),
        (
            "Mail and audit packs",
            [
                Setting(
                    "Mail server",
                    f"{smtp.host}:{smtp.port}" if smtp else "not set: mail is kept in the outbox",
                    "QA_SMTP_HOST",
                ),
                Setting(
                    "Mail password",
                    "set" if smtp and smtp.password else "not set",
                    "QA_SMTP_PASSWORD",
                ),
                Setting("Scheduled audit packs", settings.pack_schedule, "QA_PACK_SCHEDULE"),
                Setting(
                    "DEQAR agency id", settings.deqar.agency_id or "not set", "QA_DEQAR_AGENCY_ID"
                ),
            ],
        ),
    ]


ROUTES: list[BaseRoute] = [
    Route("/admin/rubrics", rubrics, methods=["GET"]),
    Route("/admin/settings", settings_page, methods=["GET"]),
]
