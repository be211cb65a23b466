"""An engine's process group: signalled as a whole, its exit seen apart from its pipes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable

__all__ = ["KILL_WAIT", "READERS_WAIT", "ProcessGroupProtocol"]

# Seconds a killed process gets to be reaped (SIGKILL acts at once; only a machine stall or
# a descendant that keeps the pipes open takes longer), and the readers to take the last
# output after a normal stop.
KILL_WAIT = 1.0
READERS_WAIT = 2.0


class ProcessGroupProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """asyncio's stream protocol, plus the moment the process itself exits, and signals
    to its whole process group.

    `Process.wait()` returns only once the pipes are closed too, which a child that
    inherited stdout can put off forever: the exit of the process is what counts.
    """

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.exited = asyncio.Event()
        self._pid = 0
        self._returncode: Callable[[], int | None] = lambda: None
        self._orphans_killed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        assert isinstance(transport, asyncio.SubprocessTransport)
        self._pid = transport.get_pid()
        self._returncode = transport.get_returncode

    def process_exited(self) -> None:
        super().process_exited()
        self.exited.set()

    def signal(self, sig: signal.Signals) -> None:
        """Send `sig` to the engine's process group: the engine and every descendant.

        Once the engine itself has exited, what is left of its group is orphaned: it gets
        one SIGKILL, whatever `sig` was, and no signal after that (the group's id is free
        for reuse once the group is empty).
        """
        if self._returncode() is not None:
            if self._orphans_killed:
                return
            self._orphans_killed = True
            sig = signal.SIGKILL
        try:
            os.killpg(self._pid, sig)  # the engine leads its own session: pgid == pid
        except ProcessLookupError:
            pass
        except PermissionError:  # a member we may not signal (setuid): the engine at least
            if self._returncode() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, sig)
