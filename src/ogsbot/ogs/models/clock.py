"""A game's clock: the `game/<id>/clock` event and each player's entry in it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Annotated, Any

from pydantic.dataclasses import dataclass

from ogsbot.ogs.models.fields import (
    Color,
    json_number,
    put_present,
)
from ogsbot.ogs.models.lenient import (
    Flag,
    Int,
    JsonObject,
    Number,
    OptionalInt,
    OptionalNumber,
    Text,
    nested,
    parse,
)


@dataclass(frozen=True)
class PlayerClock:
    """One player's entry in an OGS clock (`black_time` / `white_time`), in seconds.

    thinking_time is main time left (fischer, byoyomi, canadian, absolute). byoyomi adds
    periods (left), period_time and sometimes period_time_left; canadian adds moves_left and
    block_time (left for the current block). For simple time OGS sends a bare number whose
    meaning depends on who is to move; it is kept in `raw` and not interpreted.
    """

    thinking_time: Number = 0.0
    periods: OptionalInt = None
    period_time: OptionalNumber = None
    period_time_left: OptionalNumber = None
    moves_left: OptionalInt = None
    block_time: OptionalNumber = None
    skip_bonus: Flag = False
    raw: OptionalNumber = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | float | int | None) -> PlayerClock | None:
        """Parse a player's clock entry; None when the server sent none (system `none`)."""
        if data is None:
            return None
        if isinstance(data, int | float) and not isinstance(data, bool):
            return cls(raw=float(data))
        if not isinstance(data, Mapping):
            return None
        return parse(cls, {k: v for k, v in data.items() if k != "raw"}, "player clock")

    def to_json(self, system: str | None = None) -> dict[str, Any] | int | float:
        """The entry as OGS sends it: a bare number for simple time, else an object.

        With `system` the object has that system's keys (fischer `{thinking_time,
        skip_bonus}`, byoyomi `{thinking_time, periods, period_time[, period_time_left]}`,
        canadian `{thinking_time, moves_left, block_time}`, absolute `{thinking_time}`);
        without it, every key that is set, and `skip_bonus` when no overtime key is.
        """
        if self.raw is not None and system in (None, "simple"):
            return json_number(self.raw)
        if system == "simple":
            return json_number(self.thinking_time)
        optional = {
            "periods": self.periods,
            "period_time": self.period_time,
            "period_time_left": self.period_time_left,
            "moves_left": self.moves_left,
            "block_time": self.block_time,
        }
        allowed = {
            "fischer": (),
            "byoyomi": ("periods", "period_time", "period_time_left"),
            "canadian": ("moves_left", "block_time"),
            "absolute": (),
        }.get(system or "", tuple(optional))
        out: dict[str, Any] = {"thinking_time": json_number(self.thinking_time)}
        for key in allowed:
            value = optional[key]
            if value is not None:
                out[key] = json_number(value)
        overtime = any(value is not None for value in optional.values())
        if system == "fischer" or (system is None and (self.skip_bonus or not overtime)):
            out["skip_bonus"] = self.skip_bonus
        return out


@dataclass(frozen=True)
class ClockPause:
    """A clock's `pause` member: whether it is paused, since when (ms), and why."""

    paused: Flag = False
    paused_since: OptionalNumber = None
    pause_control: JsonObject = field(default=None, hash=False)

    @classmethod
    def from_json(cls, data: object) -> ClockPause:
        return parse(cls, data, "clock pause")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"paused": self.paused}
        if self.paused_since is not None:
            out["paused_since"] = json_number(self.paused_since)
        if self.pause_control is not None:
            out["pause_control"] = dict(self.pause_control)
        return out


def _pause(value: object) -> ClockPause | None:
    return ClockPause.from_json(value) if isinstance(value, Mapping) else None


PlayerClockEntry = Annotated[PlayerClock | None, nested(PlayerClock, PlayerClock.from_json)]
Pause = Annotated[ClockPause | None, nested(ClockPause, _pause)]


@dataclass(frozen=True)
class Clock:
    """A `game/<id>/clock` event, or the `clock` member of game data (the same shape).

    `current_player` is the id of the player whose clock runs. `black_time` / `white_time`
    are None for system none (no keys at all); simple time sends bare numbers (`raw`).
    `paused_since` can linger after a resume; `pause` is the authoritative pause state
    when sent.
    """

    game_id: Int = 0
    current_player: Int = 0
    black_player_id: Int = 0
    white_player_id: Int = 0
    title: Text = ""
    last_move: Number = 0.0
    expiration: Number = 0.0
    black_time: PlayerClockEntry = None
    white_time: PlayerClockEntry = None
    now: OptionalNumber = None
    paused_since: OptionalNumber = None
    start_mode: Flag = False
    stone_removal_mode: Flag = False
    stone_removal_expiration: OptionalNumber = None
    expiration_delta: OptionalNumber = None
    pause_delta: OptionalNumber = None
    pause: Pause = None

    @classmethod
    def from_json(cls, data: object) -> Clock:
        return parse(cls, data, "clock")

    def to_json(self, system: str | None = None) -> dict[str, Any]:
        """The GameClock object; `system` (the game's time control) shapes the player entries."""
        out: dict[str, Any] = {
            "game_id": self.game_id,
            "current_player": self.current_player,
            "black_player_id": self.black_player_id,
            "white_player_id": self.white_player_id,
            "title": self.title,
            "last_move": json_number(self.last_move),
            "expiration": json_number(self.expiration),
        }
        if system != "none":
            if self.black_time is not None:
                out["black_time"] = self.black_time.to_json(system)
            if self.white_time is not None:
                out["white_time"] = self.white_time.to_json(system)
        put_present(
            out,
            {
                "now": self.now,
                "paused_since": self.paused_since,
                "stone_removal_expiration": self.stone_removal_expiration,
                "expiration_delta": self.expiration_delta,
                "pause_delta": self.pause_delta,
            },
        )
        if self.start_mode:
            out["start_mode"] = True
        if self.stone_removal_mode:
            out["stone_removal_mode"] = True
        if self.pause is not None:
            out["pause"] = self.pause.to_json()
        return out

    @property
    def current_color(self) -> Color | None:
        """The colour whose clock runs, or None if `current_player` is neither player."""
        return self.color_of(self.current_player)

    def color_of(self, player_id: int) -> Color | None:
        if player_id and player_id == self.black_player_id:
            return "black"
        if player_id and player_id == self.white_player_id:
            return "white"
        return None

    def entry(self, who: int | str) -> PlayerClock | None:
        """The clock entry of a player id or a colour ("black"/"white"/"b"/"w").

        None when the server sent none for that player (system none). A player id that is
        neither player of this clock raises ValueError.
        """
        if isinstance(who, str):
            lowered = who.strip().lower()
            if lowered in ("black", "b"):
                return self.black_time
            if lowered in ("white", "w"):
                return self.white_time
            raise ValueError(f"clock entry: {who!r} is not black, white, b or w")
        color = self.color_of(who)
        if color is None:
            raise ValueError(
                f"clock entry: player {who} is neither black ({self.black_player_id}) "
                f"nor white ({self.white_player_id})"
            )
        return self.black_time if color == "black" else self.white_time
