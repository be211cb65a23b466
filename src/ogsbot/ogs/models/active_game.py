"""The `active_game` push: one entry of the player's game list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ogsbot.ogs.models.fields import (
    Color,
    as_number,
    json_number,
    read_bool,
    read_int,
    read_optional_int,
    read_optional_number,
    read_str,
    require_object,
)
from ogsbot.ogs.models.players import Player, RengoTeams, lenient_player
from ogsbot.ogs.models.time_control import speed_of_move_time


def int_tuple(value: object) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        return ()
    numbers = (as_number(v) for v in value)
    return tuple(int(n) for n in numbers if n is not None)


@dataclass(frozen=True)
class ActiveGame:
    """An `active_game` push (OGS's GameListEntry), sent for each game after authenticate
    and on every change. `paused` arrives as 0/1 in older payloads. There is no time control
    here; `speed` is derived from OGS's own `time_per_move` (seconds)."""

    id: int = 0
    phase: str = ""
    name: str = ""
    player_to_move: int = 0
    width: int = 19
    height: int = 19
    move_number: int = 0
    paused: bool = False
    private: bool = False
    black: Player = field(default_factory=Player)
    white: Player = field(default_factory=Player)
    time_per_move: int = 0
    clock_expiration: float | None = None
    rengo: bool = False
    rengo_teams: RengoTeams = field(default_factory=RengoTeams)
    rengo_casual_mode: bool = False
    dropped_player: int | None = None
    participants: tuple[int, ...] = ()
    ranked: bool = False
    handicap: int = 0
    komi: float | None = None
    bot_game: bool = False
    in_beginning: bool = False
    in_middle: bool = False
    in_end: bool = False
    malkovich_present: bool = False
    group_ids: tuple[int, ...] = ()

    @property
    def speed(self) -> str:
        return speed_of_move_time(self.time_per_move)

    @property
    def finished(self) -> bool:
        return self.phase == "finished"

    def color_of(self, player_id: int) -> Color | None:
        if player_id and player_id == self.black.id:
            return "black"
        if player_id and player_id == self.white.id:
            return "white"
        return self.rengo_teams.color_of(player_id) if player_id else None

    @classmethod
    def from_json(cls, data: object) -> ActiveGame:
        data = require_object(data, "active_game")
        return cls(
            id=read_int(data, "id"),
            phase=read_str(data, "phase"),
            name=read_str(data, "name"),
            player_to_move=read_int(data, "player_to_move"),
            width=read_int(data, "width", 19),
            height=read_int(data, "height", 19),
            move_number=read_int(data, "move_number"),
            paused=read_bool(data, "paused"),
            private=read_bool(data, "private"),
            black=lenient_player(data.get("black")),
            white=lenient_player(data.get("white")),
            time_per_move=read_int(data, "time_per_move"),
            clock_expiration=read_optional_number(data, "clock_expiration"),
            rengo=read_bool(data, "rengo"),
            rengo_teams=RengoTeams.from_json(data.get("rengo_teams")),
            rengo_casual_mode=read_bool(data, "rengo_casual_mode"),
            dropped_player=read_optional_int(data, "dropped_player"),
            participants=int_tuple(data.get("_participants")),
            ranked=read_bool(data, "ranked"),
            handicap=read_int(data, "handicap"),
            komi=read_optional_number(data, "komi"),
            bot_game=read_bool(data, "bot_game"),
            in_beginning=read_bool(data, "in_beginning"),
            in_middle=read_bool(data, "in_middle"),
            in_end=read_bool(data, "in_end"),
            malkovich_present=read_bool(data, "malkovich_present"),
            group_ids=int_tuple(data.get("group_ids")),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "group_ids": list(self.group_ids),
            "phase": self.phase,
            "name": self.name,
            "player_to_move": self.player_to_move,
            "width": self.width,
            "height": self.height,
            "move_number": self.move_number,
            "paused": self.paused,
            "private": self.private,
            "black": self.black.to_json(),
            "white": self.white.to_json(),
            "time_per_move": self.time_per_move,
        }
        if self.clock_expiration is not None:
            out["clock_expiration"] = json_number(self.clock_expiration)
        out.update(
            {
                "rengo": self.rengo,
                "rengo_teams": self.rengo_teams.to_json(),
                "rengo_casual_mode": self.rengo_casual_mode,
            }
        )
        if self.dropped_player is not None:
            out["dropped_player"] = self.dropped_player
        out.update(
            {
                "_participants": list(self.participants),
                "ranked": self.ranked,
                "handicap": self.handicap,
                "komi": None if self.komi is None else json_number(self.komi),
                "bot_game": self.bot_game,
                "in_beginning": self.in_beginning,
                "in_middle": self.in_middle,
                "in_end": self.in_end,
                "malkovich_present": self.malkovich_present,
            }
        )
        return out
