"""Game data (`game/<id>/gamedata`): a whole game, validated at this edge."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ogsbot.ogs.coords import MAX_BOARD_SIZE, unpack_ogs
from ogsbot.ogs.models.clock import Clock
from ogsbot.ogs.models.fields import (
    Color,
    as_number,
    clean_json,
    describe,
    first_present,
    json_number,
    object_copy,
    other_color,
    parse_color,
    put_present,
    read_bool,
    read_int,
    read_optional_int,
    read_optional_number,
    read_str,
    require_object,
    utf8_safe,
)
from ogsbot.ogs.models.gamedata_fields import (
    LATEST_EPOCH,
    MAX_KOMI,
    MAX_SECONDS,
    PHASES,
    RULE_FLAGS,
    epoch_seconds,
    parse_initial_player,
    parse_removed,
    parse_winner,
    read_board_side,
    read_checked_number,
    read_initial_stones,
    read_phase,
    read_player_pool,
    read_players,
    read_rule_flags,
    read_time_control,
    whole_number,
)
from ogsbot.ogs.models.moves import Move, parse_moves
from ogsbot.ogs.models.players import Player, RengoTeams
from ogsbot.ogs.models.time_control import TIME_PARAMETERS, TimeControl


@dataclass(frozen=True)
class GameData:
    """A `game/<id>/gamedata` object (also the `gamedata` of REST `GET /api/v1/games/<id>`).

    `raw` keeps the payload but its moves (out of repr and comparisons) for keys not modelled
    here; the moves are in `moves` (a correspondence bot holds thousands of games).
    `initial_state_black` / `_white` are packed letters ("pddp"). Rule flags are the booleans
    of `RULE_FLAGS`. `winner` is a player id (or "black"/"white"/"tie").

    Every GameData is a game (checked on creation, `replace()` included; ValueError names
    what is wrong): sides 1..25, initial stones and `removed` on the board and distinct,
    every move a pass or a point on the board, a phase of `PHASES`, |komi| <= `MAX_KOMI`,
    handicap -1..width*height, time-control values 0..`MAX_SECONDS`, start/end times dates.
    """

    game_id: int = 0
    game_name: str = ""
    phase: str = "play"
    black: Player = field(default_factory=Player)
    white: Player = field(default_factory=Player)
    black_player_id: int = 0
    white_player_id: int = 0
    width: int = 19
    height: int = 19
    komi: float = 0.0
    handicap: int = 0
    rules: str = ""
    ranked: bool = False
    private: bool = False
    disable_analysis: bool = False
    time_control: TimeControl = field(default_factory=TimeControl)
    initial_player: Color = "black"
    initial_state_black: str = ""
    initial_state_white: str = ""
    moves: tuple[Move, ...] = ()
    clock: Clock | None = None
    pause_control: dict[str, Any] | None = field(default=None, hash=False)
    paused_since: float | None = None
    allow_self_capture: bool = False
    automatic_stone_removal: bool = False
    free_handicap_placement: bool = False
    aga_handicap_scoring: bool = False
    allow_ko: bool = False
    allow_superko: bool = False
    superko_algorithm: str = ""
    score_territory: bool = False
    score_territory_in_seki: bool = False
    score_stones: bool = False
    score_handicap: bool = False
    score_prisoners: bool = False
    score_passes: bool = False
    white_must_pass_last: bool = False
    opponent_plays_first_after_resume: bool = False
    strict_seki_mode: bool = False
    rengo: bool = False
    rengo_teams: RengoTeams = field(default_factory=RengoTeams)
    player_pool: dict[int, Player] = field(default_factory=dict, hash=False)
    removed: str = ""
    score: dict[str, Any] | None = field(default=None, hash=False)
    outcome: str = ""
    winner: int | str | None = None
    start_time: float | None = None
    end_time: float | None = None
    state_version: int | None = None
    tournament_id: int | None = None
    malkovich_present: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        self._validate()

    def _validate(self) -> None:
        """Raise ValueError, naming the field, unless this can be a game."""
        w, h = self.width, self.height
        for key, side in (("width", w), ("height", h)):
            if isinstance(side, bool) or not isinstance(side, int):
                raise ValueError(f"gamedata {key}: {describe(side)} is not a whole number")
            if not 1 <= side <= MAX_BOARD_SIZE:
                raise ValueError(f"gamedata {key}: {side} is not a board side 1..{MAX_BOARD_SIZE}")
        if self.phase not in PHASES:
            raise ValueError(f"gamedata phase: {self.phase!r} is not one of {', '.join(PHASES)}")
        if self.initial_player not in ("black", "white"):
            raise ValueError(f"gamedata initial_player: {self.initial_player!r}")
        if not math.isfinite(self.komi) or abs(self.komi) > MAX_KOMI:
            raise ValueError(f"gamedata komi: {self.komi!r} is not within +-{MAX_KOMI:g}")
        if not -1 <= self.handicap <= w * h:
            raise ValueError(f"gamedata handicap: {self.handicap} is not -1..{w * h}")
        black = self._points("initial_state.black", self.initial_state_black)
        white = self._points("initial_state.white", self.initial_state_white)
        if black & white:
            raise ValueError(
                f"gamedata initial_state: {sorted(black & white)} are both black and white"
            )
        self._points("removed", self.removed)
        for index, move in enumerate(self.moves):
            try:
                self.check_move(move)
            except ValueError as error:
                raise ValueError(f"gamedata moves[{index}]: {error}") from None
        tc = self.time_control
        for key in TIME_PARAMETERS.get(tc.system, ()):
            value = getattr(tc, key)
            if not 0 <= value <= MAX_SECONDS:
                raise ValueError(
                    f"gamedata time_control {key}: {value!r} is not 0..{MAX_SECONDS:g}"
                )
        for key in ("start_time", "end_time"):
            when = getattr(self, key)
            if when is not None and not 0 <= when <= LATEST_EPOCH:
                raise ValueError(f"gamedata {key}: {when!r} is not a date (epoch seconds)")

    def _points(self, what: str, packed: str) -> set[tuple[int, int]]:
        """The distinct points of a packed string on this board (ValueError if not that)."""
        try:
            points = unpack_ogs(packed, self.width, self.height)
        except (ValueError, TypeError) as error:
            raise ValueError(f"gamedata {what}: {error}") from None
        if len(set(points)) != len(points):
            raise ValueError(f"gamedata {what}: {packed!r} names a point twice")
        return set(points)

    def check_move(self, move: Move) -> None:
        """Raise ValueError unless `move` is a pass or a point on this board."""
        if move.x < 0 and move.y < 0:
            return
        if not (0 <= move.x < self.width and 0 <= move.y < self.height):
            raise ValueError(f"move ({move.x}, {move.y}) is off a {self.width}x{self.height} board")

    @classmethod
    def from_json(cls, data: object) -> GameData:
        """Parse a gamedata object; ValueError naming the field if it cannot be a game."""
        data = require_object(data, "gamedata")
        clock = data.get("clock")
        clock_obj = Clock.from_json(clock) if isinstance(clock, Mapping) else None
        initial_black, initial_white = read_initial_stones(data)
        return cls(
            game_id=read_int(data, "game_id"),
            game_name=read_str(data, "game_name"),
            phase=read_phase(data),
            width=read_board_side(data, "width"),
            height=read_board_side(data, "height"),
            komi=read_checked_number(data, "komi"),
            handicap=whole_number(read_checked_number(data, "handicap"), "handicap"),
            rules=read_str(data, "rules"),
            ranked=read_bool(data, "ranked"),
            private=read_bool(data, "private"),
            disable_analysis=read_bool(data, "disable_analysis"),
            time_control=read_time_control(data),
            initial_player=parse_initial_player(data.get("initial_player")),
            initial_state_black=utf8_safe(initial_black),
            initial_state_white=utf8_safe(initial_white),
            moves=parse_moves(data.get("moves")),
            clock=clock_obj,
            pause_control=object_copy(data.get("pause_control")),
            paused_since=read_optional_number(data, "paused_since"),
            superko_algorithm=read_str(data, "superko_algorithm"),
            rengo=read_bool(data, "rengo"),
            rengo_teams=RengoTeams.from_json(data.get("rengo_teams")),
            player_pool=read_player_pool(data),
            removed=parse_removed(data.get("removed")),
            score=object_copy(data.get("score")),
            outcome=read_str(data, "outcome"),
            winner=parse_winner(data.get("winner")),
            start_time=epoch_seconds(data.get("start_time")),
            end_time=epoch_seconds(data.get("end_time")),
            state_version=read_optional_int(data, "state_version"),
            tournament_id=read_optional_int(data, "tournament_id"),
            malkovich_present=read_bool(data, "malkovich_present"),
            raw=clean_json({k: v for k, v in data.items() if k != "moves"}),  # moves: parsed above
            **read_players(data, clock_obj),
            **read_rule_flags(data),
        )

    def to_json(self) -> dict[str, Any]:
        """The gamedata object as OGS sends it."""
        out: dict[str, Any] = {
            "game_id": self.game_id,
            "game_name": self.game_name,
            "phase": self.phase,
            "players": {"black": self.black.to_json(), "white": self.white.to_json()},
            "black_player_id": self.black_player_id,
            "white_player_id": self.white_player_id,
            "width": self.width,
            "height": self.height,
            "komi": json_number(self.komi),
            "handicap": self.handicap,
            "rules": self.rules,
            "ranked": self.ranked,
            "private": self.private,
            "disable_analysis": self.disable_analysis,
            "time_control": self.time_control.to_json(),
            "initial_player": self.initial_player,
            "initial_state": {"black": self.initial_state_black, "white": self.initial_state_white},
            "moves": [move.to_json() for move in self.moves],
        }
        for name in RULE_FLAGS:
            out[name] = getattr(self, name)
        out["superko_algorithm"] = self.superko_algorithm
        out["malkovich_present"] = self.malkovich_present
        if self.rengo or self.rengo_teams.black or self.rengo_teams.white:
            out["rengo"] = self.rengo
            out["rengo_teams"] = self.rengo_teams.to_json()
        if self.player_pool:
            out["player_pool"] = {
                str(ident): player.to_json() for ident, player in self.player_pool.items()
            }
        if self.clock is not None:
            out["clock"] = self.clock.to_json(self.time_control.system)
        if self.pause_control is not None:
            out["pause_control"] = dict(self.pause_control)
        put_present(
            out,
            {
                "paused_since": self.paused_since,
                "start_time": self.start_time,
                "end_time": self.end_time,
                "state_version": self.state_version,
                "tournament_id": self.tournament_id,
                "winner": self.winner,
            },
        )
        if self.removed:
            out["removed"] = self.removed
        if self.score is not None:
            out["score"] = dict(self.score)
        if self.outcome:
            out["outcome"] = self.outcome
        return out

    # -- the seed library's names (ogsapi's OGSGameData) --

    @property
    def black_player(self) -> Player:
        return self.black

    @property
    def white_player(self) -> Player:
        return self.white

    @property
    def initial_state(self) -> dict[str, str]:
        """`{"black": "pd..", "white": ".."}`, packed as OGS sends it."""
        return {"black": self.initial_state_black, "white": self.initial_state_white}

    # -- helpers a bot needs --

    @property
    def players(self) -> dict[Color, Player]:
        return {"black": self.black, "white": self.white}

    @property
    def finished(self) -> bool:
        return self.phase == "finished"

    @property
    def speed(self) -> str:
        """The time control's speed, derived (on this board) when the payload had none."""
        return self.time_control.effective_speed(self.width, self.height)

    def player(self, color: str) -> Player:
        return self.white if parse_color(color, "black") == "white" else self.black

    def color_of(self, player_id: int) -> Color | None:
        """The colour `player_id` plays, rengo team members included; None for others."""
        if not player_id:
            return None
        if player_id in (self.black_player_id, self.black.id):
            return "black"
        if player_id in (self.white_player_id, self.white.id):
            return "white"
        return self.rengo_teams.color_of(player_id)

    def handicap_moves_left(self, moves_played: int | None = None) -> int:
        """Free handicap stones still to place (goban `handicapMovesLeft`); 0 when fixed."""
        played = len(self.moves) if moves_played is None else moves_played
        return max(0, self.handicap - played) if self.free_handicap_placement else 0

    def move_colors(self) -> tuple[Color, ...]:
        """The colour of each entry of `moves`, replayed as goban's engine does.

        Colours alternate from `initial_player`, except that with free handicap placement
        black places its `handicap` stones in a row (goban only switches the player once
        fewer than 2 handicap moves are left, so handicap 1 is an ordinary first move).
        goban skips a pass while handicap stones are left; it gets black and does not count.
        """
        head, player = self._opening()
        rest = len(self.moves) - len(head)
        return (*head, *((player, other_color(player)) * (rest // 2 + 1))[:rest])

    def to_move(self) -> Color:
        """The colour to play next, from initial_player, the moves and free handicap."""
        head, player = self._opening()
        return player if (len(self.moves) - len(head)) % 2 == 0 else other_color(player)

    def _opening(self) -> tuple[list[Color], Color]:
        """The colours of the moves made while free handicap stones were left, and who plays
        after them: past those, colours simply alternate (so no walk over a long game)."""
        colors: list[Color] = []
        player: Color = self.initial_player
        placed = 0
        if not self.free_handicap_placement:
            return colors, player
        for move in self.moves:
            left = self.handicap - placed
            if left <= 0:
                break
            colors.append(player)
            if move.is_pass:
                continue
            if left < 2:
                player = other_color(player)
            placed += 1
        return colors, player

    def to_move_player_id(self) -> int:
        """The id of the player to move (for rengo, the clock's `current_player` is better)."""
        return self.black_player_id if self.to_move() == "black" else self.white_player_id

    def is_turn_of(self, player_id: int) -> bool:
        color = self.color_of(player_id)
        return color is not None and color == self.to_move()

    def with_players(self, players: object, teams: object = None) -> GameData:
        """A copy after rengo's `player_update`: `players` `{black: id, white: id}` are the
        active players, `teams` `{black: [ids], white: [ids]}` the teams in playing order.

        Ids are looked up among the players known (teams, player_pool, the active ones);
        an unknown id becomes a bare player. Anything unreadable raises ValueError."""
        known: dict[int, Player] = {}
        for member in (*self.rengo_teams.black, *self.rengo_teams.white, self.black, self.white):
            known.setdefault(member.id, member)
        for ident, member in self.player_pool.items():
            known.setdefault(ident, member)

        def lookup(value: object, what: str) -> Player:
            if isinstance(value, Mapping):
                value = first_present(value, "id", "user_id", "player_id")
            number = as_number(value)
            if number is None or not number.is_integer() or number == 0:
                raise ValueError(f"player_update {what}: {describe(value)} is not a player id")
            return known.get(int(number)) or Player(id=int(number))

        changes: dict[str, Any] = {}
        if players is not None:
            if not isinstance(players, Mapping):
                raise ValueError(f"player_update players: {describe(players)} is not an object")
            for color in ("black", "white"):
                if players.get(color) is not None:
                    active = lookup(players[color], f"players.{color}")
                    changes[color] = active
                    changes[f"{color}_player_id"] = active.id
        if teams is not None:
            if not isinstance(teams, Mapping):
                raise ValueError(f"player_update rengo_teams: {describe(teams)} is not an object")
            order: dict[str, tuple[Player, ...]] = {}
            for color in ("black", "white"):
                ids = teams.get(color)
                if ids is None:
                    order[color] = getattr(self.rengo_teams, color)
                elif isinstance(ids, list | tuple):
                    order[color] = tuple(lookup(i, f"rengo_teams.{color}") for i in ids)
                else:
                    raise ValueError(f"player_update rengo_teams.{color}: {describe(ids)}")
            changes["rengo_teams"] = RengoTeams(order["black"], order["white"])
        return replace(self, **changes)

    def with_move(self, move: Move) -> GameData:
        """A copy with `move` appended (the emulator's bookkeeping)."""
        return replace(self, moves=(*self.moves, move))
