"""A game session under what happens on OGS: refused moves, pauses during the bot's think,
names no file system likes, a daemon killed mid-game, an engine that keeps failing."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sgfmill import sgf

from ogsbot.bot.daemon import Daemon
from ogsbot.bot.session import REFUSAL_BACKOFF
from ogsbot.ogs.coords import pack_ogs
from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.referee import GameSettings, Referee, RefereeError
from ogsbot.sandbox.server import Emulator
from test_daemon import (
    API_KEY,
    bot_config,
    emu,
    finished,
    human_game,
    human_move,
    running,
    wait_for_sgf,
)

from support import gnugo_argv, logged, randomgo_argv, until

__all__ = ["emu"]

# A GTP engine that writes a path and a host name to stderr and dies at each genmove.
DYING_ENGINE = """\
import sys, time
KNOWN = "protocol_version name version list_commands boardsize clear_board komi play quit"
for line in sys.stdin:
    words = line.split()
    ident = words.pop(0) if words and words[0].isdigit() else ""
    command = words[0] if words else ""
    if command == "genmove":
        with open({log!r}, "a") as log:
            log.write(f"{{time.monotonic()}}\\n")
        sys.stderr.write("fatal: /home/operator/secret-host.example/katago.cfg\\n")
        sys.stderr.flush()
        sys.exit(1)
    if command not in KNOWN.split():
        print(f"?{{ident}} unknown command\\n", flush=True)
        continue
    answer = {{"protocol_version": "2", "name": "dying", "version": "1",
              "list_commands": "\\n".join(KNOWN.split())}}.get(command, "")
    print(f"={{ident}} {{answer}}\\n", flush=True)
    if command == "quit":
        break
"""


def recorded_moves(folder: Path) -> int:
    """The moves in the game's `-incomplete.sgf`, 0 when there is none yet."""
    partial = list(folder.glob("*-incomplete.sgf"))
    if not partial:
        return 0
    return len(sgf.Sgf_game.from_bytes(partial[0].read_bytes()).get_main_sequence()) - 1


def challenge_body(name: str) -> dict[str, Any]:
    """A 9x9 fischer challenge in which the challenger takes black."""
    return {
        "challenger_color": "black",
        "game": {
            "name": name,
            "rules": "japanese",
            "width": 9,
            "height": 9,
            "time_control": "fischer",
            "time_control_parameters": {
                "system": "fischer",
                "initial_time": 300,
                "time_increment": 10,
                "max_time": 600,
            },
        },
    }


def bot_id(emu: Emulator) -> int:
    bot = emu.accounts.by_name("gnubot")
    assert bot is not None
    return bot.id


async def test_a_move_refused_again_and_again_backs_off_then_stops(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal the bot cannot explain: a few tries, further and further apart, then it
    stops acting in the game and says why, instead of refuse -> resync -> genmove -> move
    thousands of times a second."""
    tries: list[float] = []
    original = Referee.move
    me = bot_id(emu)

    def refusing(self: Referee, player_id: int, point: Any, now: float) -> Any:
        if player_id == me:
            tries.append(time.monotonic())
            raise RefereeError("illegal_move", "refused for a reason the bot cannot know")
        return original(self, player_id, point, now)

    monkeypatch.setattr(Referee, "move", refusing)
    with logged("ERROR") as said:
        daemon = Daemon(bot_config(emu, tmp_path))
        async with running(daemon):
            referee, human = await human_game(emu, daemon)
            emu.broadcast_game(referee, referee.move(human, (4, 4), time.time()))
            await until(lambda: any("stops acting" in line for line in said), 40, "the stop")
            count = len(tries)
            await asyncio.sleep(1.0)
            assert len(tries) == count  # stopped: nothing more is sent
    assert count == len(REFUSAL_BACKOFF) + 1
    gaps = [b - a for a, b in itertools.pairwise(tries)]
    assert all(gap >= wait for gap, wait in zip(gaps, REFUSAL_BACKOFF, strict=True))


async def test_a_pause_during_min_move_time_holds_the_move(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The opponent pauses while the bot waits out min_move_time: the move is not sent
    into the pause (the server would refuse it), and goes out once the game resumes."""
    refused: list[str] = []
    original = Referee.move

    def recording(self: Referee, player_id: int, point: Any, now: float) -> Any:
        try:
            return original(self, player_id, point, now)
        except RefereeError as exc:
            refused.append(str(exc))
            raise

    monkeypatch.setattr(Referee, "move", recording)
    daemon = Daemon(bot_config(emu, tmp_path, game={"min_move_time": 1.5, "max_pause": 600}))
    async with running(daemon):
        referee, human = await human_game(emu, daemon)
        emu.broadcast_game(referee, referee.move(human, (4, 4), time.time()))
        await asyncio.sleep(0.3)  # the bot has its move and waits out min_move_time
        emu.broadcast_game(referee, referee.pause(human, time.time()))
        await asyncio.sleep(2.5)
        assert referee.state.move_number == 1
        emu.broadcast_game(referee, referee.resume(human, time.time()))
        await until(lambda: referee.state.move_number == 2, 20, "the held move")
    assert refused == []


async def test_a_username_that_is_not_utf8_still_gets_its_record(
    emu: Emulator, tmp_path: Path
) -> None:
    """A lone surrogate in a username: the record is written (the character replaced), not
    a 0-byte file, and the game's engine is stopped when the game ends."""
    emu.add_human("odd\ud800name", "pw-odd-0123456789", ranking=20)
    daemon = Daemon(bot_config(emu, tmp_path))
    async with running(daemon):
        human = emu.accounts.by_name("odd\ud800name")
        assert human is not None
        record = emu.create_challenge(
            human, emu.accounts.by_id[bot_id(emu)], challenge_body("surrogate \ud800 game")
        )
        await until(lambda: record.game_id in daemon.games, 20, "the game")
        referee = emu.games[record.game_id]
        await human_move(emu, referee, human.id, (4, 4))
        emu.broadcast_game(referee, referee.resign(human.id, time.time()))
        text = await wait_for_sgf(tmp_path / "sgf", 20)
        await until(lambda: daemon.manager.processes == 0, 20, "the engine stopped")
    game = sgf.Sgf_game.from_string(text)
    assert len(game.get_main_sequence()) >= 3


async def test_an_engine_failure_is_told_in_words_not_in_its_stderr(
    emu: Emulator, tmp_path: Path
) -> None:
    """The engine writes a path and a host name to stderr and dies at each genmove: the bot
    retries with growing waits, then resigns saying what happened, never what stderr said."""
    log = tmp_path / "genmoves.log"
    script = tmp_path / "dying_engine.py"
    script.write_text(DYING_ENGINE.format(log=str(log)))
    engine = {"command": [sys.executable, str(script)], "max_failures": 3}
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine))
    async with running(daemon):
        referee, human = await human_game(emu, daemon)
        emu.broadcast_game(referee, referee.move(human, (4, 4), time.time()))
        await until(finished(emu, referee.game_id), 60, "the resignation")
    said = [str(c["line"]["body"]) for c in referee.chat if c["line"]["player_id"] == bot_id(emu)]
    assert any("engine failed 3 times" in body for body in said)
    assert not any("secret-host" in body or "/home/" in body for body in said)
    times = [float(t) for t in log.read_text().split()]
    assert len(times) == 3
    assert times[-1] - times[0] >= 0.2 + 0.5  # the backoffs between the tries


async def test_a_daemon_killed_mid_game_leaves_a_record(emu: Emulator, tmp_path: Path) -> None:
    """kill -9 (as `docker stop` does after its grace): the record written as the game went
    is on disk; the next start completes it once the game has ended meanwhile."""
    sgf_dir = tmp_path / "sgf"
    config = tmp_path / "bot.yaml"
    gnugo = bot_config(emu, tmp_path).engine.command
    config.write_text(
        f"server: {emu.url}\n"
        f"engine:\n  command: [{', '.join(gnugo)}]\n"
        f"game:\n  min_move_time: 0\n  sgf_dir: {sgf_dir}\n"
        "log:\n  status_interval: 0\n"
    )
    ogsbot = Path(sys.executable).parent / "ogsbot"
    proc = await asyncio.create_subprocess_exec(
        str(ogsbot),
        "run",
        "-c",
        str(config),
        env={**os.environ, "OGSBOT_API_KEY": API_KEY},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await until(lambda: bool(emu.bot_status), 20, "the daemon's login")
        human = emu.add_human("victim", "pw-victim-0123", ranking=20)
        record = emu.create_challenge(
            human, emu.accounts.by_id[bot_id(emu)], challenge_body("killed")
        )
        await until(lambda: record.game_id in emu.games, 20, "the game")
        referee = emu.games[record.game_id]
        for point in ((2, 2), (6, 6), (2, 6)):
            await human_move(emu, referee, human.id, point)
        await until(lambda: recorded_moves(sgf_dir) >= 6, 10, "the record of six moves")
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    partial = list(sgf_dir.glob("*-incomplete.sgf"))
    assert len(partial) == 1
    assert recorded_moves(sgf_dir) >= 6
    emu.broadcast_game(referee, referee.resign(human.id, time.time()))
    daemon = Daemon(bot_config(emu, tmp_path, game={"sgf_dir": str(sgf_dir)}))
    daemon.record_check_delay = 0.2
    async with running(daemon):
        whole = sgf_dir / partial[0].name.replace("-incomplete", "")
        await until(whole.exists, 20, "the whole record")
    assert not partial[0].exists()


WALL = {(5, y) for y in range(9)}  # the bot's (white's) wall on the 5th line


def wall_game(emu: Emulator, human: Any, bot: Any) -> Referee:
    """A 9x9 game where white (the bot) has a wall on the 5th line and the whole right side,
    black (`human`) to move."""
    settings = GameSettings(
        width=9,
        height=9,
        rules="japanese",
        komi=6.5,
        handicap=0,
        free_handicap_placement=False,
        time_control=TimeControl.from_json(
            {"system": "fischer", "initial_time": 300, "time_increment": 10, "max_time": 600}
        ).with_speed(9, 9),
    )
    moves: list[tuple[int, int] | None] = []
    for y in range(9):
        moves += [(3, y), (5, y)]
    return emu.create_game(human, bot, settings, moves)


def mark_the_wall_dead(emu: Emulator, referee: Referee, human: Any) -> None:
    packed = pack_ogs(sorted(WALL), 9, 9)
    emu.broadcast_game(referee, referee.set_removed(human.id, packed, True, time.time()))


@pytest.mark.parametrize(
    ("stone_removal", "argv"),
    [
        ("server", None),
        ("engine", ["--refuse", "final_status_list"]),
    ],
    ids=["server marks", "engine cannot judge"],
)
async def test_hostile_dead_stone_marks_are_not_accepted(
    emu: Emulator, tmp_path: Path, stone_removal: str, argv: list[str] | None
) -> None:
    """The opponent marks every stone of the bot's dead: with nothing to judge them by, the
    bot unmarks its own stones (says why) and never accepts them dead."""
    engine = {"command": randomgo_argv(3, *argv)} if argv else {"command": gnugo_argv()}
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine, game={"stone_removal": stone_removal}))
    async with running(daemon):
        human = emu.add_human("marker", "pw-marker-0123", ranking=20)
        bot = emu.accounts.by_id[bot_id(emu)]
        referee = wall_game(emu, human, bot)
        await until(lambda: referee.game_id in daemon.games, 20, "the session")
        now = time.time()
        emu.broadcast_game(referee, referee.move(human.id, None, now))
        emu.broadcast_game(referee, referee.move(bot.id, None, now))
        assert referee.phase == "stone removal"
        mark_the_wall_dead(emu, referee, human)
        await until(lambda: referee.finished, 30, "the game to be scored")
    assert not referee.removed & WALL
    assert referee.winner == bot.id
    said = [str(c["line"]["body"]) for c in referee.chat if c["line"]["player_id"] == bot.id]
    assert any("cannot judge" in body for body in said)


async def test_stone_removal_while_the_engine_thinks_is_answered_at_once(
    emu: Emulator, tmp_path: Path
) -> None:
    """The game leaves play while the bot's engine is deep in a genmove (here: hung; in the
    soak, a phase change the bot learnt late): the bot stops waiting for the moot move and
    answers the opponent's marks on its stones before the server scores the game."""
    engine = {
        "command": randomgo_argv(3, "--misbehave", "hang-at=1", "--refuse", "final_status_list")
    }
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine, game={"stone_removal": "engine"}))
    async with running(daemon):
        human = emu.add_human("latecomer", "pw-latecomer-0123", ranking=20)
        bot = emu.accounts.by_id[bot_id(emu)]
        referee = wall_game(emu, human, bot)
        await until(lambda: referee.game_id in daemon.games, 20, "the session")
        emu.broadcast_game(referee, referee.move(human.id, (0, 0), time.time()))
        await asyncio.sleep(1.0)  # the bot's engine is in its (hung) genmove
        now = time.time()
        emu.broadcast_game(referee, referee.move(bot.id, None, now))  # from another client
        emu.broadcast_game(referee, referee.move(human.id, None, now))
        assert referee.phase == "stone removal"
        mark_the_wall_dead(emu, referee, human)
        await until(lambda: referee.finished, 30, "the game to be scored")
    assert not referee.removed & WALL
    assert referee.winner == bot.id


async def test_an_error_left_from_an_earlier_move_is_not_a_refusal(
    emu: Emulator, tmp_path: Path
) -> None:
    """A server error that came while no move was in flight (a late duplicate of an old
    refusal, as a soak saw) is not the refusal of the bot's next move: that move goes out
    once, and no backoff is waited."""
    with logged("ERROR") as said:
        daemon = Daemon(bot_config(emu, tmp_path))
        async with running(daemon):
            referee, human = await human_game(emu, daemon)
            emu.push_to_game(referee.game_id, "error", "a late duplicate of an old refusal")
            await until(lambda: daemon.games[referee.game_id].session is not None, 10)
            session = daemon.games[referee.game_id].session
            assert session is not None
            await until(lambda: session.game.error_count == 1, 10, "the stale error")
            emu.broadcast_game(referee, referee.move(human, (4, 4), time.time()))
            await until(lambda: referee.state.move_number == 2, 10, "the bot's move")
    assert not [line for line in said if "refused" in line]


async def test_refusals_never_wait_the_bot_out_of_its_time(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server refuses the bot's move five times (a refusal it cannot explain, that
    then clears up): the waits between tries shrink to fit the clock (10 s a move), and
    the sixth try, in time, is played."""
    original = Referee.move
    me = bot_id(emu)
    tries: list[float] = []

    def refusing(self: Referee, player_id: int, point: Any, now: float) -> Any:
        if player_id == me and len(tries) < len(REFUSAL_BACKOFF):
            tries.append(time.monotonic())
            raise RefereeError("illegal_move", "refused for a reason the bot cannot know")
        return original(self, player_id, point, now)

    monkeypatch.setattr(Referee, "move", refusing)
    simple = {"system": "simple", "per_move": 10}
    daemon = Daemon(bot_config(emu, tmp_path))
    async with running(daemon):
        referee, human = await human_game(emu, daemon, simple)
        emu.broadcast_game(referee, referee.move(human, (4, 4), time.time()))
        await until(lambda: referee.state.move_number == 2 or referee.finished, 30, "a move")
    assert referee.state.move_number == 2 and not referee.finished
    assert len(tries) == len(REFUSAL_BACKOFF)


async def test_refusals_with_the_clock_short_never_stop_the_bot_for_good(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A soak's loss on time: the engine hung for most of a 20 s move, then the server
    refused the move for a couple of seconds. The tries must not burn the backoffs in a
    fraction of a second and stop the bot: with the clock short it keeps trying."""
    original = Referee.move
    me = bot_id(emu)
    refused_since: list[float] = []

    def refusing(self: Referee, player_id: int, point: Any, now: float) -> Any:
        if player_id == me:
            if not refused_since:
                refused_since.append(time.monotonic())
            if time.monotonic() - refused_since[0] < 2.0:
                raise RefereeError("illegal_move", "refused for a while, as a soak does")
        return original(self, player_id, point, now)

    monkeypatch.setattr(Referee, "move", refusing)
    simple = {"system": "simple", "per_move": 10}
    engine = {"command": randomgo_argv(1), "time_margin": 9}  # 1 s to think, 9 s kept back
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine))
    async with running(daemon):
        referee, human = await human_game(emu, daemon, simple)
        emu.broadcast_game(referee, referee.move(human, (4, 4), time.time()))
        await until(lambda: referee.state.move_number == 2 or referee.finished, 15, "a move")
    assert referee.state.move_number == 2 and not referee.finished
