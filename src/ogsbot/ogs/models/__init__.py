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

from ogsbot.ogs.models.active_game import ActiveGame
from ogsbot.ogs.models.challenge import Challenge
from ogsbot.ogs.models.chat import ChatLine
from ogsbot.ogs.models.clock import Clock, ClockPause, PlayerClock
from ogsbot.ogs.models.fields import Color, utf8_safe
from ogsbot.ogs.models.gamedata import GameData
from ogsbot.ogs.models.gamedata_fields import MAX_KOMI, MAX_SECONDS, PHASES
from ogsbot.ogs.models.moves import Move, MoveEvent, UndoRequest
from ogsbot.ogs.models.players import Player, RengoTeams
from ogsbot.ogs.models.ranks import PRO_RANK_BASE, rank_to_text, text_to_rank
from ogsbot.ogs.models.time_control import (
    SPEEDS,
    TIME_PARAMETERS,
    TIME_SYSTEMS,
    TimeControl,
    speed_of_move_time,
)

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
