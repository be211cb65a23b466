"""The daemon's status page: every game as a live board (drawn by `ogsbot.view`'s script, as
the emulator's spectator page draws its games), both clocks, the engines, the last
challenges, the open challenges and matchmaking. It polls /status.json (what
`ogsbot status --json` prints) twice a second.

Names come from the network (an opponent's username): they are set as text, never as HTML.
"""

from __future__ import annotations

from ogsbot.view import BOARD_SCRIPT

PAGE = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ogsbot</title>
<style>
body { font-family: sans-serif; margin: 1em; background: #f4f1ea; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; }
#games { display: flex; flex-wrap: wrap; gap: 1.5em; }
.game { background: #fff; padding: .8em; border-radius: 6px; box-shadow: 0 1px 3px #0003; }
.game h3 { font-size: 1em; margin: 0 0 .4em 0; }
.info { font-size: .9em; margin-top: .4em; }
table { border-collapse: collapse; font-size: .9em; }
td, th { padding: .2em .6em; text-align: left; border-bottom: 1px solid #ddd; }
.declined { color: #a33; }
</style></head>
<body>
<h1 id="title">ogsbot</h1>
<p id="status">loading&hellip;</p>
<div id="games"></div>
<h2>Engines</h2><table id="engines"></table>
<h2>Last challenges</h2><table id="challenges"></table>
<h2>Finding games</h2><p id="finding"></p><table id="seeking"></table>
<script>
"""
    + BOARD_SCRIPT
    + """function text(tag, content, className) {
  const node = document.createElement(tag);
  node.textContent = content;
  if (className) node.className = className;
  return node;
}
function clock(seconds) {
  if (seconds === null || seconds === undefined) return "-";
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
function card(game) {
  const div = document.createElement("div");
  div.className = "game";
  div.dataset.gameId = game.id;
  if (game.phase === "joining") {
    div.appendChild(text("h3", `Game ${game.id}: joining`));
    return div;
  }
  div.appendChild(text("h3",
    `Game ${game.id} vs ${game.opponent} (${game.opponent_rank}), ${game.speed}`));
  div.appendChild(board(game));
  const think = game.last_think === null ? "" : `, thought ${game.last_think.toFixed(1)} s`;
  div.appendChild(text("div",
    `move ${game.move} · ${game.to_move} to move · black ${clock(game.clocks.black)}`
    + ` · white ${clock(game.clocks.white)} · ${game.engine}${think} · ${game.state.join(", ")}`,
    "info"));
  return div;
}
function row(cells, className) {
  const tr = document.createElement("tr");
  if (className) tr.className = className;
  for (const cell of cells) tr.appendChild(text("td", String(cell)));
  return tr;
}
async function refresh() {
  try {
    const response = await fetch("/status.json");
    const status = await response.json();
    document.getElementById("title").textContent =
      `ogsbot ${status.bot} on ${status.server}` + (status.stopping ? " (stopping)" : "");
    document.getElementById("games").replaceChildren(...status.games.map(card));
    const engines = status.engines.gtp.map(e => row(
      [e.label, `pid ${e.pid}`, e.state, `${e.games} game(s)`, `${e.restarts} restart(s)`]));
    engines.push(...status.engines.analysis.map(e => row(
      [e.name, e.up ? "up" : "DOWN", `${e.in_flight} in flight`, `${e.restarts} restart(s)`])));
    document.getElementById("engines").replaceChildren(...engines);
    document.getElementById("challenges").replaceChildren(...status.challenges.map(a => row(
      [new Date(a.at * 1000).toLocaleTimeString(), a.challenger, a.board,
       a.accepted ? "accepted" : `declined (${a.reason})`], a.accepted ? "" : "declined")));
    const mm = status.matchmaking;
    const out = mm && mm.outgoing;
    document.getElementById("finding").textContent =
      `${status.offers.length} open challenge(s)` + (mm === null ? "; matchmaking off" :
      `; matchmaking: ${mm.sent_today}/${mm.daily_limit} challenges in 24 h, `
      + `${mm.bots_online} bot(s) online, ` + (out ? `challenge ${out.challenge} to `
      + `${out.opponent} (${out.speed}) waiting ${Math.round(out.waiting)} s` : "none waiting"));
    const seeking = status.offers.map(o => row([`open challenge ${o.challenge}`, o.name, o.speed]));
    if (mm) seeking.push(...mm.declines.map(d => row(
      [new Date(d.at * 1000).toLocaleString(), `declined by ${d.opponent}`, d.code, d.message],
      "declined")));
    document.getElementById("seeking").replaceChildren(...seeking);
    const c = status.connection;
    document.getElementById("status").textContent =
      `${status.games.length} game(s); connection ${c.connected ? "up" : "DOWN"}, `
      + `latency ${Math.round(c.latency_ms)} ms, reconnects ${c.reconnects}; `
      + `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.ready = "yes";
  } catch (error) {
    document.getElementById("status").textContent = "cannot reach the bot: " + error;
  }
}
refresh();
setInterval(refresh, 500);
</script>
</body></html>
"""
)
