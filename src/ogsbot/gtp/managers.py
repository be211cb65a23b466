"""Which engine process plays which game: one per game, or a shared pool.

A session leases an engine for one turn (`async with manager.lease(game_id, spec)`). The
lease carries what the engine's board holds now (`position`), so a session replays only
what is missing: nothing when the same process played the last move, a full pipelined replay
after a switch, a restart or a respawn. Per-game engines are killed after an idle timeout and
respawned on demand; a pool shares N processes among all games, preferring the process that
last played the same game. Games waiting for a pooled process are served least time left
first (a lease may carry its game's deadline), so a correspondence game's long think cannot
make a live game lose on time. After a config reload, `retire` ends the processes of specs
the new config no longer has.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from ogsbot.gtp.analysis_service import AnalysisServices, AnalysisSpec
from ogsbot.gtp.engine import MAX_REPLY, MAX_STDERR_LINE, GTPEngine
from ogsbot.gtp.tasks import detached_task

StderrListener = Callable[[str], None]

SPARE_REFILL_DELAY = 0.5  # s after a spare is taken before the next one starts


@dataclass(frozen=True)
class EngineSpec:
    """How to start an engine; equal specs can share processes."""

    command: tuple[str, ...]
    endpoints: tuple[tuple[str, ...], ...] = ()  # more command lines, taken in turn
    cwd: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    start_timeout: float = 60.0
    command_timeout: float = 30.0
    quit_grace: float = 5.0
    idle_timeout: float = 600.0
    pool_size: int = 0  # 0: one process per game; N: a pool of N processes
    max_reply: int = MAX_REPLY  # bytes in one reply; more is an engine failure
    max_stderr_line: int = MAX_STDERR_LINE  # bytes kept of one stderr line
    label: str = field(default="engine", compare=False)  # for logs; games with equal specs share

    def make(self, on_stderr: StderrListener, index: int = 0) -> GTPEngine:
        """The `index`-th process: `command` and the `endpoints` take turns."""
        env = {**os.environ, **dict(self.env)} if self.env else None
        commands = (self.command, *self.endpoints)
        return GTPEngine(
            commands[index % len(commands)],
            cwd=self.cwd,
            env=env,
            timeout=self.command_timeout,
            start_timeout=self.start_timeout,
            quit_grace=self.quit_grace,
            on_stderr=on_stderr,
            label=self.label,
            max_reply=self.max_reply,
            max_stderr_line=self.max_stderr_line,
        )


_Waiter = tuple[float, int, "asyncio.Future[EngineHandle]"]


@dataclass(eq=False)
class EngineHandle:
    """One process and what its board holds; `listener` gets its stderr lines."""

    engine: GTPEngine
    spec: EngineSpec
    position: Any = None  # set by the session that last synced the board
    game_id: int | None = None
    last_used: float = field(default_factory=time.monotonic)
    listener: StderrListener | None = None
    busy: bool = False
    retired: bool = False  # its spec left the config: stopped once its lease ends
    games: set[int] = field(default_factory=set)  # the games it has played turns of
    starts: int = 0  # processes started for it (a restart after a death or an idle stop)

    def on_stderr(self, line: str) -> None:
        if self.listener is not None:
            self.listener(line)

    async def restart(self) -> None:
        """A fresh process: its board is empty, so the position is forgotten."""
        self.position = None
        await self.engine.restart()


class EngineManager:
    """Leases engines to games, one process per game or from a pool, by spec."""

    def __init__(self) -> None:
        self._per_game: dict[tuple[EngineSpec, int], EngineHandle] = {}
        self._pools: dict[EngineSpec, list[EngineHandle]] = {}
        self._free: dict[EngineSpec, asyncio.Condition] = {}
        # Per spec, a heap of (deadline, arrival, waiter): least time left first, then
        # first come; no deadline is infinity, so last.
        self._waiters: dict[EngineSpec, list[_Waiter]] = {}
        self._arrivals = itertools.count()
        self._stopping: dict[asyncio.Task[None], EngineHandle] = {}  # retired, in background
        self._idle_task: asyncio.Task[None] | None = None
        # Per spec, processes started ahead for the games to come, each with its start.
        self._spares: dict[EngineSpec, list[tuple[EngineHandle, asyncio.Task[None]]]] = {}
        self._spare_counts: dict[EngineSpec, int] = {}
        self._closed = False
        self._kill = False  # quit_now(): engines are killed, not asked to quit
        self._made: dict[EngineSpec, int] = {}  # processes made per spec: endpoints in turn
        self.analysis = AnalysisServices()  # KataGo analysis engines, one for every game

    @property
    def processes(self) -> int:
        """Engine processes alive now (retired ones still stopping included)."""
        handles = self._handles() + list(self._stopping.values())
        handles += [h for spares in self._spares.values() for h, _ in spares]
        return sum(1 for h in handles if h.engine.running) + self.analysis.processes

    def pid_for(self, game_id: int) -> int | None:
        """The pid of the process that plays (or last played) `game_id`'s turns, if any."""
        for (_, game), handle in self._per_game.items():
            if game == game_id:
                return handle.engine.pid
        for pool in self._pools.values():
            for handle in pool:
                if handle.game_id == game_id:
                    return handle.engine.pid
        return None

    def describe(self) -> list[dict[str, Any]]:
        """Each GTP process, for `ogsbot status`: its pid, state, games and restarts."""
        spares = [h for spares in self._spares.values() for h, _ in spares]
        out = []
        for handle in self._handles() + spares:
            engine = handle.engine
            state = "dead" if not engine.running else ("thinking" if handle.busy else "idle")
            if handle in spares:
                state = "spare" if engine.running else "starting"
            out.append(
                {
                    "label": handle.spec.label,
                    "pid": engine.pid,
                    "state": state,
                    "games": len(handle.games),
                    "restarts": max(0, handle.starts - 1),
                    "pool": bool(handle.spec.pool_size),
                }
            )
        return out

    @property
    def waiting(self) -> int:
        """Leases queued for a pooled process."""
        return sum(1 for q in self._waiters.values() for *_, w in q if not w.done())

    def _handles(self) -> list[EngineHandle]:
        return list(self._per_game.values()) + [h for p in self._pools.values() for h in p]

    def _new_handle(self, spec: EngineSpec) -> EngineHandle:
        holder: list[EngineHandle] = []
        made = self._made.get(spec, 0)
        self._made[spec] = made + 1
        engine = spec.make(lambda line: holder[0].on_stderr(line), made)
        handle = EngineHandle(engine, spec)
        holder.append(handle)
        return handle

    def keep_spares(self, spec: EngineSpec, count: int) -> None:
        """Keep `count` processes of `spec` started ahead: a new game (or a pool's new
        process) takes one at once, so its first move costs no engine start, and another
        starts in the background. 0 stops them."""
        self._spare_counts[spec] = count
        spares = self._spares.setdefault(spec, [])
        while len(spares) > count:
            handle, task = spares.pop()
            task.cancel()
            self._drop(handle)
        self._refill(spec)

    def _refill(self, spec: EngineSpec) -> None:
        spares = self._spares.setdefault(spec, [])
        while not self._closed and len(spares) < self._spare_counts.get(spec, 0):
            handle = self._new_handle(spec)
            task = detached_task(self._start_spare(handle), f"spare-{spec.label}")
            spares.append((handle, task))

    @staticmethod
    async def _start_spare(handle: EngineHandle) -> None:
        try:
            await handle.engine.start()
        except Exception as exc:  # the lease that takes it starts it again, and says why
            logger.warning("a spare engine did not start: {}", exc)

    async def _take_spare(self, spec: EngineSpec, *, started: bool) -> EngineHandle | None:
        """A spare of `spec` (a started one first; with `started`, only a started one)."""
        spares = self._spares.get(spec) or []
        ready = [i for i, (_, task) in enumerate(spares) if task.done()]
        if not ready and (started or not spares):
            return None
        handle, task = spares.pop(ready[0] if ready else 0)
        # The next spare starts a little later: its start would take CPU from this game's
        # first move, which the spare is there to make fast.
        asyncio.get_running_loop().call_later(SPARE_REFILL_DELAY, self._refill, spec)
        await task  # one still starting is nearer to ready than a new process
        return handle

    @contextlib.asynccontextmanager
    async def lease(
        self,
        game_id: int,
        spec: EngineSpec,
        listener: StderrListener | None = None,
        *,
        deadline: float | None = None,
    ) -> AsyncIterator[EngineHandle]:
        """An engine for one turn of `game_id`, started if needed; released afterwards.

        `deadline` is when the game's clock runs out (`time.monotonic()` time): waiting for
        a pooled process, the game with the least time left goes first; no deadline, last.
        """
        if self._closed:
            raise RuntimeError("the engine manager is closed")
        self._ensure_idle_reaper()
        handle = await (
            self._acquire_pooled(game_id, spec, deadline)
            if spec.pool_size
            else self._acquire_own(game_id, spec)
        )
        handle.listener = listener
        handle.games.add(game_id)
        try:
            if not handle.engine.running:
                handle.position = None
                if handle.engine.pid is not None:
                    await handle.engine.stop()
                handle.starts += 1
                await handle.engine.start()
            yield handle
        finally:
            handle.listener = None
            handle.last_used = time.monotonic()
            handle.game_id = game_id
            await self._release(handle)

    async def _acquire_own(self, game_id: int, spec: EngineSpec) -> EngineHandle:
        key = (spec, game_id)
        condition = self._free.setdefault(spec, asyncio.Condition())
        async with condition:  # a game's turns never overlap, but an idle stop might
            while True:
                # Looked up again after each wait: a retired handle is gone when released.
                handle = self._per_game.get(key)
                if handle is None:
                    spare = await self._take_spare(spec, started=False)
                    handle = spare if spare is not None else self._new_handle(spec)
                    self._per_game[key] = handle
                if not handle.busy:
                    break
                await condition.wait()
            handle.busy = True
        return handle

    async def _acquire_pooled(
        self, game_id: int, spec: EngineSpec, deadline: float | None
    ) -> EngineHandle:
        pool = self._pools.setdefault(spec, [])
        free = [h for h in pool if not h.busy]
        chosen = next((h for h in free if h.game_id == game_id), None)  # its board is ours
        if chosen is None and len(pool) < spec.pool_size:
            spare = await self._take_spare(spec, started=True)  # a started one: no wait
            chosen = spare if spare is not None else self._new_handle(spec)
            pool.append(chosen)
        if chosen is None and free:
            chosen = min(free, key=lambda h: h.last_used)  # least recently used
        if chosen is not None:
            chosen.busy = True
            return chosen
        # Every process is busy: queue up. A release hands its process to the most urgent
        # waiting game directly (O(log n) per release, whatever the number of games
        # waiting: a correspondence bot has hundreds on a pool of two).
        waiter: asyncio.Future[EngineHandle] = asyncio.get_running_loop().create_future()
        urgency = math.inf if deadline is None else deadline
        heapq.heappush(self._waiters.setdefault(spec, []), (urgency, next(self._arrivals), waiter))
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._hand_over(waiter.result())  # handed to us as we were cancelled: pass on
            raise

    async def _release(self, handle: EngineHandle) -> None:
        if handle.spec.pool_size:
            self._hand_over(handle)
            return
        if handle.retired:
            self._drop(handle)
        else:
            handle.busy = False
        condition = self._free.get(handle.spec)
        if condition is not None:
            async with condition:
                condition.notify_all()  # per-game engines share it: wake the right one

    def _hand_over(self, handle: EngineHandle) -> None:
        """A pooled process to the most urgent game waiting for one (it stays busy), else
        free; a retired one is stopped, and a fresh process takes its place for a waiter."""
        waiter = self._next_waiter(handle.spec)
        if handle.retired:
            self._drop(handle)
            if waiter is None:
                return
            handle = self._new_handle(handle.spec)  # started by the lease that gets it
            self._pools.setdefault(handle.spec, []).append(handle)
        if waiter is None:
            handle.busy = False
            return
        handle.busy = True
        waiter.set_result(handle)

    def _next_waiter(self, spec: EngineSpec) -> asyncio.Future[EngineHandle] | None:
        queue = self._waiters.get(spec)
        while queue:
            *_, waiter = heapq.heappop(queue)
            if not waiter.done():  # skip the cancelled
                return waiter
        return None

    async def retire(self, keep: Iterable[EngineSpec | AnalysisSpec]) -> int:
        """End the processes whose spec is not in `keep` (the new config's, after a
        reload): idle ones now, busy ones when their lease ends, analysis services at once
        (their games ask the new one). Returns how many GTP processes.

        A game that leases a retired spec again gets a fresh process; so pass, besides the
        new config's specs, those of games meant to finish on their old engine.
        """
        kept = set(keep)
        await self.analysis.retire(k for k in kept if isinstance(k, AnalysisSpec))
        for spec in [s for s in self._spares if s not in kept]:
            self.keep_spares(spec, 0)  # stopped in the background, not counted
        retired = [h for h in self._handles() if h.spec not in kept and not h.retired]
        for handle in retired:
            handle.retired = True
            if not handle.busy:
                self._drop(handle)
        if retired:
            logger.info("{} engine process(es) retired: no longer in the config", len(retired))
        idle = [task for task, handle in self._stopping.items() if handle in retired]
        await asyncio.gather(*idle, return_exceptions=True)
        return len(retired)

    def _drop(self, handle: EngineHandle) -> None:
        """Take a handle out of service for good and stop its process in the background
        (a lease ending must not wait for it)."""
        handle.busy = True  # never leased again
        pool = self._pools.get(handle.spec)
        if pool is not None and handle in pool:
            pool.remove(handle)
        for key in [k for k, h in self._per_game.items() if h is handle]:
            del self._per_game[key]
        task = detached_task(self._stop(handle), f"engine-retire-{handle.spec.label}")
        self._stopping[task] = handle
        task.add_done_callback(self._stopping.pop)

    async def _stop(self, handle: EngineHandle) -> None:
        handle.position = None
        try:
            await handle.engine.stop(now=self._kill)
        except Exception:
            logger.exception("stopping a retired engine failed")

    def quit_now(self) -> None:
        """From now on engines are killed, not asked to quit: the bot quits at once, and a
        hung engine must not hold it for `quit_grace` (or three times that)."""
        self._kill = True

    async def finish(self, game_id: int) -> None:
        """The game is over: its own engine stops now; pooled engines stay for others."""
        for key in [k for k in self._per_game if k[1] == game_id]:
            handle = self._per_game.pop(key)
            await handle.engine.stop(now=self._kill)
        for pool in self._pools.values():
            for handle in pool:
                if handle.game_id == game_id and not handle.busy:
                    handle.game_id = None
                    handle.position = None

    def _ensure_idle_reaper(self) -> None:
        if self._idle_task is None or self._idle_task.done():
            self._idle_task = detached_task(self._reap_idle(), "engine-idle-reaper")

    async def _reap_idle(self) -> None:
        """Stop per-game engines idle longer than their spec allows (respawned on demand)."""
        while not self._closed:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for key, handle in list(self._per_game.items()):
                idle = now - handle.last_used
                if not handle.busy and handle.engine.running and idle > handle.spec.idle_timeout:
                    logger.info(
                        "game {}: engine idle for {:.0f} s, stopping it (respawned when needed)",
                        key[1],
                        idle,
                    )
                    handle.busy = True  # no lease gets a process that is being stopped
                    try:
                        handle.position = None
                        await handle.engine.stop()
                    finally:
                        await self._release(handle)

    async def close(self) -> None:
        """Stop every process."""
        self._closed = True
        if self._idle_task is not None:
            self._idle_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._idle_task
        for queue in self._waiters.values():
            for *_, waiter in queue:
                if not waiter.done():
                    waiter.set_exception(RuntimeError("the engine manager is closed"))
        self._waiters.clear()
        handles = list(self._per_game.values()) + [h for p in self._pools.values() for h in p]
        for spares in self._spares.values():
            for handle, task in spares:
                task.cancel()
                handles.append(handle)
        await asyncio.gather(
            *(t for s in self._spares.values() for _, t in s), return_exceptions=True
        )
        self._spares.clear()
        stopping = list(self._stopping)
        if self._kill:
            for task in stopping:
                task.cancel()  # a cancelled stop kills at once
        await asyncio.gather(
            *(h.engine.stop(now=self._kill) for h in handles), *stopping, return_exceptions=True
        )
        self._per_game.clear()
        self._pools.clear()
        await self.analysis.close()


def spec_from(
    command: tuple[str, ...],
    *,
    endpoints: Iterable[tuple[str, ...]] = (),
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    **options: Any,
) -> EngineSpec:
    """An EngineSpec from plain values (environment as a sorted tuple, so specs compare)."""
    env_items = tuple(sorted((env or {}).items()))
    return EngineSpec(tuple(command), tuple(endpoints), cwd, env_items, **options)
