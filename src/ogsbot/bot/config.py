"""The bot's configuration: one YAML file, checked in full before anything connects.

`load_config(path)` reads the file and `parse_config(data)` checks already-loaded data; both
return a frozen `Config` or raise `ConfigError`, which lists every problem at once, one per
line, each naming the key path, the value found and what is allowed. Unknown keys get a
"did you mean" (also for gtp2ogs's option names), YAML syntax errors name line and column,
and an engine program that cannot be found or run is reported before any game starts.

The options are declared once, in the table `_TOP` below (key, type, default, limits and
description). Validation walks that table, and `config_schema()` turns the same table into a
JSON Schema (draft 2020-12) that editors can use to complete and check the file.

The API key is taken from the environment variable `OGSBOT_API_KEY` if set, else from
`api_key`, else from the file named by `api_key_file`. It never appears in `repr(Config)`, in
a problem or in `bot_config_payload()`.

The YAML is refused, as a config error, when it nests more than `MAX_YAML_DEPTH` levels or
its aliases expand to more than `MAX_YAML_NODES` values (an alias bomb). `log.file` and
`game.sgf_dir` must be writable (checked without creating anything). Risky but valid settings
(no API key yet when `require_api_key` is off, plain http:// to another machine, a key file
others can read) end up in `Config.warnings`. `overrides` (the command line's `--sgf-dir`)
are kept in the Config, and `reload_config` applies them again.

Times are seconds throughout the file (OGS's `bot/config` wants `min_move_time` in
milliseconds; `bot_config_payload()` converts). Paths in the file (engine program, engine
`cwd`, `api_key_file`, `game.sgf_dir`, `log.file`) may start with `~` and, when relative,
are relative to the folder of the config file.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import shlex
import shutil
import stat
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from ogsbot.ogs.models import PRO_RANK_BASE, SPEEDS, TIME_PARAMETERS, rank_to_text, text_to_rank
from ogsbot.ogs.rest import insecure_server_warning

__all__ = [
    "BOARD_SIZE_LIMIT",
    "ENV_API_KEY",
    "HIDDEN",
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
    "Problem",
    "Range",
    "SpeedRules",
    "config_schema",
    "default_speed_rules",
    "load_config",
    "parse_config",
    "reload_config",
]

ENV_API_KEY = "OGSBOT_API_KEY"
"""The environment variable holding the API key; it wins over the file."""

HIDDEN = "<hidden>"
"""What a problem shows instead of the API key."""

RULESETS = ("japanese", "korean", "chinese", "aga", "ing", "nz")
"""OGS's rulesets, as a challenge names them."""


_COUNT_PARAMETERS = frozenset({"periods", "stones_per_period"})
_ALL_SYSTEMS = ("fischer", "byoyomi", "canadian", "simple", "absolute", "none")
_DEFAULT_SYSTEMS = ("fischer", "byoyomi", "canadian", "simple", "absolute")

BOARD_SIZE_LIMIT = 25
"""OGS's largest board side."""

TEMPLATE_FIELDS = ("opponent", "engine", "result")
"""The placeholders `game.greeting` and `game.farewell` may use."""

_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL")

DEFAULT_GREETING = "Hello {opponent}, I am {engine}. Have a good game!"
DEFAULT_FAREWELL = "Thank you for the game, {opponent}. Result: {result}."


# --- the settings -----------------------------------------------------------------------


def _plain(value: float) -> int | float:
    """A number as YAML/JSON would write it: integral values without a fraction."""
    return int(value) if float(value).is_integer() else float(value)


@dataclass(frozen=True)
class Range:
    """A closed interval [low, high]; `x in r` is true for numbers inside it."""

    low: float
    high: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", float(self.low))
        object.__setattr__(self, "high", float(self.high))

    def __contains__(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return self.low <= value <= self.high

    def as_list(self) -> list[int | float]:
        return [_plain(self.low), _plain(self.high)]

    def __str__(self) -> str:
        return f"{_plain(self.low)}..{_plain(self.high)}"


@dataclass(frozen=True)
class EngineConfig:
    """How to run a GTP engine and how to talk to it.

    `command` is the argument list (never run through a shell); `cwd` None means the bot's
    own working directory; `env` is added to the bot's environment. `manager` "per_game"
    runs one process per game (killed after `idle_timeout` s without a move, then replayed),
    "pool" keeps `pool_size` processes shared by all games. `time_margin` seconds are kept
    back from what the engine is told and from the genmove timeout, which is also bounded by
    `genmove_timeout` whatever the clock (a hung engine in a correspondence game is found in
    minutes, not days). `send_rules` sends
    `kata-set-rules` when the engine lists it. After `max_failures` consecutive engine
    failures in one game the bot resigns it.
    """

    command: tuple[str, ...]
    name: str = ""
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict, hash=False)
    manager: Literal["per_game", "pool"] = "per_game"
    pool_size: int = 1
    idle_timeout: float = 600.0
    start_timeout: float = 60.0
    command_timeout: float = 30.0
    genmove_timeout: float = 600.0
    quit_grace: float = 5.0
    send_time: bool = True
    time_margin: float = 1.0
    send_rules: bool = True
    max_failures: int = 3

    @property
    def display_name(self) -> str:
        """`name`, or the program's file name when no name was given."""
        if self.name:
            return self.name
        return os.path.basename(self.command[0]) if self.command else "engine"


@dataclass(frozen=True)
class EngineProfile:
    """Another engine for some games: it applies when every criterion given matches (None
    matches anything). `board_sizes` matches a board whose width and height are both
    listed; `speeds` and `time_systems` match the game's speed and time control system."""

    name: str
    engine: EngineConfig
    board_sizes: tuple[int, ...] | None = None
    speeds: tuple[str, ...] | None = None
    time_systems: tuple[str, ...] | None = None

    def matches(self, width: int, height: int, speed: str, system: str) -> bool:
        if self.board_sizes is not None and not (
            width in self.board_sizes and height in self.board_sizes
        ):
            return False
        if self.speeds is not None and speed not in self.speeds:
            return False
        return self.time_systems is None or system in self.time_systems


_BOARD_RANGE = Range(1, BOARD_SIZE_LIMIT)


def _join_words(items: list[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


@dataclass(frozen=True)
class BoardSizes:
    """Which boards the bot plays.

    mode "list": square boards of `sizes`; "all": any board; "square": any square board;
    "ranges": any board whose width is in `width` and height in `height`.
    """

    mode: Literal["list", "all", "square", "ranges"] = "list"
    sizes: tuple[int, ...] = (9, 13, 19)
    width: Range = _BOARD_RANGE
    height: Range = _BOARD_RANGE

    def allows(self, width: int, height: int) -> bool:
        if self.mode == "all":
            return width >= 1 and height >= 1
        if self.mode == "square":
            return width == height and width >= 1
        if self.mode == "ranges":
            return width in self.width and height in self.height
        return width == height and width in self.sizes

    @property
    def square_only(self) -> bool:
        """True when no non-square board is allowed."""
        return self.mode in ("list", "square")

    def describe(self) -> str:
        """A phrase for a sentence: "9x9, 13x13 and 19x19 boards"."""
        if self.mode == "all":
            return "any board"
        if self.mode == "square":
            return "square boards"
        if self.mode == "ranges":
            return (
                f"boards {_plain(self.width.low)} to {_plain(self.width.high)} wide and "
                f"{_plain(self.height.low)} to {_plain(self.height.high)} high"
            )
        return _join_words([f"{s}x{s}" for s in self.sizes]) + " boards"

    def to_ogs(self) -> list[int] | str:
        """The `allowed_board_sizes` value of OGS's bot config: goban's type has sizes, "all"
        or "square" only, so ranges become the square sizes they allow (all of them: "all")."""
        if self.mode in ("all", "square"):
            return self.mode
        if self.mode == "ranges":
            low = max(self.width.low, self.height.low, 1)
            high = min(self.width.high, self.height.high, 25)
            if low <= 1 and high >= 25:
                return "all"
            return list(range(math.ceil(low), int(high) + 1))
        return list(self.sizes)


@dataclass(frozen=True)
class SpeedRules:
    """Whether a speed is played, how many of its games at once, and the allowed range of
    each time parameter, keyed by system then parameter (seconds; periods and stones are
    counts). A parameter without a range is not checked."""

    allowed: bool = True
    max_games: int = 3
    ranges: dict[str, dict[str, Range]] = field(default_factory=dict, hash=False)

    def range_for(self, system: str, parameter: str) -> Range | None:
        return self.ranges.get(system, {}).get(parameter)


# Default ranges per speed, in seconds (counts for periods / stones_per_period). rapid, live
# and correspondence follow gtp2ogs's defaults for simple, byoyomi and fischer; canadian and
# absolute (which gtp2ogs always rejects) and blitz (off there) are ours.
_DEFAULT_SPEEDS: dict[str, tuple[bool, int, dict[str, dict[str, tuple[float, float]]]]] = {
    "blitz": (
        False,
        1,
        {
            "fischer": {
                "initial_time": (30, 300),
                "time_increment": (1, 10),
                "max_time": (30, 600),
            },
            "byoyomi": {"main_time": (0, 300), "period_time": (1, 10), "periods": (1, 10)},
            "canadian": {
                "main_time": (0, 300),
                "period_time": (10, 120),
                "stones_per_period": (1, 25),
            },
            "simple": {"per_move": (1, 10)},
            "absolute": {"total_time": (60, 900)},
        },
    ),
    "rapid": (
        True,
        3,
        {
            "fischer": {"initial_time": (5, 600), "time_increment": (3, 30), "max_time": (5, 7200)},
            "byoyomi": {"main_time": (0, 3600), "period_time": (5, 30), "periods": (1, 10)},
            "canadian": {
                "main_time": (0, 3600),
                "period_time": (30, 600),
                "stones_per_period": (1, 25),
            },
            "simple": {"per_move": (5, 30)},
            "absolute": {"total_time": (300, 3600)},
        },
    ),
    "live": (
        True,
        3,
        {
            "fischer": {
                "initial_time": (10, 3600),
                "time_increment": (10, 300),
                "max_time": (5, 7200),
            },
            "byoyomi": {"main_time": (0, 3600), "period_time": (10, 300), "periods": (1, 10)},
            "canadian": {
                "main_time": (0, 3600),
                "period_time": (60, 3600),
                "stones_per_period": (1, 25),
            },
            "simple": {"per_move": (10, 300)},
            "absolute": {"total_time": (600, 14400)},
        },
    ),
    "correspondence": (
        True,
        500,
        {
            "fischer": {
                "initial_time": (86400, 604800),
                "time_increment": (43200, 604800),
                "max_time": (86400, 604800),
            },
            "byoyomi": {
                "main_time": (0, 604800),
                "period_time": (43200, 604800),
                "periods": (1, 10),
            },
            "canadian": {
                "main_time": (0, 604800),
                "period_time": (43200, 1209600),
                "stones_per_period": (1, 25),
            },
            "simple": {"per_move": (43200, 604800)},
            "absolute": {"total_time": (604800, 5184000)},
        },
    ),
}


def default_speed_rules() -> dict[str, SpeedRules]:
    """The default `SpeedRules` of each speed (blitz off; rapid, live, correspondence on)."""
    out: dict[str, SpeedRules] = {}
    for speed, (allowed, max_games, systems) in _DEFAULT_SPEEDS.items():
        ranges = {
            system: {param: Range(float(low), float(high)) for param, (low, high) in params.items()}
            for system, params in systems.items()
        }
        out[speed] = SpeedRules(allowed, max_games, ranges)
    return out


@dataclass(frozen=True)
class ChallengeRules:
    """Which challenges the bot accepts (see `ogsbot.bot.rules.decide`).

    `rank_range` holds OGS rank numbers (30k = 0, 9d = 38, Np = 1036 + N), applied to ranked
    games or to all games (`rank_applies_to`). `block_list` / `allow_list` hold user ids
    (ints) and usernames (strings, compared case-insensitively); the allow list overrides
    every other rule. `max_games_per_player` 0 means no limit.
    """

    accept_new: bool = True
    board_sizes: BoardSizes = BoardSizes()
    rules: tuple[str, ...] = RULESETS
    ranked: bool = True
    unranked: bool = True
    handicap_ranked: bool = True
    handicap_unranked: bool = True
    max_handicap: int = 9
    automatic_handicap: bool = True
    komi: Range = Range(-99, 99)
    automatic_komi: bool = True
    rank_range: Range = Range(0.0, float(PRO_RANK_BASE + 9))
    rank_applies_to: Literal["ranked", "all"] = "ranked"
    bots: bool = True
    humans: bool = True
    time_systems: tuple[str, ...] = _DEFAULT_SYSTEMS
    speeds: dict[str, SpeedRules] = field(default_factory=default_speed_rules, hash=False)
    max_games: int = 10
    max_games_per_player: int = 1
    block_list: tuple[str | int, ...] = ()
    allow_list: tuple[str | int, ...] = ()


@dataclass(frozen=True)
class GameConfig:
    """How the bot behaves in a game.

    `min_move_time` seconds: a faster move is held back until then. `greeting` / `farewell`
    are chatted at the start and end ("" sends nothing) with `{opponent}`, `{engine}` and
    `{result}` filled in. `undo`: "never", "always", or at most N accepted per game.
    An opponent's pause is ended after `max_pause` seconds. `sgf_dir` ("" for none) is
    resolved against the config file's folder. `stone_removal` "engine" proposes dead
    stones from the engine (`final_status_list dead`), "server" accepts OGS's marks; either
    way the bot's own stones are never accepted as dead without the engine's word.
    """

    min_move_time: float = 1.5
    greeting: str = DEFAULT_GREETING
    farewell: str = DEFAULT_FAREWELL
    analysis_chat: bool = False
    undo: Literal["never", "always"] | int = "never"
    max_pause: float = 300.0
    sgf_dir: str = "sgf"
    stone_removal: Literal["engine", "server"] = "engine"


@dataclass(frozen=True)
class LogConfig:
    """Logging: a loguru `level`, an optional `file` rotated at `rotation` (loguru's
    syntax: "10 MB", "1 day", "00:00") keeping `retention` old files, and a status line
    every `status_interval` seconds (0 for none)."""

    level: str = "INFO"
    file: str | None = None
    rotation: str = "10 MB"
    retention: int = 5
    status_interval: float = 60.0


@dataclass(frozen=True, kw_only=True)
class Config:
    """The whole configuration; `api_key` is kept out of repr.

    `overrides` are the (dotted key, value) pairs given over the file (the command line's
    `--sgf-dir`), kept so that a reload applies them again; `warnings` are sentences about
    risky but valid settings, for check-config to print and the daemon to log.
    """

    server: str = "https://online-go.com"
    api_key: str = field(repr=False)
    engine: EngineConfig
    engine_profiles: tuple[EngineProfile, ...] = ()
    challenges: ChallengeRules = ChallengeRules()
    game: GameConfig = GameConfig()
    log: LogConfig = LogConfig()
    shutdown_wait: float = 600.0
    hidden: bool = False
    source: Path | None = None
    overrides: tuple[tuple[str, Any], ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

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
            "allowed_time_control_systems": [
                s for s in rules.time_systems if s in ("simple", "byoyomi", "fischer")
            ],
            "allowed_board_sizes": rules.board_sizes.to_ogs(),
        }
        for speed in SPEEDS:
            settings = _time_control_ranges(rules, speed)
            if settings is not None:
                payload[f"allowed_{speed}_settings"] = settings
        payload.update(
            {
                "allow_ranked": rules.ranked,
                "allow_unranked": rules.unranked,
                "allowed_rank_range": [
                    _rank_text(rules.rank_range.low),
                    _rank_text(rules.rank_range.high),
                ],
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


_OGS_RANGE_KEYS = {
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


def _time_control_ranges(rules: ChallengeRules, speed: str) -> dict[str, Any] | None:
    speed_rules = rules.speeds.get(speed)
    if speed_rules is None or not speed_rules.allowed:
        return None
    out: dict[str, Any] = {}
    for system, keys in _OGS_RANGE_KEYS.items():
        if system not in rules.time_systems:
            continue
        entry = {}
        for param, key in keys.items():
            found = speed_rules.range_for(system, param)
            entry[key] = found.as_list() if found is not None else [0, 0x7FFFFFFF]
        out[system] = entry
    out["concurrent_games"] = speed_rules.max_games
    return out


# --- problems ---------------------------------------------------------------------------


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


MISSING: Any = _Missing()
"""The value of a problem about a key that is required but absent."""


def _show(value: object) -> str:
    if value is MISSING:
        return "nothing"
    if isinstance(value, str) and value == HIDDEN:
        return HIDDEN
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration: where, what was found, what is allowed."""

    path: str
    value: object
    allowed: str
    line: int | None = None
    column: int | None = None

    def describe(self) -> str:
        if self.path == _YAML_PATH:
            where = f"line {self.line}, column {self.column}" if self.line is not None else "YAML"
            return f"{where}: YAML error: {self.value}; {self.allowed}"
        where = self.path or "(top level)"
        if self.line is not None:
            where += f" (line {self.line}, column {self.column})"
        return f"{where}: got {_show(self.value)}; allowed: {self.allowed}"


_YAML_PATH = "(YAML)"


class ConfigError(ValueError):
    """The configuration has problems; `problems` lists them all."""

    def __init__(
        self,
        problems: list[Problem],
        source: str | Path | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.problems = list(problems)
        self.source = str(source) if source is not None else None
        count = len(self.problems)
        where = f" file {self.source}" if self.source else ""
        lines = [f"{count} problem{'s' if count != 1 else ''} in the configuration{where}:"]
        lines += [f"  - {p.describe()}" for p in self.problems]
        text = "\n".join(lines)
        for secret in secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, HIDDEN)
        self._text = text
        super().__init__(text)

    def __str__(self) -> str:
        return self._text


# --- the table of options ---------------------------------------------------------------

_SECRET_WORDS = ("key", "token", "secret", "password", "passwd")

# gtp2ogs option names, and where their equivalent lives here.
_GTP2OGS_NAMES = {
    "apikey": "api_key",
    "bot": "engine",
    "blacklist": "challenges.block_list",
    "whitelist": "challenges.allow_list",
    "allowed_board_sizes": "challenges.board_sizes",
    "allowed_time_control_systems": "challenges.time_systems",
    "allowed_blitz_settings": "challenges.speeds.blitz",
    "allowed_rapid_settings": "challenges.speeds.rapid",
    "allowed_live_settings": "challenges.speeds.live",
    "allowed_correspondence_settings": "challenges.speeds.correspondence",
    "allow_ranked": "challenges.ranked",
    "allow_unranked": "challenges.unranked",
    "allowed_rank_range": "challenges.rank_range",
    "allow_ranked_handicap": "challenges.handicap_ranked",
    "allow_unranked_handicap": "challenges.handicap_unranked",
    "allowed_komi_range": "challenges.komi",
    "decline_new_challenges": "challenges.accept_new (inverted)",
    "max_games_per_player": "challenges.max_games_per_player",
    "min_move_time": "game.min_move_time (in seconds, not ms)",
    "max_pause_time": "game.max_pause",
    "greeting": "game.greeting",
    "farewell": "game.farewell",
    "logfile": "log.file",
    "status_update_frequency": "log.status_interval (in seconds)",
    "instances": "engine.pool_size",
    "persistent_idle_timeout": "engine.idle_timeout (in seconds)",
    "quit_grace_period": "engine.quit_grace (in seconds)",
    "enable_clock": "engine.send_time",
    "concurrent_games": "max_games",
    "per_move_time_range": "simple.per_move",
    "main_time_range": "<system>.main_time",
    "period_time_range": "<system>.period_time",
    "periods_range": "byoyomi.periods",
    "initial_time_range": "fischer.initial_time",
    "max_time_range": "fischer.max_time",
    "time_increment_range": "fischer.time_increment",
}


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


class _Ctx:
    """What a check needs besides the value: where problems go and where paths start."""

    def __init__(self, base_dir: Path) -> None:
        self.problems: list[Problem] = []
        self.base_dir = base_dir
        self.secrets: list[str] = []
        self.warnings: list[str] = []

    def problem(self, path: str, value: object, allowed: str) -> None:
        self.problems.append(Problem(path, value, allowed))

    def resolve(self, text: str) -> Path:
        path = Path(os.path.expanduser(text))
        return path if path.is_absolute() else self.base_dir / path


class _Spec:
    """One option: how to check a YAML value, its default, its JSON Schema."""

    def __init__(self, description: str, default: Any = None) -> None:
        self.description = description
        self.default = default

    def allowed(self) -> str:
        raise NotImplementedError

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        raise NotImplementedError

    def fallback(self) -> Any:
        """The value used when the key is invalid, so that checking can go on."""
        return self.default

    def missing(self, path: str, ctx: _Ctx) -> Any:
        """The value of an absent key."""
        return self.fallback()

    def json_default(self) -> Any:
        return self.default

    def type_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def schema(self, with_default: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"description": self.description}
        out.update(self.type_schema())
        if with_default:
            default = self.json_default()
            if default is not None or self.nullable_default():
                out["default"] = default
        return out

    def nullable_default(self) -> bool:
        return False


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


class _Bool(_Spec):
    def allowed(self) -> str:
        return "true or false"

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if isinstance(value, bool):
            return value
        ctx.problem(path, value, self.allowed())
        return self.default

    def type_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


class _Number(_Spec):
    def __init__(
        self,
        description: str,
        default: float,
        *,
        integer: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        positive: bool = False,
    ) -> None:
        super().__init__(description, default)
        self.integer = integer
        self.minimum = minimum
        self.maximum = maximum
        self.positive = positive

    def allowed(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if self.minimum is not None and self.maximum is not None:
            return f"{kind} from {_plain(self.minimum)} to {_plain(self.maximum)}"
        if self.positive:
            return f"{kind} > 0"
        if self.minimum is not None:
            return f"{kind} >= {_plain(self.minimum)}"
        return kind

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        ok = _is_number(value) and (not self.integer or float(value).is_integer())
        if ok:
            number = float(value)
            if self.minimum is not None and number < self.minimum:
                ok = False
            if self.maximum is not None and number > self.maximum:
                ok = False
            if self.positive and number <= 0:
                ok = False
        if not ok:
            ctx.problem(path, value, self.allowed())
            return self.default
        return int(value) if self.integer else float(value)

    def type_schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "integer" if self.integer else "number"}
        if self.minimum is not None:
            out["minimum"] = _plain(self.minimum)
        if self.maximum is not None:
            out["maximum"] = _plain(self.maximum)
        if self.positive:
            out["exclusiveMinimum"] = 0
        return out


class _Text(_Spec):
    def __init__(
        self,
        description: str,
        default: str | None,
        *,
        choices: tuple[str, ...] | None = None,
        nullable: bool = False,
        nonempty: bool = False,
        upper: bool = False,
        validate: Callable[[str], str | None] | None = None,
        hint: str = "",
    ) -> None:
        super().__init__(description, default)
        self.choices = choices
        self.nullable = nullable
        self.nonempty = nonempty
        self.upper = upper
        self.validate = validate
        self.hint = hint

    def allowed(self) -> str:
        if self.choices is not None:
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        elif self.hint:
            text = self.hint
        else:
            text = "a non-empty string" if self.nonempty else "a string"
        return text + (" or null" if self.nullable else "")

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if value is None and self.nullable:
            return None
        if not isinstance(value, str) or (self.nonempty and not value.strip()):
            ctx.problem(path, value, self.allowed())
            return self.default
        text = value.upper() if self.upper else value
        if self.choices is not None and text not in self.choices:
            ctx.problem(path, value, self.allowed())
            return self.default
        if self.validate is not None:
            error = self.validate(text)
            if error is not None:
                ctx.problem(path, value, error)
                return self.default
        return text

    def nullable_default(self) -> bool:
        return self.nullable

    def type_schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": ["string", "null"] if self.nullable else "string"}
        if self.choices is not None:
            out["enum"] = list(self.choices) + ([None] if self.nullable else [])
        if self.nonempty:
            out["minLength"] = 1
        return out


class _Secret(_Text):
    """The API key: its value is never shown."""

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            if isinstance(value, str | int | float):
                ctx.secrets.append(str(value))
            ctx.problem(path, HIDDEN, self.allowed())
            return None
        ctx.secrets.append(value.strip())
        return value.strip()


class _PathText(_Text):
    """A path in the file: `~` expanded, relative to the config file's folder."""

    def __init__(self, description: str, default: str | None, *, kind: str = "") -> None:
        super().__init__(description, default, nullable=default is None, hint="a path")
        self.kind = kind

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        text = super().check(value, path, ctx)
        if not text:
            return text
        resolved = ctx.resolve(text)
        if self.kind == "dir" and not resolved.is_dir():
            ctx.problem(path, value, f"an existing directory ({resolved} is not one)")
        elif self.kind == "file" and not resolved.is_file():
            ctx.problem(path, value, f"an existing file ({resolved} is not one)")
        elif self.kind in ("output_dir", "output_file"):
            error = _unwritable(resolved, directory=self.kind == "output_dir")
            if error is not None:
                ctx.problem(path, value, error)
        return str(resolved)

    def missing(self, path: str, ctx: _Ctx) -> Any:
        if not self.default:
            return self.default
        return self.check(self.default, path, ctx)


def _unwritable(path: Path, *, directory: bool) -> str | None:
    """Why the bot could not write `path` (a folder it creates files in, or a file it appends
    to, creating missing folders on the way), or None when it can."""
    what = "a folder the bot can create files in" if directory else "a file the bot can write"
    if path.exists():
        if directory and not path.is_dir():
            return f"{what} ({path} exists and is not a folder)"
        if not directory and path.is_dir():
            return f"{what} ({path} is a folder)"
        mode = os.W_OK | os.X_OK if directory else os.W_OK
        if not os.access(path, mode):
            return f"{what} ({path} is not writable by this user)"
        return None
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"{what} ({parent} is not a folder, so {path} cannot be created)"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{what} ({path} does not exist and {parent} is not writable by this user)"
    return None


def _rotation(text: str) -> str | None:
    """None when loguru understands `text` as a rotation, else what is allowed."""
    try:
        from loguru._file_sink import FileSink
    except ImportError:  # another loguru: the logging setup reports a bad value itself
        return None
    try:
        FileSink(os.devnull, rotation=text, delay=True)  # type: ignore[no-untyped-call]
    except (ValueError, TypeError):
        return "a size ('10 MB'), a duration ('1 day', '1 week'), a time ('00:00') or both"
    return None


class _TextList(_Spec):
    def __init__(
        self,
        description: str,
        default: tuple[str, ...] | None,
        choices: tuple[str, ...],
        *,
        nullable: bool = False,
    ) -> None:
        super().__init__(description, default)
        self.choices = choices
        self.nullable = nullable

    def allowed(self) -> str:
        text = "a list of " + ", ".join(repr(c) for c in self.choices)
        return text + (" (or null for any)" if self.nullable else "")

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if value is None and self.nullable:
            return None
        if not isinstance(value, list):
            ctx.problem(path, value, self.allowed())
            return self.default
        out: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or item not in self.choices:
                ctx.problem(
                    f"{path}[{index}]", item, "one of " + ", ".join(map(repr, self.choices))
                )
            elif item not in out:
                out.append(item)
        return tuple(out)

    def json_default(self) -> Any:
        return None if self.default is None else list(self.default)

    def nullable_default(self) -> bool:
        return self.nullable

    def type_schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": ["array", "null"] if self.nullable else "array",
            "items": {"type": "string", "enum": list(self.choices)},
            "uniqueItems": True,
        }
        return out


class _SizeList(_Spec):
    """A list of board sides (profiles' `board_sizes`)."""

    def allowed(self) -> str:
        return f"a list of board sizes from 1 to {BOARD_SIZE_LIMIT} (or null for any)"

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            ctx.problem(path, value, self.allowed())
            return None
        out: list[int] = []
        for index, item in enumerate(value):
            if (
                not _is_number(item)
                or not float(item).is_integer()
                or not 1 <= item <= BOARD_SIZE_LIMIT
            ):
                ctx.problem(f"{path}[{index}]", item, f"an integer from 1 to {BOARD_SIZE_LIMIT}")
            elif int(item) not in out:
                out.append(int(item))
        return tuple(out)

    def nullable_default(self) -> bool:
        return True

    def type_schema(self) -> dict[str, Any]:
        return {
            "type": ["array", "null"],
            "items": {"type": "integer", "minimum": 1, "maximum": BOARD_SIZE_LIMIT},
            "minItems": 1,
        }


def _range_schema(minimum: float | None, maximum: float | None, integer: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "integer" if integer else "number"}
    if minimum is not None:
        item["minimum"] = _plain(minimum)
    if maximum is not None:
        item["maximum"] = _plain(maximum)
    return {"type": "array", "items": item, "minItems": 2, "maxItems": 2}


def _check_range(
    value: Any,
    path: str,
    ctx: _Ctx,
    allowed: str,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
) -> Range | None:
    if not isinstance(value, list | tuple) or len(value) != 2:
        ctx.problem(path, value, allowed)
        return None
    low, high = value
    for number in (low, high):
        if (
            not _is_number(number)
            or (integer and not float(number).is_integer())
            or (minimum is not None and number < minimum)
            or (maximum is not None and number > maximum)
        ):
            ctx.problem(path, value, allowed)
            return None
    if low > high:
        ctx.problem(path, value, f"{allowed}, with low <= high (the minimum is above the maximum)")
        return None
    return Range(float(low), float(high))


class _RangeSpec(_Spec):
    def __init__(
        self,
        description: str,
        default: tuple[float, float],
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        integer: bool = False,
        unit: str = "",
    ) -> None:
        super().__init__(description, Range(float(default[0]), float(default[1])))
        self.minimum = minimum
        self.maximum = maximum
        self.integer = integer
        self.unit = unit

    def allowed(self) -> str:
        kind = "integers" if self.integer else "numbers"
        limits = ""
        if self.minimum is not None and self.maximum is not None:
            limits = f" from {_plain(self.minimum)} to {_plain(self.maximum)}"
        elif self.minimum is not None:
            limits = f" >= {_plain(self.minimum)}"
        unit = f" ({self.unit})" if self.unit else ""
        return f"a range [low, high] of {kind}{limits}{unit}"

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        found = _check_range(
            value, path, ctx, self.allowed(), self.minimum, self.maximum, self.integer
        )
        return self.default if found is None else found

    def json_default(self) -> Any:
        return cast(Range, self.default).as_list()

    def type_schema(self) -> dict[str, Any]:
        return _range_schema(self.minimum, self.maximum, self.integer)


class _RankRange(_Spec):
    def __init__(self, description: str, default: tuple[str, str]) -> None:
        super().__init__(description, Range(text_to_rank(default[0]), text_to_rank(default[1])))
        self.text_default = default

    def allowed(self) -> str:
        return (
            "two ranks [lowest, highest] such as ['30k', '9p'] (kyu 30k-1k, dan 1d-9d, pro 1p-9p)"
        )

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if not isinstance(value, list | tuple) or len(value) != 2:
            ctx.problem(path, value, self.allowed())
            return self.default
        try:
            low, high = (text_to_rank(item) for item in value)
        except ValueError:
            ctx.problem(path, value, self.allowed())
            return self.default
        if low > high:
            ctx.problem(path, value, self.allowed() + ", the lower rank first")
            return self.default
        return Range(low, high)

    def json_default(self) -> Any:
        return list(self.text_default)

    def type_schema(self) -> dict[str, Any]:
        pattern = r"^\s*\d+(\.\d+)?\s*([kK]|[kK]yu|[dD]|[dD]an|[pP]|[pP]ro)\s*$"
        return {
            "type": "array",
            "items": {"type": "string", "pattern": pattern},
            "minItems": 2,
            "maxItems": 2,
        }


class _BoardSizesSpec(_Spec):
    def allowed(self) -> str:
        return (
            f"a list of sizes from 1 to {BOARD_SIZE_LIMIT} such as [9, 13, 19], 'all', 'square', "
            "or {width: [low, high], height: [low, high]}"
        )

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if value in ("all", "square"):
            return BoardSizes(mode=value)
        if isinstance(value, list) and value:
            sizes: list[int] = []
            for index, item in enumerate(value):
                if (
                    not _is_number(item)
                    or not float(item).is_integer()
                    or not 1 <= item <= BOARD_SIZE_LIMIT
                ):
                    ctx.problem(
                        f"{path}[{index}]", item, f"an integer from 1 to {BOARD_SIZE_LIMIT}"
                    )
                elif int(item) not in sizes:
                    sizes.append(int(item))
            return BoardSizes(mode="list", sizes=tuple(sizes)) if sizes else self.default
        if isinstance(value, Mapping):
            ranges: dict[str, Range] = {}
            for key, item in value.items():
                if key not in ("width", "height"):
                    hint = _suggest(str(key), ("width", "height"))
                    ctx.problem(_join(path, key), item, "width or height" + hint)
                    continue
                found = _check_range(
                    item,
                    _join(path, key),
                    ctx,
                    f"a range [low, high] of integers from 1 to {BOARD_SIZE_LIMIT}",
                    1,
                    BOARD_SIZE_LIMIT,
                    integer=True,
                )
                if found is not None:
                    ranges[key] = found
            return BoardSizes(
                mode="ranges",
                sizes=(),
                width=ranges.get("width", _BOARD_RANGE),
                height=ranges.get("height", _BOARD_RANGE),
            )
        ctx.problem(path, value, self.allowed())
        return self.default

    def json_default(self) -> Any:
        return cast(BoardSizes, self.default).to_ogs()

    def type_schema(self) -> dict[str, Any]:
        side = _range_schema(1, BOARD_SIZE_LIMIT, True)
        return {
            "oneOf": [
                {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1, "maximum": BOARD_SIZE_LIMIT},
                    "minItems": 1,
                },
                {"type": "string", "enum": ["all", "square"]},
                {
                    "type": "object",
                    "properties": {
                        "width": {"description": "Allowed widths [low, high].", **side},
                        "height": {"description": "Allowed heights [low, high].", **side},
                    },
                    "additionalProperties": False,
                },
            ]
        }


class _UndoSpec(_Spec):
    def allowed(self) -> str:
        return "'never', 'always', or an integer >= 0 (the most undos accepted per game)"

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if value in ("never", "always"):
            return value
        if _is_number(value) and float(value).is_integer() and value >= 0:
            return int(value)
        ctx.problem(path, value, self.allowed())
        return self.default

    def type_schema(self) -> dict[str, Any]:
        return {
            "oneOf": [
                {"type": "string", "enum": ["never", "always"]},
                {"type": "integer", "minimum": 0},
            ]
        }


def _template(text: str) -> str | None:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        return f"a message whose braces are balanced ({error})"
    unknown = [name for name in names if name not in TEMPLATE_FIELDS]
    if unknown:
        fields = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
        return f"a message using only the placeholders {fields} (found {{{unknown[0]}}})"
    return None


def _server_url(text: str) -> str | None:
    if re.match(r"^https?://[^\s/]+", text):
        return None
    return "an http:// or https:// URL such as 'https://online-go.com'"


class _CommandSpec(_Spec):
    def allowed(self) -> str:
        return "the engine's command line: a list [program, arg, ...] or one string"

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        parts: list[str]
        if isinstance(value, str):
            try:
                parts = shlex.split(value)
            except ValueError as error:
                ctx.problem(path, value, f"{self.allowed()} with balanced quotes ({error})")
                return ()
        elif isinstance(value, list) and all(
            isinstance(item, str) or _is_number(item) for item in value
        ):
            parts = [item if isinstance(item, str) else str(_plain(item)) for item in value]
        else:
            ctx.problem(path, value, self.allowed() + " (of strings)")
            return ()
        if not parts or not parts[0].strip():
            ctx.problem(path, value, self.allowed() + " (not empty)")
            return ()
        program = _find_program(parts[0], path, ctx)
        rest = [os.path.expanduser(p) if p.startswith("~/") else p for p in parts[1:]]
        return (program, *rest)

    def fallback(self) -> Any:
        return ()

    def type_schema(self) -> dict[str, Any]:
        return {
            "oneOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": ["string", "number"]}, "minItems": 1},
            ]
        }


def _find_program(program: str, path: str, ctx: _Ctx) -> str:
    """The program as it will be run: a path resolved against the config's folder, or a
    name that is on PATH. Records a problem when it cannot be run."""
    expanded = os.path.expanduser(program)
    if os.sep in expanded or (os.altsep and os.altsep in expanded):
        resolved = ctx.resolve(expanded)
        if not resolved.exists():
            ctx.problem(path, program, f"an engine program that exists ({resolved} was not found)")
        elif resolved.is_dir() or not os.access(resolved, os.X_OK):
            ctx.problem(
                path,
                program,
                f"an executable engine program ({resolved} is not executable; "
                f"try: chmod +x {resolved})",
            )
        return str(resolved)
    if shutil.which(expanded) is None:
        ctx.problem(
            path,
            program,
            f"an engine program on PATH or a path to one ({expanded!r} was not found on PATH; "
            "give its full path, e.g. /usr/games/gnugo)",
        )
    return expanded


class _EnvSpec(_Spec):
    def allowed(self) -> str:
        return "a mapping of environment variable names to strings"

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            ctx.problem(path, value, self.allowed())
            return {}
        out: dict[str, str] = {}
        for key, item in value.items():
            if not isinstance(key, str) or not key or "=" in key:
                ctx.problem(_join(path, key), item, "a variable name without '='")
            elif isinstance(item, str):
                out[key] = item
            elif _is_number(item):
                out[key] = str(_plain(item))
            else:
                ctx.problem(_join(path, key), item, "a string or a number")
        return out

    def fallback(self) -> Any:
        return {}

    def json_default(self) -> Any:
        return {}

    def type_schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": {"type": ["string", "number"]}}


class _IdList(_Spec):
    def __init__(self, description: str) -> None:
        super().__init__(description, ())

    def allowed(self) -> str:
        return "a list of user ids (integers) and usernames (strings)"

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list):
            ctx.problem(path, value, self.allowed())
            return ()
        out: list[str | int] = []
        for index, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                out.append(item.strip())
            elif isinstance(item, int) and not isinstance(item, bool) and item > 0:
                out.append(item)
            else:
                ctx.problem(f"{path}[{index}]", item, "a user id (integer > 0) or a username")
        return tuple(out)

    def json_default(self) -> Any:
        return []

    def type_schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": ["string", "integer"]}}


def _suggest(key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class _Object(_Spec):
    """A mapping with known keys; `partial` fills no defaults (engine profiles)."""

    def __init__(
        self,
        description: str,
        fields: dict[str, _Spec],
        *,
        required: tuple[str, ...] = (),
        partial: bool = False,
    ) -> None:
        super().__init__(description, None)
        self.fields = fields
        self.required = required
        self.partial = partial

    def allowed(self) -> str:
        return "a mapping with the keys " + ", ".join(self.fields)

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            ctx.problem(path, value, self.allowed())
            value = {}
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = _join(path, key)
            spec = self.fields.get(key) if isinstance(key, str) else None
            if spec is None:
                ctx.problem(sub, _unknown_value(key, item), self._unknown(str(key), path))
                continue
            out[key] = spec.check(item, sub, ctx)
        for key, spec in self.fields.items():
            if key in out:
                continue
            if key in self.required:
                ctx.problem(_join(path, key), MISSING, spec.allowed())
                out[key] = spec.fallback()
            elif isinstance(spec, _Object) and not spec.partial:
                out[key] = spec.check({}, _join(path, key), ctx)
            elif not self.partial:
                out[key] = spec.missing(_join(path, key), ctx)
        return out

    def _unknown(self, key: str, path: str) -> str:
        where = f"a key of {path}" if path else "a top-level key"
        if key in _GTP2OGS_NAMES:
            return f"{where}; {key!r} is a gtp2ogs option: use {_GTP2OGS_NAMES[key]}"
        elsewhere = sorted(
            (p for p in _key_paths() if p.rsplit(".", 1)[-1] == key), key=lambda p: p.count(".")
        )
        if elsewhere:
            return f"{where}; did you mean {elsewhere[0]}?"
        hint = _suggest(key, self.fields)
        return f"{where}{hint}" if hint else f"{where} ({', '.join(self.fields)})"

    def fallback(self) -> Any:
        if self.partial:
            return {}
        return {key: spec.fallback() for key, spec in self.fields.items()}

    def json_default(self) -> Any:
        return None

    def type_schema(self) -> dict[str, Any]:
        props = {
            key: spec.schema(with_default=not self.partial) for key, spec in self.fields.items()
        }
        out: dict[str, Any] = {
            "type": "object",
            "properties": props,
            "additionalProperties": False,
        }
        if self.required:
            out["required"] = list(self.required)
        return out


def _unknown_value(key: object, value: object) -> object:
    """The value of an unknown key as a problem shows it: secret-looking entries hidden,
    also inside mappings and lists (gtp2ogs's `bot: {apikey: ...}`, say)."""
    lowered = str(key).lower()
    if any(word in lowered for word in _SECRET_WORDS):
        return HIDDEN
    if isinstance(value, Mapping):
        return {k: _unknown_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknown_value("", item) for item in value]
    return value


class _List(_Spec):
    def __init__(self, description: str, item: _Object) -> None:
        super().__init__(description, ())
        self.item = item

    def allowed(self) -> str:
        return "a list of mappings"

    def check(self, value: Any, path: str, ctx: _Ctx) -> Any:
        if value is None:
            return ()
        if not isinstance(value, list):
            ctx.problem(path, value, self.allowed())
            return ()
        return tuple(self.item.check(item, f"{path}[{i}]", ctx) for i, item in enumerate(value))

    def json_default(self) -> Any:
        return []

    def type_schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.item.schema(with_default=False)}


# --- the table itself -------------------------------------------------------------------


def _engine_fields() -> dict[str, _Spec]:
    return {
        "command": _CommandSpec(
            "The engine's command line, as a list [program, arg, ...] or one string split like "
            "a shell would (no shell runs it). The program is a name found on PATH or a path; "
            "~ is expanded and a relative path is relative to this file's folder."
        ),
        "name": _Text(
            "The engine's name for the greeting and logs; empty means the program's file name.",
            "",
        ),
        "cwd": _PathText(
            "The engine's working directory (relative to this file's folder); null means the "
            "bot's own working directory.",
            None,
            kind="dir",
        ),
        "env": _EnvSpec("Extra environment variables for the engine process."),
        "manager": _Text(
            "per_game: one engine process per game, stopped after idle_timeout and restarted "
            "with the position replayed; pool: pool_size processes shared by all games.",
            "per_game",
            choices=("per_game", "pool"),
        ),
        "pool_size": _Number(
            "How many engine processes the pool manager keeps.",
            1,
            integer=True,
            minimum=1,
            maximum=64,
        ),
        "idle_timeout": _Number(
            "Seconds a per_game engine may sit unused before it is stopped (0: stop at once).",
            600.0,
            minimum=0,
        ),
        "start_timeout": _Number(
            "Seconds an engine may take to start and answer its first command.",
            60.0,
            positive=True,
        ),
        "command_timeout": _Number(
            "Seconds any GTP command but genmove may take before the engine counts as hung.",
            30.0,
            positive=True,
        ),
        "genmove_timeout": _Number(
            "Seconds a genmove may take at most before the engine counts as hung, whatever "
            "the clock leaves (the clock's time, less time_margin, bounds it too).",
            600.0,
            positive=True,
        ),
        "quit_grace": _Number(
            "Seconds between 'quit' and SIGTERM (and again before SIGKILL) when stopping "
            "an engine.",
            5.0,
            minimum=0,
        ),
        "send_time": _Bool(
            "Tell the engine its clock (time_settings / time_left, or the kgs- and kata- forms "
            "it supports) before every genmove.",
            True,
        ),
        "time_margin": _Number(
            "Seconds kept back from the time the engine is told it has, and from the genmove "
            "timeout, to cover network lag.",
            1.0,
            minimum=0,
        ),
        "send_rules": _Bool(
            "Send kata-set-rules with the game's rules when the engine lists that command.",
            True,
        ),
        "max_failures": _Number(
            "Consecutive engine failures (crash, hang, bad reply) in one game before the bot "
            "resigns it.",
            3,
            integer=True,
            minimum=1,
            maximum=100,
        ),
    }


def _speed_spec(speed: str) -> _Object:
    allowed, max_games, systems = _DEFAULT_SPEEDS[speed]
    fields: dict[str, _Spec] = {
        "allowed": _Bool(f"Whether {speed} games are played.", allowed),
        "max_games": _Number(
            f"How many {speed} games may run at once.", max_games, integer=True, minimum=0
        ),
    }
    for system, params in TIME_PARAMETERS.items():
        entries: dict[str, _Spec] = {}
        for param in params:
            count = param in _COUNT_PARAMETERS
            entries[param] = _RangeSpec(
                f"Allowed {system} {param.replace('_', ' ')} in {speed} games, "
                f"[low, high] ({'a count' if count else 'seconds'}).",
                systems[system][param],
                minimum=0,
                integer=count,
                unit="a count" if count else "seconds",
            )
        fields[system] = _Object(f"Allowed {system} time settings for {speed} games.", entries)
    return _Object(f"Rules for {speed} games.", fields)


_PROFILE_ENGINE = _Object(
    "The engine keys that differ from the main engine (merged over it; env is merged key by key).",
    _engine_fields(),
    partial=True,
)

_TOP = _Object(
    "ogsbot configuration.",
    {
        "server": _Text(
            "The OGS server's base URL (https://beta.online-go.com for the beta server, or the "
            "local emulator's URL).",
            "https://online-go.com",
            validate=_server_url,
            hint="an http:// or https:// URL",
        ),
        "api_key": _Secret(
            "The bot account's API key (generated on the bot's OGS profile page). The "
            "environment variable OGSBOT_API_KEY overrides it; prefer that or api_key_file.",
            None,
            nullable=True,
            hint="a non-empty string",
        ),
        "api_key_file": _PathText(
            "A file holding the API key (relative to this file's folder). Give api_key or "
            "api_key_file, not both.",
            None,
        ),
        "engine": _Object("The main GTP engine.", _engine_fields(), required=("command",)),
        "engine_profiles": _List(
            "Other engines for some games, tried in order; the first profile whose criteria "
            "all match the game is used, else the main engine.",
            _Object(
                "An engine profile.",
                {
                    "name": _Text("A name for logs.", ""),
                    "board_sizes": _SizeList(
                        "Board sizes this profile plays (a board matches when its width and "
                        "height are both listed); null for any.",
                        None,
                    ),
                    "speeds": _TextList(
                        "Speeds this profile plays; null for any.", None, SPEEDS, nullable=True
                    ),
                    "time_systems": _TextList(
                        "Time control systems this profile plays; null for any.",
                        None,
                        _ALL_SYSTEMS,
                        nullable=True,
                    ),
                    "engine": _PROFILE_ENGINE,
                },
            ),
        ),
        "challenges": _Object(
            "Which challenges the bot accepts.",
            {
                "accept_new": _Bool(
                    "Accept new challenges at all (false also hides the bot from OGS's list).",
                    True,
                ),
                "board_sizes": _BoardSizesSpec(
                    "Boards the bot plays: a list of square sizes, 'all', 'square', or "
                    "{width: [low, high], height: [low, high]}.",
                    BoardSizes(),
                ),
                "rules": _TextList("Rulesets the bot plays.", RULESETS, RULESETS),
                "ranked": _Bool("Accept ranked games.", True),
                "unranked": _Bool("Accept unranked games.", True),
                "handicap_ranked": _Bool("Accept handicap in ranked games.", True),
                "handicap_unranked": _Bool("Accept handicap in unranked games.", True),
                "max_handicap": _Number(
                    "The most handicap stones accepted.", 9, integer=True, minimum=0, maximum=36
                ),
                "automatic_handicap": _Bool(
                    "Accept automatic handicap (OGS picks it from the ranks; max_handicap "
                    "cannot be checked then).",
                    True,
                ),
                "komi": _RangeSpec(
                    "Allowed komi [low, high] when the challenger sets it.", (-99, 99)
                ),
                "automatic_komi": _Bool("Accept automatic komi (the rules' usual komi).", True),
                "rank_range": _RankRange(
                    "Challenger ranks accepted, [lowest, highest]; pros rank above 9d. Each bound "
                    "includes the whole rank as OGS shows it ('2d' accepts 2.9d).",
                    ("30k", "9p"),
                ),
                "rank_applies_to": _Text(
                    "Apply rank_range to ranked games only, or to all games.",
                    "ranked",
                    choices=("ranked", "all"),
                ),
                "bots": _Bool("Accept challenges from other bots.", True),
                "humans": _Bool("Accept challenges from humans.", True),
                "time_systems": _TextList(
                    "Time control systems accepted ('none' means no clock at all).",
                    _DEFAULT_SYSTEMS,
                    _ALL_SYSTEMS,
                ),
                "speeds": _Object(
                    "Per speed: whether it is played, how many games at once, and the allowed "
                    "range of every time parameter. Keys left out keep their defaults.",
                    {speed: _speed_spec(speed) for speed in SPEEDS},
                ),
                "max_games": _Number(
                    "How many games may run at once in total.", 10, integer=True, minimum=1
                ),
                "max_games_per_player": _Number(
                    "How many games one opponent may have at once (0: no limit).",
                    1,
                    integer=True,
                    minimum=0,
                ),
                "block_list": _IdList(
                    "Users never played: user ids (integers) or usernames (strings)."
                ),
                "allow_list": _IdList(
                    "Users always accepted, whatever the other rules say: ids or usernames."
                ),
            },
        ),
        "game": _Object(
            "How the bot behaves in a game.",
            {
                "min_move_time": _Number(
                    "Seconds: a move found faster is sent only after this long.", 1.5, minimum=0
                ),
                "greeting": _Text(
                    "Chat at the start of a game ('' for none); {opponent}, {engine} and "
                    "{result} are filled in.",
                    DEFAULT_GREETING,
                    validate=_template,
                ),
                "farewell": _Text(
                    "Chat at the end of a game ('' for none); {opponent}, {engine} and "
                    "{result} are filled in.",
                    DEFAULT_FAREWELL,
                    validate=_template,
                ),
                "analysis_chat": _Bool(
                    "Post the engine's analysis (win rate, variation) in the game's chat.", False
                ),
                "undo": _UndoSpec(
                    "Undo requests: 'never', 'always', or an integer: at most that many per game.",
                    "never",
                ),
                "max_pause": _Number(
                    "Seconds after which an opponent's pause is ended.", 300.0, minimum=0
                ),
                "sgf_dir": _PathText(
                    "Folder for the SGF of each finished game (relative to this file's "
                    "folder; '' for none; created if missing). `ogsbot run --sgf-dir` "
                    "overrides it.",
                    "sgf",
                    kind="output_dir",
                ),
                "stone_removal": _Text(
                    "engine: propose dead stones from the engine; server: accept OGS's "
                    "marks, except on the bot's own stones (never given away without the "
                    "engine's word).",
                    "engine",
                    choices=("engine", "server"),
                ),
            },
        ),
        "log": _Object(
            "Logging.",
            {
                "level": _Text("The lowest level logged.", "INFO", choices=_LOG_LEVELS, upper=True),
                "file": _PathText(
                    "Also log to this file (relative to this file's folder); null for none.",
                    None,
                    kind="output_file",
                ),
                "rotation": _Text(
                    "When the log file is rotated, in loguru's terms ('10 MB', '1 day', '00:00').",
                    "10 MB",
                    nonempty=True,
                    validate=_rotation,
                ),
                "retention": _Number(
                    "How many rotated log files are kept.", 5, integer=True, minimum=0
                ),
                "status_interval": _Number(
                    "Seconds between status lines in the log (0 for none).", 60.0, minimum=0
                ),
            },
        ),
        "shutdown_wait": _Number(
            "Seconds a graceful shutdown waits for running games to end before stopping anyway.",
            600.0,
            minimum=0,
        ),
        "hidden": _Bool("Hide the bot from OGS's list of bots.", False),
    },
)


def _walk(spec: _Object, prefix: str) -> list[str]:
    out: list[str] = []
    for key, child in spec.fields.items():
        path = _join(prefix, key)
        out.append(path)
        if isinstance(child, _Object) and not child.partial:
            out.extend(_walk(child, path))
        elif isinstance(child, _List):
            out.extend(_walk(child.item, path + "[]"))
    return out


_KEY_PATHS: list[str] = []


def _key_paths() -> list[str]:
    if not _KEY_PATHS:
        _KEY_PATHS.extend(_walk(_TOP, ""))
    return _KEY_PATHS


def config_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the config file, from the same table as validation."""
    body = _TOP.type_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ogsbot configuration",
        "description": (
            "The YAML configuration of the ogsbot daemon. The API key may also come from "
            f"the environment variable {ENV_API_KEY}."
        ),
        **body,
    }


# --- building the dataclasses ----------------------------------------------------------


def _engine(values: Mapping[str, Any]) -> EngineConfig:
    return EngineConfig(
        command=tuple(values["command"]),
        name=values["name"],
        cwd=values["cwd"],
        env=dict(values["env"]),
        manager=values["manager"],
        pool_size=values["pool_size"],
        idle_timeout=values["idle_timeout"],
        start_timeout=values["start_timeout"],
        command_timeout=values["command_timeout"],
        genmove_timeout=values["genmove_timeout"],
        quit_grace=values["quit_grace"],
        send_time=values["send_time"],
        time_margin=values["time_margin"],
        send_rules=values["send_rules"],
        max_failures=values["max_failures"],
    )


def _profiles(
    items: tuple[dict[str, Any], ...], main: dict[str, Any], ctx: _Ctx
) -> tuple[EngineProfile, ...]:
    out = []
    for index, item in enumerate(items):
        path = f"engine_profiles[{index}]"
        if item["board_sizes"] is None and item["speeds"] is None and item["time_systems"] is None:
            ctx.problem(
                path,
                {k: v for k, v in item.items() if k != "engine"},
                "a profile with at least one of board_sizes, speeds, time_systems "
                "(without any it would replace the main engine)",
            )
        merged = {**main, **item["engine"]}
        merged["env"] = {**main["env"], **item["engine"].get("env", {})}
        out.append(
            EngineProfile(
                name=item["name"] or f"profile-{index + 1}",
                engine=_engine(merged),
                board_sizes=item["board_sizes"],
                speeds=item["speeds"],
                time_systems=item["time_systems"],
            )
        )
    return tuple(out)


def _challenges(values: Mapping[str, Any]) -> ChallengeRules:
    speeds: dict[str, SpeedRules] = {}
    for speed in SPEEDS:
        entry = values["speeds"][speed]
        ranges = {system: dict(entry[system]) for system in TIME_PARAMETERS}
        speeds[speed] = SpeedRules(entry["allowed"], entry["max_games"], ranges)
    return ChallengeRules(
        accept_new=values["accept_new"],
        board_sizes=values["board_sizes"],
        rules=values["rules"],
        ranked=values["ranked"],
        unranked=values["unranked"],
        handicap_ranked=values["handicap_ranked"],
        handicap_unranked=values["handicap_unranked"],
        max_handicap=values["max_handicap"],
        automatic_handicap=values["automatic_handicap"],
        komi=values["komi"],
        automatic_komi=values["automatic_komi"],
        rank_range=values["rank_range"],
        rank_applies_to=values["rank_applies_to"],
        bots=values["bots"],
        humans=values["humans"],
        time_systems=values["time_systems"],
        speeds=speeds,
        max_games=values["max_games"],
        max_games_per_player=values["max_games_per_player"],
        block_list=values["block_list"],
        allow_list=values["allow_list"],
    )


def _overridden(data: Mapping[Any, Any], pairs: tuple[tuple[str, Any], ...]) -> dict[Any, Any]:
    """A copy of `data` with each dotted key of `pairs` set (mappings on the way created)."""
    out = dict(data)
    for dotted, value in pairs:
        head, _, rest = dotted.partition(".")
        if rest:
            inner = out.get(head)
            out[head] = _overridden(inner if isinstance(inner, Mapping) else {}, ((rest, value),))
        else:
            out[head] = value
    return out


def _api_key(
    values: Mapping[str, Any], env: Mapping[str, str], ctx: _Ctx, *, required: bool = True
) -> str:
    inline = values.get("api_key")
    key_file = values.get("api_key_file")
    if inline is not None and key_file is not None:
        ctx.problem(
            "api_key_file", key_file, "api_key or api_key_file, not both (remove one of them)"
        )
    from_env = (env.get(ENV_API_KEY) or "").strip()
    if from_env:
        ctx.secrets.append(from_env)
        return from_env
    if inline:
        return str(inline)
    if key_file:
        try:
            text = Path(key_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            ctx.problem("api_key_file", key_file, f"a readable file holding the API key ({error})")
            return ""
        if not text:
            ctx.problem("api_key_file", key_file, "a file holding the API key (it is empty)")
        ctx.secrets.append(text)
        return text
    how = (
        f"set the environment variable {ENV_API_KEY}, or api_key or api_key_file "
        "in this file (generate one on the bot account's OGS profile page)"
    )
    if required:
        ctx.problem("api_key", MISSING, f"an API key: {how}")
    else:
        ctx.warnings.append(
            f"api_key: no API key yet; `ogsbot run` needs one: {how}. "
            "The rest of the file is valid."
        )
    return ""


def parse_config(
    data: object,
    env: Mapping[str, str] | None = None,
    base_dir: str | Path | None = None,
    *,
    source: Path | None = None,
    require_api_key: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Check already-loaded YAML data and build the Config, or raise ConfigError.

    `env` defaults to os.environ (only OGSBOT_API_KEY is read); `base_dir`, the folder that
    relative paths start from, defaults to the current directory. Without
    `require_api_key` a missing API key is a warning (`Config.warnings`), not a problem:
    check-config validates the file, only `run` needs the key. `overrides` maps dotted keys
    ("game.sgf_dir") to values that replace the file's.
    """
    env = os.environ if env is None else env
    ctx = _Ctx(Path(base_dir) if base_dir is not None else Path.cwd())
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        problem = Problem("", data, "a YAML mapping of options (key: value lines)")
        raise ConfigError([problem], source)
    pairs = tuple((overrides or {}).items())
    data = _overridden(data, pairs)
    values = _TOP.check(data, "", ctx)
    api_key = _api_key(values, env, ctx, required=require_api_key)
    warning = insecure_server_warning(values["server"])
    if warning is not None:
        ctx.warnings.append(f"server: {warning}")
    main_engine = values["engine"]
    config = Config(
        server=values["server"].rstrip("/"),
        api_key=api_key,
        engine=_engine(main_engine),
        engine_profiles=_profiles(values["engine_profiles"], main_engine, ctx),
        challenges=_challenges(values["challenges"]),
        game=GameConfig(**values["game"]),
        log=LogConfig(**values["log"]),
        shutdown_wait=values["shutdown_wait"],
        hidden=values["hidden"],
        source=source,
        overrides=pairs,
        warnings=tuple(ctx.warnings),
    )
    if ctx.problems:
        raise ConfigError(ctx.problems, source, tuple(ctx.secrets))
    return config


# --- YAML -------------------------------------------------------------------------------


MAX_YAML_DEPTH = 20
"""The deepest nesting of lists and mappings accepted (a real config needs about 7)."""

MAX_YAML_NODES = 20_000
"""The most values a config may hold once its aliases are expanded (a real one has a few
hundred): a YAML alias bomb ("billion laughs") is refused before it is built."""


class _YAMLLimit(yaml.MarkedYAMLError):
    """The YAML is too deep or expands too much; `hint` says what is allowed."""

    def __init__(self, problem: str, mark: yaml.Mark | None, hint: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (YAML silently keeps the last one), nesting
    deeper than `MAX_YAML_DEPTH` and aliases expanding to more than `MAX_YAML_NODES`."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _YAMLLimit(
                    f"lists and mappings nested more than {MAX_YAML_DEPTH} levels deep",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                    f"at most {MAX_YAML_DEPTH} levels of nesting",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _expanded(node: yaml.Node, sizes: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(values, depth) of a node with every alias expanded; each node is measured once,
    so a bomb is measured in the time its file takes to read. A node met again while it is
    being measured is an alias to itself (infinite)."""
    key = id(node)
    known = sizes.get(key)
    if known is not None:
        if known[0] < 0:
            raise _YAMLLimit(
                "an alias that refers to itself", node.start_mark, "no recursive aliases"
            )
        return known
    sizes[key] = (-1, 0)
    size, depth = 1, 0
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    for child in children:
        child_size, child_depth = _expanded(child, sizes)
        size += child_size
        depth = max(depth, child_depth)
        if size > MAX_YAML_NODES:
            raise _YAMLLimit(
                f"more than {MAX_YAML_NODES} values once its aliases (*name) are expanded",
                node.start_mark,
                f"at most {MAX_YAML_NODES} values, aliases expanded (is it an alias bomb?)",
            )
    if children:
        depth += 1
        if depth > MAX_YAML_DEPTH:
            raise _YAMLLimit(
                f"lists and mappings nested more than {MAX_YAML_DEPTH} levels deep once its "
                "aliases are expanded",
                node.start_mark,
                f"at most {MAX_YAML_DEPTH} levels of nesting",
            )
    sizes[key] = (size, depth)
    return size, depth


def _load_yaml(text: str) -> Any:
    """The YAML document in `text`, checked for size and depth before it is built."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded(node, {})
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _mapping_without_duplicates(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found the key {key!r} twice",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_duplicates,
)

_INLINE_KEY = re.compile(r"^\s*api_?key\s*:\s*['\"]?([^'\"\s#]+)", re.MULTILINE | re.IGNORECASE)


def _yaml_problem(error: yaml.YAMLError) -> Problem:
    if isinstance(error, _YAMLLimit):
        mark = error.problem_mark
        return Problem(
            _YAML_PATH,
            f"the file holds {error.problem}",
            error.hint,
            line=mark.line + 1 if mark is not None else None,
            column=mark.column + 1 if mark is not None else None,
        )
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        text = error.problem or "invalid YAML"
        if error.context:
            text = f"{text} ({error.context})"
        return Problem(
            _YAML_PATH,
            text,
            "check the indentation, colons, brackets and quotes around there",
            line=mark.line + 1,
            column=mark.column + 1,
        )
    return Problem(_YAML_PATH, str(error), "the file must be valid YAML")


def _open_to_others(path: Path) -> str | None:
    """The permission bits of `path` (as '0644') when its group or others may read it."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    return f"{stat.S_IMODE(mode):04o}" if mode & (stat.S_IRGRP | stat.S_IROTH) else None


def _key_file_warnings(file: Path, data: object) -> list[str]:
    """Warnings about an API key that other users of the machine can read."""
    if not isinstance(data, Mapping):
        return []
    found: list[tuple[str, Path]] = []
    if isinstance(data.get("api_key"), str) and data["api_key"].strip():
        found.append(("api_key", file))
    key_file = data.get("api_key_file")
    if isinstance(key_file, str) and key_file.strip():
        holder = Path(os.path.expanduser(key_file))
        found.append(("api_key_file", holder if holder.is_absolute() else file.parent / holder))
    out = []
    for key, holder in found:
        mode = _open_to_others(holder)
        if mode is not None:
            out.append(
                f"{key}: {holder} holds the API key and other users of this machine can read "
                f"it (mode {mode}); run: chmod 600 {shlex.quote(str(holder))}"
            )
    return out


def load_config(
    path: str | Path,
    env: Mapping[str, str] | None = None,
    *,
    require_api_key: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Read and check a YAML config file; relative paths in it start at its folder.

    `require_api_key` and `overrides` are `parse_config`'s; a file holding the API key that
    other users can read adds a warning to `Config.warnings`.
    """
    file = Path(os.path.expanduser(str(path))).resolve()
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            [Problem("(file)", str(file), f"a readable UTF-8 YAML file ({error})")], file
        ) from None
    try:
        data = _load_yaml(text)
    except yaml.YAMLError as error:
        secrets = tuple(match.group(1) for match in _INLINE_KEY.finditer(text))
        if env is not None and env.get(ENV_API_KEY):
            secrets += (env[ENV_API_KEY],)
        raise ConfigError([_yaml_problem(error)], file, secrets) from None
    config = parse_config(
        data,
        env,
        file.parent,
        source=file,
        require_api_key=require_api_key,
        overrides=overrides,
    )
    warnings = (*_key_file_warnings(file, data), *config.warnings)
    return replace(config, source=file, warnings=warnings)


def reload_config(current: Config, env: Mapping[str, str] | None = None) -> Config:
    """`current`'s file read and checked again, with the same overrides (`--sgf-dir`); what
    the daemon does on SIGHUP. Raises ConfigError (or ValueError when `current` came from no
    file)."""
    if current.source is None:
        raise ValueError("the configuration did not come from a file")
    return load_config(current.source, env, overrides=dict(current.overrides))
