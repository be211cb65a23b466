"""AnalysisProcess against `randomgo --analysis`: answers routed by id whatever their order,
refusals as errors, a query past its time terminated, a dead process started again and
its queries failed with EndpointLost (the service asks them again)."""

from __future__ import annotations

import asyncio

import pytest

from ogsbot.engines import randomgo_argv
from ogsbot.gtp.analysis_process import AnalysisError, AnalysisProcess, EndpointLost
from ogsbot.gtp.errors import EngineError

from support import analysis_query


async def test_answers_find_their_query_whatever_their_order() -> None:
    engine = AnalysisProcess(randomgo_argv("--analysis", "--seed", "2", "--delay", "0.05"))
    await engine.start()
    try:
        asked = [
            analysis_query(moves=[["B", f"{col}4"]], maxVisits=10 + i)
            for i, col in enumerate("ABCDEFGH")
        ]
        answers = await asyncio.gather(*(engine.query(q, timeout=10) for q in asked))
    finally:
        await engine.stop()
    assert [a["rootInfo"]["visits"] for a in answers] == [10 + i for i in range(8)]
    assert engine.in_flight == 0 and not engine.running


async def test_a_refused_query_raises_with_the_field() -> None:
    engine = AnalysisProcess(randomgo_argv("--analysis"))
    await engine.start()
    try:
        with pytest.raises(AnalysisError) as caught:
            await engine.query(analysis_query(moves=[["B", "D4"], ["W", "D4"]]), timeout=10)
        assert caught.value.field == "moves" and "Illegal move 1" in str(caught.value)
        assert "moveInfos" in await engine.query(
            analysis_query(), timeout=10
        )  # the process serves on
    finally:
        await engine.stop()


async def test_a_query_past_its_time_is_terminated() -> None:
    engine = AnalysisProcess(randomgo_argv("--analysis", "--misbehave", "hang-at=1"))
    await engine.start()
    try:
        with pytest.raises(TimeoutError):
            await engine.query(analysis_query(), timeout=0.3)
        assert engine.in_flight == 0
        assert "moveInfos" in await engine.query(analysis_query(), timeout=10)
    finally:
        await engine.stop()


async def test_a_dead_process_fails_its_queries_and_is_started_again() -> None:
    """The process answers a query, then crashes on the next (its second) with it in
    flight: that query fails with EndpointLost (the service asks again), and a new process
    is started that answers the next."""
    back = asyncio.Event()
    engine = AnalysisProcess(
        randomgo_argv("--analysis", "--misbehave", "crash-at=2"), on_ready=back.set
    )
    await engine.start()
    try:
        first = await engine.query(analysis_query(), timeout=10)
        back.clear()
        with pytest.raises(EndpointLost):
            await engine.query(analysis_query(maxVisits=7), timeout=10)
        with pytest.raises(EndpointLost):  # not back yet: refused at once, not queued
            await engine.query(analysis_query(maxVisits=7), timeout=10)
        async with asyncio.timeout(10):
            await back.wait()
        again = await engine.query(analysis_query(maxVisits=7), timeout=10)
    finally:
        await engine.stop()
    assert "moveInfos" in first and again["rootInfo"]["visits"] == 7
    assert engine.restarts == 1 and engine.in_flight == 0


async def test_a_stop_fails_the_queries_still_waiting() -> None:
    engine = AnalysisProcess(randomgo_argv("--analysis", "--misbehave", "hang-at=1"))
    await engine.start()
    waiting = asyncio.create_task(engine.query(analysis_query()))
    await asyncio.sleep(0.2)
    await engine.stop()
    with pytest.raises(EngineError):
        await waiting


async def test_an_engine_that_never_gets_ready_is_an_engine_error() -> None:
    engine = AnalysisProcess(["sleep", "30"], start_timeout=0.5)
    with pytest.raises(EngineError, match="ready"):
        await engine.start()
    await engine.stop()


async def test_a_process_that_was_serving_is_started_again_at_once_each_time() -> None:
    """Each process answers one query and dies on the next: it was serving, so each death
    is a fresh one and the wait before the restart never grows (a crash loop at start
    would make it grow)."""
    back = asyncio.Event()
    engine = AnalysisProcess(
        randomgo_argv("--analysis", "--misbehave", "crash-at=2"), on_ready=back.set
    )
    await engine.start()
    try:
        for _ in range(3):
            back.clear()
            await engine.query(analysis_query(), timeout=10)
            with pytest.raises(EndpointLost):
                await engine.query(analysis_query(), timeout=10)
            async with asyncio.timeout(10):
                await back.wait()
        assert engine.restarts == 3 and engine.restarts_in_a_row == 1
    finally:
        await engine.stop()
