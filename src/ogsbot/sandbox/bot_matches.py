"""`ogsbot sandbox --bots N`: N bot daemons on the emulator, each with matchmaking on, finding
each other and playing, so an operator sees what `matchmaking:` does before turning it on.

Each bot proposes the sandbox's board and clock to the others, one game at a time; what they
send, decline and play is printed as it happens, then the results and each bot's record.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import time
from pathlib import Path
from typing import TextIO

from ogsbot.bot.config import Config, MatchmakingConfig, SeekOffer
from ogsbot.bot.daemon import Daemon
from ogsbot.sandbox.demo import Options, bot_config, parse_time, progress_line
from ogsbot.sandbox.server import Emulator

STAGGER = 2.0  # s between the bots' first looks, so that they do not all ask at once
STALLED = 120.0  # s without a game starting or moving before the sandbox gives up


def matchmaking_config(config: Config, options: Options, number: int, record: Path) -> Config:
    """`config` with matchmaking on for the sandbox's game, one game at a time."""
    offer = SeekOffer(
        time_control=parse_time(options.time).to_json(),
        name="Sandbox bot game",
        width=options.size,
        rules="chinese",
    )
    matchmaking = MatchmakingConfig(
        games=(offer,),
        idle_after=STAGGER * number,
        reserve=0,
        cooldown=0,
        daily_limit=1000,
        wait=30,
        record=str(record),
    )
    challenges = dataclasses.replace(config.challenges, max_games=1)
    return dataclasses.replace(config, matchmaking=matchmaking, challenges=challenges)


def _record_path(options: Options, username: str) -> Path:
    """Each bot's own matchmaking record, beside the sandbox's SGFs."""
    return Path(options.sgf_dir).resolve() / f"{username}-matchmaking.json"


async def run_bots(options: Options, out: TextIO) -> int:
    """Run the bots until `options.games` games between them are over."""
    emulator = Emulator(stone_removal_timeout=30)
    accounts = [emulator.add_bot(f"sandbot{n + 1}", ranking=18 + n) for n in range(options.bots)]
    url = await emulator.start()
    print(f"OGS emulator at {url} (spectator page: {url}/)", file=out)
    daemons: list[Daemon] = []
    try:
        for number, account in enumerate(accounts):
            assert account.api_key is not None
            config = bot_config(options, url, account.api_key, out if not number else io.StringIO())
            record = _record_path(options, account.username)
            daemons.append(Daemon(matchmaking_config(config, options, number, record)))
    except Exception:
        await emulator.stop()
        raise
    names = ", ".join(a.username for a in accounts)
    print(f"bots: {names}; each proposes {options.size}x{options.size} {options.time}", file=out)
    runners = [asyncio.create_task(d.run(handle_signals=False)) for d in daemons]
    try:
        await asyncio.gather(*(asyncio.wait_for(d.ready.wait(), 60) for d in daemons))
        trouble = await _watch(emulator, daemons, runners, options.games, out)
        if trouble is not None:
            print(f"stopped: {trouble}", file=out)
            return 1
        return _results(emulator, daemons, out)
    finally:
        for daemon in daemons:
            daemon.stop()  # the games are over (or abandoned): this returns soon
        for runner in runners:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(runner, 30)
        await emulator.stop()


async def _watch(
    emulator: Emulator,
    daemons: list[Daemon],
    runners: list[asyncio.Task[int]],
    games: int,
    out: TextIO,
) -> str | None:
    """Print challenges, declines and games as they come, until `games` games are over;
    what went wrong when a bot stopped or no game moved for STALLED seconds."""
    told: set[tuple[str, int]] = set()
    seen_games: list[int] = []
    declines = 0
    last_print = 0.0
    moved, last_moves = time.monotonic(), -1
    while sum(1 for g in seen_games if emulator.games[g].finished) < games:
        await asyncio.sleep(0.2)
        if any(runner.done() for runner in runners):
            return "a bot stopped (run with -v to see why)"
        moves = sum(r.state.move_number for r in emulator.games.values()) + len(seen_games)
        if moves != last_moves:
            moved, last_moves = time.monotonic(), moves
        elif time.monotonic() - moved > STALLED:
            return f"no game started or moved for {STALLED:g} s"
        for daemon in daemons:
            me = daemon.client.realtime.user.get("username") if daemon.client.realtime else "?"
            record = daemon.record()
            for sent in record.data.sent if record is not None else []:
                if (str(me), sent.challenge) not in told:
                    told.add((str(me), sent.challenge))
                    what = f"challenge {sent.challenge}" if sent.challenge else "its post failed"
                    print(f"{me} challenged {sent.username} ({what})", file=out)
        for decline in emulator.declines[declines:]:
            code = (decline.get("rejection_details") or {}).get("rejection_code") or ""
            by, challenger = (_name(emulator, decline[key]) for key in ("by", "challenger"))
            print(f"  {by} declined {challenger}: {decline['message']} ({code})", file=out)
        declines = len(emulator.declines)
        for game_id, referee in emulator.games.items():
            if game_id not in seen_games:
                seen_games.append(game_id)
                print(
                    f"game {game_id}: {referee.black.username} (black) vs "
                    f"{referee.white.username} (white)",
                    file=out,
                )
        now = time.time()
        if now - last_print >= 1.0:
            last_print = now
            for game_id in seen_games:
                if not emulator.games[game_id].finished:
                    print(progress_line(emulator.games[game_id], now), file=out, flush=True)
    return None


def _name(emulator: Emulator, account_id: int) -> str:
    account = emulator.accounts.by_id.get(account_id)
    return account.username if account is not None else str(account_id)


def _results(emulator: Emulator, daemons: list[Daemon], out: TextIO) -> int:
    print("", file=out)
    print(f"{'game':>8}  {'black':12} {'white':12} {'moves':>5}  result", file=out)
    for game_id, referee in emulator.games.items():
        if not referee.finished:
            continue
        winner = referee.color_of(referee.winner) if referee.winner is not None else None
        result = (f"{winner.upper()}+" if winner else "") + referee.outcome
        print(
            f"{game_id:>8}  {referee.black.username:12} {referee.white.username:12}"
            f" {referee.state.move_number:>5}  {result}",
            file=out,
        )
    records: dict[int, Path] = {}
    for daemon in daemons:
        record = daemon.record()
        if record is None:
            continue
        print(
            f"{record.path}: {len(record.data.sent)} challenge(s) sent, "
            f"{len(record.data.declines)} decline(s)",
            file=out,
        )
        records.update(daemon.records)
    for _, path in sorted(records.items()):
        print(f"SGF: {path}", file=out)
    return 0
