"""Text in a request is text: control characters are refused before any handler reads it.

PostgreSQL refuses NUL in text (and a NUL would end a C string in any tool reading the
database); escape and bell characters have no place in a name, a reason or a search either.
This pure ASGI middleware looks at the path, every query value and every field of a form
body (urlencoded or multipart) and refuses the request (path: 404; fields: 422 naming the
field) when one holds a control character other than a tab or a line break. A form body
above `MAX_FORM_BYTES` is refused with 413 instead of being read.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.domain.bounds import control_character, visible
from qa.domain.errors import InvalidInput, NotFound
from qa.web.errors import qa_error, too_large

MAX_FORM_BYTES = 1_000_000
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class InputGuard:
    """Runs innermost (after the session and the signed-in user are known)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if control_character(scope["path"]):
            await _refuse(scope, receive, send, NotFound("there is no page at this address"))
            return
        request = Request(scope, receive)
        for name, value in request.query_params.multi_items():
            if problem := _problem(name, value):
                await _refuse(scope, receive, send, problem)
                return
        if not Headers(scope=scope).get("content-type", "").startswith(FORMS):
            await self.app(scope, receive, send)
            return
        messages = await _read_body(receive)
        if messages is None:
            await (await too_large(request, MAX_FORM_BYTES))(scope, receive, send)
            return
        replay = _replaying(messages, receive)
        try:
            form = await Request(scope, _replaying(messages, receive)).form()
        except HTTPException as unreadable:  # a malformed multipart body
            await _refuse(scope, replay, send, InvalidInput(f"the form {unreadable.detail}"))
            return
        try:
            problems = [_problem(name, value) for name, value in form.multi_items()]
        finally:
            await form.close()
        if problem := _refusal([p for p in problems if p is not None]):
            await _refuse(scope, replay, send, problem)
            return
        await self.app(scope, replay, send)


def _problem(name: str, value: object) -> InvalidInput | None:
    """What is wrong with one field (naming it), or None."""
    if not isinstance(value, str):  # an uploaded file: nothing reads it
        return None
    if what := control_character(name):  # no form of ours has such a field: show its name
        return InvalidInput(
            f"the field “{visible(name)}”, which is not on this form, has {what} in its name "
            "(shown as a symbol); remove the field and try again",
            field=name,
        )
    if what := control_character(value):
        return InvalidInput(
            f"the field “{name}” contains {what}; remove it and try again", field=name
        )
    return None


def _refusal(problems: list[InvalidInput]) -> InvalidInput | None:
    """One field's problem as it is; several as one refusal listing each (fields of the form
    first, each named once)."""
    unique = list({p.field: p for p in reversed(problems)}.values())[::-1]
    if len(unique) <= 1:
        return unique[0] if unique else None
    unique.sort(key=lambda p: control_character(p.field or "") is not None)
    return InvalidInput(
        f"{len(unique)} fields hold characters that cannot be saved; remove them and try again",
        tuple(str(p) for p in unique),
    )


async def _refuse(scope: Scope, receive: Receive, send: Send, error: Exception) -> None:
    response = await qa_error(Request(scope, receive), error)
    await response(scope, receive, send)


async def _read_body(receive: Receive) -> list[Message] | None:
    """Every message of the body, or None when it is longer than `MAX_FORM_BYTES`."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if size > MAX_FORM_BYTES:
            return None
        if not message.get("more_body", False):
            return messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    queue = list(messages)

    async def replay() -> Message:
        return queue.pop(0) if queue else await receive()

    return replay
