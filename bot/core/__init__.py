"""The platform-free core: message values, the engine and its flows.

Nothing in here imports a transport, a database driver or a chat library; the engine talks to the
outside world only through the small protocols in `bot.core.ports`.
"""
