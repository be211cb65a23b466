"""Handicap stones placed by the bridge, for engines without `place_free_handicap`.

Under free placement OGS lets black put its handicap stones anywhere. An engine that cannot
choose them (no `place_free_handicap`) still plays such a game well from the usual points,
so the bridge places the stones GTP's `fixed_handicap` would (GTP 2, section 4.1.1),
rather than failing the turn and resigning. `fixed_handicap` itself is not used: it puts
the stones on the engine's board, which must be empty, behind the session's back.
"""

from __future__ import annotations

from ogsbot.ogs.coords import Point


def fixed_handicap_points(width: int, height: int, stones: int) -> list[Point] | None:
    """GTP's fixed placement of `stones` handicap stones as (x, y) points, x from the left
    and y from the top; None where GTP defines none (a non-square board, one smaller than
    7x7, more than 9 stones, more than 4 on an even or 7x7 board)."""
    size = width
    if width != height or size < 7 or not 2 <= stones <= 9:
        return None
    if stones > 4 and (size % 2 == 0 or size == 7):
        return None
    edge = 3 if size >= 12 else 2  # the 4th line from 12x12 up, as GNU Go places them
    near, far, mid = edge, size - 1 - edge, size // 2
    d4, q16, d16, q4 = (near, far), (far, near), (near, near), (far, far)
    d10, q10, k4, k16, k10 = (near, mid), (far, mid), (mid, far), (mid, near), (mid, mid)
    by_count: dict[int, list[Point]] = {
        2: [d4, q16],
        3: [d4, q16, d16],
        4: [d4, q16, d16, q4],
        5: [d4, q16, d16, q4, k10],
        6: [d4, q16, d16, q4, d10, q10],
        7: [d4, q16, d16, q4, d10, q10, k10],
        8: [d4, q16, d16, q4, d10, q10, k4, k16],
        9: [d4, q16, d16, q4, d10, q10, k4, k16, k10],
    }
    return by_count[stones]
