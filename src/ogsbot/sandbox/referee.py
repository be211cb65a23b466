"""One game on the emulated server: legality, handicap, clocks, phases and scoring.

The referee is pure: every action takes the time `now` (epoch seconds) and returns the
events to broadcast as (name suffix, data), e.g. ("move", {...}) for `game/<id>/move`. The
server owns sockets and timers; the referee owns the truth about the game, in OGS's shapes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ogsbot.ogs.board import (
    Board,
    Color,
    GameState,
    IllegalMoveError,
    Ruleset,
    Score,
    estimate_dead,
    ruleset,
    score,
)
from ogsbot.ogs.coords import Point, pack_ogs, unpack_ogs
from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.accounts import Account

Event = tuple[str, Any]

STONE_REMOVAL_TIMEOUT = 300.0  # seconds a player has to accept the removed stones
# OGS scores games against bots itself: a few seconds after the passes the result stands,
# whether or not anyone accepted (online-go.com #443, #1146; gtp2ogs PR #14). The bot never
# has to answer the stone removal.
BOT_SCORING_DELAY = 5.0
FREE_PLACEMENT_RULES = ("chinese",)


class RefereeError(ValueError):
    """An action the server refuses; `code` is machine-readable, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def handicap_points(width: int, height: int, count: int) -> list[Point]:
    """Fixed handicap stones as GNU Go places them (x, y from the top-left).

    Third line up to 11 points wide, fourth line from 12; at most 4 stones on even or
    small boards, 9 on odd boards from 9x9. Non-square boards use each side's own lines.
    """
    size = min(width, height)
    if size < 7 or count < 2:
        raise RefereeError("bad_handicap", f"no fixed handicap of {count} on {width}x{height}")
    maximum = 9 if width % 2 == 1 and height % 2 == 1 and size >= 9 else 4
    if count > maximum:
        raise RefereeError(
            "bad_handicap", f"at most {maximum} fixed handicap stones on {width}x{height}"
        )

    def lines(n: int) -> tuple[int, int, int]:
        low = 3 if n >= 12 else 2
        return low, n // 2, n - 1 - low

    left, centre_x, right = lines(width)
    top, centre_y, bottom = lines(height)
    # GNU Go's order: lower left, upper right, upper left, lower right, sides, top/bottom, centre.
    points = [(left, bottom), (right, top)]
    if count >= 3:
        points.append((left, top))
    if count >= 4:
        points.append((right, bottom))
    if count in (6, 7, 8, 9):
        points += [(left, centre_y), (right, centre_y)]
    if count in (8, 9):
        points += [(centre_x, top), (centre_x, bottom)]
    if count in (5, 7, 9):
        points.append((centre_x, centre_y))
    return points


@dataclass
class PlayerTime:
    """One player's clock on the server, in seconds, for any of the six systems."""

    thinking_time: float = 0.0
    periods: int = 0
    moves_left: int = 0
    block_time: float = 0.0

    @classmethod
    def start(cls, tc: TimeControl) -> PlayerTime:
        system = tc.system
        if system == "fischer":
            return cls(thinking_time=tc.initial_time)
        if system == "byoyomi":
            return cls(thinking_time=tc.main_time, periods=tc.periods)
        if system == "canadian":
            return cls(tc.main_time, moves_left=tc.stones_per_period, block_time=tc.period_time)
        if system == "absolute":
            return cls(thinking_time=tc.total_time)
        return cls()

    def available(self, tc: TimeControl) -> float | None:
        """Seconds this player may think on the current move before losing; None: no limit."""
        system = tc.system
        if system == "fischer" or system == "absolute":
            return self.thinking_time
        if system == "byoyomi":
            return self.thinking_time + self.periods * tc.period_time
        if system == "canadian":
            return self.thinking_time + (
                self.block_time if self.thinking_time <= 0 else tc.period_time
            )
        if system == "simple":
            return tc.per_move
        return None

    def charge(self, tc: TimeControl, elapsed: float) -> bool:
        """Charge a move that took `elapsed` seconds; False if the player ran out of time."""
        system = tc.system
        if system in ("fischer", "absolute"):
            self.thinking_time -= elapsed
            if self.thinking_time < 0:
                return False
            if system == "fischer":
                self.thinking_time = self.thinking_time + tc.time_increment
                if tc.max_time > 0:
                    self.thinking_time = min(self.thinking_time, tc.max_time)
            return True
        if system == "byoyomi":
            if elapsed <= self.thinking_time:
                self.thinking_time -= elapsed
                return True
            over = elapsed - self.thinking_time
            self.thinking_time = 0.0
            lost = int(over // tc.period_time) if tc.period_time > 0 else self.periods
            self.periods -= lost
            return self.periods >= 1
        if system == "canadian":
            if elapsed <= self.thinking_time:
                self.thinking_time -= elapsed
                return True
            if self.thinking_time > 0:  # main time ran out during this move
                elapsed -= self.thinking_time
                self.thinking_time = 0.0
                self.block_time = tc.period_time
                self.moves_left = tc.stones_per_period
            self.block_time -= elapsed
            if self.block_time < 0:
                return False
            self.moves_left -= 1
            if self.moves_left <= 0:
                self.moves_left = tc.stones_per_period
                self.block_time = tc.period_time
            return True
        if system == "simple":
            return elapsed <= tc.per_move
        return True

    def to_json(self, tc: TimeControl) -> Any:
        """The player's entry in OGS's clock (simple and none are special: see `clock`)."""
        system = tc.system
        if system == "fischer":
            return {"thinking_time": self.thinking_time, "skip_bonus": False}
        if system == "byoyomi":
            return {
                "thinking_time": self.thinking_time,
                "periods": self.periods,
                "period_time": tc.period_time,
            }
        if system == "canadian":
            return {
                "thinking_time": self.thinking_time,
                "moves_left": self.moves_left,
                "block_time": self.block_time,
            }
        return {"thinking_time": self.thinking_time}


@dataclass
class GameSettings:
    """What a game was created with, automatic values already resolved."""

    width: int = 19
    height: int = 19
    rules: str = "japanese"
    komi: float = 6.5
    handicap: int = 0
    free_handicap_placement: bool = False
    time_control: TimeControl = field(default_factory=TimeControl)
    ranked: bool = False
    name: str = "Friendly Match"
    private: bool = False
    disable_analysis: bool = False

    def to_state(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "rules": self.rules,
            "komi": self.komi,
            "handicap": self.handicap,
            "free_handicap_placement": self.free_handicap_placement,
            "time_control": self.time_control.to_json(),
            "ranked": self.ranked,
            "name": self.name,
            "private": self.private,
            "disable_analysis": self.disable_analysis,
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> GameSettings:
        return cls(**{**data, "time_control": TimeControl.from_json(data["time_control"])})


class Referee:
    """The server's authoritative view of one game."""

    def __init__(
        self,
        game_id: int,
        black: Account,
        white: Account,
        settings: GameSettings,
        now: float,
        *,
        stone_removal_timeout: float = STONE_REMOVAL_TIMEOUT,
        bot_scoring_delay: float = BOT_SCORING_DELAY,
    ) -> None:
        self.game_id = game_id
        self.black = black
        self.white = white
        self.settings = settings
        self.rules: Ruleset = ruleset(settings.rules)
        self.stone_removal_timeout = stone_removal_timeout
        self.bot_scoring_delay = bot_scoring_delay
        handicap = settings.handicap
        self.initial_black: list[Point] = []
        if handicap >= 2 and not settings.free_handicap_placement:
            self.initial_black = handicap_points(settings.width, settings.height, handicap)
        self.initial_player: Color = "w" if self.initial_black else "b"
        self.state = GameState(
            settings.width,
            settings.height,
            self.rules,
            black=self.initial_black,
            to_move=self.initial_player,
        )
        self.move_times: list[int] = []  # ms each move took
        self.phase = "play"
        self.start_time = now
        self.end_time: float | None = None
        self.last_move = now
        self.paused_since: float | None = None
        self.pausing_player: int | None = None
        self.times = {
            "b": PlayerTime.start(settings.time_control),
            "w": PlayerTime.start(settings.time_control),
        }
        self.removed: set[Point] = set()
        self.accepted: dict[Color, str] = {}
        self.stone_removal_started = 0.0
        self.undo_requested: int | None = None  # the move number the request was made at
        self.undo_requested_by: int | None = None
        self.undo_move_count = 0
        self.outcome = ""
        self.winner: int | None = None
        self.score: Score | None = None
        self.chat: list[dict[str, Any]] = []
        self.state_version = 0

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

    # ----- who and when ---------------------------------------------------------------

    @property
    def players(self) -> tuple[Account, Account]:
        return self.black, self.white

    def color_of(self, player_id: int) -> Color | None:
        if player_id == self.black.id:
            return "b"
        if player_id == self.white.id:
            return "w"
        return None

    def account(self, color: Color) -> Account:
        return self.black if color == "b" else self.white

    def to_move(self) -> Color:
        """Whose turn it is; black keeps the turn while placing free handicap stones."""
        placed = self.state.move_number
        handicap = self.settings.handicap
        if self.settings.free_handicap_placement and handicap >= 2 and placed < handicap:
            return "b"
        return self.state.to_move

    @property
    def finished(self) -> bool:
        return self.phase == "finished"

    @property
    def bot_game(self) -> bool:
        return self.black.is_bot or self.white.is_bot

    def stone_removal_deadline(self) -> float:
        """When the server scores the stones as marked: OGS does not wait for a bot."""
        wait = self.stone_removal_timeout
        if self.bot_game:
            wait = min(wait, self.bot_scoring_delay)
        return self.stone_removal_started + wait

    def deadline(self) -> float | None:
        """When the player to move, or the stone removal, runs out of time (epoch s)."""
        if self.finished or self.paused_since is not None:
            return None
        if self.phase == "stone removal":
            return self.stone_removal_deadline()
        available = self.times[self.to_move()].available(self.settings.time_control)
        return None if available is None else self.last_move + available

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

    def _packed(self, points: set[Point]) -> str:
        ordered = sorted(points, key=lambda p: (p[1], p[0]))
        return pack_ogs(ordered, self.settings.width, self.settings.height)

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

    def _acceptance(self, player_id: int, color: Color) -> dict[str, Any]:
        """The `removed_stones_accepted` event: who accepted what, and the result once over."""
        players = {}
        sides: tuple[tuple[Color, str], ...] = (("b", "black"), ("w", "white"))
        for side, key in sides:
            players[key] = {
                **self._player(self.account(side)),
                "accepted_stones": self.accepted.get(side),
                "accepted_strict_seki_mode": False,
            }
        return {
            "player_id": player_id,
            "stones": self.accepted[color],
            "strict_seki_mode": False,
            "players": players,
            "phase": self.phase,
            "score": self.score.to_json() if self.finished and self.score is not None else None,
            "winner": self.winner if self.finished else None,
            "outcome": self.outcome if self.finished else "",
            "end_time": int(self.end_time * 1000) if self.end_time is not None else None,
        }

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

    # ----- OGS shapes ------------------------------------------------------------------

    def clock(self, now: float) -> dict[str, Any]:
        """The `game/<id>/clock` event (OGS's shape, quirks included)."""
        tc = self.settings.time_control
        to_move = self.to_move()
        current = self.account(to_move).id
        deadline = self.deadline()
        if self.phase == "play" and deadline is not None:
            expiration = deadline
        else:
            expiration = self.last_move + (self.times[to_move].available(tc) or 0.0)
        data: dict[str, Any] = {
            "game_id": self.game_id,
            "title": self.settings.name,
            "current_player": current,
            "black_player_id": self.black.id,
            "white_player_id": self.white.id,
            "last_move": int(self.last_move * 1000),
            "expiration": int(expiration * 1000),
            "now": int(now * 1000),
        }
        if tc.system == "simple":
            # OGS sends the waiting player per_move seconds and the mover the expiration in ms.
            for color in ("b", "w"):
                key = "black_time" if color == "b" else "white_time"
                data[key] = data["expiration"] if color == to_move else tc.per_move
        elif tc.system != "none":
            data["black_time"] = self.times["b"].to_json(tc)
            data["white_time"] = self.times["w"].to_json(tc)
        if self.paused_since is not None:
            data["paused_since"] = int(self.paused_since * 1000)
            data["pause"] = {
                "paused": True,
                "paused_since": int(self.paused_since * 1000),
                "pause_control": self._pause_control(),
            }
        if self.phase == "stone removal":
            data["stone_removal_mode"] = True
            data["stone_removal_expiration"] = int(self.stone_removal_deadline() * 1000)
        return data

    def _pause_control(self) -> dict[str, Any]:
        control: dict[str, Any] = {}
        if self.paused_since is not None and self.pausing_player is not None:
            control["paused"] = {"pausing_player_id": self.pausing_player, "pauses_left": 4}
        if self.phase == "stone removal":
            control["stone-removal"] = True
        return control

    def _player(self, account: Account) -> dict[str, Any]:
        return {
            "id": account.id,
            "username": account.username,
            "rank": account.ranking,
            "professional": account.professional,
        }

    def gamedata(self, now: float) -> dict[str, Any]:
        """The `game/<id>/gamedata` event: the whole game, as OGS sends it."""
        s = self.settings
        rules = self.rules
        moves = [
            [p[0], p[1], ms] if p is not None else [-1, -1, ms]
            for (_, p), ms in zip(self.state.moves, self.move_times, strict=True)
        ]
        players = {"black": self._player(self.black), "white": self._player(self.white)}
        for color, key in (("b", "black"), ("w", "white")):
            if color in self.accepted:
                players[key]["accepted_stones"] = self.accepted[color]
        data: dict[str, Any] = {
            "game_id": self.game_id,
            "game_name": s.name,
            "phase": self.phase,
            "players": players,
            "player_pool": {str(a.id): self._player(a) for a in self.players},
            "black_player_id": self.black.id,
            "white_player_id": self.white.id,
            "width": s.width,
            "height": s.height,
            "rules": s.rules,
            "komi": s.komi,
            "handicap": s.handicap,
            "handicap_rank_difference": 0,
            "ranked": s.ranked,
            "private": s.private,
            "disable_analysis": s.disable_analysis,
            "original_disable_analysis": s.disable_analysis,
            "time_control": s.time_control.to_json(),
            "pause_on_weekends": s.time_control.pause_on_weekends,
            "initial_player": "black" if self.initial_player == "b" else "white",
            "initial_state": {
                "black": pack_ogs(self.initial_black, s.width, s.height),
                "white": "",
            },
            "moves": moves,
            "free_handicap_placement": s.free_handicap_placement,
            "allow_self_capture": rules.suicide_allowed,
            "allow_ko": False,
            "allow_superko": rules.ko_rule == "simple",
            "superko_algorithm": {"simple": "noresult", "positional": "psk"}.get(
                rules.ko_rule, "ssk"
            ),
            "score_territory": True,
            "score_territory_in_seki": rules.name not in ("japanese", "korean"),
            "score_stones": rules.area_scoring,
            "score_handicap": rules.handicap_compensation != "none",
            "score_prisoners": rules.prisoners_count,
            "score_passes": True,
            "white_must_pass_last": rules.white_must_pass_last,
            "aga_handicap_scoring": rules.handicap_compensation == "per_stone_minus_one",
            "opponent_plays_first_after_resume": False,
            "strict_seki_mode": False,
            "automatic_stone_removal": False,
            "pause_control": self._pause_control(),
            "start_time": int(self.start_time),
            "clock": self.clock(now),
            "state_version": self.state_version,
            "malkovich_present": False,
            "rengo": False,
            "bot_game": self.bot_game,
        }
        if self.paused_since is not None:
            data["paused_since"] = int(self.paused_since * 1000)
        if self.phase != "play":
            data["removed"] = self._packed(self.removed)
        if self.finished:
            data["outcome"] = self.outcome
            data["winner"] = self.winner
            data["end_time"] = int(self.end_time or now)
            if self.score is not None:
                data["score"] = self.score.to_json()
        return data

    def active_game(self, now: float) -> dict[str, Any]:
        """The `active_game` push players get on every change (OGS's GameListEntry)."""
        tc = self.settings.time_control
        deadline = self.deadline()

        def entry(account: Account) -> dict[str, Any]:
            return {
                **self._player(account),
                "accepted": False,
                "ratings": {"version": 5, "overall": {"rating": 1500.0, "deviation": 100.0}},
            }

        return {
            "id": self.game_id,
            "group_ids": [],
            "phase": self.phase,
            "name": self.settings.name,
            "player_to_move": self.account(self.to_move()).id,
            "width": self.settings.width,
            "height": self.settings.height,
            "move_number": self.state.move_number,
            "paused": 1 if self.paused_since is not None else 0,
            "private": self.settings.private,
            "black": entry(self.black),
            "white": entry(self.white),
            "time_per_move": time_per_move(tc),
            "clock_expiration": int(deadline * 1000) if deadline is not None else 0,
            "rengo": False,
            "rengo_teams": {"black": [], "white": []},
            "rengo_casual_mode": False,
            "dropped_player": 0,
            "_participants": [self.black.id, self.white.id],
            "ranked": self.settings.ranked,
            "handicap": self.settings.handicap,
            "komi": self.settings.komi,
            "bot_game": self.bot_game,
            "in_beginning": self.state.move_number < 40,
            "in_middle": 40 <= self.state.move_number < 150,
            "in_end": self.state.move_number >= 150,
            "group_ids_map": {},
            "malkovich_present": False,
        }


def _own_eye(board: Board, point: Point, color: Color) -> bool:
    """Whether every neighbour of `point` is a stone of `color`."""
    x, y = point
    for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
        if 0 <= nx < board.width and 0 <= ny < board.height and board.get((nx, ny)) != color:
            return False
    return True


def time_per_move(tc: TimeControl) -> int:
    """OGS's rough average seconds per move of a time control (assuming 120 moves each)."""
    moves = 120
    system = tc.system
    if system == "fischer":
        return int(tc.initial_time / moves + tc.time_increment)
    if system == "byoyomi":
        return int(tc.main_time / moves + tc.period_time)
    if system == "canadian":
        return int(tc.main_time / moves + tc.period_time / max(1, tc.stones_per_period))
    if system == "simple":
        return int(tc.per_move)
    if system == "absolute":
        return int(tc.total_time / moves)
    return 0
