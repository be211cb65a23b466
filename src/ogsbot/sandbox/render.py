"""A game as SGF and as a PNG picture, for `/api/v1/games/<id>/sgf` and `/png`."""

from __future__ import annotations

import time

from ogsbot import view
from ogsbot.ogs import sgf
from ogsbot.ogs.models import GameData
from ogsbot.sandbox.referee import Referee


def game_sgf(referee: Referee) -> bytes:
    """The game so far as SGF, through the same writer the bot uses for its records."""
    gamedata = GameData.from_json(referee.gamedata(time.time()))
    return sgf.game_sgf(gamedata, application="ogsbot sandbox").encode()


def board_png(referee: Referee, cell: int = 20) -> bytes:
    """The current position as a PNG (`ogsbot.view.board_png`)."""
    return view.board_png(referee.state.board, cell)
