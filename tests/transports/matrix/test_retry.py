"""The retry helper: rate limits, server errors and lost connections (no network needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from nio import RoomSendError, RoomSendResponse

from bot.transports.matrix.retry import Backoff, is_temporary, retrying

FAST = Backoff(base=1.0, cap=8.0, jitter=0.0, max_attempts=4)


def error(errcode: str | None, status: int | None, retry_after_ms: int | None = None) -> Any:
    response = RoomSendError("error", errcode, retry_after_ms, room_id="!r:x")
    response.transport_response = SimpleNamespace(status=status) if status else None
    return response


class Script:
    """A request that answers from a list, recording each call; and a sleep that records."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls = 0
        self.slept: list[float] = []

    async def request(self) -> Any:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


OK = RoomSendResponse("$sent", "!r:x")


async def test_rate_limit_waits_as_long_as_the_server_asks() -> None:
    script = Script(error("M_LIMIT_EXCEEDED", 429, retry_after_ms=1234), OK)
    assert await retrying(script.request, "send", FAST, script.sleep) is OK
    assert script.slept == [1.234] and script.calls == 2


async def test_rate_limit_without_retry_after_backs_off() -> None:
    script = Script(error("M_LIMIT_EXCEEDED", None), error(None, 429), OK)
    assert await retrying(script.request, "send", FAST, script.sleep) is OK
    assert script.slept == [1.0, 2.0]


async def test_server_errors_back_off_exponentially_then_give_up() -> None:
    failures = [error("M_UNKNOWN", 502) for _ in range(4)]
    script = Script(*failures)
    result = await retrying(script.request, "send", FAST, script.sleep)
    assert result is failures[-1]
    assert script.slept == [1.0, 2.0, 4.0] and script.calls == 4


async def test_permanent_errors_are_returned_at_once() -> None:
    forbidden = error("M_FORBIDDEN", 403)
    script = Script(forbidden)
    assert await retrying(script.request, "send", FAST, script.sleep) is forbidden
    assert script.slept == []


async def test_lost_connection_is_retried_and_finally_raised() -> None:
    script = Script(aiohttp.ClientConnectionError("down"), TimeoutError(), OK)
    assert await retrying(script.request, "send", FAST, script.sleep) is OK
    down = [aiohttp.ServerDisconnectedError() for _ in range(4)]
    script = Script(*down)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await retrying(script.request, "send", FAST, script.sleep)
    assert script.calls == 4


def test_what_counts_as_temporary() -> None:
    assert is_temporary(error("M_LIMIT_EXCEEDED", 429))
    assert is_temporary(error("M_UNKNOWN", 500))
    assert is_temporary(error(None, None))  # not a Matrix error body (a proxy's page)
    assert not is_temporary(error("M_FORBIDDEN", 403))
    assert not is_temporary(error("M_UNKNOWN_TOKEN", 401))


def test_backoff_is_capped_and_jittered_upwards_only() -> None:
    backoff = Backoff(base=0.5, cap=4.0, jitter=0.1)
    assert [round(Backoff(base=0.5, cap=4.0, jitter=0).delay(n), 2) for n in (1, 2, 3, 5, 50)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        4.0,
    ]
    assert all(0.5 <= backoff.delay(1) <= 0.55 for _ in range(50))
