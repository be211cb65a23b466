"""Soak: hundreds of games through the emulator with faults injected at random, bounded in time.

The bot daemon (its own process, randomgo behind a wrapper that makes the engine crash or
hang at random genmoves: --crash-rate and --hang-rate per genmove) plays --games 9x9 games,
--parallel at a time, against instant random opponents (one more process), while this
process runs the emulator and injects, at random (seeded) moments: dropped connections (the
bot's, or everyone's), server restarts (games kept through the emulator's state file),
duplicated, delayed and malformed frames (gamedata that cannot be a game among them), REST
429 (with and without Retry-After) and 5xx answers, windows in which the server refuses the
bot's moves, and kill -9 of the daemon (started again with a burst of challenges waiting).
Half the bot's games that reach stone removal get hostile marks (the opponent marks every
stone of the bot's dead); engines may also babble (an endless reply) or leave a child holding
their pipes and crash (--babble-rate, --orphan-rate). Time controls are short enough
that a hung engine (killed when the bot's clock is nearly out) costs seconds, not minutes.
The bot is a real daemon process (`python -m ogsbot.cli run -c <generated config>`, its log
at DEBUG).

It prints the counts (games started / finished / with a good SGF, how each ended, faults by
kind, engine failures and restarts, reconnects, time losses, resignations caused by failures,
the daemon's memory at each checkpoint, log lines scanned and secret hits) and checks:

- every game started finishes, and no challenge is left unanswered;
- every finished game has its SGF (`<id>-*.sgf`, not `-incomplete`), which sgfmill reads, with
  the server's number of moves and winner;
- the bot loses no game on time, and the daemon neither dies nor leaves engine processes
  behind (none per game once the games are over; a pool keeps its own);
- the daemon's memory does not grow without bound: over the second half of the games (same
  load), its resident memory grows less than --max-growth MB;
- never more bot games at once than max_games (bursts and restarts included); no game scored
  with the bot's stones dead on hostile marks; at most 6 tries of a move per refusal window;
  no engine child left alive;
- the bot's API key (or a 12-character piece of it) appears nowhere in the daemon's stderr, its
  log file or the SGF files.

Exit status 1 with a line per failed requirement ("FAILED: ...") if any fails, else 0.

    .venv/bin/python benchmarks/soak.py [--games 300] [--parallel 12] [--seconds 600]
        [--seed 1] [--fault-interval 1.0] [--crash-rate 0.005] [--hang-rate 0.001]
        [--manager per_game|pool|analysis] [--log-level DEBUG] [--keep]

--seconds bounds the time in which games are started; games in play then get --grace more
seconds to finish. The default run takes about 2-5 minutes on 2 cores (more when the
machine is busy). The child role
`opponents` (this file run as `soak.py opponents ...`) is started by the script itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil

from harness import BOT, cancel_on_sigterm, machine_load
from soak_report import report
from soak_run import opponents, run


async def main_async(args: argparse.Namespace) -> int:
    cancel_on_sigterm()
    print(machine_load(), flush=True)
    result = await run(args)
    bot_id = 0
    if result.games:
        first = result.games[0]
        bot_id = first.black.id if first.black.username == BOT else first.white.id
    failures = report(args, result, bot_id)
    print()
    for failure in failures:
        print(f"FAILED: {failure}")
    if not failures:
        print("OK: every requirement met")
        if not args.keep:
            shutil.rmtree(result.workdir, ignore_errors=True)
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    roles = parser.add_subparsers(dest="role")
    opp = roles.add_parser("opponents", help="(internal) the opponents' process")
    opp.add_argument("--url", required=True)
    opp.add_argument("--slots", type=int, default=1)
    opp.add_argument("--games", type=int, default=1)
    opp.add_argument("--seconds", type=float, default=600)
    opp.add_argument("--game-timeout", type=float, default=300)
    opp.add_argument("--seed", type=int, default=1)
    parser.add_argument("--games", type=int, default=300, help="games to play in all")
    parser.add_argument("--parallel", type=int, default=12, help="games at once")
    parser.add_argument("--seconds", type=float, default=600, help="no new game after this")
    parser.add_argument("--grace", type=float, default=120, help="then for games to finish")
    parser.add_argument("--game-timeout", type=float, default=300, help="bound on one game, s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--fault-interval", type=float, default=1.0, help="mean seconds between faults"
    )
    parser.add_argument(
        "--crash-rate", type=float, default=0.005, help="chance a genmove crashes the engine"
    )
    parser.add_argument(
        "--hang-rate", type=float, default=0.001, help="chance a genmove hangs the engine"
    )
    parser.add_argument(
        "--babble-rate", type=float, default=0.002, help="chance of an endless reply"
    )
    parser.add_argument(
        "--orphan-rate",
        type=float,
        default=0.002,
        help="chance the engine starts a child holding its pipes, then crashes",
    )
    parser.add_argument("--manager", choices=("per_game", "pool", "analysis"), default="per_game")
    parser.add_argument("--max-growth", type=float, default=10.0, help="MB, second half")
    parser.add_argument("--log-level", default="DEBUG", help="the daemon's log level")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder when OK")
    args = parser.parse_args()
    if args.role == "opponents":
        print(json.dumps(asyncio.run(opponents(args))), flush=True)
        return
    try:
        code = asyncio.run(main_async(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        raise SystemExit("interrupted (its processes were stopped)") from None
    raise SystemExit(code)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
