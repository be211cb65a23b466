"""One game as the server holds it, and as OGS shows it: gamedata, clock, active_game.

`Referee` (referee.py) adds the rules that change it; this module is what it is made of: the
settings, the handicap stones, the players' clocks, the phase, the stones marked dead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ogsbot.ogs.board import Color, GameState, Ruleset, Score, ruleset
from ogsbot.ogs.coords import Point, pack_ogs
from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.accounts import Account
from ogsbot.sandbox.clocks import PlayerTime, time_per_move

Event = tuple[str, Any]

STONE_REMOVAL_TIMEOUT = 300.0  # seconds a player has to accept the removed stones
# OGS scores games against bots itself: a few seconds after the passes the result stands,
# whether or not anyone accepted (online-go.com #443, #1146; gtp2ogs PR #14). The bot never
# has to answer the stone removal.
BOT_SCORING_DELAY = 5.0
FREE_PLACEMENT_RULES = ("chinese",)


def free_handicap_placement(rules: str, width: int, height: int) -> bool:
    """Whether black places the handicap stones (Chinese rules, boards too small for fixed
    points) rather than getting them on the fixed points."""
    return rules in FREE_PLACEMENT_RULES or min(width, height) < 7


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


class GameRecord:
    """The server's authoritative view of one game: its state and OGS's shapes of it."""

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

    def _gamedata_players(self) -> dict[str, Any]:
        """gamedata's `players`: each with the stones they accepted as dead, if any."""
        players = {"black": self._player(self.black), "white": self._player(self.white)}
        for color, key in (("b", "black"), ("w", "white")):
            if color in self.accepted:
                players[key]["accepted_stones"] = self.accepted[color]
        return players

    def _gamedata_rules(self) -> dict[str, Any]:
        """gamedata's flags for what the rules allow and how they score."""
        rules = self.rules
        return {
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
        }

    def gamedata(self, now: float) -> dict[str, Any]:
        """The `game/<id>/gamedata` event: the whole game, as OGS sends it."""
        s = self.settings
        moves = [
            [p[0], p[1], ms] if p is not None else [-1, -1, ms]
            for (_, p), ms in zip(self.state.moves, self.move_times, strict=True)
        ]
        data: dict[str, Any] = {
            "game_id": self.game_id,
            "game_name": s.name,
            "phase": self.phase,
            "players": self._gamedata_players(),
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
            **self._gamedata_rules(),
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

    def _packed(self, points: set[Point]) -> str:
        ordered = sorted(points, key=lambda p: (p[1], p[0]))
        return pack_ogs(ordered, self.settings.width, self.settings.height)

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
