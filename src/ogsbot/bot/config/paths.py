"""The engine's command line, its environment and the paths the file names: resolved
against the config file's folder and checked on this machine (the program found and runnable,
the folders the bot writes to writable, nothing created)."""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainValidator, ValidationInfo, WithJsonSchema

from ogsbot.bot.config.values import (
    LoadContext,
    Section,
    Text,
    is_number,
    load_context,
    plain,
    refuse,
)

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
    context = load_context(info)
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
        Annotated[Text, BeforeValidator(_env_value)],
    ],
    Section,
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
        context = load_context(info)
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


FilePath = Annotated[Text | None, AfterValidator(_path_check("any"))]
ExistingDir = Annotated[Text | None, AfterValidator(_path_check("dir"))]
OutputDir = Annotated[Text, AfterValidator(_path_check("output_dir"))]
OutputFile = Annotated[Text | None, AfterValidator(_path_check("output_file"))]
