"""One GTP engine process, driven from asyncio.

Every command carries a numeric id and a timeout; replies are matched by id, so a batch of
commands is written at once and answered in one round trip. stdout and stderr are read by
their own tasks from start to exit, so the engine can never block on a full pipe. A hung,
dead or babbling engine is killed and reported as its own `EngineError`; `restart()` gives a
fresh process.

The engine is not trusted. It runs in its own session (process group), and every signal
goes to the whole group, so helpers it spawned end with it; when the engine's own process
exits (seen from the process, not from EOF on stdout, which a child holding the pipe defers
forever) whatever is left of its group is killed. Its output is bounded: a reply over
`max_reply` bytes is a failure, a stderr line over `max_stderr_line` is cut; neither is
ever held whole.

This module starts, stops and commands the engine; its output is read by `engine_output`,
its process group signalled by `process_group`, and what crosses its pipes is `wire`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ogsbot.gtp.engine_output import (
    MAX_REPLY,
    MAX_STDERR_LINE,
    EngineOutput,
    PendingCommand,
    StderrCallback,
)
from ogsbot.gtp.errors import (
    EngineDied,
    EngineError,
    EngineNotRunning,
    EngineTimeout,
    GTPError,
    IllegalMove,
)
from ogsbot.gtp.process_group import KILL_WAIT, READERS_WAIT, ProcessGroupProtocol
from ogsbot.gtp.wire import REQUIRED_COMMANDS, GTPReply, clean_command
from ogsbot.ogs.coords import RESIGN, GtpMove, Point, parse_gtp_move

__all__ = [
    "MAX_REPLY",
    "MAX_STDERR_LINE",
    "REQUIRED_COMMANDS",
    "GTPEngine",
    "GTPReply",
    "StderrCallback",
    "clean_command",
]


class GTPEngine(EngineOutput):
    """A GTP engine subprocess: start, handshake, commands with timeouts, stop, restart.

    Use it as an async context manager, or call `start()` and `stop()` yourself.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        start_timeout: float = 60.0,
        quit_grace: float = 5.0,
        on_stderr: StderrCallback | None = None,
        stderr_tail: int = 20,
        label: str = "",
        max_reply: int = MAX_REPLY,
        max_stderr_line: int = MAX_STDERR_LINE,
    ) -> None:
        if not argv:
            raise ValueError("an engine needs a command: the argument list is empty")
        self.argv: tuple[str, ...] = tuple(str(a) for a in argv)
        super().__init__(
            label or Path(self.argv[0]).name,
            on_stderr=on_stderr,
            stderr_tail=stderr_tail,
            max_reply=max_reply,
            max_stderr_line=max_stderr_line,
        )
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.quit_grace = quit_grace
        self.name = ""
        self.version = ""
        self.protocol_version = ""
        self.commands: frozenset[str] = frozenset()
        self.kata_time_systems: frozenset[str] = frozenset()
        self._proc: asyncio.subprocess.Process | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._next_id = 1
        self._stopping = False  # a stop asked for: the exit it brings is no failure to log

    # ----- lifecycle -------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the process is alive and trusted with commands."""
        return self._proc is not None and self._proc.returncode is None and self._failure is None

    @property
    def pid(self) -> int | None:
        """The process id, or None when no process is running."""
        return self._proc.pid if self._proc is not None else None

    async def start(self) -> None:
        """Spawn the process and learn who it is and which commands it knows."""
        if self._proc is not None:
            raise RuntimeError(f"engine {self.label} is already started")
        self._failure = None
        self._stopping = False
        self._next_id = 1
        self._stderr_tail.clear()
        loop = asyncio.get_running_loop()
        limit = max(self.max_reply, 64)  # one line over it is a reply over it
        try:
            # asyncio.create_subprocess_exec, with a protocol that also tells the exit.
            transport, protocol = await loop.subprocess_exec(
                lambda: ProcessGroupProtocol(limit, loop),
                *self.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=self.cwd,
                env=self.env,
                start_new_session=True,  # its own process group: signals reach its children
            )
        except OSError as exc:
            raise EngineNotRunning(f"cannot start engine {self.argv[0]!r}: {exc}") from exc
        proc = asyncio.subprocess.Process(transport, protocol, loop)
        self._proc, self._protocol = proc, protocol
        readers = [
            asyncio.create_task(self._read_stdout(proc), name=f"gtp-stdout-{self.label}"),
            asyncio.create_task(self._read_stderr(proc), name=f"gtp-stderr-{self.label}"),
        ]
        watcher = asyncio.create_task(
            self._watch(proc, protocol, readers), name=f"gtp-exit-{self.label}"
        )
        self._tasks = [*readers, watcher]
        self._log.debug("started {} (pid {})", self.argv[0], proc.pid)
        try:
            await self._handshake()
        except BaseException:
            await self.stop()
            raise

    async def _handshake(self) -> None:
        replies = await self.batch(
            ["protocol_version", "name", "version", "list_commands"],
            timeout=self.start_timeout,
            check=False,
        )
        protocol, name, version, listed = replies
        self.protocol_version = protocol.text if protocol.ok else ""
        self.name = name.text if name.ok else ""
        self.version = version.text if version.ok else ""
        self.commands = frozenset(listed.text.split()) if listed.ok else frozenset()
        if "kata-list_time_settings" in self.commands:
            reply = await self.command("kata-list_time_settings", check=False)
            self.kata_time_systems = frozenset(reply.text.split()) if reply.ok else frozenset()
        self._log.info(
            "engine {} {} ready: GTP {}, {} commands",
            self.name or "?",
            self.version.split(":", 1)[0][:40],
            self.protocol_version or "?",
            len(self.commands),
        )

    async def stop(self, *, now: bool = False) -> None:
        """`quit`, then SIGTERM after the grace period, then SIGKILL; always reaps the process.

        `now` kills at once, with no `quit` and no grace (for a bot told to quit now): a hung
        engine would otherwise cost the whole `quit_grace`, and one that ignores `quit` and
        SIGTERM three times that. Signals go to the engine's whole process group, and once
        the engine has exited, what is left of its group is killed: nothing outlives a stop.
        """
        proc, protocol = self._proc, self._protocol
        if proc is None or protocol is None:
            return
        self._stopping = True
        try:
            signals: tuple[signal.Signals | None, ...] = (None, signal.SIGTERM, signal.SIGKILL)
            grace = self.quit_grace
            if now:
                protocol.signal(signal.SIGKILL)
                signals, grace = (None,), KILL_WAIT
            elif proc.returncode is None and self._failure is None:
                with contextlib.suppress(EngineError, GTPError):
                    await self.command("quit", timeout=self.quit_grace)
            for sig in signals:
                if sig is not None:
                    protocol.signal(sig)
                try:
                    # The exit itself, not proc.wait(), which also waits for the pipes to
                    # close. Not asyncio.wait_for: on Python 3.11 it loses a cancellation
                    # that lands as the process exits, and a forced stop must not be lost.
                    async with asyncio.timeout(grace):
                        await protocol.exited.wait()
                    break
                except TimeoutError:
                    self._log.warning("engine did not exit in {:g} s", grace)
            protocol.signal(signal.SIGKILL)  # the rest of its group (the watcher may have)
            await self._finish_tasks(KILL_WAIT if now else READERS_WAIT)
        except asyncio.CancelledError:
            # Cancelled mid-stop (a forced shutdown): no process may outlive us, so kill the
            # group now, without waiting; asyncio's child watcher reaps the engine.
            protocol.signal(signal.SIGKILL)
            for task in self._tasks:
                task.cancel()
            self._tasks = []
            raise
        finally:
            self._fail_pending(EngineNotRunning(f"engine {self.label} was stopped"))
            # asyncio has no public way to close a reaped process's transport; left open, it
            # is closed by the garbage collector, possibly after its event loop is gone.
            transport = getattr(proc, "_transport", None)
            if transport is not None:
                transport.close()
            self._proc = self._protocol = None
        self._log.debug("stopped (exit code {})", proc.returncode)

    async def restart(self) -> None:
        """Replace the process with a fresh one (a dead, hung or healthy one alike)."""
        await self.stop()
        await self.start()

    async def __aenter__(self) -> GTPEngine:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ----- commands --------------------------------------------------------------------

    async def command(
        self, command: str, *, timeout: float | None = None, check: bool = True
    ) -> GTPReply:
        """Send one command and wait for its reply; `check` raises `GTPError` on a `?`."""
        (reply,) = await self.batch([command], timeout=timeout, check=check)
        return reply

    async def send(self, command: str, *, timeout: float | None = None) -> str:
        """Send one command and return its payload; a `?` reply raises `GTPError`."""
        return (await self.command(command, timeout=timeout)).text

    async def batch(
        self, commands: Sequence[str], *, timeout: float | None = None, check: bool = True
    ) -> list[GTPReply]:
        """Write all commands at once and wait for every reply (one round trip).

        The timeout covers the whole batch. With `check`, the first refusal raises
        `GTPError` once every reply is in, so the stream stays in step.
        """
        lines = [clean_command(c) for c in commands]
        proc = self._usable(lines[0] if lines else "")
        if not lines:
            return []
        loop = asyncio.get_running_loop()
        pending: list[PendingCommand] = []
        payload = []
        for line in lines:
            ident = self._next_id
            self._next_id += 1
            item = PendingCommand(line, loop.create_future())
            self._pending[ident] = item
            pending.append(item)
            payload.append(f"{ident} {line}\n")
        limit = self.timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                await self._write(proc, "".join(payload))
                replies = [await item.future for item in pending]
        except TimeoutError:
            waiting = next((p.command for p in pending if not p.future.done()), lines[-1])
            error = EngineTimeout(waiting, limit)
            self._report_and_break(error)
            raise error from None
        finally:
            for item in pending:
                if not item.future.done():
                    item.future.cancel()
        if check:
            for reply in replies:
                reply.check()
        return replies

    async def first_accepted(
        self,
        alternatives: Sequence[Sequence[str]],
        *,
        timeout: float | None = None,
        trust_list_commands: bool = True,
    ) -> Sequence[str]:
        """Send the first group of commands the engine accepts in full; return that group.

        A group whose first command the engine does not list is skipped (unless
        `trust_list_commands` is off); a group with any `?` reply falls through to the next.
        """
        last: GTPError | None = None
        for group in alternatives:
            if not group:
                continue
            verb = group[0].split(None, 1)[0]
            if trust_list_commands and not self.knows(verb):
                continue
            replies = await self.batch(group, timeout=timeout, check=False)
            refused = next((r for r in replies if not r.ok), None)
            if refused is None:
                return group
            last = GTPError(refused.command, refused.text)
            self._log.debug("falling back after {}", last)
        if last is not None:
            raise last
        raise GTPError(
            " | ".join(g[0] for g in alternatives if g), "engine knows none of these commands"
        )

    async def genmove(
        self,
        color: str,
        *,
        width: int,
        height: int | None = None,
        legal: Callable[[Point], bool] | None = None,
        timeout: float | None = None,
        verb: str = "genmove",
    ) -> GtpMove:
        """Ask for a move: a point (x, y), None for a pass or `RESIGN`, checked by `read_move`."""
        command = f"{verb} {color}"
        reply = await self.send(command, timeout=timeout)
        return self.read_move(command, reply, width=width, height=height, legal=legal)

    def read_move(
        self,
        command: str,
        reply: str,
        *,
        width: int,
        height: int | None = None,
        legal: Callable[[Point], bool] | None = None,
    ) -> GtpMove:
        """The move in the reply to `command` (a genmove sent alone or at the end of a batch).

        A reply that is not a vertex of this board, or that `legal` rejects, raises
        `IllegalMove` and kills the engine: its position no longer matches the game's.
        """
        try:
            move = parse_gtp_move(reply, width, height)
        except ValueError as exc:
            error = IllegalMove(command, reply, str(exc))
        else:
            if move is None or move is RESIGN or legal is None or legal(move):
                return move
            error = IllegalMove(command, reply, "the move is not legal in this position")
        self._report_and_break(error)
        raise error

    def knows(self, command: str) -> bool:
        """Whether the engine listed the command (required GTP commands are always known)."""
        return command in self.commands or command in REQUIRED_COMMANDS

    # ----- internals -------------------------------------------------------------------

    def _usable(self, command: str) -> asyncio.subprocess.Process:
        proc = self._proc
        if proc is None:
            raise EngineNotRunning(f"engine {self.label} is not running; start() it first")
        failure = self._failure
        if isinstance(failure, EngineDied):
            raise EngineDied(failure.returncode, failure.stderr_tail, command)
        if failure is not None:
            raise EngineNotRunning(f"engine {self.label} is unusable ({failure}); restart() it")
        return proc

    async def _write(self, proc: asyncio.subprocess.Process, data: str) -> None:
        stdin = proc.stdin
        assert stdin is not None
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            # A dead process: the stdout reader sees EOF and fails the waiting replies.
            stdin.write(data.encode())
            await stdin.drain()

    async def _watch(
        self,
        proc: asyncio.subprocess.Process,
        protocol: ProcessGroupProtocol,
        readers: Sequence[asyncio.Task[None]],
    ) -> None:
        """Wait for the process itself to exit, kill what is left of its group, and fail
        whatever waits on it with its exit code and last stderr lines.

        The readers get a moment for the last output (a reply written before the exit);
        a descendant that left the group and holds the pipes cannot delay this further.
        """
        await protocol.exited.wait()
        code = proc.returncode
        protocol.signal(signal.SIGKILL)  # the orphans: their pipes close, the readers end
        _, late = await asyncio.wait(readers, timeout=READERS_WAIT)
        for task in late:
            task.cancel()
        died = EngineDied(code, self.stderr_tail, self._oldest_command())
        if self._failure is None:
            if self._pending and not self._stopping:
                self._log.error("{}", died)
            else:
                self._log.debug("exited with code {}", code)
        self._set_failure(died)

    async def _finish_tasks(self, timeout: float) -> None:
        """Let the readers take the last output, for `timeout` s at most in all (cancelled
        meanwhile, `stop` cancels them)."""
        current = asyncio.current_task()
        tasks = [task for task in self._tasks if task is not current]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        self._tasks = []
        for task in tasks:
            if not task.cancelled() and task.exception() is not None:
                self._log.opt(exception=task.exception()).error("engine reader failed")
