"""Whole games through the analysis backend (`engine.kind: katago-analysis`) on the emulator,
with the fake analysis engine (`randomgo --analysis`): one process for every game, a
process that dies mid-game, a search that misses its time, endpoints over real ssh, a
handicap game, a resignation decided by the bridge; and a GTP pool over two command lines,
one through ssh."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from ogsbot.bot.abilities import probe_analysis
from ogsbot.bot.daemon import Daemon
from ogsbot.bot.handicap import fixed_handicap_points
from ogsbot.gtp.analysis_service import AnalysisService
from ogsbot.sandbox.server import Emulator
from test_daemon import (
    assert_same_record,
    bot_config,
    challenge,
    emu,
    finished,
    running,
    wait_for_sgf,
)
from test_trust_session import WALL, bot_id, mark_the_wall_dead, wall_game

from support import randomgo_argv, until

if TYPE_CHECKING:
    from sshd import SSHServer

__all__ = ["emu"]
pytest_plugins = ["sshd"]  # its `sshd` fixture


def analysis_engine(*options: str, **keys: Any) -> dict[str, Any]:
    """An engine section for the fake analysis engine; never resigns unless asked."""
    return {
        "kind": "katago-analysis",
        "command": randomgo_argv(3, "--analysis", *options),
        "resign_winrate": 0,
        **keys,
    }


def whole_record(tmp_path: Path, game_id: int) -> bool:
    saved = (tmp_path / "sgf").glob(f"{game_id}-*.sgf")
    return any(not p.name.endswith("-incomplete.sgf") for p in saved)


class Said:
    """The daemon's log lines, while it runs."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __enter__(self) -> Said:
        logger.enable("ogsbot")
        self._sink = logger.add(lambda m: self.lines.append(str(m)), level="INFO")
        return self

    def __exit__(self, *_: object) -> None:
        logger.remove(self._sink)
        logger.disable("ogsbot")

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)


async def test_games_share_one_analysis_process_to_the_end(emu: Emulator, tmp_path: Path) -> None:
    """Three games at once, one engine process: every game ends with its record, the
    process served them all and was never restarted."""
    daemon = Daemon(bot_config(emu, tmp_path, engine=analysis_engine("--delay", "0.01")))
    async with running(daemon):
        games = [await challenge(emu, opponent="gnugo", rules=r) for r in ("japanese", "chinese")]
        games.append(await challenge(emu, opponent="random", seed=5, rules="aga"))
        await until(lambda: all(finished(emu, g)() for g in games), 180, "the games to end")
        await until(lambda: all(whole_record(tmp_path, g) for g in games), 10, "the records")
        services = list(daemon.manager.analysis._services.values())
        assert len(services) == 1 and len(services[0].endpoints) == 1
        endpoint = services[0].endpoints[0]
        assert endpoint.restarts == 0 and endpoint.running
        assert daemon.manager.processes == 1  # no GTP engine was started for any game
        for game_id in games:
            referee = emu.games[game_id]
            assert referee.state.move_number > 10
            assert referee.outcome.endswith("points") or referee.outcome == "Resignation"


async def test_a_process_that_dies_mid_game_costs_the_game_nothing(
    emu: Emulator, tmp_path: Path
) -> None:
    """Each process dies at its 14th query, so several times in a game: each time the
    query in flight is asked of the next process, and the game goes on to its end."""
    engine = analysis_engine("--misbehave", "crash-at=14")
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine))
    with Said() as said:
        async with running(daemon):
            game_id = await challenge(emu, opponent="gnugo", rules="japanese")
            await until(finished(emu, game_id), 120, "the game to end")
            endpoint = next(iter(daemon.manager.analysis._services.values())).endpoints[0]
            restarts = endpoint.restarts
            saved = await wait_for_sgf(tmp_path / "sgf")
    referee = emu.games[game_id]
    assert restarts >= 2
    assert "Timeout" not in referee.outcome and "Resignation" not in referee.outcome
    assert said.count("queries to ask again") == restarts
    assert said.count("engine failure") == 0  # asked again, not a failure of the game
    assert_same_record(saved, referee)


async def test_a_search_that_misses_its_time_still_moves_in_time(
    emu: Emulator, tmp_path: Path
) -> None:
    """The 12th query (a game's, after the probe's few) never gets an answer: past its
    time a quick query takes over."""
    engine = analysis_engine("--misbehave", "hang-at=12", genmove_timeout=1)
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine))
    with Said() as said:
        async with running(daemon):
            game_id = await challenge(emu, opponent="gnugo", rules="japanese")
            await until(finished(emu, game_id), 120, "the game to end")
    referee = emu.games[game_id]
    assert "Timeout" not in referee.outcome
    assert said.count("missed its 1.0 s for this move: a quick search instead") == 1
    assert said.count("engine failure") == 0


async def test_moves_the_engines_rules_refuse_leave_it_the_position_alone(
    emu: Emulator, tmp_path: Path
) -> None:
    """KataGo's rules may refuse a move OGS allowed (a ko or superko read differently):
    that turn asks about the board's stones without the moves, and the game goes on."""
    engine = analysis_engine("--misbehave", "refuse-at=12")
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine))
    with Said() as said:
        async with running(daemon):
            game_id = await challenge(emu, opponent="gnugo", rules="japanese")
            await until(finished(emu, game_id), 120, "the game to end")
    assert said.count("refuses the game's moves") == 1
    assert said.count("engine failure") == 0
    assert "Timeout" not in emu.games[game_id].outcome


async def test_free_handicap_stones_are_placed_by_the_bridge(emu: Emulator, tmp_path: Path) -> None:
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None
    bot.ranking = 10  # much weaker than its opponent: it takes black and the stones
    daemon = Daemon(bot_config(emu, tmp_path, engine=analysis_engine()))
    async with running(daemon):
        game_id = await challenge(
            emu, opponent="gnugo", rules="chinese", handicap=3, ranking=25, color="white"
        )
        await until(finished(emu, game_id), 120, "the handicap game to end")
    referee = emu.games[game_id]
    assert referee.black.id == bot.id and referee.settings.free_handicap_placement
    assert [c for c, _ in referee.state.moves[:4]] == ["b", "b", "b", "w"]
    assert {p for _, p in referee.state.moves[:3]} == set(fixed_handicap_points(9, 9, 3) or [])


async def test_the_bridge_resigns_a_hopeless_game(emu: Emulator, tmp_path: Path) -> None:
    """Every answer says the bot is lost: it resigns after `resign_turns` of them, and
    never before `resign_min_moves`."""
    engine = analysis_engine("--hopeless", resign_winrate=0.05, resign_turns=2, resign_min_moves=12)
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine))
    async with running(daemon):
        game_id = await challenge(emu, opponent="gnugo", rules="japanese")
        await until(finished(emu, game_id), 60, "the game to end")
    referee = emu.games[game_id]
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None
    assert referee.outcome == "Resignation" and referee.winner != bot.id
    assert 12 <= referee.state.move_number <= 14


async def test_endpoints_over_ssh_play_and_survive_one_of_them_dying(
    emu: Emulator, tmp_path: Path, sshd: SSHServer
) -> None:
    """Two endpoints over a real sshd; the first dies at each life's 12th query: its query
    is asked of the other, it is started again, and the game plays on to its end."""
    first = sshd.command(*randomgo_argv(3, "--analysis", "--misbehave", "crash-at=12"))
    second = sshd.command(*randomgo_argv(4, "--analysis"))
    engine = analysis_engine(command=first, endpoints=[second])
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine))
    async with running(daemon):
        game_id = await challenge(emu, opponent="gnugo", rules="japanese")
        await until(finished(emu, game_id), 120, "the game to end")
        service = next(iter(daemon.manager.analysis._services.values()))
        status = service.status()
    assert [s.name for s in status] == ["analysis#1@127.0.0.1", "analysis#2@127.0.0.1"]
    assert status[0].restarts >= 1 and status[1].restarts == 0
    assert "Timeout" not in emu.games[game_id].outcome


async def test_the_sizes_an_analysis_engine_plays_are_probed_in_a_few_queries() -> None:
    """randomgo refuses boards of one line and rectangles, as a KataGo build refuses what
    it cannot play; the rest is found by halving, in a handful of queries."""
    service = AnalysisService([randomgo_argv(1, "--analysis")])
    await service.start()
    try:
        abilities = await probe_analysis(service, 10)
        asked = service.endpoints[0].queries
    finally:
        await service.stop()
    assert abilities.sizes == frozenset(range(2, 26))
    assert "rectangular_boardsize" not in abilities.commands
    assert asked <= 5


async def test_a_gtp_pool_takes_its_command_lines_in_turn(
    emu: Emulator, tmp_path: Path, sshd: SSHServer
) -> None:
    """A pool of two GTP processes, one here and one through ssh: two games at once keep
    both busy, and each process's log shows its genmoves."""
    here, there = tmp_path / "here.log", tmp_path / "there.log"
    engine = {
        "command": randomgo_argv(1, "--log", str(here)),
        "endpoints": [sshd.command(*randomgo_argv(2, "--log", str(there)))],
        "manager": "pool",
        "pool_size": 2,
    }
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine))
    async with running(daemon):
        games = [await challenge(emu, opponent="gnugo", rules="japanese") for _ in range(2)]
        await until(lambda: all(finished(emu, g)() for g in games), 120, "the games to end")
    for log in (here, there):
        assert "genmove" in log.read_text()


async def test_a_search_the_game_no_longer_needs_is_dropped_at_once(
    emu: Emulator, tmp_path: Path
) -> None:
    """The game leaves play while the bot's query is searched (here: hung): the bot stops
    waiting for the moot move, the query is terminated, and the opponent's marks on the
    bot's stones are answered before the server scores the game."""
    engine = analysis_engine("--misbehave", "hang-at=5")  # the game's first
    config = bot_config(emu, tmp_path, engine=engine, game={"stone_removal": "server"})
    daemon = Daemon(config)
    with Said() as said:
        async with running(daemon):
            human = emu.add_human("latecomer", "pw-latecomer-0123", ranking=20)
            bot = emu.accounts.by_id[bot_id(emu)]
            referee = wall_game(emu, human, bot)
            await until(lambda: referee.game_id in daemon.games, 20, "the session")
            await until(lambda: said.count("engine probe") == 1, 20, "the size probe's 4 queries")
            emu.broadcast_game(referee, referee.move(human.id, (0, 0), time.time()))
            await until(lambda: queries(daemon) == 5, 10, "the bot's query")
            now = time.time()
            emu.broadcast_game(referee, referee.move(bot.id, None, now))  # from another client
            emu.broadcast_game(referee, referee.move(human.id, None, now))
            mark_the_wall_dead(emu, referee, human)
            await until(lambda: referee.finished, 30, "the game to be scored")
    assert said.count("the game left play during the search") == 1
    assert not referee.removed & WALL
    assert referee.winner == bot.id


def queries(daemon: Daemon) -> int:
    services = list(daemon.manager.analysis._services.values())
    return sum(e.queries for s in services for e in s.endpoints)


async def test_profiles_share_one_process_with_their_own_query_settings(
    emu: Emulator, tmp_path: Path
) -> None:
    """A profile for 13x13 changes only the query settings: its games and the main
    engine's are served by the same process, each query carrying its profile's settings."""
    log = tmp_path / "queries.log"
    engine = analysis_engine("--log", str(log), max_visits=50)
    profile = {
        "name": "human-13",
        "board_sizes": [13],
        "engine": {"max_visits": 7, "query_settings": {"humanSLProfile": "rank_5k"}},
    }
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine, engine_profiles=[profile]))
    async with running(daemon):
        nine = await challenge(emu, opponent="gnugo", rules="japanese")
        thirteen = await challenge(emu, opponent="gnugo", rules="japanese", size=13)
        await until(lambda: finished(emu, nine)() and finished(emu, thirteen)(), 120)
        assert len(daemon.manager.analysis._services) == 1
    queries = [json.loads(line) for line in log.read_text().splitlines() if '"moves"' in line]
    games = [q for q in queries if q["moves"]]  # not the size probe's
    by_size = {q["boardXSize"]: q for q in games}
    assert by_size[9]["maxVisits"] == 50 and "humanSLProfile" not in by_size[9]["overrideSettings"]
    assert by_size[13]["maxVisits"] == 7
    assert by_size[13]["overrideSettings"]["humanSLProfile"] == "rank_5k"
