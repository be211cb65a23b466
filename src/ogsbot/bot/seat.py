"""The bot's seat in a game, read from the server's state: its colour, its stones, a pause,
its turn."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from ogsbot.ogs.board import Color
from ogsbot.ogs.coords import Point
from ogsbot.ogs.game import Game
from ogsbot.ogs.game_state import GameState
from ogsbot.ogs.models import GameData


def my_color(game: Game) -> str | None:
    """ "black" or "white" (None before the game's data has come)."""
    gd = game.gamedata
    return gd.color_of(game.my_id) if gd is not None else None


def my_stones(game: Game) -> set[Point]:
    """The points where the bot has stones now."""
    state, mine = game.state, my_color(game)
    if state is None or mine is None:
        return set()
    color: Color = "b" if mine == "black" else "w"
    return {point for point, stone in state.board.stones() if stone == color}


def is_paused(game: Game) -> bool:
    """Whether the game is paused, by its clock or its pause control."""
    gd = game.gamedata
    clock = game.clock
    if clock is not None and clock.pause is not None and clock.pause.paused:
        return True
    return bool(gd is not None and gd.pause_control and "paused" in gd.pause_control)


def my_turn(game: Game) -> bool:
    """By the server's word (`Game.my_turn`: the clock's `current_player` while no move
    has come since it, else the moves), never while the game is paused."""
    return game.gamedata is not None and game.my_turn and not is_paused(game)


def to_play_now(game: Game) -> bool:
    """Whether the bot is to move in a game in play (re-read after an engine was waited
    for: the game may have moved on or ended meanwhile)."""
    return my_turn(game) and game.phase == "play"


def turn_position(game: Game) -> tuple[GameData, GameState, int, Color] | None:
    """The game, its position, its move number and the bot's colour when the bot is to
    play now; None otherwise (the game moved on, or ended, while the turn waited)."""
    gd, state, number = game.gamedata, game.state, game.move_number
    if gd is None or state is None or not to_play_now(game):
        return None
    return gd, state, number, "b" if my_color(game) == "black" else "w"


def moved_on(game: Game, gd: GameData, number: int, before: GameState | None) -> bool:
    """Whether the game is no longer at the position a turn began with. Fresh gamedata
    with the same moves (a reconnect's re-join) leaves the answer good."""
    if game.resyncing or game.move_number != number:
        return True
    return game.state is not before and (game.gamedata is None or game.gamedata.moves != gd.moves)


T = TypeVar("T")


async def while_in_play(game: Game, work: Awaitable[T]) -> tuple[bool, T | None]:
    """(True, what `work` gives), or (False, None) with `work` cancelled when the game
    leaves play first (two passes, or a resignation learnt late): a search or a genmove
    for a game that no longer needs a move is not waited for."""
    thinking = asyncio.ensure_future(work)
    ended = asyncio.ensure_future(game.wait_for(lambda g: g.finished or g.phase != "play"))
    done: set[asyncio.Future[Any]] = set()
    try:
        done, _ = await asyncio.wait({thinking, ended}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ended.cancel()
        if not thinking.done():
            thinking.cancel()
            await asyncio.gather(thinking, return_exceptions=True)
    if thinking in done:
        return True, thinking.result()
    return False, None
