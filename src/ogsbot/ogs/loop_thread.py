"""A private event loop on a daemon thread, a thread for the script's callbacks, and a proxy
that lets plain threads use asyncio objects through the loop.

asyncio objects belong to their loop's thread: a frame queued from another thread waits for
the loop's next wake-up (seconds, on a quiet connection), and their state may be read half
changed. `SyncProxy` hands every attribute read and every method call of the object it wraps
to the loop and waits for the answer, so a script's call reaches the server at once; a
coroutine method is run to completion. It is generic, so a method added to `Game` later is
covered without a wrapper. What it hands back cannot change under the script: containers are
copied, frozen values returned, other objects wrapped in a proxy of their own.

The script's callbacks run on `CallbackThread`, one at a time and in the order the events
came, as ogsapi's ran on python-socketio's thread: there they may call anything that waits
for the server (join a game from an `active_game` handler, fetch a game over REST, close the
client) without stalling the loop that every game, ping and keepalive needs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import enum
import inspect
import queue
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

from loguru import logger

from ogsbot.ogs.errors import OGSClientClosed, OGSTimeout

T = TypeVar("T")
Target = TypeVar("Target")
_IMMUTABLE = (str, bytes, int, float, complex, bool, type(None), tuple, frozenset, range)


class LoopThread:
    """A private event loop on a daemon thread; the process never waits for it at exit."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="ogsbot-loop", daemon=True
        )
        # run() and stop() from different threads: a call either reaches the loop before
        # stop() begins (and is cut short by it) or is refused; none is left waiting.
        self._lock = threading.Lock()
        self._stopping = False
        self._waiting: set[concurrent.futures.Future[Any]] = set()
        self.thread.start()

    def on_loop(self) -> bool:
        """True in the loop's own thread."""
        return threading.current_thread() is self.thread

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coroutine` on the loop and wait for its result (from another thread).

        Interrupted (Ctrl-C, a timeout), the coroutine is cancelled, not left running; a wait
        that runs out is an `OGSTimeout`, one cut short by `stop()` an `OGSClientClosed`.
        """
        if self.on_loop():
            coroutine.close()
            raise RuntimeError("a call that waits cannot run on the client's own loop thread")
        with self._lock:
            if self._stopping or not self.thread.is_alive() or self.loop.is_closed():
                coroutine.close()
                raise OGSClientClosed("the OGS client is closed")
            future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
            self._waiting.add(future)
        try:
            return future.result(timeout)
        except concurrent.futures.CancelledError:
            raise OGSClientClosed("the OGS client was closed while this call waited") from None
        except TimeoutError as exc:
            future.cancel()
            raise OGSTimeout(str(exc) or f"no answer within {timeout} s") from None
        except BaseException:
            future.cancel()
            raise
        finally:
            with self._lock:
                self._waiting.discard(future)

    def call(self, function: Callable[[], T]) -> T:
        """Run `function` on the loop; at once when already there."""
        if self.on_loop():
            return function()

        async def wrapper() -> T:
            return function()

        return self.run(wrapper())

    def stop(self) -> None:
        """Cancel what still runs on the loop (whoever waits for it is told the client is
        closed), then stop the loop and close it."""
        with self._lock:
            self._stopping = True  # from now on run() refuses: nothing new reaches the loop
        if self.loop.is_running() and not self.on_loop():
            with_timeout = asyncio.run_coroutine_threadsafe(_cancel_all(), self.loop)
            try:
                with_timeout.result(5)
            except (TimeoutError, concurrent.futures.CancelledError):
                logger.warning("tasks of the OGS client did not stop in 5 s")
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            if self.on_loop():
                return  # the loop stops once the current callback returns
            self.thread.join(timeout=5)
        if not self.thread.is_alive():
            with self._lock:
                stranded = list(self._waiting)
            for future in stranded:  # the loop is gone: no one else will end these waits
                future.cancel()
            if not self.loop.is_closed():
                self.loop.close()


async def _cancel_all() -> None:
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class CallbackThread:
    """The script's callbacks, run one at a time in order on a daemon thread of their own."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...]] | None]
        self._queue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="ogsbot-callbacks", daemon=True)
        self.thread.start()

    def submit(self, function: Callable[..., Any], *args: Any) -> None:
        """Queue `function(*args)`; it reports its own failures (`callbacks.adapt`)."""
        self._queue.put((function, args))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            function, args = item
            try:
                function(*args)
            except Exception:  # adapt() reports; this is the last guard of the thread
                logger.exception("callback {!r} failed", function)

    def on_thread(self) -> bool:
        return threading.current_thread() is self.thread

    def stop(self) -> None:
        """Run what is queued, then end (at once when called from a callback)."""
        self._queue.put(None)
        if not self.on_thread():
            self.thread.join(timeout=5)


def _frozen(value: object) -> bool:
    return (
        dataclasses.is_dataclass(value)
        and not isinstance(value, type)
        and value.__dataclass_params__.frozen  # type: ignore[attr-defined]
    )


class SyncProxy(Generic[Target]):
    """`target`'s attributes and methods, each used on `loop`'s thread.

    Reading an attribute reads it there; calling a method calls it there and returns what
    it returns; a coroutine method runs there to completion.
    """

    def __init__(self, target: Target, loop: LoopThread) -> None:
        self._target = target
        self._loop = loop

    @property
    def target(self) -> Target:
        """The wrapped object, for code that runs on the loop."""
        return self._target

    def _safe(self, value: Any) -> Any:
        """`value` as the script may keep it: copied, frozen, or behind a proxy."""
        if isinstance(value, (*_IMMUTABLE, enum.Enum)) or _frozen(value) or callable(value):
            return value
        if isinstance(value, dict):
            return dict(value)
        if isinstance(value, list):
            return list(value)
        if isinstance(value, set):
            return set(value)
        return SyncProxy(value, self._loop)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._loop.call(lambda: getattr(self._target, name))
        if not callable(value) or not inspect.ismethod(value):
            return self._loop.call(lambda: self._safe(value))
        method = value
        loop = self._loop

        if inspect.iscoroutinefunction(method):

            def run_coroutine(*args: Any, **kwargs: Any) -> Any:
                return loop.run(method(*args, **kwargs))

            run_coroutine.__doc__ = method.__doc__
            return run_coroutine

        def call(*args: Any, **kwargs: Any) -> Any:
            return loop.call(lambda: self._safe(method(*args, **kwargs)))

        call.__doc__ = method.__doc__
        return call
