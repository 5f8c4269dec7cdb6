"""`qa worker --prefect-ui`: the product owns a child Prefect server and stops it."""

from __future__ import annotations

import httpx
import pytest

from workflows.api import PrefectAPI

pytestmark = pytest.mark.slow


def test_the_ui_server_is_started_served_and_stopped() -> None:
    with PrefectAPI("ui") as api:
        assert api.ui_url is not None and api.url == f"{api.ui_url}/api"
        assert httpx.get(f"{api.url}/health", timeout=5).status_code == 200
        page = httpx.get(api.ui_url, timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower()
        child = api._child
        assert child is not None and child.poll() is None
    assert child.poll() is not None  # no Prefect process outlives the product


def test_bad_modes_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown Prefect API mode"):
        PrefectAPI("cloud")
    with pytest.raises(ValueError, match="needs its URL"):
        PrefectAPI("external")
