"""A request body limit for every service: 413 on Content-Length, and on the streamed size.

Without a limit, uvicorn and Starlette read any body into memory: a client could send 20 MB
of JSON and hold the event loop while it was parsed and echoed back. Hand-written (about 40
lines) rather than FastAPI's `max_body_size` (Starlette's RequestBodyLimitMiddleware):
that one answers a declared oversize body with text/plain "Content Too Large" whatever the
app's handlers return, so the 413 could not be the documented ErrorDetail body that names
the setting. The check runs before any byte is parsed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]


def too_large(limit: int) -> str:
    """The one-sentence 413 detail (the documented ErrorDetail body)."""
    return f"the request body is larger than this service accepts ({limit} bytes, MAX_BODY_BYTES)"


class BodyLimitMiddleware:
    """ASGI middleware: 413 when Content-Length, or the bytes actually received, pass max_bytes."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        """Refuse by the declared length at once; count a streamed (chunked) body as it comes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # FastAPI re-raises an HTTPException met while reading the body: the app's
                    # own handler answers 413 with the documented body.
                    raise HTTPException(413, too_large(self.max_bytes))
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except HTTPException as exc:
            # Raised outside a FastAPI route (or by one that read the body itself).
            if exc.status_code != 413 or started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": too_large(self.max_bytes)}).encode()
        await send({
            "type": "http.response.start",
            "status": 413,
            # The client may still be sending: tell it this connection is done.
            "headers": [(b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()), (b"connection", b"close")],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": body})
