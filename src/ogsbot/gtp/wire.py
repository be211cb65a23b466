"""What crosses a GTP engine's pipes: commands made safe to write, replies, output lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ogsbot.gtp.errors import GTPError

__all__ = ["REQUIRED_COMMANDS", "RESPONSE_HEADER", "GTPReply", "clean_command", "clean_line"]

# A response header: '=' or '?', an optional id, then the first line of the payload.
RESPONSE_HEADER = re.compile(r"^([=?])(\d*)(?:\s(.*))?$")
# Everything below space except tab (which GTP turns into a space), plus DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

# Commands every GTP 2 engine must know; never skipped for missing from list_commands.
REQUIRED_COMMANDS = frozenset(
    {
        "protocol_version",
        "name",
        "version",
        "known_command",
        "list_commands",
        "quit",
        "boardsize",
        "clear_board",
        "komi",
        "play",
        "genmove",
    }
)


@dataclass(frozen=True)
class GTPReply:
    """One answered command: `ok` is False for a `?` reply, whose text is the message."""

    command: str
    ok: bool
    text: str

    def check(self) -> str:
        """The payload, or `GTPError` for a refusal."""
        if not self.ok:
            raise GTPError(self.command, self.text)
        return self.text


def clean_command(command: str) -> str:
    """A command as GTP wants it on the wire: no control characters, no comment, one line.

    A newline inside a command would smuggle in a second, id-less command and break the
    matching of replies, so it is refused instead of stripped.
    """
    if "\n" in command or "\r" in command:
        raise ValueError(f"a GTP command must be one line: {command!r}")
    text = _CONTROL.sub("", command.replace("\t", " ")).split("#", 1)[0].strip()
    if not text:
        raise ValueError(f"empty GTP command: {command!r}")
    return text


def clean_line(raw: bytes) -> str:
    """A line of engine output with CR, control characters and trailing whitespace gone."""
    return _CONTROL.sub("", raw.decode("utf-8", "replace").replace("\t", " ")).rstrip()
