"""What another bot says it accepts (its `bot/config`, as OGS's `active-bots` lists it), read
against a game ogsbot would propose to it.

The config is goban's `BotConfigV2` from another program, read at the edge with pydantic:
a config that cannot be read makes that bot no candidate, never an error elsewhere. The
verdict is the rejection code the bot would send (OGS's codes), so a game it would refuse
is never proposed and a decline can be compared with what was predicted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ogsbot.bot.config.root import OGS_RANGES
from ogsbot.ogs.challenge import ChallengeRequest
from ogsbot.ogs.models.ranks import text_to_rank

Pair = tuple[float, float]

# OGS's code for a parameter out of its range (there is none for fischer's initial time).
RANGE_CODES = {
    "per_move": "per_move_time_out_of_range",
    "main_time": "main_time_out_of_range",
    "period_time": "period_time_out_of_range",
    "periods": "periods_out_of_range",
    "initial_time": "main_time_out_of_range",
    "max_time": "max_time_out_of_range",
    "time_increment": "time_increment_out_of_range",
}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class BoardRanges(_Lenient):
    """gtp2ogs's other form of `allowed_board_sizes`: a range per side."""

    width_range: Pair
    height_range: Pair


class SpeedSettings(_Lenient):
    """`allowed_<speed>_settings`: a range per parameter, per time system."""

    simple: dict[str, Pair] | None = None
    byoyomi: dict[str, Pair] | None = None
    fischer: dict[str, Pair] | None = None
    concurrent_games: int | None = None


class AdvertisedConfig(_Lenient):
    """The part of goban's `BotConfigV2` that says which challenges a bot takes."""

    hidden: bool = False
    decline_new_challenges: bool = False
    allowed_board_sizes: list[int] | Literal["all", "square"] | int | BoardRanges = "all"
    allowed_time_control_systems: list[str] | None = None
    allowed_blitz_settings: SpeedSettings | None = None
    allowed_rapid_settings: SpeedSettings | None = None
    allowed_live_settings: SpeedSettings | None = None
    allowed_correspondence_settings: SpeedSettings | None = None
    allow_ranked: bool = True
    allow_unranked: bool = True
    allowed_rank_range: tuple[str, str] = ("30k", "9p")
    allow_ranked_handicap: bool = True
    allow_unranked_handicap: bool = True
    allowed_komi_range: Pair | None = None

    def settings_for(self, speed: str) -> SpeedSettings | None:
        value = getattr(self, f"allowed_{speed}_settings", None)
        return value if isinstance(value, SpeedSettings) else None


def read_config(data: object) -> AdvertisedConfig | None:
    """The advertised config, or None when it cannot be read."""
    if not isinstance(data, Mapping):
        return None
    try:
        return AdvertisedConfig.model_validate(dict(data))
    except ValidationError:
        return None


def fingerprint(data: object) -> str:
    """A short digest of an advertised config: a decline for a setting holds while it is
    the same."""
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def refusal(config: AdvertisedConfig, request: ChallengeRequest, my_rank: float) -> str | None:
    """The rejection code the bot would answer `request` with, by its config; None: the
    config takes it."""
    for check in (_availability, _board, _ranked, _time_control, _komi):
        code = check(config, request)
        if code is not None:
            return code
    low, high = config.allowed_rank_range
    try:  # ranked games only, as gtp2ogs and ogsbot (by default) check it
        if request.ranked and not text_to_rank(low) <= my_rank <= text_to_rank(high):
            return "player_rank_out_of_range"
    except ValueError:
        pass  # a range it writes some other way: its own check will say
    return None


def _availability(config: AdvertisedConfig, request: ChallengeRequest) -> str | None:
    if config.hidden or config.decline_new_challenges:
        return "not_accepting_new_challenges"
    return None


def _board(config: AdvertisedConfig, request: ChallengeRequest) -> str | None:
    sizes = config.allowed_board_sizes
    square = request.width == request.height
    if sizes == "all":
        return None
    if isinstance(sizes, BoardRanges):
        (w_low, w_high), (h_low, h_high) = sizes.width_range, sizes.height_range
        fits = w_low <= request.width <= w_high and h_low <= request.height <= h_high
        return None if fits else "board_size_not_allowed"
    if not square:
        return "board_size_not_square"
    allowed = sizes == "square" or request.width in (sizes if isinstance(sizes, list) else [sizes])
    return None if allowed else "board_size_not_allowed"


def _ranked(config: AdvertisedConfig, request: ChallengeRequest) -> str | None:
    if request.ranked and not config.allow_ranked:
        return "ranked_not_allowed"
    if not request.ranked and not config.allow_unranked:
        return "unranked_not_allowed"
    handicap_ok = config.allow_ranked_handicap if request.ranked else config.allow_unranked_handicap
    if request.handicap != 0 and not handicap_ok:
        return "handicap_not_allowed"
    return None


def _time_control(config: AdvertisedConfig, request: ChallengeRequest) -> str | None:
    speed = request.speed
    settings = config.settings_for(speed)
    if settings is None or not settings.concurrent_games:  # gtp2ogs: none at once, none at all
        return f"{speed}_not_allowed"
    tc = request.time_control
    systems = config.allowed_time_control_systems
    if tc.system not in OGS_RANGES or (systems is not None and tc.system not in systems):
        return "time_control_system_not_allowed"  # a BotConfigV2 knows no other system
    ranges = getattr(settings, tc.system, None)
    if ranges is None:
        return "time_control_system_not_allowed"
    for param, key in OGS_RANGES[tc.system].items():
        bounds: Any = ranges.get(key)
        if bounds is not None and not bounds[0] <= getattr(tc, param) <= bounds[1]:
            return RANGE_CODES[param]
    return None


def _komi(config: AdvertisedConfig, request: ChallengeRequest) -> str | None:
    bounds = config.allowed_komi_range
    if request.automatic_komi or bounds is None or request.komi is None:
        return None
    return None if bounds[0] <= request.komi <= bounds[1] else "komi_out_of_range"
