"""A live OGS game: joined with `game/connect`, followed by its events, played by its actions.

`Game` holds the gamedata, the moves, a board with captures, the clock, the phase and the
outcome (`game_view.GameView`), kept from the server's events (`game_events.GameEvents`:
validation, resyncs, re-joins after a reconnect, a lost move sent again). This module joins
and leaves games, tells handlers and waiters about each event, and acts: actions take moves
in any of the forms a user has at hand: GTP ("D4"), OGS ("dd"), a point (x, y), or None /
"pass".
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from typing import Any

from loguru import logger

from ogsbot.ogs.coords import RESIGN, Point, parse_gtp_move, unpack_ogs, xy_to_ogs
from ogsbot.ogs.errors import (
    OGSError,
    OGSGameError,
    OGSNotConnected,
    OGSRealtimeError,
    OGSRealtimeTimeout,
)
from ogsbot.ogs.game_events import (
    OUTCOME_WAIT,
    RESEND_GRACE,
    RESYNC_PAUSE,
    RESYNC_PAUSE_MAX,
    STATE_EVENTS,
    GameEvents,
)
from ogsbot.ogs.models import GameData, Move
from ogsbot.ogs.realtime import Realtime

__all__ = [
    "CHAT_CHANNELS",
    "OUTCOME_WAIT",
    "RESEND_GRACE",
    "RESYNC_PAUSE",
    "RESYNC_PAUSE_MAX",
    "STATE_EVENTS",
    "Game",
    "GameError",
    "GameHandler",
    "MoveInput",
]

GameHandler = Callable[["Game", str, Any], Any]  # (game, event suffix, data)
MoveInput = str | Point | None

_OGS_MOVE = re.compile(r"[a-y]{2}")
CHAT_CHANNELS = ("main", "malkovich", "personal", "hidden")


class GameError(OGSError, ValueError):
    """A game action that cannot be sent (bad move text, game not joined yet...)."""


class Game(GameEvents):
    """One game followed live on a `Realtime` connection."""

    def __init__(
        self,
        realtime: Realtime,
        game_id: int,
        *,
        chat: bool = False,
        on_event: GameHandler | None = None,
    ) -> None:
        super().__init__(realtime, game_id, chat=chat)
        self._handlers: list[GameHandler] = [on_event] if on_event is not None else []
        self._unsubscribe: list[Callable[[], None]] = []
        self._changed = asyncio.Event()  # replaced after each event: waiters wake up
        self._tasks: set[asyncio.Future[Any]] = set()

    # ----- joining ------------------------------------------------------------------------

    async def connect(self, timeout: float = 30.0) -> Game:
        """Join the game and wait for its gamedata; re-joins after every reconnect.

        The server answers a game it will not show (none with that id, a private one) with
        an `error` event: that raises `OGSGameError` with its words at once, and the game is
        left. No answer within `timeout` raises `TimeoutError`.
        """
        errors = self.error_count
        if not self.joined:
            self.joined = True
            prefix = f"game/{self.game_id}/"
            self._unsubscribe = [
                self.realtime.on_prefix(prefix, self._on_event),
                self.realtime.on_connect(self._rejoin),
            ]
            self._send_connect()
        await self.wait_for(lambda g: g.gamedata is not None or g.error_count > errors, timeout)
        if self.gamedata is None:
            message = self.last_error
            self.disconnect()
            raise OGSGameError(self.game_id, "join", message)
        return self

    async def refresh(self, timeout: float = 30.0) -> GameData:
        """Ask the server for the whole game again and return the gamedata it sends."""
        count = self.gamedata_count
        self.resync()
        await self.wait_for(lambda g: g.gamedata_count > count, timeout)
        assert self.gamedata is not None
        return self.gamedata

    def disconnect(self) -> None:
        """Leave the game: no more events, no re-join."""
        if self.joined:
            with contextlib.suppress(OGSNotConnected):  # a closed connection has left already
                self.realtime.send("game/disconnect", {"game_id": self.game_id})
        for undo in self._unsubscribe:
            with contextlib.suppress(ValueError):
                undo()
        self._unsubscribe = []
        self.joined = False
        self._stop_timers()

    def add_handler(self, handler: GameHandler) -> Callable[[], None]:
        """Call `handler(game, event, data)` after each event has updated the game."""
        self._handlers.append(handler)
        return lambda: self._handlers.remove(handler)

    async def wait_for(
        self, predicate: Callable[[Game], bool], timeout: float | None = None
    ) -> None:
        """Wait until `predicate(game)` holds (checked after every event)."""
        async with asyncio.timeout(timeout):
            while not predicate(self):
                await self._changed.wait()

    async def next_event(self, timeout: float | None = None) -> None:
        """Wait for the next event of this game, whatever it is.

        On Python 3.11 a cancellation that lands as the event comes can be lost here
        (`asyncio.wait_for`): code that must stop when cancelled (the bot's session) wraps
        `next_event()` in `asyncio.timeout` instead of passing a timeout."""
        await asyncio.wait_for(self._changed.wait(), timeout)

    # ----- telling handlers and waiters ---------------------------------------------------

    def _on_event(self, name: str, data: Any) -> None:
        suffix = name[len(f"game/{self.game_id}/") :]
        try:
            handled = self._apply(suffix, data)
        except (ValueError, TypeError, KeyError) as exc:
            self._refuse(suffix, exc)
            self._notify()
            return
        if handled:
            for handler in list(self._handlers):
                try:
                    result = handler(self, suffix, data)
                    if asyncio.iscoroutine(result):
                        task = asyncio.ensure_future(result)
                        self._tasks.add(task)
                        task.add_done_callback(self._tasks.discard)
                        task.add_done_callback(_log_task_failure)
                except Exception:
                    logger.exception("game {}: handler failed on {}", self.game_id, suffix)
        self._notify()

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # ----- actions -------------------------------------------------------------------------

    def _size(self) -> tuple[int, int]:
        if self.gamedata is None:
            raise GameError(f"game {self.game_id}: no gamedata yet; await connect() first")
        return self.gamedata.width, self.gamedata.height

    def ogs_move(self, move: MoveInput) -> str:
        """Any move form as OGS letters: "D4" (GTP), "dd" (OGS), (x, y), None/"pass"; a
        move off the board or unreadable is a `GameError` saying why."""
        try:
            return self._ogs_move(move)
        except GameError:
            raise
        except (ValueError, TypeError) as exc:
            raise GameError(f"game {self.game_id}: {exc}") from None

    def _ogs_move(self, move: MoveInput) -> str:
        width, height = self._size()
        if move is None:
            return ".."
        if isinstance(move, tuple):
            return xy_to_ogs(move, width, height)
        text = move.strip()
        if text in ("..", "") or text.lower() == "pass":
            return ".."
        if _OGS_MOVE.fullmatch(text):
            return xy_to_ogs(unpack_ogs(text, width, height)[0], width, height)
        parsed = parse_gtp_move(text, width, height)
        if parsed is RESIGN:
            raise GameError("resign is not a move: call resign()")
        return xy_to_ogs(parsed, width, height)

    def move(self, move: MoveInput) -> None:
        """Play a stone (or pass); the server answers with a move event or an error event.

        A move the server has not answered when the connection drops is sent again after
        the re-join if the game is still waiting for it."""
        ogs = self.ogs_move(move)
        self._sent_move = (self.move_number, ogs)
        self.realtime.send("game/move", {"game_id": self.game_id, "move": ogs})

    async def play(self, move: MoveInput, timeout: float = 30.0) -> Move:
        """Play a move and wait for the server's word: the move it sends back, or its refusal
        (out of turn, occupied point, ko, finished game, not a player), which raises
        `OGSGameError` with the server's message. `move()` is the fire-and-forget form.

        The move waited for is ours: a move of our colour at that point, after the moves we
        knew of (the opponent's move may still be on its way to us when we play).
        """
        have, errors = self.move_number, self.error_count
        ogs = self.ogs_move(move)
        width, height = self._size()
        point = None if ogs == ".." else unpack_ogs(ogs, width, height)[0]
        color = self.my_color

        def ours(game: Game) -> int | None:
            colors = game.gamedata.move_colors() if game.gamedata is not None else ()
            for index in range(have, len(game.moves)):
                if game.moves[index].point == point and colors[index] == color:
                    return index
            return None

        # With a request id, as goban sends it: a refusal may come as the reply's error,
        # which is this move's and no other's; or as a game `error` event.
        self._sent_move = (self.move_number, ogs)
        reply = asyncio.ensure_future(
            self.realtime.request("game/move", {"game_id": self.game_id, "move": ogs}, timeout)
        )
        refused: list[str] = []

        def on_reply(done: asyncio.Future[Any]) -> None:
            if done.cancelled():
                return
            error = done.exception()
            lost = (OGSNotConnected, OGSRealtimeTimeout)  # no word from the server: not a no
            if isinstance(error, OGSRealtimeError) and not isinstance(error, lost):
                refused.append(error.message)
                self._notify()

        reply.add_done_callback(on_reply)
        try:
            await self.wait_for(
                lambda g: (
                    ours(g) is not None or bool(refused) or g.error_count > errors or g.finished
                ),
                timeout,
            )
        finally:
            if not reply.done():
                reply.cancel()
        index = ours(self)
        if index is not None:
            return self.moves[index]
        if refused or self.error_count > errors:
            raise OGSGameError(
                self.game_id, f"move {ogs}", refused[0] if refused else self.last_error
            )
        raise OGSGameError(self.game_id, f"move {ogs}", f"the game ended ({self.outcome})")

    def pass_turn(self) -> None:
        self.move(None)

    def resign(self) -> None:
        self.realtime.send("game/resign", {"game_id": self.game_id})

    def cancel(self) -> None:
        """Cancel the game: allowed at its very start only; it then counts for nobody."""
        self.realtime.send("game/cancel", {"game_id": self.game_id})

    def send_latency(self) -> None:
        """Tell the server this connection's latency (the site does every 5 s while playing)."""
        latency = int(self.realtime.latency * 1000)
        self.realtime.send("game/latency", {"game_id": self.game_id, "latency": latency})

    def claim_timeout(self) -> None:
        """Tell the server the opponent's time has run out (it checks)."""
        self.realtime.send("game/timed_out", {"game_id": self.game_id})

    def undo_request(self, move_number: int | None = None) -> None:
        """Ask to take back our last move (OGS asks for the reply too when there is one)."""
        number = self.move_number if move_number is None else int(move_number)
        self.realtime.send("game/undo/request", {"game_id": self.game_id, "move_number": number})

    def undo_accept(self, move_number: int | None = None) -> None:
        """Accept the pending undo request (all the moves it asks for)."""
        self._answer_undo("game/undo/accept", move_number)

    def undo_cancel(self, move_number: int | None = None) -> None:
        """Withdraw our own undo request."""
        self._answer_undo("game/undo/cancel", move_number)

    def _answer_undo(self, command: str, move_number: int | None) -> None:
        """Answer the pending undo request (by default the one we know of)."""
        if move_number is None:
            move_number = self.undo_requested or self.move_number
        self.realtime.send(command, {"game_id": self.game_id, "move_number": int(move_number)})

    def pause(self) -> None:
        self.realtime.send("game/pause", {"game_id": self.game_id})

    def resume(self) -> None:
        self.realtime.send("game/resume", {"game_id": self.game_id})

    def chat(
        self, body: str | dict[str, Any], channel: str = "main", move_number: int | None = None
    ) -> None:
        """Say something in the game's chat: main, malkovich, personal or hidden; a body is
        text or one of OGS's typed bodies (`{"type": "analysis", ...}`)."""
        if channel not in CHAT_CHANNELS:
            raise GameError(f"chat channel {channel!r} is not one of {', '.join(CHAT_CHANNELS)}")
        self.realtime.send(
            "game/chat",
            {
                "game_id": self.game_id,
                "type": channel,
                "move_number": self.move_number if move_number is None else int(move_number),
                "body": body,
            },
        )

    def set_removed(self, stones: str | list[Point], removed: bool = True) -> None:
        """Mark stones dead (or alive again) during stone removal."""
        packed = (
            stones
            if isinstance(stones, str)
            else "".join(xy_to_ogs(p, *self._size()) for p in stones)
        )
        self.realtime.send(
            "game/removed_stones/set",
            {"game_id": self.game_id, "removed": removed, "stones": packed},
        )

    def accept_removed(self) -> None:
        """Accept the stones marked dead now; the game ends when both players have."""
        self.realtime.send(
            "game/removed_stones/accept",
            {"game_id": self.game_id, "stones": self.removed, "strict_seki_mode": False},
        )

    def reject_removed(self) -> None:
        """Refuse the removal: the game goes back to play."""
        self.realtime.send("game/removed_stones/reject", {"game_id": self.game_id})


def _log_task_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.opt(exception=task.exception()).error("game handler task failed")
