"""`ogsbot sandbox` end to end, as a newcomer runs it."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
from sgfmill import sgf


def sandbox(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ogsbot.cli", "sandbox", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_sandbox_plays_a_whole_game_and_saves_the_sgf(tmp_path: Path) -> None:
    out = sandbox(tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "engine: GNU Go" in out.stdout
    lines = out.stdout.splitlines()
    sgf_lines = [line for line in lines if line.startswith("SGF: ")]
    assert len(sgf_lines) == 1
    path = Path(sgf_lines[0][5:])
    assert path.parent == tmp_path / "sandbox-sgf"
    game = sgf.Sgf_game.from_string(path.read_text())
    root = game.get_root()
    assert game.get_size() == 9
    result = root.get("RE")
    assert result[0] in "BW0" and ("+" in result or result == "0")
    moves = [node.get_move() for node in game.get_main_sequence()[1:]]
    assert len(moves) > 10
    two_passes = moves[-1][1] is None and moves[-2][1] is None
    assert two_passes or result.endswith("+R")
    table = [line for line in lines if line.strip().split(" ")[0].isdigit()]
    assert table and result.split("+")[0] in table[-1]


def test_sandbox_challenge_table(tmp_path: Path) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text(
        "api_key: not-used-in-the-sandbox\n"
        "engine:\n  command: [/usr/games/gnugo, --mode, gtp, --level, '1']\n"
        "challenges:\n  board_sizes: [9, 13]\n  ranked: false\n"
    )
    out = sandbox(tmp_path, "--challenges", "-c", str(config))
    assert out.returncode == 0, out.stdout + out.stderr
    rows = {line[:26].strip(): line[26:].split() for line in out.stdout.splitlines()[1:]}
    assert rows["9x9 live fischer"][0] == "accept"
    assert rows["19x19 ranked"][:2] == ["decline", "board_size_not_allowed"]
    assert rows["7x9 board"][:2] == ["decline", "board_size_not_square"]
    assert rows["13x13 japanese byoyomi"][0] == "accept"


def test_sandbox_with_a_config_keeps_its_records_apart(tmp_path: Path) -> None:
    """The operator's config plays the sandbox game, but the record goes to --sgf-dir, not
    among the real games in the config's sgf_dir."""
    config = tmp_path / "bot.yaml"
    randomgo = Path(__file__).resolve().parent.parent / "engines" / "randomgo.py"
    config.write_text(
        "api_key: not-used-in-the-sandbox\n"
        f"engine:\n  command: [{sys.executable}, {randomgo}, --seed, '3']\n"
        "game:\n  sgf_dir: real-games\n  min_move_time: 0\n"
    )
    out = sandbox(tmp_path, "-c", str(config), "--opponent", "random", "--sgf-dir", "trial")
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(list((tmp_path / "trial").glob("*.sgf"))) == 1
    assert not (tmp_path / "real-games").exists()


def test_sandbox_rejects_a_bad_time_control(tmp_path: Path) -> None:
    out = sandbox(tmp_path, "--time", "hourglass:3")
    assert out.returncode == 2
    assert "time control 'hourglass:3'" in out.stderr and "fischer:" in out.stderr


async def test_keep_open_shows_the_bots_page_beside_the_emulators(tmp_path: Path) -> None:
    """`--keep-open` keeps the bot running with its status page on, prints where, and
    stops at Ctrl-C."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ogsbot.cli", "sandbox", "--keep-open", "--opponent", "random",
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        page = ""
        async with asyncio.timeout(120):
            while "Keeping the emulator and the bot open" not in (line := await readline(proc)):
                if line.startswith("the bot's status page: "):
                    page = line.split()[4]
        async with aiohttp.ClientSession() as http:
            async with http.get(page) as reply:
                assert reply.status == 200 and "ogsbot" in await reply.text()
            async with http.get(page + "status.json") as reply:
                status = await reply.json()
        assert status["bot"] and status["challenges"][0]["accepted"]
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 60)


async def readline(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    line = await proc.stdout.readline()
    assert line, "the sandbox ended early"
    return line.decode()


def test_sandbox_bots_find_each_other_and_play(tmp_path: Path) -> None:
    out = sandbox(tmp_path, "--bots", "3", "--games", "2")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert "bots: sandbot1, sandbot2, sandbot3; each proposes 9x9 fischer:300+10" in lines
    assert any(" challenged sandbot" in line for line in lines)
    sgfs = [Path(line[5:]) for line in lines if line.startswith("SGF: ")]
    assert len(sgfs) >= 2
    for path in sgfs:
        root = sgf.Sgf_game.from_string(path.read_text()).get_root()
        players = {root.get("PB"), root.get("PW")}
        assert len(players) == 2 and all(p.startswith("sandbot") for p in players)
    records = [line for line in lines if "-matchmaking.json: " in line]
    assert len(records) == 3
    assert "WARNING" not in out.stdout + out.stderr


def test_sandbox_bots_needs_two_or_more(tmp_path: Path) -> None:
    out = sandbox(tmp_path, "--bots", "1")
    assert out.returncode == 2
    assert "2 to 10 bots" in out.stderr
    out = sandbox(tmp_path, "--bots", "2", "--keep-open", "--challenges")
    assert out.returncode == 2
    assert "--challenges, --keep-open cannot be used with it" in out.stderr
