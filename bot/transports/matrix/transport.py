"""`MatrixTransport`: Sild in any Matrix client, through matrix-nio.

The lifecycle: log in (one device for good, see `session`), upload encryption keys, register with
the outbox, and on the very first start sync once without answering, so history from before Sild
joined is ignored. Then a background task long-polls `/sync`; each batch of events is handled in
order and only then is its `next_batch` stored, so a restart neither misses nor repeats a message.
Replies are sent with a transaction id derived from the event they answer, so a send repeated
after a crash or a lost answer is deduplicated by the homeserver; the last answered event of each
room is stored too, so a batch handled again after a crash is not answered twice.

Rooms: an invitation from an allowed homeserver is accepted; once joined, a direct room (Sild and
one person) is one conversation and onboarding starts with `/start`. Sild does not talk in rooms
with more people, and it stays quiet in the facilitator room (the handoff feature uses it).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from gettext import NullTranslations
from typing import Any

from nio import (
    AsyncClient,
    ErrorResponse,
    Event,
    JoinError,
    LocalProtocolError,
    MatrixRoom,
    MegolmEvent,
    RoomInfo,
    RoomMemberEvent,
    RoomResolveAliasResponse,
    RoomSendResponse,
    SyncResponse,
    UploadResponse,
)

from bot.app import App
from bot.core.messages import Attachment, ChatRef, Inbound, Outbound, Platform
from bot.delivery import DeliveryError
from bot.i18n import translations
from bot.threads import ThreadMap
from bot.transports.matrix.facilitators import in_thread, place_content, place_inbound, place_ref
from bot.transports.matrix.inbound import to_inbound
from bot.transports.matrix.render import file_content, message_content
from bot.transports.matrix.retry import (
    CONNECTION_ERRORS,
    Backoff,
    is_rate_limited,
    is_temporary,
    retrying,
)
from bot.transports.matrix.session import Credentials, log_in
from bot.transports.matrix.state import MatrixState

log = logging.getLogger(__name__)

SYNC_FILTER: dict[str, Any] = {
    "room": {"timeline": {"limit": 50}},
    "presence": {"not_types": ["*"]},
}
"""Up to 50 new events per room and sync (a person who wrote more while Sild was down gets the
last 50 answered), and no presence."""
STOP_GRACE_SECONDS = 20.0
"""How long `stop` lets the batch being handled finish before it is cancelled."""
MAX_BATCH_FAILURES = 3
"""A sync batch whose handling failed this often is skipped, so one bad event cannot stop Sild."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """How sending one message went: `event_id` on success, else the error."""

    event_id: str | None = None
    error: str | None = None
    permanent: bool = False
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        """Whether the message was sent."""
        return self.event_id is not None


def transaction_id(source_event_id: str, index: int) -> str:
    """A stable transaction id for reply number `index` to an event (the same after a restart)."""
    digest = hashlib.sha256(source_event_id.encode()).hexdigest()[:32]
    return f"sild.{digest}.{index}"


def server_of(user_id: str) -> str:
    """The homeserver part of a Matrix user id, lower-cased (`@a:example.org` → `example.org`)."""
    return user_id.partition(":")[2].lower()


class MatrixTransport:
    """The Matrix transport: started once by the runner, stopped once."""

    name = "matrix"

    def __init__(
        self,
        app: App,
        *,
        sync_timeout_ms: int = 30_000,
        backoff: Backoff | None = None,
    ) -> None:
        settings = app.settings
        if not (settings.matrix_homeserver and settings.matrix_user):
            raise ValueError("SILD_MATRIX_HOMESERVER and SILD_MATRIX_USER must be set")
        self._app = app
        self._credentials = Credentials(
            homeserver=settings.matrix_homeserver,
            user=settings.matrix_user,
            password=(
                settings.matrix_password.get_secret_value() if settings.matrix_password else None
            ),
            access_token=(
                settings.matrix_access_token.get_secret_value()
                if settings.matrix_access_token
                else None
            ),
            store_dir=settings.data_dir / "matrix-store",
        )
        self._allowed_servers = settings.matrix_allowed_server_set()
        self._facilitator_setting = settings.matrix_facilitator_room
        self._facilitator_room: str | None = None
        self._state = MatrixState(app.store)
        self._threads = ThreadMap(app.store, Platform.MATRIX.value)
        self._sync_timeout_ms = sync_timeout_ms
        self._backoff = backoff or Backoff()
        self._client: AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._poll: asyncio.Task[SyncResponse | ErrorResponse] | None = None
        self._stopping = asyncio.Event()
        self._since: str | None = None
        self._inviters: dict[str, str] = {}

    @property
    def client(self) -> AsyncClient:
        """The logged-in matrix-nio client (after `start`)."""
        if self._client is None:
            raise RuntimeError("the Matrix transport is not started")
        return self._client

    @property
    def user_id(self) -> str:
        """Sild's own Matrix user id."""
        return str(self.client.user_id)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in, prepare encryption, catch up, and start syncing in the background."""
        self._stopping.clear()
        self._client = await log_in(self._credentials, self._state, self._backoff)
        try:
            await self._maintain_keys()
            self._facilitator_room = await self._resolve_facilitator_room()
            self._since = await self._state.next_batch()
            first = await self._sync_until_ok(since=self._since, timeout_ms=0, full_state=True)
            if first is None:
                return
            # Nothing is answered on the very first start: history from before Sild was here.
            await self._handle_sync(first, answer=self._since is not None)
        except BaseException:
            await self._client.close()
            self._client = None
            raise
        self._app.dispatcher.register(Platform.MATRIX, self.deliver)
        self._task = asyncio.create_task(self._sync_loop(), name="matrix-sync")

    async def stop(self) -> None:
        """Stop syncing (a batch being handled is finished first), then disconnect."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            if self._poll is not None:
                self._poll.cancel()
            done, _ = await asyncio.wait({task}, timeout=STOP_GRACE_SECONDS)
            if not done:
                log.warning("the Matrix sync loop did not stop in time: cancelling it")
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def _pause(self, seconds: float) -> None:
        """Wait before trying again, but wake up at once when Sild is stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    # -- syncing ---------------------------------------------------------------------------

    async def _sync_loop(self) -> None:
        """Long-poll `/sync` until stopped; handle each batch completely before the next."""
        failures = 0
        while not self._stopping.is_set():
            response = await self._sync_until_ok(self._since, self._sync_timeout_ms)
            if response is None:
                return
            try:
                await self._handle_sync(response, answer=True)
                failures = 0
            except Exception:
                # A failure in handling must not end the loop. The token was not advanced, so
                # the batch is tried again after a pause; a batch that keeps failing is skipped.
                failures += 1
                if failures >= MAX_BATCH_FAILURES:
                    log.exception("skipping a Matrix sync batch that failed %d times", failures)
                    await self._state.save_next_batch(response.next_batch)
                    self._since, failures = response.next_batch, 0
                else:
                    log.exception("handling a Matrix sync failed; trying it again")
                    await self._pause(self._backoff.delay(failures))

    async def _sync_until_ok(
        self, since: str | None, timeout_ms: int, full_state: bool = False
    ) -> SyncResponse | None:
        """One successful `/sync`, waiting out errors and lost connections; None when stopping."""
        failures = 0
        while not self._stopping.is_set():
            self._poll = asyncio.create_task(
                self.client.sync(
                    timeout=timeout_ms,
                    sync_filter=SYNC_FILTER,
                    since=since,
                    full_state=full_state or None,
                )
            )
            try:
                response = await self._poll
            except asyncio.CancelledError:
                if self._stopping.is_set() and not _current_task_cancelling():
                    return None
                raise
            except CONNECTION_ERRORS as exc:
                failures += 1
                delay = self._backoff.delay(failures)
                log.warning("Matrix sync: %s; reconnecting in %.1fs", type(exc).__name__, delay)
                await self._pause(delay)
                continue
            finally:
                self._poll = None
            if isinstance(response, SyncResponse):
                return response
            failures += 1
            wait = response.retry_after_ms / 1000 if response.retry_after_ms else None
            delay = wait if wait is not None else self._backoff.delay(failures)
            if not is_temporary(response):
                log.error("Matrix sync failed: %s (is the access token still valid?)", response)
                delay = max(delay, self._backoff.cap)
            else:
                log.warning("Matrix sync failed: %s; retrying in %.1fs", response, delay)
            await self._pause(delay)
        return None

    async def _handle_sync(self, response: SyncResponse, *, answer: bool) -> None:
        """Handle one batch: invitations, then each room's new events; then store the token."""
        for room_id in response.rooms.invite:
            await self._on_invite(room_id)
        for room_id, info in response.rooms.join.items():
            if answer:
                await self._on_room_events(room_id, info)
        await self._maintain_keys()
        await self._state.save_next_batch(response.next_batch)
        self._since = response.next_batch

    async def _maintain_keys(self) -> None:
        """Upload, query and claim encryption keys and send pending to-device messages."""
        client = self.client
        if client.should_upload_keys:
            self._check(await retrying(client.keys_upload, "uploading keys"), "uploading keys")
        if client.should_query_keys:
            self._check(await retrying(client.keys_query, "querying keys"), "querying keys")
        if client.should_claim_keys:
            users = client.get_users_for_key_claiming()
            claimed = await retrying(lambda: client.keys_claim(users), "claiming keys")
            self._check(claimed, "claiming keys")
        for response in await client.send_to_device_messages():
            self._check(response, "sending a to-device message")

    @staticmethod
    def _check(response: object, what: str) -> None:
        if isinstance(response, ErrorResponse):
            log.warning("%s failed: %s", what, response)

    # -- rooms -----------------------------------------------------------------------------

    async def _resolve_facilitator_room(self) -> str | None:
        setting = self._facilitator_setting
        if not setting or not setting.startswith("#"):
            return setting or None
        response = await retrying(
            lambda: self.client.room_resolve_alias(setting), "resolving the facilitator room"
        )
        if isinstance(response, RoomResolveAliasResponse):
            return str(response.room_id)
        log.error("could not resolve the facilitator room %s: %s", setting, response)
        return None

    def _may_invite(self, room_id: str, inviter: str | None) -> bool:
        if room_id == self._facilitator_room:
            return True
        if not self._allowed_servers:
            return True
        return inviter is not None and server_of(inviter) in self._allowed_servers

    async def _on_invite(self, room_id: str) -> None:
        """Join a room Sild was invited to, or decline when the inviter's server is not allowed."""
        invited = self.client.invited_rooms.get(room_id)
        inviter = invited.inviter if invited is not None else None
        if not self._may_invite(room_id, inviter):
            log.info("declining an invitation from %s: server not allowed", inviter)
            declined = await retrying(lambda: self.client.room_leave(room_id), "declining")
            self._check(declined, "declining an invitation")
            return
        response = await retrying(lambda: self.client.join(room_id), "joining a room")
        if isinstance(response, JoinError):
            log.warning("could not join %s: %s", room_id, response)
            return
        if inviter:
            self._inviters[room_id] = inviter
        log.info("joined %s on an invitation", room_id)

    def _is_conversation(self, room: MatrixRoom) -> bool:
        """Whether Sild talks in this room: a direct room with one person, not the facilitators'."""
        return room.room_id != self._facilitator_room and int(room.member_count) <= 2

    def _is_own_join(self, event: object) -> bool:
        return (
            isinstance(event, RoomMemberEvent)
            and event.state_key == self.user_id
            and event.membership == "join"
            and event.prev_membership != "join"
        )

    async def _on_room_events(self, room_id: str, info: RoomInfo) -> None:
        """Answer a room's new timeline events in order, skipping ones answered before."""
        room = self.client.rooms.get(room_id)
        if room is None:
            return
        events: list[object] = list(info.timeline.events)
        first = 0
        for index, event in enumerate(events):
            if self._is_own_join(event):
                first = index  # what was said before Sild joined is history
        last = await self._state.last_event(room_id)
        ids = [getattr(event, "event_id", None) for event in events]
        if last is not None and last in ids:
            first = max(first, ids.index(last) + 1)
        if info.timeline.limited and first == 0:
            log.warning("more new events in %s than one sync returns: older ones skipped", room_id)
        for event in events[first:]:
            if await self._on_event(room, event):
                await self._state.save_last_event(room_id, str(getattr(event, "event_id", "")))

    async def _on_event(self, room: MatrixRoom, event: object) -> bool:
        """Act on one timeline event; True if Sild answered it."""
        if not isinstance(event, Event):
            return False  # malformed: nio could not parse it
        if self._is_own_join(event):
            return await self._on_joined(room, event)
        if isinstance(event, RoomMemberEvent):
            await self._on_membership(room, event)
            return False
        if self._facilitator_room is not None and room.room_id == self._facilitator_room:
            place = place_ref(self._facilitator_setting or room.room_id)
            inbound = await place_inbound(event, place, room.room_id, self.user_id, self._threads)
            if inbound is None:
                return False
            await self._answer(inbound, event.event_id)
            return True
        if not self._is_conversation(room):
            return False
        inbound = to_inbound(event, room.room_id, self.user_id, room.user_name(event.sender))
        if inbound is None:
            return False
        if isinstance(event, MegolmEvent):
            await self._request_room_key(event)
        await self._answer(inbound, event.event_id)
        return True

    async def _on_joined(self, room: MatrixRoom, event: Event) -> bool:
        """Sild has joined a room: in a direct room, start onboarding for the person."""
        inviter = self._inviters.pop(room.room_id, None)
        if not self._is_conversation(room):
            return False
        person = inviter or next((user for user in room.users if user != self.user_id), None)
        if person is None:
            return False
        inbound = Inbound(
            ChatRef(Platform.MATRIX, room.room_id),
            person,
            text="/start",
            display_name=room.user_name(person),
        )
        await self._answer(inbound, event.event_id)
        return True

    async def _on_membership(self, room: MatrixRoom, event: RoomMemberEvent) -> None:
        """The person left a direct room: leave it too and stop sending them notices."""
        gone = event.membership in ("leave", "ban") and event.state_key != self.user_id
        if not gone or room.room_id == self._facilitator_room:
            return
        if any(user != self.user_id for user in room.users):
            return
        await self._app.store.set_user_active(Platform.MATRIX.value, event.state_key, False)
        left = await retrying(lambda: self.client.room_leave(room.room_id), "leaving a room")
        self._check(left, "leaving a room")
        log.info("left %s: the person left", room.room_id)

    async def _request_room_key(self, event: MegolmEvent) -> None:
        """Ask the sender's devices for the key of a message Sild could not decrypt."""
        if event.session_id in self.client.outgoing_key_requests:
            return
        try:
            response = await retrying(
                lambda: self.client.request_room_key(event), "requesting a room key"
            )
        except LocalProtocolError as exc:
            log.info("no room key request: %s", exc)
            return
        self._check(response, "requesting a room key")

    # -- sending ---------------------------------------------------------------------------

    async def _answer(self, inbound: Inbound, event_id: str) -> None:
        """Hand a message to the engine and send its replies (ids derived from `event_id`)."""
        replies = await self._app.engine.handle(inbound)
        t = await self._translations(inbound.chat.chat_id, inbound.user_id)
        later: list[Outbound] = []
        elsewhere = [reply for reply in replies if reply.to.platform is not Platform.MATRIX]
        for index, reply in enumerate(replies):
            if reply.to.platform is not Platform.MATRIX:
                continue
            if later:
                later.append(reply)
                continue
            result = await self.send(reply, transaction_id(event_id, index), t)
            if not result.ok and not result.permanent and not reply.attachments:
                # The homeserver is down or keeps refusing for now: the outbox retries this
                # reply and the ones after it, in order, so it arrives late rather than never.
                # (Not one with files: its text may have gone out, and the outbox sends no files.)
                log.warning(
                    "a reply in %s is left to the outbox: %s", reply.to.chat_id, result.error
                )
                later.append(reply)
            elif not result.ok:
                log.error("a reply in %s was not delivered: %s", reply.to.chat_id, result.error)
        if later or elsewhere:
            await self._app.dispatcher.enqueue([*later, *elsewhere])

    async def deliver(self, message: Outbound) -> None:
        """The outbox's sender for Matrix: send one notice or raise `DeliveryError`."""
        if self._client is None:
            raise DeliveryError("the Matrix transport is not connected")
        t = await self._translations(message.to.chat_id, None)
        result = await self.send(message, f"sild.outbox.{uuid.uuid4().hex}", t)
        if not result.ok:
            raise DeliveryError(
                result.error or "not sent",
                permanent=result.permanent,
                retry_after=result.retry_after,
            )

    async def send(
        self, message: Outbound, txn_id: str, t: NullTranslations | None = None
    ) -> SendResult:
        """Send a message and its attachments to its room, retrying temporary failures."""
        if t is None:
            t = await self._translations(message.to.chat_id, None)
        if self._is_place(message.to.chat_id):
            return await self._send_to_place(message, txn_id, t)
        result = await self._send_content(message.to.chat_id, message_content(message, t), txn_id)
        for number, attachment in enumerate(message.attachments):
            if not result.ok:
                break
            result = await self._send_file(message.to.chat_id, attachment, f"{txn_id}.f{number}")
        return result

    def _is_place(self, chat_id: str) -> bool:
        """Whether a chat id names the facilitator room (by its id or its configured alias)."""
        return self._facilitator_room is not None and chat_id in (
            self._facilitator_room,
            self._facilitator_setting,
        )

    async def _send_to_place(
        self, message: Outbound, txn_id: str, t: NullTranslations
    ) -> SendResult:
        """Post in the facilitator room: in the ticket's thread, the first message its root."""
        room_id = self._facilitator_room
        assert room_id is not None
        content = place_content(message, t)
        if not message.thread:
            return await self._send_content(room_id, content, txn_id)
        thread = message.thread
        sent_as_root: SendResult | None = None

        async def _root() -> str | None:
            nonlocal sent_as_root
            sent_as_root = await self._send_content(room_id, content, txn_id)
            return sent_as_root.event_id

        root = await self._threads.remote_id(room_id, thread, _root)
        if sent_as_root is not None:
            return sent_as_root
        if root is None:
            return await self._send_content(room_id, content, txn_id)
        result = await self._send_content(room_id, in_thread(content, root), txn_id)
        if result.event_id is not None:
            # A reply to this message is about the same ticket.
            await self._threads.remember_event(room_id, result.event_id, thread)
        return result

    async def _send_content(self, room_id: str, content: dict[str, Any], txn_id: str) -> SendResult:
        client = self.client
        try:
            response = await retrying(
                lambda: client.room_send(
                    room_id,
                    "m.room.message",
                    content,
                    tx_id=txn_id,
                    ignore_unverified_devices=True,
                ),
                f"sending to {room_id}",
                self._backoff,
            )
        except LocalProtocolError as exc:  # not in that room (any more)
            return SendResult(error=str(exc), permanent=True)
        except CONNECTION_ERRORS as exc:
            return SendResult(error=type(exc).__name__)
        if isinstance(response, RoomSendResponse):
            return SendResult(event_id=response.event_id)
        return _failure(response)

    async def _send_file(self, room_id: str, attachment: Attachment, txn_id: str) -> SendResult:
        room = self.client.rooms.get(room_id)
        encrypt = bool(room is not None and room.encrypted)
        keys: dict[str, Any] | None = None

        async def upload() -> object:
            """Upload the file (encrypted for an encrypted room); keep the keys for the event."""
            nonlocal keys
            response, keys = await self.client.upload(
                io.BytesIO(attachment.data),
                content_type=attachment.mime_type,
                filename=attachment.filename,
                encrypt=encrypt,
                filesize=len(attachment.data),
            )
            return response

        try:
            uploaded = await retrying(upload, "uploading a file", self._backoff)
        except CONNECTION_ERRORS as exc:
            return SendResult(error=type(exc).__name__)
        if not isinstance(uploaded, UploadResponse):
            return _failure(uploaded)
        content = file_content(attachment, uploaded.content_uri, keys if encrypt else None)
        return await self._send_content(room_id, content, txn_id)

    async def _translations(self, room_id: str, user_id: str | None) -> NullTranslations:
        """The catalog of the person in the room (for the "reply with a number" line)."""
        room = self._client.rooms.get(room_id) if self._client is not None else None
        candidates: Sequence[str] = (
            [user_id] if user_id else [u for u in (room.users if room else ()) if u != self.user_id]
        )
        for candidate in candidates:
            profile = await self._app.store.get_user(Platform.MATRIX.value, candidate)
            if profile is not None and profile.language:
                return translations(profile.language)
        return translations("en")


def _failure(response: object) -> SendResult:
    if not isinstance(response, ErrorResponse):
        return SendResult(error=f"unexpected response {type(response).__name__}")
    retry_after = None
    if is_rate_limited(response) and response.retry_after_ms:
        retry_after = response.retry_after_ms / 1000
    return SendResult(
        error=str(response), permanent=not is_temporary(response), retry_after=retry_after
    )


def _current_task_cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
