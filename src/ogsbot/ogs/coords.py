"""Move encodings: OGS letters, GTP vertices, (x, y) points and sgfmill (row, col).

The common currency is a *point* ``(x, y)``: ``x`` is the column counted from
the left and ``y`` the row counted from the top, both from 0.  This is the
layout OGS uses.  A pass is ``None``; a resignation (which only GTP can
express) is the ``RESIGN`` constant.

Encodings:

- OGS: two lowercase letters ``"xy"`` from ``a`` (0) upwards, *including*
  ``i``, so ``"dp"`` is (3, 15).  A pass is ``".."``.  Packed strings (OGS
  ``initial_state`` and ``removed``) concatenate pairs, e.g. ``"ddpp"``.  Moves
  in game data arrive as ``[x, y, ms, ...]`` arrays, with ``[-1, -1, ...]`` for
  a pass.
- GTP: a column letter from ``ABCDEFGHJKLMNOPQRSTUVWXYZ`` (no ``I``) then the
  row number counted from the *bottom*, starting at 1; on 19x19 ``"D16"`` is
  (3, 3).  ``pass`` and ``resign`` are special.  Parsing is case-insensitive.
- sgfmill: ``(row, col)`` with row 0 the *bottom* line and col 0 column A.

Boards may be non-square; width and height are each 1..25.  Every function
takes ``width`` and an optional ``height`` (defaulting to ``width``).

Bad values (garbage, off-board points, bad board sizes) raise ``ValueError``;
arguments of the wrong Python type raise ``TypeError``.  Messages name the
offending input and the board size.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from typing import Final, TypeAlias

__all__ = [
    "GTP_COLUMNS",
    "MAX_BOARD_SIZE",
    "OGS_PASS",
    "RESIGN",
    "GtpMove",
    "Point",
    "Resign",
    "gtp_to_ogs",
    "gtp_to_xy",
    "ogs_move_to_xy",
    "ogs_to_gtp",
    "ogs_to_xy",
    "pack_ogs",
    "parse_gtp_move",
    "sgf_to_xy",
    "unpack_ogs",
    "xy_to_gtp",
    "xy_to_ogs",
    "xy_to_sgf",
]

Point: TypeAlias = tuple[int, int]
"""A board point (x, y): column from the left, row from the top, both from 0."""


class Resign(enum.Enum):
    """Marker type for a GTP resignation; use the ``RESIGN`` constant."""

    RESIGN = "resign"


RESIGN: Final = Resign.RESIGN
"""What ``parse_gtp_move`` returns for ``resign``; compare with ``is``."""

GtpMove: TypeAlias = Point | Resign | None
"""Anything a GTP engine can answer to genmove: a point, a pass or a resignation."""

MAX_BOARD_SIZE: Final = 25
"""Largest width or height: GTP has only 25 column letters."""

GTP_COLUMNS: Final = "ABCDEFGHJKLMNOPQRSTUVWXYZ"
"""GTP column letters, left to right; there is no I."""

OGS_PASS: Final = ".."
"""The OGS encoding of a pass."""

_OGS_LETTERS: Final = "abcdefghijklmnopqrstuvwxy"
_GTP_VERTEX_RE: Final = re.compile(r"([a-z])([0-9]+)", re.ASCII | re.IGNORECASE)


def _board(width: int, height: int | None) -> tuple[int, int]:
    """Check a board size and resolve the default height; return (width, height)."""
    if height is None:
        height = width
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"board {name} must be an int, not {type(value).__name__}: {value!r}")
    if not (1 <= width <= MAX_BOARD_SIZE and 1 <= height <= MAX_BOARD_SIZE):
        raise ValueError(
            f"board size {width}x{height} is not supported: "
            f"width and height must be 1..{MAX_BOARD_SIZE}"
        )
    return width, height


def _check_point(point: object, width: int, height: int) -> Point:
    """Check that point is an (x, y) tuple of ints on the board; return it."""
    if not (
        isinstance(point, tuple)
        and len(point) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in point)
    ):
        raise TypeError(f"point must be a tuple of two ints (x, y), not {point!r}")
    x, y = point
    if not (0 <= x < width and 0 <= y < height):
        raise ValueError(f"point {point!r} is off a {width}x{height} board")
    return (x, y)


def _check_str(value: object, what: str) -> str:
    """Check that a value to be parsed is a str; return it."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}: {value!r}")
    return value


def _decode_ogs_pair(pair: str, label: str, width: int, height: int) -> Point:
    """Decode two OGS letters (not a pass) into a point; label names the input in errors."""
    if len(pair) != 2 or not all("a" <= c <= "z" for c in pair):
        raise ValueError(f"{label} is not two lowercase letters a-z")
    x = ord(pair[0]) - ord("a")
    y = ord(pair[1]) - ord("a")
    if not (x < width and y < height):
        raise ValueError(f"{label} is off a {width}x{height} board")
    return (x, y)


def ogs_to_xy(s: str, width: int, height: int | None = None) -> Point | None:
    """Decode an OGS move like ``"dp"`` into a point, or ``".."`` into None (pass)."""
    width, height = _board(width, height)
    _check_str(s, "OGS move")
    if s == OGS_PASS:
        return None
    return _decode_ogs_pair(s, f"OGS move {s!r}", width, height)


def xy_to_ogs(point: Point | None, width: int, height: int | None = None) -> str:
    """Encode a point as OGS letters like ``"dp"``, or None (pass) as ``".."``."""
    width, height = _board(width, height)
    if point is None:
        return OGS_PASS
    x, y = _check_point(point, width, height)
    return _OGS_LETTERS[x] + _OGS_LETTERS[y]


def unpack_ogs(packed: str, width: int, height: int | None = None) -> list[Point]:
    """Decode a packed OGS point string (``initial_state``, ``removed``): "ddpp" -> 2 points."""
    width, height = _board(width, height)
    _check_str(packed, "packed OGS points")
    if len(packed) % 2:
        raise ValueError(
            f"packed OGS points {packed!r} have odd length {len(packed)} "
            f"(on a {width}x{height} board)"
        )
    points = []
    for i in range(0, len(packed), 2):
        pair = packed[i : i + 2]
        if pair == OGS_PASS:
            raise ValueError(
                f"packed OGS points {packed!r} contain a pass at offset {i} "
                f"(on a {width}x{height} board)"
            )
        label = f"packed OGS points {packed!r}: {pair!r} at offset {i}"
        points.append(_decode_ogs_pair(pair, label, width, height))
    return points


def pack_ogs(points: Iterable[Point], width: int, height: int | None = None) -> str:
    """Encode points as a packed OGS string (the inverse of ``unpack_ogs``)."""
    width, height = _board(width, height)
    if isinstance(points, (str, bytes)):
        raise TypeError(f"points must be an iterable of (x, y) tuples, not {points!r}")
    out = []
    for point in points:
        x, y = _check_point(point, width, height)
        out.append(_OGS_LETTERS[x] + _OGS_LETTERS[y])
    return "".join(out)


def ogs_move_to_xy(move: Sequence[object], width: int, height: int | None = None) -> Point | None:
    """Decode an OGS move array ``[x, y, ms, ...]`` into a point; ``[-1, -1, ...]`` is a pass."""
    width, height = _board(width, height)
    if not isinstance(move, (list, tuple)):
        raise TypeError(f"OGS move array must be a list, not {type(move).__name__}: {move!r}")
    if len(move) < 2:
        raise ValueError(f"OGS move array {move!r} needs at least [x, y]")
    x, y = move[0], move[1]
    if (
        not isinstance(x, int)
        or not isinstance(y, int)
        or isinstance(x, bool)
        or isinstance(y, bool)
    ):
        raise ValueError(f"OGS move array {move!r} does not start with two ints [x, y]")
    if x == -1 and y == -1:
        return None
    if not (0 <= x < width and 0 <= y < height):
        raise ValueError(f"OGS move array {move!r} is off a {width}x{height} board")
    return (x, y)


def parse_gtp_move(v: str, width: int, height: int | None = None) -> GtpMove:
    """Parse a GTP vertex like ``"D4"``, ``"pass"`` or ``"resign"`` (any case).

    Returns a point, None for a pass, or ``RESIGN``.  Leading zeros ("D04") and
    surrounding whitespace are rejected.
    """
    width, height = _board(width, height)
    _check_str(v, "GTP vertex")
    lowered = v.lower()
    if lowered == "pass":
        return None
    if lowered == "resign":
        return RESIGN
    match = _GTP_VERTEX_RE.fullmatch(v)
    if match is None:
        raise ValueError(f"{v!r} is not a GTP vertex (on a {width}x{height} board)")
    letter, digits = match.group(1).upper(), match.group(2)
    if letter == "I":
        raise ValueError(f"{v!r} is not a GTP vertex: column I is not used")
    if digits.startswith("0"):
        raise ValueError(f"{v!r} is not a GTP vertex: rows are numbered from 1, without zeros")
    x = GTP_COLUMNS.index(letter)
    row = int(digits) if len(digits) <= 2 else MAX_BOARD_SIZE + 1
    if not (x < width and row <= height):
        raise ValueError(f"GTP vertex {v!r} is off a {width}x{height} board")
    return (x, height - row)


def gtp_to_xy(v: str, width: int, height: int | None = None) -> Point | None:
    """Parse a GTP vertex or pass into a point or None; ``resign`` raises ValueError."""
    move = parse_gtp_move(v, width, height)
    if move is RESIGN:
        raise ValueError(f"GTP {v!r} is a resignation, not a point or pass")
    return move


def xy_to_gtp(move: GtpMove, width: int, height: int | None = None) -> str:
    """Format a point as a GTP vertex like ``"D4"``; None gives "pass", RESIGN "resign"."""
    width, height = _board(width, height)
    if move is None:
        return "pass"
    if move is RESIGN:
        return "resign"
    x, y = _check_point(move, width, height)
    return f"{GTP_COLUMNS[x]}{height - y}"


def xy_to_sgf(point: Point | None, width: int, height: int | None = None) -> tuple[int, int] | None:
    """Convert a point to sgfmill's (row, col), row 0 at the bottom; None stays None."""
    width, height = _board(width, height)
    if point is None:
        return None
    x, y = _check_point(point, width, height)
    return (height - 1 - y, x)


def sgf_to_xy(
    rowcol: tuple[int, int] | None, width: int, height: int | None = None
) -> Point | None:
    """Convert sgfmill's (row, col), row 0 at the bottom, to a point; None stays None."""
    width, height = _board(width, height)
    if rowcol is None:
        return None
    if not (
        isinstance(rowcol, tuple)
        and len(rowcol) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in rowcol)
    ):
        raise TypeError(f"sgfmill move must be a tuple of two ints (row, col), not {rowcol!r}")
    row, col = rowcol
    if not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"sgfmill (row, col) {rowcol!r} is off a {width}x{height} board")
    return (col, height - 1 - row)


def ogs_to_gtp(s: str, width: int, height: int | None = None) -> str:
    """Translate an OGS move (``"dp"`` or ``".."``) into a GTP vertex or "pass"."""
    return xy_to_gtp(ogs_to_xy(s, width, height), width, height)


def gtp_to_ogs(v: str, width: int, height: int | None = None) -> str:
    """Translate a GTP vertex or pass into an OGS move; ``resign`` raises ValueError."""
    return xy_to_ogs(gtp_to_xy(v, width, height), width, height)
