"""A board in a browser: the JSON a page fetches, and the script that draws it as SVG.

Stones carry `data-x`, `data-y` and `data-color`, so a browser test can compare what a page
shows with what the server holds.
"""

from __future__ import annotations

from typing import Any

from ogsbot.ogs.board import GameState

# `board(game)`: an <svg> of `game`, a `board_json` object plus the page's `id` for the svg.
BOARD_SCRIPT = """const SVG = "http://www.w3.org/2000/svg";
function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}
function board(game) {
  const cell = Math.max(14, Math.min(30, Math.floor(420 / Math.max(game.width, game.height))));
  const w = (game.width + 1) * cell, h = (game.height + 1) * cell;
  const svg = el("svg", {width: w, height: h, class: "board", "data-game-id": game.id});
  el("rect", {x: 0, y: 0, width: w, height: h, fill: "#dcb35c"}, svg);
  for (let i = 0; i < game.width; i++)
    el("line", {x1: (i + 1) * cell, y1: cell, x2: (i + 1) * cell, y2: game.height * cell,
                stroke: "#3a2a0a", "stroke-width": 1}, svg);
  for (let j = 0; j < game.height; j++)
    el("line", {x1: cell, y1: (j + 1) * cell, x2: game.width * cell, y2: (j + 1) * cell,
                stroke: "#3a2a0a", "stroke-width": 1}, svg);
  for (const [x, y, c] of game.stones) {
    el("circle", {cx: (x + 1) * cell, cy: (y + 1) * cell, r: cell * 0.46,
                  fill: c === "b" ? "#111" : "#f8f8f8", stroke: "#000", "stroke-width": 0.7,
                  class: "stone", "data-x": x, "data-y": y, "data-color": c}, svg);
  }
  if (game.last) {
    const [x, y] = game.last;
    el("circle", {cx: (x + 1) * cell, cy: (y + 1) * cell, r: cell * 0.18, fill: "none",
                  stroke: "#d33", "stroke-width": 2, class: "last-move"}, svg);
  }
  return svg;
}
"""


def board_json(state: GameState) -> dict[str, Any]:
    """What `BOARD_SCRIPT` draws: the size, the stones as [x, y, color], the last move."""
    last = state.moves[-1][1] if state.moves else None
    return {
        "width": state.width,
        "height": state.height,
        "stones": [[x, y, c] for (x, y), c in state.board.stones()],
        "last": list(last) if last is not None else None,
    }
