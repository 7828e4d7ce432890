"""Pausing Python's cyclic garbage collector while content is loaded and indexed."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the cyclic collector off, then turn it back on if it was on.

    Loading content and building its index make millions of short-lived containers and keep a
    great many others; the collector runs every few hundred of them and looks again at all
    that survived, which took a fifth of the build. Nothing made there is a cycle waiting to be
    freed, and reference counting still frees everything dropped. Nested or concurrent pauses
    only ever leave the collector on if it was on before the outermost one.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
