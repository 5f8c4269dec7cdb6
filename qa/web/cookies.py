"""The session cookie, named and flagged for the connection it travels on.

Starlette's signed cookie session, twice: over HTTPS it is `Secure` and named
`__Host-qa_session` (the browser then only accepts it from this host, for path `/`, over
HTTPS: a sibling subdomain or a plain-HTTP page cannot set or overwrite it); over plain
HTTP (a laptop, the tests) it is `qa_session` without `Secure`, which browsers would drop.
`QA_SECURE_COOKIES=on` always uses the secure one (the app is only reached over HTTPS,
behind a proxy that may not say so), `off` never. Behind a reverse proxy, uvicorn takes the
scheme from `X-Forwarded-Proto` when the proxy is trusted (`--forwarded-allow-ips`).
"""

from __future__ import annotations

from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from qa.config import WebSecuritySettings

COOKIE = "qa_session"
HOST_COOKIE = "__Host-qa_session"


def cookie_name(web: WebSecuritySettings) -> str:
    return HOST_COOKIE if web.cookie_host_prefix else COOKIE


class SessionCookie:
    def __init__(self, app: ASGIApp, *, secret_key: str, web: WebSecuritySettings) -> None:
        self.mode = web.secure_cookies
        max_age = web.session_max_hours * 3600
        self.plain = SessionMiddleware(
            app, secret_key, session_cookie=COOKIE, max_age=max_age, same_site="lax"
        )
        self.secure = SessionMiddleware(
            app,
            secret_key,
            session_cookie=cookie_name(web),
            max_age=max_age,
            same_site="lax",
            https_only=True,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        https = scope.get("scheme") in ("https", "wss")
        secure = self.mode == "on" or (self.mode == "auto" and https)
        await (self.secure if secure else self.plain)(scope, receive, send)
