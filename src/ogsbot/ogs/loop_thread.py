"""A private event loop on a daemon thread, and a proxy that lets plain threads use asyncio
objects through it.

asyncio objects belong to their loop's thread: a frame queued from another thread waits for
the loop's next wake-up (seconds, on a quiet connection), and their state may be read half
changed. `SyncProxy` hands every attribute read and every method call of the object it wraps
to the loop and waits for the answer, so a script's call reaches the server at once; a
coroutine method is run to completion. It is generic, so a method added to `Game` later is
covered without a wrapper.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Target = TypeVar("Target")


class LoopThread:
    """A private event loop on a daemon thread; the process never waits for it at exit."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="ogsbot-loop", daemon=True
        )
        self.thread.start()

    def on_loop(self) -> bool:
        """True in the loop's own thread: where callbacks run."""
        return threading.current_thread() is self.thread

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coroutine` on the loop and wait for its result (from another thread)."""
        if not self.thread.is_alive() or self.loop.is_closed():
            coroutine.close()
            raise RuntimeError("the OGS client is closed")
        if self.on_loop():
            coroutine.close()
            raise RuntimeError(
                "this call waits for the network and cannot run inside an event callback "
                "(the callback would wait for itself); call it from your own thread"
            )
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout)

    def call(self, function: Callable[[], T]) -> T:
        """Run `function` on the loop; at once when already there (from a callback)."""
        if self.on_loop():
            return function()

        async def wrapper() -> T:
            return function()

        return self.run(wrapper())

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            if self.on_loop():
                return  # closed from a callback: the loop stops once the callback returns
            self.thread.join(timeout=5)
        if not self.thread.is_alive() and not self.loop.is_closed():
            self.loop.close()


class SyncProxy(Generic[Target]):
    """`target`'s attributes and methods, each used on `loop`'s thread.

    Reading an attribute reads it there; calling a method calls it there and returns what
    it returns; a coroutine method runs there to completion (from a callback, which runs on
    the loop and cannot wait for it, that raises and says so).
    """

    def __init__(self, target: Target, loop: LoopThread) -> None:
        self._target = target
        self._loop = loop

    @property
    def target(self) -> Target:
        """The wrapped object, for code that runs on the loop (callbacks)."""
        return self._target

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._loop.call(lambda: getattr(self._target, name))
        if not callable(value) or not inspect.ismethod(value):
            return value
        method = value
        loop = self._loop

        if inspect.iscoroutinefunction(method):

            def run_coroutine(*args: Any, **kwargs: Any) -> Any:
                return loop.run(method(*args, **kwargs))

            run_coroutine.__doc__ = method.__doc__
            return run_coroutine

        def call(*args: Any, **kwargs: Any) -> Any:
            return loop.call(lambda: method(*args, **kwargs))

        call.__doc__ = method.__doc__
        return call
