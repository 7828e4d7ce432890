"""Bot API requests with JSON bodies.

python-telegram-bot sends every request as a URL-encoded form. For Sild's answers, long HTML with
a keyboard (often in Cyrillic), that costs: each byte of the text is percent-encoded in Python, so
a typical answer's request took 137 µs to build against 50 µs as JSON, and its body was 2,182
bytes against 1,340 (measured on the bench's questions; a Russian answer grows the most, each
letter becoming six characters). The Bot API takes `application/json` for every method except
file uploads, which go on as python-telegram-bot sends them.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

_JSON_HEADERS = {
    "User-Agent": HTTPXRequest.USER_AGENT,
    "Content-Type": "application/json",
}


class JsonRequest(HTTPXRequest):
    """`HTTPXRequest` that sends JSON instead of a form whenever no file goes with the request.

    Timeouts and errors are those of `HTTPXRequest`: a timeout is `TimedOut`, any other failure
    of the connection `NetworkError`, and Telegram's answer is handled by python-telegram-bot.
    """

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the request; see `BaseRequest.do_request`.

        The timeouts are typed `Any`: python-telegram-bot's type for them (a number, None, or
        its default marker) lives in a private module.
        """
        if request_data is None or request_data.contains_files:
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            )
        client = self._client
        if client.is_closed:
            raise RuntimeError("This JsonRequest is not initialized!")
        default = client.timeout
        timeout = httpx.Timeout(
            connect=_given(connect_timeout, default.connect),
            read=_given(read_timeout, default.read),
            write=_given(write_timeout, default.write),
            pool=_given(pool_timeout, default.pool),
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":"))
        try:
            response = await client.request(
                method=method,
                url=url,
                headers=_JSON_HEADERS,
                timeout=timeout,
                # A lone surrogate (half of a broken emoji) has no UTF-8: it goes as "?" rather
                # than failing the whole message.
                content=body.encode(errors="replace"),
            )
        except httpx.PoolTimeout as error:
            raise TimedOut(
                "Pool timeout: every connection of the pool is busy; the request was not sent"
            ) from error
        except httpx.TimeoutException as error:
            raise TimedOut from error
        except httpx.HTTPError as error:
            raise NetworkError(f"httpx.{type(error).__name__}: {error}") from error
        return response.status_code, response.content


def _given(value: object, default: float | None) -> float | None:
    """A timeout passed to the call (seconds, or None for none), or the client's own when the
    call left it at python-telegram-bot's default."""
    if value is None or isinstance(value, int | float):
        return value
    return default
