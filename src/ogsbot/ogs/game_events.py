"""How a live game keeps its state true to the server's events, and heals when it cannot.

Moves are kept by move number (duplicates dropped; a gap or a move our board refuses makes
the game ask for fresh gamedata). After every reconnect the game re-joins, and a move whose
frame was lost with the connection is sent again. A game is `finished` once the server has
said so and its outcome is known: a `phase` event "finished" counts from the gamedata (with
outcome) that follows it, so a record written at the end of a game always has its result.

Nothing is stored before it is validated: a gamedata `GameData` refuses, a move off the
board, an unknown phase or one that contradicts the moves ("stone removal" without two
passes at the end: OGS enters it only after two passes in a row), a malformed clock, undo or
rengo `player_update` is logged (naming the game and what was wrong) and dropped; the game
keeps what it had, says it is `resyncing` and asks for fresh gamedata, at most once per
`RESYNC_PAUSE` (doubled after each refused answer, up to `RESYNC_PAUSE_MAX`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Any

from loguru import logger

from ogsbot.ogs.board import Color, GameState, IllegalMoveError, ruleset
from ogsbot.ogs.coords import unpack_ogs
from ogsbot.ogs.errors import OGSNotConnected
from ogsbot.ogs.game_view import GameView
from ogsbot.ogs.models import PHASES, ChatLine, Clock, GameData, MoveEvent, UndoRequest, utf8_safe
from ogsbot.ogs.realtime import Realtime

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


class GameEvents(GameView):
    """A game's state, kept from its events: `_apply` takes one; resyncs and re-sends."""

    def __init__(self, realtime: Realtime, game_id: int, *, chat: bool = False) -> None:
        super().__init__(realtime, game_id, chat=chat)
        self._awaiting = False  # a game/connect is out and no gamedata has answered it yet
        self._resync_timer: asyncio.TimerHandle | None = None  # a resync waiting its pause
        self._resync_pause = RESYNC_PAUSE
        self._resync_next = 0.0  # loop time before which the game asks for no resync itself
        self._sent_move: tuple[int, str] | None = None  # (moves before it, OGS move), unseen
        self._rejoined = False  # re-joined after a reconnect; its gamedata is not in yet
        self._resend: asyncio.TimerHandle | None = None

    # ----- joining again, asking again ----------------------------------------------------

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

    def _stop_timers(self) -> None:
        """No resync and no re-send from now on (the game is left)."""
        if self._resync_timer is not None:
            self._resync_timer.cancel()
            self._resync_timer = None
        self._sent_move = None
        if self._resend is not None:
            self._resend.cancel()
            self._resend = None

    # ----- events ------------------------------------------------------------------------

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
