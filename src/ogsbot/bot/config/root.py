"""The whole configuration (`Config`) and what the bot tells OGS of it (`bot/config`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr
from pydantic.dataclasses import dataclass

from ogsbot.bot.config.matchmaking import MatchmakingConfig
from ogsbot.bot.config.paths import FilePath
from ogsbot.bot.config.sections import (
    OPTIONS,
    ChallengeRules,
    EngineConfig,
    EngineProfile,
    GameConfig,
    LogConfig,
    StatusConfig,
)
from ogsbot.bot.config.seek import SeekConfig
from ogsbot.bot.config.values import (
    Flag,
    Seconds,
    Section,
    ServerURL,
    refuse,
)
from ogsbot.ogs.models import SPEEDS, rank_to_text

ENV_API_KEY = "OGSBOT_API_KEY"
"""The environment variable holding the API key; it wins over the file."""

RUNTIME_FIELDS = ("source", "overrides", "warnings")
"""Config fields that are not options: where the file was, what the command line set."""


def _key(value: object) -> SecretStr:
    if isinstance(value, SecretStr):
        return value
    if value is None:
        return SecretStr("")
    if isinstance(value, str) and value.strip():
        return SecretStr(value.strip())
    raise refuse("a non-empty string")


@dataclass(frozen=True, kw_only=True, config=OPTIONS)
class Config:
    """The whole configuration; the API key is a `SecretStr`, kept out of repr.

    `overrides` are the (dotted key, value) pairs given over the file (the command line's
    `--sgf-dir`), kept so that a reload applies them again; `warnings` are sentences about
    risky but valid settings, for check-config to print and the daemon to log.
    """

    server: ServerURL = "https://online-go.com"
    """The OGS server's base URL (https://beta.online-go.com for the beta server, or the local
    emulator's URL)."""
    api_key: Annotated[SecretStr, BeforeValidator(_key)] = dataclasses.field(
        default=SecretStr(""), repr=False
    )
    """The bot account's API key (generated on the bot's OGS profile page). The environment
    variable OGSBOT_API_KEY overrides it; prefer that or api_key_file."""
    api_key_file: FilePath = dataclasses.field(default=None, repr=False)
    """A file holding the API key (relative to this file's folder). Give api_key or
    api_key_file, not both."""
    engine: Annotated[EngineConfig, Section]
    """The main GTP engine."""
    engine_profiles: tuple[EngineProfile, ...] = ()
    """Other engines for some games, tried in order; the first profile whose criteria all
    match the game is used, else the main engine."""
    challenges: Annotated[ChallengeRules, Section] = ChallengeRules()
    """Which challenges the bot accepts."""
    game: Annotated[GameConfig, Section] = GameConfig()
    """How the bot behaves in a game."""
    log: Annotated[LogConfig, Section] = LogConfig()
    """Logging."""
    status: Annotated[StatusConfig, Section] = StatusConfig()
    """The daemon's status page and metrics."""
    seek: Annotated[SeekConfig, Section] = SeekConfig()
    """Open challenges the bot keeps for others to accept."""
    matchmaking: Annotated[MatchmakingConfig, Section] = MatchmakingConfig()
    """Challenges to other bots when the bot is idle."""
    shutdown_wait: Seconds = 600.0
    """Seconds a graceful shutdown waits for running games to end before stopping anyway."""
    hidden: Flag = False
    """Hide the bot from OGS's list of bots."""
    watch_config: Flag = True
    """Reload this file when it changes (as SIGHUP and `ogsbot reload` do): a bad file is
    refused with its problems and the old config kept."""
    source: Path | None = None
    overrides: tuple[tuple[str, Any], ...] = ()
    warnings: tuple[str, ...] = dataclasses.field(default=(), compare=False)

    def engine_for(self, width: int, height: int, speed: str, system: str) -> EngineConfig:
        """The engine of the first profile matching the game, else the main engine."""
        for profile in self.engine_profiles:
            if profile.matches(width, height, speed, system):
                return profile.engine
        return self.engine

    def bot_config_payload(self, bot_id: int = 0, username: str = "") -> dict[str, Any]:
        """What the daemon sends as OGS's `bot/config`: goban's `BotConfigV2`, every field
        and only the values its type allows.

        Never the API key nor any engine detail. `bot_id` and `username` are what the login
        answered. The systems and per-speed settings are simple, byoyomi and fischer only
        (OGS's type knows no others; canadian and absolute are still checked by `decide`);
        a speed not played has no settings key at all.
        """
        rules = self.challenges
        payload: dict[str, Any] = {
            "hidden": self.hidden or not rules.accept_new,
            "bot_id": bot_id,
            "username": username,
            "allowed_time_control_systems": [s for s in rules.time_systems if s in OGS_RANGES],
            "allowed_board_sizes": rules.board_sizes.to_ogs(),
        }
        for speed in SPEEDS:
            settings = _time_control_ranges(rules, speed)
            if settings is not None:
                payload[f"allowed_{speed}_settings"] = settings
        low, high = rules.rank_range.low, rules.rank_range.high
        payload.update(
            {
                "allow_ranked": rules.ranked,
                "allow_unranked": rules.unranked,
                "allowed_rank_range": [_rank_text(low), _rank_text(high)],
                "allow_ranked_handicap": rules.handicap_ranked,
                "allow_unranked_handicap": rules.handicap_unranked,
                "allowed_komi_range": rules.komi.as_list(),
                "decline_new_challenges": not rules.accept_new,
                "min_move_time": round(self.game.min_move_time * 1000),
                "max_games_per_player": rules.max_games_per_player,
                "_config_version": 2,
            }
        )
        return payload


def _rank_text(rank: float) -> str:
    return rank_to_text(rank, tenths=not float(rank).is_integer() and rank < 900)


OGS_RANGES = {
    "simple": {"per_move": "per_move_time_range"},
    "byoyomi": {
        "main_time": "main_time_range",
        "period_time": "period_time_range",
        "periods": "periods_range",
    },
    "fischer": {
        "initial_time": "initial_time_range",
        "max_time": "max_time_range",
        "time_increment": "time_increment_range",
    },
}
"""goban's names for the ranges of the systems it knows."""


def _time_control_ranges(rules: ChallengeRules, speed: str) -> dict[str, Any] | None:
    speed_rules = rules.speeds.get(speed)
    if speed_rules is None or not speed_rules.allowed:
        return None
    out: dict[str, Any] = {}
    for system, keys in OGS_RANGES.items():
        if system not in rules.time_systems:
            continue
        entry = {}
        for param, key in keys.items():
            found = speed_rules.range_for(system, param)
            entry[key] = found.as_list() if found is not None else [0, 0x7FFFFFFF]
        out[system] = entry
    out["concurrent_games"] = speed_rules.max_games
    return out
