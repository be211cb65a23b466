"""A challenge to the bot, from a notification, REST's lists or the seekgraph."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ogsbot.ogs.models.fields import (
    as_bool,
    as_number,
    first_present,
    json_number,
    read_bool,
    read_int,
    read_optional_number,
    read_str,
    require_object,
)
from ogsbot.ogs.models.players import Player, lenient_player
from ogsbot.ogs.models.time_control import TimeControl, lenient_time_control


def read_komi(data: Mapping[str, Any]) -> float | None:
    """Komi, None meaning automatic (null, or REST's `komi_auto: "automatic"`)."""
    if read_str(data, "komi_auto") == "automatic":
        return None
    return read_optional_number(data, "komi")


@dataclass(frozen=True)
class Challenge:
    """A challenge to the bot, from a `challenge` notification.

    Also reads the REST shapes (`GET /api/v1/ui/overview` challenge entries, where the game
    sits under `game`, `time_control_parameters` is a JSON string and komi a string like
    "6.50"; the body POSTed to create one) and seekgraph entries (`user_id`, `rank`, `pro`,
    `min_rank`/`max_rank`). `handicap` -1 means automatic, `komi` None automatic.
    """

    notification_id: str = ""
    challenge_id: int = 0
    game_id: int = 0
    player_id: int = 0
    challenger: Player = field(default_factory=Player)
    rules: str = ""
    ranked: bool = False
    aga_rated: bool = False
    handicap: int = 0
    komi: float | None = None
    time_control: TimeControl = field(default_factory=TimeControl)
    challenger_color: str = "automatic"
    width: int = 19
    height: int = 19
    disable_analysis: bool = False
    min_ranking: float | None = None
    max_ranking: float | None = None
    timestamp: float | None = None

    @property
    def automatic_handicap(self) -> bool:
        return self.handicap < 0

    @property
    def automatic_komi(self) -> bool:
        return self.komi is None

    @property
    def speed(self) -> str:
        """The time control's speed, derived when the payload had none."""
        return self.time_control.effective_speed()

    @classmethod
    def from_json(cls, data: object) -> Challenge:
        data = require_object(data, "challenge")
        game = data.get("game")
        src: Mapping[str, Any] = game if isinstance(game, Mapping) else data
        if "challenge_id" in data:
            challenge_id = read_int(data, "challenge_id")
            notification_id = read_str(data, "id")
        else:
            challenge_id = read_int(data, "id")
            notification_id = ""
        user = first_present(data, "user", "challenger")
        if isinstance(user, Mapping):
            challenger = lenient_player(user)
        elif "user_id" in data:
            challenger = lenient_player(data)
        else:
            challenger = Player()
        tc_source = src.get("time_control_parameters")
        if tc_source is None:
            tc_source = src.get("time_control")
        return cls(
            notification_id=notification_id,
            challenge_id=challenge_id,
            game_id=read_int(src, "id") if src is not data else read_int(data, "game_id"),
            player_id=read_int(data, "player_id"),
            challenger=challenger,
            rules=read_str(src, "rules"),
            ranked=read_bool(src, "ranked"),
            aga_rated=as_bool(first_present(data, "aga_rated", "aga_ranked")),
            handicap=read_int(src, "handicap"),
            komi=read_komi(src),
            time_control=lenient_time_control(tc_source),
            challenger_color=read_str(data, "challenger_color", "automatic"),
            width=read_int(src, "width", 19),
            height=read_int(src, "height", 19),
            disable_analysis=read_bool(src, "disable_analysis"),
            min_ranking=as_number(first_present(data, "min_ranking", "min_rank")),
            max_ranking=as_number(first_present(data, "max_ranking", "max_rank")),
            timestamp=read_optional_number(data, "timestamp"),
        )

    def to_json(self) -> dict[str, Any]:
        """The `challenge` notification OGS pushes to the challenged player."""
        out: dict[str, Any] = {
            "id": self.notification_id,
            "type": "challenge",
            "player_id": self.player_id,
        }
        if self.timestamp is not None:
            out["timestamp"] = json_number(self.timestamp)
        out.update(
            {
                "read_timestamp": 0,
                "read": 0,
                "aux_delivered": 0,
                "game_id": self.game_id,
                "challenge_id": self.challenge_id,
                "user": self.challenger.to_json(rank_key="ranking"),
                "rules": self.rules,
                "ranked": self.ranked,
                "aga_rated": self.aga_rated,
                "disable_analysis": self.disable_analysis,
                "handicap": self.handicap,
                "komi": None if self.komi is None else json_number(self.komi),
                "time_control": self.time_control.to_json(),
                "challenger_color": self.challenger_color,
                "width": self.width,
                "height": self.height,
            }
        )
        if self.min_ranking is not None:
            out["min_ranking"] = json_number(self.min_ranking)
        if self.max_ranking is not None:
            out["max_ranking"] = json_number(self.max_ranking)
        return out
