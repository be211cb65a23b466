"""The daemon (`ogsbot run`) with fixes proposed by the benchmarks applied, to measure them.

Nothing under src/ is changed: each fix is applied to the imported modules before the daemon
starts, exactly as the report proposes it for the source. Used by many_games.py and
bridge_overhead.py with `--patch NAME[,NAME...]`; by hand:

    .venv/bin/python benchmarks/patched_daemon.py --patch pool-label,fast-moves -- run -c bot.yaml

Fixes (pool-label and wakeup have since landed in src/, the same way: with them the patch
changes nothing; they stay so that an older checkout can be measured):
  pool-label   ogsbot.bot.session.engine_spec: the label of a pooled engine no longer carries
               the game id. EngineSpec compares its label, so each game got a pool of its own
               (one process per game, never stopped); the proposed source fix is
               `label: str = field(default="engine", compare=False)` in EngineSpec.
  fast-moves   GameData.to_move / move_colors: without free handicap stones the colours simply
               alternate, so no Python loop over every move of the game on every event and turn.
  active-game  Daemon._on_active_game: a push about a game already being played is dropped
               before it is parsed (it was parsed, then dropped).
  target-cache GameSession._target: the game's moves as GTP are kept and extended by the new
               moves (checked by the identity of the last Move), instead of being rebuilt from
               the first move on every turn.
  wakeup       GameSession._loop: the `await asyncio.sleep(0)` after `_step()` only when the
               step acted. After a step that found nothing to do, the sleep let the very
               event it waits for (the opponent's move) be handled before `next_event` began
               to wait, so the session slept until the next event or its 5 s timeout.
  pipeline     GameSession._think: the opponent's move (`play`), the clock commands and
               `genmove` go to the engine in one pipelined batch: one round trip per turn
               instead of three. (A refused clock command is ignored here; the source fix
               would fall back to the next group on the next turn, as first_accepted does.)
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

FIXES = ("pool-label", "fast-moves", "active-game", "target-cache", "wakeup", "pipeline")


def pool_label() -> None:
    import dataclasses

    from ogsbot.bot import session

    original = session.engine_spec

    def engine_spec(engine: Any, label: str) -> Any:
        spec = original(engine, label)
        return dataclasses.replace(spec, label="engine-pool") if spec.pool_size else spec

    session.engine_spec = engine_spec


def fast_moves() -> None:
    from ogsbot.ogs.models import GameData

    loop_to_move = GameData.to_move
    loop_move_colors = GameData.move_colors

    def alternating(gd: GameData) -> bool:
        return not gd.free_handicap_placement or gd.handicap <= 0

    def to_move(self: GameData) -> Any:
        if not alternating(self):
            return loop_to_move(self)
        first = self.initial_player
        return first if len(self.moves) % 2 == 0 else ("white" if first == "black" else "black")

    def move_colors(self: GameData) -> Any:
        if not alternating(self):
            return loop_move_colors(self)
        first = self.initial_player
        second = "white" if first == "black" else "black"
        n = len(self.moves)
        return ((first, second) * (n // 2 + 1))[:n]

    GameData.to_move = to_move  # type: ignore[method-assign]
    GameData.move_colors = move_colors  # type: ignore[method-assign]


def active_game() -> None:
    from ogsbot.bot.daemon import Daemon

    original = Daemon._on_active_game

    def on_active_game(self: Daemon, event: str, data: Any) -> None:
        if isinstance(data, dict) and data.get("id") in self.games:
            return
        original(self, event, data)

    Daemon._on_active_game = on_active_game  # type: ignore[method-assign]


def target_cache() -> None:
    from ogsbot.bot import session as s
    from ogsbot.ogs.coords import xy_to_gtp
    from ogsbot.ogs.models import GameData

    def target(self: s.GameSession, gd: GameData) -> s.Position:
        moves = gd.moves
        setup = self._setup(gd)
        known: tuple[tuple[str, str], ...] = ()
        cache = getattr(self, "_bench_target", None)
        if cache is not None:
            game_id, cached_setup, last, cached = cache
            n = len(cached)
            same = game_id == gd.game_id and cached_setup == setup
            if same and 0 < n <= len(moves) and moves[n - 1] is last:
                known = cached
        colors = gd.move_colors()
        new = tuple(
            (
                "B" if colors[i] == "black" else "W",
                "pass" if move.is_pass else xy_to_gtp((move.x, move.y), gd.width, gd.height),
            )
            for i, move in enumerate(moves[len(known) :], start=len(known))
        )
        result = known + new
        if moves:
            self._bench_target = (gd.game_id, setup, moves[-1], result)  # type: ignore[attr-defined]
        return s.Position(gd.game_id, setup, result)

    s.GameSession._target = target  # type: ignore[method-assign]


def wakeup() -> None:
    import asyncio
    import contextlib

    from ogsbot.bot.session import GameSession

    async def loop(self: GameSession) -> None:
        game = self.game
        realtime = game.realtime
        self._greet()
        while not game.finished:
            if not realtime.connected:
                await realtime.wait_connected()
                continue
            if await self._step():
                await asyncio.sleep(0)  # an action never starves the loop
                continue
            with contextlib.suppress(TimeoutError):
                await game.next_event(5.0)  # nothing awaited since the step's check
        self._farewell()
        self._log.info("game {} over: {} ({})", self.game_id, self._result_text(), game.outcome)

    GameSession._loop = loop  # type: ignore[method-assign]


def pipeline() -> None:
    import contextlib

    from ogsbot.bot import session as s
    from ogsbot.gtp.clock import time_commands
    from ogsbot.gtp.errors import IllegalMove
    from ogsbot.ogs.board import Color
    from ogsbot.ogs.coords import RESIGN, parse_gtp_move

    async def think(self: s.GameSession, engine_config: Any) -> list[Any]:
        game = self.game
        gd = game.gamedata
        state = game.state
        assert gd is not None and state is not None
        color: Color = "b" if self._my_color() == "black" else "w"
        left = gd.handicap_moves_left()
        if color == "b" and left >= 2 and left == gd.handicap:
            return await original(self, engine_config)  # free handicap: as before
        spec = s.engine_spec(engine_config, f"engine-{self.game_id}")
        async with self.manager.lease(self.game_id, spec, self._on_stderr) as handle:
            engine = handle.engine
            if not self.engine_name:
                self.engine_name = engine_config.name or f"{engine.name} {engine.version}".strip()
            # What _sync would send, without sending it.
            target = self._target(gd)
            have = handle.position
            same = isinstance(have, s.Position) and have.game_id == target.game_id
            if (
                same
                and have.setup == target.setup
                and target.moves[: len(have.moves)] == have.moves
            ):
                sync = [f"play {c} {v}" for c, v in target.moves[len(have.moves) :]]
            else:
                sync = self._replay_commands(handle, gd, target)
            clock: list[str] = []
            if engine_config.send_time:
                entry, elapsed = None, 0.0
                if game.clock is not None:
                    with contextlib.suppress(ValueError):
                        entry = game.clock.entry("black" if color == "b" else "white")
                    if game.clock.last_move and not self._paused():
                        elapsed = game.realtime.server_time() - game.clock.last_move / 1000
                groups = time_commands(
                    gd.time_control,
                    entry,
                    color,
                    elapsed=elapsed,
                    margin=engine_config.time_margin,
                    kata_systems=engine.kata_time_systems,
                )
                known = [g for g in groups if g and engine.knows(g[0].split(None, 1)[0])]
                clock = list(known[0]) if known else []
            timeout = self._genmove_timeout(engine_config) + len(sync) * 0.05
            command = f"genmove {color.upper()}"
            self.last_analysis = None
            replies = await engine.batch([*sync, *clock, command], timeout=timeout, check=False)
            for answer in replies[: len(sync)]:
                answer.check()
            handle.position = target
            reply = replies[-1].check()
            try:
                move = parse_gtp_move(reply, gd.width, gd.height)
            except ValueError as exc:
                error = IllegalMove(command, reply, str(exc))
            else:
                if move is None or move is RESIGN or state.is_legal(color, move):
                    if move is not RESIGN:
                        handle.position = self._extend(handle.position, color, move, gd)
                    return [move]
                error = IllegalMove(command, reply, "the move is not legal in this position")
            engine._break(error)
            raise error

    original = s.GameSession._think
    s.GameSession._think = think  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patch", default="", help=f"comma-separated: {', '.join(FIXES)}")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="-- then ogsbot's arguments")
    args = parser.parse_args()
    chosen = [name for name in args.patch.split(",") if name]
    for name in chosen:
        if name not in FIXES:
            raise SystemExit(f"unknown fix {name!r}: {', '.join(FIXES)}")
        {
            "pool-label": pool_label,
            "fast-moves": fast_moves,
            "active-game": active_game,
            "target-cache": target_cache,
            "wakeup": wakeup,
            "pipeline": pipeline,
        }[name]()
    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    from ogsbot.cli import main as ogsbot_main

    sys.exit(ogsbot_main(rest))


if __name__ == "__main__":
    main()
