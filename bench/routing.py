"""Routing throughput: N submissions through the whole lifecycle, Prefect vs plain functions.

    python bench/routing.py [N]          (default 1,000)
    python bench/routing.py --pool [N]   (the work pool with 1 and 2 workers; bench/routing_pool.py)

Simulated actors (provider, officers, reviewers) act through the same services in both
runs; only the routing mechanism differs: the Prefect routing flow against an embedded
Prefect API, or the same steps called as plain functions (`qa.services.automation.outbox.drain`).
Printed per path: routing time, automated stage transitions per second of routing time,
outbox messages per second, and the ratio of the two routing times (`ratio: X`; 1.0 means
Prefect adds nothing). Score entry is bulk-inserted by the simulated raters and untimed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="qa-bench-prefect-"))
for _name, _value in {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "50",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_name, _value)

from sqlalchemy import func, insert  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from qa.config import Settings, bundled_rubrics_dir  # noqa: E402
from qa.domain.actor import Actor  # noqa: E402
from qa.domain.assignments import SheetKind  # noqa: E402
from qa.domain.enums import Role  # noqa: E402
from qa.domain.review_settings import ReviewSettings  # noqa: E402
from qa.domain.validation import validate_descriptor  # noqa: E402
from qa.persistence.db import Database  # noqa: E402
from qa.persistence.migrate import upgrade  # noqa: E402
from qa.persistence.models import (  # noqa: E402
    Assignment,
    Score,
    StageChange,
    Submission,
)
from qa.services.automation.outbox import drain  # noqa: E402
from qa.services.automation.routing import RoutingContext  # noqa: E402
from qa.services.decisions.decisions import sign_off  # noqa: E402
from qa.services.people.institutions import add_institution  # noqa: E402
from qa.services.people.passwords import use_cheap_hashing_for_tests  # noqa: E402
from qa.services.people.users import add_user  # noqa: E402
from qa.services.review.reviews import declare_conflict, respond, submit_review  # noqa: E402
from qa.services.review.self_assessment import screen, submit_self_assessment  # noqa: E402
from qa.services.rubrics.rubrics import current_rubric, load_rubrics_from  # noqa: E402
from qa.services.rubrics.scoresheets import ensure_sheet  # noqa: E402
from qa.services.submissions.submissions import NewDraft, create_drafts, submit_descriptor  # noqa: E402
from tests.conftest import GOOD_DESCRIPTOR  # noqa: E402

#: The real calendar's day (the pool's workers read the same clock), never a fixed date.
TODAY = Settings.from_env({}).clock().today()
DESCRIPTOR = GOOD_DESCRIPTOR | {"issue_date": (TODAY + timedelta(days=60)).isoformat()}
REVIEWERS = 150  # a national agency's pool (DOMAIN.md §8: 50-200 reviewers)
SETTINGS = ReviewSettings(reviewers_to_invite=2, required_reviews=2)
Route = Callable[[Database], tuple[float, int]]


@dataclass
class Cast:
    provider: Actor
    officer: Actor
    reviewers: dict[int, Actor]
    criteria: list[str]


def setup(path: Path, count: int) -> tuple[Database, Cast]:
    return setup_url(f"sqlite:///{path}", count)


def setup_url(url: str, count: int) -> tuple[Database, Cast]:
    db = Database(url)
    upgrade(db)
    op = Actor.cli("bench")
    load_rubrics_from(db, op, bundled_rubrics_dir())
    inst = add_institution(db, op, code="PT-IPVN", name="Instituto Politécnico", country="PT")
    provider = add_user(
        db,
        op,
        username="provider",
        email="p@example.org",
        display_name="P",
        roles=["provider"],
        institution_code="PT-IPVN",
    )
    officer = add_user(
        db, op, username="officer", email="o@example.org", display_name="O", roles=["officer"]
    )
    reviewers = {}
    for n in range(REVIEWERS):
        new = add_user(
            db,
            op,
            username=f"r{n}",
            email=f"r{n}@example.org",
            display_name=f"R{n}",
            roles=["reviewer"],
            expertise=["0542"],
        )
        assert new.user.id is not None
        reviewers[new.user.id] = Actor(f"r{n}", new.user.id, frozenset({Role.REVIEWER}))
    report = validate_descriptor(DESCRIPTOR, today=TODAY)
    assert report.descriptor is not None
    assert inst.id is not None
    drafts = [
        NewDraft(inst.id, report.descriptor.model_copy(update={"external_id": f"MC-{n}"}), ())
        for n in range(count)
    ]
    with db.write() as session:
        create_drafts(session, op, drafts)
        session.commit()
    cast = Cast(
        provider=Actor("provider", provider.user.id, frozenset({Role.PROVIDER}), inst.id),
        officer=Actor("officer", officer.user.id, frozenset({Role.OFFICER})),
        reviewers=reviewers,
        criteria=[c.id for c in current_rubric(db)[1].criteria],
    )
    return db, cast


def ids_in(db: Database, stage: str) -> list[tuple[int, int]]:
    with db.session() as session:
        rows = session.exec(
            select(Submission.id, Submission.version)
            .where(Submission.stage == stage)
            .order_by(col(Submission.id))
        )
        return [(int(i or 0), v) for i, v in rows]


def bulk_scores(
    db: Database, cast: Cast, kind: str, assignment: Assignment | None, submission_id: int
) -> None:
    """A simulated rater fills every criterion at once (not what is being measured)."""
    with db.write() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        sheet = ensure_sheet(session, submission, kind, assignment.id if assignment else None)
        session.execute(
            insert(Score),
            [
                {
                    "scoresheet_id": sheet.id,
                    "criterion_id": cid,
                    "level": 3,
                    "cannot_judge": False,
                    "evidence_refs": ["evidence.pdf"],
                    "comment": None,
                    "no_evidence_reason": None,
                    "updated_by": None,
                    "updated_at": db.clock.now(),
                }
                for cid in cast.criteria
            ],
        )
        session.commit()


def lifecycle(db: Database, cast: Cast, route: Route) -> tuple[float, int, int]:
    """Run every phase; return (routing seconds, automated transitions, messages routed)."""
    routing_time, messages = 0.0, 0

    def routed() -> None:
        nonlocal routing_time, messages
        seconds, count = route(db)
        routing_time += seconds
        messages += count

    for sid, version in ids_in(db, "draft"):
        submit_descriptor(db, cast.provider, sid, expected_version=version, today=TODAY)
    routed()  # intake
    for sid, version in ids_in(db, "self_assessment"):
        bulk_scores(db, cast, SheetKind.SELF, None, sid)
        submit_self_assessment(db, cast.provider, sid, expected_version=version)
    routed()
    for sid, version in ids_in(db, "screening"):
        screen(db, cast.officer, sid, expected_version=version, accept=True)
    routed()  # reviewer choice and invitations
    with db.session() as session:
        assignments = list(session.exec(select(Assignment).order_by(col(Assignment.id))))
    for a in assignments:
        assert a.id is not None
        reviewer = cast.reviewers[a.reviewer_id]
        done = respond(db, reviewer, a.id, expected_version=a.version, accept=True)
        done = declare_conflict(
            db, reviewer, a.id, expected_version=done.version, has_conflict=False
        )
        bulk_scores(db, cast, SheetKind.PEER, a, a.submission_id)
        submit_review(
            db,
            reviewer,
            a.id,
            expected_version=done.version,
            recommendation="approved",
            summary="A sound micro-credential overall.",
        )
    routed()  # aggregation: to sign-off
    for sid, version in ids_in(db, "sign_off"):
        sign_off(
            db,
            cast.officer,
            sid,
            expected_version=version,
            decision="approved",
            rationale=None,
            today=TODAY,
        )
    routed()
    with db.session() as session:
        automated = session.exec(
            select(func.count())
            .select_from(StageChange)
            .where(col(StageChange.actor_id).is_(None))  # system moves have no user
        ).one()
        approved = session.exec(
            select(func.count()).select_from(Submission).where(Submission.stage == "approved")
        ).one()
    assert approved == len(ids_in(db, "approved"))
    assert approved > 0
    return routing_time, int(automated), messages


def plain_route(db: Database) -> tuple[float, int]:
    start = time.perf_counter()
    result = drain(db, RoutingContext(today=TODAY, settings=SETTINGS), worker="bench")
    return time.perf_counter() - start, result.messages


def prefect_route_factory(settings: Settings | None) -> Route:
    from workflows.routing import RoutingConfig, routing_flow

    def route(db: Database) -> tuple[float, int]:
        config = RoutingConfig(
            database_url=db.url.render_as_string(hide_password=False),
            today=TODAY,
            worker="bench",
            reviewers_to_invite=SETTINGS.reviewers_to_invite,
            required_reviews=SETTINGS.required_reviews,
            max_load=SETTINGS.max_load,
        )
        start = time.perf_counter()
        summary = routing_flow(config)
        assert not summary.failed, summary.failed
        return time.perf_counter() - start, summary.messages

    del settings
    return route


def main() -> None:
    global SETTINGS  # noqa: PLW0603 - one setting for both paths, sized to the run
    if "--pool" in sys.argv:
        from bench.routing_pool import main as pool_main

        numbers = [arg for arg in sys.argv[1:] if arg != "--pool"]
        pool_main(int(numbers[0]) if numbers else 400)
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    # Every file enters peer review at once here, so the pool's cap must hold them all.
    SETTINGS = replace(SETTINGS, max_load=-(-2 * count // REVIEWERS) + 1)
    use_cheap_hashing_for_tests()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain_db, plain_cast = setup(folder / "plain.sqlite3", count)
        prefect_db, prefect_cast = setup(folder / "prefect.sqlite3", count)
        print(f"submissions: {count}")
        start = time.perf_counter()
        plain = lifecycle(plain_db, plain_cast, plain_route)
        plain_total = time.perf_counter() - start

        from workflows.api import PrefectAPI, flow_settings

        with PrefectAPI("embedded") as api, flow_settings(api.url):
            start = time.perf_counter()
            with_prefect = lifecycle(
                prefect_db, prefect_cast, prefect_route_factory(Settings.from_env({}))
            )
            prefect_total = time.perf_counter() - start
        for label, (seconds, automated, messages), total in (
            ("plain", plain, plain_total),
            ("prefect", with_prefect, prefect_total),
        ):
            print(
                f"{label:>7}: routing {seconds:6.2f} s for {messages} outbox messages "
                f"({messages / seconds:,.0f}/s), {automated} automated transitions "
                f"({automated / seconds:,.0f} transitions/s); whole lifecycle {total:.1f} s"
            )
        print(f"ratio: {with_prefect[0] / plain[0]:.2f}")


if __name__ == "__main__":
    main()
