"""`qa ARGS` in a child process, for fault tests: at the test's instant, routing slowed.

`QA_FAULT_NOW` (ISO instant) starts the child's clock there (the test session's clock is
travelled, see tests/clock.py; a restart "later" passes a later instant).
`QA_FAULT_ROUTE_DELAY` (seconds) slows each submission's routing step, so a kill lands in
the middle of a batch instead of after it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import datetime

import time_machine
from sqlmodel import Session


def main() -> None:
    time_machine.travel(datetime.fromisoformat(os.environ["QA_FAULT_NOW"]), tick=True).start()
    delay = float(os.environ.get("QA_FAULT_ROUTE_DELAY") or 0)
    if delay:
        import qa.services.outbox as outbox
        from qa.services.routing import RoutingContext

        real: Callable[..., list[str]] = getattr(outbox, "route_in")  # noqa: B009 - patched there

        def slow(session: Session, submission_id: int, ctx: RoutingContext) -> list[str]:
            time.sleep(delay)
            return real(session, submission_id, ctx)

        setattr(outbox, "route_in", slow)  # noqa: B010
    from qa.cli import main as qa

    qa(sys.argv[1:])


if __name__ == "__main__":
    main()
