"""The configuration's sections as pydantic dataclasses: every option once, with its type,
limits, default and description (the descriptions are the documentation: `ogsbot schema`,
the README's option list and `config.example.yaml` are checked against them)."""

from __future__ import annotations

import dataclasses
import os
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    WithJsonSchema,
)
from pydantic.dataclasses import dataclass

from ogsbot.bot.config.boards import BoardSizes, BoardSizesField
from ogsbot.bot.config.paths import Command, Environment, ExistingDir, OutputDir, OutputFile
from ogsbot.bot.config.values import (
    CountRange,
    Flag,
    Integer,
    Message,
    NoneIsEmpty,
    Number,
    NumberRange,
    Range,
    RankRange,
    Rotation,
    Seconds,
    SecondsRange,
    Section,
    Side,
    Text,
    Undo,
    UniqueList,
    UserRef,
    refuse,
    suggest,
)
from ogsbot.ogs.models import PRO_RANK_BASE, SPEEDS

DEFAULT_GREETING = "Hello {opponent}, I am {engine}. Have a good game!"
DEFAULT_FAREWELL = "Thank you for the game, {opponent}. Result: {result}."


def _speed_name(name: str) -> str:
    if name not in SPEEDS:
        raise refuse("one of " + ", ".join(map(repr, SPEEDS)) + suggest(name, SPEEDS))
    return name


SpeedName = Annotated[Text, AfterValidator(_speed_name)]
Ruleset = Literal["japanese", "korean", "chinese", "aga", "ing", "nz"]
Speed = Literal["blitz", "rapid", "live", "correspondence"]
EngineKind = Literal["gtp", "katago-analysis"]


def _setting(value: object) -> str | bool | int | float:
    if isinstance(value, str | bool | int | float):
        return value
    raise refuse("a string, a number or true/false (a KataGo overrideSettings value)")


QuerySettings = Annotated[
    dict[Text, Annotated[Text | Flag | Integer | Number, PlainValidator(_setting)]],
    Section,
    WithJsonSchema(
        {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}
    ),
]
TimeSystem = Literal["fischer", "byoyomi", "canadian", "simple", "absolute", "none"]
RULESETS: tuple[Ruleset, ...] = ("japanese", "korean", "chinese", "aga", "ing", "nz")
"""OGS's rulesets, as a challenge names them."""
LogLevel = Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"]

OPTIONS = ConfigDict(extra="forbid", validate_default=True, use_attribute_docstrings=True)
"""Unknown keys refused, defaults checked too, each option's docstring its description."""


_UNIQUE = {"uniqueItems": True}


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


@dataclass(frozen=True, config=OPTIONS)
class EngineConfig:
    """How to run an engine (a GTP engine, or KataGo's analysis engine) and how to talk to
    it."""

    command: Command
    """The engine's command line, as a list [program, arg, ...] or one string split like a
    shell would (no shell runs it). The program is a name found on PATH or a path; ~ is
    expanded and a relative path is relative to this file's folder. An engine on another
    machine runs through ssh: [ssh, gpu1, katago, analysis, ...]."""
    kind: EngineKind = "gtp"
    """gtp: an engine speaking GTP (GNU Go, KataGo's gtp, Pachi, Leela Zero, ...);
    katago-analysis: KataGo's analysis engine (katago analysis ...), one process serving
    every game, the bridge owning the clock, the move choice, passing and resigning."""
    endpoints: Annotated[tuple[Command, ...], UniqueList] = ()
    """More command lines running the same engine, usually on other machines
    ([ssh, gpu2, katago, analysis, ...]). katago-analysis: each is one process beside
    command's, a turn goes to the least-loaded one that is up, and one that dies has its
    turns sent to another; gtp: the processes (a pool's, or one per game) take the command
    lines in turn."""
    name: Text = ""
    """The engine's name for the greeting and logs; empty means the program's file name."""
    cwd: ExistingDir = None
    """The engine's working directory (relative to this file's folder); null means the bot's
    own working directory."""
    env: Environment = dataclasses.field(default_factory=dict, hash=False)
    """Extra environment variables for the engine process."""
    manager: Literal["per_game", "pool"] = "per_game"
    """per_game: one engine process per game, stopped after idle_timeout and restarted with
    the position replayed; pool: pool_size processes shared by all games."""
    pool_size: Annotated[Integer, Field(ge=1, le=64)] = 1
    """How many engine processes the pool manager keeps."""
    spare: Annotated[Integer, Field(ge=0, le=16)] = 0
    """Processes started ahead and kept ready: a new game (or a pool's new process) takes
    one, so its first move waits for no engine start, and another starts meanwhile."""
    idle_timeout: Seconds = 600.0
    """Seconds a per_game engine may sit unused before it is stopped (0: stop at once)."""
    start_timeout: Annotated[Number, Field(gt=0)] = 60.0
    """Seconds an engine may take to start and answer its first command."""
    command_timeout: Annotated[Number, Field(gt=0)] = 30.0
    """Seconds any GTP command but genmove may take before the engine counts as hung."""
    genmove_timeout: Annotated[Number, Field(gt=0)] = 600.0
    """Seconds a genmove may take at most before the engine counts as hung, whatever the
    clock leaves (the clock's time, less time_margin, bounds it too)."""
    quit_grace: Seconds = 5.0
    """Seconds between 'quit' and SIGTERM (and again before SIGKILL) when stopping an
    engine."""
    send_time: Flag = True
    """Tell the engine its clock (time_settings / time_left, or the kgs- and kata- forms it
    supports) before every genmove."""
    time_margin: Seconds = 1.0
    """Seconds kept back from the time the engine is told it has, and from the genmove
    timeout, to cover network lag."""
    send_rules: Flag = True
    """Send kata-set-rules with the game's rules when the engine lists that command."""
    max_failures: Annotated[Integer, Field(ge=1, le=100)] = 3
    """Consecutive engine failures (crash, hang, bad reply) in one game before the bot
    resigns it."""
    max_visits: Annotated[Integer, Field(ge=2)] | None = None
    """katago-analysis: the visits of a move's search (the query's maxVisits; one visit
    would rate no move); null: the analysis config's maxVisits. The clock bounds the search
    too (overrideSettings.maxTime)."""
    query_settings: QuerySettings = dataclasses.field(default_factory=dict, hash=False)
    """katago-analysis: settings sent with every query of this engine (KataGo's
    overrideSettings, e.g. humanSLProfile, wideRootNoise, playoutDoublingAdvantage): one
    process plays at several strengths or styles, one per profile."""
    temperature: Annotated[Number, Field(ge=0, le=2)] = 0.5
    """katago-analysis: how freely the opening's move is picked among the good ones (as
    genmove's chosenMoveTemperatureEarly); 0 always plays the best."""
    temperature_late: Annotated[Number, Field(ge=0, le=2)] = 0.1
    """katago-analysis: the temperature it decays to (as genmove's chosenMoveTemperature)."""
    temperature_halflife: Annotated[Number, Field(gt=0)] = 19.0
    """katago-analysis: moves (on 19x19, scaled by the board's area) in which the
    temperature halves its way down to temperature_late."""
    resign_winrate: Annotated[Number, Field(ge=0, le=1)] = 0.05
    """katago-analysis: the bot resigns when its win rate stays below this (and its score
    lead below -resign_score_lead) for resign_turns turns in a row; 0 never resigns."""
    resign_score_lead: Annotated[Number, Field(ge=0)] = 10.0
    """katago-analysis: points behind, as well as the low win rate, for a turn to count
    towards resigning."""
    resign_turns: Annotated[Integer, Field(ge=1, le=100)] = 3
    """katago-analysis: turns in a row past both thresholds before the bot resigns."""
    resign_min_moves: Annotated[Integer, Field(ge=0)] = 40
    """katago-analysis: never resign before this move (the opening)."""
    resign_min_moves_correspondence: Annotated[Integer, Field(ge=0)] = 100
    """katago-analysis: never resign a correspondence game before this move."""

    @property
    def display_name(self) -> str:
        """`name`, or the program's file name when no name was given."""
        if self.name:
            return self.name
        return os.path.basename(self.command[0]) if self.command else "engine"


@dataclass(frozen=True, config=OPTIONS)
class EngineProfile:
    """Another engine for some games: it applies when every criterion given matches."""

    name: Text
    """A name for logs."""
    engine: Annotated[EngineConfig, Section]
    """The engine keys that differ from the main engine (merged over it; env is merged key
    by key)."""
    board_sizes: Annotated[tuple[Side, ...] | None, Field(min_length=1), UniqueList] = None
    """Board sizes this profile plays (a board matches when its width and height are both
    listed); null for any."""
    speeds: Annotated[tuple[Speed, ...] | None, UniqueList] = None
    """Speeds this profile plays; null for any."""
    time_systems: Annotated[tuple[TimeSystem, ...] | None, UniqueList] = None
    """Time control systems this profile plays; null for any."""

    def matches(self, width: int, height: int, speed: str, system: str) -> bool:
        if self.board_sizes is not None and not (
            width in self.board_sizes and height in self.board_sizes
        ):
            return False
        if self.speeds is not None and speed not in self.speeds:
            return False
        return self.time_systems is None or system in self.time_systems


@dataclass(frozen=True, config=OPTIONS)
class FischerRanges:
    """Allowed fischer settings, [low, high] seconds; a parameter left null is not checked."""

    initial_time: SecondsRange | None = None
    """Allowed initial time."""
    time_increment: SecondsRange | None = None
    """Allowed increment per move."""
    max_time: SecondsRange | None = None
    """Allowed maximum time."""


@dataclass(frozen=True, config=OPTIONS)
class ByoyomiRanges:
    """Allowed byo-yomi settings, [low, high] (seconds; periods a count)."""

    main_time: SecondsRange | None = None
    """Allowed main time."""
    period_time: SecondsRange | None = None
    """Allowed time of a period."""
    periods: CountRange | None = None
    """Allowed number of periods."""


@dataclass(frozen=True, config=OPTIONS)
class CanadianRanges:
    """Allowed canadian settings, [low, high] (seconds; stones a count)."""

    main_time: SecondsRange | None = None
    """Allowed main time."""
    period_time: SecondsRange | None = None
    """Allowed time of a period."""
    stones_per_period: CountRange | None = None
    """Allowed number of stones to play in a period."""


@dataclass(frozen=True, config=OPTIONS)
class SimpleRanges:
    """Allowed simple settings, [low, high] seconds."""

    per_move: SecondsRange | None = None
    """Allowed time per move."""


@dataclass(frozen=True, config=OPTIONS)
class AbsoluteRanges:
    """Allowed absolute settings, [low, high] seconds."""

    total_time: SecondsRange | None = None
    """Allowed total time."""


_SYSTEMS = ("fischer", "byoyomi", "canadian", "simple", "absolute")


@dataclass(frozen=True, config=OPTIONS)
class SpeedRules:
    """Whether a speed is played, how many of its games at once, and the allowed range of
    each time parameter."""

    allowed: Flag = True
    """Whether games of this speed are played."""
    max_games: Annotated[Integer, Field(ge=0)] = 3
    """How many games of this speed may run at once."""
    fischer: Annotated[FischerRanges, Section] = FischerRanges()
    """Allowed fischer time settings for games of this speed."""
    byoyomi: Annotated[ByoyomiRanges, Section] = ByoyomiRanges()
    """Allowed byoyomi time settings for games of this speed."""
    canadian: Annotated[CanadianRanges, Section] = CanadianRanges()
    """Allowed canadian time settings for games of this speed."""
    simple: Annotated[SimpleRanges, Section] = SimpleRanges()
    """Allowed simple time settings for games of this speed."""
    absolute: Annotated[AbsoluteRanges, Section] = AbsoluteRanges()
    """Allowed absolute time settings for games of this speed."""

    def range_for(self, system: str, parameter: str) -> Range | None:
        ranges = getattr(self, system) if system in _SYSTEMS else None
        return getattr(ranges, parameter, None)

    @property
    def ranges(self) -> dict[str, dict[str, Range]]:
        """The ranges set, by system then parameter."""
        every = {system: vars(getattr(self, system)) for system in _SYSTEMS}
        found = {s: {k: v for k, v in p.items() if v is not None} for s, p in every.items()}
        return {system: params for system, params in found.items() if params}


# Default ranges per speed, in seconds (counts for periods / stones_per_period). rapid, live
# and correspondence follow gtp2ogs's defaults for simple, byoyomi and fischer; canadian and
# absolute (which gtp2ogs always rejects) and blitz (off there) are ours. A table.
_MAIN = "main_time"
_PERIOD = "period_time"
SPEED_DEFAULTS: dict[str, dict[str, Any]] = {
    "blitz": {
        "allowed": False,
        "max_games": 1,
        "fischer": {"initial_time": [30, 300], "time_increment": [1, 10], "max_time": [30, 600]},
        "byoyomi": {_MAIN: [0, 300], _PERIOD: [1, 10], "periods": [1, 10]},
        "canadian": {_MAIN: [0, 300], _PERIOD: [10, 120], "stones_per_period": [1, 25]},
        "simple": {"per_move": [1, 10]},
        "absolute": {"total_time": [60, 900]},
    },
    "rapid": {
        "allowed": True,
        "max_games": 3,
        "fischer": {"initial_time": [5, 600], "time_increment": [3, 30], "max_time": [5, 7200]},
        "byoyomi": {_MAIN: [0, 3600], _PERIOD: [5, 30], "periods": [1, 10]},
        "canadian": {_MAIN: [0, 3600], _PERIOD: [30, 600], "stones_per_period": [1, 25]},
        "simple": {"per_move": [5, 30]},
        "absolute": {"total_time": [300, 3600]},
    },
    "live": {
        "allowed": True,
        "max_games": 3,
        "fischer": {"initial_time": [10, 3600], "time_increment": [10, 300], "max_time": [5, 7200]},
        "byoyomi": {_MAIN: [0, 3600], _PERIOD: [10, 300], "periods": [1, 10]},
        "canadian": {_MAIN: [0, 3600], _PERIOD: [60, 3600], "stones_per_period": [1, 25]},
        "simple": {"per_move": [10, 300]},
        "absolute": {"total_time": [600, 14400]},
    },
    "correspondence": {
        "allowed": True,
        "max_games": 500,
        "fischer": {
            "initial_time": [86400, 604800],
            "time_increment": [43200, 604800],
            "max_time": [86400, 604800],
        },
        "byoyomi": {_MAIN: [0, 604800], _PERIOD: [43200, 604800], "periods": [1, 10]},
        "canadian": {_MAIN: [0, 604800], _PERIOD: [43200, 1209600], "stones_per_period": [1, 25]},
        "simple": {"per_move": [43200, 604800]},
        "absolute": {"total_time": [604800, 5184000]},
    },
}


def _merged(defaults: dict[str, Any], given: object) -> object:
    """`given` over `defaults`, mapping by mapping (what is left out keeps its default)."""
    if not isinstance(given, dict):
        return defaults if given is None else given
    out = dict(defaults)
    for key, value in given.items():
        base = defaults.get(key)
        out[key] = _merged(base, value) if isinstance(base, dict) else value
    return out


def _speeds_over_defaults(value: object) -> object:
    if isinstance(value, dict) and all(isinstance(v, SpeedRules) for v in value.values()):
        return value
    return _merged(SPEED_DEFAULTS, value)


_SPEED_RULES = TypeAdapter(dict[str, SpeedRules])  # built once: every ChallengeRules() uses it


def default_speed_rules() -> dict[str, SpeedRules]:
    """The default `SpeedRules` of each speed (blitz off; rapid, live, correspondence on)."""
    return _SPEED_RULES.validate_python(SPEED_DEFAULTS)


@dataclass(frozen=True, config=OPTIONS)
class ChallengeRules:
    """Which challenges the bot accepts (see `ogsbot.bot.rules.decide`); `rank_range` holds
    OGS rank numbers (30k = 0, 9d = 38, Np = 1036 + N)."""

    accept_new: Flag = True
    """Accept new challenges at all (false also hides the bot from OGS's list)."""
    board_sizes: BoardSizesField = BoardSizes()
    """Boards the bot plays: a list of square sizes, 'all', 'square', or {width: [low,
    high], height: [low, high]}."""
    rules: Annotated[tuple[Ruleset, ...], UniqueList, Field(json_schema_extra=_UNIQUE)] = RULESETS
    """Rulesets the bot plays."""
    ranked: Flag = True
    """Accept ranked games."""
    unranked: Flag = True
    """Accept unranked games."""
    handicap_ranked: Flag = True
    """Accept handicap in ranked games."""
    handicap_unranked: Flag = True
    """Accept handicap in unranked games."""
    max_handicap: Annotated[Integer, Field(ge=0, le=36)] = 9
    """The most handicap stones accepted."""
    automatic_handicap: Flag = True
    """Accept automatic handicap (OGS picks it from the ranks; max_handicap cannot be checked
    then)."""
    komi: NumberRange = Range(-99, 99)
    """Allowed komi [low, high] when the challenger sets it."""
    automatic_komi: Flag = True
    """Accept automatic komi (the rules' usual komi)."""
    rank_range: Annotated[RankRange, Field(json_schema_extra={"default": ["30k", "9p"]})] = Range(
        0.0, float(PRO_RANK_BASE + 9)
    )
    """Challenger ranks accepted, [lowest, highest]; pros rank above 9d. Each bound includes
    the whole rank as OGS shows it ('2d' accepts 2.9d)."""
    rank_applies_to: Literal["ranked", "all"] = "ranked"
    """Apply rank_range to ranked games only, or to all games."""
    bots: Flag = True
    """Accept challenges from other bots."""
    humans: Flag = True
    """Accept challenges from humans."""
    time_systems: Annotated[
        tuple[TimeSystem, ...], UniqueList, Field(json_schema_extra=_UNIQUE)
    ] = ("fischer", "byoyomi", "canadian", "simple", "absolute")
    """Time control systems accepted ('none' means no clock at all)."""
    speeds: Annotated[dict[SpeedName, SpeedRules], BeforeValidator(_speeds_over_defaults)] = (
        dataclasses.field(default_factory=default_speed_rules, hash=False)
    )
    """Per speed: whether it is played, how many games at once, and the allowed range of
    every time parameter. Keys left out keep their defaults."""
    max_games: Annotated[Integer, Field(ge=1)] = 10
    """How many games may run at once in total."""
    max_games_per_player: Annotated[Integer, Field(ge=0)] = 1
    """How many games one opponent may have at once (0: no limit)."""
    block_list: Annotated[tuple[UserRef, ...], NoneIsEmpty] = ()
    """Users never played: user ids (integers) or usernames (strings, any case)."""
    allow_list: Annotated[tuple[UserRef, ...], NoneIsEmpty] = ()
    """Users always accepted, whatever the other rules say: ids or usernames."""


@dataclass(frozen=True, config=OPTIONS)
class GameConfig:
    """How the bot behaves in a game."""

    min_move_time: Seconds = 1.5
    """Seconds: a move found faster is sent only after this long."""
    greeting: Message = DEFAULT_GREETING
    """Chat at the start of a game ('' for none); {opponent}, {engine} and {result} are
    filled in."""
    farewell: Message = DEFAULT_FAREWELL
    """Chat at the end of a game ('' for none); {opponent}, {engine} and {result} are filled
    in."""
    analysis_chat: Flag = False
    """Post the engine's analysis (win rate, variation) in the game's chat."""
    undo: Undo = "never"
    """Undo requests: 'never', 'always', or an integer: at most that many per game."""
    max_pause: Seconds = 300.0
    """Seconds after which an opponent's pause is ended."""
    sgf_dir: OutputDir = "sgf"
    """Folder for the SGF of each finished game (relative to this file's folder; '' for none;
    created if missing). `ogsbot run --sgf-dir` overrides it."""
    stone_removal: Literal["engine", "server"] = "engine"
    """engine: propose dead stones from the engine; server: accept OGS's marks, except on
    the bot's own stones (never given away without the engine's word)."""


@dataclass(frozen=True, config=OPTIONS)
class LogConfig:
    """Logging: a loguru level, an optional rotated file, a periodic status line."""

    level: Annotated[LogLevel, BeforeValidator(_upper)] = "INFO"
    """The lowest level logged."""
    file: OutputFile = None
    """Also log to this file (relative to this file's folder); null for none."""
    rotation: Rotation = "10 MB"
    """When the log file is rotated, in loguru's terms ('10 MB', '1 day', '00:00')."""
    retention: Annotated[Integer, Field(ge=0)] = 5
    """How many rotated log files are kept."""
    status_interval: Seconds = 60.0
    """Seconds between status lines in the log (0 for none)."""
    format: Literal["text", "json"] = "text"
    """text: a line per event, for people; json: one JSON object per line (time, level,
    message, and the game and opponent of a game's lines), for log collectors."""


@dataclass(frozen=True, config=OPTIONS)
class StatusConfig:
    """The daemon's own small web server: a status page and Prometheus metrics (off by
    default)."""

    enabled: Flag = False
    """Serve the status page (/, /status.json) and /metrics (Prometheus's text format)
    while the bot runs."""
    host: Text = "127.0.0.1"
    """The address to listen on; another than loopback exposes the bot's games and load to
    the network (it has no login)."""
    port: Annotated[Integer, Field(ge=0, le=65535)] = 8787
    """The port to listen on (0: any free one, logged at start)."""
