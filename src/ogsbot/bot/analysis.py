"""Engine stderr lines worth showing in a game's chat: analysis and messages for people.

Engines that know OGS write `MAIN:`, `DISCUSSION:` and `MALKOVICH:` lines meant for the chat
(gtp2ogs's convention), and KataGo (`ogsChatToStderr`) and Leela Zero print their search:
visits, win rate, principal variation. Those become OGS's `analysis` chat bodies.

Stderr is the engine's, not trusted: parsing is linear in the line (no pattern that can
backtrack over it) and lines over `MAX_LINE` are no chat at all. `ChatLimiter` keeps what
a game posts in bounds.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ogsbot.ogs.coords import parse_gtp_move, xy_to_ogs

# Longer stderr lines are not chat (KataGo's and Leela Zero's are a few hundred bytes).
MAX_LINE = 4096

# Only the bounded heads are patterns; the principal variation is found after them with a
# plain search (the old `.*?PV` after an unanchored search was quadratic in the line).
_NUMBER = r"\d{1,12}(?:\.\d{1,12})?"
_KATAGO = re.compile(
    rf"Visits\s+(?P<visits>\d{{1,12}})\s+Winrate\s+(?P<winrate>{_NUMBER})%"
    rf"(?:\s+ScoreLead\s+(?P<score>-?{_NUMBER}))?"
)
_KATAGO_PV = re.compile(r"\bPV\s")
_LEELA = re.compile(
    rf"\s*(?:[A-Za-z]{{1,2}}\d{{1,2}}|pass)\s*->\s*(?P<visits>\d{{1,12}})\s*"
    rf"\(V:\s*(?P<winrate>{_NUMBER})%\)"
)
_TEXT_CHANNELS = {"MAIN": "main", "DISCUSSION": "main", "MALKOVICH": "malkovich"}


@dataclass(frozen=True)
class ChatMessage:
    """Something to post: `body` is text, or an OGS analysis object."""

    channel: str
    body: str | dict[str, Any]


def parse_line(
    line: str, width: int, height: int, move_number: int, *, max_length: int = MAX_LINE
) -> ChatMessage | None:
    """The chat message an engine's stderr line stands for, or None (also for a line
    over `max_length`); time linear in the line."""
    if len(line) > max_length:
        return None
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
        pv = line.find("PV:", match.end())
        if pv >= 0:
            return _from_match(match, line[pv + 3 :], width, height, move_number, None)
    return None


def _analysis(text: str, width: int, height: int, move_number: int) -> dict[str, Any] | None:
    # The first head: a PV after any later head is after this one too.
    match = _KATAGO.search(text)
    if match is None:
        return None
    pv = _KATAGO_PV.search(text, match.end())
    if pv is None:
        return None
    score = match.group("score")
    message = _from_match(
        match, text[pv.end() :], width, height, move_number, float(score) if score else None
    )
    return message.body if message is not None and isinstance(message.body, dict) else None


def _from_match(
    match: re.Match[str],
    pv: str,
    width: int,
    height: int,
    move_number: int,
    score: float | None,
) -> ChatMessage | None:
    winrate, visits = float(match.group("winrate")), int(match.group("visits"))
    return analysis_message(pv.split(), winrate, visits, score, width, height, move_number)


def analysis_message(
    pv: Iterable[str],
    winrate: float,
    visits: int,
    score: float | None,
    width: int,
    height: int,
    move_number: int,
) -> ChatMessage | None:
    """OGS's `analysis` chat body (as gtp2ogs posts it to the malkovich log): the win rate
    in percent, the score, the visits and the variation (its GTP vertices up to the first
    that is not a point); None without a variation."""
    moves = []
    for vertex in pv:
        try:
            point = parse_gtp_move(vertex, width, height)
        except ValueError:
            break
        if not isinstance(point, tuple):
            break
        moves.append(xy_to_ogs(point, width, height))
    if not moves:
        return None
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


def chat_from_answer(
    answer: Mapping[str, Any], bot_is_black: bool, width: int, height: int, move_number: int
) -> ChatMessage | None:
    """The analysis chat of a KataGo analysis-engine answer (win rates reported for black,
    as `analysis_turn.turn_query` asks), from the bot's side: its best move's variation."""
    infos = [i for i in answer.get("moveInfos", []) if isinstance(i, Mapping)]
    if not infos:
        return None
    best = min(infos, key=lambda i: i.get("order", 0))
    found = answer.get("rootInfo")
    root: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    winrate = root.get("winrate", best.get("winrate"))
    lead = root.get("scoreLead", best.get("scoreLead"))
    if not isinstance(winrate, int | float):
        return None
    score = float(lead) if isinstance(lead, int | float) else None
    if not bot_is_black:
        winrate, score = 1.0 - winrate, (-score if score is not None else None)
    visits = root.get("visits") or best.get("visits") or 0
    pv = best.get("pv") or [best.get("move", "")]
    return analysis_message(
        [str(v) for v in pv], 100.0 * winrate, int(visits), score, width, height, move_number
    )


class ChatLimiter:
    """What one game may post: at most `per_window` messages in any `window` seconds, and
    the analysis of each move once (always: it is the point of the analysis). The rest is
    dropped and counted, so a babbling engine costs neither the server nor the opponent.
    """

    def __init__(
        self,
        per_window: int = 5,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_window = per_window
        self.window = window
        self.clock = clock
        self.dropped = 0
        self._sent: deque[float] = deque()
        self._analysed: int | None = None

    def allow(self, message: ChatMessage, move_number: int) -> bool:
        """Whether to post `message` now (an analysis body belongs to move `move_number`);
        a message refused is counted in `dropped`."""
        if isinstance(message.body, dict):
            if move_number != self._analysed:
                self._analysed = move_number
                return True
        else:
            now = self.clock()
            while self._sent and now - self._sent[0] >= self.window:
                self._sent.popleft()
            if len(self._sent) < self.per_window:
                self._sent.append(now)
                return True
        self.dropped += 1
        return False

    def take_dropped(self) -> int:
        """How many messages were dropped since the last call (for a log line)."""
        dropped, self.dropped = self.dropped, 0
        return dropped
