"""`qa ARGS` in a child process, for fault tests: at the test's instant, routing slowed.

`QA_FAULT_NOW` (ISO instant) starts the child's clock there (the test session's clock is
travelled, see tests/clock.py; a restart "later" passes a later instant).
`QA_FAULT_ROUTE_DELAY` (seconds) slows each submission's routing step, so a kill lands in
the middle of a batch instead of after it. `QA_FAULT_PACK_DELAY` (seconds) holds a pack
build after its zip is written under the temporary name and before it is renamed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import time_machine
from sqlmodel import Session


def main() -> None:
    time_machine.travel(datetime.fromisoformat(os.environ["QA_FAULT_NOW"]), tick=True).start()
    delay = float(os.environ.get("QA_FAULT_ROUTE_DELAY") or 0)
    if delay:
        import qa.services.automation.outbox as outbox
        from qa.services.automation.routing import RoutingContext

        real: Callable[..., list[str]] = getattr(outbox, "route_in")  # noqa: B009 - patched there

        def slow(session: Session, submission_id: int, ctx: RoutingContext) -> list[str]:
            time.sleep(delay)
            return real(session, submission_id, ctx)

        setattr(outbox, "route_in", slow)  # noqa: B010
    pack_delay = float(os.environ.get("QA_FAULT_PACK_DELAY") or 0)
    if pack_delay:
        import qa.export.pack.build as build

        write_zip: Callable[..., Any] = getattr(build, "write_zip")  # noqa: B009

        def slow_zip(*args: Any, **kwargs: Any) -> Any:
            written = write_zip(*args, **kwargs)
            time.sleep(pack_delay)
            return written

        setattr(build, "write_zip", slow_zip)  # noqa: B010
    from qa.cli import main as qa

    qa(sys.argv[1:])


if __name__ == "__main__":
    main()
