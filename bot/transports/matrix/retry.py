"""Retrying Matrix requests: rate limits, server errors and lost connections, with backoff.

matrix-nio returns errors as values (`RoomSendError`, `SyncError`, `JoinError`, ...) and raises
only for a broken connection. `retrying` calls a request again while the answer is temporary:
`M_LIMIT_EXCEEDED` / HTTP 429 after the `retry_after_ms` the server asked for, HTTP 5xx and
connection errors after an exponential backoff with jitter. A permanent error (`M_FORBIDDEN`, an
unknown room, ...) is returned at once for the caller to check, as is the last temporary error
when the attempts run out. Callers that send pass a fixed transaction id, so a request repeated
after a lost answer is deduplicated by the server instead of posted twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
from nio import ErrorResponse

log = logging.getLogger(__name__)

R = TypeVar("R")
Sleep = Callable[[float], Awaitable[None]]

RATE_LIMITED = "M_LIMIT_EXCEEDED"
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (aiohttp.ClientError, TimeoutError)
"""Exceptions that mean the homeserver could not be reached (nio raises these, it does not
return them)."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long to wait before attempt number `attempt + 1`: doubling, capped, with jitter."""

    base: float = 0.5
    cap: float = 30.0
    jitter: float = 0.1
    max_attempts: int = 8

    def delay(self, attempt: int) -> float:
        """Seconds to wait after `attempt` failed attempts (1 = the first failure)."""
        raw = min(self.cap, self.base * 2.0 ** max(0, min(attempt - 1, 30)))
        return raw * (1 + random.uniform(0, self.jitter))  # jitter, not cryptography


def http_status(response: ErrorResponse) -> int | None:
    """The HTTP status of an error response, if nio kept the transport response."""
    transport = getattr(response, "transport_response", None)
    status = getattr(transport, "status", None)
    return status if isinstance(status, int) else None


def is_rate_limited(response: ErrorResponse) -> bool:
    """Whether the server asked us to slow down."""
    return response.status_code == RATE_LIMITED or http_status(response) == 429


def is_temporary(response: ErrorResponse) -> bool:
    """Whether the same request may succeed later: a rate limit or a server-side failure.

    An error without a status (the body was not a Matrix error, as from a proxy) counts as
    temporary; any other 4xx is permanent.
    """
    if is_rate_limited(response):
        return True
    status = http_status(response)
    return status is None or status >= 500


def wait_for(response: ErrorResponse, attempt: int, backoff: Backoff) -> float:
    """Seconds to wait before repeating a request that got `response`."""
    if is_rate_limited(response) and response.retry_after_ms:
        return max(0.0, float(response.retry_after_ms) / 1000)
    return backoff.delay(attempt)


async def retrying(
    request: Callable[[], Awaitable[R]],
    what: str,
    backoff: Backoff | None = None,
    sleep: Sleep = asyncio.sleep,
) -> R:
    """Run `request` until it succeeds, fails permanently, or `backoff.max_attempts` are used.

    Returns the last response, a success or an `ErrorResponse` the caller must check; re-raises
    the connection error of the last attempt when every attempt failed to connect.
    """
    backoff = backoff or Backoff()
    attempt = 0
    while True:
        attempt += 1
        try:
            response = await request()
        except CONNECTION_ERRORS as exc:
            if attempt >= backoff.max_attempts:
                raise
            delay = backoff.delay(attempt)
            log.warning("%s: %s; retrying in %.1fs", what, type(exc).__name__, delay)
            await sleep(delay)
            continue
        if not isinstance(response, ErrorResponse) or not is_temporary(response):
            return response
        if attempt >= backoff.max_attempts:
            log.error("%s failed after %d attempts: %s", what, attempt, response)
            return response
        delay = wait_for(response, attempt, backoff)
        log.warning("%s: %s; retrying in %.1fs", what, response, delay)
        await sleep(delay)
