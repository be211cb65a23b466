"""Engine stderr lines worth showing in a game's chat: analysis and messages for people.

Engines that know OGS write `MAIN:`, `DISCUSSION:` and `MALKOVICH:` lines meant for the chat
(gtp2ogs's convention), and KataGo (`ogsChatToStderr`) and Leela Zero print their search:
visits, win rate, principal variation. Those become OGS's `analysis` chat bodies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ogsbot.ogs.coords import parse_gtp_move, xy_to_ogs

_KATAGO = re.compile(
    r"Visits\s+(?P<visits>\d+)\s+Winrate\s+(?P<winrate>[\d.]+)%"
    r"(?:\s+ScoreLead\s+(?P<score>-?[\d.]+))?.*?\bPV\s+(?P<pv>.*)$"
)
_LEELA = re.compile(
    r"^\s*(?P<move>[A-Za-z]+\d+|pass)\s*->\s*(?P<visits>\d+)\s*\(V:\s*(?P<winrate>[\d.]+)%\)"
    r".*?PV:\s*(?P<pv>.*)$"
)
_TEXT_CHANNELS = {"MAIN": "main", "DISCUSSION": "main", "MALKOVICH": "malkovich"}


@dataclass(frozen=True)
class ChatMessage:
    """Something to post: `body` is text, or an OGS analysis object."""

    channel: str
    body: str | dict[str, Any]


def parse_line(line: str, width: int, height: int, move_number: int) -> ChatMessage | None:
    """The chat message an engine's stderr line stands for, or None."""
    head, sep, rest = line.partition(":")
    if sep and head in _TEXT_CHANNELS:
        text = rest.strip()
        analysis = _analysis(text, width, height, move_number)
        if analysis is not None:
            return ChatMessage("malkovich", analysis)
        return ChatMessage(_TEXT_CHANNELS[head], text) if text else None
    if sep and head == "CHAT":
        analysis = _analysis(rest.strip(), width, height, move_number)
        return ChatMessage("malkovich", analysis) if analysis is not None else None
    match = _LEELA.match(line)
    if match is not None:
        return _from_match(match, width, height, move_number, None)
    return None


def _analysis(text: str, width: int, height: int, move_number: int) -> dict[str, Any] | None:
    match = _KATAGO.search(text)
    if match is None:
        return None
    score = match.group("score")
    message = _from_match(match, width, height, move_number, float(score) if score else None)
    return message.body if message is not None and isinstance(message.body, dict) else None


def _from_match(
    match: re.Match[str], width: int, height: int, move_number: int, score: float | None
) -> ChatMessage | None:
    moves = []
    for vertex in match.group("pv").split():
        try:
            point = parse_gtp_move(vertex, width, height)
        except ValueError:
            break
        if not isinstance(point, tuple):
            break
        moves.append(xy_to_ogs(point, width, height))
    if not moves:
        return None
    visits = int(match.group("visits"))
    winrate = float(match.group("winrate"))
    name = f"Win rate: {winrate:.1f}%"
    engine_analysis: dict[str, Any] = {"win_rate": winrate, "visits": visits}
    if score is not None:
        name += f", Score: {score:.1f}"
        engine_analysis["score"] = score
    name += f", Visits: {visits}"
    body = {
        "type": "analysis",
        "name": name,
        "from": move_number,
        "moves": "".join(moves),
        "marks": {"circle": moves[0]},
        "engine_analysis": engine_analysis,
    }
    return ChatMessage("malkovich", body)
