"""OGS's automatch ("quick match"): a human account asks the server to find it a game.

OGS's rules for bots forbid it (a bot account may not use the quick match finder), so the
client refuses it for an API-key login before anything is sent. `find_match` sends the
preferences as the site does, `automatch/start {uuid, game_id}` says a game was found,
`automatch/cancel {uuid}` withdraws (a null uuid: every request of the account).
"""

from __future__ import annotations

import uuid as uuids
from dataclasses import dataclass, field
from typing import Any, Literal

Condition = Literal["required", "preferred", "no-preference"]
SIZES = ("9x9", "13x13", "19x19")
SPEEDS = ("blitz", "rapid", "live", "correspondence")


@dataclass(frozen=True)
class SizeSpeed:
    """One acceptable board size, speed and clock."""

    size: str = "19x19"
    speed: str = "rapid"
    system: str = "byoyomi"

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise ValueError(f"automatch size {self.size!r} is not one of {', '.join(SIZES)}")
        if self.speed not in SPEEDS:
            raise ValueError(f"automatch speed {self.speed!r} is not one of {', '.join(SPEEDS)}")
        if self.system not in ("fischer", "byoyomi"):
            raise ValueError(f"automatch clock {self.system!r} is not fischer or byoyomi")


@dataclass(frozen=True)
class AutomatchPreferences:
    """goban's `AutomatchPreferences`: what games the account would take."""

    options: tuple[SizeSpeed, ...] = (SizeSpeed(),)
    lower_rank_diff: int = 3
    upper_rank_diff: int = 3
    rules: str = "japanese"
    rules_condition: Condition = "no-preference"
    handicap: Literal["enabled", "disabled"] = "enabled"
    handicap_condition: Condition = "preferred"
    uuid: str = field(default_factory=lambda: str(uuids.uuid4()))

    def to_json(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "size_speed_options": [
                {"size": o.size, "speed": o.speed, "system": o.system} for o in self.options
            ],
            "lower_rank_diff": self.lower_rank_diff,
            "upper_rank_diff": self.upper_rank_diff,
            "rules": {"condition": self.rules_condition, "value": self.rules},
            "handicap": {"condition": self.handicap_condition, "value": self.handicap},
        }
