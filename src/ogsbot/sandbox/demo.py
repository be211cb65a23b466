"""`ogsbot sandbox`: the emulator, the bot daemon and an opponent, playing on this machine.

It answers an operator's first question, "does my engine work with this?", with no account
and no network: real games through the same daemon, client library and protocol as on OGS.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pydantic import SecretStr

from ogsbot.bot.config import Config, StatusConfig, load_config, parse_config
from ogsbot.bot.daemon import Daemon
from ogsbot.engines import randomgo_argv
from ogsbot.ogs.coords import xy_to_gtp
from ogsbot.ogs.models import TimeControl
from ogsbot.sandbox.players import engine_argv
from ogsbot.sandbox.referee import Referee
from ogsbot.sandbox.server import Emulator

BOT = "sandbot"

_TIME = {
    "fischer": re.compile(r"fischer:(\d+)\+(\d+)(?:max(\d+))?"),
    "byoyomi": re.compile(r"byoyomi:(\d+)\+(\d+)x(\d+)"),
    "canadian": re.compile(r"canadian:(\d+)\+(\d+)/(\d+)"),
    "simple": re.compile(r"simple:(\d+)"),
    "absolute": re.compile(r"absolute:(\d+)"),
}
TIME_HELP = (
    "fischer:INITIAL+INCREMENT[maxMAX], byoyomi:MAIN+PERIODSxPERIOD, "
    "canadian:MAIN+STONES/PERIOD, simple:PER_MOVE, absolute:TOTAL or none (seconds)"
)


def parse_time(text: str) -> TimeControl:
    """A time control from the command line, e.g. "fischer:300+10" or "byoyomi:600+5x30"."""
    text = text.strip().lower().replace(" ", "")
    if text == "none":
        return TimeControl.from_json({"system": "none", "speed": "correspondence"})
    system = text.split(":", 1)[0]
    match = _TIME.get(system, re.compile("$^")).fullmatch(text)
    if match is None:
        raise ValueError(f"time control {text!r} is not one of: {TIME_HELP}")
    n = [int(g) if g else None for g in match.groups()]
    params: dict[str, Any] = {"system": system}
    if system == "fischer":
        params.update(initial_time=n[0], time_increment=n[1], max_time=n[2] or 2 * (n[0] or 0))
    elif system == "byoyomi":
        params.update(main_time=n[0], periods=n[1], period_time=n[2])
    elif system == "canadian":
        params.update(main_time=n[0], stones_per_period=n[1], period_time=n[2])
    elif system == "simple":
        params.update(per_move=n[0])
    else:
        params.update(total_time=n[0])
    return TimeControl.from_json(params)


def default_engine() -> tuple[list[str], str]:
    """GNU Go when it is installed, else the bundled random player; and which it is."""
    gnugo = shutil.which("gnugo") or shutil.which("gnugo", path="/usr/games")
    if gnugo:
        return [gnugo, "--mode", "gtp", "--level", "1"], "GNU Go"
    return randomgo_argv(), "randomgo (GNU Go is not installed)"


@dataclass
class Options:
    """What `ogsbot sandbox` was asked to do."""

    config: str | None = None
    games: int = 1
    size: int = 9
    time: str = "fischer:300+10"
    opponent: str = "gnugo"
    challenges: bool = False
    sgf_dir: str = "sandbox-sgf"
    keep_open: bool = False
    bots: int = 0  # > 1: that many bots with matchmaking on, playing each other


def bot_config(options: Options, url: str, api_key: str, out: TextIO) -> Config:
    """The operator's config pointed at the emulator, or a default one."""
    if options.config:
        config = load_config(options.config, env={"OGSBOT_API_KEY": api_key})
        print(f"config: {options.config}, engine: {' '.join(config.engine.command)}", file=out)
        # Sandbox games are not the bot's real games: their records go to --sgf-dir.
        game = dataclasses.replace(config.game, sgf_dir=str(Path(options.sgf_dir).resolve()))
        return dataclasses.replace(config, server=url, api_key=SecretStr(api_key), game=game)
    command, name = default_engine()
    print(f"engine: {name}", file=out)
    speeds = {
        speed: {"allowed": True, "max_games": 20}
        for speed in ("blitz", "rapid", "live", "correspondence")
    }
    return parse_config(
        {
            "server": url,
            "api_key": api_key,
            "engine": {"command": command, "name": name.split(" (")[0]},
            "challenges": {
                "board_sizes": list(range(5, 20)),  # what GNU Go plays
                "max_games": 20,
                "max_games_per_player": 20,
                "speeds": speeds,
                "time_systems": ["fischer", "byoyomi", "canadian", "simple", "absolute", "none"],
            },
            "game": {"min_move_time": 0, "sgf_dir": str(Path(options.sgf_dir).resolve())},
            "log": {"status_interval": 0},
            "shutdown_wait": 10,
        },
        env={},
    )


def _clock_text(referee: Referee, color: str, now: float) -> str:
    tc = referee.settings.time_control
    available = referee.times[color].available(tc)
    if available is None:
        return "-"
    if referee.to_move() == color and referee.phase == "play":
        available -= now - referee.last_move
    seconds = max(0, int(available))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress_line(referee: Referee, now: float) -> str:
    """One line about a game: move number, last move, clocks."""
    s = referee.settings
    last = "-"
    if referee.state.moves:
        color, point = referee.state.moves[-1]
        vertex = "pass" if point is None else xy_to_gtp(point, s.width, s.height)
        last = f"{color.upper()} {vertex}"
    return (
        f"game {referee.game_id}: move {referee.state.move_number:3d}, last {last:8s}"
        f" clocks B {_clock_text(referee, 'b', now)} W {_clock_text(referee, 'w', now)}"
        f"  [{referee.phase}]"
    )


async def run(options: Options, out: TextIO = sys.stdout) -> int:
    """Run the sandbox; returns the exit code."""
    if options.bots:
        from ogsbot.sandbox.bot_matches import run_bots

        return await run_bots(options, out)
    emulator = Emulator(stone_removal_timeout=30)
    bot = emulator.add_bot(BOT, ranking=20)
    url = await emulator.start()
    print(f"OGS emulator at {url} (spectator page: {url}/)", file=out)
    assert bot.api_key is not None
    try:
        config = bot_config(options, url, bot.api_key, out)
    except Exception:
        await emulator.stop()
        raise
    if options.keep_open:  # the bot's own status page, beside the emulator's
        config = dataclasses.replace(config, status=StatusConfig(enabled=True, port=0))
    daemon = Daemon(config)
    runner = asyncio.create_task(daemon.run(handle_signals=False))
    try:
        await asyncio.wait_for(daemon.ready.wait(), 60)
        if daemon.status_server is not None:
            page = f"http://127.0.0.1:{daemon.status_server.port}/"
            print(f"the bot's status page: {page} (metrics: {page}metrics)", file=out)
        if options.challenges:
            return await _challenge_table(emulator, daemon, out)
        return await _play(emulator, daemon, options, out)
    finally:
        if options.keep_open:
            print("Keeping the emulator and the bot open; press Ctrl-C to stop.", file=out)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.Event().wait()
        daemon.stop()  # the games are over (or abandoned): this returns at once
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(runner, 30)
        await emulator.stop()


async def _play(emulator: Emulator, daemon: Daemon, options: Options, out: TextIO) -> int:
    tc = parse_time(options.time)
    opponent = options.opponent
    if opponent not in ("gnugo", "random", "human"):
        engine_argv(opponent)  # a GTP command line: fail early if it is empty
    if opponent == "gnugo" and not _has_gnugo():
        print("GNU Go is not installed: the opponent plays at random", file=out)
        opponent = "random"
    started: list[int] = []
    for number in range(options.games):
        body = {
            "bot": BOT,
            "opponent": opponent,
            "username": f"opponent{number + 1}",
            "width": options.size,
            "height": options.size,
            "rules": "chinese",
            "time_control": tc.to_json(),
        }
        if opponent == "human":
            from ogsbot.sandbox.terminal import play_in_terminal

            result = await play_in_terminal(emulator, body, out)
            started.append(result)
        else:
            from ogsbot.sandbox.players import start_opponent

            started.append(int((await start_opponent(emulator, body))["game_id"]))
    last_print = 0.0
    while True:
        await asyncio.sleep(0.2)
        games = [emulator.games.get(game_id) for game_id in started]
        now = time.time()
        if now - last_print >= 1.0:
            last_print = now
            for referee in games:
                if referee is not None and not referee.finished:
                    print(progress_line(referee, now), file=out, flush=True)
        declined = [d for d in emulator.declines if d["game_id"] in started]
        if declined:
            for decline in declined:
                code = (decline.get("rejection_details") or {}).get("rejection_code")
                print(f"the bot declined: {decline['message']} ({code})", file=out)
            return 1
        if all(g is not None and g.finished for g in games) and not daemon.games:
            break
    return _results(emulator, daemon, started, out)


def _has_gnugo() -> bool:
    return bool(shutil.which("gnugo") or shutil.which("gnugo", path="/usr/games"))


def _results(emulator: Emulator, daemon: Daemon, started: list[int], out: TextIO) -> int:
    print("", file=out)
    print(f"{'game':>8}  {'black':12} {'white':12} {'moves':>5}  result", file=out)
    for game_id in started:
        referee = emulator.games[game_id]
        winner = referee.color_of(referee.winner) if referee.winner is not None else None
        result = f"{winner.upper()}+" if winner else ""
        result += referee.outcome
        print(
            f"{game_id:>8}  {referee.black.username:12} {referee.white.username:12}"
            f" {referee.state.move_number:>5}  {result}",
            file=out,
        )
    for game_id in started:
        path = daemon.records.get(game_id)
        if path is not None:
            print(f"SGF: {path}", file=out)
    return 0


LIVE = {"system": "fischer", "initial_time": 300, "time_increment": 10, "max_time": 600}
BLITZ = {"system": "fischer", "initial_time": 10, "time_increment": 1, "max_time": 20}
CORRESPONDENCE = {
    "system": "fischer",
    "initial_time": 259200,
    "time_increment": 86400,
    "max_time": 604800,
}
BYOYOMI = {"system": "byoyomi", "main_time": 600, "period_time": 30, "periods": 5}
CANADIAN = {"system": "canadian", "main_time": 600, "period_time": 300, "stones_per_period": 20}
SPREAD: list[tuple[str, dict[str, Any]]] = [
    ("9x9 live fischer", {"size": 9}),
    ("13x13 japanese byoyomi", {"size": 13, "rules": "japanese", "time_control": BYOYOMI}),
    ("19x19 ranked", {"size": 19, "ranked": True}),
    ("7x9 board", {"width": 7, "height": 9}),
    ("25x25 board", {"size": 25}),
    ("handicap 4", {"size": 19, "handicap": 4}),
    ("komi 30", {"size": 9, "komi": 30}),
    ("blitz 10+1", {"size": 9, "time_control": BLITZ}),
    ("correspondence", {"size": 19, "time_control": CORRESPONDENCE}),
    ("canadian", {"size": 19, "time_control": CANADIAN}),
    ("absolute 5 min", {"size": 9, "time_control": {"system": "absolute", "total_time": 300}}),
    ("no time limit", {"size": 9, "time_control": {"system": "none"}}),
]


async def _challenge_table(emulator: Emulator, daemon: Daemon, out: TextIO) -> int:
    """Send a spread of challenges and print what the bot's rules answer to each."""
    from ogsbot.sandbox.players import start_opponent

    rows: list[tuple[str, int]] = []
    for index, (label, settings) in enumerate(SPREAD):
        body = {
            "bot": BOT,
            "opponent": "resign",
            "username": f"challenger{index + 1}",
            "time_control": LIVE,
            **settings,
        }
        if "size" in settings:
            body["width"] = body["height"] = settings["size"]
        started = await start_opponent(emulator, body)
        rows.append((label, int(started["game_id"])))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        declined = {d["game_id"] for d in emulator.declines}
        if all(g in emulator.games or g in declined for _, g in rows):
            break
        await asyncio.sleep(0.1)
    print(f"{'challenge':26} {'answer':8} {'code':34} message", file=out)
    for label, game_id in rows:
        decline = next((d for d in emulator.declines if d["game_id"] == game_id), None)
        if game_id in emulator.games:
            print(f"{label:26} {'accept':8}", file=out)
        elif decline is not None:
            code = (decline.get("rejection_details") or {}).get("rejection_code") or ""
            print(f"{label:26} {'decline':8} {code:34} {decline['message']}", file=out)
        else:
            print(f"{label:26} {'no answer':8}", file=out)
    return 0
