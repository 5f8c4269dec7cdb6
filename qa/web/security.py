"""Security headers and CSRF protection, as pure ASGI middleware.

Every unsafe request (POST, PUT, PATCH, DELETE) must carry the session's CSRF token, in the
`X-CSRF-Token` header (htmx sends it from `hx-headers`) or, for a plain urlencoded form, in
a `csrf_token` field; cross-site requests are refused whatever they carry. The one exception:
a call to `/api/v1` with an `Authorization` header, which only a bearer token authenticates
(never the cookie).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.web.api.problems import is_api, unauthenticated

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_FORM_BYTES = 1_000_000
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's token, created on first use."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


#: Only the vendored scripts, styles and images may be cached.
CACHEABLE_PREFIX = "/static/"


class SecurityHeaders:
    """The headers above on every response, and `Cache-Control: no-store` on every one but
    static files: pages carry personal data, forms carry the session's CSRF token, and a
    shared or back-button cache must not show them to the next person at the computer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(CACHEABLE_PREFIX)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                for name, value in HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if not cacheable and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                vary = [v for n, v in headers if n.lower() == b"vary"]
                if not any(b"hx-request" in v.lower() for v in vary):
                    headers.append((b"vary", b"HX-Request"))
            await send(message)

        await self.app(scope, receive, with_headers)


class CSRFProtection:
    """Must run inside the session middleware (it reads `scope["session"]`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if is_api(str(scope.get("path", ""))):
            if "authorization" in headers:
                # A bearer-token call: no cookie authenticates it, so there is nothing to forge.
                await self.app(scope, receive, send)
            else:  # the API's own answer to a call without a token, not the form's refusal
                await unauthenticated(str(scope.get("path", "")))(scope, receive, send)
            return
        if headers.get("sec-fetch-site") == "cross-site" or not _same_origin(headers):
            await PlainTextResponse("Cross-site request refused.", 403)(scope, receive, send)
            return
        expected = scope.get("session", {}).get("csrf")
        sent = headers.get("x-csrf-token")
        replay: list[Message] = []
        if sent is None and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            body, replay = await _read_body(receive)
            fields = parse_qs(body.decode("utf-8", "replace"))
            values = fields.get("csrf_token")
            sent = values[0] if values else None
        if not (isinstance(expected, str) and sent and hmac.compare_digest(expected, sent)):
            await PlainTextResponse(
                "This form has expired or did not come from this site. Reload the page and "
                "try again.",
                403,
            )(scope, receive, send)
            return
        await self.app(scope, _replaying(replay, receive) if replay else receive, send)


def _same_origin(headers: Headers) -> bool:
    origin = headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == headers.get("host", "")


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    chunks: list[bytes] = []
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_FORM_BYTES or not message.get("more_body", False):
            break
    return b"".join(chunks), messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    queue = list(messages)

    async def replay() -> Message:
        return queue.pop(0) if queue else await receive()

    return replay
