"""Creating the matrix-nio client and logging in, keeping one device across restarts.

End-to-end encryption keys belong to a device: a new device on every start would break the
encrypted chats people already have with Sild. So the device id and access token of a password
login are stored and reused (checked with `whoami`; an expired token is replaced by a new login
*on the same device*), and with an access token from the settings the device is the token's.
The key store (`SqliteStore`) lives under `SILD_DATA_DIR/matrix-store`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    LoginResponse,
    WhoamiResponse,
)
from nio.store import SqliteStore

from bot.transports.matrix.retry import Backoff, retrying
from bot.transports.matrix.state import MatrixState, Session

log = logging.getLogger(__name__)

DEVICE_NAME = "Sild"
UNKNOWN_TOKEN = "M_UNKNOWN_TOKEN"


class MatrixLoginError(RuntimeError):
    """Sild could not log in to the homeserver (wrong password or token, unreachable server)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """How to log in, from the settings. Exactly one of `password` and `access_token` is used."""

    homeserver: str
    user: str
    password: str | None
    access_token: str | None
    store_dir: Path

    @property
    def login(self) -> str:
        """The configured homeserver and user: a stored session is reused only for these."""
        return f"{self.homeserver.rstrip('/')} {self.user}"


def new_client(credentials: Credentials, device_id: str | None = None) -> AsyncClient:
    """An `AsyncClient` with encryption, its key store under the store directory.

    nio's own retries are left on (unlimited): it waits out `M_LIMIT_EXCEEDED` as the server asks
    and reconnects after connection errors, also for the to-device requests it makes inside
    `room_send` while sharing encryption keys, which no caller could repeat.
    """
    credentials.store_dir.mkdir(parents=True, exist_ok=True)
    config = AsyncClientConfig(
        store=SqliteStore,
        encryption_enabled=True,
        store_sync_tokens=True,
        max_limit_exceeded=None,
        max_timeouts=None,
        request_timeout=60,
    )
    return AsyncClient(
        credentials.homeserver,
        credentials.user,
        device_id=device_id or "",
        store_path=str(credentials.store_dir),
        config=config,
    )


def key_store_exists(store_dir: Path, user_id: str, device_id: str) -> bool:
    """Whether nio's key store for this device is on disk (its default file name)."""
    return (store_dir / f"{user_id}_{device_id}.db").exists()


async def log_in(
    credentials: Credentials, state: MatrixState, backoff: Backoff | None = None
) -> AsyncClient:
    """A logged-in client with its key store loaded; raises `MatrixLoginError`."""
    if credentials.access_token:
        return await _with_access_token(credentials, state, credentials.access_token, backoff)
    if not credentials.password:
        raise MatrixLoginError("set SILD_MATRIX_PASSWORD or SILD_MATRIX_ACCESS_TOKEN")
    return await _with_password(credentials, state, credentials.password, backoff)


async def _with_access_token(
    credentials: Credentials, state: MatrixState, token: str, backoff: Backoff | None
) -> AsyncClient:
    client = new_client(credentials)
    client.access_token = token
    response = await retrying(client.whoami, "checking the Matrix access token", backoff)
    if not isinstance(response, WhoamiResponse):
        await client.close()
        raise MatrixLoginError(f"the access token was not accepted: {response}")
    if not response.device_id:
        await client.close()
        raise MatrixLoginError("the access token has no device, so encryption cannot work")
    client.restore_login(response.user_id, response.device_id, token)
    await state.save_session(Session(credentials.login, response.user_id, response.device_id))
    log.info("logged in to Matrix as %s, device %s", response.user_id, response.device_id)
    return client


async def _with_password(
    credentials: Credentials, state: MatrixState, password: str, backoff: Backoff | None
) -> AsyncClient:
    saved = await state.session()
    if saved is not None and (
        saved.login != credentials.login
        or not saved.access_token
        or not key_store_exists(credentials.store_dir, saved.user_id, saved.device_id)
    ):
        log.info("the stored Matrix session does not fit the settings: logging in anew")
        saved = None
    if saved is not None:
        client = new_client(credentials, saved.device_id)
        client.restore_login(saved.user_id, saved.device_id, saved.access_token)
        check = await retrying(client.whoami, "checking the stored Matrix session", backoff)
        if isinstance(check, WhoamiResponse):
            log.info("resumed Matrix session of %s, device %s", saved.user_id, saved.device_id)
            return client
        if not (isinstance(check, ErrorResponse) and check.status_code == UNKNOWN_TOKEN):
            await client.close()
            raise MatrixLoginError(f"could not check the stored session: {check}")
        log.info("the stored Matrix access token expired: logging in again on the same device")
    else:
        client = new_client(credentials)
    response = await retrying(
        lambda: client.login(password=password, device_name=DEVICE_NAME),
        "logging in to Matrix",
        backoff,
    )
    if not isinstance(response, LoginResponse):
        await client.close()
        raise MatrixLoginError(f"login failed: {response}")
    await state.save_session(
        Session(credentials.login, response.user_id, response.device_id, response.access_token)
    )
    log.info("logged in to Matrix as %s, device %s", response.user_id, response.device_id)
    return client
