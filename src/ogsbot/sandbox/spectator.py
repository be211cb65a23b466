"""The emulator's front page: every game drawn as a board that follows the server live.

The page polls `/_sandbox/live` (the games as JSON: stones, players, clocks, result) twice a
second and redraws each board as SVG with `ogsbot.view`'s script.
"""

from __future__ import annotations

import time
from typing import Any

from ogsbot.sandbox.referee import Referee
from ogsbot.sandbox.state import ServerState
from ogsbot.view import BOARD_SCRIPT, board_json


def _clock(referee: Referee, color: str, now: float) -> str:
    available = referee.times[color].available(referee.settings.time_control)
    if available is None:
        return "no limit"
    if referee.phase == "play" and referee.to_move() == color and referee.paused_since is None:
        available -= now - referee.last_move
    seconds = max(0, int(available))
    return f"{seconds // 60}:{seconds % 60:02d}"


def live(state: ServerState, limit: int = 12) -> list[dict[str, Any]]:
    """The newest games, in progress first, as the page draws them."""
    now = time.time()
    games = sorted(state.games.values(), key=lambda r: (r.finished, -r.game_id))[:limit]
    result = []
    for referee in games:
        result.append(
            {
                "id": referee.game_id,
                "name": referee.settings.name,
                **board_json(referee.state),
                "black": referee.black.username,
                "white": referee.white.username,
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


PAGE = (
    """<!doctype html>
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
"""
    + BOARD_SCRIPT
    + """function card(game) {
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
)
