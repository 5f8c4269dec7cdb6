"""schemathesis against the served OpenAPI document: every operation, as every role with a
token, with data that fits the schema and data that does not. Checks: no server error, and
every status, content type, header and body as documented. Bounded: a few examples per
operation, role and mode (a few seconds per route); the counts are printed.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qa.web.api.app import document
from tests.web.api.conftest import Scene

pytestmark = pytest.mark.slow

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: One user per role.
ROLES = {
    "provider": "ines",
    "reviewer": "agnieszka",
    "officer": "aoife",
    "agency": "greta",
    "admin": "root",
}
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}
SECONDS_PER_ROUTE = 20.0


def _run(operation: Any, token: str, mode: GenerationMode, tried: Counter[str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def one(case: Any) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        response = case.call(headers=headers)
        tried[str(response.status_code)] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        one()
    except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
        assert mode is GenerationMode.NEGATIVE, operation.label
        tried["nothing to negate"] += 1


def test_every_operation_as_every_role_fits_its_document(scene: Scene) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", scene.app)
    tried: Counter[str] = Counter()
    slowest = 0.0
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        operations += 1
        started = time.monotonic()
        for username in ROLES.values():
            for mode in EXAMPLES:
                _run(operation, scene.tokens[username], mode, tried)
        slowest = max(slowest, time.monotonic() - started)
    skipped = tried.pop("nothing to negate", 0)
    total = sum(tried.values())
    print(  # the count is the evidence asked for
        f"\nschemathesis: {operations} operations x {len(ROLES)} roles, {total} cases, "
        f"statuses {dict(sorted(tried.items()))} ({skipped} without anything to negate), "
        f"0 server errors, 0 schema violations; "
        f"slowest route {slowest:.1f} s"
    )
    # every operation but the document's own address (schemathesis loaded it to begin with)
    documented = sum(len(item) for item in document()["paths"].values())
    assert operations == documented - 1, "schemathesis did not see every operation"
    assert total >= operations * len(ROLES)
    assert not any(status.startswith("5") for status in tried)
    assert slowest < SECONDS_PER_ROUTE
