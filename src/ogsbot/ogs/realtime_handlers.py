"""Who hears which realtime event: handlers by exact name, by prefix and for every event.

A live game subscribes the prefix "game/<id>/": a daemon with thousands of games must not
test every prefix on every event, so prefix handlers are found by the lengths of the
prefixes subscribed. Handlers run in the order they subscribed; one that fails (or whose
coroutine fails) is logged and never stops the others.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from loguru import logger

__all__ = ["ConnectCallback", "Handler", "RealtimeHandlers"]

Handler = Callable[[str, Any], Any]  # (event name, data); may return an awaitable
ConnectCallback = Callable[[], Any]


class RealtimeHandlers:
    """The subscriptions of a realtime connection, and the calls of its handlers."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._any_handlers: list[Handler] = []
        # Prefix handlers by prefix, with the count of prefixes of each length, and a
        # sequence number that keeps the calls in the order of subscription.
        self._prefix_handlers: dict[str, list[tuple[int, Handler]]] = {}
        self._prefix_lengths: dict[int, int] = {}
        self._prefix_seq = 0
        self._on_connect: list[ConnectCallback] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    def on(self, event: str, handler: Handler) -> Callable[[], None]:
        """Call `handler(event, data)` for every event of exactly this name; returns an undo."""
        self._handlers.setdefault(event, []).append(handler)
        return lambda: self._handlers.get(event, []).remove(handler)

    def on_any(self, handler: Handler) -> Callable[[], None]:
        """Call `handler(event, data)` for every event, after the named and prefix ones."""
        self._any_handlers.append(handler)
        return lambda: self._any_handlers.remove(handler)

    def on_prefix(self, prefix: str, handler: Handler) -> Callable[[], None]:
        """Call `handler(event, data)` for every event whose name starts with `prefix`."""
        self._prefix_seq += 1
        entry = (self._prefix_seq, handler)
        entries = self._prefix_handlers.setdefault(prefix, [])
        if not entries:
            self._prefix_lengths[len(prefix)] = self._prefix_lengths.get(len(prefix), 0) + 1
        entries.append(entry)

        def undo() -> None:
            entries = self._prefix_handlers.get(prefix, [])
            entries.remove(entry)  # ValueError when undone twice, like `on`'s undo
            if not entries:
                del self._prefix_handlers[prefix]
                left = self._prefix_lengths[len(prefix)] - 1
                if left:
                    self._prefix_lengths[len(prefix)] = left
                else:
                    del self._prefix_lengths[len(prefix)]

        return undo

    def on_connect(self, callback: ConnectCallback) -> Callable[[], None]:
        """Run `callback()` after every (re)authentication.

        What a callback sends at once goes out before the frames queued while offline.
        """
        self._on_connect.append(callback)
        return lambda: self._on_connect.remove(callback)

    def _dispatch(self, name: str, data: Any) -> None:
        """Call every handler of an event: by name, then by prefix, then the catch-all ones."""
        handlers = list(self._handlers.get(name, ()))
        matched: list[tuple[int, Handler]] = []
        for length in self._prefix_lengths:
            if length <= len(name):
                matched += self._prefix_handlers.get(name[:length], ())
        if len(matched) > 1:
            matched.sort(key=lambda entry: entry[0])
        handlers += [handler for _, handler in matched]
        handlers += self._any_handlers
        for handler in handlers:
            self._call(handler, name, data)

    def _call(self, function: Callable[..., Any], *args: Any) -> None:
        """Run a handler; a coroutine becomes a task. Failures are logged, never raised."""
        try:
            result = function(*args)
        except Exception:
            logger.exception("realtime handler {} failed on {}", function, args[:1])
            return
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            self._tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.opt(exception=task.exception()).error("realtime handler task failed")
