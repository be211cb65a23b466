"""What can go wrong talking to a GTP engine, each failure its own type.

`GTPError` is the engine's own refusal (a `?` reply): the engine is healthy. The
`EngineError` family means the process can no longer be trusted and must be restarted.
"""

from __future__ import annotations

from collections.abc import Sequence


class GTPError(Exception):
    """The engine answered `?`: it refused the command and said why."""

    def __init__(self, command: str, message: str) -> None:
        super().__init__(f"engine refused {command!r}: {message or '(no message)'}")
        self.command = command
        self.message = message


class EngineError(Exception):
    """The engine process failed: dead, hung or speaking something that is not GTP."""


class EngineNotRunning(EngineError):
    """A command was sent to an engine that was never started or was stopped."""


class EngineTimeout(EngineError):
    """A command got no reply in time; the engine has been killed."""

    def __init__(self, command: str, timeout: float) -> None:
        super().__init__(f"engine gave no reply to {command!r} within {timeout:g} s; killed it")
        self.command = command
        self.timeout = timeout


class EngineDied(EngineError):
    """The engine process exited; carries its exit code and the last lines of its stderr."""

    def __init__(
        self, returncode: int | None, stderr_tail: Sequence[str], command: str = ""
    ) -> None:
        during = f" while running {command!r}" if command else ""
        tail = "\n".join(stderr_tail)
        text = f"engine exited with code {returncode}{during}"
        if tail:
            text += f"; last stderr lines:\n{tail}"
        super().__init__(text)
        self.returncode = returncode
        self.stderr_tail = list(stderr_tail)
        self.command = command


class GTPProtocolError(EngineError):
    """The engine wrote output that is not a GTP response; it has been killed."""

    def __init__(self, line: str, command: str = "") -> None:
        during = f" in reply to {command!r}" if command else ""
        super().__init__(f"engine wrote output that is not GTP{during}: {line[:200]!r}")
        self.line = line
        self.command = command


class ReplyTooLong(EngineError):
    """A reply grew past the bound (endless or runaway output); the engine has been killed.

    Its output is cut off at the bound, never held whole: an engine that babbles must cost
    a restart, not the bot's memory.
    """

    def __init__(self, command: str, limit: int) -> None:
        super().__init__(f"engine's reply to {command!r} is over {limit} bytes; killed it")
        self.command = command
        self.limit = limit


class IllegalMove(EngineError):
    """The engine chose a move that is not a vertex, or not legal; it has been killed.

    Its idea of the position now differs from the game's, so it must be restarted and the
    position replayed before it can be trusted again.
    """

    def __init__(self, command: str, reply: str, reason: str) -> None:
        super().__init__(f"engine answered {command!r} with {reply!r}: {reason}")
        self.command = command
        self.reply = reply
        self.reason = reason
