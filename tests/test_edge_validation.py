"""Validation at the edge (issue #13, "Trust"): what cannot be a game never gets in.

`GameData.from_json` refuses impossible game data; `Game` stores no gamedata, phase or move
event that fails validation, keeps what it had and resyncs; `game_sgf` never raises for game
data that was accepted, and every text from the server encodes as UTF-8. Rengo: whose turn it
is comes from the server's clock. The live parts run against the emulator on 127.0.0.1.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sgfmill import sgf

from ogsbot.ogs.async_client import AsyncOGSClient
from ogsbot.ogs.game import Game
from ogsbot.ogs.models import (
    TIME_PARAMETERS,
    Challenge,
    ChatLine,
    GameData,
    MoveEvent,
    Player,
    RengoTeams,
    TimeControl,
    utf8_safe,
)
from ogsbot.ogs.realtime import ReconnectPolicy
from ogsbot.ogs.rest import ChallengeRequest
from ogsbot.ogs.sgf import game_sgf
from ogsbot.sandbox.server import Emulator

SAMPLES = Path(__file__).parent / "data" / "ogs-samples"
BOT, BOT_KEY = "edgebot", "edgebot-api-key-0123456789"
HUMAN, HUMAN_PASSWORD = "edgehuman", "edgehuman-password-xyz"
QUICK = ReconnectPolicy(first=0.05, factor=2.0, longest=0.5)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def base() -> dict[str, Any]:
    """A real 19x19 game in play, with fixed handicap stones (initial_state) and moves."""
    return load("gamedata-handicap-corr-none-1")


def with_field(path: str, value: Any) -> dict[str, Any]:
    """The base payload with `path` ("a.b") set to `value`."""
    data = copy.deepcopy(base())
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    target[last] = value
    return data


# ----- GameData.from_json refuses what cannot be a game ------------------------------------

REFUSED = [
    ("width", 0),
    ("width", 1000),
    ("width", 1e300),
    ("width", 26),
    ("height", -1),
    ("width", 9.5),
    ("width", "19.5"),
    ("width", "nineteen"),
    ("width", True),
    ("width", [19]),
    ("initial_state.black", "dd!"),  # odd length
    ("initial_state.black", "zz"),  # off a 19x19 board
    ("initial_state.black", "DD"),
    ("initial_state.black", ".."),
    ("initial_state.black", ["dd"]),
    ("initial_state.black", 1234),
    ("initial_state.black", "dddd"),  # one point twice
    ("initial_state.white", "jd"),  # on a black stone
    ("initial_state", "garbage"),
    ("moves", [[19, 0, 100]]),
    ("moves", [[3, 3, 100], [100, 100, 100]]),
    ("moves", [[-1, 5, 100]]),
    ("moves", [["a", 3, 100]]),
    ("phase", "scoring"),
    ("phase", ""),
    ("phase", 3),
    ("phase", {"phase": "play"}),
    ("komi", 1e300),
    ("komi", -5000),
    ("komi", "abc"),
    ("komi", float("inf")),
    ("handicap", 2.5),
    ("handicap", 1000),
    ("handicap", -7),
    ("initial_player", "purple"),
    ("time_control.initial_time", 1e300),
    ("time_control.time_increment", -10),
    ("removed", "zzzz"),
]


@pytest.mark.parametrize(("path", "value"), REFUSED, ids=[f"{p}={v!r}" for p, v in REFUSED])
def test_gamedata_that_cannot_be_a_game_is_refused(path: str, value: Any) -> None:
    payload = with_field(path, value)
    if path.startswith("time_control."):
        payload["time_control"].update(system="fischer", max_time=600)
        payload["time_control"].setdefault("initial_time", 600)
        payload["time_control"].setdefault("time_increment", 10)
    with pytest.raises(ValueError, match=f"gamedata {path.split('.')[0]}"):
        GameData.from_json(payload)


ACCEPTED = [
    ("width", "19"),
    ("width", 19.0),
    ("phase", None),
    ("initial_state", None),
    ("initial_state.white", None),
    ("komi", None),
    ("komi", "6.5"),
    ("handicap", "8"),
    ("initial_player", "w"),
    ("moves", [[-1, -1, 100], [0, 18, 5]]),
    ("start_time", "2023-03-29T10:00:00Z"),  # REST's dates are not epoch numbers: ignored
]


def test_start_and_end_times_that_are_no_dates_are_ignored() -> None:
    for key in ("start_time", "end_time"):
        for value in (1e300, -1e20, "2023-03-29T10:00:00Z", "x"):
            assert getattr(GameData.from_json(with_field(key, value)), key) is None
        assert getattr(GameData.from_json(with_field(key, 1.7e12)), key) == 1.7e9  # ms
        assert getattr(GameData.from_json(with_field(key, 1.7e9)), key) == 1.7e9
    with pytest.raises(ValueError, match="start_time"):
        dataclasses.replace(GameData(), start_time=1e300)


@pytest.mark.parametrize(("path", "value"), ACCEPTED, ids=[f"{p}={v!r}" for p, v in ACCEPTED])
def test_what_ogs_really_sends_is_still_read(path: str, value: Any) -> None:
    gd = GameData.from_json(with_field(path, value))
    assert (gd.width, gd.height) == (19, 19)
    assert GameData.from_json(gd.to_json()) == gd
    game_sgf(gd).encode("utf-8")


def test_every_sample_is_still_accepted() -> None:
    for path in sorted(SAMPLES.glob("gamedata-*.json")):
        gd = GameData.from_json(json.loads(path.read_text(encoding="utf-8")))
        assert GameData.from_json(gd.to_json()) == gd, path.name


def test_a_gamedata_made_in_code_is_checked_too() -> None:
    gd = GameData.from_json(base())
    with pytest.raises(ValueError, match="width"):
        dataclasses.replace(gd, width=0)
    with pytest.raises(ValueError, match="moves"):
        gd.with_move(dataclasses.replace(gd.moves[0], x=30))
    with pytest.raises(ValueError, match="off a 19x19 board"):
        gd.check_move(dataclasses.replace(gd.moves[0], x=19))


def test_a_move_event_needs_a_whole_move_number() -> None:
    for bad in (
        {"move": [3, 3, 0]},
        {"move_number": "x", "move": [3, 3]},
        {"move_number": 1.5, "move": [3, 3]},
    ):
        with pytest.raises(ValueError, match="move_number"):
            MoveEvent.from_json(bad)
    assert MoveEvent.from_json({"move_number": "4", "move": [3, 3]}).move_number == 4


# ----- game_sgf never raises for accepted game data (a property over many) -------------------

ODD_TEXT = ["", "]", "\\", "a]b\\c", "\ud800", "x\udfffy", "\U0001f600", "名人", "\x00", "]]\\"]


def odd_gamedata(rng: random.Random) -> dict[str, Any]:
    """A random, odd but possible game: any size, stones, passes, texts, results."""
    w, h = rng.randint(1, 25), rng.randint(1, 25)
    points = [(x, y) for x in range(w) for y in range(h)]
    rng.shuffle(points)
    letters = "abcdefghijklmnopqrstuvwxy"
    black = points[: rng.randint(0, min(4, len(points)))]
    white = points[len(black) : len(black) + rng.randint(0, 2)]
    moves: list[list[Any]] = []
    for _ in range(rng.randint(0, 30)):
        if rng.random() < 0.2:
            moves.append([-1, -1, rng.randint(0, 10**6)])
        else:
            x, y = rng.choice(points)
            moves.append([x, y, rng.choice([0, 1.5, 10**9, None])])
    system = rng.choice(["fischer", "byoyomi", "canadian", "simple", "absolute", "none", "weird"])
    phase = rng.choice(["play", "stone removal", "finished"])
    return {
        "game_id": rng.choice([1, 0, 10**15, "77"]),
        "game_name": rng.choice(ODD_TEXT),
        "phase": phase,
        "width": rng.choice([w, str(w), float(w)]),
        "height": h,
        "komi": rng.choice([0, -999.5, 1000, "7.5", None, 0.25]),
        "handicap": rng.choice([0, 1, min(9, w * h), -1, w * h]),
        "rules": rng.choice(["japanese", "", "chinese", "]\\", "\ud800"]),
        "initial_player": rng.choice(["black", "white", None]),
        "initial_state": {
            "black": "".join(letters[x] + letters[y] for x, y in black),
            "white": "".join(letters[x] + letters[y] for x, y in white),
        },
        "free_handicap_placement": rng.choice([0, 1, True, False]),
        "moves": moves,
        "players": {
            "black": {"id": 1, "username": rng.choice(ODD_TEXT), "rank": rng.uniform(-1e6, 1e6)},
            "white": {"id": 2, "username": rng.choice(ODD_TEXT), "ranking": 1037, "pro": 1},
        },
        "time_control": {
            "system": system,
            **{key: rng.choice([0, 1, 30, 1e9]) for key in TIME_PARAMETERS.get(system, ())},
        },
        "start_time": rng.choice([None, 0, 253402300799, 1.7e9]),
        "outcome": rng.choice(["Resignation", " points", "12.5 points", "]", "\ud800", ""]),
        "winner": rng.choice([1, 2, 3, "black", "tie", None]),
        "removed": rng.choice(["", letters[0] * 2]),
    }


def test_game_sgf_never_raises_for_accepted_gamedata() -> None:
    rng = random.Random(13)
    for _ in range(600):
        payload = odd_gamedata(rng)
        gd = GameData.from_json(payload)
        text = game_sgf(gd)
        data = text.encode("utf-8")  # a record always encodes
        assert GameData.from_json(gd.to_json()) == gd
        if gd.width == gd.height:  # sgfmill reads square boards back, every move in place
            game = sgf.Sgf_game.from_bytes(data)
            assert game.get_size() == gd.width
            assert len(game.get_main_sequence()) == 1 + len(gd.moves)


def test_random_garbage_is_refused_or_makes_a_record() -> None:
    """Any field set to any odd value: from_json says ValueError, or game_sgf works."""
    rng = random.Random(1313)
    garbage: list[Any] = [None, 0, -1, 1e300, -1e300, "", "x", "\ud800", [], {}, [1, 2], True, 26]
    refused = 0
    for _ in range(1500):
        payload = odd_gamedata(rng)
        for _ in range(rng.randint(1, 3)):
            key = rng.choice(sorted(payload))
            payload[key] = rng.choice(garbage)
        try:
            gd = GameData.from_json(payload)
        except ValueError:
            refused += 1
            continue
        game_sgf(gd).encode("utf-8")
    assert 0 < refused < 1500


# ----- every text from the server encodes as UTF-8 ---------------------------------------------


def test_lone_surrogates_are_replaced_at_the_edge() -> None:
    frame = json.loads(
        '{"game_name": "bad \\ud800 name", "players": {"black": {"id": 1, "username":'
        ' "\\udfff"}, "white": {"id": 2, "username": "ok \\ud83d\\ude00"}}, "rules": "\\ud800"}'
    )
    gd = GameData.from_json(frame)
    assert gd.game_name == "bad \ufffd name"
    assert gd.black.username == "\ufffd"
    assert gd.white.username == "ok \U0001f600"  # a proper pair is one character
    assert gd.rules == "\ufffd"
    assert json.dumps(gd.raw, ensure_ascii=False).encode("utf-8")
    game_sgf(gd).encode("utf-8")
    chat = ChatLine.from_json({"line": {"body": "\ud800", "username": "\ud801"}})
    assert chat.body == "\ufffd" and chat.player.username == "\ufffd"
    chat = ChatLine.from_json({"line": {"body": {"type": "analysis", "name": "\ud800"}}})
    assert chat.body == {"type": "analysis", "name": "\ufffd"}
    challenge = Challenge.from_json({"challenge_id": 1, "user": {"id": 3, "username": "\ud800"}})
    assert challenge.challenger.username == "\ufffd"
    assert utf8_safe("\ud83d\ude00") == "\U0001f600" and utf8_safe("plain") == "plain"


def test_the_sgf_writer_is_safe_with_any_text() -> None:
    """A GameData made in code (not from JSON) with lone surrogates still writes a record."""
    gd = GameData.from_json(base())
    gd = dataclasses.replace(
        gd,
        game_name="\ud800]",
        black=Player(id=gd.black_player_id, username="\udc00"),
        outcome="\ud800",
        phase="finished",
        winner=gd.black_player_id,
    )
    text = game_sgf(gd)
    text.encode("utf-8")
    assert "GN[\ufffd\\]]" in text and "PB[\ufffd]" in text


# ----- Game: nothing invalid is stored; it resyncs ---------------------------------------------


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    emulator.add_bot(BOT, api_key=BOT_KEY)
    emulator.add_human(HUMAN, HUMAN_PASSWORD)
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot_game(emu: Emulator) -> AsyncIterator[Game]:
    """The bot (black) joined to a 9x9 game against the human, who plays nothing."""
    bot_account = emu.accounts.by_name(BOT)
    human_account = emu.accounts.by_name(HUMAN)
    assert bot_account is not None and human_account is not None
    request = ChallengeRequest(
        time_control=TimeControl.from_json(
            {"system": "fischer", "initial_time": 600, "time_increment": 10, "max_time": 1200}
        ),
        width=9,
        height=9,
        komi=6.5,
        rules="japanese",
        color="white",
    )
    challenge = emu.create_challenge(human_account, bot_account, request.to_json())
    referee = emu.start_game(challenge, bot_account)
    async with AsyncOGSClient(emu.url, api_key=BOT_KEY, reconnect=QUICK) as client:
        game = await client.join(referee.game_id)
        yield game


def inject(emu: Emulator, game: Game, suffix: str, data: Any) -> None:
    emu.send_raw(json.dumps([f"game/{game.game_id}/{suffix}", data]), BOT)


def joins(emu: Emulator) -> int:
    account = emu.accounts.by_name(BOT)
    assert account is not None
    return sum(1 for who, name, _ in emu.received if who == account.id and name == "game/connect")


async def sync(game: Game) -> None:
    """Everything the server sent before now has reached the game (a reply is a barrier)."""
    await game.realtime.request("game/latency", {"game_id": game.game_id})


BAD_GAMEDATA = {
    "width 0": {"width": 0},
    "width 1e300": {"width": 1e300},
    "garbage initial_state": {"initial_state": {"black": "!!??", "white": ""}},
    "unknown phase": {"phase": "scoring"},
    "move off the board": {"moves": [[40, 40, 10]]},
}


@pytest.mark.parametrize("change", list(BAD_GAMEDATA), ids=list(BAD_GAMEDATA))
async def test_bad_gamedata_is_not_stored_and_a_resync_follows(
    emu: Emulator, bot_game: Game, change: str
) -> None:
    game = bot_game
    game.move("C3")
    await game.wait_for(lambda g: g.move_number == 1, 5)
    before, state = game.gamedata, game.state
    assert before is not None and state is not None
    payload = {**before.to_json(), **BAD_GAMEDATA[change]}
    inject(emu, game, "gamedata", payload)
    await game.wait_for(lambda g: g.refused_count == 1, 5)
    assert game.gamedata is before and game.state is state  # what it had, untouched
    assert game.resyncing and not game.my_turn
    assert "gamedata" in game.last_refused
    await game.wait_for(lambda g: g.gamedata_count == 2, 5)  # the resync's fresh gamedata
    assert not game.resyncing
    assert game.gamedata is not None and game.gamedata.moves == before.moves
    assert game.state is not None and str(game.state.board) == str(state.board)
    await game.realtime.request("game/latency", {"game_id": game.game_id})
    game_sgf(game.gamedata).encode("utf-8")


async def test_a_stray_stone_removal_phase_resyncs_and_play_goes_on(
    emu: Emulator, bot_game: Game
) -> None:
    """OGS enters stone removal after two passes in a row only: a phase event saying so
    with no passes contradicts the moves, so the game keeps playing and asks the server."""
    game = bot_game
    inject(emu, game, "phase", "stone removal")
    await game.wait_for(lambda g: g.refused_count == 1, 5)
    assert game.phase == "play"
    assert "two passes" in game.last_refused
    await game.wait_for(lambda g: g.gamedata_count == 2, 5)
    assert game.phase == "play" and game.my_turn
    game.move("C3")  # and play goes on
    await game.wait_for(lambda g: g.move_number == 1, 5)


@pytest.mark.parametrize("phase", ["scoring", 7, None, {"phase": "finished"}])
async def test_an_unknown_phase_event_resyncs(emu: Emulator, bot_game: Game, phase: Any) -> None:
    game = bot_game
    inject(emu, game, "phase", phase)
    await game.wait_for(lambda g: g.gamedata_count == 2, 5)
    assert game.refused_count == 1 and game.phase == "play" and not game.ending


async def test_a_move_event_off_the_board_is_not_stored(emu: Emulator, bot_game: Game) -> None:
    game = bot_game
    for move in ([40, 40, 10], [9, 0, 10], [-1, 4, 10], ["x", 0]):
        count = game.gamedata_count
        inject(emu, game, "move", {"game_id": game.game_id, "move_number": 1, "move": move})
        await game.wait_for(lambda g, count=count: g.gamedata_count > count, 5)
        assert game.move_number == 0 and game.state is not None and game.state.board.is_empty()
        assert game.gamedata is not None
        game_sgf(game.gamedata).encode("utf-8")
    assert game.refused_count == 4


async def test_a_burst_of_bad_gamedata_asks_for_little(emu: Emulator, bot_game: Game) -> None:
    game = bot_game
    assert game.gamedata is not None
    bad = {**game.gamedata.to_json(), "width": 0}
    for _ in range(30):
        inject(emu, game, "gamedata", bad)
    await game.wait_for(lambda g: g.refused_count == 30, 5)
    await game.wait_for(lambda g: not g.resyncing, 10)
    await sync(game)
    assert joins(emu) <= 3  # the first join, then one or two resyncs; not thirty
    assert game.gamedata is not None and game.gamedata.width == 9


# ----- rengo: whose turn by the server's word ---------------------------------------------------


def test_rengo_team_members_have_their_colour_and_updates_rotate_players() -> None:
    gd = GameData.from_json(load("gamedata-rengo-1"))
    assert [p.id for p in gd.rengo_teams.black] == [1765, 1526]
    assert gd.color_of(1526) == "black" and gd.color_of(1767) == "white"
    moved = gd.with_players(
        {"black": 1526, "white": 1767}, {"black": [1526, 1765], "white": [1767, 1769]}
    )
    assert (moved.black_player_id, moved.white_player_id) == (1526, 1767)
    assert moved.black.username == gd.rengo_teams.black[1].username  # known players kept
    assert [p.id for p in moved.rengo_teams.black] == [1526, 1765]
    assert moved.to_move_player_id() == 1767  # white to move: white's active player
    assert GameData.from_json(moved.to_json()) == moved
    for players in ({"black": "x"}, {"black": 0}, [1, 2]):
        with pytest.raises(ValueError, match="player_update"):
            gd.with_players(players)
    assert gd.with_players(None, {"black": [1765, 99]}).rengo_teams.black[1] == Player(id=99)
    assert RengoTeams.from_json({"black": [5], "white": None}).color_of(5) == "black"


async def test_rengo_turn_comes_from_the_clock(emu: Emulator, bot_game: Game) -> None:
    """The bot plays black with a teammate (id 901); the human plays white with 902.
    The server's clock names who of the team moves; a player_update rotates players."""
    game = bot_game
    assert game.gamedata is not None and game.clock is not None
    me, human, mate = game.my_id, game.gamedata.white_player_id, 901
    rengo = {
        **game.gamedata.to_json(),
        "rengo": True,
        "rengo_teams": {
            "black": [{"id": mate, "username": "mate"}, {"id": me, "username": BOT}],
            "white": [{"id": human, "username": HUMAN}, {"id": 902, "username": "other"}],
        },
        "black_player_id": mate,
        "players": {
            "black": {"id": mate, "username": "mate"},
            "white": {"id": human, "username": HUMAN},
        },
        "clock": {**game.clock.to_json(), "current_player": mate, "black_player_id": mate},
    }
    inject(emu, game, "gamedata", rengo)
    await game.wait_for(lambda g: g.gamedata is not None and g.gamedata.rengo, 5)
    assert game.my_color == "black" and game.to_move == "black"
    assert game.current_player == mate
    assert game.is_turn_of(mate) and not game.is_turn_of(me) and not game.my_turn
    # The teammate's turn is over: the server rotates black's players, then its clock says.
    inject(emu, game, "player_update", {"players": {"black": me, "white": human}})
    await game.wait_for(lambda g: g.gamedata is not None and g.gamedata.black_player_id == me, 5)
    assert game.current_player == me and game.my_turn  # the colour's active player
    clock = {**game.clock.to_json(), "current_player": me, "black_player_id": me}
    inject(emu, game, "clock", clock)
    await sync(game)
    assert game.clock.current_player == me and game.is_turn_of(me) and game.my_turn
    inject(emu, game, "player_update", {"players": "nonsense"})
    await game.wait_for(lambda g: g.refused_count == 1, 5)
    assert "player_update" in game.last_refused


async def test_removed_stones_off_the_board_are_refused(emu: Emulator, bot_game: Game) -> None:
    game = bot_game
    inject(emu, game, "removed_stones", {"removed": True, "stones": "aa", "all_removed": "aaba"})
    inject(emu, game, "removed_stones", {"strict_seki_mode": False})  # changes no stones
    await sync(game)
    assert game.removed == "aaba" and game.refused_count == 0
    inject(emu, game, "removed_stones", {"removed": True, "stones": "zz", "all_removed": "zz"})
    await game.wait_for(lambda g: g.gamedata_count == 2, 5)
    assert game.refused_count == 1 and "removed_stones" in game.last_refused
    assert game.removed == ""  # the server's word, from the fresh gamedata


async def test_server_errors_are_utf8_safe(emu: Emulator, bot_game: Game) -> None:
    game = bot_game
    emu.send_raw(f'["game/{game.game_id}/error", "bad \\ud800 move"]', BOT)
    await game.wait_for(lambda g: g.error_count == 1, 5)
    assert game.last_error == "bad \ufffd move"
    game.last_error.encode("utf-8")
