"""`ogsbot status`, `stop` and `reload` against a daemon running on the emulator, through its
control socket, as an operator runs them (the real command in a subprocess)."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from ogsbot.bot.daemon import Daemon
from ogsbot.sandbox.faults import RestFault
from ogsbot.sandbox.server import Emulator
from test_daemon import API_KEY, bot_config, emu, human_game, running
from test_emulator_protocol import challenge_body

from support import logged, randomgo_argv, until

__all__ = ["emu"]


@pytest.fixture
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A short private XDG_RUNTIME_DIR (a Unix socket path has at most 107 bytes)."""
    with tempfile.TemporaryDirectory(prefix="ob") as folder:
        monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
        yield Path(folder)


def config_file(emu: Emulator, tmp_path: Path) -> Path:
    path = tmp_path / "bot.yaml"
    data = {"server": emu.url, "api_key": API_KEY, "engine": {"command": randomgo_argv(1)}}
    path.write_text(yaml.safe_dump(data))
    path.chmod(0o600)
    return path


async def ogsbot(*args: str) -> tuple[int, str, str]:
    """Run the `ogsbot` command line; its exit status, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ogsbot.cli", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_status_shows_the_games_engines_challenges_and_connection(
    emu: Emulator, tmp_path: Path, runtime_dir: Path
) -> None:
    config = config_file(emu, tmp_path)
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": randomgo_argv(1)}))
    async with running(daemon):
        referee, human = await human_game(emu, daemon)
        emu.broadcast_game(referee, referee.move(human, (4, 4), time.time()))
        await until(lambda: referee.state.move_number == 2, 10, "the bot's move")
        code, out, err = await ogsbot("status", "-c", str(config), "--json")
        assert code == 0, err
        status: dict[str, Any] = json.loads(out)
        code, text, err = await ogsbot("status", "-c", str(config))
        assert code == 0, err
    [game] = status["games"]
    assert game["id"] == referee.game_id and game["opponent"] == "human"
    assert game["board"] == "9x9" and game["speed"] == "live" and game["move"] == 2
    assert game["to_move"] == "opponent" and game["bot_color"] == "white"
    assert 0 < game["clocks"]["white"] <= 600 and game["last_think"] is not None
    assert game["engine"] and game["state"] == ["play"]
    assert status["engines"]["processes"] == 1
    [engine] = status["engines"]["gtp"]
    assert engine["pid"] and engine["state"] == "idle" and engine["games"] == 1
    assert engine["restarts"] == 0 and not engine["pool"]
    assert f"pid {engine['pid']}, idle, 1 game(s)" in text
    assert game["engine_pid"] == engine["pid"]
    [answer] = status["challenges"]
    assert answer["accepted"] and answer["challenger"].startswith("human")
    assert status["connection"]["connected"] and status["connection"]["reconnects"] == 0
    assert f"{referee.game_id} vs human" in text and "games: 1" in text


async def test_stop_after_games_declines_new_ones_and_stops_when_the_last_ends(
    emu: Emulator, tmp_path: Path, runtime_dir: Path
) -> None:
    config = config_file(emu, tmp_path)
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": randomgo_argv(1)}))
    async with running(daemon) as task:
        referee, human = await human_game(emu, daemon)
        code, out, err = await ogsbot("stop", "-c", str(config), "--after-games")
        assert code == 0 and "after the games" in out, err
        await until(lambda: daemon.draining, 5, "draining")
        other = emu.add_human("latecomer", "pw-latecomer-0123", ranking=20)
        before = len(daemon.declined)
        late = challenge_body(name="late", time_control_parameters=LIVE)
        emu.create_challenge(other, emu.accounts.by_id[referee.white.id], late)
        await until(lambda: len(daemon.declined) > before, 10, "the decline")
        assert not task.done()  # a game is in play: the daemon waits for it
        emu.broadcast_game(referee, referee.resign(human, time.time()))
        await until(task.done, 15, "the daemon to stop by itself")
    assert task.result() == 0
    code, _, err = await ogsbot("status", "-c", str(config))
    assert code == 1 and "no ogsbot is running" in err


async def test_reload_through_the_control_socket(
    emu: Emulator, tmp_path: Path, runtime_dir: Path
) -> None:
    config = config_file(emu, tmp_path)
    from ogsbot.bot.config import load_config

    daemon = Daemon(load_config(config))
    async with running(daemon):
        config.write_text(config.read_text() + "hidden: true\n")
        code, out, err = await ogsbot("reload", "-c", str(config))
        assert code == 0 and "reloaded" in out, err
        assert daemon.config.hidden
        config.write_text(config.read_text() + "unknown_key: 1\n")
        code, out, _ = await ogsbot("reload", "-c", str(tmp_path / "bot.yaml"))
    assert code != 0


LIVE = {"system": "fischer", "initial_time": 300, "time_increment": 10, "max_time": 600}


async def test_the_operator_lists_messages_and_resigns_a_game(
    emu: Emulator, tmp_path: Path, runtime_dir: Path
) -> None:
    config = config_file(emu, tmp_path)
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": randomgo_argv(1)}))
    async with running(daemon):
        referee, human = await human_game(emu, daemon)
        game = str(referee.game_id)
        code, out, err = await ogsbot("games", "-c", str(config))
        assert code == 0 and f"{game} vs human" in out, err
        code, out, err = await ogsbot("message", "-c", str(config), game, "Back in a minute!")
        assert code == 0, err
        await until(lambda: "Back in a minute!" in [c["line"]["body"] for c in referee.chat], 5)
        code, out, err = await ogsbot("message", "-c", str(config), game, " ")
        assert code == 1 and "a message needs a text" in err and "Traceback" not in err
        code, out, err = await ogsbot("resign", "-c", str(config), game)
        assert code == 0, err
        await until(lambda: referee.finished, 10, "the resignation")
        code, _, err = await ogsbot("resign", "-c", str(config), game)
        assert code == 1 and "not being played" in err
    assert referee.outcome == "Resignation" and referee.winner == human
    assert [c["line"]["body"] for c in referee.chat].count("Back in a minute!") == 1


async def test_a_saved_config_is_reloaded_and_a_bad_one_refused(
    emu: Emulator, tmp_path: Path, runtime_dir: Path
) -> None:
    """Saving the file reloads it (an editor's save: a new file renamed over the old);
    a bad file is refused with its problems and the config in use kept."""
    from ogsbot.bot.config import load_config

    config = config_file(emu, tmp_path)
    with logged("INFO") as said:
        daemon = Daemon(load_config(config))
        async with running(daemon):
            await asyncio.sleep(0.3)  # the watch is set up
            saved = tmp_path / "bot.yaml.new"
            saved.write_text(config.read_text() + "hidden: true\n")
            saved.chmod(0o600)
            saved.replace(config)
            await until(lambda: daemon.config.hidden, 10, "the reload")
            config.write_text(config.read_text() + "engine: {command: 42}\n")
            await until(lambda: any("keeping the old one" in s for s in said), 10, "the refusal")
            assert daemon.config.hidden


async def test_metrics_for_prometheus(emu: Emulator, tmp_path: Path, runtime_dir: Path) -> None:
    """/metrics, read with prometheus_client's own parser: moves, latencies, think times,
    challenges by result, games by speed and phase, the least time left, engines."""
    from prometheus_client.parser import text_string_to_metric_families

    status = {"enabled": True, "port": 0}
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": randomgo_argv(1)}, status=status))
    emu.add_rest_fault(RestFault("/api/v1/me/challenges", 503, count=1))  # the accept: retried
    async with running(daemon):
        referee, human = await human_game(emu, daemon)
        for point in ((4, 4), (2, 2)):
            number = referee.state.move_number
            emu.broadcast_game(referee, referee.move(human, point, time.time()))
            await until(lambda n=number: referee.state.move_number == n + 2, 10, "a bot move")
        server = daemon.status_server
        assert server is not None
        assert daemon.status()["connection"]["rest_errors"] == {"503": 1}
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{server.port}/metrics") as reply,
        ):
            assert reply.status == 200 and reply.content_type == "text/plain"
            text = await reply.text()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("ogsbot_moves_total", (("speed", "live"),))] == 2
    assert samples[("ogsbot_move_latency_seconds_count", (("speed", "live"),))] == 2
    assert samples[("ogsbot_engine_think_seconds_count", (("kind", "gtp"),))] == 2
    accepted = (("reason", ""), ("result", "accepted"))
    assert samples[("ogsbot_challenges_total", accepted)] == 1
    assert samples[("ogsbot_games", (("phase", "play"), ("speed", "live")))] == 1
    assert 0 < samples[("ogsbot_min_time_left_seconds", ())] <= 600
    assert samples[("ogsbot_engine_processes", ())] == 1
    assert samples[("ogsbot_reconnects_total", ())] == 0
    assert samples[("ogsbot_engine_restarts_total", ())] == 0
    assert samples[("ogsbot_rest_errors_total", (("status", "503"),))] == 1


@pytest.mark.parametrize("color", ["black", "white"])
async def test_a_game_logs_its_clocks_every_twenty_moves(
    emu: Emulator, tmp_path: Path, runtime_dir: Path, color: str
) -> None:
    """Whichever colour the bot plays (black plays no twentieth move), a line with both
    clocks comes once per twenty moves."""
    from test_daemon import challenge, finished

    with logged("INFO", lambda m: m.record["message"]) as said:
        daemon = Daemon(bot_config(emu, tmp_path, engine={"command": randomgo_argv(1)}))
        async with running(daemon):
            game_id = await challenge(emu, opponent="random", seed=3, color=color)
            await until(finished(emu, game_id), 60, "the game")
            moves = emu.games[game_id].state.move_number
    line = re.compile(r"move (\d+): black [\d:]+, white [\d:]+")
    numbers = [int(m.group(1)) for m in map(line.fullmatch, said) if m is not None]
    assert [n // 20 for n in numbers] == list(range(1, len(numbers) + 1))
    assert all(n % 20 in (0, 1) for n in numbers) and len(numbers) >= moves // 20 - 1


async def test_a_reload_the_daemon_refuses_says_why(
    emu: Emulator, tmp_path: Path, runtime_dir: Path
) -> None:
    """The file checks out where the command runs, but the daemon cannot take it (here:
    its config did not come from a file): the command says the daemon's reason."""
    config = config_file(emu, tmp_path)
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": randomgo_argv(1)}))
    async with running(daemon):
        code, _, err = await ogsbot("reload", "-c", str(config))
    assert code == 1 and "the config did not come from a file" in err, err
