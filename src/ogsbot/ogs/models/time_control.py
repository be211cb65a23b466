"""A game's time control (all six OGS systems in one shape) and the speed it implies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ogsbot.ogs.models.fields import (
    describe,
    js_round,
    json_number,
    read_bool,
    read_number,
    require_object,
    utf8_safe,
)

TIME_SYSTEMS = ("fischer", "byoyomi", "canadian", "simple", "absolute", "none")
TIME_PARAMETERS: dict[str, tuple[str, ...]] = {
    "fischer": ("initial_time", "time_increment", "max_time"),
    "byoyomi": ("main_time", "period_time", "periods"),
    "canadian": ("main_time", "period_time", "stones_per_period"),
    "simple": ("per_move",),
    "absolute": ("total_time",),
}
"""The parameters of each OGS time control system (`none` has none)."""
SPEEDS = ("blitz", "rapid", "live", "correspondence")


def speed_of_move_time(seconds: float) -> str:
    """The OGS speed of an average time per move (seconds; 0 means no clock).

    The thresholds of OGS's server `getGameSpeed`, as mirrored by goban's `estimateSpeed`
    (src/engine/util/sgfTime.ts): blitz below 10 s, live from 10 s to below 3600 s,
    correspondence from 3600 s or at 0. (online-go.com's `classifyGameSpeed` in
    src/components/TimeControl/util.ts keeps exactly 3600 s live.) "rapid", added in 2024
    (goban PR #170), is decided by the server only and is never derived here.
    """
    if 0 < seconds < 10:
        return "blitz"
    if 10 <= seconds < 3600:
        return "live"
    return "correspondence"


@dataclass(frozen=True)
class TimeControl:
    """A game's time control, all six OGS systems in one shape (seconds throughout).

    Only the fields of `system` are meaningful: fischer uses initial_time, time_increment and
    max_time; byoyomi main_time, period_time and periods; canadian main_time, period_time and
    stones_per_period; simple per_move; absolute total_time; none nothing. `speed` is "" when
    the payload had none (2019 payloads); `effective_speed()` derives it then.
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
    def from_json(cls, data: object) -> TimeControl:
        """Parse OGS's `time_control` object (the legacy `time_control` key names the system).

        Also takes REST's `time_control_parameters`, which OGS sends as a JSON-encoded
        string in challenge lists, and a bare system name ("fischer"), as REST and seekgraph
        entries put in their own `time_control` key. None or an empty value is system none.
        """
        if data is None:
            return cls()
        if isinstance(data, str):
            text = data.strip()
            if not text:
                return cls()
            if text.lower() in TIME_SYSTEMS:
                return cls(system=text.lower())
            try:
                decoded = json.loads(text)
            except ValueError:
                decoded = None
            if not isinstance(decoded, Mapping):
                raise ValueError(
                    f"time control: expected a JSON object or a system name, got {describe(data)}"
                )
            data = decoded
        data = require_object(data, "time control")
        if not data:
            return cls()
        system = str(data.get("system") or data.get("time_control") or "none").lower()
        return cls(
            system=utf8_safe(system),
            speed=utf8_safe(str(data.get("speed") or "")),
            pause_on_weekends=read_bool(data, "pause_on_weekends"),
            initial_time=read_number(data, "initial_time"),
            time_increment=read_number(data, "time_increment"),
            max_time=read_number(data, "max_time"),
            main_time=read_number(data, "main_time"),
            period_time=read_number(data, "period_time"),
            periods=int(read_number(data, "periods")),
            stones_per_period=int(read_number(data, "stones_per_period")),
            per_move=read_number(data, "per_move"),
            total_time=read_number(data, "total_time"),
        )

    def to_json(self) -> dict[str, Any]:
        """The OGS `time_control` object, with only this system's keys.

        `speed` is left out when unknown (""), as the old payloads did; use
        `with_speed()` first to send a derived one.
        """
        keys = TIME_PARAMETERS.get(self.system, ())
        out: dict[str, Any] = {"system": self.system, "time_control": self.system}
        if self.speed:
            out["speed"] = self.speed
        out["pause_on_weekends"] = self.pause_on_weekends
        for key in keys:
            out[key] = json_number(getattr(self, key))
        return out

    @property
    def time_control(self) -> str:
        """The legacy `time_control` key (and ogsapi's name): the system."""
        return self.system

    def average_move_time(self, width: int | None = None, height: int | None = None) -> int:
        """Expected seconds per move, as goban's `computeAverageMoveTime` computes it.

        Main time is spread over 90 moves per player, or over round(0.7 * w * h) / 2 when a
        board size is given (goban src/engine/util/computeAverageMoveTime.ts); OGS's own
        `time_per_move` (REST, active_game) matches the no-size form. Rounded like JS.
        """
        moves = js_round(0.7 * width * height) / 2 if width and height else 90.0
        if self.system == "fischer":
            seconds = self.initial_time / moves + self.time_increment
        elif self.system == "byoyomi":
            seconds = self.main_time / moves + self.period_time
        elif self.system == "simple":
            seconds = self.per_move
        elif self.system == "canadian":
            seconds = self.main_time / moves + self.period_time / max(self.stones_per_period, 1)
        elif self.system == "absolute":
            seconds = self.total_time / moves
        else:
            seconds = 0.0
        return js_round(seconds)

    def derived_speed(self, width: int | None = None, height: int | None = None) -> str:
        """The speed OGS would give this time control (`speed_of_move_time`); none is corr."""
        if self.system not in TIME_SYSTEMS or self.system == "none":
            return "correspondence"
        return speed_of_move_time(self.average_move_time(width, height))

    def effective_speed(self, width: int | None = None, height: int | None = None) -> str:
        """`speed` as sent, or derived when the payload had none."""
        return self.speed or self.derived_speed(width, height)

    def with_speed(self, width: int | None = None, height: int | None = None) -> TimeControl:
        """A copy whose `speed` is filled in (derived) if it was unknown."""
        return replace(self, speed=self.effective_speed(width, height))


def lenient_time_control(value: object) -> TimeControl:
    """`TimeControl.from_json`, or system none where `value` cannot be read."""
    try:
        return TimeControl.from_json(value)
    except ValueError:
        return TimeControl()
