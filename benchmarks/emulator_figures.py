"""What the timed emulator noted, read: the bot's moves, their latency, how games ended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]


@dataclass
class BotMove:
    """One move of the bot as the server received it."""

    game_id: int
    number: int  # the move's number in the game (1 = first move)
    at: float  # perf_counter when the frame reached the server
    latency_ms: float | None  # since the opponent's move was sent to the bot
    left_s: float | None  # clock time the bot still had when its move arrived (before increment)


@dataclass
class Refused:
    game_id: int
    text: str


def latencies(emulator: Any) -> list[float]:
    moves: list[BotMove] = emulator.bot_moves
    return [m.latency_ms for m in moves if m.latency_ms is not None]


def steady_latencies(moves: Sequence[BotMove], *, first: bool = False) -> list[float]:
    """The latencies of these moves but each game's first (that one waits for an engine
    start unless a spare is ready); with `first`, those of each game's first alone."""
    firsts: dict[int, BotMove] = {}
    for move in moves:
        firsts.setdefault(move.game_id, move)
    return [
        m.latency_ms
        for m in moves
        if m.latency_ms is not None and (firsts[m.game_id] is m) == first
    ]


def outcomes(emulator: Any, game_ids: Sequence[int] | None = None) -> JSON:
    """How the bot's games ended: totals, time losses, resignations, unfinished."""
    bot_id: int = emulator.bot_id
    games = [
        r
        for r in emulator.games.values()
        if bot_id in (r.black.id, r.white.id) and (game_ids is None or r.game_id in game_ids)
    ]
    result: JSON = {"games": len(games), "finished": 0, "bot_won": 0, "moves": 0}
    result.update(bot_time_losses=0, opp_time_losses=0, bot_resigned=0, unfinished=[])
    for r in games:
        result["moves"] += r.state.move_number
        if not r.finished:
            result["unfinished"].append(r.game_id)
            continue
        result["finished"] += 1
        if r.winner == bot_id:
            result["bot_won"] += 1
        elif r.outcome == "Timeout":
            result["bot_time_losses"] += 1
        elif r.outcome == "Resignation":
            result["bot_resigned"] += 1
        if r.outcome == "Timeout" and r.winner == bot_id:
            result["opp_time_losses"] += 1
    return result
