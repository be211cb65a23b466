"""A board as text for a terminal: X black, O white, GTP coordinates around it."""

from __future__ import annotations

from ogsbot.ogs.board import GameState
from ogsbot.ogs.coords import GTP_COLUMNS


def board_text(state: GameState) -> str:
    """The board with its coordinates, and the captures below."""
    columns = GTP_COLUMNS[: state.width]
    lines = ["   " + " ".join(columns)]
    for y in range(state.height):
        row = state.height - y
        cells = []
        for x in range(state.width):
            color = state.board.get((x, y))
            cells.append("X" if color == "b" else "O" if color == "w" else ".")
        lines.append(f"{row:2d} " + " ".join(cells) + f" {row}")
    lines.append("   " + " ".join(columns))
    captured = state.prisoners
    lines.append(f"captures: black {captured['b']}, white {captured['w']}")
    return "\n".join(lines)
