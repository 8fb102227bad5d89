"""Raw ASGI middleware that applies the configured fault to API requests.

It works below Starlette's Response classes because some faults are, on purpose,
not valid HTTP exchanges (a dropped socket, a body shorter than its Content-Length).
Those need the server's transport; uvicorn's `receive` is a bound method of its
per-request cycle object, which holds the transport and a `disconnected` flag.
"""

import asyncio
import json

from .faults import FaultState, is_api_path

MALFORMED_BODY = b'{"matches": [{"kol_id": "kol-0001",, "score": NaN}], "status": ok'
OVERSIZED_PREFIX = b'{"padding":"'
OVERSIZED_SUFFIX = b'"}'
CHUNK = 64 * 1024


class FaultMiddleware:
    def __init__(self, app, state: FaultState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not is_api_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        entry = self.state.record(scope)
        decision = self.state.decide(scope["path"])
        if decision is None:
            await self.app(scope, receive, send)
            return
        entry["fault"] = decision.failure
        entry["latency_ms"] = decision.config.latency_ms
        if decision.config.latency_ms:
            await asyncio.sleep(decision.config.latency_ms / 1000)

        config = decision.config
        if decision.failure is None:
            await self.app(scope, receive, send)
        elif decision.failure == "error":
            await _send_error(send, config.error_status, config.retry_after)
        elif decision.failure == "drop_connection":
            await _drop(receive)
        elif decision.failure == "truncated_body":
            await self._truncated(scope, receive, send)
        elif decision.failure == "malformed_json":
            await _send_bytes(send, 200, MALFORMED_BODY)
        else:
            await _send_oversized(
                receive, send, config.oversized_body_bytes, config.oversized_chunked
            )

    async def _truncated(self, scope, receive, send) -> None:
        """The real response's status and headers, then half its body, then EOF."""
        start: dict = {}
        body = bytearray()

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.app(scope, receive, capture)
        declared = len(body) or 64
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(declared).encode()))
        await send(
            {"type": "http.response.start", "status": start.get("status", 200), "headers": headers}
        )
        await send({"type": "http.response.body", "body": bytes(body[: len(body) // 2]),
                    "more_body": True})
        transport = _transport(receive)
        if transport is None:
            raise ConnectionAbortedError("truncated_body needs uvicorn's transport")
        transport.close()  # flushes what was written, then sends FIN
        await _wait_disconnected(receive)


def _transport(receive):
    return getattr(getattr(receive, "__self__", None), "transport", None)


async def _wait_disconnected(receive) -> None:
    # Returning before uvicorn notices the closed socket would make it log an error
    # or try to send a 500 of its own.
    cycle = getattr(receive, "__self__", None)
    for _ in range(200):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0.005)


async def _drop(receive) -> None:
    transport = _transport(receive)
    if transport is None:
        raise ConnectionAbortedError("drop_connection needs uvicorn's transport")
    transport.abort()
    await _wait_disconnected(receive)


async def _send_bytes(send, status: int, body: bytes, extra_headers=()) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra_headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_error(send, status: int, retry_after: int | None) -> None:
    body = json.dumps({"detail": f"injected fault: HTTP {status}"}).encode()
    extra = [(b"retry-after", str(retry_after).encode())] if retry_after is not None else []
    await _send_bytes(send, status, body, extra)


async def _send_oversized(receive, send, size: int, chunked: bool) -> None:
    """A well-formed JSON object of exactly `size` bytes, written in chunks."""
    headers = [(b"content-type", b"application/json")]
    if not chunked:
        headers.append((b"content-length", str(size).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": OVERSIZED_PREFIX, "more_body": True})
    padding = size - len(OVERSIZED_PREFIX) - len(OVERSIZED_SUFFIX)
    cycle = getattr(receive, "__self__", None)
    filler = b"x" * CHUNK
    while padding > 0:
        if getattr(cycle, "disconnected", False):
            return  # the client gave up reading; stop producing
        piece = filler[: min(CHUNK, padding)]
        await send({"type": "http.response.body", "body": piece, "more_body": True})
        padding -= len(piece)
        # uvicorn's send only yields under back-pressure; without this the loop would
        # never run connection_lost and would keep writing into a dead socket.
        await asyncio.sleep(0)
    await send({"type": "http.response.body", "body": OVERSIZED_SUFFIX})
