"""The config's value types and the checks pydantic has no type for: ranges, ranks, chat
messages, rotations, user references. A refusal (`refuse`) carries the words a problem shows;
checks that need the file (its folder, this machine) run only while a file is loaded
(`LoadContext`), so code may build these values directly."""

from __future__ import annotations

import math
import os
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeGuard

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainValidator,
    Strict,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from ogsbot.ogs.models import text_to_rank

BOARD_SIZE_LIMIT = 25
"""OGS's largest board side."""

TEMPLATE_FIELDS = ("opponent", "engine", "result")
"""The placeholders `game.greeting` and `game.farewell` may use."""

REFUSED = "ogsbot"
"""The pydantic error type of a refusal made here (its context holds the words)."""


@dataclass
class LoadContext:
    """What the file checks need: the folder relative paths start at, and where the key
    texts seen go (to be kept out of every message)."""

    base_dir: Path
    secrets: list[str] = field(default_factory=list)

    def resolve(self, text: str) -> Path:
        path = Path(os.path.expanduser(text))
        return path if path.is_absolute() else self.base_dir / path


def refuse(
    allowed: str, value: object = None, problems: tuple[tuple[str, object, str], ...] = ()
) -> PydanticCustomError:
    """The error a check raises: `allowed` in plain words, the value to show when it is not
    the whole input, and `problems` (path suffix, value, allowed) when there are several."""
    context: dict[str, Any] = {"allowed": allowed, "problems": problems}
    if value is not None:
        context["value"] = value
    return PydanticCustomError(REFUSED, "{allowed}", context)


def load_context(info: ValidationInfo) -> LoadContext | None:
    context = info.context
    return context if isinstance(context, LoadContext) else None


def plain(value: float) -> int | float:
    """A number as YAML/JSON would write it: integral values without a fraction."""
    return int(value) if float(value).is_integer() else float(value)


def is_number(value: object) -> TypeGuard[int | float]:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def join_words(items: list[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def suggest(key: str, known: Any) -> str:
    """ "; did you mean 'x'?" for the known name closest to `key`, or ""."""
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _none_is_empty(value: object) -> object:
    return {} if value is None else value


def _unique(items: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    return None if items is None else tuple(dict.fromkeys(items))


Flag = Annotated[bool, Strict()]
Integer = Annotated[int, Strict()]
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Seconds = Annotated[Number, Field(ge=0)]
Text = Annotated[str, Strict()]
Side = Annotated[Integer, Field(ge=1, le=BOARD_SIZE_LIMIT)]
UniqueList = AfterValidator(_unique)
"""Keeps the first of repeated list items."""
Section = BeforeValidator(_none_is_empty)
"""A section left empty (`game:` alone) is a section of defaults."""
NoneIsEmpty = BeforeValidator(lambda value: () if value is None else value)
"""A list left empty (`block_list:` alone) is an empty list."""


# --- ranges -----------------------------------------------------------------------------


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
        return [plain(self.low), plain(self.high)]

    def __str__(self) -> str:
        return f"{plain(self.low)}..{plain(self.high)}"

    file_form = as_list
    """The value as the config file writes it."""


def _range_words(minimum: float | None, maximum: float | None, integer: bool, unit: str) -> str:
    kind = "integers" if integer else "numbers"
    limits = ""
    if minimum is not None and maximum is not None:
        limits = f" from {plain(minimum)} to {plain(maximum)}"
    elif minimum is not None:
        limits = f" >= {plain(minimum)}"
    return f"a range [low, high] of {kind}{limits}" + (f" ({unit})" if unit else "")


def range_schema(minimum: float | None, maximum: float | None, integer: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "integer" if integer else "number"}
    if minimum is not None:
        item["minimum"] = plain(minimum)
    if maximum is not None:
        item["maximum"] = plain(maximum)
    return {"type": "array", "items": item, "minItems": 2, "maxItems": 2}


def parse_range(
    value: object,
    allowed: str,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
) -> Range:
    if isinstance(value, Range):
        return value
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise refuse(allowed)
    for number in value:
        if (
            not is_number(number)
            or (integer and not float(number).is_integer())
            or (minimum is not None and number < minimum)
            or (maximum is not None and number > maximum)
        ):
            raise refuse(allowed)
    low, high = value
    if low > high:
        raise refuse(f"{allowed}, with low <= high (the minimum is above the maximum)")
    return Range(float(low), float(high))


def range_type(
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
    unit: str = "",
) -> Any:
    """A [low, high] field with these limits."""
    allowed = _range_words(minimum, maximum, integer, unit)

    def check(value: object) -> Range:
        return parse_range(value, allowed, minimum, maximum, integer)

    return Annotated[
        Range, PlainValidator(check), WithJsonSchema(range_schema(minimum, maximum, integer))
    ]


NumberRange = range_type()
SecondsRange = range_type(minimum=0, unit="seconds")
CountRange = range_type(minimum=0, integer=True, unit="a count")

_RANK_WORDS = "two ranks [lowest, highest] such as ['30k', '9p'] (kyu 30k-1k, dan 1d-9d, pro 1p-9p)"
_RANK_PATTERN = r"^\s*\d+(\.\d+)?\s*([kK]|[kK]yu|[dD]|[dD]an|[pP]|[pP]ro)\s*$"


def _rank_range(value: object) -> Range:
    if isinstance(value, Range):
        return value
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise refuse(_RANK_WORDS)
    try:
        low, high = (text_to_rank(item) for item in value)
    except ValueError:
        raise refuse(_RANK_WORDS) from None
    if low > high:
        raise refuse(_RANK_WORDS + ", the lower rank first")
    return Range(low, high)


RankRange = Annotated[
    Range,
    PlainValidator(_rank_range),
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "string", "pattern": _RANK_PATTERN},
            "minItems": 2,
            "maxItems": 2,
        }
    ),
]


# --- game settings ----------------------------------------------------------------------

_UNDO_WORDS = "'never', 'always', or an integer >= 0 (the most undos accepted per game)"


def _undo(value: object) -> str | int:
    if value in ("never", "always"):
        return str(value)
    if is_number(value) and float(value).is_integer() and value >= 0:
        return int(value)
    raise refuse(_UNDO_WORDS)


Undo = Annotated[
    Literal["never", "always"] | int,
    PlainValidator(_undo),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "enum": ["never", "always"]},
                {"type": "integer", "minimum": 0},
            ]
        }
    ),
]


def _template(text: str) -> str:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        raise refuse(f"a message whose braces are balanced ({error})") from None
    unknown = [name for name in names if name not in TEMPLATE_FIELDS]
    if unknown:
        fields = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
        raise refuse(f"a message using only the placeholders {fields} (found {{{unknown[0]}}})")
    return text


Message = Annotated[Text, AfterValidator(_template)]


def _server_url(text: str) -> str:
    if not re.match(r"^https?://[^\s/]+", text):
        raise refuse("an http:// or https:// URL such as 'https://online-go.com'")
    return text.rstrip("/")


ServerURL = Annotated[Text, AfterValidator(_server_url)]


def _rotation(text: str) -> str:
    """`text` when loguru understands it as a rotation."""
    try:
        from loguru._file_sink import FileSink
    except ImportError:  # another loguru: the logging setup reports a bad value itself
        return text
    try:
        FileSink(os.devnull, rotation=text, delay=True)  # type: ignore[no-untyped-call]
    except (ValueError, TypeError):
        raise refuse(
            "a size ('10 MB'), a duration ('1 day', '1 week'), a time ('00:00') or both"
        ) from None
    return text


Rotation = Annotated[Text, Field(min_length=1), AfterValidator(_rotation)]


def _user(value: object) -> str | int:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise refuse("a user id (integer > 0) or a username")


UserRef = Annotated[
    str | int, PlainValidator(_user), WithJsonSchema({"type": ["string", "integer"]})
]
