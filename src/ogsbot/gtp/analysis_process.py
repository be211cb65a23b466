"""One process speaking KataGo's analysis-engine protocol (`katago analysis`), shared by any
number of games: a query is sent with an id and its answer, whenever it comes (answers come
out of order by design), goes back to the one who asked. A process that dies is started
again with a growing wait; the queries it had not answered fail with `EndpointLost`, and
`AnalysisService` sends them again, to this process or another endpoint, so nothing in
flight is lost.

No library speaks this protocol (JSON lines on stdin/stdout, readiness on stderr); it is small,
and asyncio's subprocess pipes carry it. The process runs in its own process group, so that
stopping it also ends whatever it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from loguru import logger

from ogsbot.gtp.errors import EngineError
from ogsbot.gtp.tasks import detached_task

READY = "Started, ready to begin handling requests"
"""What `katago analysis` writes on stderr once it takes queries."""

RESTART_BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0)  # s between restarts after a death, then the last
MAX_LINE = 64 * 1024 * 1024  # bytes in one answer line (ownership of 25x25 with PV is far less)

JSON = dict[str, Any]


class AnalysisError(EngineError):
    """The engine refused a query (`field` names what it found wrong)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class EndpointLost(EngineError):
    """The process died before it answered: ask again elsewhere."""


class AnalysisProcess:
    """Queries in, answers routed by id; started again when it dies."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 60.0,
        label: str = "analysis",
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.command = tuple(command)
        self.cwd = cwd
        self.env = {**os.environ, **env} if env else None
        self.start_timeout = start_timeout
        self.label = label
        self.on_ready = on_ready  # told each time a process becomes ready
        self.restarts = 0
        self.queries = 0  # queries sent, for the status and the figures
        self.restarts_in_a_row = 0  # deaths before answering anything: the backoff grows
        self._served = 0  # answers since the process became ready
        self._proc: asyncio.subprocess.Process | None = None
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[JSON]] = {}  # query id -> its answer
        self._readers: list[asyncio.Task[None]] = []
        self._watch: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None and self._ready.is_set()

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    async def start(self) -> None:
        """Start the process and wait until it says it is ready (`start_timeout`). Whether
        or not it gets ready, it is started again each time it dies, until `stop`."""
        self._stopping = False
        try:
            await self._start_once()
        finally:
            if not self._stopping and (self._watch is None or self._watch.done()):
                self._watch = detached_task(self._keep_alive(), f"{self.label}-watch")

    async def _start_once(self) -> None:
        self._ready.clear()
        self._proc = await asyncio.create_subprocess_exec(
            *self.command,
            cwd=self.cwd,
            env=self.env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own group: stopping it ends what it started
            limit=MAX_LINE,
        )
        self._readers = [
            asyncio.create_task(self._read_answers(self._proc), name=f"{self.label}-stdout"),
            asyncio.create_task(self._read_stderr(self._proc), name=f"{self.label}-stderr"),
        ]
        try:
            async with asyncio.timeout(self.start_timeout):
                await self._ready.wait()
        except TimeoutError:
            await self._kill()
            raise EngineError(f"{self.label} did not say it was ready within "
                              f"{self.start_timeout:g} s") from None  # fmt: skip
        self._served = 0
        if self.on_ready is not None:
            self.on_ready()

    async def query(self, query: Mapping[str, Any], timeout: float | None = None) -> JSON:
        """The final answer to `query` (an `id` is added when it has none). Past `timeout`
        the query is terminated and TimeoutError raised; a refusal raises AnalysisError; a
        process not running, or dying before it answers, raises EndpointLost."""
        if not self.running:
            raise EndpointLost(f"{self.label} is not running")
        self.queries += 1
        sent = dict(query)
        ident = str(sent.setdefault("id", f"q{next(self._ids)}"))
        future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        try:
            self._write(sent)
            async with asyncio.timeout(timeout):
                return await asyncio.shield(future)
        except (TimeoutError, asyncio.CancelledError):
            self.terminate(ident)  # late, or no longer wanted: the search is stopped
            raise
        finally:
            self._pending.pop(ident, None)

    def terminate(self, ident: str) -> None:
        """Ask the engine to stop searching `ident` (its answer, if any, is dropped)."""
        if self.running:
            self._write({"id": f"terminate-{ident}", "action": "terminate", "terminateId": ident})

    def _write(self, data: JSON) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdin.is_closing():
            return
        proc.stdin.write(json.dumps(data).encode() + b"\n")

    async def _read_answers(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            try:
                data = json.loads(line)
            except ValueError:
                logger.warning("{}: a line that is not JSON: {!r}", self.label, line[:200])
                continue
            if isinstance(data, dict):
                self._route(data)

    def _route(self, data: JSON) -> None:
        ident = data.get("id")
        future = self._pending.get(str(ident)) if ident is not None else None
        if "error" in data:
            if future is None:
                logger.error("{}: error: {}", self.label, data["error"])
            elif not future.done():
                future.set_exception(AnalysisError(str(data["error"]), data.get("field")))
        elif "warning" in data:
            logger.warning("{}: query {}: {} ({})", self.label, ident, data["warning"],
                           data.get("field"))  # fmt: skip
        elif future is not None and not data.get("isDuringSearch") and not future.done():
            self._served += 1
            future.set_result(data)

    async def _read_stderr(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        while line := await proc.stderr.readline():
            text = line.decode("utf-8", errors="replace").rstrip()
            if READY in text:
                self._ready.set()
            logger.debug("{}: {}", self.label, text)

    async def _keep_alive(self) -> None:
        """Start the process again each time it dies (or fails to start), waiting longer
        after each death in a row; the queries it held fail with EndpointLost at once."""
        while not self._stopping:
            proc = self._proc
            if proc is not None:
                await proc.wait()
                await asyncio.gather(*self._readers, return_exceptions=True)
            if self._stopping:
                return
            self._ready.clear()
            if self._served:
                self.restarts_in_a_row = 0  # it was serving: back at once, not a crash loop
            lost = self._fail_pending(EndpointLost(f"{self.label} exited with queries in flight"))
            wait = RESTART_BACKOFF[min(self.restarts_in_a_row, len(RESTART_BACKOFF) - 1)]
            self.restarts += 1
            self.restarts_in_a_row += 1
            code = proc.returncode if proc is not None else None
            logger.error(
                "{} exited ({}); {} queries to ask again; starting it again in {:g} s",
                self.label,
                code,
                lost,
                wait,
            )
            await asyncio.sleep(wait)
            try:
                await self._start_once()
            except (EngineError, OSError) as exc:
                logger.error("{} could not be started: {}", self.label, exc)

    def _fail_pending(self, error: EngineError) -> int:
        """Fail every query still waiting with `error`; how many there were."""
        waiting = [future for future in self._pending.values() if not future.done()]
        for future in waiting:
            future.set_exception(error)
        return len(waiting)

    async def restart(self) -> None:
        """End the process; its watch starts it again (at once: not a crash loop) and the
        queries it held fail with EndpointLost, to be asked again."""
        self._served = max(self._served, 1)
        await self._kill()

    async def stop(self) -> None:
        """Stop the process (and its group); queries waiting get EngineError."""
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        await self._kill()
        self._fail_pending(EngineError(f"{self.label} stopped"))

    async def _kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.returncode is None:
            if proc.stdin is not None:
                proc.stdin.close()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
