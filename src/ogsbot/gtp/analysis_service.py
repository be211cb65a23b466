"""Several analysis-engine processes as one service: KataGo on this machine, on others through
ssh, or both. A query goes to the least-loaded endpoint that is up; one that dies has its
queries asked again of another (or of itself once it is back), and is started again with a
growing wait. No network protocol of our own: an endpoint is a command line, and
`ssh host katago analysis ...` is one like any other.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from ogsbot.gtp.analysis_process import JSON, AnalysisProcess, EndpointLost
from ogsbot.gtp.errors import EngineError
from ogsbot.gtp.tasks import detached_task

MAX_LOSSES = 3  # processes that may die with one query in flight before it is given up
# ssh's options that take a value: the host is the first argument that is none of these.
_SSH_VALUE_OPTIONS = frozenset("BbcDEeFIiJLlmOoPpQRSWw")


def endpoint_name(command: Sequence[str]) -> str:
    """A short name for logs and the status line: the host for `ssh [options] host ...`,
    else "local"."""
    if not command or command[0].rsplit("/", 1)[-1] != "ssh":
        return "local"
    args = iter(command[1:])
    for arg in args:
        if arg.startswith("-") and len(arg) > 1:
            if arg[-1] in _SSH_VALUE_OPTIONS and len(arg) == 2:
                next(args, None)  # the option's value
            continue
        return arg.rsplit("@", 1)[-1]
    return "ssh"


@dataclass(frozen=True)
class EndpointStatus:
    """One endpoint as the status line shows it."""

    name: str
    up: bool
    in_flight: int
    restarts: int


class AnalysisService:
    """Queries to the least-loaded live endpoint; asked again elsewhere when one dies."""

    def __init__(
        self,
        commands: Sequence[Sequence[str]],
        *,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 60.0,
        label: str = "analysis",
    ) -> None:
        if not commands:
            raise ValueError("an analysis service needs at least one command")
        self.label = label
        self._up = asyncio.Event()  # set while some endpoint may be up; waiters look again
        names = [endpoint_name(command) for command in commands]
        self.endpoints = [
            AnalysisProcess(
                command,
                cwd=cwd,
                env=env,
                start_timeout=start_timeout,
                label=f"{label}@{name}" if len(commands) == 1 else f"{label}#{i + 1}@{name}",
                on_ready=self._up.set,
            )
            for i, (command, name) in enumerate(zip(commands, names, strict=True))
        ]
        self._ids = itertools.count(1)
        self._started: asyncio.Task[None] | None = None
        self._stopped = False

    def start(self) -> asyncio.Task[None]:
        """Start every endpoint (in the background: the first query waits for one)."""
        if self._started is None:
            self._started = detached_task(self._start_all(), f"{self.label}-start")
        return self._started

    async def _start_all(self) -> None:
        await asyncio.gather(*(e.start() for e in self.endpoints), return_exceptions=True)

    @property
    def up(self) -> list[AnalysisProcess]:
        return [e for e in self.endpoints if e.running]

    def status(self) -> list[EndpointStatus]:
        return [EndpointStatus(e.label, e.running, e.in_flight, e.restarts) for e in self.endpoints]

    async def query(self, query: Mapping[str, Any], timeout: float) -> JSON:
        """The answer to `query` from the least-loaded live endpoint, asked again of another
        if it dies first. Past `timeout` (waiting for an endpoint to come up included) the
        query is terminated and TimeoutError raised; a refusal raises AnalysisError."""
        self.start()
        sent = {**query, "id": str(query.get("id") or f"{self.label}-{next(self._ids)}")}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        losses = 0
        while True:
            endpoint = await self._least_loaded(deadline)
            try:
                return await endpoint.query(sent, timeout=max(0.0, deadline - loop.time()))
            except EndpointLost as exc:
                losses += 1
                if losses >= MAX_LOSSES:  # a query that kills every engine is not sent again
                    raise EngineError(
                        f"{self.label}: {losses} engine processes died with query "
                        f"{sent['id']} in flight; not asked again"
                    ) from exc

    async def _least_loaded(self, deadline: float) -> AnalysisProcess:
        """The live endpoint with the fewest queries in flight, waiting for one to come up
        until `deadline` (TimeoutError)."""
        loop = asyncio.get_running_loop()
        while True:
            if self._stopped:
                raise EngineError(f"{self.label} stopped")
            live = self.up
            if live:
                return min(live, key=lambda e: e.in_flight)
            self._up.clear()
            async with asyncio.timeout_at(deadline):
                await self._up.wait()
            if loop.time() >= deadline:
                raise TimeoutError

    async def restart(self) -> None:
        """Start every endpoint afresh (a search thread of theirs is lost); queries in
        flight are asked again."""
        await asyncio.gather(*(e.restart() for e in self.endpoints))

    async def stop(self) -> None:
        """Stop every endpoint; queries still waiting get EngineError."""
        self._stopped = True
        self._up.set()  # queries waiting for an endpoint learn it at once
        if self._started is not None and not self._started.done():
            self._started.cancel()
            await asyncio.gather(self._started, return_exceptions=True)
        await asyncio.gather(*(e.stop() for e in self.endpoints))


@dataclass(frozen=True)
class AnalysisSpec:
    """How to start an analysis service; engines with equal specs share one."""

    commands: tuple[tuple[str, ...], ...]
    cwd: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    start_timeout: float = 60.0
    label: str = field(default="analysis", compare=False)

    def make(self) -> AnalysisService:
        return AnalysisService(
            self.commands,
            cwd=self.cwd,
            env=dict(self.env) if self.env else None,
            start_timeout=self.start_timeout,
            label=self.label,
        )


class AnalysisServices:
    """One service per distinct spec, started on first use and kept for every game."""

    def __init__(self) -> None:
        self._services: dict[AnalysisSpec, AnalysisService] = {}

    def get(self, spec: AnalysisSpec) -> AnalysisService:
        """The spec's service, started now if it is new."""
        service = self._services.get(spec)
        if service is None:
            service = self._services[spec] = spec.make()
            service.start()
        return service

    @property
    def processes(self) -> int:
        """Endpoint processes up now."""
        return sum(len(s.up) for s in self._services.values())

    def status(self) -> list[EndpointStatus]:
        return [e for service in self._services.values() for e in service.status()]

    async def retire(self, keep: Iterable[AnalysisSpec]) -> int:
        """Stop the services whose spec is not in `keep` (after a reload); how many."""
        kept = set(keep)
        gone = [spec for spec in self._services if spec not in kept]
        services = [self._services.pop(spec) for spec in gone]
        if services:
            logger.info("{} analysis service(s) retired: no longer in the config", len(services))
        await asyncio.gather(*(s.stop() for s in services), return_exceptions=True)
        return len(services)

    async def close(self) -> None:
        await self.retire(())


__all__ = [
    "AnalysisService",
    "AnalysisServices",
    "AnalysisSpec",
    "EndpointLost",
    "EndpointStatus",
    "endpoint_name",
]
