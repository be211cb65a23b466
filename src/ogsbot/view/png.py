"""A board as a PNG picture: wood, grid lines and stones, with no imaging library.

The PNG encoder is a few lines of zlib.
"""

from __future__ import annotations

import struct
import zlib

from ogsbot.ogs.board import Board

WOOD, LINE, BLACK, WHITE = (220, 179, 92), (40, 30, 10), (10, 10, 10), (245, 245, 245)


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


def board_png(board: Board, cell: int = 20) -> bytes:
    """The position as a PNG, `cell` pixels from one line to the next."""
    w, h = board.width, board.height
    width, height = (w + 1) * cell, (h + 1) * cell
    pixels = [[WOOD] * width for _ in range(height)]
    for i in range(w):
        x = (i + 1) * cell
        for y in range(cell, h * cell + 1):
            pixels[y][x] = LINE
    for j in range(h):
        y = (j + 1) * cell
        for x in range(cell, w * cell + 1):
            pixels[y][x] = LINE
    radius = cell * 0.45
    for (px, py), color in board.stones():
        cx, cy = (px + 1) * cell, (py + 1) * cell
        fill = BLACK if color == "b" else WHITE
        for y in range(int(cy - radius), int(cy + radius) + 1):
            for x in range(int(cx - radius), int(cx + radius) + 1):
                if (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius:
                    pixels[y][x] = fill
    rows = [bytes(c for pixel in row for c in pixel) for row in pixels]
    return _png(width, height, rows)
