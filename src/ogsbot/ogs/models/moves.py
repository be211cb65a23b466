"""Moves as game data and move events carry them, and undo requests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ogsbot.ogs.models.fields import (
    as_number,
    describe,
    json_number,
    object_copy,
    read_int,
    read_optional_int,
    require_object,
)

OGS_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _coordinate(value: object, move: object) -> int:
    number = as_number(value) if not isinstance(value, str) else None
    if number is None or not number.is_integer():
        raise ValueError(f"move {describe(move)}: coordinate {value!r} is not an integer")
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
        return read_optional_int(self.extra, "played_by") if self.extra else None

    @property
    def blur(self) -> int | None:
        """Milliseconds the player's window was not focused (rengo moves carry it)."""
        return read_optional_int(self.extra, "blur") if self.extra else None

    @classmethod
    def passing(cls, time: float | None = None) -> Move:
        return cls(-1, -1, time)

    @classmethod
    def from_json(cls, data: object) -> Move:
        """Parse `[x, y]`, `[x, y, ms]`, rengo's `[x, y, ms, color, {extra}]` or JGOF's
        `{x, y, timedelta?, color?, ...}` (goban accepts both forms in `moves`)."""
        if type(data) is list and len(data) == 3:  # OGS's own [x, y, ms]: a game has thousands
            x, y, ms = data
            if type(x) is int and type(y) is int and type(ms) is int:
                return cls(x, y, float(ms))
        if isinstance(data, Mapping):
            x = _coordinate(data.get("x"), data)
            y = _coordinate(data.get("y"), data)
            rest = {k: v for k, v in data.items() if k not in ("x", "y", "timedelta", "color")}
            color = as_number(data.get("color"))
            return cls(
                x,
                y,
                as_number(data.get("timedelta")),
                int(color) if color is not None else None,
                rest or None,
            )
        if not isinstance(data, list | tuple) or len(data) < 2:
            raise ValueError(f"move: expected [x, y, ms, ...] or {{x, y}}, got {describe(data)}")
        x = _coordinate(data[0], data)
        y = _coordinate(data[1], data)
        time = as_number(data[2]) if len(data) > 2 else None
        color = as_number(data[3]) if len(data) > 3 else None
        extra = object_copy(data[4]) if len(data) > 4 else None
        return cls(x, y, time, int(color) if color is not None else None, extra)

    def to_json(self) -> list[Any]:
        """The packed array OGS sends: `[x, y, ms]`, or 5 elements when color/extra are set."""
        time = self.time
        if self.color is None and self.extra is None:  # nearly every move: one test, no calls
            if time is None:
                return [self.x, self.y]
            return [self.x, self.y, int(time) if float(time).is_integer() else time]
        out: list[Any] = [self.x, self.y]
        if self.time is not None or self.color is not None or self.extra is not None:
            out.append(None if self.time is None else json_number(self.time))
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
        if len(text) != 2 or any(c not in OGS_LETTERS for c in text):
            raise ValueError(f"move {text!r} is not two OGS letters a..z or '..'")
        return cls(OGS_LETTERS.index(text[0]), OGS_LETTERS.index(text[1]), time)

    def to_ogs(self) -> str:
        """OGS letters ("dd"), or ".." for a pass."""
        if self.is_pass:
            return ".."
        if self.x >= len(OGS_LETTERS) or self.y >= len(OGS_LETTERS):
            raise ValueError(f"move ({self.x}, {self.y}) has no OGS letters")
        return OGS_LETTERS[self.x] + OGS_LETTERS[self.y]


def parse_moves(value: object) -> tuple[Move, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ValueError(f"gamedata moves: expected a list, got {describe(value)}")
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
        data = require_object(data, "move event")
        if data.get("move") is None:
            raise ValueError(f"move event: no move in {describe(data)}")
        number = as_number(data.get("move_number"))
        if number is None or not number.is_integer():
            raise ValueError(f"move event: no whole move_number in {describe(data)}")
        return cls(
            game_id=read_int(data, "game_id"),
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
            number = as_number(data.get("move_number"))
            if number is None:
                raise ValueError(f"undo: no move_number in {describe(data)}")
            by = as_number(data.get("requested_by"))
            count = as_number(data.get("undo_move_count"))
            return cls(
                move_number=int(number),
                requested_by=int(by) if by is not None else None,
                count=int(count) if count is not None and count > 0 else None,
            )
        number = as_number(data)
        if number is None:
            raise ValueError(f"undo: {describe(data)} is not a move number")
        return cls(move_number=int(number))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"move_number": self.move_number}
        if self.count is not None:
            out["undo_move_count"] = self.count
        if self.requested_by is not None:
            out["requested_by"] = self.requested_by
        return out
