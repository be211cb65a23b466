"""randomgo --analysis: KataGo's analysis-engine protocol, faults included, for the analysis
backend's tests (#15): results out of order, errors, warnings, terminate, a crash, garbage."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ogsbot.engines import randomgo_argv
from ogsbot.engines.randomgo_analysis import READY

JSON = dict[str, Any]


def query(ident: str, moves: list[list[str]] | None = None, **fields: Any) -> JSON:
    return {
        "id": ident,
        "moves": moves if moves is not None else [["B", "D4"], ["W", "E5"]],
        "rules": "chinese",
        "komi": 7.5,
        "boardXSize": 9,
        "boardYSize": 9,
        **fields,
    }


class Analysis:
    """One `randomgo --analysis` process, spoken to line by line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    def send(self, item: JSON | str) -> None:
        assert self.proc.stdin is not None
        text = item if isinstance(item, str) else json.dumps(item)
        self.proc.stdin.write(text.encode() + b"\n")

    async def read(self) -> JSON:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 10)
        assert line, "the engine closed its output"
        data: JSON = json.loads(line)
        return data


@asynccontextmanager
async def analysis(*options: str) -> AsyncIterator[Analysis]:
    proc = await asyncio.create_subprocess_exec(
        *randomgo_argv("--analysis", "--seed", "3", *options),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stderr is not None
        ready = await asyncio.wait_for(proc.stderr.readline(), 10)
        assert ready.decode().strip() == READY
        yield Analysis(proc)
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def test_a_result_has_the_fields_a_bot_plays_from() -> None:
    async with analysis() as engine:
        engine.send(query("q1", maxVisits=40, includeOwnership=True))
        result = await engine.read()
    assert (result["id"], result["turnNumber"], result["isDuringSearch"]) == ("q1", 2, False)
    infos = result["moveInfos"]
    assert [info["order"] for info in infos] == list(range(len(infos)))
    best = max(infos, key=lambda info: info["playSelectionValue"])
    assert best["order"] == 0 and best["move"] not in ("D4", "E5")  # never an occupied point
    assert all(0 <= info["winrate"] <= 1 and info["pv"] for info in infos)
    assert result["rootInfo"]["currentPlayer"] == "B" and len(result["ownership"]) == 81
    # every stone alive, row by row from the top: D4 is black's, E5 white's
    assert (result["ownership"][5 * 9 + 3], result["ownership"][4 * 9 + 4]) == (1.0, -1.0)
    assert sum(map(abs, result["ownership"])) == 2


async def test_results_come_out_of_order_and_terminate_ends_a_query() -> None:
    async with analysis("--misbehave", "hang-at=1", "--delay", "0.01") as engine:
        engine.send(query("slow"))  # the first query never ends by itself
        engine.send(query("fast", moves=[]))
        assert (await engine.read())["id"] == "fast"
        engine.send({"id": "t1", "action": "terminate", "terminateId": "slow"})
        echoed, ended = await engine.read(), await engine.read()
    assert echoed == {"id": "t1", "action": "terminate", "terminateId": "slow"}
    assert ended == {"id": "slow", "isDuringSearch": False, "noResults": True, "turnNumber": 2}


async def test_errors_and_warnings_as_katago_words_them() -> None:
    async with analysis() as engine:
        engine.send("not json")
        assert await engine.read() == {"error": "Could not parse json"}
        engine.send({"moves": []})
        assert await engine.read() == {"error": 'Request must have a string "id" field'}
        engine.send(query("bad", moves=[["B", "D4"], ["W", "D4"]]))
        assert await engine.read() == {"error": "Illegal move 1: D4", "field": "moves", "id": "bad"}
        engine.send(query("odd", boardYSize=13))
        assert (await engine.read())["field"] == "boardYSize"
        engine.send(query("typo", maxVisit=10))
        warning, result = await engine.read(), await engine.read()
        engine.send({"id": "v", "action": "query_version"})
        version = await engine.read()
    assert warning == {"warning": "Unexpected or unused field", "field": "maxVisit", "id": "typo"}
    assert result["id"] == "typo" and "moveInfos" in result
    assert version["id"] == "v" and version["version"]


async def test_a_crash_at_the_nth_query_and_a_garbage_line() -> None:
    async with analysis("--misbehave", "garbage-at=1", "--misbehave", "crash-at=2") as engine:
        engine.send(query("g"))
        assert engine.proc.stdout is not None
        line = await asyncio.wait_for(engine.proc.stdout.readline(), 10)
        assert line.strip() and not line.startswith(b"{")
        engine.send(query("boom"))
        assert await asyncio.wait_for(engine.proc.wait(), 10) == 3


async def test_illegal_makes_an_occupied_point_the_best_move() -> None:
    async with analysis("--misbehave", "illegal-at=1") as engine:
        engine.send(query("i"))
        result = await engine.read()
    assert result["moveInfos"][0]["move"] in ("D4", "E5")


def test_it_runs_as_a_file_with_the_standard_library_only() -> None:
    import subprocess
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "engines" / "randomgo.py"
    done = subprocess.run(
        [sys.executable, "-I", str(script), "--analysis", "--seed", "1"],
        input=json.dumps(query("file")) + "\n",
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    assert json.loads(done.stdout)["id"] == "file"
