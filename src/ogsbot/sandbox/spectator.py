"""The emulator's front page: every game drawn as a board that follows the server live.

The page polls `/_sandbox/live` (the games as JSON: stones, players, clocks, result) twice a
second and redraws each board as SVG. Stones carry `data-x`, `data-y` and `data-color`, so
a browser test can compare what the page shows with what the server holds.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ogsbot.sandbox.referee import Referee
    from ogsbot.sandbox.server import Emulator


def _clock(referee: Referee, color: str, now: float) -> str:
    available = referee.times[color].available(referee.settings.time_control)
    if available is None:
        return "no limit"
    if referee.phase == "play" and referee.to_move() == color and referee.paused_since is None:
        available -= now - referee.last_move
    seconds = max(0, int(available))
    return f"{seconds // 60}:{seconds % 60:02d}"


def live(emulator: Emulator, limit: int = 12) -> list[dict[str, Any]]:
    """The newest games, in progress first, as the page draws them."""
    now = time.time()
    games = sorted(emulator.games.values(), key=lambda r: (r.finished, -r.game_id))[:limit]
    result = []
    for referee in games:
        s = referee.settings
        last = referee.state.moves[-1][1] if referee.state.moves else None
        result.append(
            {
                "id": referee.game_id,
                "name": s.name,
                "width": s.width,
                "height": s.height,
                "black": referee.black.username,
                "white": referee.white.username,
                "stones": [[x, y, c] for (x, y), c in referee.state.board.stones()],
                "last": list(last) if last is not None else None,
                "move_number": referee.state.move_number,
                "phase": referee.phase,
                "to_move": referee.to_move(),
                "clocks": {"b": _clock(referee, "b", now), "w": _clock(referee, "w", now)},
                "outcome": referee.outcome,
                "winner": (
                    referee.color_of(referee.winner) if referee.winner is not None else None
                ),
            }
        )
    return result


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ogsbot sandbox</title>
<style>
body { font-family: sans-serif; margin: 1em; background: #f4f1ea; color: #222; }
h1 { font-size: 1.3em; }
#games { display: flex; flex-wrap: wrap; gap: 1.5em; }
.game { background: #fff; padding: .8em; border-radius: 6px; box-shadow: 0 1px 3px #0003; }
.game h2 { font-size: 1em; margin: 0 0 .4em 0; }
.info { font-size: .9em; margin-top: .4em; }
.tomove { font-weight: bold; }
</style></head>
<body>
<h1>ogsbot sandbox &mdash; a local OGS emulator</h1>
<p id="status">loading&hellip;</p>
<div id="games"></div>
<script>
const SVG = "http://www.w3.org/2000/svg";
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
function card(game) {
  const div = document.createElement("div");
  div.className = "game";
  div.dataset.gameId = game.id;
  const title = document.createElement("h2");
  title.textContent = `Game ${game.id}: ${game.black} (black) vs ${game.white} (white)`;
  div.appendChild(title);
  div.appendChild(board(game));
  const info = document.createElement("div");
  info.className = "info";
  const b = game.to_move === "b" && game.phase === "play" ? "tomove" : "";
  const w = game.to_move === "w" && game.phase === "play" ? "tomove" : "";
  let result = game.phase;
  if (game.phase === "finished")
    result = (game.winner ? game.winner.toUpperCase() + "+" : "") + game.outcome;
  info.innerHTML = `move ${game.move_number} &middot; `
    + `<span class="${b}">black ${game.clocks.b}</span> &middot; `
    + `<span class="${w}">white ${game.clocks.w}</span> &middot; `
    + `<span class="result">${result}</span>`;
  div.appendChild(info);
  return div;
}
async function refresh() {
  try {
    const response = await fetch("/_sandbox/live");
    const games = await response.json();
    const box = document.getElementById("games");
    box.replaceChildren(...games.map(card));
    const when = new Date().toLocaleTimeString();
    document.getElementById("status").textContent =
      games.length ? `${games.length} game(s); updated ${when}` : "no games yet";
    document.body.dataset.ready = "yes";
  } catch (error) {
    document.getElementById("status").textContent = "cannot reach the emulator: " + error;
  }
}
refresh();
setInterval(refresh, 500);
</script>
</body></html>
"""


def page(emulator: Emulator) -> str:
    """The spectator page (it fetches the games itself)."""
    return PAGE
