"""One game on the emulated server: legality, handicap, clocks, phases and scoring.

The referee is pure: every action takes the time `now` (epoch seconds) and returns the
events to broadcast as (name suffix, data), e.g. ("move", {...}) for `game/<id>/move`. The
server owns sockets and timers; the referee owns the truth about the game, in OGS's shapes
(game_record.py).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from ogsbot.ogs.board import Board, Color, IllegalMoveError, estimate_dead, score
from ogsbot.ogs.coords import Point, unpack_ogs
from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.clocks import PlayerTime, time_per_move
from ogsbot.sandbox.game_record import (
    BOT_SCORING_DELAY,
    FREE_PLACEMENT_RULES,
    STONE_REMOVAL_TIMEOUT,
    Event,
    GameRecord,
    GameSettings,
    RefereeError,
    free_handicap_placement,
    handicap_points,
)

__all__ = [
    "BOT_SCORING_DELAY",
    "FREE_PLACEMENT_RULES",
    "STONE_REMOVAL_TIMEOUT",
    "Event",
    "GameSettings",
    "PlayerTime",
    "Referee",
    "RefereeError",
    "free_handicap_placement",
    "handicap_points",
    "time_per_move",
]


class Referee(GameRecord):
    """A game and the rules that change it: moves, undo, pause, stone removal, the result."""

    # ----- saving and restoring -------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything needed to rebuild the game after a server restart."""
        return {
            "game_id": self.game_id,
            "black": self.black.id,
            "white": self.white.id,
            "settings": self.settings.to_state(),
            "start_time": self.start_time,
            "moves": [[c, *(p if p is not None else (-1, -1))] for c, p in self.state.moves],
            "move_times": self.move_times,
            "times": {c: vars(t) for c, t in self.times.items()},
            "last_move": self.last_move,
            "paused_since": self.paused_since,
            "pausing_player": self.pausing_player,
            "phase": self.phase,
            "removed": sorted(self.removed),
            "accepted": self.accepted,
            "stone_removal_started": self.stone_removal_started,
            "stone_removal_timeout": self.stone_removal_timeout,
            "bot_scoring_delay": self.bot_scoring_delay,
            "outcome": self.outcome,
            "winner": self.winner,
            "end_time": self.end_time,
            "chat": self.chat,
            "state_version": self.state_version,
            "undo": [self.undo_requested, self.undo_requested_by, self.undo_move_count],
        }

    @classmethod
    def from_state(cls, data: dict[str, Any], accounts: dict[int, Account]) -> Referee:
        referee = cls(
            int(data["game_id"]),
            accounts[int(data["black"])],
            accounts[int(data["white"])],
            GameSettings.from_state(data["settings"]),
            float(data["start_time"]),
            stone_removal_timeout=float(data["stone_removal_timeout"]),
            bot_scoring_delay=float(data.get("bot_scoring_delay", BOT_SCORING_DELAY)),
        )
        for color, x, y in data["moves"]:
            referee.state.play(color, None if x < 0 else (x, y))
        referee.move_times = [int(ms) for ms in data["move_times"]]
        referee.times = {c: PlayerTime(**t) for c, t in data["times"].items()}
        referee.last_move = float(data["last_move"])
        referee.paused_since = data["paused_since"]
        referee.pausing_player = data["pausing_player"]
        referee.phase = str(data["phase"])
        referee.removed = {(int(x), int(y)) for x, y in data["removed"]}
        referee.accepted = dict(data["accepted"])
        referee.stone_removal_started = float(data["stone_removal_started"])
        referee.outcome = str(data["outcome"])
        referee.winner = data["winner"]
        referee.end_time = data["end_time"]
        referee.chat = list(data["chat"])
        referee.state_version = int(data["state_version"])
        undo = data.get("undo") or [None, None, 0]  # older state files have none
        referee.undo_requested, referee.undo_requested_by, referee.undo_move_count = undo
        if referee.finished and referee.outcome.endswith("points"):
            s = referee.settings
            referee.score = score(referee.state, referee.removed, referee.rules, s.komi, s.handicap)
        return referee

    # ----- actions --------------------------------------------------------------------

    def _require(self, player_id: int, phase: str) -> Color:
        color = self.color_of(player_id)
        if color is None:
            raise RefereeError("not_a_player", "you are not a player in this game")
        if self.phase != phase:
            raise RefereeError("wrong_phase", f"the game is in phase {self.phase!r}, not {phase!r}")
        return color

    def move(self, player_id: int, point: Point | None, now: float) -> list[Event]:
        """Play a stone or pass for `player_id`; an illegal move raises and changes nothing."""
        color = self._require(player_id, "play")
        if self.paused_since is not None:
            raise RefereeError("paused", "the game is paused")
        if color != self.to_move():
            raise RefereeError("not_your_turn", "it is not your turn")
        if point is None and self._placing_handicap():
            raise RefereeError("illegal_move", "handicap stones must be placed, not passed")
        elapsed = max(0.0, now - self.last_move)
        if not self.times[color].charge(self.settings.time_control, elapsed):
            return self._finish_timeout(color, now)
        try:
            self.state.play(color, point)
        except IllegalMoveError as exc:
            raise RefereeError("illegal_move", f"illegal move: {exc}") from None
        ms = int(elapsed * 1000)
        self.move_times.append(ms)
        self.last_move = now
        self._clear_undo()  # a new move lapses a pending request, as on OGS
        self.state_version += 1
        x, y = point if point is not None else (-1, -1)
        events: list[Event] = [
            (
                "move",
                {
                    "game_id": self.game_id,
                    "move_number": self.state.move_number,
                    "move": [x, y, ms],
                },
            ),
        ]
        if self.state.consecutive_passes >= 2:
            events += self._enter_stone_removal(now)
        events.append(("clock", self.clock(now)))
        return events

    def play_setup(self, moves: Iterable[Point | None]) -> None:
        """Play moves that were made before the server knew the game (a game created as if
        long under way): each took no time on the clock. An illegal one raises RefereeError
        and the moves before it stay played."""
        tc = self.settings.time_control
        for point in moves:
            if self.phase != "play":
                raise RefereeError("wrong_phase", "two passes ended play: no more moves")
            color = self.to_move()
            if point is None and self._placing_handicap():
                raise RefereeError("illegal_move", "handicap stones must be placed, not passed")
            try:
                self.state.play(color, point)
            except IllegalMoveError as exc:
                number = self.state.move_number + 1
                raise RefereeError("illegal_move", f"move {number}: illegal: {exc}") from None
            self.times[color].charge(tc, 0.0)
            self.move_times.append(0)
            self.state_version += 1
            if self.state.consecutive_passes >= 2:
                self.phase = "stone removal"
                self.stone_removal_started = self.last_move
                self.removed = estimate_dead(self.state)

    def random_point(self, rng: random.Random, tries: int = 200) -> Point | None:
        """A random legal stone for the player to move that does not fill one of their own
        single-point eyes (points drawn at random, `tries` at most); None when none is found."""
        width, height = self.settings.width, self.settings.height
        board = self.state.board
        color = self.to_move()
        for _ in range(tries):
            point = rng.randrange(width), rng.randrange(height)
            if board.get(point) is not None or _own_eye(board, point, color):
                continue
            if self.state.is_legal(color, point):
                return point
        return None

    def random_moves(self, count: int, rng: random.Random) -> list[Point]:
        """Play `count` random stones (`random_point`) as setup moves; fewer when the board
        has no such point left."""
        played: list[Point] = []
        for _ in range(count):
            point = self.random_point(rng)
            if point is None:
                break
            self.play_setup([point])
            played.append(point)
        return played

    def _placing_handicap(self) -> bool:
        handicap = self.settings.handicap
        return (
            self.settings.free_handicap_placement
            and handicap >= 2
            and self.state.move_number < handicap
        )

    def can_be_cancelled(self) -> bool:
        """Whether the game may still be cancelled: goban's `gameCanBeCancelled` (in play,
        fewer than 5 + (free handicap placement ? handicap : 1) moves made)."""
        if self.phase != "play":
            return False
        s = self.settings
        return self.state.move_number < 5 + (s.handicap if s.free_handicap_placement else 1)

    def cancel(self, player_id: int, now: float) -> list[Event]:
        """End the game at its very start with no winner, unranked (OGS's `game/cancel`)."""
        if self.color_of(player_id) is None:
            raise RefereeError("not_a_player", "you are not a player in this game")
        if self.finished:
            raise RefereeError("wrong_phase", "the game is already over")
        if not self.can_be_cancelled():
            raise RefereeError(
                "cannot_cancel", "the game is past its first moves and can no longer be cancelled"
            )
        self.settings.ranked = False
        return self._finish(None, "Cancellation", now)

    def resign(self, player_id: int, now: float) -> list[Event]:
        color = self.color_of(player_id)
        if color is None:
            raise RefereeError("not_a_player", "you are not a player in this game")
        if self.finished:
            raise RefereeError("wrong_phase", "the game is already over")
        winner: Color = "w" if color == "b" else "b"
        return self._finish(winner, "Resignation", now)

    def check_time(self, now: float) -> list[Event]:
        """Finish the game if the player to move ran out of time (or removal timed out)."""
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return []
        if self.phase == "stone removal":
            return self._finish_scored(now)
        return self._finish_timeout(self.to_move(), now)

    def _finish_timeout(self, loser: Color, now: float) -> list[Event]:
        self.times[loser] = PlayerTime(thinking_time=0.0)
        return self._finish("w" if loser == "b" else "b", "Timeout", now)

    def _finish(self, winner: Color | None, outcome: str, now: float) -> list[Event]:
        self.phase = "finished"
        self.outcome = outcome
        self.winner = self.account(winner).id if winner is not None else None
        self.end_time = now
        self.state_version += 1
        # OGS's order: the final gamedata first. A client that marks the phase on the phase
        # event and ends its game on a *change* to a finished gamedata (gtp2ogs) would miss
        # the end otherwise.
        return [("gamedata", self.gamedata(now)), ("phase", "finished"), ("clock", self.clock(now))]

    # ----- undo and pause ---------------------------------------------------------------

    def request_undo(self, player_id: int, move_number: int, now: float) -> list[Event]:
        """Ask to take back one's last move, or one's last move and the opponent's reply.

        `move_number` is the current move number (what goban sends); the event says how many
        moves the request covers (`undo_move_count`, 1 or 2) and who asked.
        """
        color = self._require(player_id, "play")
        if self.state.move_number == 0 or move_number != self.state.move_number:
            raise RefereeError("bad_undo", f"cannot undo move {move_number}")
        if self.undo_requested is not None and self.undo_requested_by != player_id:
            raise RefereeError("bad_undo", "the opponent's undo request is waiting for an answer")
        moves = self.state.moves
        if moves[-1][0] == color:
            count = 1
        elif len(moves) >= 2 and moves[-2][0] == color:
            count = 2
        else:
            raise RefereeError("bad_undo", "you have no move of your own to take back")
        self.undo_requested = move_number
        self.undo_requested_by = player_id
        self.undo_move_count = count
        return [("undo_requested", self._undo_request())]

    def _undo_request(self) -> dict[str, Any]:
        return {
            "move_number": self.undo_requested,
            "requested_by": self.undo_requested_by,
            "undo_move_count": self.undo_move_count,
        }

    def _clear_undo(self) -> None:
        self.undo_requested = None
        self.undo_requested_by = None
        self.undo_move_count = 0

    def accept_undo(self, player_id: int, move_number: int, now: float) -> list[Event]:
        """The requester's opponent agrees: the requested moves are taken back."""
        self._require(player_id, "play")
        if self.undo_requested is None or move_number != self.undo_requested:
            raise RefereeError("bad_undo", "there is no undo request for that move")
        if player_id == self.undo_requested_by:
            raise RefereeError("bad_undo", "only the opponent of the player who asked may accept")
        count = self.undo_move_count
        for _ in range(count):
            self.state.undo()
            self.move_times.pop()
        self._clear_undo()
        self.last_move = now
        self.state_version += 1
        return [
            ("undo_accepted", {"move_number": move_number, "undo_move_count": count}),
            ("gamedata", self.gamedata(now)),
            ("clock", self.clock(now)),
        ]

    def cancel_undo(self, player_id: int, move_number: int, now: float) -> list[Event]:
        """The requester withdraws, or the opponent turns the request down."""
        self._require(player_id, "play")
        self._clear_undo()
        return [("undo_canceled", move_number)]

    def pause(self, player_id: int, now: float) -> list[Event]:
        self._require(player_id, "play")
        if self.paused_since is None:
            self.paused_since = now
            self.pausing_player = player_id
        return [("gamedata", self.gamedata(now)), ("clock", self.clock(now))]

    def resume(self, player_id: int, now: float) -> list[Event]:
        self._require(player_id, "play")
        if self.paused_since is not None:
            self.last_move += now - self.paused_since
            self.paused_since = None
            self.pausing_player = None
        return [("gamedata", self.gamedata(now)), ("clock", self.clock(now))]

    # ----- stone removal ---------------------------------------------------------------

    def _enter_stone_removal(self, now: float) -> list[Event]:
        self.phase = "stone removal"
        self.stone_removal_started = now
        self.removed = estimate_dead(self.state)
        self.accepted = {}
        stones = self._packed(self.removed)
        return [
            ("phase", "stone removal"),
            ("removed_stones", {"removed": True, "stones": stones, "all_removed": stones}),
        ]

    def set_removed(self, player_id: int, stones: str, removed: bool, now: float) -> list[Event]:
        self._require(player_id, "stone removal")
        points = set(unpack_ogs(stones, self.settings.width, self.settings.height))
        self.removed = self.removed | points if removed else self.removed - points
        self.accepted = {}
        self.state_version += 1
        return [
            (
                "removed_stones",
                {"removed": removed, "stones": stones, "all_removed": self._packed(self.removed)},
            )
        ]

    def accept_removed(self, player_id: int, stones: str, now: float) -> list[Event]:
        color = self._require(player_id, "stone removal")
        proposed = set(unpack_ogs(stones, self.settings.width, self.settings.height))
        if proposed != self.removed:
            raise RefereeError("stale_removal", "those are not the stones marked dead now")
        self.accepted[color] = self._packed(self.removed)
        # Both accepted: the game ends first, so the event carries the final result.
        ending = self._finish_scored(now) if len(self.accepted) == 2 else []
        return [("removed_stones_accepted", self._acceptance(player_id, color)), *ending]

    def reject_removed(self, player_id: int, now: float) -> list[Event]:
        self._require(player_id, "stone removal")
        self.phase = "play"
        self.removed = set()
        self.accepted = {}
        self.last_move = now
        self.state_version += 1
        self.state.reset_passes()  # a fresh pair of passes is needed to end the game
        return [("phase", "play"), ("gamedata", self.gamedata(now)), ("clock", self.clock(now))]

    def _finish_scored(self, now: float) -> list[Event]:
        result = score(
            self.state, self.removed, self.rules, self.settings.komi, self.settings.handicap
        )
        self.score = result
        return self._finish(result.winner, result.outcome, now)


def _own_eye(board: Board, point: Point, color: Color) -> bool:
    """Whether every neighbour of `point` is a stone of `color`."""
    x, y = point
    for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
        if 0 <= nx < board.width and 0 <= ny < board.height and board.get((nx, ny)) != color:
            return False
    return True
