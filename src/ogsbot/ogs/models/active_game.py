"""The `active_game` push: one entry of the player's game list."""

from __future__ import annotations

from dataclasses import field
from typing import Any

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from ogsbot.ogs.models.fields import (
    Color,
    json_number,
)
from ogsbot.ogs.models.lenient import (
    Flag,
    IdList,
    Int,
    OptionalInt,
    OptionalNumber,
    Text,
    parse,
)
from ogsbot.ogs.models.players import Player, PlayerField, RengoTeams, Teams
from ogsbot.ogs.models.time_control import speed_of_move_time


@dataclass(frozen=True, config=ConfigDict(populate_by_name=True))
class ActiveGame:
    """An `active_game` push (OGS's GameListEntry), sent for each game after authenticate
    and on every change. `paused` arrives as 0/1 in older payloads. There is no time control
    here; `speed` is derived from OGS's own `time_per_move` (seconds)."""

    id: Int = 0
    phase: Text = ""
    name: Text = ""
    player_to_move: Int = 0
    width: Int = 19
    height: Int = 19
    move_number: Int = 0
    paused: Flag = False
    private: Flag = False
    black: PlayerField = field(default_factory=Player)
    white: PlayerField = field(default_factory=Player)
    time_per_move: Int = 0
    clock_expiration: OptionalNumber = None
    rengo: Flag = False
    rengo_teams: Teams = field(default_factory=RengoTeams)
    rengo_casual_mode: Flag = False
    dropped_player: OptionalInt = None
    participants: IdList = Field(default=(), validation_alias="_participants")
    ranked: Flag = False
    handicap: Int = 0
    komi: OptionalNumber = None
    bot_game: Flag = False
    in_beginning: Flag = False
    in_middle: Flag = False
    in_end: Flag = False
    malkovich_present: Flag = False
    group_ids: IdList = ()

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
        return parse(cls, data, "active_game")

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
