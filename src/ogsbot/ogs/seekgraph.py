"""The seek graph: OGS's live list of open challenges, kept from its `seekgraph/global` pushes.

`seek_graph/connect {channel: "global"}` (with an underscore) makes the server send the whole
list, then every change, as arrays on `seekgraph/global` (no underscore): an entry that is a
challenge adds it, `{challenge_id, delete}` removes it, `{challenge_id, game_started,
game_id, ...}` removes it and says a game began. The subscription is renewed after every
reconnect, and the list is rebuilt from what the server sends then.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from loguru import logger

from ogsbot.ogs.errors import OGSNotConnected
from ogsbot.ogs.models import Challenge
from ogsbot.ogs.realtime import Realtime

SeekHandler = Callable[[str, Mapping[str, Any]], Any]  # ("add" | "delete" | "started", entry)
STARTED_KEPT = 1000  # how many of the games started from the graph are remembered


class SeekGraph:
    """The open challenges on the server now, by challenge id, as OGS sends them (raw)."""

    def __init__(self, realtime: Realtime, on_change: SeekHandler | None = None) -> None:
        self.realtime = realtime
        self.entries: dict[int, dict[str, Any]] = {}
        # challenge id -> game id, for the last STARTED_KEPT challenges that began
        self.started: dict[int, int] = {}
        self._handlers: list[SeekHandler] = [on_change] if on_change is not None else []
        self._undo: list[Callable[[], None]] = []
        self._changed = asyncio.Event()
        self.updates = 0  # `seekgraph/global` pushes received

    @property
    def challenges(self) -> list[Challenge]:
        """The open challenges, parsed."""
        return [Challenge.from_json(entry) for entry in self.entries.values()]

    @property
    def connected(self) -> bool:
        """Subscribed (between `connect()` and `disconnect()`)."""
        return bool(self._undo)

    def add_handler(self, handler: SeekHandler) -> Callable[[], None]:
        """Call `handler(kind, entry)` on every change; returns an undo."""
        self._handlers.append(handler)
        return lambda: self._handlers.remove(handler)

    def connect(self) -> None:
        """Subscribe (and again after every reconnect)."""
        if not self._undo:
            self._undo = [
                self.realtime.on("seekgraph/global", self._on_push),
                self.realtime.on_connect(self._subscribe),
            ]
        self._subscribe()

    def _subscribe(self) -> None:
        self.entries.clear()  # the server sends the whole list again
        self.realtime.send("seek_graph/connect", {"channel": "global"})

    def disconnect(self) -> None:
        """Unsubscribe: no more updates."""
        for undo in self._undo:
            with contextlib.suppress(ValueError):
                undo()
        self._undo = []
        with contextlib.suppress(OGSNotConnected):
            self.realtime.send("seek_graph/disconnect", {"channel": "global"})

    async def wait_for(
        self, predicate: Callable[[SeekGraph], bool], timeout: float | None = None
    ) -> None:
        """Wait until `predicate(graph)` holds (checked after every push)."""
        async with asyncio.timeout(timeout):
            while not predicate(self):
                self._changed.clear()
                await self._changed.wait()

    def _on_push(self, event: str, data: Any) -> None:
        if not isinstance(data, list):
            logger.warning("seek graph: skipping a push that is not a list: {!r:.200}", data)
            return
        for entry in data:
            self._apply(entry)
        self.updates += 1
        self._changed.set()

    def _apply(self, entry: Any) -> None:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("challenge_id"), int):
            logger.warning("seek graph: skipping an entry without challenge_id: {!r:.200}", entry)
            return
        challenge_id = int(entry["challenge_id"])
        if entry.get("delete"):
            kind = "delete"
            self.entries.pop(challenge_id, None)
        elif entry.get("game_started"):
            kind = "started"
            self.entries.pop(challenge_id, None)
            with contextlib.suppress(TypeError, ValueError):
                self.started[challenge_id] = int(entry.get("game_id") or 0)
            while len(self.started) > STARTED_KEPT:
                del self.started[next(iter(self.started))]
        else:
            kind = "add"
            self.entries[challenge_id] = dict(entry)
        for handler in list(self._handlers):
            try:
                handler(kind, entry)
            except Exception:
                logger.exception("seek graph handler {!r} failed", handler)
