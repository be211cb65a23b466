"""LoopThread.run racing LoopThread.stop from another thread: every call ends, with
OGSClientClosed, however the two interleave (the sync client's threads under load)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any

import pytest

from ogsbot.ogs import loop_thread
from ogsbot.ogs.errors import OGSClientClosed


def test_a_call_landing_after_the_cancel_step_is_not_left_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run() whose coroutine reaches the loop after stop() has cancelled what was there,
    but before the loop stops, used to wait for ever."""
    thread = loop_thread.LoopThread()
    real_cancel_all = loop_thread._cancel_all
    outcome: list[BaseException] = []
    landed = threading.Event()

    async def cancel_all_then_a_call_lands() -> None:
        await real_cancel_all()

        def waiter() -> None:
            try:
                landed.set()
                thread.run(asyncio.sleep(3600))
            except BaseException as exc:
                outcome.append(exc)

        caller = threading.Thread(target=waiter, daemon=True)
        caller.start()
        await asyncio.sleep(0.1)  # the caller's coroutine reaches the loop, or is refused

    monkeypatch.setattr(loop_thread, "_cancel_all", cancel_all_then_a_call_lands)
    thread.stop()
    assert landed.is_set()
    for _ in range(500):  # the caller ends at once; bounded so a hang fails, not stalls
        if outcome:
            break
        threading.Event().wait(0.01)
    assert len(outcome) == 1 and isinstance(outcome[0], OGSClientClosed)


def test_a_call_whose_loop_closes_as_it_is_submitted_is_told_the_client_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The client is closed by another thread just as run() submits its coroutine."""
    thread = loop_thread.LoopThread()
    real_submit = asyncio.run_coroutine_threadsafe

    def closing_first(coroutine: Coroutine[Any, Any, Any], loop: asyncio.AbstractEventLoop) -> Any:
        monkeypatch.setattr(asyncio, "run_coroutine_threadsafe", real_submit)
        threading.Thread(target=thread.stop).start()
        threading.Event().wait(0.2)
        return real_submit(coroutine, loop)

    monkeypatch.setattr(asyncio, "run_coroutine_threadsafe", closing_first)
    with pytest.raises(OGSClientClosed):
        thread.run(asyncio.sleep(1), timeout=10)
