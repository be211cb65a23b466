"""The config's value types and the checks a YAML value goes through before it becomes one.

pydantic checks the plain types (numbers, flags, choices, lists); the forms it has no type
for (a [low, high] range, ranks, boards, a command line, a path relative to the config file)
are checked here, and a refusal (`refuse`) carries the words a problem shows. Checks that
need the config file (its folder, the engine program on disk) run only when the file is being
loaded, so code may build these values directly.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import shutil
import string
from collections.abc import Callable, Mapping
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


@dataclass(frozen=True)
class Words:
    """What a problem says is allowed, for a type whose words cannot be derived."""

    text: str


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


def _load_context(info: ValidationInfo) -> LoadContext | None:
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

    def file_form(self) -> list[int | float]:
        """The value as the config file writes it."""
        return self.as_list()


def _range_words(minimum: float | None, maximum: float | None, integer: bool, unit: str) -> str:
    kind = "integers" if integer else "numbers"
    limits = ""
    if minimum is not None and maximum is not None:
        limits = f" from {plain(minimum)} to {plain(maximum)}"
    elif minimum is not None:
        limits = f" >= {plain(minimum)}"
    return f"a range [low, high] of {kind}{limits}" + (f" ({unit})" if unit else "")


def _range_schema(minimum: float | None, maximum: float | None, integer: bool) -> dict[str, Any]:
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
        Range, PlainValidator(check), WithJsonSchema(_range_schema(minimum, maximum, integer))
    ]


NumberRange = range_type()
SecondsRange = range_type(minimum=0, unit="seconds")
CountRange = range_type(minimum=0, integer=True, unit="a count")
SideRange = range_type(1, BOARD_SIZE_LIMIT, integer=True)

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


# --- boards -----------------------------------------------------------------------------

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
_SIDE_SCHEMA = _range_schema(1, BOARD_SIZE_LIMIT, True)
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


def suggest(key: str, known: Any) -> str:
    """ "; did you mean 'x'?" for the known name closest to `key`, or ""."""
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


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


# --- engines and files ------------------------------------------------------------------

_COMMAND_WORDS = "the engine's command line: a list [program, arg, ...] or one string"


def _command(value: object, info: ValidationInfo) -> tuple[str, ...]:
    """The argument list; read from the file, its program must be found and runnable."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, str):
        try:
            parts = shlex.split(value)
        except ValueError as error:
            raise refuse(f"{_COMMAND_WORDS} with balanced quotes ({error})") from None
    elif isinstance(value, list) and all(isinstance(i, str) or is_number(i) for i in value):
        parts = [item if isinstance(item, str) else str(plain(item)) for item in value]
    else:
        raise refuse(_COMMAND_WORDS + " (of strings)")
    if not parts or not parts[0].strip():
        raise refuse(_COMMAND_WORDS + " (not empty)")
    context = _load_context(info)
    program = parts[0] if context is None else _find_program(parts[0], context)
    rest = [os.path.expanduser(p) if p.startswith("~/") else p for p in parts[1:]]
    return (program, *rest)


def _find_program(program: str, context: LoadContext) -> str:
    """The program as it will be run: a path resolved against the config's folder, or a
    name that is on PATH."""
    expanded = os.path.expanduser(program)
    if os.sep in expanded or (os.altsep and os.altsep in expanded):
        resolved = context.resolve(expanded)
        if not resolved.exists():
            raise refuse(f"an engine program that exists ({resolved} was not found)", program)
        if resolved.is_dir() or not os.access(resolved, os.X_OK):
            raise refuse(
                f"an executable engine program ({resolved} is not executable; "
                f"try: chmod +x {resolved})",
                program,
            )
        return str(resolved)
    if shutil.which(expanded) is None:
        raise refuse(
            f"an engine program on PATH or a path to one ({expanded!r} was not found on PATH; "
            "give its full path, e.g. /usr/games/gnugo)",
            program,
        )
    return expanded


Command = Annotated[
    tuple[str, ...],
    PlainValidator(_command),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": ["string", "number"]}, "minItems": 1},
            ]
        }
    ),
]


def _env_name(name: str) -> str:
    if not name or "=" in name:
        raise refuse("a variable name without '='")
    return name


def _env_value(value: object) -> object:
    return str(plain(value)) if is_number(value) else value


Environment = Annotated[
    dict[
        Annotated[Text, AfterValidator(_env_name)],
        Annotated[Text, BeforeValidator(_env_value), Words("a string or a number")],
    ],
    BeforeValidator(_none_is_empty),
    WithJsonSchema({"type": "object", "additionalProperties": {"type": ["string", "number"]}}),
]


def _unwritable(path: Path, *, directory: bool) -> str | None:
    """Why the bot could not write `path` (a folder it creates files in, or a file it appends
    to, creating missing folders on the way), or None when it can."""
    what = "a folder the bot can create files in" if directory else "a file the bot can write"
    if path.exists():
        if directory != path.is_dir():
            state = "exists and is not a folder" if directory else "is a folder"
            return f"{what} ({path} {state})"
        if not os.access(path, os.W_OK | os.X_OK if directory else os.W_OK):
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


def _path_check(kind: str) -> Callable[[str | None, ValidationInfo], str | None]:
    def check(text: str | None, info: ValidationInfo) -> str | None:
        context = _load_context(info)
        if not text or context is None:
            return text
        resolved = context.resolve(text)
        if kind == "dir" and not resolved.is_dir():
            raise refuse(f"an existing directory ({resolved} is not one)")
        if kind in ("output_dir", "output_file"):
            error = _unwritable(resolved, directory=kind == "output_dir")
            if error is not None:
                raise refuse(error)
        return str(resolved)

    return check


PathText = Annotated[Text, Words("a path")]
FilePath = Annotated[PathText | None, AfterValidator(_path_check("any"))]
ExistingDir = Annotated[PathText | None, AfterValidator(_path_check("dir"))]
OutputDir = Annotated[PathText, AfterValidator(_path_check("output_dir"))]
OutputFile = Annotated[PathText | None, AfterValidator(_path_check("output_file"))]
