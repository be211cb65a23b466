"""The daemon's log sinks: stderr and an optional rotated file, set up again on reload.

`LogSetup.apply(log)` adds the sinks a `log:` section asks for (its level, file, rotation and
retention) and then removes the ones it added before, which closes the old file; if the new
file cannot be opened, a `LogSetupError` names `log.file` and the path and the old sinks stay.
Every message is written with its control characters escaped (a newline as `\\n`, ESC as
`\\x1b`, other C0 and C1 characters likewise), so text from the network, a username say,
cannot forge a log line or colour the terminal. A line logged for a game (a session runs
in `logger.contextualize(game=id, opponent=name)`, engine calls included) starts with
`game <id> vs <name>:`.
Tracebacks are not printed with local variables (`diagnose=False`): secrets live there.
`log.format: json` writes one JSON object per line instead (time, level, message, logger,
and a game's id and opponent), for log collectors.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger

if TYPE_CHECKING:
    from loguru import Record

    from ogsbot.bot.config import LogConfig

__all__ = ["FULL_TIME", "SHORT_TIME", "LogSetup", "LogSetupError", "escape_controls"]

FULL_TIME = "YYYY-MM-DD HH:mm:ss.SSS"
SHORT_TIME = "HH:mm:ss.SSS"

# C0 but tab, DEL, C1, and the Unicode line and paragraph separators.
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
_SAFE_KEY = "_ogsbot_safe_message"


def escape_controls(text: str) -> str:
    """`text` with every control character but tab written as an escape (`\\n`, `\\x1b`)."""

    def one(match: re.Match[str]) -> str:
        char = match.group()
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROLS.sub(one, text)


class LogSetupError(Exception):
    """A sink could not be set up; the message names the `log:` key and the path."""


def _formatter(time_format: str) -> Any:
    line = f"{{time:{time_format}}} {{level: <7}} {{extra[{_SAFE_KEY}]}}\n{{exception}}"

    def format_record(record: Record) -> str:
        message = record["message"]
        game = record["extra"].get("game")
        if game is not None and not message.startswith(f"game {game}"):
            opponent = record["extra"].get("opponent")
            who = f"game {game} vs {opponent}" if opponent else f"game {game}"
            message = f"{who}: {message}"  # a line logged for a game says which, and whom
        record["extra"][_SAFE_KEY] = escape_controls(message)
        return line

    return format_record


def _json_formatter() -> Any:
    """One JSON object per line: JSON escapes every control character itself."""

    def format_record(record: Record) -> str:
        extra = record["extra"]
        data: dict[str, Any] = {
            "time": record["time"].isoformat(timespec="milliseconds"),
            "level": record["level"].name,
            "message": record["message"],
            "logger": record["name"],
        }
        for key in ("game", "opponent", "engine"):
            if extra.get(key) is not None:
                data[key] = extra[key]
        if record["exception"] is not None:
            data["exception"] = "".join(traceback.format_exception(*record["exception"]))
        extra[_SAFE_KEY] = json.dumps(data, default=str)
        return f"{{extra[{_SAFE_KEY}]}}\n"

    return format_record


class LogSetup:
    """The sinks the daemon logs to; `apply` replaces them all with a new `log:` section."""

    def __init__(self, stream: TextIO | None = None, *, time_format: str = FULL_TIME) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.time_format = time_format
        self._ids: list[int] = []

    def apply(self, log: LogConfig, *, level: str | None = None) -> None:
        """Log at `log.level` (or `level`) to the stream and to `log.file` if set, instead
        of what the previous call set up; the previous file is closed."""
        level = level or log.level
        form = _json_formatter() if log.format == "json" else _formatter(self.time_format)
        added: list[int] = []
        try:
            added.append(logger.add(self.stream, level=level, format=form, diagnose=False))
            if log.file:
                added.append(
                    logger.add(
                        log.file,
                        level=level,
                        format=form,
                        rotation=log.rotation,
                        retention=log.retention,
                        diagnose=False,
                        enqueue=False,
                    )
                )
        except (OSError, ValueError, TypeError) as exc:
            for handler in added:
                logger.remove(handler)
            where = f"log.file: cannot log to {log.file}" if log.file else "log: cannot log"
            raise LogSetupError(f"{where}: {escape_controls(str(exc))}") from None
        previous, self._ids = self._ids, added
        for handler in previous:
            logger.remove(handler)

    def close(self) -> None:
        """Remove every sink this setup added (closing its file)."""
        previous, self._ids = self._ids, []
        for handler in previous:
            logger.remove(handler)
