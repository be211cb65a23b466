"""A turn through the analysis engine: the query a real game makes, genmove's temperature,
and the move chosen from an answer (never an illegal one), also against randomgo --analysis."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

from ogsbot.bot.analysis_turn import (
    ResignWatch,
    choose_move,
    dead_from_ownership,
    passes,
    temperature,
    turn_query,
)
from ogsbot.bot.engine_board import EngineBoard
from ogsbot.engines import randomgo_argv
from ogsbot.gtp.analysis_process import AnalysisProcess
from ogsbot.ogs.models import GameData

SAMPLES = Path(__file__).resolve().parent / "data" / "ogs-samples"


def sample(name: str) -> GameData:
    data: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    return GameData.from_json(data)


def answer(*values: tuple[str, float]) -> dict[str, Any]:
    return {
        "moveInfos": [
            {"move": move, "order": order, "playSelectionValue": value}
            for order, (move, value) in enumerate(values)
        ]
    }


def test_the_query_of_a_handicap_game_is_its_moves_and_kataGos_rules() -> None:
    gd = sample("gamedata-handicap-live-fischer-1")
    target = EngineBoard().target(gd)
    query = turn_query(gd, target, max_visits=50, max_time=2.5, priority=3)
    assert query["rules"] == "chinese-ogs"  # OGS's chinese: positional superko
    assert (query["boardXSize"], query["boardYSize"], query["komi"]) == (19, 19, 0.5)
    assert len(query["moves"]) == len(gd.moves) == 185
    assert [c for c, _ in query["moves"][:5]] == ["B"] * 5  # the free handicap stones
    assert query["moves"][5][0] == "W"
    assert query["overrideSettings"] == {"reportAnalysisWinratesAs": "BLACK", "maxTime": 2.5}
    assert query["maxVisits"] == 50 and query["includeOwnership"] is False
    assert query["priority"] == 3 and "initialStones" not in query


def test_temperature_decays_from_early_to_late_faster_on_small_boards() -> None:
    assert temperature(0, 19, 19) == 0.5
    assert abs(temperature(19, 19, 19) - 0.3) < 1e-9  # half the gap after one halflife
    assert temperature(19, 9, 9) < temperature(19, 19, 19)
    assert temperature(500, 19, 19) < 0.1001


def test_temperature_zero_plays_the_best_and_illegal_moves_never() -> None:
    rng = random.Random(1)
    reply = answer(("D4", 100.0), ("Q16", 90.0), ("K10", 5.0))
    assert choose_move(reply, 0.0, rng, lambda m: True) == "D4"
    assert choose_move(reply, 0.0, rng, lambda m: m != "D4") == "Q16"
    assert choose_move(reply, 1.0, rng, lambda m: False) == "pass"
    picks = Counter(choose_move(reply, 0.5, rng, lambda m: True) for _ in range(2000))
    assert picks["D4"] > picks["Q16"] > picks["K10"]  # (90/100)^2 against (5/100)^2
    assert 0.35 < picks["Q16"] / 2000 < 0.5


async def test_a_turn_against_the_fake_analysis_engine_is_a_legal_move() -> None:
    gd = sample("gamedata-handicap-live-fischer-1")
    query = turn_query(gd, EngineBoard().target(gd), max_visits=20)
    engine = AnalysisProcess(randomgo_argv("--analysis", "--seed", "4"))
    await engine.start()
    try:
        reply = await engine.query(query, timeout=20)
    finally:
        await engine.stop()
    occupied = {vertex for _, vertex in query["moves"]}
    move = choose_move(reply, 0.0, random.Random(0), lambda m: m not in occupied)
    assert move != "pass" and move not in occupied


def root(winrate: float, lead: float) -> dict[str, Any]:
    return {"rootInfo": {"winrate": winrate, "scoreLead": lead}}


def test_resign_only_after_turns_in_a_row_past_both_thresholds_and_never_early() -> None:
    watch = ResignWatch(winrate_below=0.05, lead_below=-15, turns=3, min_moves=40)
    lost_for_white = root(0.98, 30.0)  # reported for black
    assert [watch.resigns(lost_for_white, False, 50 + i) for i in range(3)] == [False, False, True]
    watch = ResignWatch(turns=3, min_moves=40)
    assert not watch.resigns(root(0.98, 30.0), False, 50)
    assert not watch.resigns(root(0.98, 5.0), False, 51)  # close on the board: the streak ends
    assert not any(watch.resigns(root(0.98, 30.0), False, 52 + i) for i in range(2))
    early = ResignWatch(turns=1, min_moves=40)
    assert not early.resigns(root(0.01, -50.0), True, 10)  # the opening: never
    assert early.resigns(root(0.01, -50.0), True, 40)
    assert not ResignWatch(turns=1, min_moves=0).resigns({"rootInfo": {}}, True, 99)


def test_pass_back_only_when_the_opponent_passed_and_the_game_is_over() -> None:
    best_pass = answer(("pass", 100.0), ("D4", 1.0))
    best_move = answer(("D4", 100.0), ("pass", 50.0))
    assert passes(best_pass, opponent_passed=True)
    assert not passes(best_pass, opponent_passed=False)
    assert not passes(best_move, opponent_passed=True)
    assert passes({**best_move, "ownership": [0.95, -0.9, 0.99]}, opponent_passed=True)
    assert not passes({**best_move, "ownership": [0.95, 0.1, 0.99]}, opponent_passed=True)


def test_dead_stones_from_ownership_are_those_the_other_side_owns() -> None:
    # 3x2 board, row by row from the top, for black: the top row black's, the bottom white's.
    ownership = [0.9, 0.95, 0.7, -0.9, -0.3, -0.8]
    stones = [((0, 0), "b"), ((1, 0), "w"), ((0, 1), "black"), ((1, 1), "b")]  # both spellings
    assert dead_from_ownership(ownership, stones, 3) == {(1, 0), (0, 1)}  # (1,1) is unclear
    assert dead_from_ownership(ownership, stones, 3, sure=0.2) == {(1, 0), (0, 1), (1, 1)}


def test_the_game_with_the_least_time_is_searched_first() -> None:
    """KataGo searches the highest priority first; an untimed game goes last."""
    from ogsbot.bot.analysis_player import priority

    assert priority(5.0) > priority(60.0) > priority(86400.0 * 3) > priority(None)


def test_the_moves_left_to_budget_for_shrink_to_a_floor() -> None:
    from ogsbot.bot.analysis_player import moves_to_play

    opening, late = moves_to_play(19, 19, 0), moves_to_play(19, 19, 400)
    assert 120 < opening < 130 and late == 0.1 * 361
    assert moves_to_play(9, 9, 0) < opening
