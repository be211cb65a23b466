"""Whole games and time controls through GTPEngine, with GNU Go and randomgo."""

from __future__ import annotations

import pytest

from ogsbot.gtp.clock import time_commands
from ogsbot.gtp.engine import GTPEngine
from ogsbot.gtp.errors import (
    EngineDied,
    EngineNotRunning,
    EngineTimeout,
    GTPProtocolError,
    IllegalMove,
)
from ogsbot.ogs.coords import RESIGN, xy_to_gtp
from ogsbot.ogs.models import PlayerClock, TimeControl

from support import Referee, gnugo_argv, play_game, randomgo_argv

TIME_CONTROLS = [
    ({"system": "fischer", "initial_time": 120, "time_increment": 10, "max_time": 300}, 100),
    ({"system": "byoyomi", "main_time": 600, "period_time": 30, "periods": 5}, 0),
    ({"system": "canadian", "main_time": 600, "period_time": 300, "stones_per_period": 25}, 50),
    ({"system": "simple", "per_move": 10}, None),
    ({"system": "absolute", "total_time": 600}, 250),
    ({"system": "none"}, None),
]


def entry_for(tc: dict[str, object], thinking: float | None) -> PlayerClock | None:
    if thinking is None:
        return None
    return PlayerClock(thinking_time=thinking, periods=3, period_time=30, moves_left=7)


async def test_gnugo_against_gnugo_to_two_passes() -> None:
    async with GTPEngine(gnugo_argv(seed=1)) as black, GTPEngine(gnugo_argv(seed=1)) as white:
        moves = await play_game(black, white, size=9)
    assert moves[-2:] == [None, None]
    assert 20 < len(moves) < 200
    assert RESIGN not in moves


async def test_gnugo_is_deterministic_with_a_seed() -> None:
    async def game() -> list[object]:
        async with GTPEngine(gnugo_argv(seed=1)) as b, GTPEngine(gnugo_argv(seed=1)) as w:
            return list(await play_game(b, w, size=9))

    assert await game() == await game()


@pytest.mark.parametrize("randomgo_color", ["B", "W"])
async def test_randomgo_against_gnugo(randomgo_color: str) -> None:
    rnd = GTPEngine(randomgo_argv(seed=3))
    gnu = GTPEngine(gnugo_argv(seed=2))
    async with rnd, gnu:
        black, white = (rnd, gnu) if randomgo_color == "B" else (gnu, rnd)
        moves = await play_game(black, white, size=9)
    assert moves[-1] is RESIGN or moves[-2:] == [None, None]
    assert len(moves) > 10


@pytest.mark.parametrize(
    ("tc", "thinking"), TIME_CONTROLS, ids=[str(tc["system"]) for tc, _ in TIME_CONTROLS]
)
async def test_time_commands_accepted_by_gnugo(
    tc: dict[str, object], thinking: float | None
) -> None:
    control = TimeControl.from_json(tc)
    groups = time_commands(control, entry_for(tc, thinking), "B", elapsed=2.5)
    async with GTPEngine(gnugo_argv()) as engine:
        await engine.batch(["boardsize 9", "clear_board"])
        chosen = await engine.first_accepted(groups, trust_list_commands=False)
        assert chosen[0].startswith("time_settings")  # GNU Go refused kgs-time_settings
        assert chosen == groups[-1]
        move = await engine.genmove("B", width=9)
        assert move is not None and move is not RESIGN


@pytest.mark.parametrize(
    ("tc", "thinking"), TIME_CONTROLS, ids=[str(tc["system"]) for tc, _ in TIME_CONTROLS]
)
async def test_time_commands_accepted_by_randomgo(
    tc: dict[str, object], thinking: float | None
) -> None:
    control = TimeControl.from_json(tc)
    groups = time_commands(control, entry_for(tc, thinking), "W", elapsed=2.5)
    async with GTPEngine(randomgo_argv()) as engine:
        assert engine.knows("kgs-time_settings")
        chosen = await engine.first_accepted(groups)
        assert chosen == groups[0] and chosen[0].startswith("kgs-time_settings")


async def test_gnugo_pass_reply_is_read_case_insensitively() -> None:
    """GNU Go answers 'PASS' when it passes; genmove returns None either way."""
    async with GTPEngine(gnugo_argv()) as engine:
        await engine.batch(["boardsize 2", "clear_board", "play B A1", "play W B2"])
        assert (await engine.send("genmove B")).lower() in ("pass", "a2", "b1")
        move = await engine.genmove("W", width=2)
        assert move is None or move in ((0, 1), (1, 0))


async def test_genmove_checks_legality_and_kills_on_illegal() -> None:
    referee = Referee(9)
    async with GTPEngine(gnugo_argv()) as engine:
        await engine.batch(["boardsize 9", "clear_board"])
        with pytest.raises(IllegalMove, match="not legal"):
            await engine.genmove("B", width=9, legal=lambda p: False)
        with pytest.raises(EngineNotRunning):
            await engine.send("name")
        await engine.restart()
        await engine.batch(["boardsize 9", "clear_board"])
        move = await engine.genmove("B", width=9, legal=lambda p: referee.legal("B", p))
        assert move is not None and move is not RESIGN
        assert xy_to_gtp(move, 9) != "pass"


# ----- randomgo misbehaving: each fault its own exception, and restart() recovers ----------


async def replay_and_genmove(engine: GTPEngine, count: int = 5) -> None:
    await engine.batch(["boardsize 9", "clear_board"])
    referee = Referee(9)
    for color in "BWBWBWBWBW"[:count]:
        move = await engine.genmove(color, width=9, legal=lambda p, c=color: referee.legal(c, p))
        assert move is not RESIGN
        referee.play(color, move)


async def test_randomgo_crash_is_engine_died() -> None:
    async with GTPEngine(randomgo_argv(1, "--misbehave", "crash-at=3")) as engine:
        with pytest.raises(EngineDied) as caught:
            await replay_and_genmove(engine)
        assert caught.value.returncode == 3
        assert caught.value.stderr_tail  # randomgo says why on stderr
        await engine.restart()
        await engine.batch(["boardsize 9", "clear_board"])
        assert await engine.genmove("B", width=9) is not RESIGN  # fresh count of genmoves


async def test_randomgo_hang_is_timeout_and_process_gone() -> None:
    async with GTPEngine(randomgo_argv(1, "--misbehave", "hang-at=2"), timeout=1.0) as engine:
        pid = engine.pid
        with pytest.raises(EngineTimeout) as caught:
            await replay_and_genmove(engine)
        assert caught.value.command.startswith("genmove")
        await engine.restart()
        assert engine.pid != pid
        assert await engine.send("name") == "randomgo"
    assert pid is not None


async def test_randomgo_illegal_move_is_caught() -> None:
    async with GTPEngine(randomgo_argv(1, "--misbehave", "illegal-at=3")) as engine:
        with pytest.raises(IllegalMove):
            await replay_and_genmove(engine)
        await engine.restart()
        await replay_and_genmove(engine, count=2)


async def test_randomgo_garbage_is_protocol_error() -> None:
    async with GTPEngine(randomgo_argv(1, "--misbehave", "garbage-at=2")) as engine:
        with pytest.raises(GTPProtocolError):
            await replay_and_genmove(engine)
        await engine.restart()
        await engine.batch(["boardsize 9", "clear_board"])
        assert await engine.genmove("B", width=9) is not RESIGN
