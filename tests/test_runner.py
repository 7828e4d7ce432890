"""Stopping: background tasks are cancelled and finished before the database closes."""

from __future__ import annotations

import asyncio

from bot.runner import cancel_and_wait


async def test_cancelled_tasks_have_unwound_before_it_returns() -> None:
    unwound: list[str] = []

    async def busy(name: str) -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.sleep(0.01)  # e.g. rolling back a connection
            unwound.append(name)

    tasks: list[asyncio.Task[None] | None] = [
        asyncio.create_task(busy("scheduler")),
        None,
        asyncio.create_task(busy("delivery")),
    ]
    await asyncio.sleep(0)
    await cancel_and_wait(tasks)
    assert sorted(unwound) == ["delivery", "scheduler"]


async def test_a_task_that_will_not_stop_does_not_hold_up_the_exit() -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await release.wait()  # ignores the cancellation until released

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await cancel_and_wait([task], grace=0.05)
    assert not task.done()
    release.set()
    await task


def test_settling_the_heap_takes_start_up_objects_out_of_collections() -> None:
    import gc

    from bot.runner import settle_heap

    index = [{"term": n} for n in range(1000)]  # stands for the content index
    try:
        settle_heap()
        assert gc.get_freeze_count() >= len(index)
        assert not any(obj is index for obj in gc.get_objects())  # no longer walked
    finally:
        gc.unfreeze()
