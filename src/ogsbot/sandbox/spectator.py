"""The emulator's front page: the games on the server, each linked to its SGF and picture."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ogsbot.sandbox.server import Emulator


def page(emulator: Emulator) -> str:
    """A plain HTML list of games, newest first."""
    rows = []
    for referee in sorted(emulator.games.values(), key=lambda r: -r.game_id):
        s = referee.settings
        result = html.escape(referee.outcome) if referee.finished else html.escape(referee.phase)
        rows.append(
            "<tr>"
            f"<td>{referee.game_id}</td>"
            f"<td>{html.escape(referee.black.username)}</td>"
            f"<td>{html.escape(referee.white.username)}</td>"
            f"<td>{s.width}x{s.height}</td>"
            f"<td>{referee.state.move_number}</td>"
            f"<td>{result}</td>"
            f'<td><a href="/api/v1/games/{referee.game_id}/sgf">sgf</a> '
            f'<a href="/api/v1/games/{referee.game_id}/png">png</a></td>'
            "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="7">no games yet</td></tr>'
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>ogsbot sandbox</title></head>"
        "<body><h1>ogsbot sandbox: a local OGS emulator</h1>"
        "<table><tr><th>game</th><th>black</th><th>white</th><th>size</th><th>moves</th>"
        f"<th>state</th><th></th></tr>{body}</table></body></html>"
    )
