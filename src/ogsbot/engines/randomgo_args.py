"""randomgo's GTP arguments read (vertices, colours, integers) and the standard handicap points.

Apart from the command set so that what a GTP argument may be, and where handicap stones go,
reads in one place; like the rest of randomgo it needs nothing but the standard library.
"""

from __future__ import annotations

import re

from .randomgo_board import COLUMNS, Point


class GtpError(Exception):
    """A command failed: the message becomes the ``?`` reply."""


def parse_vertex(text: str, size: int) -> Point | None:
    """A GTP vertex (any case) on a board of this size; None for pass; else GtpError."""
    match = re.fullmatch(r"([A-HJ-Za-hj-z])(\d{1,2})", text)
    if match is None:
        if text.lower() == "pass":
            return None
        raise GtpError("invalid color or coordinate")
    col = COLUMNS.index(match.group(1).upper())
    row = int(match.group(2)) - 1
    if not (0 <= row < size and col < size):
        raise GtpError("invalid color or coordinate")
    return (row, col)


def parse_colour(text: str) -> str:
    """``b``/``black``/``w``/``white`` (any case) -> ``'b'`` or ``'w'``."""
    lowered = text.lower()
    if lowered in ("b", "black"):
        return "b"
    if lowered in ("w", "white"):
        return "w"
    raise GtpError("invalid color")


def parse_int(text: str, message: str, minimum: int = 0) -> int:
    """A decimal integer >= minimum, else GtpError(message)."""
    if not re.fullmatch(r"[+-]?\d+", text):
        raise GtpError(message)
    value = int(text)
    if value < minimum:
        raise GtpError(message)
    return value


def fixed_handicap_points(size: int, count: int) -> list[Point]:
    """The standard handicap points GNU Go uses, or GtpError("invalid handicap").

    Boards from 7x7; 2..4 stones on 7x7 and even sizes, 2..9 on odd sizes from 9x9. The stones go
    on the third line up to 11x11 and on the fourth line from 12x12.
    """
    if size < 7 or count < 2:
        raise GtpError("invalid handicap")
    maximum = 9 if size % 2 == 1 and size >= 9 else 4
    if count > maximum:
        raise GtpError("invalid handicap")
    low = 3 if size >= 12 else 2
    high = size - 1 - low
    mid = size // 2
    lower_left, upper_right = (low, low), (high, high)
    upper_left, lower_right = (high, low), (low, high)
    centre = (mid, mid)
    left, right = (mid, low), (mid, high)
    top, bottom = (high, mid), (low, mid)
    points = [lower_left, upper_right]
    if count >= 3:
        points.append(upper_left)
    if count >= 4:
        points.append(lower_right)
    if count in (6, 7, 8, 9):
        points += [left, right]
    if count in (8, 9):
        points += [top, bottom]
    if count in (5, 7, 9):
        points.append(centre)
    return points
