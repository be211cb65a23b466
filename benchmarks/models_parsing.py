"""Parsing OGS payloads: 2,000 gamedata and one 1,000-move game, to and from JSON.

The figures issue #14 asks for before and after the protocol models change (hand-written
parsing today; pydantic or msgspec perhaps tomorrow). The payloads are made here, as the
emulator sends them, so no file is needed: 2,000 19x19 gamedata of 0 to 300 random moves,
and one 19x19 game of 1,000 moves (random legal moves, captures included). Prints the
median of several runs for each measure.

    .venv/bin/python benchmarks/models_parsing.py [--runs 7] [--games 2000] [--moves 1000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from ogsbot.ogs.board import Color, GameState
from ogsbot.ogs.models import GameData, TimeControl
from ogsbot.sandbox.accounts import Accounts
from ogsbot.sandbox.referee import GameSettings, Referee

JSON = dict[str, Any]


def settings() -> GameSettings:
    tc = TimeControl.from_json(
        {"system": "fischer", "initial_time": 600, "time_increment": 10, "max_time": 1200}
    )
    return GameSettings(
        width=19,
        height=19,
        rules="japanese",
        komi=6.5,
        handicap=0,
        free_handicap_placement=False,
        time_control=tc.with_speed(19, 19),
    )


def many_gamedata(count: int, rng: random.Random) -> list[JSON]:
    """`count` gamedata payloads of 0 to 300 random moves, as the emulator sends them."""
    accounts = Accounts()
    black, white = accounts.add("black"), accounts.add("white", is_bot=True)
    out = []
    for game_id in range(1, count + 1):
        referee = Referee(game_id, black, white, settings(), time.time())
        referee.random_moves(rng.randint(0, 300), rng)
        out.append(json.loads(json.dumps(referee.gamedata(time.time()))))
    return out


def long_game(moves: int, rng: random.Random) -> JSON:
    """One gamedata of `moves` random legal moves (eyes filled, so stones get captured)."""
    accounts = Accounts()
    referee = Referee(1, accounts.add("black"), accounts.add("white"), settings(), time.time())
    state = GameState(19, 19)
    played: list[Any] = []
    color: Color = "b"
    while len(played) < moves:
        legal = state.legal_moves(color)
        point = rng.choice(legal) if legal else None
        state.play(color, point)
        played.append(point)
        color = "w" if color == "b" else "b"
    referee.play_setup(played)
    return json.loads(json.dumps(referee.gamedata(time.time())))  # type: ignore[no-any-return]


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--games", type=int, default=2000)
    parser.add_argument("--moves", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    payloads = many_gamedata(args.games, rng)
    game = long_game(args.moves, rng)
    parsed = [GameData.from_json(p) for p in payloads]
    long_parsed = GameData.from_json(game)
    assert len(long_parsed.moves) == args.moves
    assert all(GameData.from_json(g.to_json()) == g for g in parsed[:50])

    figures = [
        (
            f"{args.games} gamedata: from_json",
            median_seconds(lambda: [GameData.from_json(p) for p in payloads], args.runs),
        ),
        (
            f"{args.games} gamedata: to_json",
            median_seconds(lambda: [g.to_json() for g in parsed], args.runs),
        ),
        (
            f"one {args.moves}-move game: from_json",
            median_seconds(lambda: GameData.from_json(game), args.runs),
        ),
        (
            f"one {args.moves}-move game: to_json",
            median_seconds(long_parsed.to_json, args.runs),
        ),
    ]
    moves = sum(len(p.get("moves") or []) for p in payloads)
    print(f"models parsing: median of {args.runs} runs; {moves} moves in the {args.games} gamedata")
    for label, seconds in figures:
        print(f"  {label:40} {seconds * 1000:9.2f} ms")


if __name__ == "__main__":
    main()
