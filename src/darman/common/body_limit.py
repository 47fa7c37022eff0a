"""A limit on the size of every request body, answered 413 before the body is taken in.

A pure ASGI middleware. A request whose ``Content-Length`` is over its path's limit is
answered at once, its body unread; a body sent without one (chunked) is counted as it
streams in, and the read that passes the limit raises the 413 inside the app, whose
error handlers answer it (FastAPI lets an ``HTTPException`` raised while the body is read
through as it is). Either way the answer is the one the app gives any HTTP error on that
path: an OperationOutcome under /fhir/r4, problem+json everywhere else.

Uploads of whole files (a month of a facility's claims, a registry table) have a larger
limit of their own; every other body is a form or a JSON document of modest size.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from darman.common import problems
from darman.common.persian import format_number

MIB = 1024 * 1024


def too_large(limit: int) -> HTTPException:
    megabytes = limit / MIB
    size = (
        f"{format_number(round(megabytes))} مگابایت"
        if megabytes >= 1
        else f"{format_number(limit)} بایت"
    )
    return HTTPException(
        413,
        detail=f"بدنهٔ درخواست بزرگ‌تر از حد مجاز این نشانی است: حداکثر {size} پذیرفته می‌شود.",
    )


class BodyLimit:
    """Refuses a request body over ``max_bytes``, or over ``max_upload_bytes`` on a path
    matching one of ``upload_paths`` (regular expressions, matched from the start)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        max_upload_bytes: int,
        upload_paths: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes
        self.uploads = [re.compile(p) for p in upload_paths]

    def limit_for(self, path: str) -> int:
        if any(p.match(path) for p in self.uploads):
            return self.max_upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            answer = await problems.answer_http(Request(scope), too_large(limit))
            await answer(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    """The declared length, or None when there is none (chunked) or it is not a number
    (then the bytes are counted as they come)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
