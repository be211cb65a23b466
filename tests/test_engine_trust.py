"""An engine is not trusted: its children, its crashes and its output are kept in bounds.

The engine here (tests/data/engines/family.py) has a child process that shares its pipes,
as an engine's helper or a wrapper script's real engine does; it may crash, hang, babble or
write an endless stderr line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from ogsbot.gtp.engine import GTPEngine
from ogsbot.gtp.errors import (
    EngineDied,
    EngineError,
    EngineNotRunning,
    EngineTimeout,
    GTPProtocolError,
    ReplyTooLong,
)

from support import until

FAMILY = Path(__file__).parent / "data" / "engines" / "family.py"


def family(*flags: str, **kwargs: Any) -> GTPEngine:
    return GTPEngine([sys.executable, str(FAMILY), *flags], **kwargs)


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (a dead process not yet reaped by
    its parent: for an engine's orphaned child that is init, not us)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):  # gone between the two looks: ENOENT, or ESRCH mid-read
        return False


async def gone(*pids: int) -> None:
    """Every process in `pids` ends soon (a bound against a hang, not a timing)."""
    await until(lambda: not any(alive(pid) for pid in pids), 10, f"processes {pids} to end")


async def pids_of(engine: GTPEngine) -> tuple[int, int]:
    """The engine's process id and its child's."""
    assert engine.pid is not None
    return engine.pid, int(await engine.send("child_pid"))


async def test_a_crash_is_seen_though_a_child_keeps_stdout_open() -> None:
    """The engine exits without a reply; its child still holds stdout, so no EOF comes.
    The crash must be seen from the process itself, not wait out the command's timeout
    (a game's whole clock), and the child must end with it."""
    engine = family()
    await engine.start()
    try:
        leader, child = await pids_of(engine)
        async with asyncio.timeout(20):
            with pytest.raises(EngineDied) as caught:
                await engine.send("crash", timeout=600)
        assert caught.value.returncode == 3 and caught.value.command == "crash"
        await gone(child)
        with pytest.raises(EngineDied):
            await engine.send("name")
    finally:
        async with asyncio.timeout(20):
            await engine.stop()
    await gone(leader, child)


async def test_an_engine_killed_from_outside_takes_its_children_along() -> None:
    """The leader dies while idle (the OOM killer, a stray kill): nothing is waiting on
    it, yet its children must not be left orphans, and it must show as not running."""
    engine = family()
    await engine.start()
    try:
        leader, child = await pids_of(engine)
        os.kill(leader, signal.SIGKILL)
        await until(lambda: not engine.running, 10, "the engine to show as dead")
        await gone(leader, child)
        async with asyncio.timeout(20):
            await engine.restart()
        new_leader, new_child = await pids_of(engine)
        assert new_leader != leader and alive(new_child)
    finally:
        async with asyncio.timeout(20):
            await engine.stop()
    await gone(new_leader, new_child)


async def _quit(engine: GTPEngine) -> None:
    await engine.stop()


async def _stop_now(engine: GTPEngine) -> None:
    await engine.stop(now=True)


async def _restart(engine: GTPEngine) -> None:
    await engine.restart()


async def _timeout(engine: GTPEngine) -> None:
    with pytest.raises(EngineTimeout):
        await engine.send("hang", timeout=0.3)


async def _crash(engine: GTPEngine) -> None:
    with pytest.raises(EngineDied):
        await engine.send("crash", timeout=600)


async def _garbage(engine: GTPEngine) -> None:
    with pytest.raises(GTPProtocolError):
        await engine.send("garbage", timeout=600)


async def _babble(engine: GTPEngine) -> None:
    with pytest.raises(ReplyTooLong):
        await engine.send("babble", timeout=600)


async def _cancelled_stop(engine: GTPEngine) -> None:
    stopping = asyncio.create_task(engine.stop())
    await asyncio.sleep(0.2)  # into the grace period after `quit` (any point will do)
    stopping.cancel()  # an engine that exits on `quit` may be stopped already
    with contextlib.suppress(asyncio.CancelledError):
        await stopping


PATHS: dict[str, Callable[[GTPEngine], Awaitable[None]]] = {
    "quit": _quit,
    "stop now": _stop_now,
    "restart": _restart,
    "timeout": _timeout,
    "crash": _crash,
    "protocol error": _garbage,
    "reply too long": _babble,
    "cancelled stop": _cancelled_stop,
}


@pytest.mark.parametrize("stays", [False, True], ids=["exits on quit", "stays after quit"])
@pytest.mark.parametrize("path", list(PATHS))
async def test_no_process_outlives_the_engine(path: str, stays: bool) -> None:
    """Whichever way an engine ends (asked to quit, killed, timed out, crashed, cut off for
    its output, its stop cancelled) or is restarted, its whole process group ends, the
    child that shares its pipes included, and the engine's own process is reaped. The
    engine and its child ignore SIGTERM; the engine exits on `quit` (so its group must be
    ended after it is gone) or stays (so it must be killed)."""
    flags = ("--ignore-sigterm", "--stay-after-quit") if stays else ("--ignore-sigterm",)
    engine = family(*flags, quit_grace=0.5, max_reply=1 << 16)
    await engine.start()
    old = await pids_of(engine)
    try:
        async with asyncio.timeout(20):
            await PATHS[path](engine)
        if path == "restart":
            await gone(*old)
            assert engine.running and await engine.send("name") == ""
            await engine.stop()
        elif path != "cancelled stop":
            await gone(*old)  # at once, not only after stop()
            async with asyncio.timeout(20):
                await engine.stop()
    finally:
        async with asyncio.timeout(20):
            await engine.stop(now=True)
    assert engine.pid is None and not engine.running
    await gone(*old)


async def test_a_reply_over_the_bound_is_an_engine_failure() -> None:
    """A reply that does not end, or one line too long, is cut off at the bound (never
    held whole in memory): the engine is killed as broken and a restart gives a fresh one."""
    async with family(max_reply=1 << 16) as engine:
        assert await engine.send("long_line 60000") == "z" * 60000
        for command in ("babble", "long_line 70000"):
            async with asyncio.timeout(20):
                with pytest.raises(ReplyTooLong) as caught:
                    await engine.send(command, timeout=600)
            assert caught.value.command == command and caught.value.limit == 1 << 16
            assert isinstance(caught.value, EngineError) and not engine.running
            with pytest.raises(EngineNotRunning, match="restart"):
                await engine.send("name")
            await engine.restart()
            assert await engine.send("name") == ""


async def test_an_over_long_stderr_line_is_cut_not_buffered_whole() -> None:
    """A 300 KB stderr line reaches the listener once, cut to the bound; the next line is
    whole. (Before, it came in 64 KB pieces, each a 'line' for the analysis parser.)"""
    lines: list[str] = []
    async with family(on_stderr=lines.append, max_stderr_line=1000) as engine:
        await engine.send("stderr_line 300000")
        await until(lambda: "last words" in lines, 10, "the line after the long one")
        assert lines == ["y" * 1000, "last words"]
        assert engine.stderr_tail == lines
        await engine.send("stderr_line 1000")  # exactly the bound: whole, not cut
        await until(lambda: len(lines) == 4, 10, "the second pair of lines")
        assert lines[2:] == ["y" * 1000, "last words"]
