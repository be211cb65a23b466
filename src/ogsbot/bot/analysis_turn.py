"""A turn through KataGo's analysis engine: the query a game's position makes, and the move
the bot plays from the answer the way `genmove` picks one (playSelectionValue, sampled with
a temperature that decays with the move number; 0 always plays the best), never an illegal
move. The analysis engine has no clock and never chooses: the bridge owns both."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ogsbot.bot.engine_board import KATAGO_RULES, Position
from ogsbot.ogs.coords import Point, unpack_ogs, xy_to_gtp
from ogsbot.ogs.models import GameData

# KataGo's genmove defaults (chosenMoveTemperatureEarly/Late, halflife on 19x19).
TEMPERATURE_EARLY = 0.5
TEMPERATURE_LATE = 0.1
TEMPERATURE_HALFLIFE = 19.0
MIN_SHARE = 0.01  # of the best playSelectionValue: below it a move is never sampled


def turn_query(
    gd: GameData,
    target: Position,
    *,
    max_visits: int | None = None,
    max_time: float | None = None,
    priority: int = 0,
    ownership: bool = False,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The query for the position after `target`'s moves (the game's, as GTP): setup stones
        as `initialStones`, OGS rules as KataGo's (`chinese` is `chinese-ogs`), the time budget
        as `overrideSettings.maxTime`, the most urgent game's query first (`priority`); win rates
    reported for black whatever the engine's config says."""
    w, h = gd.width, gd.height
    setup = [["B", xy_to_gtp(p, w, h)] for p in unpack_ogs(gd.initial_state_black, w, h)]
    setup += [["W", xy_to_gtp(p, w, h)] for p in unpack_ogs(gd.initial_state_white, w, h)]
    query: dict[str, Any] = {
        "moves": [[color, vertex] for color, vertex in target.moves],
        "rules": KATAGO_RULES.get(gd.rules, "japanese"),
        "komi": gd.komi,
        "boardXSize": w,
        "boardYSize": h,
        "priority": priority,
        "includeOwnership": ownership,
    }
    if setup:
        query["initialStones"] = setup
    if max_visits is not None:
        query["maxVisits"] = max_visits
    settings = {"reportAnalysisWinratesAs": "BLACK", **(overrides or {})}
    if max_time is not None:
        settings["maxTime"] = max_time
    query["overrideSettings"] = settings
    return query


def temperature(
    move_number: int,
    width: int,
    height: int,
    early: float = TEMPERATURE_EARLY,
    late: float = TEMPERATURE_LATE,
    halflife: float = TEMPERATURE_HALFLIFE,
) -> float:
    """genmove's temperature at this move: from `early` down to `late`, halving the gap
    every `halflife` moves on 19x19 (scaled by the board's area)."""
    scaled = max(1.0, halflife * width * height / 361)
    return float(late + (early - late) * 0.5 ** (move_number / scaled))


def choose_move(
    answer: Mapping[str, Any],
    temp: float,
    rng: random.Random,
    legal: Callable[[str], bool],
) -> str:
    """The vertex (or "pass") to play: among the legal moves of the answer, sampled by
    playSelectionValue ** (1 / temp); with `temp` 0, the best. "pass" when none is legal."""
    infos = [i for i in answer.get("moveInfos", []) if isinstance(i, Mapping)]
    values = [
        (str(i.get("move", "")), float(i.get("playSelectionValue") or 0.0))
        for i in sorted(infos, key=lambda i: i.get("order", 0))
    ]
    values = [(move, value) for move, value in values if move and legal(move)]
    if not values:
        return "pass"
    best = max(value for _, value in values)
    if temp <= 0 or best <= 0:
        return max(values, key=lambda item: item[1])[0]
    weights = [
        (value / best) ** (1 / temp) if value >= MIN_SHARE * best else 0.0 for _, value in values
    ]
    return rng.choices([move for move, _ in values], weights=weights)[0]


@dataclass
class ResignWatch:
    """When the bot resigns a game played through the analysis engine (which never does):
    only after `turns` answers in a row where both its win rate and its score lead are past
    the thresholds, and never before `min_moves` (the opening; more in correspondence)."""

    winrate_below: float = 0.05
    lead_below: float = -15.0
    turns: int = 3
    min_moves: int = 40
    streak: int = 0

    def resigns(self, answer: Mapping[str, Any], bot_is_black: bool, move_number: int) -> bool:
        """Whether to resign now, given this turn's answer (win rates reported for black)."""
        root = answer.get("rootInfo") or {}
        winrate, lead = root.get("winrate"), root.get("scoreLead")
        if not isinstance(winrate, int | float) or not isinstance(lead, int | float):
            self.streak = 0
            return False
        mine = (winrate, lead) if bot_is_black else (1.0 - winrate, -lead)
        lost = mine[0] < self.winrate_below and mine[1] < self.lead_below
        self.streak = self.streak + 1 if lost else 0
        return move_number >= self.min_moves and self.streak >= self.turns


def settled(answer: Mapping[str, Any], sure: float = 0.8) -> bool:
    """Whether every point's owner is clear in the answer's ownership (|value| >= `sure`)."""
    ownership = answer.get("ownership")
    if not isinstance(ownership, list) or not ownership:
        return False
    return all(isinstance(v, int | float) and abs(v) >= sure for v in ownership)


def passes(answer: Mapping[str, Any], opponent_passed: bool) -> bool:
    """Pass back when the opponent passed and the game is over on the board: the engine's
    best move is a pass, or every point's owner is settled."""
    if not opponent_passed:
        return False
    infos = [i for i in answer.get("moveInfos", []) if isinstance(i, Mapping)]
    best = min(infos, key=lambda i: i.get("order", 0), default={})
    return str(best.get("move", "")).lower() == "pass" or settled(answer)


def dead_from_ownership(
    ownership: Sequence[float], stones: Iterable[tuple[Point, str]], width: int, sure: float = 0.6
) -> set[Point]:
    """The stones the answer's ownership gives to the other side (|value| >= `sure`): the
    dead stones, without `final_status_list`. Ownership is row by row from the top, for black
    (positive: black's), as `turn_query` asks; a point is (x, y) from the top left."""
    dead: set[Point] = set()
    for (x, y), color in stones:
        index = y * width + x
        if index < len(ownership):
            mine = ownership[index] if color in ("b", "black") else -ownership[index]
            if mine <= -sure:
                dead.add((x, y))
    return dead
