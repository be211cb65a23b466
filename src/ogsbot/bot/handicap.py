"""Free handicap stones: the engine's `place_free_handicap` reply checked, or the usual
points placed by the bridge for engines without it.

Under free placement OGS lets black put its handicap stones anywhere. An engine that cannot
choose them (no `place_free_handicap`) still plays such a game well from the usual points,
so the bridge places the stones GTP's `fixed_handicap` would (GTP 2, section 4.1.1),
rather than failing the turn and resigning. `fixed_handicap` itself is not used: it puts
the stones on the engine's board, which must be empty, behind the session's back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loguru import logger

from ogsbot.gtp.errors import GTPError
from ogsbot.gtp.managers import EngineHandle
from ogsbot.ogs.board import GameState
from ogsbot.ogs.coords import Point, parse_gtp_move
from ogsbot.ogs.models import GameData

if TYPE_CHECKING:
    from loguru import Logger


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


def free_handicap_turn(gd: GameData, color: str) -> bool:
    """Whether black's turn now is to place all of a free handicap at once."""
    left = gd.handicap_moves_left()
    return color == "b" and left >= 2 and left == gd.handicap


def usual_handicap_stones(gd: GameData, state: GameState, log: Logger = logger) -> list[Point]:
    """The usual handicap points, for an engine that cannot choose free ones."""
    points = fixed_handicap_points(gd.width, gd.height, gd.handicap)
    if points is None or not all(state.is_legal("b", p) for p in points):
        raise GTPError(
            "place_free_handicap",
            f"the engine cannot choose {gd.handicap} handicap stones on "
            f"{gd.width}x{gd.height}, and they have no usual points",
        )
    log.info("placing the usual {} handicap stones for the engine", gd.handicap)
    return points


def free_handicap_stones(
    handle: EngineHandle, gd: GameData, state: GameState, command: str, reply: str
) -> list[Point]:
    """The stones of a `place_free_handicap` reply, checked, as the moves to upload."""
    points: list[Point] = []
    trial = state.copy()
    for vertex in reply.split():
        point = parse_gtp_move(vertex, gd.width, gd.height)
        if not isinstance(point, tuple) or not trial.is_legal("b", point):
            handle.position = None  # whatever the engine placed, replay from scratch
            raise GTPError(command, f"bad stone {vertex!r} in {reply!r}")
        trial.play("b", point)
        points.append(point)
    if len(points) != gd.handicap:
        handle.position = None
        raise GTPError(command, f"{len(points)} stones in {reply!r}")
    return points
