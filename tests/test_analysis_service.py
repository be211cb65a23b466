"""AnalysisService against `randomgo --analysis` endpoints: the least-loaded live endpoint
takes a query, a query whose endpoint dies is asked again of another, and a query waits
for an endpoint to come up no longer than its time."""

from __future__ import annotations

import asyncio

import pytest

from ogsbot.bot.server_status import endpoints_text
from ogsbot.engines import randomgo_argv
from ogsbot.gtp.analysis_service import AnalysisService, EndpointStatus, endpoint_name
from ogsbot.gtp.errors import EngineError

from support import analysis_query


async def test_queries_are_spread_over_the_least_loaded_endpoints() -> None:
    slow = randomgo_argv("--analysis", "--delay", "0.4")
    service = AnalysisService([slow, slow])
    await service.start()
    try:
        asking = [
            asyncio.create_task(service.query(analysis_query(maxVisits=i), 10)) for i in range(1, 7)
        ]
        await asyncio.sleep(0.05)
        loads = [e.in_flight for e in service.endpoints]
        answers = await asyncio.gather(*asking)
    finally:
        await service.stop()
    assert loads == [3, 3]
    assert [a["rootInfo"]["visits"] for a in answers] == [1, 2, 3, 4, 5, 6]


async def test_a_query_whose_endpoint_dies_is_answered_by_another() -> None:
    dying = randomgo_argv("--analysis", "--misbehave", "crash-at=1")
    service = AnalysisService([dying, randomgo_argv("--analysis")])
    await service.start()
    try:
        answer = await service.query(analysis_query(maxVisits=5), 10)  # the first endpoint takes it
        status = service.status()
    finally:
        await service.stop()
    assert answer["rootInfo"]["visits"] == 5
    assert status[0].restarts == 1 and status[1].restarts == 0


async def test_a_lone_endpoint_that_dies_answers_once_it_is_back() -> None:
    service = AnalysisService([randomgo_argv("--analysis", "--misbehave", "crash-at=2")])
    await service.start()
    try:
        await service.query(analysis_query(), 10)
        again = await service.query(analysis_query(maxVisits=9), 10)
    finally:
        await service.stop()
    assert again["rootInfo"]["visits"] == 9 and service.endpoints[0].restarts == 1


async def test_no_endpoint_up_is_a_timeout_not_a_hang() -> None:
    service = AnalysisService([["sleep", "30"]], start_timeout=0.2)
    try:
        with pytest.raises(TimeoutError):
            await service.query(analysis_query(), 0.5)
    finally:
        await service.stop()


async def test_a_stop_ends_the_queries_waiting_for_an_endpoint() -> None:
    service = AnalysisService([["sleep", "30"]], start_timeout=5)
    waiting = asyncio.create_task(service.query(analysis_query(), 30))
    await asyncio.sleep(0.1)
    await service.stop()
    with pytest.raises(EngineError):
        await waiting


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (["katago", "analysis"], "local"),
        (["ssh", "gpu1", "katago", "analysis"], "gpu1"),
        (["/usr/bin/ssh", "-p", "2222", "-i", "key", "bot@gpu2", "katago"], "gpu2"),
        (["ssh", "-T", "-oBatchMode=yes", "gpu3", "katago"], "gpu3"),
    ],
)
def test_an_endpoint_is_named_by_its_host(command: list[str], name: str) -> None:
    assert endpoint_name(command) == name


async def test_a_query_that_kills_every_process_is_given_up() -> None:
    """Two endpoints that crash at their first query: the query is asked of the other,
    then of the first one back, then given up as an engine failure, not sent again
    forever."""
    dying = randomgo_argv("--analysis", "--misbehave", "crash-at=1")
    service = AnalysisService([dying, dying])
    await service.start()
    try:
        with pytest.raises(EngineError, match="3 engine processes died with query"):
            await service.query(analysis_query(), 10)
    finally:
        await service.stop()


def test_the_status_line_says_which_endpoints_are_up() -> None:
    line = endpoints_text(
        [
            EndpointStatus("analysis#1@gpu1", True, 3, 0),
            EndpointStatus("analysis#2@gpu2", False, 0, 2),
        ]
    )
    assert (
        line == " (analysis: analysis#1@gpu1 up (3 in flight); analysis#2@gpu2 DOWN, 2 restart(s))"
    )
    assert endpoints_text([]) == ""
