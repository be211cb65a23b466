"""Engine managers: one process per game (idle timeout, respawn) and a shared pool."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

from loguru import logger

from ogsbot.gtp.errors import EngineDied
from ogsbot.gtp.managers import EngineManager, EngineSpec, spec_from

from support import logged, randomgo_argv, until

SCRIPTED = Path(__file__).parent / "data" / "scripted_engine.py"


def spec(**options: object) -> EngineSpec:
    return spec_from(tuple(randomgo_argv(1)), **options)  # type: ignore[arg-type]


async def test_per_game_engines_are_kept_and_separate() -> None:
    manager = EngineManager()
    s = spec()
    try:
        async with manager.lease(1, s) as first:
            first.position = "game 1 after move 10"
            pid1 = first.engine.pid
        async with manager.lease(1, s) as again:
            assert again.engine.pid == pid1 and again.position == "game 1 after move 10"
        async with manager.lease(2, s) as other:
            assert other.engine.pid != pid1 and other.position is None
        assert manager.processes == 2
        await manager.finish(1)
        assert manager.processes == 1
        async with manager.lease(1, s) as fresh:
            assert fresh.engine.pid != pid1 and fresh.position is None
    finally:
        await manager.close()
    assert manager.processes == 0


async def test_idle_engine_is_stopped_and_respawned_with_a_blank_position() -> None:
    manager = EngineManager()
    s = spec(idle_timeout=0.2)
    try:
        async with manager.lease(7, s) as handle:
            handle.position = "synced"
            pid = handle.engine.pid
        for _ in range(60):
            if manager.processes == 0:
                break
            await asyncio.sleep(0.1)
        assert manager.processes == 0
        async with manager.lease(7, s) as handle:
            assert handle.engine.running and handle.engine.pid != pid
            assert handle.position is None  # the new process knows nothing: full replay
    finally:
        await manager.close()


async def test_a_dead_engine_is_restarted_on_the_next_lease() -> None:
    manager = EngineManager()
    s = spec()
    try:
        async with manager.lease(3, s) as handle:
            handle.position = "synced"
            handle.engine._break(EngineDied(-9, []))  # as a crash would leave it
        async with manager.lease(3, s) as handle:
            assert handle.engine.running and handle.position is None
            assert await handle.engine.send("name") == "randomgo"
    finally:
        await manager.close()


async def test_pool_shares_processes_and_prefers_the_same_game() -> None:
    manager = EngineManager()
    s = spec(pool_size=2)
    try:
        async with manager.lease(1, s) as a:
            pid_a = a.engine.pid
            async with manager.lease(2, s) as b:
                pid_b = b.engine.pid
        assert pid_a != pid_b and manager.processes == 2
        async with manager.lease(2, s) as again:
            assert again.engine.pid == pid_b  # the process that last played game 2
        async with manager.lease(3, s) as third:
            assert third.engine.pid in (pid_a, pid_b)  # no third process
        assert manager.processes == 2
    finally:
        await manager.close()


async def test_pool_queues_when_every_process_is_busy() -> None:
    manager = EngineManager()
    s = spec(pool_size=1)
    order: list[str] = []
    try:

        async def turn(game: int, hold: float) -> None:
            async with manager.lease(game, s):
                order.append(f"start {game}")
                await asyncio.sleep(hold)
                order.append(f"end {game}")

        await asyncio.gather(turn(1, 0.3), turn(2, 0.0))
        assert order == ["start 1", "end 1", "start 2", "end 2"]
        assert manager.processes == 1
    finally:
        await manager.close()


async def test_pool_serves_waiters_in_order_and_survives_cancelled_waiters() -> None:
    """A release wakes one waiter, the longest waiting; a waiter cancelled as it is woken
    passes the wake-up on, so the others are never stranded with the process free."""
    manager = EngineManager()
    s = spec(pool_size=1)
    order: list[int] = []
    try:

        async def turn(game: int) -> None:
            async with manager.lease(game, s):
                order.append(game)
                await asyncio.sleep(0.01)

        first = asyncio.create_task(turn(0))
        await asyncio.sleep(0.3)  # the process starts and game 0 holds it
        waiters = {game: asyncio.create_task(turn(game)) for game in range(1, 21)}
        await asyncio.sleep(0)
        for game in (2, 3, 10, 20):
            waiters[game].cancel()
        await asyncio.wait_for(asyncio.gather(first, *waiters.values(), return_exceptions=True), 10)
        served = [g for g in range(1, 21) if g not in (2, 3, 10, 20)]
        assert order == [0, *served]
        assert manager.processes == 1
    finally:
        await manager.close()


async def test_specs_differ_by_command_and_share_by_equality() -> None:
    a = spec()
    b = spec()
    c = dataclasses.replace(spec(), command=(*spec().command, "--delay", "0"))
    assert a == b and hash(a) == hash(b) and a != c
    assert spec_from(("x",), env={"B": "2", "A": "1"}) == spec_from(
        ("x",), env={"A": "1", "B": "2"}
    )


async def test_pool_is_shared_by_games_whose_specs_differ_only_in_label() -> None:
    """Sessions label engines per game; the label must not split the pool."""
    manager = EngineManager()
    try:
        pids = set()
        for game in range(1, 5):
            labelled = dataclasses.replace(spec(pool_size=2), label=f"engine-{game}")
            async with manager.lease(game, labelled) as handle:
                pids.add(handle.engine.pid)
        assert len(pids) <= 2 and manager.processes <= 2
    finally:
        await manager.close()


async def test_a_lease_during_an_idle_stop_gets_a_fresh_process() -> None:
    """The idle reaper's stop takes a while (here an engine that ignores quit: the grace
    period, then SIGTERM); the process is busy meanwhile, so a turn that comes then waits
    and gets a fresh process, not the dying one, and no process outlives the manager."""
    argv = (sys.executable, str(SCRIPTED), json.dumps({"_stay_after_quit": True}))
    s = spec_from(argv, idle_timeout=0.1, quit_grace=1.0)  # type: ignore[arg-type]
    manager = EngineManager()
    try:
        async with manager.lease(1, s) as first:
            old = first.engine.pid
        assert old is not None
        await until(lambda: first.busy, 5, "the reaper to begin stopping the idle engine")
        async with manager.lease(1, s) as again:
            assert again.engine.running and again.engine.pid != old
            await again.engine.send("name")
        new = again.engine.pid
    finally:
        await manager.close()
    assert new is not None
    for pid in (old, new):
        for _ in range(100):
            try:
                os.kill(pid, 0)
                if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                    break
            except (ProcessLookupError, FileNotFoundError):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError(f"engine process {pid} outlived the manager")


async def test_after_quit_now_engines_are_killed_not_asked_to_quit() -> None:
    """Once the bot quits now, a game's engine and the pool's are killed at once: engines
    that hang and ignore SIGTERM would otherwise hold the stop for their grace periods (a
    minute each here)."""
    script = {"genmove": None, "_ignore_sigterm": True, "_stay_after_quit": True}
    argv = (sys.executable, str(SCRIPTED), json.dumps(script))
    own = spec_from(argv, quit_grace=60.0)  # type: ignore[arg-type]
    pooled = dataclasses.replace(own, pool_size=1)
    manager = EngineManager()
    pids: list[int] = []
    try:
        for game, s in ((1, own), (2, pooled)):
            async with manager.lease(game, s) as handle:
                assert handle.engine.pid is not None
                pids.append(handle.engine.pid)
                thinking = asyncio.create_task(handle.engine.send("genmove B"))
                await asyncio.sleep(0.1)
                thinking.cancel()  # the game is stopped while its engine hangs
        manager.quit_now()
        await asyncio.wait_for(manager.finish(1), 10)
        await asyncio.wait_for(manager.close(), 10)
    finally:
        await manager.close()
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}"), f"engine process {pid} outlived the manager"


def alive(pid: int | None) -> bool:
    """Whether the process exists and is not a zombie."""
    assert pid is not None
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


async def test_pool_serves_the_game_with_the_least_time_left_first() -> None:
    """A hung correspondence genmove must not cost a live game its clock: waiting leases
    are served by deadline (when the game's clock runs out), earliest first, in arrival
    order among equals, and leases with no deadline last."""
    manager = EngineManager()
    s = spec(pool_size=1)
    order: list[int] = []
    hold = asyncio.Event()
    try:

        async def turn(game: int, deadline: float | None) -> None:
            async with manager.lease(game, s, deadline=deadline):
                order.append(game)
                if game == 0:
                    await hold.wait()

        first = asyncio.create_task(turn(0, None))
        await until(lambda: order == [0], 10, "game 0 to hold the only process")
        now = time.monotonic()
        deadlines = {1: None, 2: now + 86400, 3: now + 30, 4: None, 5: now + 600, 6: now + 30}
        waiting = []
        for game, deadline in deadlines.items():
            waiting.append(asyncio.create_task(turn(game, deadline)))
            await until(lambda: manager.waiting == len(waiting), 10, f"game {game} to queue")
        hold.set()
        async with asyncio.timeout(20):
            await asyncio.gather(first, *waiting)
        assert order == [0, 3, 6, 5, 2, 1, 4]
        assert manager.processes == 1 and manager.waiting == 0
    finally:
        await manager.close()


async def test_retire_ends_the_engines_of_specs_gone_from_the_config() -> None:
    """After a reload from a pool to per-game engines, the old pool's processes end: the
    idle one at once, the busy one when its lease ends (its turn is not cut short); the
    engines of specs still in the config are left alone."""
    manager = EngineManager()
    pooled = spec(pool_size=2)
    own = spec()  # a per-game engine of the old config
    kept = spec_from(tuple(randomgo_argv(2)))  # the new config's engine
    release = asyncio.Event()
    try:
        async with manager.lease(1, pooled) as handle:
            idle = handle.engine.pid
        async with manager.lease(5, own) as handle:
            own_pid = handle.engine.pid
        async with manager.lease(6, kept) as handle:
            kept_pid = handle.engine.pid
        busy: list[int | None] = []

        async def long_turn() -> None:
            async with manager.lease(2, pooled) as handle:
                busy.append(handle.engine.pid)
                await release.wait()
                assert await handle.engine.send("name") == "randomgo"  # still serving

        turn = asyncio.create_task(long_turn())
        await until(lambda: bool(busy), 10, "the long turn to start")
        assert busy[0] != idle and manager.processes == 4
        async with asyncio.timeout(20):
            assert await manager.retire([kept]) == 3
        assert not alive(idle) and not alive(own_pid)
        assert alive(busy[0]) and alive(kept_pid) and manager.processes == 2
        release.set()
        async with asyncio.timeout(20):
            await turn
        await until(lambda: not alive(busy[0]), 10, "the retired busy engine to end")
        # the loop learns of the exit a moment after the kernel reaps the process
        await until(lambda: manager.processes == 1, 10, "the manager to count it gone")
        async with asyncio.timeout(20):
            assert await manager.retire([kept]) == 0  # nothing left to retire
        async with manager.lease(6, kept) as handle:
            assert handle.engine.pid == kept_pid  # the kept engine, and its game, untouched
        async with manager.lease(1, pooled) as handle:
            assert handle.engine.running and handle.engine.pid not in (idle, busy[0])
    finally:
        await manager.close()
    assert manager.processes == 0


async def test_a_game_waiting_on_a_retired_pool_gets_a_fresh_process() -> None:
    """Retiring a pool while games wait for it strands none: the released process is
    stopped and a fresh one serves the next game."""
    manager = EngineManager()
    s = spec(pool_size=1)
    hold = asyncio.Event()
    pids: dict[int, int | None] = {}
    try:

        async def turn(game: int) -> None:
            async with manager.lease(game, s) as handle:
                pids[game] = handle.engine.pid
                if game == 1:
                    await hold.wait()
                assert await handle.engine.send("name") == "randomgo"

        first = asyncio.create_task(turn(1))
        await until(lambda: 1 in pids, 10, "game 1 to hold the process")
        second = asyncio.create_task(turn(2))
        await until(lambda: manager.waiting == 1, 10, "game 2 to queue")
        async with asyncio.timeout(20):
            assert await manager.retire([]) == 1
            hold.set()
            await asyncio.gather(first, second)
        assert pids[2] != pids[1]
        await until(lambda: not alive(pids[1]), 10, "the retired engine to end")
        assert manager.processes == 1
    finally:
        await manager.close()
    assert manager.processes == 0


async def test_a_new_game_takes_a_spare_engine_already_started() -> None:
    """With spares, a game's first lease gets a process started before the game came (no
    engine start on its first move), and another spare starts in the background."""
    manager = EngineManager()
    s = spec()
    try:
        manager.keep_spares(s, 1)
        await until(lambda: manager.processes == 1, 10, "the spare to start")
        (spare_pid,) = [h.engine.pid for spares in manager._spares.values() for h, _ in spares]
        async with manager.lease(1, s) as handle:
            assert handle.engine.pid == spare_pid and handle.engine.running
        await until(lambda: manager.processes == 2, 10, "the next spare")
        async with manager.lease(2, s) as handle:  # the next game takes the next spare
            assert handle.engine.pid not in (spare_pid, None)
        pooled = spec(pool_size=1)
        manager.keep_spares(pooled, 1)
        await until(lambda: manager.processes == 4, 10, "the pool's spare")
        async with manager.lease(3, pooled) as handle:
            assert handle.engine.running
        manager.keep_spares(s, 0)
        await until(lambda: manager.processes == 4, 10, "the per-game spare stopped")
        assert await manager.retire([s]) == 1  # the pool: its spare stops too, uncounted
        await until(lambda: manager.processes == 2, 10, "the pool and its spare stopped")
    finally:
        await manager.close()
    assert manager.processes == 0


async def test_a_spare_started_from_a_game_does_not_log_as_that_game() -> None:
    """A spare is started from inside a session (its game's log context), but it serves
    the next game: its lines carry no game."""
    manager = EngineManager()
    with logged("INFO", lambda m: dict(m.record["extra"])) as records:
        try:
            with logger.contextualize(game=41):
                manager.keep_spares(spec_from(tuple(randomgo_argv(1)), label="spare"), 1)
            await until(lambda: manager.processes == 1, 10, "the spare")
            await until(lambda: bool(records), 10, "its ready line")
        finally:
            await manager.close()
    assert records and all("game" not in extra for extra in records)


async def test_an_engine_stopped_in_a_command_is_no_failure_to_log() -> None:
    """The bot stops an engine in the middle of a genmove (the game left play): the exit
    it asked for is logged as a stop, not as an engine that died."""
    engine = spec_from(tuple(randomgo_argv(1, "--delay", "5"))).make(lambda line: None)
    with logged("ERROR") as errors:
        await engine.start()
        thinking = asyncio.create_task(engine.send("genmove b", timeout=30))
        await asyncio.sleep(0.2)
        await engine.stop(now=True)
        await asyncio.gather(thinking, return_exceptions=True)
    assert errors == []
