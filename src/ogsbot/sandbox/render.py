"""A game as SGF and as a PNG picture, for `/api/v1/games/<id>/sgf` and `/png`.

SGF is written by hand rather than through sgfmill because OGS boards may be non-square
(`SZ[7:9]`), which sgfmill cannot write; tests read square games back with sgfmill. The PNG
encoder is a few lines of zlib: no imaging library is needed for a board.
"""

from __future__ import annotations

import struct
import time
import zlib
from typing import TYPE_CHECKING

from ogsbot.ogs.coords import xy_to_ogs

if TYPE_CHECKING:
    from ogsbot.sandbox.referee import Referee

_RESULT_WORDS = {"Resignation": "R", "Timeout": "T", "Cancellation": "Void"}


def sgf_text(value: str) -> str:
    """An SGF text value with `]` and `\\` escaped."""
    return value.replace("\\", "\\\\").replace("]", "\\]")


def sgf_result(winner_color: str | None, outcome: str) -> str:
    """OGS's outcome as SGF's RE: B+R, W+T, B+3.5, 0 (jigo), Void."""
    if winner_color is None:
        return "0" if outcome.endswith("points") else "Void"
    if outcome.endswith(" points"):
        return f"{winner_color}+{outcome.split()[0]}"
    return f"{winner_color}+{_RESULT_WORDS.get(outcome, outcome[:1] or '?')}"


def game_sgf(referee: Referee) -> bytes:
    """The game so far as SGF (FF[4]), result included once it is over."""
    s = referee.settings
    w, h = s.width, s.height
    size = f"{w}" if w == h else f"{w}:{h}"
    props = [
        "FF[4]",
        "GM[1]",
        "CA[UTF-8]",
        "AP[ogsbot sandbox]",
        f"SZ[{size}]",
        f"KM[{s.komi:g}]",
        f"HA[{s.handicap}]",
        f"RU[{sgf_text(s.rules.capitalize())}]",
        f"PB[{sgf_text(referee.black.username)}]",
        f"PW[{sgf_text(referee.white.username)}]",
        f"GN[{sgf_text(s.name)}]",
        f"DT[{time.strftime('%Y-%m-%d', time.gmtime(referee.start_time))}]",
        f"GC[game {referee.game_id}]",
    ]
    if referee.initial_black:
        props.append("AB" + "".join(f"[{xy_to_ogs(p, w, h)}]" for p in referee.initial_black))
    if referee.finished:
        winner = referee.color_of(referee.winner) if referee.winner is not None else None
        props.append(f"RE[{sgf_result(winner.upper() if winner else None, referee.outcome)}]")
    nodes = []
    for color, point in referee.state.moves:
        vertex = xy_to_ogs(point, w, h) if point is not None else ""
        nodes.append(f";{color.upper()}[{vertex}]")
    return ("(;" + "".join(props) + "".join(nodes) + ")\n").encode()


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
