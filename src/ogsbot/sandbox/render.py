"""A game as SGF and as a PNG picture, for `/api/v1/games/<id>/sgf` and `/png`.

The PNG encoder is a few lines of zlib: no imaging library is needed for a board.
"""

from __future__ import annotations

import struct
import time
import zlib
from typing import TYPE_CHECKING

from ogsbot.ogs import sgf
from ogsbot.ogs.models import GameData

if TYPE_CHECKING:
    from ogsbot.sandbox.referee import Referee


def game_sgf(referee: Referee) -> bytes:
    """The game so far as SGF, through the same writer the bot uses for its records."""
    gamedata = GameData.from_json(referee.gamedata(time.time()))
    return sgf.game_sgf(gamedata, application="ogsbot sandbox").encode()


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def board_png(referee: Referee, cell: int = 20) -> bytes:
    """The current position as a PNG: wood, grid lines and stones."""
    w, h = referee.settings.width, referee.settings.height
    width, height = (w + 1) * cell, (h + 1) * cell
    wood, line, black, white = (220, 179, 92), (40, 30, 10), (10, 10, 10), (245, 245, 245)
    pixels = [[wood] * width for _ in range(height)]
    for i in range(w):
        x = (i + 1) * cell
        for y in range(cell, h * cell + 1):
            pixels[y][x] = line
    for j in range(h):
        y = (j + 1) * cell
        for x in range(cell, w * cell + 1):
            pixels[y][x] = line
    radius = cell * 0.45
    board = referee.state.board
    for (px, py), color in board.stones():
        cx, cy = (px + 1) * cell, (py + 1) * cell
        fill = black if color == "b" else white
        for y in range(int(cy - radius), int(cy + radius) + 1):
            for x in range(int(cx - radius), int(cx + radius) + 1):
                if (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius:
                    pixels[y][x] = fill
    rows = [bytes(c for pixel in row for c in pixel) for row in pixels]
    return _png(width, height, rows)
