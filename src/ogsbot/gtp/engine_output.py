"""What a GTP engine writes back: replies matched to their commands, bounded stderr lines,
and the failure after which the engine is no longer trusted."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from loguru import logger

from ogsbot.gtp.errors import EngineError, GTPProtocolError, ReplyTooLong
from ogsbot.gtp.process_group import READERS_WAIT, ProcessGroupProtocol
from ogsbot.gtp.wire import RESPONSE_HEADER, GTPReply, clean_line

__all__ = ["MAX_REPLY", "MAX_STDERR_LINE", "EngineOutput", "PendingCommand", "StderrCallback"]

StderrCallback = Callable[[str], None]

# Bounds on what an engine's output may cost: a whole reply (GNU Go's showboard is 1 KB, a
# long game's SGF some 20 KB), and one stderr line (KataGo's analysis lines are a few
# hundred bytes).
MAX_REPLY = 1 << 20
MAX_STDERR_LINE = 4096


@dataclass
class PendingCommand:
    """A command written to the engine, and the future its reply goes to."""

    command: str
    future: asyncio.Future[GTPReply] = field(repr=False)


class EngineOutput:
    """The engine's stdout and stderr, read to the end; `GTPEngine` writes the commands."""

    def __init__(
        self,
        label: str,
        *,
        on_stderr: StderrCallback | None,
        stderr_tail: int,
        max_reply: int,
        max_stderr_line: int,
    ) -> None:
        self.label = label
        self.on_stderr = on_stderr
        self.max_reply = max_reply
        self.max_stderr_line = max_stderr_line
        self._protocol: ProcessGroupProtocol | None = None
        self._pending: dict[int, PendingCommand] = {}
        self._failure: EngineError | None = None
        self._stderr_tail: deque[str] = deque(maxlen=stderr_tail)
        self._log = logger.bind(engine=self.label)

    @property
    def stderr_tail(self) -> list[str]:
        """The last lines the engine wrote to stderr."""
        return list(self._stderr_tail)

    async def _read_stdout(self, proc: asyncio.subprocess.Process) -> None:
        """Replies to their commands, until EOF or output that breaks the engine.

        Each reply is bounded by `max_reply` bytes, its lines counted as they come: an
        endless reply is cut off at the bound, never held whole.
        """
        stdout = proc.stdout
        assert stdout is not None
        header: tuple[bool, int | None] | None = None
        body: list[str] = []
        size = 0
        while True:
            try:
                raw = await stdout.readline()
            except ValueError:  # one line over the stream's limit, which is max_reply
                self._too_long()
                return
            if not raw:
                await self._closed_stdout()
                return
            line = clean_line(raw)
            if header is None:
                if not line:
                    continue
                match = RESPONSE_HEADER.match(line)
                if match is None:
                    self._report_and_break(GTPProtocolError(line, self._oldest_command()))
                    return
                ok = match.group(1) == "="
                header = (ok, int(match.group(2)) if match.group(2) else None)
                body = [(match.group(3) or "").strip()]
                size = len(raw)
            elif line:
                body.append(line)
                size += len(raw)
            else:
                text = "\n".join(body[1:] if not body[0] else body)
                if not self._deliver(header[0], header[1], text):
                    return
                header, body = None, []
            if size > self.max_reply:
                self._too_long()
                return

    def _too_long(self) -> None:
        self._report_and_break(ReplyTooLong(self._oldest_command(), self.max_reply))

    async def _closed_stdout(self) -> None:
        """EOF on stdout: the process is exiting (the watcher reports it), or it closed
        stdout and lives on, never to answer again."""
        protocol = self._protocol
        if protocol is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(READERS_WAIT):
                await protocol.exited.wait()
        if not protocol.exited.is_set():
            self._break(GTPProtocolError("<end of output>", self._oldest_command()))

    def _deliver(self, ok: bool, ident: int | None, text: str) -> bool:
        if ident is None:
            ident = next(iter(self._pending), None)
        item = self._pending.pop(ident, None) if ident is not None else None
        if item is None:
            error = GTPProtocolError(f"{'=' if ok else '?'}{ident or ''} {text}", "")
            self._log.error("unexpected reply id: {}", error)
            self._break(error)
            return False
        if not item.future.done():
            item.future.set_result(GTPReply(item.command, ok, text))
        return True

    async def _read_stderr(self, proc: asyncio.subprocess.Process) -> None:
        """stderr line by line; a line over `max_stderr_line` bytes is cut to it (handed on
        as soon as it is over, the rest skipped up to its newline, never buffered)."""
        stderr = proc.stderr
        assert stderr is not None
        limit = self.max_stderr_line
        line = bytearray()
        handed = False  # the current line was over the bound and is handed on already
        while True:
            chunk = await stderr.read(1 << 16)
            if not chunk:
                break
            pieces = chunk.split(b"\n")
            for i, piece in enumerate(pieces):
                if not handed:
                    line += piece[: limit + 1 - len(line)]  # a byte over tells it is over
                    if len(line) > limit:
                        self._stderr_line(clean_line(bytes(line[:limit])))
                        handed = True
                        line.clear()
                if i < len(pieces) - 1:  # a newline ends it
                    if not handed:
                        self._stderr_line(clean_line(bytes(line)))
                    line.clear()
                    handed = False
        if line and not handed:
            self._stderr_line(clean_line(bytes(line)))

    def _stderr_line(self, line: str) -> None:
        if not line:
            return
        self._stderr_tail.append(line)
        if self.on_stderr is not None:
            try:
                self.on_stderr(line)
            except Exception:
                self._log.exception("stderr callback failed on {!r}", line)

    def _oldest_command(self) -> str:
        first = next(iter(self._pending.values()), None)
        return first.command if first is not None else ""

    def _set_failure(self, error: EngineError) -> None:
        if self._failure is None:
            self._failure = error
        self._fail_pending(error)

    def _fail_pending(self, error: EngineError) -> None:
        pending, self._pending = self._pending, {}
        for item in pending.values():
            if not item.future.done():
                item.future.set_exception(error)
                item.future.exception()  # consumed here; whoever awaits still sees it

    def _break(self, error: EngineError) -> None:
        """Kill a process that can no longer be trusted and fail whatever waits on it."""
        self._set_failure(error)
        if self._protocol is not None:
            self._protocol.signal(signal.SIGKILL)

    def _report_and_break(self, error: EngineError) -> None:
        """Log why the engine is no longer trusted, then `_break` it."""
        self._log.error("{}", error)
        self._break(error)
