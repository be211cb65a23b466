"""What `ogsbot status` shows of a running daemon: its games, engines, last challenges and
connection, as plain JSON (`--json`) and as text for a terminal."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ogsbot.bot.seat import is_paused, my_color
from ogsbot.view import board_json

if TYPE_CHECKING:
    from ogsbot.bot.session import GameSession

JSON = dict[str, Any]


@dataclass(frozen=True)
class ChallengeAnswer:
    """One challenge the daemon answered, for the status."""

    at: float  # epoch seconds
    challenge_id: int
    challenger: str
    board: str
    accepted: bool
    reason: str  # OGS's rejection code, "" when accepted

    def as_json(self) -> JSON:
        return {
            "at": self.at,
            "challenge": self.challenge_id,
            "challenger": self.challenger,
            "board": self.board,
            "accepted": self.accepted,
            "reason": self.reason,
        }


def game_status(game_id: int, speed: str, session: GameSession | None) -> JSON:
    """One game as the status shows it."""
    out: JSON = {"id": game_id, "speed": speed}
    game = session.game if session is not None else None
    gd = game.gamedata if game is not None else None
    if session is None or game is None or gd is None:
        return {**out, "phase": "joining"}
    mine = my_color(game) or "black"
    opponent = gd.white if mine == "black" else gd.black
    clocks = session.clock.both_left()
    state = [game.phase] if not is_paused(game) else [game.phase, "paused"]
    if game.undo_requested is not None:
        state.append("undo requested")
    return {
        **out,
        "opponent": opponent.username,
        "opponent_rank": opponent.rank_text,
        "board": f"{gd.width}x{gd.height}",
        "rules": gd.rules,
        "move": game.move_number,
        "bot_color": mine,
        "to_move": "bot" if game.my_turn else "opponent",
        "clocks": clocks,
        "engine": session.engine_name or session.engine_config_name(),
        "last_think": session.last_think,
        "state": state,
        **(board_json(game.state) if game.state is not None else {}),
    }


def clocks_line(clocks: dict[str, float | None]) -> str:
    """Both clocks in a log line: "black 4:05, white 3:59"."""
    return ", ".join(f"{color} {_clock(left)}" for color, left in clocks.items())


def render(status: JSON) -> str:
    """The status as text for a terminal."""
    lines = [
        f"ogsbot {status.get('bot', '?')} on {status.get('server', '?')}, pid {status.get('pid')}"
        f", up {_duration(status.get('uptime', 0))}"
        + (" (stopping)" if status.get("stopping") else "")
    ]
    connection = status.get("connection", {})
    lines.append(
        f"connection: {'up' if connection.get('connected') else 'DOWN'}, latency "
        f"{connection.get('latency_ms', 0):.0f} ms, clock drift {connection.get('drift_ms', 0):.0f}"
        f" ms, reconnects {connection.get('reconnects', 0)}, REST errors "
        + (", ".join(f"{n} x {k}" for k, n in connection.get("rest_errors", {}).items()) or "none")
    )
    games = status.get("games", [])
    lines.append(f"games: {len(games)}")
    if games:
        lines.append(render_games(games))
    engines = status.get("engines", {})
    lines.append(f"engines: {engines.get('processes', 0)} process(es)")
    for e in engines.get("gtp", []):
        lines.append(
            f"  {e['label']}: pid {e['pid']}, {e['state']}, {e['games']} game(s), "
            f"{e['restarts']} restart(s)" + (" (pool)" if e["pool"] else "")
        )
    for e in engines.get("analysis", []):
        lines.append(
            f"  {e['name']}: {'up' if e['up'] else 'DOWN'}, {e['in_flight']} in flight, "
            f"{e['restarts']} restart(s)"
        )
    offers = status.get("offers", [])
    if offers:
        lines.append(f"open challenges: {len(offers)}")
        lines.extend(f"  {o['challenge']} {o['name']} ({o['speed']})" for o in offers)
    lines.extend(_matchmaking_lines(status.get("matchmaking")))
    answers = status.get("challenges", [])
    lines.append(f"last challenges: {len(answers)}")
    for a in answers:
        verdict = "accepted" if a["accepted"] else f"declined ({a['reason']})"
        lines.append(
            f"  {time.strftime('%H:%M:%S', time.localtime(a['at']))} {a['challenge']} from "
            f"{a['challenger']} {a['board']}: {verdict}"
        )
    return "\n".join(lines)


def render_games(games: list[JSON]) -> str:
    """One line per game."""
    lines = []
    for g in games:
        if g.get("phase") == "joining":
            lines.append(f"  {g['id']} {g['speed']}: joining")
            continue
        clocks = g["clocks"]
        think = f", thought {g['last_think']:.1f} s" if g.get("last_think") is not None else ""
        if g.get("engine_pid"):
            think = f" (pid {g['engine_pid']}){think}"
        lines.append(
            f"  {g['id']} vs {g['opponent']} ({g['opponent_rank']}), {g['speed']} "
            f"{g['board']} {g['rules']}, move {g['move']}, {g['to_move']} to move, "
            f"clocks B {_clock(clocks['black'])} W {_clock(clocks['white'])}, "
            f"{g['engine']}{think} [{', '.join(g['state'])}]"
        )
    return "\n".join(lines)


def status_dumps(status: JSON) -> str:
    """The status as JSON, as the control socket and the status page serve it."""
    return json.dumps(status, default=str)


def answers_json(answers: Iterable[ChallengeAnswer]) -> list[JSON]:
    return [a.as_json() for a in answers]


def _clock(seconds: float | None) -> str:
    return "-" if seconds is None else clock_text(seconds)


def clock_text(seconds: float) -> str:
    """Seconds as a clock shows them: 4:05, or 1:02:03 past an hour."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, seconds_left = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds_left:02d}"
    return f"{minutes}:{seconds_left:02d}"


def _duration(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}h{rest // 60:02d}m"


def _matchmaking_lines(mm: dict[str, Any] | None) -> list[str]:
    if not mm:
        return []
    out = mm["outgoing"]
    waiting = (
        f"challenge {out['challenge']} to {out['opponent']} ({out['speed']}), "
        f"{out['waiting']:g} s waiting"
        if out
        else "no challenge waiting"
    )
    lines = [
        f"matchmaking: {mm['sent_today']}/{mm['daily_limit']} challenges in 24 h, "
        f"{mm['bots_online']} bot(s) online, {waiting}"
    ]
    for d in mm["declines"]:
        when = time.strftime("%m-%d %H:%M", time.localtime(d["at"]))
        lines.append(f"  {when} declined by {d['opponent']}: {d['code'] or '-'} {d['message']}")
    return lines
