"""The SGF writer shared by the bot's records and the emulator's /sgf endpoint."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sgfmill import sgf

from ogsbot.ogs.models import GameData
from ogsbot.ogs.sgf import game_sgf, sgf_result

SAMPLES = Path(__file__).parent / "data" / "ogs-samples"


def load(name: str) -> GameData:
    return GameData.from_json(json.loads((SAMPLES / f"{name}.json").read_text()))


@pytest.mark.parametrize(
    ("name", "result"),
    [
        ("gamedata-finished-scored-1", "W+56.5"),
        ("gamedata-finished-resign-fischer-1", None),
        ("gamedata-finished-resign-handicap-byoyomi-1", None),
        ("gamedata-live-fischer-1", ""),
    ],
)
def test_real_games_round_trip_through_sgfmill(name: str, result: str | None) -> None:
    gd = load(name)
    text = game_sgf(gd)
    game = sgf.Sgf_game.from_string(text)
    root = game.get_root()
    assert game.get_size() == gd.width
    assert root.get("PB") == gd.black.username and root.get("PW") == gd.white.username
    assert root.get("KM") == gd.komi
    moves = [node.get_move() for node in game.get_main_sequence()[1:]]
    assert len(moves) == len(gd.moves)
    for (color, rowcol), move, expected_color in zip(
        moves, gd.moves, gd.move_colors(), strict=True
    ):
        assert color == expected_color[0]
        if move.is_pass:
            assert rowcol is None
        else:
            assert rowcol == (gd.height - 1 - move.y, move.x)
    if result is None:  # a resignation: the winner's colour and R
        assert root.get("RE").endswith("+R")
    elif result:
        assert root.get("RE") == result
    else:
        assert not root.has_property("RE")


def test_fixed_handicap_stones_are_setup_stones() -> None:
    gd = load("gamedata-finished-resign-handicap-byoyomi-1")
    game = sgf.Sgf_game.from_string(game_sgf(gd))
    black, white, _ = game.get_root().get_setup_stones()
    assert len(black) == 2 and not white and game.get_handicap() == 2


def test_non_square_board_size() -> None:
    gd = load("gamedata-finished-scored-2")
    assert (gd.width, gd.height) == (15, 17)
    assert "SZ[15:17]" in game_sgf(gd)


@pytest.mark.parametrize(
    ("outcome", "winner_is_black", "expected"),
    [
        ("Resignation", True, "B+R"),
        ("Timeout", False, "W+T"),
        ("3.5 points", True, "B+3.5"),
        ("Disconnection", False, "W+F"),
    ],
)
def test_results(outcome: str, winner_is_black: bool, expected: str) -> None:
    gd = load("gamedata-live-fischer-1")
    winner = gd.black_player_id if winner_is_black else gd.white_player_id
    done = dataclasses.replace(gd, phase="finished", outcome=outcome, winner=winner)
    assert sgf_result(done) == expected
