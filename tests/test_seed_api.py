"""ogsapi 1.3.0's public API (`shared/seed/ogsapi-reference.md`), one test per method.

Each test calls the method as ogsapi's users call it (its names, arguments and return
shapes) against the emulator and checks what it did on the server.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from ogsbot.ogs.client import (
    OGSApiException,
    OGSClient,
    OGSGame,
    OGSGameClock,
    OGSGameData,
    OGSRestAPI,
    SyncGame,
)
from ogsbot.ogs.errors import OGSGameError, OGSNotConnected
from ogsbot.sandbox.referee import GameSettings
from world import CLIENT_ID, CLIENT_SECRET, World, wait

_ids = itertools.count(1)


@dataclass
class Pair:
    """Two humans, both logged in and connected, and a game between them (alice black)."""

    world: World
    alice: OGSClient
    bob: OGSClient
    alice_name: str
    bob_name: str
    events: list[tuple[str, Any]]

    def new_game(self, **settings: Any) -> tuple[int, SyncGame, SyncGame]:
        def create() -> int:
            emu = self.world.emu
            black, white = (
                emu.accounts.by_name(self.alice_name),
                emu.accounts.by_name(self.bob_name),
            )
            assert black is not None and white is not None
            return emu.create_game(
                black, white, GameSettings(width=9, height=9, **settings)
            ).game_id

        game_id = self.world.call(create)
        assert self.alice.sock is not None and self.bob.sock is not None
        alice_game = self.alice.sock.game_connect(game_id, self.record)
        bob_game = self.bob.sock.game_connect(game_id)
        return game_id, alice_game, bob_game

    def record(self, event_name: str, data: Any) -> None:
        self.events.append((event_name, data))

    def referee(self, game_id: int) -> Any:
        return self.world.emu.games[game_id]


@pytest.fixture
def pair(world: World) -> Iterator[Pair]:
    n = next(_ids)
    names = (f"alice{n}", f"bob{n}")
    passwords = (f"alice-{n}-password-xyz", f"bob-{n}-password-xyz")
    for name, password in zip(names, passwords, strict=True):
        world.call(lambda name=name, password=password: world.emu.add_human(name, password))
    alice = OGSClient(CLIENT_ID, CLIENT_SECRET, names[0], passwords[0], server=world.url)
    bob = OGSClient(CLIENT_ID, CLIENT_SECRET, names[1], passwords[1], server=world.url)
    events: list[tuple[str, Any]] = []
    alice.socket_connect(lambda event_name, data: events.append((event_name, data)))
    bob.socket_connect(lambda data: None)
    yield Pair(world, alice, bob, names[0], names[1], events)
    alice.close()
    bob.close()


def account(pair: Pair, name: str) -> Any:
    found = pair.world.emu.accounts.by_name(name)
    assert found is not None
    return found


# ----- OGSClient: REST ---------------------------------------------------------------------


def test_user_vitals(pair: Pair) -> None:
    vitals = pair.alice.user_vitals()
    assert vitals["username"] == pair.alice_name and vitals["id"] == pair.alice.credentials.user_id
    assert {"ratings", "ranking", "about"} <= set(vitals)


def test_credentials_user_id(pair: Pair) -> None:
    credentials = pair.alice.credentials
    assert credentials.user_id == account(pair, pair.alice_name).id
    assert credentials["user_id"] == credentials.user_id  # the dict form still reads
    assert credentials.password and credentials.password not in repr(credentials)


def test_user_settings(pair: Pair) -> None:
    assert isinstance(pair.alice.user_settings(), dict)


def test_update_user_settings(pair: Pair) -> None:
    pair.alice.update_user_settings(about="I play on weekends", country="fr", private_name=True)
    me = account(pair, pair.alice_name)
    assert (me.about, me.country) == ("I play on weekends", "fr")


def test_active_games(pair: Pair) -> None:
    game_id, _, _ = pair.new_game()
    assert [g["id"] for g in pair.alice.active_games()] == [game_id]
    bob_id = account(pair, pair.bob_name).id
    assert [g["id"] for g in pair.alice.active_games(bob_id)] == [game_id]


def test_user_games(pair: Pair) -> None:
    game_id, _, _ = pair.new_game()
    page = pair.alice.user_games(page=1, page_size=10)
    assert game_id in [g["id"] for g in page["results"]]


def test_user_friends_send_friend_request_and_remove_friend(pair: Pair) -> None:
    pair.alice.send_friend_request(pair.bob_name)
    bob = account(pair, pair.bob_name)
    alice = account(pair, pair.alice_name)
    assert alice.id in pair.world.emu.friend_requests.get(bob.id, set())
    pair.bob.api.accept_friend_request(alice.id)
    friends = pair.alice.user_friends()  # ogsapi's shape: a page, here of every friend
    assert friends["count"] == 1 and [f["username"] for f in friends["results"]] == [pair.bob_name]
    named = pair.alice.user_friends(pair.bob_name)["results"]
    assert [f["username"] for f in named] == [pair.bob_name]
    pair.alice.remove_friend(pair.bob_name)
    assert pair.alice.user_friends()["results"] == []


def test_get_player(pair: Pair) -> None:
    assert pair.alice.get_player(pair.bob_name)["id"] == account(pair, pair.bob_name).id


def test_get_player_games(pair: Pair) -> None:
    game_id, _, _ = pair.new_game()
    assert game_id in [g["id"] for g in pair.alice.get_player_games(pair.bob_name)["results"]]


def test_create_challenge_with_ogsapi_keywords(pair: Pair) -> None:
    challenge_id, game_id = pair.alice.create_challenge(
        player_username=pair.bob_name,
        min_ranking=5,
        max_ranking=30,
        challenger_color="black",
        game_name="seed names",
        game_rules="chinese",
        game_ranked=False,
        game_width=13,
        game_height=13,
        game_handicap="2",
        game_komi_auto=False,
        game_komi="0.5",
        game_disable_analysis=True,
        game_initial_state=None,
        game_private=False,
        game_time_control="byoyomi",
        byoyomi_main_time=600,
        byoyomi_period_time=30,
        byoyomi_periods=5,
        byoyomi_periods_min=3,
        byoyomi_periods_max=10,
        pause_on_weekends=True,
    )
    record = pair.world.emu.challenges[challenge_id]
    assert record.game_id == game_id
    assert (record.name, record.rules, record.width, record.handicap, record.komi) == (
        "seed names",
        "chinese",
        13,
        2,
        0.5,
    )
    tc = record.time_control
    assert (tc.system, tc.main_time, tc.period_time, tc.periods) == ("byoyomi", 600, 30, 5)
    assert tc.pause_on_weekends is True


def test_create_challenge_refuses_a_time_system_missing_a_parameter(pair: Pair) -> None:
    before = set(pair.world.emu.challenges)
    with pytest.raises(ValueError, match="stones_per_period"):
        pair.alice.create_challenge(
            pair.bob_name, time_control="canadian", main_time=600, period_time=300
        )
    with pytest.raises(TypeError, match="fischer_incremnt"):
        pair.alice.create_challenge(pair.bob_name, time_control="fischer", fischer_incremnt=5)
    assert set(pair.world.emu.challenges) == before


def test_received_and_sent_challenges(pair: Pair) -> None:
    challenge_id, _ = pair.alice.create_challenge(pair.bob_name, time_control="fischer")
    assert [c["id"] for c in pair.bob.received_challenges()] == [challenge_id]
    assert [c["id"] for c in pair.alice.sent_challenges()] == [challenge_id]
    assert pair.bob.sent_challenges() == [] and pair.alice.received_challenges() == []


def test_challenge_details_and_accept_challenge(pair: Pair) -> None:
    challenge_id, game_id = pair.alice.create_challenge(pair.bob_name, time_control="fischer")
    assert pair.bob.challenge_details(challenge_id)["id"] == challenge_id
    pair.bob.accept_challenge(challenge_id)
    assert game_id in pair.world.emu.games


def test_decline_challenge(pair: Pair) -> None:
    challenge_id, _ = pair.alice.create_challenge(pair.bob_name, time_control="fischer")
    pair.bob.decline_challenge(challenge_id)
    assert challenge_id not in pair.world.emu.challenges


def test_game_details_reviews_png_and_sgf(pair: Pair) -> None:
    game_id, alice_game, _ = pair.new_game()
    alice_game.move("E5")
    assert pair.alice.game_details(game_id)["id"] == game_id
    assert pair.alice.game_reviews(game_id)["results"] == []
    assert pair.alice.game_png(game_id).startswith(b"\x89PNG")
    assert "B[ee]" in pair.alice.game_sgf(game_id)


# ----- OGSRestAPI --------------------------------------------------------------------------


def test_api_authenticate(pair: Pair) -> None:
    pair.alice.api.authenticate()
    assert pair.alice.user_vitals()["username"] == pair.alice_name


def test_api_call_rest_endpoint(pair: Pair) -> None:
    response = pair.alice.api.call_rest_endpoint("GET", "/me")
    assert (
        isinstance(response, requests.Response) and response.json()["username"] == pair.alice_name
    )
    with pytest.raises(ValueError, match="TRACE"):
        pair.alice.api.call_rest_endpoint("TRACE", "/me")


def test_api_get_auth_data(pair: Pair) -> None:
    assert pair.alice.api.get_auth_data()["user_jwt"]


# ----- OGSSocket ---------------------------------------------------------------------------


def test_socket_connect_and_callbacks_get_every_event(pair: Pair) -> None:
    pair.new_game()  # an active_game push, then the game's own events go to its handler
    wait(lambda: any(name == "active_game" for name, _ in list(pair.events)), 5, "active_game")
    assert pair.alice.sock is not None
    pair.alice.sock.socket_callbacks()  # attached already: nothing doubles
    pair.alice.sock.ping()
    wait(lambda: any(name == "net/pong" for name, _ in list(pair.events)), 5, "net/pong")


def test_socket_disconnect_and_sending_after_it_raises(pair: Pair) -> None:
    _, alice_game, _ = pair.new_game()
    pair.alice.socket_disconnect()
    assert pair.alice.sock is None
    with pytest.raises(OGSNotConnected):
        alice_game.move("E5", wait=False)
    wait(lambda: pair.world.connections(pair.alice_name) == 0, 5, "the socket to close")


def test_sock_host_info(pair: Pair) -> None:
    assert pair.alice.sock is not None
    info = pair.alice.sock.host_info()
    assert {"hostname", "clients", "uptime", "ggs-version"} <= set(info)


def test_sock_ping_last_ping_latency_and_drift(pair: Pair) -> None:
    sock = pair.alice.sock
    assert sock is not None
    sock.ping()
    assert sock.last_issued_ping > 0
    wait(lambda: sock.last_ping >= sock.last_issued_ping - 5, 5, "the pong")
    assert sock.clock_latency >= 0 and isinstance(sock.clock_drift, float)


def test_sock_notification_and_chat_connect_are_harmless(pair: Pair) -> None:
    sock = pair.alice.sock
    assert sock is not None
    sock.notification_connect()
    sock.chat_connect()
    assert sock.connected


def test_sock_game_connect_disconnect_and_games(pair: Pair) -> None:
    game_id, alice_game, _ = pair.new_game()
    sock = pair.alice.sock
    assert sock is not None
    assert sock.games[game_id] is alice_game and isinstance(alice_game, OGSGame)
    sock.game_disconnect(game_id)
    assert game_id not in sock.games


def test_sock_game_connect_to_a_missing_game_raises_the_servers_error(pair: Pair) -> None:
    assert pair.alice.sock is not None
    with pytest.raises(OGSGameError, match="does not exist"):
        pair.alice.sock.game_connect(999_999_999)


def test_sock_disconnect(pair: Pair) -> None:
    sock = pair.alice.sock
    assert sock is not None
    sock.disconnect()
    wait(lambda: pair.world.connections(pair.alice_name) == 0, 5, "the socket to close")


def test_socket_connect_with_no_login_raises_at_once(world: World) -> None:
    from ogsbot.ogs.errors import OGSLoginRequired

    anonymous = OGSClient(server=world.url)
    try:
        with pytest.raises(OGSLoginRequired):
            anonymous.socket_connect(lambda data: None)
        assert anonymous._async.realtime is None  # nothing left retrying
    finally:
        anonymous.close()


# ----- OGSGame -----------------------------------------------------------------------------


def test_game_attributes(pair: Pair) -> None:
    game_id, alice_game, _ = pair.new_game()
    assert alice_game.game_id == game_id
    data = alice_game.game_data
    assert data is not None and data.black_player.username == pair.alice_name
    assert data.white_player.username == pair.bob_name and data.initial_state == {
        "black": "",
        "white": "",
    }
    assert alice_game.callback_handler == pair.record
    assert alice_game.phase == "play" and alice_game.clock is not None


def test_game_move_and_pass_turn(pair: Pair) -> None:
    game_id, alice_game, bob_game = pair.new_game()
    move = alice_game.move("D4")
    assert move is not None and pair.referee(game_id).state.moves[-1] == ("b", (3, 5))
    bob_game.move("ee")  # OGS letters work too
    alice_game.pass_turn()
    assert pair.referee(game_id).state.moves[-1] == ("b", None)
    with pytest.raises(OGSGameError, match="turn"):
        alice_game.move("A1")  # not alice's turn: the server's refusal, typed


def test_game_resign(pair: Pair) -> None:
    game_id, alice_game, _ = pair.new_game()
    alice_game.resign()
    alice_game.wait_for(lambda g: g.finished, 5)
    assert pair.referee(game_id).outcome == "Resignation"


def test_game_cancel(pair: Pair) -> None:
    game_id, alice_game, _ = pair.new_game()
    alice_game.cancel()
    alice_game.wait_for(lambda g: g.finished, 5)
    assert pair.referee(game_id).outcome == "Cancellation"


def test_game_pause_and_resume(pair: Pair) -> None:
    game_id, alice_game, _ = pair.new_game()
    alice_game.pause()
    wait(lambda: pair.referee(game_id).paused_since is not None, 5, "the pause")
    alice_game.resume()
    wait(lambda: pair.referee(game_id).paused_since is None, 5, "the resume")


def test_game_undo_and_accept_undo(pair: Pair) -> None:
    game_id, alice_game, bob_game = pair.new_game()
    alice_game.move("D4")
    bob_game.wait_for(lambda g: g.move_number == 1, 5)
    alice_game.undo(1)  # ogsapi passes the move number
    bob_game.wait_for(lambda g: g.undo_requested == 1, 5)
    bob_game.accept_undo(1)
    alice_game.wait_for(lambda g: g.move_number == 0, 5)
    assert pair.referee(game_id).state.moves == []


def test_game_cancel_undo(pair: Pair) -> None:
    _, alice_game, bob_game = pair.new_game()
    alice_game.move("D4")
    alice_game.undo()
    bob_game.wait_for(lambda g: g.undo_requested == 1, 5)
    alice_game.cancel_undo(1)
    bob_game.wait_for(lambda g: g.undo_requested is None, 5)


def test_game_send_chat(pair: Pair) -> None:
    game_id, alice_game, _ = pair.new_game()
    alice_game.send_chat("good game", "main", 0)
    wait(lambda: len(pair.referee(game_id).chat) == 1, 5, "the chat line")
    line = pair.referee(game_id).chat[0]
    assert (line["channel"], line["line"]["body"]) == ("main", "good game")


def test_any_game_method_from_a_script_reaches_the_server_at_once(pair: Pair) -> None:
    """Methods with no wrapper of their own (Game.chat here) run on the client's loop: their
    frame went out with the loop's next wake-up, 5 to 7.5 s later on a quiet connection."""
    game_id, alice_game, _ = pair.new_game()
    alice_game.chat("straight through")
    wait(lambda: len(pair.referee(game_id).chat) == 1, 2, "the chat line, well before 5 s")


def test_game_get_gamedata(pair: Pair) -> None:
    _, alice_game, _ = pair.new_game()
    before = alice_game.gamedata_count
    data = alice_game.get_gamedata()
    assert data.game_id == alice_game.game_id and alice_game.gamedata_count == before + 1


def test_game_connect_and_disconnect(pair: Pair) -> None:
    game_id, alice_game, _ = pair.new_game()
    alice_game.disconnect()
    assert not alice_game.joined
    assert alice_game.connect() is alice_game and alice_game.joined
    assert alice_game.game_data is not None and alice_game.game_data.game_id == game_id


def test_ogsapi_class_names(pair: Pair) -> None:
    """ogsapi's classes by name: its exception catches every ogsbot error."""
    _, alice_game, _ = pair.new_game()
    assert isinstance(pair.alice.api, OGSRestAPI)
    assert isinstance(alice_game.game_data, OGSGameData)
    assert isinstance(alice_game.clock, OGSGameClock)
    with pytest.raises(OGSApiException):
        alice_game.move("Z99")  # not a point of a 9x9 board
    with pytest.raises(OGSApiException):
        pair.alice.get_player("nobody-of-that-name")


def test_ogsapi_attributes_of_credentials_api_and_socket(pair: Pair) -> None:
    credentials = pair.alice.credentials
    assert credentials.access_token and credentials.refresh_token  # a password login's
    assert credentials.access_token not in repr(credentials)
    assert credentials.chat_auth is None and credentials.notification_auth is None
    assert credentials.user_jwt  # the realtime login, once connected
    api = pair.alice.api
    assert (api.api_ver, api.base_url) == ("v1", pair.world.url + "/")
    assert api.credentials is credentials
    assert pair.alice.sock is not None and pair.alice.sock.socket is not None
    assert pair.alice.sock.socket.connected is True
    _, alice_game, _ = pair.new_game()
    assert alice_game.socket.connected is True and alice_game.credentials is credentials
    assert alice_game.game_data is not None
    assert (
        alice_game.game_data.time_control.time_control == alice_game.game_data.time_control.system
    )


def test_argument_errors_are_ogsapi_exceptions(pair: Pair) -> None:
    with pytest.raises(OGSApiException):
        pair.alice.create_challenge(pair.bob_name, time_control="simple")  # no per_move
    with pytest.raises(OGSApiException):
        pair.alice.create_challenge(pair.bob_name, no_such_keyword=1)
