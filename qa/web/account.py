"""The account pages (routes are collected in `ROUTES` and mounted by `create_app`)."""

from __future__ import annotations

from starlette.routing import BaseRoute

ROUTES: list[BaseRoute] = []
