"""The bot's configuration: one YAML file, checked in full before anything connects.

The options are pydantic dataclasses (`sections`, `seek`, `matchmaking`, `root`); their
descriptions are the documentation. `load_config(path)` and `parse_config(data)` return a
frozen `Config` or raise `ConfigError`, which lists every problem at once, each naming the
key path, the value found and what is allowed (`problems`). Times are seconds throughout the
file; paths may start with `~` and, when relative, start at the config file's folder. The
API key comes from `OGSBOT_API_KEY`, else `api_key`, else the file named by `api_key_file`,
and is never shown.

A new section is added the same way as the others: a pydantic dataclass with `OPTIONS` in
sections.py, or a module of its own for a large one (seek.py, matchmaking.py; each option
typed with its limits, a docstring under it), a field of `Config`, its name in
`loading._SECTIONS`, and the option in README.md and config.example.yaml (tests check both
against the schema).
"""

from ogsbot.bot.config.boards import BoardSizes
from ogsbot.bot.config.loading import load_config, parse_config, reload_config
from ogsbot.bot.config.matchmaking import MatchmakingConfig
from ogsbot.bot.config.problems import HIDDEN, MISSING, ConfigError, Problem
from ogsbot.bot.config.root import ENV_API_KEY, Config
from ogsbot.bot.config.schema import config_schema
from ogsbot.bot.config.sections import (
    DEFAULT_FAREWELL,
    DEFAULT_GREETING,
    RULESETS,
    ChallengeRules,
    EngineConfig,
    EngineProfile,
    GameConfig,
    LogConfig,
    SpeedRules,
    StatusConfig,
    default_speed_rules,
)
from ogsbot.bot.config.seek import SeekConfig, SeekOffer
from ogsbot.bot.config.values import BOARD_SIZE_LIMIT, TEMPLATE_FIELDS, Range
from ogsbot.bot.config.yaml_file import MAX_YAML_DEPTH, MAX_YAML_NODES
from ogsbot.ogs.models import TIME_PARAMETERS

__all__ = [
    "BOARD_SIZE_LIMIT",
    "DEFAULT_FAREWELL",
    "DEFAULT_GREETING",
    "ENV_API_KEY",
    "HIDDEN",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "MISSING",
    "RULESETS",
    "TEMPLATE_FIELDS",
    "TIME_PARAMETERS",
    "BoardSizes",
    "ChallengeRules",
    "Config",
    "ConfigError",
    "EngineConfig",
    "EngineProfile",
    "GameConfig",
    "LogConfig",
    "MatchmakingConfig",
    "Problem",
    "Range",
    "SeekConfig",
    "SeekOffer",
    "SpeedRules",
    "StatusConfig",
    "config_schema",
    "default_speed_rules",
    "load_config",
    "parse_config",
    "reload_config",
]
