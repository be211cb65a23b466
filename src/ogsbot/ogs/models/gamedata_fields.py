"""Game data's own field readers: they refuse (ValueError naming the field) what is no game."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ogsbot.ogs.coords import MAX_BOARD_SIZE
from ogsbot.ogs.models.clock import Clock
from ogsbot.ogs.models.fields import Color, as_number, describe, parse_color, read_bool, read_int
from ogsbot.ogs.models.moves import Move
from ogsbot.ogs.models.players import Player, lenient_player
from ogsbot.ogs.models.time_control import TimeControl, lenient_time_control

PHASES = ("play", "stone removal", "finished")
"""A game's phases (goban's `game/<id>/phase` type); game data with any other is refused."""
MAX_KOMI = 1000.0
"""The largest komi (either sign) game data may carry; more is not a game."""
MAX_SECONDS = 1e9
"""The largest time-control value (seconds, about 31 years) game data may carry."""
LATEST_EPOCH = 253402300799.0  # 9999-12-31T23:59:59Z: later start/end times are not dates

RULE_FLAGS = (
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


def parse_removed(value: object) -> str:
    """`removed` as packed letters (OGS sends a string; goban's type also allows {x, y}[])."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        letters = []
        for item in value:
            if isinstance(item, Mapping):
                try:
                    if as_number(item.get("x")) == -1:
                        continue  # a pass marks nothing
                    letters.append(
                        Move.from_json({"x": item.get("x"), "y": item.get("y")}).to_ogs()
                    )
                except ValueError:
                    continue
        return "".join(letters)
    return ""


def parse_winner(value: object) -> int | str | None:
    """A player id, or "black" / "white" / "tie" as goban's type also allows."""
    if isinstance(value, str) and value.strip().lower() in ("black", "white", "tie"):
        return value.strip().lower()
    number = as_number(value)
    return int(number) if number is not None else None


def read_board_side(data: Mapping[str, Any], key: str) -> int:
    """`width` or `height`: 19 when absent (OGS's default), else a whole number 1..25."""
    value = data.get(key)
    if value is None:
        return 19
    number = as_number(value)
    if number is None or not number.is_integer() or not 1 <= number <= MAX_BOARD_SIZE:
        raise ValueError(
            f"gamedata {key}: {describe(value)} is not a board side 1..{MAX_BOARD_SIZE}"
        )
    return int(number)


def read_checked_number(data: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    """A numeric field: `default` when absent, null or "", else a finite number (or raise)."""
    value = data.get(key)
    if value is None or value == "":
        return default
    number = as_number(value)
    if number is None:
        raise ValueError(f"gamedata {key}: {describe(value)} is not a finite number")
    return number


def read_initial_stones(data: Mapping[str, Any]) -> tuple[str, str]:
    """`initial_state`'s packed black and white stones (null or absent: none)."""
    initial = data.get("initial_state")
    if initial is None or initial == "":
        return "", ""
    if not isinstance(initial, Mapping):
        raise ValueError(f"gamedata initial_state: {describe(initial)} is not an object")
    out = []
    for color in ("black", "white"):
        packed = initial.get(color)
        if packed is not None and not isinstance(packed, str):
            raise ValueError(
                f"gamedata initial_state.{color}: {describe(packed)} is not packed letters"
            )
        out.append(packed or "")
    return out[0], out[1]


def epoch_seconds(value: object) -> float | None:
    """A game's start/end time in epoch seconds: milliseconds are converted, anything that
    is no date (REST's ISO text, absurd numbers) is None: it is no reason to refuse a game."""
    number = as_number(value)
    if number is None or number < 0:
        return None
    if number > LATEST_EPOCH:
        number /= 1000
    return number if number <= LATEST_EPOCH else None


def whole_number(value: float, key: str) -> int:
    if not value.is_integer():
        raise ValueError(f"gamedata {key}: {value!r} is not a whole number")
    return int(value)


def parse_initial_player(value: object) -> Color:
    if value is None or value == "":
        return "black"
    if isinstance(value, str) and value.strip().lower() in ("black", "b", "white", "w"):
        return parse_color(value)
    raise ValueError(f"gamedata initial_player: {describe(value)} is not black or white")


def read_rule_flags(data: Mapping[str, Any]) -> dict[str, Any]:
    """The booleans of `RULE_FLAGS`, by name."""
    return {name: read_bool(data, name) for name in RULE_FLAGS}


def read_phase(data: Mapping[str, Any]) -> str:
    """The phase as text ("play" when absent); `GameData` checks it is one of `PHASES`."""
    phase = data.get("phase")
    if phase is not None and not isinstance(phase, str):
        raise ValueError(f"gamedata phase: {describe(phase)} is not text")
    return "play" if phase is None else phase


def read_players(data: Mapping[str, Any], clock: Clock | None) -> dict[str, Any]:
    """`black`, `white` and their ids: an id the payload lacks is the player's, else the
    clock's."""
    players = data.get("players")
    players = players if isinstance(players, Mapping) else {}
    out: dict[str, Any] = {}
    for color in ("black", "white"):
        ident = read_int(data, f"{color}_player_id")
        player = lenient_player(players[color], ident) if color in players else Player(id=ident)
        if not ident:
            ident = player.id or (getattr(clock, f"{color}_player_id") if clock else 0)
        out[color], out[f"{color}_player_id"] = player, ident
    return out


def read_player_pool(data: Mapping[str, Any]) -> dict[int, Player]:
    """`player_pool` (rengo) by player id; a member without one is filed under its key."""
    pool = data.get("player_pool")
    out: dict[int, Player] = {}
    if isinstance(pool, Mapping):
        for key, value in pool.items():
            if isinstance(value, Mapping):
                member = lenient_player(value)
                ident = as_number(key)
                out[member.id or (int(ident) if ident is not None else 0)] = member
    return out


def read_time_control(data: Mapping[str, Any]) -> TimeControl:
    """`time_control`, or REST's `time_control_parameters` when that is no object."""
    source = data.get("time_control")
    if not isinstance(source, Mapping) and data.get("time_control_parameters") is not None:
        source = data.get("time_control_parameters")
    return lenient_time_control(source)
