"""Sild on Matrix through matrix-nio: end-to-end encrypted direct chats with numbered choices.

`transport` runs the client; `session` logs in and keeps one device; `inbound` and `render` turn
events into `Inbound` values and `Outbound` values into message content; `retry` retries
temporary failures; `state` is what is kept in the database between runs.
"""

from bot.transports.matrix.transport import MatrixTransport

__all__ = ["MatrixTransport"]
