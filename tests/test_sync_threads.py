"""The synchronous client's threads: the script's, the loop's, the callbacks'.

A call that waits is cut short when the client closes; callbacks may wait for the server
and may close the client; what a script reads cannot change under it; a failing callback's
report never shows a secret.
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ogsbot.ogs.client import OGSClient, SyncGame
from ogsbot.ogs.errors import OGSClientClosed, OGSGameError, OGSTimeout
from ogsbot.ogs.loop_thread import SyncProxy
from ogsbot.sandbox.referee import GameSettings
from world import CLIENT_ID, CLIENT_SECRET, World, wait

_ids = itertools.count(1)


def two_players(world: World) -> tuple[str, str, str, str]:
    n = next(_ids)
    names = (f"thready{n}", f"threadx{n}")
    passwords = (f"thready-{n}-password", f"threadx-{n}-password")
    for name, password in zip(names, passwords, strict=True):
        world.call(lambda name=name, password=password: world.emu.add_human(name, password))
    return names[0], passwords[0], names[1], passwords[1]


def new_game(world: World, black: str, white: str) -> int:
    def create() -> int:
        b, w = world.emu.accounts.by_name(black), world.emu.accounts.by_name(white)
        assert b is not None and w is not None
        return world.emu.create_game(b, w, GameSettings(width=9, height=9)).game_id

    return world.call(create)


@pytest.fixture
def game(world: World) -> Iterator[tuple[OGSClient, SyncGame, int]]:
    black, black_pw, white, _ = two_players(world)
    game_id = new_game(world, black, white)
    ogs = OGSClient(CLIENT_ID, CLIENT_SECRET, black, black_pw, server=world.url)
    ogs.socket_connect()
    assert ogs.sock is not None
    yield ogs, ogs.sock.game_connect(game_id), game_id
    ogs.close()


def test_close_cuts_short_a_wait_in_another_thread(
    world: World, game: tuple[OGSClient, SyncGame, int]
) -> None:
    ogs, sync_game, _ = game
    outcome: list[BaseException] = []

    def waiter() -> None:
        try:
            sync_game.wait_for(lambda g: g.finished)  # no timeout: only close() ends it
        except BaseException as exc:
            outcome.append(exc)

    def waiting() -> bool:  # the wait is on the loop: close() cuts it short, not refuses it
        return ogs._loop.call(
            lambda: any(
                getattr(t.get_coro(), "__qualname__", "") == "Game.wait_for"
                for t in asyncio.all_tasks()
            )
        )

    thread = threading.Thread(target=waiter)
    thread.start()
    wait(waiting, 5, "the wait to reach the client's loop")
    ogs.close()
    thread.join(10)
    assert not thread.is_alive(), "a wait outlived the client: the process would not exit"
    assert len(outcome) == 1 and isinstance(outcome[0], OGSClientClosed)


def test_a_wait_that_runs_out_is_a_typed_timeout(game: tuple[OGSClient, SyncGame, int]) -> None:
    _, sync_game, _ = game
    with pytest.raises(OGSTimeout):
        sync_game.wait_for(lambda g: g.finished, 0.2)
    with pytest.raises(TimeoutError):  # and still a TimeoutError
        sync_game.wait_for(lambda g: g.finished, 0.2)


def test_a_callback_may_join_a_game_and_close_the_client(world: World) -> None:
    """ogsapi's callbacks ran on a thread of their own: a bot joined its games from its
    `active_game` handler. Here the handler joins, then closes the client."""
    black, black_pw, white, _ = two_players(world)
    game_id = new_game(world, black, white)
    ogs = OGSClient(CLIENT_ID, CLIENT_SECRET, black, black_pw, server=world.url)
    joined: list[Any] = []
    problems: list[BaseException] = []

    def on_event(event_name: str, data: Any) -> None:
        if event_name != "active_game" or joined:
            return
        try:
            assert ogs.sock is not None
            joined.append(ogs.sock.game_connect(data["id"]).game_data)
            ogs.close()  # from the callback: the socket closes all the same
        except BaseException as exc:
            problems.append(exc)
            raise

    ogs.socket_connect(on_event)
    wait(lambda: bool(joined) or bool(problems), 10, "the callback's join")
    assert problems == [] and joined[0].game_id == game_id
    wait(lambda: world.connections(black) == 0, 10, "the socket closed by the callback")


def test_what_a_script_reads_cannot_change_under_it(
    game: tuple[OGSClient, SyncGame, int],
) -> None:
    _, sync_game, _ = game
    latencies = sync_game.latencies
    latencies[1] = 5.0  # a copy: the game's own is untouched
    assert 1 not in sync_game.latencies
    realtime = sync_game.realtime
    assert isinstance(realtime, SyncProxy)  # its methods run on the loop, like the game's
    assert realtime.connected is True


def test_failed_joins_leave_nothing_behind(world: World) -> None:
    black, black_pw, *_ = two_players(world)
    ogs = OGSClient(CLIENT_ID, CLIENT_SECRET, black, black_pw, server=world.url)
    try:
        ogs.socket_connect()
        assert ogs.sock is not None
        for _ in range(3):
            with pytest.raises(OGSGameError):
                ogs.sock.game_connect(987_654_321)
        assert 987_654_321 not in ogs._async.games
        assert 987_654_321 not in ogs._game_handlers
    finally:
        ogs.close()


def test_a_new_handler_replaces_the_old_one(world: World) -> None:
    black, black_pw, white, white_pw = two_players(world)
    game_id = new_game(world, black, white)
    ogs = OGSClient(CLIENT_ID, CLIENT_SECRET, black, black_pw, server=world.url)
    other = OGSClient(CLIENT_ID, CLIENT_SECRET, white, white_pw, server=world.url)
    try:
        first: list[str] = []
        second: list[str] = []
        third: list[str] = []
        ogs.socket_connect()
        other.socket_connect()
        assert ogs.sock is not None and other.sock is not None
        ogs.sock.game_connect(game_id, lambda event_name, data: first.append(event_name))
        sync_game = ogs.sock.game_connect(game_id, lambda e, d: second.append(e))
        white_game = other.sock.game_connect(game_id)
        sync_game.move("E5")
        wait(lambda: "move" in second, 5, "the second handler's move")
        sync_game.callback_handler = lambda e, d: third.append(e)  # ogsapi's attribute
        white_game.move("C3")
        wait(lambda: "move" in third, 5, "the third handler's move")
        assert "move" not in first
        assert second.count("move") == 1
    finally:
        ogs.close()
        other.close()


def test_a_failing_callback_shows_no_secret(world: World) -> None:
    """With `log_level`, a callback whose REST call fails printed the API key among the
    traceback's variables."""
    key = "secret-robot-key-0123456789abcdef"
    world.call(lambda: world.emu.add_bot(f"leaky{next(_ids)}", api_key=key))
    script = """
        import sys, time
        from ogsbot.ogs.client import OGSClient
        ogs = OGSClient(api_key=sys.argv[2], server=sys.argv[1], log_level="ERROR")
        def on_event(data):
            ogs.game_details(999999999)  # no such game: OGSNotFound inside our REST frames
        ogs.socket_connect(on_event)
        time.sleep(1)
        ogs.close()
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), world.url, key],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "callback" in result.stderr and "on_event" in result.stderr  # it is reported
    assert key not in result.stderr and key not in result.stdout
