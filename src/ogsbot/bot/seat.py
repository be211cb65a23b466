"""The bot's seat in a game, read from the server's state: its colour, its stones, a pause."""

from __future__ import annotations

from ogsbot.ogs.board import Color
from ogsbot.ogs.coords import Point
from ogsbot.ogs.game import Game


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
