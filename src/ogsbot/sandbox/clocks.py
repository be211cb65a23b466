"""The server's clocks: what each player has left, for the six OGS time systems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ogsbot.ogs.models import TimeControl


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
