"""A live OGS game: joined with `game/connect`, its state kept from the server's events.

`Game` holds the gamedata, the moves (duplicates dropped by move number; a gap or a move our
board refuses makes it ask for fresh gamedata), a board with captures, the clock, the phase
and the outcome. It re-joins by itself after every reconnect, and sends again a move whose
frame was lost with the connection. Actions take moves in any of the forms a user has at
hand: GTP ("D4"), OGS ("dd"), a point (x, y), or None / "pass".

A game is `finished` once the server has said so and its outcome is known: a `phase` event
"finished" counts from the gamedata (with outcome) that follows it, so a record written at
the end of a game always has its result.

Nothing is stored before it is validated: a gamedata `GameData` refuses, a move off the
board, an unknown phase or one that contradicts the moves ("stone removal" without two
passes at the end: OGS enters it only after two passes in a row), a malformed clock, undo or
rengo `player_update` is logged (naming the game and what was wrong) and dropped; the game
keeps what it had, says it is `resyncing` and asks for fresh gamedata, at most once per
`RESYNC_PAUSE` (doubled after each refused answer, up to `RESYNC_PAUSE_MAX`).

Whose turn it is by the server's word is `current_player` / `is_turn_of(player_id)`: the
clock's `current_player` while no move has come since that clock, else the active player of
the colour to move (in rengo, teams rotate players within a colour; `player_update` events
keep the active players current).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
from collections.abc import Callable
from typing import Any

from loguru import logger

from ogsbot.ogs.board import Color, GameState, IllegalMoveError, ruleset
from ogsbot.ogs.coords import RESIGN, Point, parse_gtp_move, unpack_ogs, xy_to_ogs
from ogsbot.ogs.errors import (
    OGSError,
    OGSGameError,
    OGSNotConnected,
    OGSRealtimeError,
    OGSRealtimeTimeout,
)
from ogsbot.ogs.models import (
    PHASES,
    ChatLine,
    Clock,
    GameData,
    Move,
    MoveEvent,
    UndoRequest,
    utf8_safe,
)
from ogsbot.ogs.realtime import Realtime

GameHandler = Callable[["Game", str, Any], Any]  # (game, event suffix, data)
MoveInput = str | Point | None

_OGS_MOVE = re.compile(r"[a-y]{2}")
CHAT_CHANNELS = ("main", "malkovich", "personal", "hidden")
RESYNC_PAUSE = 1.0  # s at least between resyncs the game asks for itself
RESYNC_PAUSE_MAX = 60.0  # s: the pause doubles after each refused gamedata, up to this
STATE_EVENTS = frozenset(
    {"gamedata", "move", "phase", "clock", "undo_accepted", "removed_stones", "player_update"}
)
"""Events that change the game: a malformed one leaves the game stale, so it resyncs."""
RESEND_GRACE = 1.0  # seconds a move queued offline gets to show up before it is sent again
OUTCOME_WAIT = 3.0  # seconds the gamedata after phase "finished" gets before it is asked for


def _board_color(color: str) -> Color:
    return "b" if color.startswith("b") else "w"


class GameError(OGSError, ValueError):
    """A game action that cannot be sent (bad move text, game not joined yet...)."""


class Game:
    """One game followed live on a `Realtime` connection."""

    def __init__(
        self,
        realtime: Realtime,
        game_id: int,
        *,
        chat: bool = False,
        on_event: GameHandler | None = None,
    ) -> None:
        self.realtime = realtime
        self.game_id = int(game_id)
        self.chat_enabled = chat
        self.gamedata: GameData | None = None
        self.state: GameState | None = None
        self.clock: Clock | None = None
        self.phase = ""
        self.removed = ""
        self.chat_lines: list[ChatLine] = []
        self.pending_undo: UndoRequest | None = None  # the opponent's or ours, pending
        self.latencies: dict[int, float] = {}  # player id -> ms, from `latency` events
        self.last_error = ""
        self.error_count = 0  # `error` events so far: an action waits for this to move
        self.gamedata_count = 0  # how many gamedata objects arrived (resyncs included)
        self._resyncing = False  # a resync was asked for and its gamedata is not in yet
        self._awaiting = False  # a game/connect is out and no gamedata has answered it yet
        self._resync_timer: asyncio.TimerHandle | None = None  # a resync waiting its pause
        self._resync_pause = RESYNC_PAUSE
        self._resync_next = 0.0  # loop time before which the game asks for no resync itself
        self.refused_count = 0  # events refused as invalid so far
        self.last_refused = ""  # what the last refused event was and why
        self._clock_moves = -1  # how many moves the game had when `clock` came
        self._handlers: list[GameHandler] = [on_event] if on_event is not None else []
        self._unsubscribe: list[Callable[[], None]] = []
        self._changed = asyncio.Event()  # replaced after each event: waiters wake up
        self.joined = False
        self._tasks: set[asyncio.Future[Any]] = set()
        self._sent_move: tuple[int, str] | None = None  # (moves before it, OGS move), unseen
        self._rejoined = False  # re-joined after a reconnect; its gamedata is not in yet
        self.ending = False  # the server said "finished"; the outcome has not come yet
        self._resend: asyncio.TimerHandle | None = None

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

    def _send_connect(self) -> None:
        self._awaiting = True
        self.realtime.send("game/connect", {"game_id": self.game_id, "chat": self.chat_enabled})

    def _rejoin(self) -> None:
        """After a reconnect: join again, then see whether our last move was lost."""
        self._rejoined = True
        self._send_connect()

    def _check_sent_move(self) -> None:
        """The gamedata after a re-join lacks the move we sent and it is still our turn: the
        frame went out on the lost connection and the server never read it. Send it again,
        unless it shows up within RESEND_GRACE (it was queued offline and follows the join)."""
        sent = self._sent_move
        if sent is None or self.gamedata is None:
            return
        if len(self.gamedata.moves) != sent[0] or not self.my_turn:
            if len(self.gamedata.moves) > sent[0] or self.finished:
                self._sent_move = None
            return
        if self._resend is not None:
            self._resend.cancel()
        loop = asyncio.get_running_loop()
        self._resend = loop.call_later(RESEND_GRACE, self._send_again, sent)

    def _send_again(self, sent: tuple[int, str]) -> None:
        self._resend = None
        if self._sent_move != sent or not self.joined or not self.realtime.connected:
            return
        if self.gamedata is None or len(self.gamedata.moves) != sent[0] or not self.my_turn:
            return
        logger.warning(
            "game {}: move {} was lost with the connection: sending it again",
            self.game_id,
            sent[0] + 1,
        )
        self.realtime.send("game/move", {"game_id": self.game_id, "move": sent[1]})

    def resync(self) -> None:
        """Ask the server for fresh gamedata now (what a gap in the moves calls for)."""
        logger.info("game {}: asking for fresh gamedata", self.game_id)
        self._resyncing = True
        if self._resync_timer is not None:
            self._resync_timer.cancel()
            self._resync_timer = None
        self._resync_next = asyncio.get_running_loop().time() + self._resync_pause
        self._send_connect()

    def _resync_once(self) -> None:
        """Resync, unless one is on its way or waiting its pause (a burst of gaps needs one);
        the game is `resyncing` from now on either way."""
        self._resyncing = True
        if self._awaiting or self._resync_timer is not None or not self.joined:
            return
        loop = asyncio.get_running_loop()
        wait = self._resync_next - loop.time()
        if wait > 0:
            self._resync_timer = loop.call_later(wait, self._resync_due)
        else:
            self.resync()

    def _resync_due(self) -> None:
        self._resync_timer = None
        if self.joined and self._resyncing and not self._awaiting:
            with contextlib.suppress(OGSNotConnected):  # the re-join after a reconnect asks
                self.resync()

    def _refuse(self, suffix: str, reason: object) -> None:
        """Drop an event that fails validation: say so, keep what we had, resync if it was
        one that changes the game."""
        self.refused_count += 1
        self.last_refused = f"{suffix}: {reason}"
        if suffix not in STATE_EVENTS:
            logger.warning("game {}: malformed {} event skipped: {}", self.game_id, suffix, reason)
            return
        logger.warning(
            "game {}: {} event refused ({}): keeping what we had, asking for fresh gamedata",
            self.game_id,
            suffix,
            reason,
        )
        if suffix == "gamedata":  # an answer, if a bad one: the next ask waits longer
            self._awaiting = False
            self._resync_pause = min(self._resync_pause * 2, RESYNC_PAUSE_MAX)
        self._resync_once()

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
        if self._resync_timer is not None:
            self._resync_timer.cancel()
            self._resync_timer = None
        self._sent_move = None
        if self._resend is not None:
            self._resend.cancel()
            self._resend = None

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

    # ----- what the game is now ------------------------------------------------------------

    @property
    def resyncing(self) -> bool:
        """Fresh gamedata was asked for and is not in yet: what the game holds may be stale."""
        return self._resyncing

    @property
    def undo_requested(self) -> int | None:
        """The move number of the pending undo request, if any (the seed's name)."""
        return self.pending_undo.move_number if self.pending_undo is not None else None

    @undo_requested.setter
    def undo_requested(self, value: int | None) -> None:
        self.pending_undo = None if value is None else UndoRequest(int(value))

    @property
    def my_id(self) -> int:
        return int(self.realtime.user.get("id", 0))

    @property
    def my_color(self) -> str | None:
        """ "black" or "white" for the logged-in player, None for a spectator."""
        return self.gamedata.color_of(self.my_id) if self.gamedata else None

    @property
    def moves(self) -> tuple[Move, ...]:
        return self.gamedata.moves if self.gamedata else ()

    @property
    def move_number(self) -> int:
        return len(self.moves)

    @property
    def to_move(self) -> str | None:
        """ "black" or "white": whose turn it is (free handicap placement included).

        The clock says it best (rengo teams too), but only while no move has come since: a
        move event arrives before its clock, and in between the clock names the mover.
        """
        if self.gamedata is None:
            return None
        clock_current = self._clock_moves == len(self.gamedata.moves)
        if self.clock is not None and self.clock.current_player and clock_current:
            color = self.gamedata.color_of(self.clock.current_player)
            if color is not None:
                return color
        return self.gamedata.to_move()

    @property
    def current_player(self) -> int | None:
        """The id of the player to move by the server's word; None before any gamedata.

        The clock's `current_player`, while no move has come since that clock (a move event
        arrives before its clock) and it names a player of this game; else the active player
        of the colour to move (`black_player_id` / `white_player_id`, kept current in rengo
        by `player_update` events)."""
        gd = self.gamedata
        if gd is None:
            return None
        clock = self.clock
        if (
            clock is not None
            and clock.current_player
            and self._clock_moves == len(gd.moves)
            and gd.color_of(clock.current_player) is not None
        ):
            return clock.current_player
        return gd.to_move_player_id()

    def is_turn_of(self, player_id: int) -> bool:
        """Whether `player_id` is to move now by the server's word: the game is in play (and
        not ending) and `current_player` is them. In rengo a player whose team is to move
        while a teammate plays next gets False."""
        return (
            self.phase == "play"
            and not self.ending
            and bool(player_id)
            and self.current_player == player_id
        )

    @property
    def my_turn(self) -> bool:
        """Whether the logged-in player is to move (`is_turn_of(my_id)`)."""
        return self.is_turn_of(self.my_id)

    @property
    def finished(self) -> bool:
        """The game is over and its `outcome` is in (the gamedata says it is finished)."""
        return self.phase == "finished"

    @property
    def outcome(self) -> str:
        return self.gamedata.outcome if self.gamedata else ""

    @property
    def winner(self) -> int | str | None:
        return self.gamedata.winner if self.gamedata else None

    # ----- events ------------------------------------------------------------------------

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

    def _apply(self, suffix: str, data: Any) -> bool:
        """Update the state from one event; False when it is dropped (duplicate, stale, gap)."""
        if suffix == "gamedata":
            self._set_gamedata(GameData.from_json(data))
        elif suffix == "move":
            return self._on_move(data)
        elif suffix == "player_update":
            self._on_player_update(data)
        elif suffix == "clock":
            clock = Clock.from_json(data)
            if self.clock is not None and 0 < clock.last_move < self.clock.last_move:
                logger.debug("game {}: stale clock dropped", self.game_id)
                return False  # overtaken by a newer one: it would say the wrong player moves
            self.clock = clock
            self._clock_moves = self.move_number
        elif suffix == "phase":
            phase = self._checked_phase(data)
            if phase == "finished" and not (self.gamedata is not None and self.gamedata.finished):
                # The outcome comes with the gamedata that follows: the game is finished from
                # then on (asked for if it has not come within a few seconds).
                loop = asyncio.get_running_loop()
                loop.call_later(OUTCOME_WAIT, self._outcome_overdue)
                self.ending = True
                return True
            self.phase = phase
            self.ending = False
        elif suffix == "removed_stones":
            self._on_removed_stones(data)
        elif suffix == "undo_requested":
            self.pending_undo = UndoRequest.from_json(data)
        elif suffix == "undo_canceled":
            self.pending_undo = None
        elif suffix == "undo_accepted":
            self._on_undo(UndoRequest.from_json(data))
        elif suffix == "latency":
            if isinstance(data, dict) and "player_id" in data and "latency" in data:
                self.latencies[int(data["player_id"])] = float(data["latency"])
        elif suffix == "chat":
            self.chat_lines.append(ChatLine.from_json(data))
        elif suffix == "error":
            if isinstance(data, dict) and isinstance(data.get("message"), str):
                data = data["message"]
            if not isinstance(data, str):
                raise ValueError(f"an error is a message, not {type(data).__name__} {data!r}")
            self.last_error = utf8_safe(data)
            self.error_count += 1
            self._sent_move = None  # whatever we sent last was read, and refused
            logger.warning("game {}: server error: {}", self.game_id, self.last_error)
        return True

    def _checked_phase(self, data: Any) -> str:
        """The phase a `phase` event names, or ValueError if it is none or contradicts what
        we hold: OGS enters stone removal after two passes in a row only, and a finished
        game stays finished (a fresh gamedata has the last word on either)."""
        if not isinstance(data, str) or data not in PHASES:
            raise ValueError(f"phase {data!r} is not one of {', '.join(PHASES)}")
        if self.gamedata is None:
            raise ValueError(f"phase {data!r} before any gamedata")
        if self.finished and data != "finished":
            raise ValueError(f"phase {data!r} in a finished game")
        moves = self.gamedata.moves
        if data == "stone removal" and not (
            len(moves) >= 2 and moves[-1].is_pass and moves[-2].is_pass
        ):
            raise ValueError(f"phase {data!r} without two passes at the end of the moves")
        return data

    def _on_removed_stones(self, data: Any) -> None:
        """The stones marked dead now (`all_removed`), checked to be points on the board; the
        `{strict_seki_mode}` form changes none."""
        if not isinstance(data, dict):
            raise ValueError(f"removed_stones {data!r} is not an object")
        packed = data.get("all_removed", data.get("stones"))
        if packed is None:
            return
        if self.gamedata is None:
            raise ValueError("removed_stones before any gamedata")
        if not isinstance(packed, str):
            raise ValueError(f"removed stones {packed!r} are not packed letters")
        unpack_ogs(packed, self.gamedata.width, self.gamedata.height)  # ValueError if off it
        self.removed = packed

    def _on_player_update(self, data: Any) -> None:
        """Rengo: the active player of each colour and the teams' order changed."""
        if self.gamedata is None:
            raise ValueError("player_update before any gamedata")
        if not isinstance(data, dict):
            raise ValueError(f"player_update {data!r} is not an object")
        self.gamedata = self.gamedata.with_players(data.get("players"), data.get("rengo_teams"))
        self._clock_moves = -1  # a clock from before names the player of before

    def _outcome_overdue(self) -> None:
        if self.joined and not self.finished:
            self._resync_once()

    def _set_gamedata(self, gamedata: GameData) -> None:
        state = self._replay(gamedata)
        self.gamedata = gamedata
        self.state = state
        self.gamedata_count += 1
        self._resyncing = False
        self._awaiting = False
        self._resync_pause = RESYNC_PAUSE
        if self._resync_timer is not None:
            self._resync_timer.cancel()
            self._resync_timer = None
        self.ending = False  # the gamedata has the last word on the phase
        self.phase = gamedata.phase
        self.removed = gamedata.removed
        if gamedata.clock is not None:
            self.clock = gamedata.clock
            self._clock_moves = len(gamedata.moves)
        if self._rejoined:
            self._rejoined = False
            self._check_sent_move()

    def _replay(self, gamedata: GameData) -> GameState | None:
        """The board after every move, or None if our rules model disagrees with the server."""
        w, h = gamedata.width, gamedata.height
        try:
            rules = ruleset(gamedata.rules or "japanese")
        except ValueError:
            rules = ruleset("japanese")
        for attempt in (rules, dataclasses.replace(rules, ko_rule="simple", suicide_allowed=True)):
            state = GameState(
                w,
                h,
                attempt,
                black=unpack_ogs(gamedata.initial_state_black, w, h),
                white=unpack_ogs(gamedata.initial_state_white, w, h),
                to_move=_board_color(gamedata.initial_player),
            )
            try:
                for color, move in zip(gamedata.move_colors(), gamedata.moves, strict=True):
                    state.play(_board_color(color), move.point)
            except IllegalMoveError as exc:
                logger.warning(
                    "game {}: server moves break our {} model: {}", self.game_id, attempt.name, exc
                )
                continue
            return state
        return None

    def _on_move(self, data: Any) -> bool:
        if self.gamedata is None:
            self._resync_once()
            return False
        event = MoveEvent.from_json(data)
        number, move = event.move_number, event.move
        self.gamedata.check_move(move)  # off the board: refused, and fresh gamedata asked for
        have = len(self.gamedata.moves)
        if number <= have:
            logger.debug("game {}: duplicate move {} dropped", self.game_id, number)
            return False
        if number > have + 1:
            logger.warning("game {}: move {} arrived after {}: resync", self.game_id, number, have)
            self._resync_once()
            return False
        gamedata = self.gamedata.with_move(move)
        color = gamedata.move_colors()[-1]
        if self.state is not None:
            try:
                self.state.play(_board_color(color), move.point)
            except IllegalMoveError as exc:
                logger.warning(
                    "game {}: move {} refused by our board ({}): the server's word holds",
                    self.game_id,
                    number,
                    exc,
                )
                self.gamedata = gamedata
                self.state = self._replay(gamedata)
                return True
        self.gamedata = gamedata
        self.pending_undo = None
        if self._sent_move is not None and number > self._sent_move[0]:
            self._sent_move = None
        return True

    def _on_undo(self, accepted: UndoRequest) -> None:
        """Take back the moves of an accepted undo: `count` of them (the request's when the
        event has none). The event's number is the request's (the move list's length) or,
        as goban's docs have it, the number after the undo; anything else is a game we no
        longer follow, and fresh gamedata is asked for."""
        pending, self.pending_undo = self.pending_undo, None
        if self.gamedata is None:
            return
        if accepted.count is not None:  # the event's word wins, as in goban
            count = accepted.count
        else:  # the old form carries no count: the request's holds
            count = pending.moves if pending is not None else 1
        have = len(self.gamedata.moves)
        if accepted.move_number not in (have, have - count) or count > have:
            logger.warning(
                "game {}: undo of {} move(s) at {} does not fit our {} moves: resync",
                self.game_id,
                count,
                accepted.move_number,
                have,
            )
            self._resync_once()
            return
        self.gamedata = dataclasses.replace(self.gamedata, moves=self.gamedata.moves[:-count])
        self._clock_moves = -1  # the clock names the player of before the undo
        for _ in range(count):
            if self.state is not None and self.state.move_number:
                self.state.undo()

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
        if move_number is None:
            move_number = self.undo_requested or self.move_number
        self.realtime.send(
            "game/undo/accept", {"game_id": self.game_id, "move_number": int(move_number)}
        )

    def undo_cancel(self, move_number: int | None = None) -> None:
        """Withdraw our own undo request."""
        if move_number is None:
            move_number = self.undo_requested or self.move_number
        self.realtime.send(
            "game/undo/cancel", {"game_id": self.game_id, "move_number": int(move_number)}
        )

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
