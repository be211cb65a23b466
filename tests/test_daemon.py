"""The bot daemon end to end: the emulator, the daemon and real GNU Go over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from loguru import logger
from sgfmill import sgf

from ogsbot.bot.config import Config, parse_config
from ogsbot.bot.daemon import Daemon
from ogsbot.ogs.coords import pack_ogs
from ogsbot.sandbox.referee import Referee
from ogsbot.sandbox.server import Emulator

from support import gnugo_argv, randomgo_argv, until

API_KEY = "daemon-test-key-0123456789"
FISCHER = {"system": "fischer", "initial_time": 300, "time_increment": 10, "max_time": 600}


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[Emulator]:
    server = Emulator(seed=11, stone_removal_timeout=10, state_file=tmp_path / "emulator.json")
    server.add_bot("gnubot", api_key=API_KEY, ranking=20)
    await server.start()
    yield server
    await server.stop()


def bot_config(emu: Emulator, tmp_path: Path, **overrides: Any) -> Config:
    engine = overrides.pop("engine", {"command": gnugo_argv(seed=1)})
    data: dict[str, Any] = {
        "server": emu.url,
        "api_key": API_KEY,
        "engine": engine,
        "challenges": {
            "board_sizes": [9, 13, 19],
            "max_games": 5,
            "max_games_per_player": 3,
        },
        "game": {"min_move_time": 0, "sgf_dir": str(tmp_path / "sgf")},
        "log": {"status_interval": 0},
        "shutdown_wait": 5,
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return parse_config(data, env={}, base_dir=tmp_path)


@contextlib.asynccontextmanager
async def running(daemon: Daemon) -> AsyncIterator[asyncio.Task[int]]:
    task = asyncio.create_task(daemon.run(handle_signals=False))
    await asyncio.wait_for(daemon.ready.wait(), 10)
    try:
        yield task
    finally:
        if not task.done():
            daemon.stop()
            daemon.stop()  # the second stop quits at once
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 20)


async def control(emu: Emulator, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emu.url}/_sandbox/{path}", json=body) as r,
    ):
        assert r.status == 200, await r.text()
        result: dict[str, Any] = await r.json()
        return result


async def challenge(emu: Emulator, **body: Any) -> int:
    settings = {"bot": "gnubot", "opponent": "gnugo", "size": 9, "time_control": FISCHER, **body}
    return int((await control(emu, "challenges", settings))["game_id"])


def finished(emu: Emulator, game_id: int) -> Callable[[], bool]:
    return lambda: game_id in emu.games and emu.games[game_id].finished


def sgf_moves(text: str) -> list[tuple[str | None, Any]]:
    game = sgf.Sgf_game.from_string(text)
    return [node.get_move() for node in game.get_main_sequence()[1:]]


async def wait_for_sgf(path: Path, timeout: float = 10) -> str:
    def whole() -> list[Path]:  # not the -incomplete.sgf kept as the game goes
        return [p for p in path.glob("*.sgf") if not p.name.endswith("-incomplete.sgf")]

    await until(lambda: bool(whole()), timeout, f"an SGF in {path}")
    return whole()[0].read_text()


def assert_same_record(saved: str, referee: Referee) -> None:
    from ogsbot.sandbox.render import game_sgf

    server = game_sgf(referee).decode()
    assert sgf_moves(saved) == sgf_moves(server)
    ours = sgf.Sgf_game.from_string(saved).get_root()
    theirs = sgf.Sgf_game.from_string(server).get_root()
    for prop in ("RE", "KM", "HA", "PB", "PW", "SZ", "RU"):
        assert ours.get(prop) == theirs.get(prop), prop


# ----- whole games --------------------------------------------------------------------------


async def test_full_game_gnugo_to_the_finished_phase(emu: Emulator, tmp_path: Path) -> None:
    daemon = Daemon(bot_config(emu, tmp_path))
    async with running(daemon):
        game_id = await challenge(emu, rules="chinese")
        await until(finished(emu, game_id), 120, "the game to finish")
        referee = emu.games[game_id]
        assert referee.outcome.endswith("points") or referee.outcome == "Resignation"
        assert referee.state.move_number > 20
        saved = await wait_for_sgf(tmp_path / "sgf")
        bot = emu.accounts.by_name("gnubot")
        assert bot is not None
        chat = [
            line["line"]["body"] for line in referee.chat if line["line"]["player_id"] == bot.id
        ]
        assert any("Hi" in body or "Hello" in body or "game" in body for body in chat[:1])
        seen = emu.bot_config.get(bot.id)
        assert seen is not None and seen["_config_version"] == 2 and "apikey" not in seen
        assert (seen["bot_id"], seen["username"]) == (bot.id, "gnubot")
        assert emu.bot_status.get(bot.id) is not None
    assert_same_record(saved, referee)


@pytest.mark.parametrize(
    ("rules", "free"),
    [("japanese", False), ("chinese", True)],
    ids=["fixed handicap", "free handicap"],
)
async def test_handicap_games(emu: Emulator, tmp_path: Path, rules: str, free: bool) -> None:
    """The bot is black (the weaker player) with 3 stones, which it chooses under free placement."""
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None
    bot.ranking = 10  # 20k: the opponent is much stronger, so the bot takes black
    daemon = Daemon(bot_config(emu, tmp_path))
    async with running(daemon):
        game_id = await challenge(emu, rules=rules, handicap=3, ranking=25, color="white")
        await until(finished(emu, game_id), 120, "the handicap game to finish")
        referee = emu.games[game_id]
        assert referee.black.id == bot.id
        assert referee.settings.free_handicap_placement is free
        if free:
            first = referee.state.moves[:3]
            assert [c for c, _ in first] == ["b", "b", "b"]
            assert all(p is not None for _, p in first)
        else:
            assert len(referee.initial_black) == 3
            assert referee.state.moves[0][0] == "w"
        saved = await wait_for_sgf(tmp_path / "sgf")
    assert_same_record(saved, referee)


async def test_reconnect_mid_game(emu: Emulator, tmp_path: Path) -> None:
    daemon = Daemon(bot_config(emu, tmp_path))
    async with running(daemon):
        game_id = await challenge(emu)
        await until(
            lambda: game_id in emu.games and emu.games[game_id].state.move_number >= 6,
            60,
            "some moves",
        )
        assert emu.drop_connections("gnubot") >= 1
        await until(finished(emu, game_id), 120, "the game to finish after the drop")
        assert daemon.client.realtime is not None and daemon.client.realtime.connections >= 2
        await wait_for_sgf(tmp_path / "sgf")


async def test_a_reconnect_while_the_engine_thinks_keeps_its_answer(
    emu: Emulator, tmp_path: Path
) -> None:
    """The connection drops during a slow genmove; the re-join brings fresh gamedata with
    the same moves, so the engine's answer still stands: one genmove per bot move."""
    log = tmp_path / "engine.log"
    argv = randomgo_argv(2, "--delay", "1.5", "--log", str(log))
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": argv}))
    async with running(daemon):
        game_id = await challenge(emu, opponent="random", color="white")  # the bot is black
        await until(lambda: log.exists() and "genmove" in log.read_text(), 20, "a genmove")
        referee = emu.games[game_id]
        for _ in range(3):
            thinking = log.read_text().count("genmove")
            await until(lambda n=thinking: log.read_text().count("genmove") > n, 20, "genmove")
            await asyncio.sleep(0.2)  # mid-think
            assert emu.drop_connections("gnubot") >= 1
        before = referee.state.move_number
        await until(lambda: referee.state.move_number >= before + 4, 30, "more moves")
        bot = emu.accounts.by_name("gnubot")
        assert bot is not None
        bot_moves = sum(1 for c, _ in referee.state.moves if c == referee.color_of(bot.id))
        asked = log.read_text().count("genmove")
        assert asked - bot_moves <= 1  # at most the one in progress now: none asked twice


async def test_server_restart_mid_game(emu: Emulator, tmp_path: Path) -> None:
    daemon = Daemon(bot_config(emu, tmp_path))
    async with running(daemon):
        game_id = await challenge(emu)
        await until(
            lambda: game_id in emu.games and emu.games[game_id].state.move_number >= 4,
            60,
            "some moves",
        )
        await emu.restart()
        await until(finished(emu, game_id), 120, "the game to finish after the restart")


@pytest.mark.parametrize(
    ("fault", "timeout", "to_the_end"),
    [
        ("crash-at=4", 300, True),
        ("illegal-at=4", 300, True),
        ("garbage-at=4", 300, True),
        ("hang-at=4", 12, False),
    ],
)
async def test_engine_failures_are_recovered(
    emu: Emulator, tmp_path: Path, fault: str, timeout: float, to_the_end: bool
) -> None:
    """randomgo misbehaves at its 4th move, and again in every new process it is restarted as.

    Each fault costs one retry on a fresh engine; the game goes on. A hang costs the time
    the bot had, so that game is only followed past its first hang.
    """
    engine = {
        "command": randomgo_argv(5, "--misbehave", fault),
        "max_failures": 3,
        "time_margin": 4,  # a hang leaves 4 s to restart and answer, under load too
    }
    tc = {"system": "fischer", "initial_time": timeout, "time_increment": 1, "max_time": timeout}
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine, challenges={"speeds": _all_speeds()}))
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None
    async with running(daemon):
        game_id = await challenge(emu, opponent="random", time_control=tc)
        if to_the_end:
            await until(finished(emu, game_id), 120, "the game to finish despite the faults")
        else:
            await until(
                lambda: game_id in emu.games and emu.games[game_id].state.move_number >= 12,
                90,
                "the game to go on past the fault",
            )
        referee = emu.games[game_id]
        assert referee.outcome != "Timeout"
        lost_by_resigning = referee.outcome == "Resignation" and referee.winner != bot.id
        assert not lost_by_resigning  # single faults are recovered, not given up on
        bot_moves = sum(1 for c, _ in referee.state.moves if c == referee.color_of(bot.id))
        assert bot_moves > 4  # past the first fault


async def test_refused_time_commands_fall_back_to_the_next_kind(
    emu: Emulator, tmp_path: Path
) -> None:
    """The clock goes out with genmove in one write; an engine that lists kgs-time_settings
    but refuses it gets plain time_settings from the next turn on, and the game goes on."""
    log = tmp_path / "engine.log"
    argv = randomgo_argv(3, "--refuse", "kgs-time_settings", "--log", str(log))
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": argv}))
    async with running(daemon):
        game_id = await challenge(emu, opponent="random")
        await until(finished(emu, game_id), 60, "the game to finish")
    sent = [line.split()[1] for line in log.read_text().splitlines()]  # after the id
    assert sent.count("kgs-time_settings") == 1
    assert sent.count("time_settings") == sent.count("genmove") - 1 > 5
    first_genmove = sent.index("genmove")
    assert sent[first_genmove - 2 : first_genmove] == ["kgs-time_settings", "time_left"]


async def test_stone_removal_by_the_engine(emu: Emulator, tmp_path: Path) -> None:
    """The engine's dead stones differ from the server's estimate: the bot unmarks the
    server's and accepts once the server has its marks; the opponent accepts too, so the
    game is scored with the engine's verdict well before the removal timeout (10 s)."""
    argv = randomgo_argv(4)  # every stone alive, unlike the server's estimate in this game
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": argv}))
    said: list[str] = []
    logger.enable("ogsbot")
    sink = logger.add(lambda m: said.append(str(m)), level="INFO")
    try:
        async with running(daemon):
            game_id = await challenge(emu, opponent="random", seed=6, color="white")
            await until(finished(emu, game_id), 60, "the game to finish")
    finally:
        logger.remove(sink)
        logger.disable("ogsbot")
    assert any("proposing 0 dead stones (server marked 4)" in line for line in said)
    referee = emu.games[game_id]
    assert referee.outcome.endswith("points") and referee.end_time is not None
    assert referee.removed == set()
    assert referee.end_time - referee.stone_removal_started < 5


async def test_marks_changed_after_the_bots_proposal_are_judged_again(
    emu: Emulator, tmp_path: Path
) -> None:
    """Once the bot's marks are in, the opponent marks the bot's live stones dead and accepts:
    the bot asks its engine again and unmarks them, instead of accepting a lost game."""
    argv = randomgo_argv(4)  # every stone alive
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": argv}))
    async with running(daemon):
        referee, human = await human_game(emu, daemon)  # the human is black and only passes
        while referee.phase == "play":
            if referee.to_move() == "b":
                emu.broadcast_game(referee, referee.move(human, None, time.time()))
            await asyncio.sleep(0.01)
        bot_stones = [p for c, p in referee.state.moves if c == "w" and p is not None]
        now = time.time()
        one = pack_ogs(bot_stones[:1], 9, 9)
        emu.broadcast_game(referee, referee.set_removed(human, one, True, now))
        await until(lambda: not referee.removed and "w" in referee.accepted, 10, "the bot's marks")
        every = pack_ogs(bot_stones, 9, 9)
        emu.broadcast_game(referee, referee.set_removed(human, every, True, time.time()))
        emu.broadcast_game(referee, referee.accept_removed(human, every, time.time()))
        await until(lambda: not referee.removed, 5, "the bot to unmark its stones again")
        assert referee.phase == "stone removal"  # not accepted by the bot
        await until(lambda: "w" in referee.accepted, 5, "the bot to accept its own marks")
        emu.broadcast_game(referee, referee.accept_removed(human, "", time.time()))
        assert referee.phase == "finished" and referee.removed == set()


async def test_a_refused_replay_costs_no_genmove(emu: Emulator, tmp_path: Path) -> None:
    """A replay the engine refuses (here komi) fails the turn before genmove, so a broken
    setup never costs a think on a wrong board; after max_failures the bot resigns and asks
    for no move after that."""
    log = tmp_path / "engine.log"
    argv = randomgo_argv(5, "--refuse", "komi", "--log", str(log))
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": argv, "max_failures": 2}))
    async with running(daemon):
        game_id = await challenge(emu, opponent="random", color="white")  # the bot moves first
        await until(finished(emu, game_id), 30, "the resignation")
        await asyncio.sleep(0.3)  # anything the bot would still ask comes now
    assert emu.games[game_id].outcome == "Resignation"
    sent = [line.split()[1] for line in log.read_text().splitlines()]  # after the id
    assert sent.count("komi") == 2 and "genmove" not in sent


def _all_speeds() -> dict[str, Any]:
    wide = {
        "fischer": {
            "initial_time": [1, 100000],
            "time_increment": [0, 10000],
            "max_time": [1, 1000000],
        }
    }
    return {s: {"allowed": True, "max_games": 5, **wide} for s in ("blitz", "rapid", "live")}


async def test_engine_that_keeps_failing_makes_the_bot_resign(
    emu: Emulator, tmp_path: Path
) -> None:
    engine = {"command": randomgo_argv(5, "--misbehave", "crash-at=1"), "max_failures": 2}
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine))
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None
    async with running(daemon):
        game_id = await challenge(emu, opponent="random", color="white")  # the bot moves first
        await until(finished(emu, game_id), 60, "the resignation")
        referee = emu.games[game_id]
        assert referee.outcome == "Resignation" and referee.winner != bot.id
        said = [c["line"]["body"] for c in referee.chat if c["line"]["player_id"] == bot.id]
        assert any("engine failed 2 times" in str(body) for body in said)
        await wait_for_sgf(tmp_path / "sgf")


# ----- challenges -----------------------------------------------------------------------------


async def test_challenges_accepted_and_declined_by_the_rules(emu: Emulator, tmp_path: Path) -> None:
    config = bot_config(emu, tmp_path, challenges={"board_sizes": [9], "max_games_per_player": 1})
    daemon = Daemon(config)
    async with running(daemon):
        declined_19 = await challenge(emu, size=19, username="wide")
        await until(lambda: any(d["game_id"] == declined_19 for d in emu.declines), 10, "a decline")
        decline = next(d for d in emu.declines if d["game_id"] == declined_19)
        assert decline["rejection_details"]["rejection_code"] == "board_size_not_allowed"
        assert "9x9" in decline["message"]
        accepted = await challenge(emu, username="fan")
        await until(lambda: accepted in emu.games, 10, "the 9x9 game to start")
        second = await challenge(emu, username="fan")
        await until(
            lambda: any(d["game_id"] == second for d in emu.declines), 10, "a second decline"
        )
        decline = next(d for d in emu.declines if d["game_id"] == second)
        assert decline["rejection_details"]["rejection_code"] == "too_many_games_for_player"


async def test_a_vanished_challenge_is_dropped_once(emu: Emulator, tmp_path: Path) -> None:
    """A 404 on accept is logged once and dropped: never retried, not even on a reconnect."""
    await control(
        emu,
        "faults/rest",
        {"path_prefix": "/api/v1/me/challenges", "status": 404, "count": 1, "method": "POST"},
    )
    await control(  # a tripwire: any further accept attempt would use one of these up
        emu,
        "faults/rest",
        {"path_prefix": "/api/v1/me/challenges", "status": 500, "count": 50, "method": "POST"},
    )
    daemon = Daemon(bot_config(emu, tmp_path))
    async with running(daemon):
        game_id = await challenge(emu, username="ghost")
        await until(lambda: len(emu.faults.rest) == 1, 10, "the 404 to be used")
        emu.drop_connections("gnubot")  # the notification comes again after the reconnect
        await until(
            lambda: daemon.client.realtime is not None and daemon.client.realtime.connections >= 2,
            10,
            "the reconnect",
        )
        await asyncio.sleep(1.0)
        assert emu.faults.rest[0].count == 50  # no second attempt
        assert game_id not in emu.games


# ----- shutdown -------------------------------------------------------------------------------


async def test_shutdown_while_a_game_runs_and_resume(emu: Emulator, tmp_path: Path) -> None:
    config = bot_config(emu, tmp_path, shutdown_wait=0.5, game={"min_move_time": 0.3})
    daemon = Daemon(config)
    task = asyncio.create_task(daemon.run(handle_signals=False))
    await asyncio.wait_for(daemon.ready.wait(), 10)
    game_id = await challenge(
        emu,
        time_control={
            "system": "fischer",
            "initial_time": 600,
            "time_increment": 10,
            "max_time": 900,
        },
    )
    await until(
        lambda: game_id in emu.games and emu.games[game_id].state.move_number >= 4, 60, "some moves"
    )
    daemon.stop()
    assert await asyncio.wait_for(task, 20) == 0
    assert not emu.games[game_id].finished
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None and emu.bot_config[bot.id]["decline_new_challenges"] is True
    # Nothing is lost: the game so far is on disk, marked incomplete.
    partial = list((tmp_path / "sgf").glob("*-incomplete.sgf"))
    assert len(partial) == 1 and "RE[" not in partial[0].read_text()
    # A new daemon picks the game up from active_game and finishes it.
    again = Daemon(bot_config(emu, tmp_path))
    async with running(again):
        await until(finished(emu, game_id), 120, "the resumed game to finish")
        done = tmp_path / "sgf" / partial[0].name.replace("-incomplete", "")
        await until(done.exists, 10, "the final SGF")
    assert_same_record(done.read_text(), emu.games[game_id])
    assert not partial[0].exists()  # the final record replaces the partial one


async def test_a_game_that_ended_while_the_bot_was_away_gets_its_whole_record(
    emu: Emulator, tmp_path: Path
) -> None:
    """Stopped mid-game, the bot leaves a partial record; the opponent resigns while it is
    away, so the game never comes back as active: the next start completes the record."""
    config = bot_config(emu, tmp_path, shutdown_wait=0.2, game={"min_move_time": 0.2})
    daemon = Daemon(config)
    async with running(daemon):
        game_id = await challenge(emu, opponent="random")
        await until(
            lambda: game_id in emu.games and emu.games[game_id].state.move_number >= 4, 60, "moves"
        )
    partial = list((tmp_path / "sgf").glob("*-incomplete.sgf"))
    assert len(partial) == 1
    referee = emu.games[game_id]
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None
    opponent = referee.white.id if referee.black.id == bot.id else referee.black.id
    emu.broadcast_game(referee, referee.resign(opponent, time.time()))
    again = Daemon(bot_config(emu, tmp_path))
    again.record_check_delay = 0.2
    async with running(again):
        whole = tmp_path / "sgf" / partial[0].name.replace("-incomplete", "")
        await until(whole.exists, 10, "the whole record")
    assert not partial[0].exists() and again.records[game_id] == whole
    assert "RE[" in whole.read_text()
    assert_same_record(whole.read_text(), referee)


async def test_a_partial_record_of_a_game_still_in_play_elsewhere_is_looked_at_again(
    emu: Emulator, tmp_path: Path
) -> None:
    """A partial record whose game is still in play, and not the bot's to play now, is
    looked at again until the game ends: its whole record comes without a restart."""
    from ogsbot.ogs.models import TimeControl
    from ogsbot.sandbox.referee import GameSettings

    black = emu.add_human("elsewhere-b", "pw-elsewhere-b-0123", ranking=20)
    white = emu.add_human("elsewhere-w", "pw-elsewhere-w-0123", ranking=20)
    tc = TimeControl.from_json({"system": "simple", "per_move": 600}).with_speed(9, 9)
    settings = GameSettings(width=9, height=9, time_control=tc)
    referee = emu.create_game(black, white, settings, [(2, 2), (6, 6)])
    sgf_dir = tmp_path / "sgf"
    sgf_dir.mkdir()
    partial = sgf_dir / f"{referee.game_id}-elsewhere-b-vs-elsewhere-w-incomplete.sgf"
    partial.write_text("(;FF[4]GM[1]SZ[9])")
    daemon = Daemon(bot_config(emu, tmp_path))
    daemon.record_check_delay = 0.1
    daemon.record_recheck = 0.3
    async with running(daemon):
        await asyncio.sleep(1.0)  # looked at, still in play: kept
        assert partial.exists() and referee.game_id not in daemon.records
        emu.broadcast_game(referee, referee.resign(white.id, time.time()))
        await until(lambda: referee.game_id in daemon.records, 10, "the whole record")
    whole = daemon.records[referee.game_id]
    assert not partial.exists() and "RE[B+R]" in whole.read_text()


async def test_a_game_plays_on_a_spare_engine_started_before_it_came(
    emu: Emulator, tmp_path: Path
) -> None:
    """`engine.spare`: a process is started at the daemon's start; the first game plays on
    it (its first move waits for no engine start) and a new spare takes its place."""
    engine = {"command": randomgo_argv(5), "spare": 1}
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine, game={"min_move_time": 0}))
    async with running(daemon):
        manager = daemon.manager
        await until(lambda: manager.processes == 1, 10, "the spare engine")
        (spare,) = [h.engine.pid for spares in manager._spares.values() for h, _ in spares]
        game_id = await challenge(emu, opponent="random")
        await until(lambda: bool(manager._per_game), 20, "the game's engine")
        playing = [h.engine.pid for h in manager._per_game.values()]
        assert playing == [spare]
        spares = manager._spares.values
        await until(lambda: any(h.engine.running for s in spares() for h, _ in s), 10, "a spare")
        assert all(h.engine.pid != spare for s in spares() for h, _ in s)
        await until(finished(emu, game_id), 120, "the game to finish")


def processes_with(arg: str) -> list[int]:
    """The live (not zombie) processes whose command line has `arg`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = proc.joinpath("cmdline").read_bytes().decode(errors="replace").split("\0")
            state = proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()[0]
            if arg in argv and state != "Z":
                found.append(int(proc.name))
        except (OSError, IndexError):
            continue  # not a process, or gone meanwhile
    return found


async def quit_now(daemon: Daemon, task: asyncio.Task[int], event_after: int | None = None) -> bool:
    """Stop twice (quit now) and tell whether the daemon ended within 10 s (it needs well
    under one); with `event_after`, an event of each game comes that many loop iterations
    after the stop."""
    daemon.stop()
    daemon.stop()
    if event_after is not None:
        for _ in range(event_after):
            await asyncio.sleep(0)
        for game in list(daemon.client.games.values()):
            game._notify()  # as any event does: what waits on the game wakes up
    done, _ = await asyncio.wait({task}, timeout=10)
    if not done:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return bool(done)


@pytest.mark.parametrize("event_after", range(5))
async def test_quit_now_is_not_lost_in_a_game_event(
    emu: Emulator, tmp_path: Path, event_after: int
) -> None:
    """A second stop that comes with a game event (a clock, a chat line) still quits.

    The session waited for the opponent with asyncio.wait_for, which on Python 3.11 loses a
    cancellation that lands as its wait ends: the session played on, with the daemon waiting
    for it, and a bot told to quit now did not (seen as a 20 s timeout with a hung engine).
    """
    daemon = Daemon(bot_config(emu, tmp_path))
    task = asyncio.create_task(daemon.run(handle_signals=False))
    await asyncio.wait_for(daemon.ready.wait(), 10)
    referee, human = await human_game(emu, daemon)
    await human_move(emu, referee, human, (4, 4))
    game = daemon.client.games[referee.game_id]
    await until(lambda: game.move_number == 2, 10, "the bot to see its own move")
    await asyncio.sleep(0.1)  # the session now waits for the human's move
    assert await quit_now(daemon, task, event_after), "the quit-now stop did not end"
    assert task.result() == 0 and not daemon.games
    assert len(list((tmp_path / "sgf").glob("*-incomplete.sgf"))) == 1


async def test_quit_now_kills_a_hung_engine_at_once(emu: Emulator, tmp_path: Path) -> None:
    """A second stop while the engine hangs in genmove kills it: asking it to `quit` cost its
    whole `quit_grace` (a minute here), which an operator pressing Ctrl-C twice cannot wait."""
    log = tmp_path / "engine.log"
    argv = randomgo_argv(3, "--misbehave", "hang-at=1", "--log", str(log))
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": argv, "quit_grace": 60}))
    task = asyncio.create_task(daemon.run(handle_signals=False))
    await asyncio.wait_for(daemon.ready.wait(), 10)
    referee, human = await human_game(emu, daemon)
    emu.broadcast_game(referee, referee.move(human, (4, 4), time.time()))
    await until(lambda: log.exists() and "genmove" in log.read_text(), 10, "the hung genmove")
    assert processes_with(str(log))
    assert await quit_now(daemon, task), "the quit-now stop did not end"
    assert task.result() == 0
    assert processes_with(str(log)) == []  # killed and reaped, not left behind
    assert len(list((tmp_path / "sgf").glob("*-incomplete.sgf"))) == 1


# ----- undo and pause ---------------------------------------------------------------------


async def human_game(
    emu: Emulator, daemon: Daemon, time_control: dict[str, Any] = FISCHER, name: str = "human"
) -> tuple[Referee, int]:
    """A 9x9 game between a human (driven from the referee here) and the daemon's bot."""
    human = emu.accounts.by_name(name) or emu.add_human(name, "pw", ranking=20)
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None
    body = {
        "challenger_color": "black",
        "game": {
            "name": "undo test",
            "rules": "japanese",
            "width": 9,
            "height": 9,
            "komi_auto": "custom",
            "komi": 6.5,
            "time_control": time_control["system"],
            "time_control_parameters": time_control,
        },
    }
    emu.create_challenge(human, bot, body)
    await until(lambda: bool(emu.games), 10, "the bot to accept")
    referee = next(iter(emu.games.values()))
    await until(lambda: referee.game_id in daemon.games, 10, "the session to start")
    return referee, human.id


async def human_move(emu: Emulator, referee: Referee, human: int, point: tuple[int, int]) -> None:
    before = referee.state.move_number
    emu.broadcast_game(referee, referee.move(human, point, time.time()))
    await until(lambda: referee.state.move_number >= before + 2, 30, "the bot's answer")


async def undo_asked(emu: Emulator, referee: Referee, human: int, point: tuple[int, int]) -> int:
    """The human plays and at once asks to take the move back; returns its move number."""
    emu.broadcast_game(referee, referee.move(human, point, time.time()))
    number = referee.state.move_number
    emu.broadcast_game(referee, referee.request_undo(human, number, time.time()))
    return number


@pytest.mark.parametrize(
    ("policy", "answers"), [("always", [True, True]), ("never", [False, False]), (1, [True, False])]
)
async def test_undo_policy(emu: Emulator, tmp_path: Path, policy: Any, answers: list[bool]) -> None:
    """The request arrives while the bot thinks (min_move_time 1 s): granted, the bot's move
    is never sent; refused, the bot plays on and the request lapses."""
    daemon = Daemon(bot_config(emu, tmp_path, game={"undo": policy, "min_move_time": 1.0}))
    async with running(daemon):
        referee, human = await human_game(emu, daemon)
        await human_move(emu, referee, human, (4, 4))
        for point, granted in zip([(6, 6), (2, 6)], answers, strict=True):
            number = await undo_asked(emu, referee, human, point)
            if granted:
                await until(lambda n=number: referee.state.move_number == n - 1, 10, "the undo")
                await asyncio.sleep(1.5)  # and the bot does not move in the human's turn
                assert referee.state.move_number == number - 1
                assert referee.state.board.get(point) is None
                await human_move(emu, referee, human, (8, 8) if point == (6, 6) else (0, 8))
            else:
                await until(lambda n=number: referee.state.move_number == n + 1, 10, "a move")
                assert referee.state.moves[number - 1][1] == point


async def test_an_undo_of_the_move_and_the_bots_reply_takes_both_back(
    emu: Emulator, tmp_path: Path
) -> None:
    """Since 2025-10 OGS lets a player ask, after the bot has replied, to take back their move
    and the reply (`undo_move_count` 2). Granted, both go, and the bot's engine follows: the
    human may play on the point the bot's taken-back stone held."""
    daemon = Daemon(bot_config(emu, tmp_path, game={"undo": "always"}))
    async with running(daemon):
        referee, human = await human_game(emu, daemon)
        await human_move(emu, referee, human, (4, 4))
        number = referee.state.move_number
        _, reply = referee.state.moves[-1]
        emu.broadcast_game(referee, referee.request_undo(human, number, time.time()))
        await until(lambda: referee.state.move_number == number - 2, 10, "both moves undone")
        retry = reply if reply is not None and reply != (4, 4) else (2, 2)
        await human_move(emu, referee, human, retry)
        empty = [p for p in [(6, 2), (2, 6), (6, 6), (0, 8)] if referee.state.board.get(p) is None]
        await human_move(emu, referee, human, empty[0])
        assert referee.phase == "play" and referee.state.move_number == number + 2


async def test_an_opponent_pause_is_ended(emu: Emulator, tmp_path: Path) -> None:
    daemon = Daemon(bot_config(emu, tmp_path, game={"max_pause": 0.5}))
    async with running(daemon):
        referee, human = await human_game(emu, daemon)
        await human_move(emu, referee, human, (4, 4))
        emu.broadcast_game(referee, referee.pause(human, time.time()))
        assert referee.paused_since is not None
        await until(lambda: referee.paused_since is None, 15, "the bot to resume the game")
