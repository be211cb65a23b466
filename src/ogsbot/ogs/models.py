"""Dataclasses parsed from OGS's JSON, tolerant of missing and unknown fields.

OGS payloads vary by era and context (0/1 for booleans, numbers as strings, keys that come
and go), so every parser here takes what it finds, fills defaults for what is missing and
ignores what it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TIME_SYSTEMS = ("fischer", "byoyomi", "canadian", "simple", "absolute", "none")


def _number(data: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    """A numeric field that may be missing, null or a numeric string."""
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _optional_number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class TimeControl:
    """A game's time control, all six OGS systems in one shape (seconds throughout).

    Only the fields of `system` are meaningful: fischer uses initial_time, time_increment and
    max_time; byoyomi main_time, period_time and periods; canadian main_time, period_time and
    stones_per_period; simple per_move; absolute total_time; none nothing.
    """

    system: str = "none"
    speed: str = ""
    pause_on_weekends: bool = False
    initial_time: float = 0.0
    time_increment: float = 0.0
    max_time: float = 0.0
    main_time: float = 0.0
    period_time: float = 0.0
    periods: int = 0
    stones_per_period: int = 0
    per_move: float = 0.0
    total_time: float = 0.0

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> TimeControl:
        """Parse OGS's `time_control` object (the legacy `time_control` key names the system)."""
        if not data:
            return cls()
        system = str(data.get("system") or data.get("time_control") or "none").lower()
        return cls(
            system=system,
            speed=str(data.get("speed") or ""),
            pause_on_weekends=bool(data.get("pause_on_weekends") or False),
            initial_time=_number(data, "initial_time"),
            time_increment=_number(data, "time_increment"),
            max_time=_number(data, "max_time"),
            main_time=_number(data, "main_time"),
            period_time=_number(data, "period_time"),
            periods=int(_number(data, "periods")),
            stones_per_period=int(_number(data, "stones_per_period")),
            per_move=_number(data, "per_move"),
            total_time=_number(data, "total_time"),
        )

    def to_json(self) -> dict[str, Any]:
        """The OGS `time_control` object, with only this system's keys."""
        keys = {
            "fischer": ("initial_time", "time_increment", "max_time"),
            "byoyomi": ("main_time", "period_time", "periods"),
            "canadian": ("main_time", "period_time", "stones_per_period"),
            "simple": ("per_move",),
            "absolute": ("total_time",),
        }.get(self.system, ())
        out: dict[str, Any] = {
            "system": self.system,
            "time_control": self.system,
            "speed": self.speed,
            "pause_on_weekends": self.pause_on_weekends,
        }
        for key in keys:
            value = getattr(self, key)
            out[key] = int(value) if float(value).is_integer() else value
        return out


@dataclass(frozen=True)
class PlayerClock:
    """One player's entry in an OGS clock (`black_time` / `white_time`), in seconds.

    thinking_time is main time left (fischer, byoyomi, canadian, absolute). byoyomi adds
    periods (left), period_time and sometimes period_time_left; canadian adds moves_left and
    block_time (left for the current block). For simple time OGS sends a bare number whose
    meaning depends on who is to move; it is kept in `raw` and not interpreted.
    """

    thinking_time: float = 0.0
    periods: int | None = None
    period_time: float | None = None
    period_time_left: float | None = None
    moves_left: int | None = None
    block_time: float | None = None
    skip_bonus: bool = False
    raw: float | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | float | int | None) -> PlayerClock | None:
        """Parse a player's clock entry; None when the server sent none (system `none`)."""
        if data is None:
            return None
        if isinstance(data, int | float) and not isinstance(data, bool):
            return cls(raw=float(data))
        if not isinstance(data, Mapping):
            return None
        periods = _optional_number(data, "periods")
        moves_left = _optional_number(data, "moves_left")
        return cls(
            thinking_time=_number(data, "thinking_time"),
            periods=int(periods) if periods is not None else None,
            period_time=_optional_number(data, "period_time"),
            period_time_left=_optional_number(data, "period_time_left"),
            moves_left=int(moves_left) if moves_left is not None else None,
            block_time=_optional_number(data, "block_time"),
            skip_bonus=bool(data.get("skip_bonus") or False),
        )
