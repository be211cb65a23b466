"""Which boards the bot plays (`challenges.board_sizes`): a list of sizes, 'all', 'square' or
width and height ranges, each wrong item reported."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from ogsbot.bot.config.values import (
    BOARD_SIZE_LIMIT,
    Range,
    is_number,
    join_words,
    parse_range,
    plain,
    range_schema,
    refuse,
    suggest,
)

_ANY_SIDE = Range(1, BOARD_SIZE_LIMIT)


@dataclass(frozen=True)
class BoardSizes:
    """Which boards the bot plays.

    mode "list": square boards of `sizes`; "all": any board; "square": any square board;
    "ranges": any board whose width is in `width` and height in `height`.
    """

    mode: Literal["list", "all", "square", "ranges"] = "list"
    sizes: tuple[int, ...] = (9, 13, 19)
    width: Range = _ANY_SIDE
    height: Range = _ANY_SIDE

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
        if self.mode in ("all", "square"):
            return "any board" if self.mode == "all" else "square boards"
        if self.mode == "ranges":
            return (
                f"boards {plain(self.width.low)} to {plain(self.width.high)} wide and "
                f"{plain(self.height.low)} to {plain(self.height.high)} high"
            )
        return join_words([f"{s}x{s}" for s in self.sizes]) + " boards"

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

    def file_form(self) -> Any:
        """The value as the config file writes it."""
        if self.mode == "ranges":
            return {"width": self.width.as_list(), "height": self.height.as_list()}
        return self.mode if self.mode != "list" else list(self.sizes)


_BOARD_WORDS = (
    f"a list of sizes from 1 to {BOARD_SIZE_LIMIT} such as [9, 13, 19], 'all', 'square', "
    "or {width: [low, high], height: [low, high]}"
)
_SIDE_WORDS = f"an integer from 1 to {BOARD_SIZE_LIMIT}"


def _is_side(item: object) -> bool:
    return is_number(item) and float(item).is_integer() and 1 <= item <= BOARD_SIZE_LIMIT


def _board_sizes(value: object) -> BoardSizes:
    """The three forms of `challenges.board_sizes`, every wrong item reported."""
    if isinstance(value, BoardSizes):
        return value
    if value in ("all", "square"):
        return BoardSizes(mode=value)
    problems: list[tuple[str, object, str]] = []
    if isinstance(value, list) and value:
        for index, item in enumerate(value):
            if not _is_side(item):
                problems.append((f"[{index}]", item, _SIDE_WORDS))
        if problems:
            raise refuse(_BOARD_WORDS, problems=tuple(problems))
        return BoardSizes("list", tuple(dict.fromkeys(int(item) for item in value)))
    if not isinstance(value, Mapping):
        raise refuse(_BOARD_WORDS)
    sides: dict[str, Range] = {}
    words = f"a range [low, high] of integers from 1 to {BOARD_SIZE_LIMIT}"
    for key, item in value.items():
        if key not in ("width", "height"):
            problems.append((f".{key}", item, "width or height" + suggest(str(key), SIDES)))
            continue
        try:
            sides[key] = parse_range(item, words, 1, BOARD_SIZE_LIMIT, integer=True)
        except PydanticCustomError as error:
            problems.append((f".{key}", item, str(error.context["allowed"])))  # type: ignore[index]
    if problems:
        raise refuse(_BOARD_WORDS, problems=tuple(problems))
    return BoardSizes("ranges", (), sides.get("width", _ANY_SIDE), sides.get("height", _ANY_SIDE))


SIDES = ("width", "height")
_SIDE_SCHEMA = range_schema(1, BOARD_SIZE_LIMIT, True)
BoardSizesField = Annotated[
    BoardSizes,
    PlainValidator(_board_sizes),
    WithJsonSchema(
        {
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
                        "width": {"description": "Allowed widths [low, high].", **_SIDE_SCHEMA},
                        "height": {"description": "Allowed heights [low, high].", **_SIDE_SCHEMA},
                    },
                    "additionalProperties": False,
                },
            ]
        }
    ),
]
