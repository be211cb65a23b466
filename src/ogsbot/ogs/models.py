"""Dataclasses parsed from OGS's JSON, tolerant of missing and unknown fields.

OGS payloads vary by era and context (0/1 for booleans, numbers as strings, keys that come
and go), so every parser here takes what it finds, fills defaults for what is missing and
ignores what it does not know. Only a payload that is not a JSON object at all (where one is
expected) raises `ValueError`, naming what was expected; so does a move that cannot be read,
since a game replayed without it would be wrong.

Game data is validated at this edge: `GameData` refuses (ValueError naming the field and
the value) what cannot be a game, such as a board side outside 1..25, stones or moves off the
board, an unknown phase or absurd numbers, so nothing downstream (the live game, the SGF
writer, the engine) ever meets one. Every text read from a payload is made encodable as UTF-8
(`utf8_safe`: a lone surrogate such as JSON's "\\ud800" becomes U+FFFD).

`to_json()` writes the shapes OGS itself sends (the local emulator sends them), with OGS's
field names and nesting, and `from_json(x.to_json()) == x` for every model.

Units follow OGS: clock timestamps (`last_move`, `expiration`, `now`, `paused_since`, ...)
are epoch milliseconds, player times and time-control values are seconds, game `start_time`
/ `end_time` and notification `timestamp` are epoch seconds, a move's time is milliseconds.

Ranks are OGS's floats: 30k = 0, 1k = 29, 1d = 30, 9d = 38; professionals are 1036 + N
("bigranknums"), or 36 + N on a player flagged professional (see `rank_to_text`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ogsbot.ogs.coords import MAX_BOARD_SIZE, unpack_ogs

__all__ = [
    "MAX_KOMI",
    "MAX_SECONDS",
    "PHASES",
    "PRO_RANK_BASE",
    "SPEEDS",
    "TIME_PARAMETERS",
    "TIME_SYSTEMS",
    "ActiveGame",
    "Challenge",
    "ChatLine",
    "Clock",
    "ClockPause",
    "Color",
    "GameData",
    "Move",
    "MoveEvent",
    "Player",
    "PlayerClock",
    "RengoTeams",
    "TimeControl",
    "UndoRequest",
    "rank_to_text",
    "speed_of_move_time",
    "text_to_rank",
    "utf8_safe",
]

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
PHASES = ("play", "stone removal", "finished")
"""A game's phases (goban's `game/<id>/phase` type); game data with any other is refused."""
MAX_KOMI = 1000.0
"""The largest komi (either sign) game data may carry; more is not a game."""
MAX_SECONDS = 1e9
"""The largest time-control value (seconds, about 31 years) game data may carry."""
_LATEST_EPOCH = 253402300799.0  # 9999-12-31T23:59:59Z: later start/end times are not dates

Color = Literal["black", "white"]

PRO_RANK_BASE = 1036
"""OGS ranks a professional N-dan as 1036 + N (`proRankList`), or 36 + N with the pro flag."""

_OGS_LETTERS = "abcdefghijklmnopqrstuvwxyz"


# --- tolerant field readers -------------------------------------------------------------


def utf8_safe(text: str) -> str:
    """`text` made encodable as UTF-8: a lone surrogate (JSON "\\ud800") becomes U+FFFD and
    a split surrogate pair is joined; text that encodes already is returned as is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _clean(value: Any) -> Any:
    """A JSON value with every text in it (keys too) made `utf8_safe`."""
    if isinstance(value, str):
        return utf8_safe(value)
    if isinstance(value, Mapping):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def _text(value: object) -> str:
    """A value as text: "" for null."""
    return "" if value is None else str(value)


def _describe(value: object) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _require_object(data: object, what: str) -> Mapping[str, Any]:
    """The payload as a mapping, or ValueError naming what was expected."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{what}: expected a JSON object, got {_describe(data)}")
    return data


def _as_number(value: object) -> float | None:
    """A finite number from a number or a numeric string; None for anything else (bools too)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def _number(data: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    """A numeric field that may be missing, null or a numeric string."""
    value = _as_number(data.get(key))
    return default if value is None else value


def _optional_number(data: Mapping[str, Any], key: str) -> float | None:
    return _as_number(data.get(key))


def _int(data: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = _as_number(data.get(key))
    return default if value is None else int(value)


def _optional_int(data: Mapping[str, Any], key: str) -> int | None:
    value = _as_number(data.get(key))
    return None if value is None else int(value)


def _as_bool(value: object, default: bool = False) -> bool:
    """true/false, 0/1 (OGS's older payloads) or their string forms."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no", ""):
            return False
    return default


def _bool(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    return _as_bool(data.get(key), default)


def _optional_bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is None:
        return None
    return _as_bool(value)


def _str(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = _optional_str(data, key)
    return default if value is None else value


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, str):
        return utf8_safe(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _mapping(value: object) -> dict[str, Any] | None:
    """A copy of a JSON object (its texts `utf8_safe`), or None when it is not one."""
    return _clean(value) if isinstance(value, Mapping) else None


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    """The value of the first of `keys` present and not null."""
    for key in keys:
        value = data.get(key)
        if value is not None:
            return value
    return None


def _out(value: float) -> int | float:
    """A number as OGS writes it: integral values without a fraction."""
    return int(value) if float(value).is_integer() else value


def _js_round(value: float) -> int:
    """JavaScript's Math.round: halves go up."""
    return math.floor(value + 0.5)


def _color(value: object, default: Color = "black") -> Color:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("black", "b"):
            return "black"
        if lowered in ("white", "w"):
            return "white"
    return default


def _other(color: Color) -> Color:
    return "white" if color == "black" else "black"


# --- ranks ------------------------------------------------------------------------------

_RANK_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(k|kyu|d|dan|p|pro)\s*$", re.IGNORECASE)
_EPS = 1e-9


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def rank_to_text(rank: float, professional: bool = False, *, tenths: bool = False) -> str:
    """OGS's rank label for a rank number, as online-go.com's `rankString` writes it.

    Below 30 is kyu, `ceil(30 - rank)` (so 25.2 is "5k"); from 30 it is dan,
    `floor(rank - 29)` (30 is "1d", 38.9 is "9d"). A rank above 900 is professional,
    `rank - 1036` (1037 is "1p"); with `professional` set a rank of 36 + N is also "Np",
    as OGS sends pros' `rank` in game data (37 for a 1p). Below -900 OGS shows "?".
    `tenths` gives one decimal ("7.1k", "4.3d"), like `rankString(r, true)`.
    """
    if isinstance(rank, bool) or not isinstance(rank, int | float) or not math.isfinite(rank):
        raise ValueError(f"rank {rank!r} is not a finite number")
    if rank > 900 or professional:
        return f"{_plain(rank - PRO_RANK_BASE if rank > 900 else rank - 36)}p"
    if rank < -900:
        return "?"
    if rank < 30:
        if tenths:
            return f"{math.ceil((30 - rank) * 10 - _EPS) / 10:.1f}k"
        return f"{math.ceil(30 - rank - _EPS)}k"
    if tenths:
        return f"{math.floor((rank - 29) * 10 + _EPS) / 10:.1f}d"
    return f"{math.floor(rank - 29 + _EPS)}d"


def text_to_rank(text: str) -> float:
    """The OGS rank number of a label: "5k" is 25.0, "1d" 30.0, "9d" 38.0, "1p" 1037.0.

    Accepts "k"/"kyu", "d"/"dan", "p"/"pro" in any case, with optional spaces and tenths
    ("7.1k" is 22.9). Kyu runs 30k..1k, dan 1d..9d (tenths included), pro 1p..9p. Pro ranks
    follow OGS (1036 + N), not gtp2ogs, which maps every "Np" to 999. Anything else raises
    ValueError naming the text.
    """
    if not isinstance(text, str):
        raise ValueError(f"rank {text!r} is not text such as '5k', '3d' or '1p'")
    match = _RANK_RE.match(text)
    if match is None:
        raise ValueError(f"rank {text!r} is not a rank such as '5k', '3d' or '1p'")
    number = float(match.group(1))
    unit = match.group(2)[0].lower()
    if unit == "k":
        if not 0 < number <= 30:
            raise ValueError(f"rank {text!r} is outside 30k..1k")
        return round(30.0 - number, 6)
    if unit == "d":
        if not 1 <= number < 10:
            raise ValueError(f"rank {text!r} is outside 1d..9d")
        return round(29.0 + number, 6)
    if not number.is_integer() or not 1 <= number <= 9:
        raise ValueError(f"rank {text!r} is outside 1p..9p")
    return float(PRO_RANK_BASE + int(number))


# --- time controls ----------------------------------------------------------------------


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
    def from_json(cls, data: Mapping[str, Any] | str | None) -> TimeControl:
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
                    f"time control: expected a JSON object or a system name, got {_describe(data)}"
                )
            data = decoded
        data = _require_object(data, "time control")
        if not data:
            return cls()
        system = str(data.get("system") or data.get("time_control") or "none").lower()
        return cls(
            system=utf8_safe(system),
            speed=utf8_safe(str(data.get("speed") or "")),
            pause_on_weekends=_bool(data, "pause_on_weekends"),
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
            out[key] = _out(getattr(self, key))
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
        moves = _js_round(0.7 * width * height) / 2 if width and height else 90.0
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
        return _js_round(seconds)

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
            skip_bonus=_bool(data, "skip_bonus"),
        )

    def to_json(self, system: str | None = None) -> dict[str, Any] | int | float:
        """The entry as OGS sends it: a bare number for simple time, else an object.

        With `system` the object has that system's keys (fischer `{thinking_time,
        skip_bonus}`, byoyomi `{thinking_time, periods, period_time[, period_time_left]}`,
        canadian `{thinking_time, moves_left, block_time}`, absolute `{thinking_time}`);
        without it, every key that is set, and `skip_bonus` when no overtime key is.
        """
        if self.raw is not None and system in (None, "simple"):
            return _out(self.raw)
        if system == "simple":
            return _out(self.thinking_time)
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
        out: dict[str, Any] = {"thinking_time": _out(self.thinking_time)}
        for key in allowed:
            value = optional[key]
            if value is not None:
                out[key] = _out(value)
        overtime = any(value is not None for value in optional.values())
        if system == "fischer" or (system is None and (self.skip_bonus or not overtime)):
            out["skip_bonus"] = self.skip_bonus
        return out


# --- players ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Player:
    """A user as OGS describes one in games, challenges, game lists and chat.

    The keys differ by context and era, and all are read: `rank` (game data, active_game,
    seekgraph) or `ranking` (notifications, rengo, REST, chat); `professional` or `pro` (0/1);
    `icon_url`, `icon-url` or `icon`; `id`, `user_id` (seekgraph) or `player_id` (chat).
    `rating` is the string OGS sends in notifications ("1009.541"), as a number; `ratings`
    is kept raw. `accepted*` come from stone removal and active_game.
    """

    id: int = 0
    username: str = ""
    rank: float = 0.0
    professional: bool = False
    ui_class: str | None = None
    country: str | None = None
    icon: str | None = None
    rating: float | None = None
    ratings: dict[str, Any] = field(default_factory=dict, hash=False)
    egf: float | None = None
    accepted: bool | None = None
    accepted_stones: str | None = None
    accepted_strict_seki_mode: bool | None = None

    @property
    def ranking(self) -> float:
        """The same number as `rank` (OGS calls it `ranking` in some payloads)."""
        return self.rank

    @property
    def rank_text(self) -> str:
        """The rank label, "5k", "3d" or "1p" (`rank_to_text`)."""
        return rank_to_text(self.rank, self.professional)

    @classmethod
    def from_json(cls, data: object) -> Player:
        """Parse a player object; a bare number is taken as a player id (rengo team lists)."""
        if isinstance(data, int | float) and not isinstance(data, bool):
            return cls(id=int(data))
        data = _require_object(data, "player")
        ident = _as_number(_first(data, "id", "user_id", "player_id"))
        rank = _as_number(_first(data, "ranking", "rank"))
        icon = _first(data, "icon_url", "icon-url", "icon")
        return cls(
            id=int(ident) if ident is not None else 0,
            username=_str(data, "username") or _str(data, "name"),
            rank=rank if rank is not None else 0.0,
            professional=_as_bool(_first(data, "professional", "pro")),
            ui_class=_optional_str(data, "ui_class"),
            country=_optional_str(data, "country"),
            icon=utf8_safe(icon) if isinstance(icon, str) else None,
            rating=_optional_number(data, "rating"),
            ratings=_mapping(data.get("ratings")) or {},
            egf=_optional_number(data, "egf"),
            accepted=_optional_bool(data, "accepted"),
            accepted_stones=_optional_str(data, "accepted_stones"),
            accepted_strict_seki_mode=_optional_bool(data, "accepted_strict_seki_mode"),
        )

    def to_json(self, *, rank_key: Literal["rank", "ranking"] = "rank") -> dict[str, Any]:
        """The player object; game data and active_game use `rank`, notifications `ranking`."""
        out: dict[str, Any] = {
            "id": self.id,
            "username": self.username,
            rank_key: _out(self.rank),
            "professional": self.professional,
        }
        optional: dict[str, Any] = {
            "ui_class": self.ui_class,
            "country": self.country,
            "icon_url": self.icon,
            "rating": self.rating,
            "egf": self.egf,
            "accepted": self.accepted,
            "accepted_stones": self.accepted_stones,
            "accepted_strict_seki_mode": self.accepted_strict_seki_mode,
        }
        for key, value in optional.items():
            if value is not None:
                out[key] = _out(value) if isinstance(value, float) else value
        if self.ratings:
            out["ratings"] = dict(self.ratings)
        return out


@dataclass(frozen=True)
class RengoTeams:
    """Rengo teams, each a tuple of players in playing order."""

    black: tuple[Player, ...] = ()
    white: tuple[Player, ...] = ()

    @classmethod
    def from_json(cls, data: object) -> RengoTeams:
        if not isinstance(data, Mapping):
            return cls()
        return cls(black=_players(data.get("black")), white=_players(data.get("white")))

    def to_json(self, *, rank_key: Literal["rank", "ranking"] = "ranking") -> dict[str, Any]:
        return {
            "black": [p.to_json(rank_key=rank_key) for p in self.black],
            "white": [p.to_json(rank_key=rank_key) for p in self.white],
        }

    def color_of(self, player_id: int) -> Color | None:
        if any(p.id == player_id for p in self.black):
            return "black"
        if any(p.id == player_id for p in self.white):
            return "white"
        return None


def _players(value: object) -> tuple[Player, ...]:
    """A list of player objects or ids; anything unreadable is skipped."""
    if not isinstance(value, list | tuple):
        return ()
    out = []
    for item in value:
        try:
            out.append(Player.from_json(item))
        except ValueError:
            continue
    return tuple(out)


def _player(value: object, default_id: int = 0) -> Player:
    try:
        return Player.from_json(value)
    except ValueError:
        return Player(id=default_id)


# --- moves ------------------------------------------------------------------------------


def _coordinate(value: object, move: object) -> int:
    number = _as_number(value) if not isinstance(value, str) else None
    if number is None or not number.is_integer():
        raise ValueError(f"move {_describe(move)}: coordinate {value!r} is not an integer")
    return int(number)


@dataclass(frozen=True, slots=True)  # thousands per game: no __dict__ each
class Move:
    """A move in OGS game data: x from the left, y from the top, both from 0; a pass is -1, -1.

    `time` is the milliseconds the move took (the third array element, JGOF `timedelta`),
    `color` the optional fourth element (JGOF numeric colour: 1 black, 2 white), `extra` the
    optional fifth (rengo: `played_by`, `blur`, `sgf_downloaded_by`, `player_update`).
    """

    x: int
    y: int
    time: float | None = None
    color: int | None = None
    extra: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def is_pass(self) -> bool:
        return self.x < 0 or self.y < 0

    @property
    def point(self) -> tuple[int, int] | None:
        """(x, y), or None for a pass."""
        return None if self.is_pass else (self.x, self.y)

    @property
    def played_by(self) -> int | None:
        """The player id who played it (rengo moves carry it)."""
        return _optional_int(self.extra, "played_by") if self.extra else None

    @property
    def blur(self) -> int | None:
        """Milliseconds the player's window was not focused (rengo moves carry it)."""
        return _optional_int(self.extra, "blur") if self.extra else None

    @classmethod
    def passing(cls, time: float | None = None) -> Move:
        return cls(-1, -1, time)

    @classmethod
    def from_json(cls, data: object) -> Move:
        """Parse `[x, y]`, `[x, y, ms]`, rengo's `[x, y, ms, color, {extra}]` or JGOF's
        `{x, y, timedelta?, color?, ...}` (goban accepts both forms in `moves`)."""
        if isinstance(data, Mapping):
            x = _coordinate(data.get("x"), data)
            y = _coordinate(data.get("y"), data)
            rest = {k: v for k, v in data.items() if k not in ("x", "y", "timedelta", "color")}
            color = _as_number(data.get("color"))
            return cls(
                x,
                y,
                _as_number(data.get("timedelta")),
                int(color) if color is not None else None,
                rest or None,
            )
        if not isinstance(data, list | tuple) or len(data) < 2:
            raise ValueError(f"move: expected [x, y, ms, ...] or {{x, y}}, got {_describe(data)}")
        x = _coordinate(data[0], data)
        y = _coordinate(data[1], data)
        time = _as_number(data[2]) if len(data) > 2 else None
        color = _as_number(data[3]) if len(data) > 3 else None
        extra = _mapping(data[4]) if len(data) > 4 else None
        return cls(x, y, time, int(color) if color is not None else None, extra)

    def to_json(self) -> list[Any]:
        """The packed array OGS sends: `[x, y, ms]`, or 5 elements when color/extra are set."""
        out: list[Any] = [self.x, self.y]
        if self.time is not None or self.color is not None or self.extra is not None:
            out.append(None if self.time is None else _out(self.time))
        if self.color is not None or self.extra is not None:
            out.append(self.color)
            out.append(None if self.extra is None else dict(self.extra))
        return out

    @classmethod
    def from_ogs(cls, text: str, time: float | None = None) -> Move:
        """A move from OGS letters as clients send them in `game/move` ("dd"; ".." passes)."""
        if not isinstance(text, str):
            raise ValueError(f"move {text!r} is not OGS letters")
        if text in ("..", ""):
            return cls.passing(time)
        if len(text) != 2 or any(c not in _OGS_LETTERS for c in text):
            raise ValueError(f"move {text!r} is not two OGS letters a..z or '..'")
        return cls(_OGS_LETTERS.index(text[0]), _OGS_LETTERS.index(text[1]), time)

    def to_ogs(self) -> str:
        """OGS letters ("dd"), or ".." for a pass."""
        if self.is_pass:
            return ".."
        if self.x >= len(_OGS_LETTERS) or self.y >= len(_OGS_LETTERS):
            raise ValueError(f"move ({self.x}, {self.y}) has no OGS letters")
        return _OGS_LETTERS[self.x] + _OGS_LETTERS[self.y]


def _moves(value: object) -> tuple[Move, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ValueError(f"gamedata moves: expected a list, got {_describe(value)}")
    out = []
    for index, item in enumerate(value):
        try:
            out.append(Move.from_json(item))
        except ValueError as error:
            raise ValueError(f"gamedata moves[{index}]: {error}") from None
    return tuple(out)


@dataclass(frozen=True)
class MoveEvent:
    """A `game/<id>/move` event: `move_number` is the length of the move list after it."""

    game_id: int
    move_number: int
    move: Move

    @classmethod
    def from_json(cls, data: object) -> MoveEvent:
        data = _require_object(data, "move event")
        if data.get("move") is None:
            raise ValueError(f"move event: no move in {_describe(data)}")
        number = _as_number(data.get("move_number"))
        if number is None or not number.is_integer():
            raise ValueError(f"move event: no whole move_number in {_describe(data)}")
        return cls(
            game_id=_int(data, "game_id"),
            move_number=int(number),
            move=Move.from_json(data["move"]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "game_id": self.game_id,
            "move_number": self.move_number,
            "move": self.move.to_json(),
        }


@dataclass(frozen=True)
class UndoRequest:
    """An `undo_requested` / `undo_accepted` event: since 2025-10 OGS may take back more than
    one move (a player asks for their own move and the opponent's reply).

    Both the old payload (a bare move number) and the new one (`{move_number, requested_by?,
    undo_move_count?}`) are read. `move_number` is the move the request was made at (the
    length of the move list then); `count` moves are taken back from there, None when the
    event did not say (an accept then takes back what its request asked for).
    """

    move_number: int
    requested_by: int | None = None
    count: int | None = None

    @property
    def moves(self) -> int:
        """How many moves it takes back: the count given, else one."""
        return self.count or 1

    @classmethod
    def from_json(cls, data: object) -> UndoRequest:
        if isinstance(data, Mapping):
            number = _as_number(data.get("move_number"))
            if number is None:
                raise ValueError(f"undo: no move_number in {_describe(data)}")
            by = _as_number(data.get("requested_by"))
            count = _as_number(data.get("undo_move_count"))
            return cls(
                move_number=int(number),
                requested_by=int(by) if by is not None else None,
                count=int(count) if count is not None and count > 0 else None,
            )
        number = _as_number(data)
        if number is None:
            raise ValueError(f"undo: {_describe(data)} is not a move number")
        return cls(move_number=int(number))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"move_number": self.move_number}
        if self.count is not None:
            out["undo_move_count"] = self.count
        if self.requested_by is not None:
            out["requested_by"] = self.requested_by
        return out


# --- clock ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockPause:
    """A clock's `pause` member: whether it is paused, since when (ms), and why."""

    paused: bool = False
    paused_since: float | None = None
    pause_control: dict[str, Any] | None = field(default=None, hash=False)

    @classmethod
    def from_json(cls, data: object) -> ClockPause:
        data = _require_object(data, "clock pause")
        return cls(
            paused=_bool(data, "paused"),
            paused_since=_optional_number(data, "paused_since"),
            pause_control=_mapping(data.get("pause_control")),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"paused": self.paused}
        if self.paused_since is not None:
            out["paused_since"] = _out(self.paused_since)
        if self.pause_control is not None:
            out["pause_control"] = dict(self.pause_control)
        return out


@dataclass(frozen=True)
class Clock:
    """A `game/<id>/clock` event, or the `clock` member of game data (the same shape).

    `current_player` is the id of the player whose clock runs. `black_time` / `white_time`
    are None for system none (no keys at all); simple time sends bare numbers (`raw`).
    `paused_since` can linger after a resume; `pause` is the authoritative pause state
    when sent.
    """

    game_id: int = 0
    current_player: int = 0
    black_player_id: int = 0
    white_player_id: int = 0
    title: str = ""
    last_move: float = 0.0
    expiration: float = 0.0
    black_time: PlayerClock | None = None
    white_time: PlayerClock | None = None
    now: float | None = None
    paused_since: float | None = None
    start_mode: bool = False
    stone_removal_mode: bool = False
    stone_removal_expiration: float | None = None
    expiration_delta: float | None = None
    pause_delta: float | None = None
    pause: ClockPause | None = None

    @classmethod
    def from_json(cls, data: object) -> Clock:
        data = _require_object(data, "clock")
        pause = data.get("pause")
        return cls(
            game_id=_int(data, "game_id"),
            current_player=_int(data, "current_player"),
            black_player_id=_int(data, "black_player_id"),
            white_player_id=_int(data, "white_player_id"),
            title=_str(data, "title"),
            last_move=_number(data, "last_move"),
            expiration=_number(data, "expiration"),
            black_time=PlayerClock.from_json(data.get("black_time")),
            white_time=PlayerClock.from_json(data.get("white_time")),
            now=_optional_number(data, "now"),
            paused_since=_optional_number(data, "paused_since"),
            start_mode=_bool(data, "start_mode"),
            stone_removal_mode=_bool(data, "stone_removal_mode"),
            stone_removal_expiration=_optional_number(data, "stone_removal_expiration"),
            expiration_delta=_optional_number(data, "expiration_delta"),
            pause_delta=_optional_number(data, "pause_delta"),
            pause=ClockPause.from_json(pause) if isinstance(pause, Mapping) else None,
        )

    def to_json(self, system: str | None = None) -> dict[str, Any]:
        """The GameClock object; `system` (the game's time control) shapes the player entries."""
        out: dict[str, Any] = {
            "game_id": self.game_id,
            "current_player": self.current_player,
            "black_player_id": self.black_player_id,
            "white_player_id": self.white_player_id,
            "title": self.title,
            "last_move": _out(self.last_move),
            "expiration": _out(self.expiration),
        }
        if system != "none":
            if self.black_time is not None:
                out["black_time"] = self.black_time.to_json(system)
            if self.white_time is not None:
                out["white_time"] = self.white_time.to_json(system)
        optional = {
            "now": self.now,
            "paused_since": self.paused_since,
            "stone_removal_expiration": self.stone_removal_expiration,
            "expiration_delta": self.expiration_delta,
            "pause_delta": self.pause_delta,
        }
        for key, value in optional.items():
            if value is not None:
                out[key] = _out(value)
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


# --- challenges -------------------------------------------------------------------------


def _komi(data: Mapping[str, Any]) -> float | None:
    """Komi, None meaning automatic (null, or REST's `komi_auto: "automatic"`)."""
    if _str(data, "komi_auto") == "automatic":
        return None
    return _optional_number(data, "komi")


@dataclass(frozen=True)
class Challenge:
    """A challenge to the bot, from a `challenge` notification.

    Also reads the REST shapes (`GET /api/v1/ui/overview` challenge entries, where the game
    sits under `game`, `time_control_parameters` is a JSON string and komi a string like
    "6.50"; the body POSTed to create one) and seekgraph entries (`user_id`, `rank`, `pro`,
    `min_rank`/`max_rank`). `handicap` -1 means automatic, `komi` None automatic.
    """

    notification_id: str = ""
    challenge_id: int = 0
    game_id: int = 0
    player_id: int = 0
    challenger: Player = field(default_factory=Player)
    rules: str = ""
    ranked: bool = False
    aga_rated: bool = False
    handicap: int = 0
    komi: float | None = None
    time_control: TimeControl = field(default_factory=TimeControl)
    challenger_color: str = "automatic"
    width: int = 19
    height: int = 19
    disable_analysis: bool = False
    min_ranking: float | None = None
    max_ranking: float | None = None
    timestamp: float | None = None

    @property
    def automatic_handicap(self) -> bool:
        return self.handicap < 0

    @property
    def automatic_komi(self) -> bool:
        return self.komi is None

    @property
    def speed(self) -> str:
        """The time control's speed, derived when the payload had none."""
        return self.time_control.effective_speed()

    @classmethod
    def from_json(cls, data: object) -> Challenge:
        data = _require_object(data, "challenge")
        game = data.get("game")
        src: Mapping[str, Any] = game if isinstance(game, Mapping) else data
        if "challenge_id" in data:
            challenge_id = _int(data, "challenge_id")
            notification_id = _str(data, "id")
        else:
            challenge_id = _int(data, "id")
            notification_id = ""
        user = _first(data, "user", "challenger")
        if isinstance(user, Mapping):
            challenger = _player(user)
        elif "user_id" in data:
            challenger = _player(data)
        else:
            challenger = Player()
        tc_source = src.get("time_control_parameters")
        if tc_source is None:
            tc_source = src.get("time_control")
        try:
            time_control = TimeControl.from_json(tc_source)
        except ValueError:
            time_control = TimeControl()
        return cls(
            notification_id=notification_id,
            challenge_id=challenge_id,
            game_id=_int(src, "id") if src is not data else _int(data, "game_id"),
            player_id=_int(data, "player_id"),
            challenger=challenger,
            rules=_str(src, "rules"),
            ranked=_bool(src, "ranked"),
            aga_rated=_as_bool(_first(data, "aga_rated", "aga_ranked")),
            handicap=_int(src, "handicap"),
            komi=_komi(src),
            time_control=time_control,
            challenger_color=_str(data, "challenger_color", "automatic"),
            width=_int(src, "width", 19),
            height=_int(src, "height", 19),
            disable_analysis=_bool(src, "disable_analysis"),
            min_ranking=_as_number(_first(data, "min_ranking", "min_rank")),
            max_ranking=_as_number(_first(data, "max_ranking", "max_rank")),
            timestamp=_optional_number(data, "timestamp"),
        )

    def to_json(self) -> dict[str, Any]:
        """The `challenge` notification OGS pushes to the challenged player."""
        out: dict[str, Any] = {
            "id": self.notification_id,
            "type": "challenge",
            "player_id": self.player_id,
        }
        if self.timestamp is not None:
            out["timestamp"] = _out(self.timestamp)
        out.update(
            {
                "read_timestamp": 0,
                "read": 0,
                "aux_delivered": 0,
                "game_id": self.game_id,
                "challenge_id": self.challenge_id,
                "user": self.challenger.to_json(rank_key="ranking"),
                "rules": self.rules,
                "ranked": self.ranked,
                "aga_rated": self.aga_rated,
                "disable_analysis": self.disable_analysis,
                "handicap": self.handicap,
                "komi": None if self.komi is None else _out(self.komi),
                "time_control": self.time_control.to_json(),
                "challenger_color": self.challenger_color,
                "width": self.width,
                "height": self.height,
            }
        )
        if self.min_ranking is not None:
            out["min_ranking"] = _out(self.min_ranking)
        if self.max_ranking is not None:
            out["max_ranking"] = _out(self.max_ranking)
        return out


# --- active games -----------------------------------------------------------------------


def _int_tuple(value: object) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        return ()
    numbers = (_as_number(v) for v in value)
    return tuple(int(n) for n in numbers if n is not None)


@dataclass(frozen=True)
class ActiveGame:
    """An `active_game` push (OGS's GameListEntry), sent for each game after authenticate
    and on every change. `paused` arrives as 0/1 in older payloads. There is no time control
    here; `speed` is derived from OGS's own `time_per_move` (seconds)."""

    id: int = 0
    phase: str = ""
    name: str = ""
    player_to_move: int = 0
    width: int = 19
    height: int = 19
    move_number: int = 0
    paused: bool = False
    private: bool = False
    black: Player = field(default_factory=Player)
    white: Player = field(default_factory=Player)
    time_per_move: int = 0
    clock_expiration: float | None = None
    rengo: bool = False
    rengo_teams: RengoTeams = field(default_factory=RengoTeams)
    rengo_casual_mode: bool = False
    dropped_player: int | None = None
    participants: tuple[int, ...] = ()
    ranked: bool = False
    handicap: int = 0
    komi: float | None = None
    bot_game: bool = False
    in_beginning: bool = False
    in_middle: bool = False
    in_end: bool = False
    malkovich_present: bool = False
    group_ids: tuple[int, ...] = ()

    @property
    def speed(self) -> str:
        return speed_of_move_time(self.time_per_move)

    @property
    def finished(self) -> bool:
        return self.phase == "finished"

    def color_of(self, player_id: int) -> Color | None:
        if player_id and player_id == self.black.id:
            return "black"
        if player_id and player_id == self.white.id:
            return "white"
        return self.rengo_teams.color_of(player_id) if player_id else None

    @classmethod
    def from_json(cls, data: object) -> ActiveGame:
        data = _require_object(data, "active_game")
        return cls(
            id=_int(data, "id"),
            phase=_str(data, "phase"),
            name=_str(data, "name"),
            player_to_move=_int(data, "player_to_move"),
            width=_int(data, "width", 19),
            height=_int(data, "height", 19),
            move_number=_int(data, "move_number"),
            paused=_bool(data, "paused"),
            private=_bool(data, "private"),
            black=_player(data.get("black")),
            white=_player(data.get("white")),
            time_per_move=_int(data, "time_per_move"),
            clock_expiration=_optional_number(data, "clock_expiration"),
            rengo=_bool(data, "rengo"),
            rengo_teams=RengoTeams.from_json(data.get("rengo_teams")),
            rengo_casual_mode=_bool(data, "rengo_casual_mode"),
            dropped_player=_optional_int(data, "dropped_player"),
            participants=_int_tuple(data.get("_participants")),
            ranked=_bool(data, "ranked"),
            handicap=_int(data, "handicap"),
            komi=_optional_number(data, "komi"),
            bot_game=_bool(data, "bot_game"),
            in_beginning=_bool(data, "in_beginning"),
            in_middle=_bool(data, "in_middle"),
            in_end=_bool(data, "in_end"),
            malkovich_present=_bool(data, "malkovich_present"),
            group_ids=_int_tuple(data.get("group_ids")),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "group_ids": list(self.group_ids),
            "phase": self.phase,
            "name": self.name,
            "player_to_move": self.player_to_move,
            "width": self.width,
            "height": self.height,
            "move_number": self.move_number,
            "paused": self.paused,
            "private": self.private,
            "black": self.black.to_json(),
            "white": self.white.to_json(),
            "time_per_move": self.time_per_move,
        }
        if self.clock_expiration is not None:
            out["clock_expiration"] = _out(self.clock_expiration)
        out.update(
            {
                "rengo": self.rengo,
                "rengo_teams": self.rengo_teams.to_json(),
                "rengo_casual_mode": self.rengo_casual_mode,
            }
        )
        if self.dropped_player is not None:
            out["dropped_player"] = self.dropped_player
        out.update(
            {
                "_participants": list(self.participants),
                "ranked": self.ranked,
                "handicap": self.handicap,
                "komi": None if self.komi is None else _out(self.komi),
                "bot_game": self.bot_game,
                "in_beginning": self.in_beginning,
                "in_middle": self.in_middle,
                "in_end": self.in_end,
                "malkovich_present": self.malkovich_present,
            }
        )
        return out


# --- game data --------------------------------------------------------------------------

_RULE_FLAGS = (
    "allow_self_capture",
    "automatic_stone_removal",
    "free_handicap_placement",
    "aga_handicap_scoring",
    "allow_ko",
    "allow_superko",
    "score_territory",
    "score_territory_in_seki",
    "score_stones",
    "score_handicap",
    "score_prisoners",
    "score_passes",
    "white_must_pass_last",
    "opponent_plays_first_after_resume",
    "strict_seki_mode",
)


def _removed(value: object) -> str:
    """`removed` as packed letters (OGS sends a string; goban's type also allows {x, y}[])."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        letters = []
        for item in value:
            if isinstance(item, Mapping):
                try:
                    if _as_number(item.get("x")) == -1:
                        continue  # a pass marks nothing
                    letters.append(
                        Move.from_json({"x": item.get("x"), "y": item.get("y")}).to_ogs()
                    )
                except ValueError:
                    continue
        return "".join(letters)
    return ""


def _winner(value: object) -> int | str | None:
    """A player id, or "black" / "white" / "tie" as goban's type also allows."""
    if isinstance(value, str) and value.strip().lower() in ("black", "white", "tie"):
        return value.strip().lower()
    number = _as_number(value)
    return int(number) if number is not None else None


def _board_side(data: Mapping[str, Any], key: str) -> int:
    """`width` or `height`: 19 when absent (OGS's default), else a whole number 1..25."""
    value = data.get(key)
    if value is None:
        return 19
    number = _as_number(value)
    if number is None or not number.is_integer() or not 1 <= number <= MAX_BOARD_SIZE:
        raise ValueError(
            f"gamedata {key}: {_describe(value)} is not a board side 1..{MAX_BOARD_SIZE}"
        )
    return int(number)


def _checked_number(data: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    """A numeric field: `default` when absent, null or "", else a finite number (or raise)."""
    value = data.get(key)
    if value is None or value == "":
        return default
    number = _as_number(value)
    if number is None:
        raise ValueError(f"gamedata {key}: {_describe(value)} is not a finite number")
    return number


def _initial_stones(data: Mapping[str, Any]) -> tuple[str, str]:
    """`initial_state`'s packed black and white stones (null or absent: none)."""
    initial = data.get("initial_state")
    if initial is None or initial == "":
        return "", ""
    if not isinstance(initial, Mapping):
        raise ValueError(f"gamedata initial_state: {_describe(initial)} is not an object")
    out = []
    for color in ("black", "white"):
        packed = initial.get(color)
        if packed is not None and not isinstance(packed, str):
            raise ValueError(
                f"gamedata initial_state.{color}: {_describe(packed)} is not packed letters"
            )
        out.append(packed or "")
    return out[0], out[1]


def _epoch_seconds(value: object) -> float | None:
    """A game's start/end time in epoch seconds: milliseconds are converted, anything that
    is no date (REST's ISO text, absurd numbers) is None: it is no reason to refuse a game."""
    number = _as_number(value)
    if number is None or number < 0:
        return None
    if number > _LATEST_EPOCH:
        number /= 1000
    return number if number <= _LATEST_EPOCH else None


def _whole(value: float, key: str) -> int:
    if not value.is_integer():
        raise ValueError(f"gamedata {key}: {value!r} is not a whole number")
    return int(value)


def _initial_player(value: object) -> Color:
    if value is None or value == "":
        return "black"
    if isinstance(value, str) and value.strip().lower() in ("black", "b", "white", "w"):
        return _color(value)
    raise ValueError(f"gamedata initial_player: {_describe(value)} is not black or white")


@dataclass(frozen=True)
class GameData:
    """A `game/<id>/gamedata` object (also the `gamedata` of REST `GET /api/v1/games/<id>`).

    `raw` keeps the payload but its moves (out of repr and comparisons) for keys not modelled
    here; the moves are in `moves` (a correspondence bot holds thousands of games).
    `initial_state_black` / `_white` are packed letters ("pddp"). Rule flags are the booleans
    of `_RULE_FLAGS`. `winner` is a player id (or "black"/"white"/"tie").

    Every GameData is a game (checked on creation, `replace()` included; ValueError names
    what is wrong): sides 1..25, initial stones and `removed` on the board and distinct,
    every move a pass or a point on the board, a phase of `PHASES`, |komi| <= `MAX_KOMI`,
    handicap -1..width*height, time-control values 0..`MAX_SECONDS`, start/end times dates.
    """

    game_id: int = 0
    game_name: str = ""
    phase: str = "play"
    black: Player = field(default_factory=Player)
    white: Player = field(default_factory=Player)
    black_player_id: int = 0
    white_player_id: int = 0
    width: int = 19
    height: int = 19
    komi: float = 0.0
    handicap: int = 0
    rules: str = ""
    ranked: bool = False
    private: bool = False
    disable_analysis: bool = False
    time_control: TimeControl = field(default_factory=TimeControl)
    initial_player: Color = "black"
    initial_state_black: str = ""
    initial_state_white: str = ""
    moves: tuple[Move, ...] = ()
    clock: Clock | None = None
    pause_control: dict[str, Any] | None = field(default=None, hash=False)
    paused_since: float | None = None
    allow_self_capture: bool = False
    automatic_stone_removal: bool = False
    free_handicap_placement: bool = False
    aga_handicap_scoring: bool = False
    allow_ko: bool = False
    allow_superko: bool = False
    superko_algorithm: str = ""
    score_territory: bool = False
    score_territory_in_seki: bool = False
    score_stones: bool = False
    score_handicap: bool = False
    score_prisoners: bool = False
    score_passes: bool = False
    white_must_pass_last: bool = False
    opponent_plays_first_after_resume: bool = False
    strict_seki_mode: bool = False
    rengo: bool = False
    rengo_teams: RengoTeams = field(default_factory=RengoTeams)
    player_pool: dict[int, Player] = field(default_factory=dict, hash=False)
    removed: str = ""
    score: dict[str, Any] | None = field(default=None, hash=False)
    outcome: str = ""
    winner: int | str | None = None
    start_time: float | None = None
    end_time: float | None = None
    state_version: int | None = None
    tournament_id: int | None = None
    malkovich_present: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        self._validate()

    def _validate(self) -> None:
        """Raise ValueError, naming the field, unless this can be a game."""
        w, h = self.width, self.height
        for key, side in (("width", w), ("height", h)):
            if isinstance(side, bool) or not isinstance(side, int):
                raise ValueError(f"gamedata {key}: {_describe(side)} is not a whole number")
            if not 1 <= side <= MAX_BOARD_SIZE:
                raise ValueError(f"gamedata {key}: {side} is not a board side 1..{MAX_BOARD_SIZE}")
        if self.phase not in PHASES:
            raise ValueError(f"gamedata phase: {self.phase!r} is not one of {', '.join(PHASES)}")
        if self.initial_player not in ("black", "white"):
            raise ValueError(f"gamedata initial_player: {self.initial_player!r}")
        if not math.isfinite(self.komi) or abs(self.komi) > MAX_KOMI:
            raise ValueError(f"gamedata komi: {self.komi!r} is not within +-{MAX_KOMI:g}")
        if not -1 <= self.handicap <= w * h:
            raise ValueError(f"gamedata handicap: {self.handicap} is not -1..{w * h}")
        black = self._points("initial_state.black", self.initial_state_black)
        white = self._points("initial_state.white", self.initial_state_white)
        if black & white:
            raise ValueError(
                f"gamedata initial_state: {sorted(black & white)} are both black and white"
            )
        self._points("removed", self.removed)
        for index, move in enumerate(self.moves):
            try:
                self.check_move(move)
            except ValueError as error:
                raise ValueError(f"gamedata moves[{index}]: {error}") from None
        tc = self.time_control
        for key in TIME_PARAMETERS.get(tc.system, ()):
            value = getattr(tc, key)
            if not 0 <= value <= MAX_SECONDS:
                raise ValueError(
                    f"gamedata time_control {key}: {value!r} is not 0..{MAX_SECONDS:g}"
                )
        for key in ("start_time", "end_time"):
            when = getattr(self, key)
            if when is not None and not 0 <= when <= _LATEST_EPOCH:
                raise ValueError(f"gamedata {key}: {when!r} is not a date (epoch seconds)")

    def _points(self, what: str, packed: str) -> set[tuple[int, int]]:
        """The distinct points of a packed string on this board (ValueError if not that)."""
        try:
            points = unpack_ogs(packed, self.width, self.height)
        except (ValueError, TypeError) as error:
            raise ValueError(f"gamedata {what}: {error}") from None
        if len(set(points)) != len(points):
            raise ValueError(f"gamedata {what}: {packed!r} names a point twice")
        return set(points)

    def check_move(self, move: Move) -> None:
        """Raise ValueError unless `move` is a pass or a point on this board."""
        if move.x < 0 and move.y < 0:
            return
        if not (0 <= move.x < self.width and 0 <= move.y < self.height):
            raise ValueError(f"move ({move.x}, {move.y}) is off a {self.width}x{self.height} board")

    @classmethod
    def from_json(cls, data: object) -> GameData:
        """Parse a gamedata object; ValueError naming the field if it cannot be a game."""
        data = _require_object(data, "gamedata")
        players = data.get("players")
        players = players if isinstance(players, Mapping) else {}
        clock = data.get("clock")
        clock_obj = Clock.from_json(clock) if isinstance(clock, Mapping) else None
        black_id = _int(data, "black_player_id")
        white_id = _int(data, "white_player_id")
        black = _player(players["black"], black_id) if "black" in players else Player(id=black_id)
        white = _player(players["white"], white_id) if "white" in players else Player(id=white_id)
        if not black_id:
            black_id = black.id or (clock_obj.black_player_id if clock_obj else 0)
        if not white_id:
            white_id = white.id or (clock_obj.white_player_id if clock_obj else 0)
        initial_black, initial_white = _initial_stones(data)
        phase = data.get("phase")
        if phase is not None and not isinstance(phase, str):
            raise ValueError(f"gamedata phase: {_describe(phase)} is not text")
        tc_source = data.get("time_control")
        if not isinstance(tc_source, Mapping) and data.get("time_control_parameters") is not None:
            tc_source = data.get("time_control_parameters")
        try:
            time_control = TimeControl.from_json(tc_source)
        except ValueError:
            time_control = TimeControl()
        pool = data.get("player_pool")
        player_pool: dict[int, Player] = {}
        if isinstance(pool, Mapping):
            for key, value in pool.items():
                if isinstance(value, Mapping):
                    member = _player(value)
                    ident = _as_number(key)
                    player_pool[member.id or (int(ident) if ident is not None else 0)] = member
        flags = {name: _bool(data, name) for name in _RULE_FLAGS}
        return cls(
            game_id=_int(data, "game_id"),
            game_name=_str(data, "game_name"),
            phase="play" if phase is None else phase,
            black=black,
            white=white,
            black_player_id=black_id,
            white_player_id=white_id,
            width=_board_side(data, "width"),
            height=_board_side(data, "height"),
            komi=_checked_number(data, "komi"),
            handicap=_whole(_checked_number(data, "handicap"), "handicap"),
            rules=_str(data, "rules"),
            ranked=_bool(data, "ranked"),
            private=_bool(data, "private"),
            disable_analysis=_bool(data, "disable_analysis"),
            time_control=time_control,
            initial_player=_initial_player(data.get("initial_player")),
            initial_state_black=utf8_safe(initial_black),
            initial_state_white=utf8_safe(initial_white),
            moves=_moves(data.get("moves")),
            clock=clock_obj,
            pause_control=_mapping(data.get("pause_control")),
            paused_since=_optional_number(data, "paused_since"),
            superko_algorithm=_str(data, "superko_algorithm"),
            rengo=_bool(data, "rengo"),
            rengo_teams=RengoTeams.from_json(data.get("rengo_teams")),
            player_pool=player_pool,
            removed=_removed(data.get("removed")),
            score=_mapping(data.get("score")),
            outcome=_str(data, "outcome"),
            winner=_winner(data.get("winner")),
            start_time=_epoch_seconds(data.get("start_time")),
            end_time=_epoch_seconds(data.get("end_time")),
            state_version=_optional_int(data, "state_version"),
            tournament_id=_optional_int(data, "tournament_id"),
            malkovich_present=_bool(data, "malkovich_present"),
            raw=_clean({k: v for k, v in data.items() if k != "moves"}),  # moves: parsed above
            **flags,
        )

    def to_json(self) -> dict[str, Any]:
        """The gamedata object as OGS sends it."""
        out: dict[str, Any] = {
            "game_id": self.game_id,
            "game_name": self.game_name,
            "phase": self.phase,
            "players": {"black": self.black.to_json(), "white": self.white.to_json()},
            "black_player_id": self.black_player_id,
            "white_player_id": self.white_player_id,
            "width": self.width,
            "height": self.height,
            "komi": _out(self.komi),
            "handicap": self.handicap,
            "rules": self.rules,
            "ranked": self.ranked,
            "private": self.private,
            "disable_analysis": self.disable_analysis,
            "time_control": self.time_control.to_json(),
            "initial_player": self.initial_player,
            "initial_state": {"black": self.initial_state_black, "white": self.initial_state_white},
            "moves": [move.to_json() for move in self.moves],
        }
        for name in _RULE_FLAGS:
            out[name] = getattr(self, name)
        out["superko_algorithm"] = self.superko_algorithm
        out["malkovich_present"] = self.malkovich_present
        if self.rengo or self.rengo_teams.black or self.rengo_teams.white:
            out["rengo"] = self.rengo
            out["rengo_teams"] = self.rengo_teams.to_json()
        if self.player_pool:
            out["player_pool"] = {
                str(ident): player.to_json() for ident, player in self.player_pool.items()
            }
        if self.clock is not None:
            out["clock"] = self.clock.to_json(self.time_control.system)
        if self.pause_control is not None:
            out["pause_control"] = dict(self.pause_control)
        optional: dict[str, Any] = {
            "paused_since": self.paused_since,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "state_version": self.state_version,
            "tournament_id": self.tournament_id,
            "winner": self.winner,
        }
        for key, value in optional.items():
            if value is not None:
                out[key] = _out(value) if isinstance(value, float) else value
        if self.removed:
            out["removed"] = self.removed
        if self.score is not None:
            out["score"] = dict(self.score)
        if self.outcome:
            out["outcome"] = self.outcome
        return out

    # -- the seed library's names (ogsapi's OGSGameData) --

    @property
    def black_player(self) -> Player:
        return self.black

    @property
    def white_player(self) -> Player:
        return self.white

    @property
    def initial_state(self) -> dict[str, str]:
        """`{"black": "pd..", "white": ".."}`, packed as OGS sends it."""
        return {"black": self.initial_state_black, "white": self.initial_state_white}

    # -- helpers a bot needs --

    @property
    def players(self) -> dict[Color, Player]:
        return {"black": self.black, "white": self.white}

    @property
    def finished(self) -> bool:
        return self.phase == "finished"

    @property
    def speed(self) -> str:
        """The time control's speed, derived (on this board) when the payload had none."""
        return self.time_control.effective_speed(self.width, self.height)

    def player(self, color: str) -> Player:
        return self.white if _color(color, "black") == "white" else self.black

    def color_of(self, player_id: int) -> Color | None:
        """The colour `player_id` plays, rengo team members included; None for others."""
        if not player_id:
            return None
        if player_id in (self.black_player_id, self.black.id):
            return "black"
        if player_id in (self.white_player_id, self.white.id):
            return "white"
        return self.rengo_teams.color_of(player_id)

    def handicap_moves_left(self, moves_played: int | None = None) -> int:
        """Free handicap stones still to place (goban `handicapMovesLeft`); 0 when fixed."""
        played = len(self.moves) if moves_played is None else moves_played
        return max(0, self.handicap - played) if self.free_handicap_placement else 0

    def move_colors(self) -> tuple[Color, ...]:
        """The colour of each entry of `moves`, replayed as goban's engine does.

        Colours alternate from `initial_player`, except that with free handicap placement
        black places its `handicap` stones in a row (goban only switches the player once
        fewer than 2 handicap moves are left, so handicap 1 is an ordinary first move).
        goban skips a pass while handicap stones are left; it gets black and does not count.
        """
        head, player = self._opening()
        rest = len(self.moves) - len(head)
        return (*head, *((player, _other(player)) * (rest // 2 + 1))[:rest])

    def to_move(self) -> Color:
        """The colour to play next, from initial_player, the moves and free handicap."""
        head, player = self._opening()
        return player if (len(self.moves) - len(head)) % 2 == 0 else _other(player)

    def _opening(self) -> tuple[list[Color], Color]:
        """The colours of the moves made while free handicap stones were left, and who plays
        after them: past those, colours simply alternate (so no walk over a long game)."""
        colors: list[Color] = []
        player: Color = self.initial_player
        placed = 0
        if not self.free_handicap_placement:
            return colors, player
        for move in self.moves:
            left = self.handicap - placed
            if left <= 0:
                break
            colors.append(player)
            if move.is_pass:
                continue
            if left < 2:
                player = _other(player)
            placed += 1
        return colors, player

    def to_move_player_id(self) -> int:
        """The id of the player to move (for rengo, the clock's `current_player` is better)."""
        return self.black_player_id if self.to_move() == "black" else self.white_player_id

    def is_turn_of(self, player_id: int) -> bool:
        color = self.color_of(player_id)
        return color is not None and color == self.to_move()

    def with_players(self, players: object, teams: object = None) -> GameData:
        """A copy after rengo's `player_update`: `players` `{black: id, white: id}` are the
        active players, `teams` `{black: [ids], white: [ids]}` the teams in playing order.

        Ids are looked up among the players known (teams, player_pool, the active ones);
        an unknown id becomes a bare player. Anything unreadable raises ValueError."""
        known: dict[int, Player] = {}
        for member in (*self.rengo_teams.black, *self.rengo_teams.white, self.black, self.white):
            known.setdefault(member.id, member)
        for ident, member in self.player_pool.items():
            known.setdefault(ident, member)

        def lookup(value: object, what: str) -> Player:
            if isinstance(value, Mapping):
                value = _first(value, "id", "user_id", "player_id")
            number = _as_number(value)
            if number is None or not number.is_integer() or number == 0:
                raise ValueError(f"player_update {what}: {_describe(value)} is not a player id")
            return known.get(int(number)) or Player(id=int(number))

        changes: dict[str, Any] = {}
        if players is not None:
            if not isinstance(players, Mapping):
                raise ValueError(f"player_update players: {_describe(players)} is not an object")
            for color in ("black", "white"):
                if players.get(color) is not None:
                    active = lookup(players[color], f"players.{color}")
                    changes[color] = active
                    changes[f"{color}_player_id"] = active.id
        if teams is not None:
            if not isinstance(teams, Mapping):
                raise ValueError(f"player_update rengo_teams: {_describe(teams)} is not an object")
            order: dict[str, tuple[Player, ...]] = {}
            for color in ("black", "white"):
                ids = teams.get(color)
                if ids is None:
                    order[color] = getattr(self.rengo_teams, color)
                elif isinstance(ids, list | tuple):
                    order[color] = tuple(lookup(i, f"rengo_teams.{color}") for i in ids)
                else:
                    raise ValueError(f"player_update rengo_teams.{color}: {_describe(ids)}")
            changes["rengo_teams"] = RengoTeams(order["black"], order["white"])
        return replace(self, **changes)

    def with_move(self, move: Move) -> GameData:
        """A copy with `move` appended (the emulator's bookkeeping)."""
        return replace(self, moves=(*self.moves, move))


# --- chat -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatLine:
    """A `game/<id>/chat` event: `{channel, line: {...}}`; `body` is text or an object
    (`{type: "analysis", ...}`, `{type: "translated", ...}`). `date` is epoch seconds."""

    channel: str = "main"
    chat_id: str = ""
    date: float = 0.0
    move_number: int = 0
    player: Player = field(default_factory=Player)
    body: str | dict[str, Any] = field(default="", hash=False)

    @classmethod
    def from_json(cls, data: object) -> ChatLine:
        data = _require_object(data, "chat event")
        line = data.get("line")
        line = line if isinstance(line, Mapping) else {}
        body = line.get("body")
        return cls(
            channel=_str(data, "channel") or _str(line, "channel", "main"),
            chat_id=_str(line, "chat_id"),
            date=_number(line, "date"),
            move_number=_int(line, "move_number"),
            player=_player(line),
            body=_clean(body)
            if isinstance(body, Mapping)
            else utf8_safe("" if body is None else str(body)),
        )

    def to_json(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "date": _out(self.date),
            "move_number": self.move_number,
            "player_id": self.player.id,
            "username": self.player.username,
            "ranking": _out(self.player.rank),
            "professional": self.player.professional,
        }
        if self.player.ratings:
            line["ratings"] = dict(self.player.ratings)
        if self.player.ui_class is not None:
            line["ui_class"] = self.player.ui_class
        line["body"] = dict(self.body) if isinstance(self.body, Mapping) else self.body
        line["chat_id"] = self.chat_id
        return {"channel": self.channel, "line": line}
