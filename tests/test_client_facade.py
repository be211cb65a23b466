"""The synchronous `OGSClient`, used as the seed library's docs show, against the emulator.

The facade blocks, so the emulator runs on its own event loop in a background thread (the
`world` fixture) and the tests are plain functions, like the scripts the facade is for.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from loguru import logger

from ogsbot.ogs.client import OGSClient, SyncGame
from ogsbot.ogs.errors import OGSAuthError, OGSGameError
from ogsbot.ogs.game import Game
from world import CLIENT_ID, CLIENT_SECRET, World, login, wait


@dataclass
class Recorder:
    """A seed-style callback: (event name, data) into a list, safe across threads."""

    events: list[tuple[str, Any]]

    def __call__(self, event: str, data: Any) -> None:
        self.events.append((event, data))

    def names(self) -> list[str]:
        return [name for name, _ in list(self.events)]


def recorder() -> Recorder:
    return Recorder([])


# ----- the seed's usage, step by step -----------------------------------------------------


def test_the_seed_usage_end_to_end(world: World, clients: list[OGSClient]) -> None:
    alice_name, alice_password = world.human()
    bob_name, bob_password = world.human()
    ogs = login(world, clients, alice_name, alice_password)
    bob = login(world, clients, bob_name, bob_password)

    vitals = ogs.user_vitals()
    assert vitals["username"] == alice_name
    assert ogs.credentials["user_id"] == vitals["id"]
    player = ogs.get_player(bob_name)
    assert player["username"] == bob_name

    # Exactly the docs' call: seed keyword names, (challenge id, game id) back.
    challenge_id, game_id = ogs.create_challenge(
        player_username=bob_name,
        ruleset="japanese",
        time_control="fischer",
        fisher_time_initial_time=300,
        fischer_time_increment=0,
        ranked=True,
        handicap=0,
        komi=6.5,
        width=19,
        height=19,
    )
    assert isinstance(challenge_id, int) and isinstance(game_id, int)
    received = bob.received_challenges()
    assert [c["id"] for c in received] == [challenge_id]
    sent = received[0]
    assert sent["challenger"]["username"] == alice_name
    assert sent["game"]["rules"] == "japanese" and sent["game"]["width"] == 19
    assert json.loads(sent["game"]["time_control_parameters"])["initial_time"] == 300
    assert ogs.receive_challenges() == []  # the docs' spelling; alice received none
    assert [c["id"] for c in ogs.sent_challenges()] == [challenge_id]

    # A second challenge is declined and disappears.
    other_challenge, _ = ogs.create_challenge(bob_name, time_control="byoyomi", width=9, height=9)
    bob.decline_challenge(other_challenge)
    assert [c["id"] for c in bob.received_challenges()] == [challenge_id]

    bob.accept_challenge(challenge_id)

    socket_events = recorder()
    game_events = recorder()
    ogs.socket_connect(socket_events)
    bob.socket_connect(recorder())
    assert ogs.sock is not None and bob.sock is not None
    # What the server pushes with the login reaches the callback: the game, the notifications.
    wait(lambda: "active_game" in socket_events.names(), 3, "the login's active_game")
    wait(lambda: "notification" in socket_events.names(), 3, "the login's notifications")
    assert any(d["id"] == game_id for n, d in socket_events.events if n == "active_game")
    game = ogs.sock.game_connect(game_id, game_events)
    bob_game = bob.sock.game_connect(game_id)  # no callback: the socket's own gets the events
    assert isinstance(game, SyncGame)
    assert game.gamedata is not None and game.gamedata.width == 19
    assert game.phase == "play"
    assert game.clock is not None

    black, white = (game, bob_game) if game.my_color == "black" else (bob_game, game)
    black.move("A1")  # GTP
    white.wait_for(lambda g: g.move_number == 1, 5)
    white.move("aa")  # OGS letters: the top left corner
    black.wait_for(lambda g: g.move_number == 2, 5)
    black.pass_turn()
    white.wait_for(lambda g: g.move_number == 3, 5)
    board = world.emu.games[game_id].state.board
    assert board.get((0, 18)) == "b"
    assert board.get((0, 0)) == "w"
    assert world.emu.games[game_id].state.moves[-1] == ("b", None)
    wait(lambda: game_events.names().count("move") == 3, what="the move events")
    assert "gamedata" in game_events.names()
    moves = [data for name, data in game_events.events if name == "move"]
    assert [m["move_number"] for m in moves] == [1, 2, 3]

    info = ogs.sock.host_info()  # the server's answer, not a local dict
    assert {"hostname", "clients", "uptime", "ggs-version"} <= set(info)
    assert info["clients"] >= 2  # alice's socket and the robot's
    ogs.sock.ping()
    wait(lambda: "net/pong" in socket_events.names(), what="the pong")
    assert "active_game" in socket_events.names()

    ogs.socket_disconnect()
    assert ogs.sock is None
    wait(lambda: world.connections(alice_name) == 0, what="the socket to close")
    assert ogs.user_vitals()["username"] == alice_name  # REST still works
    again = recorder()
    ogs.socket_connect(again)  # and the socket can open again
    assert world.connections(alice_name) == 1
    wait(lambda: "active_game" in again.names(), 3, "the login's active_game")
    count = len(socket_events.events)
    ogs.sock.ping()
    wait(lambda: "net/pong" in again.names(), 3, "the pong")
    assert len(socket_events.events) == count  # the old callback is gone
    ogs.close()
    bob.close()
    assert ogs.sock is None
    with pytest.raises(RuntimeError, match="closed"):
        game.move("B2")


def test_an_api_key_client(world: World, clients: list[OGSClient]) -> None:
    bot_name, key = world.bot()
    human_name, password = world.human()
    robot = OGSClient(api_key=key, server=world.url)
    clients.append(robot)
    human = login(world, clients, human_name, password)
    assert robot.user_vitals()["username"] == bot_name
    challenge_id, game_id = human.create_challenge(
        bot_name, time_control="fischer", width=9, height=9, challenger_color="white"
    )
    assert [c["id"] for c in robot.received_challenges()] == [challenge_id]
    robot.accept_challenge(challenge_id)
    robot.socket_connect(recorder())
    assert robot.sock is not None
    game = robot.sock.game_connect(game_id, recorder())
    assert game.my_color == "black" and game.my_turn
    game.move((4, 4))
    game.wait_for(lambda g: g.move_number == 1, 5)
    assert world.emu.games[game_id].state.board.get((4, 4)) == "b"
    assert robot.sock.host_info()["clients"] >= 1


def test_a_wrong_password_or_key_raises_at_once(world: World) -> None:
    name, _ = world.human()
    with pytest.raises(OGSAuthError):
        OGSClient(CLIENT_ID, CLIENT_SECRET, name, "not-the-password", server=world.url)
    with pytest.raises(OGSAuthError):
        OGSClient(api_key="no-such-key-0123456789", server=world.url)
    with pytest.raises(ValueError, match="password"):
        OGSClient(CLIENT_ID, CLIENT_SECRET, name, server=world.url)  # half a login


def test_the_client_is_a_context_manager(world: World) -> None:
    name, password = world.human()
    with OGSClient(CLIENT_ID, CLIENT_SECRET, name, password, server=world.url) as ogs:
        ogs.socket_connect(recorder())
        assert world.connections(name) == 1
        thread = ogs._loop.thread
        assert thread.is_alive()
    assert not thread.is_alive()
    wait(lambda: world.connections(name) == 0, what="the socket to close")
    ogs.close()  # again: harmless


def test_callbacks_may_act_on_the_game(world: World, clients: list[OGSClient]) -> None:
    """A callback runs on the client's callback thread, in order: it may move, wait for the
    server (the move's answer, REST, hostinfo) and nothing deadlocks or stalls the loop."""
    bot_name, key = world.bot()
    human_name, password = world.human()
    robot = OGSClient(api_key=key, server=world.url)
    clients.append(robot)
    human = login(world, clients, human_name, password)
    challenge_id, game_id = human.create_challenge(
        bot_name, time_control="fischer", width=9, height=9, challenger_color="black"
    )
    robot.accept_challenge(challenge_id)
    replies = iter(["C3", "C5", "C7"])
    answered = threading.Event()
    problems: list[BaseException] = []
    holder: dict[str, SyncGame] = {}

    played: set[int] = set()

    def respond(event: str, data: Any) -> None:
        game = holder.get("game")
        if game is None or not game.my_turn or game.move_number in played:
            return  # (the clock event after a move is what says it is our turn)
        played.add(game.move_number)
        try:
            game.move(next(replies))  # from inside the callback: waits for the server
            assert robot.game_details(game_id)["id"] == game_id  # REST: waits too
            assert robot.sock.host_info()["clients"] >= 2  # type: ignore[union-attr]
            answered.set()
        except StopIteration:
            pass
        except Exception as exc:
            problems.append(exc)

    robot.socket_connect(recorder())
    assert robot.sock is not None
    holder["game"] = robot.sock.game_connect(game_id, respond)
    human.socket_connect(recorder())
    assert human.sock is not None
    human_game = human.sock.game_connect(game_id)
    human_game.move("G7")
    assert answered.wait(5), "the callback's move never went out (deadlock?)"
    human_game.wait_for(lambda g: g.move_number == 2, 5)
    assert world.emu.games[game_id].state.board.get((2, 6)) == "w"
    assert problems == []


# ----- scripts, logging and secrets -------------------------------------------------------


def run_script(
    source: str, *args: str, timeout: float = 20
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return result, time.monotonic() - started


def test_a_script_exits_promptly_without_disconnecting(world: World) -> None:
    name, password = world.human()
    bot_name, _ = world.bot()
    starter = OGSClient(CLIENT_ID, CLIENT_SECRET, name, password, server=world.url)
    try:
        challenge_id, game_id = starter.create_challenge(
            bot_name, time_control="fischer", width=9, height=9, challenger_color="black"
        )
    finally:
        starter.close()
    bot = world.emu.accounts.by_name(bot_name)
    challenge = world.emu.challenges[challenge_id]
    world.call(lambda: world.emu.start_game(challenge, bot))  # type: ignore[arg-type]
    script = """
        import sys, time
        from ogsbot.ogs.client import OGSClient

        url, name, password, game_id = sys.argv[1:]
        ogs = OGSClient("sandbox-client", "sandbox-secret", name, password, server=url)
        ogs.socket_connect(lambda event, data: None)
        game = ogs.sock.game_connect(int(game_id), lambda event, data: None)
        game.move("E5")
        game.wait_for(lambda g: g.move_number == 1, 10)
        print("moved", time.monotonic(), flush=True)
        # no socket_disconnect(), no close(): the script just ends
    """
    result, _ = run_script(script, world.url, name, password, str(game_id))
    ended = time.monotonic()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("moved")
    moved_at = float(result.stdout.split()[1])
    assert ended - moved_at < 4.0, "the script hung at exit"
    assert world.emu.games[game_id].state.board.get((4, 4)) == "b"
    wait(lambda: world.connections(name) == 0, what="the script's socket to close")

    # A script that dies with an error exits promptly too.
    failing = """
        import sys
        from ogsbot.ogs.client import OGSClient

        url, name, password = sys.argv[1:]
        ogs = OGSClient("sandbox-client", "sandbox-secret", name, password, server=url)
        ogs.socket_connect(lambda event, data: None)
        raise SystemExit("bye " + ogs.user_vitals()["username"])
    """
    result, took = run_script(failing, world.url, name, password)
    assert result.returncode == 1
    assert f"bye {name}" in result.stderr
    assert took < 10


def test_logging_is_off_until_enabled(world: World) -> None:
    name, password = world.human()
    script = """
        import json, sys, time
        from loguru import logger
        from ogsbot.ogs.client import OGSClient

        url, name, password = sys.argv[1:]
        lines = []
        logger.remove()
        logger.add(lambda message: lines.append(message.record["name"]), level="TRACE")
        ogs = OGSClient("sandbox-client", "sandbox-secret", name, password, server=url)
        ogs.socket_connect(lambda event, data: None)
        ogs.sock.ping()
        time.sleep(0.2)
        before = [n for n in lines if n.startswith("ogsbot")]
        ogs.enable_logging()
        ogs.user_vitals()
        ogs.sock.disable_logging()
        ogs.user_vitals()
        middle = [n for n in lines if n.startswith("ogsbot")]
        ogs.sock.enable_logging()
        ogs.socket_disconnect()
        ogs.socket_connect(lambda event, data: None)
        after = [n for n in lines if n.startswith("ogsbot")]
        print(json.dumps([len(before), len(middle), len(after), sorted(set(after))]))
    """
    result, _ = run_script(script, world.url, name, password)
    assert result.returncode == 0, result.stderr
    before, middle, after, modules = json.loads(result.stdout)
    assert before == 0
    assert middle > 0
    assert after > middle
    assert "ogsbot.ogs.rest_transport" in modules and "ogsbot.ogs.realtime" in modules
    assert result.stderr == ""

    # The seed's shortcut: log_level= on the constructor prints our lines on stderr.
    verbose = """
        import sys
        from ogsbot.ogs.client import OGSClient

        url, name, password = sys.argv[1:]
        with OGSClient("sandbox-client", "sandbox-secret", name, password, server=url,
                       log_level="DEBUG") as ogs:
            ogs.user_vitals()
    """
    result, _ = run_script(verbose, world.url, name, password)
    assert result.returncode == 0, result.stderr
    assert "DEBUG" in result.stderr and "GET /api/v1/me" in result.stderr


def test_no_secret_reaches_the_logs_or_an_error(world: World, clients: list[OGSClient]) -> None:
    name, password = world.human()
    bot_name, key = world.bot()
    issued: list[str] = []
    accounts = world.emu.accounts
    issue_tokens, issue_jwt = accounts.issue_tokens, accounts.issue_jwt

    def record_tokens(account: Any) -> dict[str, Any]:
        tokens = issue_tokens(account)
        issued.extend([tokens["access_token"], tokens["refresh_token"]])
        return tokens

    def record_jwt(account: Any) -> str:
        token = issue_jwt(account)
        issued.append(token)
        return token

    accounts.issue_tokens = record_tokens  # type: ignore[method-assign]
    accounts.issue_jwt = record_jwt  # type: ignore[method-assign]

    lines: list[str] = []
    texts: list[str] = []
    sink = logger.add(
        lambda message: lines.append(str(message)),
        level="TRACE",
        format="{time} {level} {name}:{function} {message} {extra}\n{exception}",
        backtrace=True,
        diagnose=True,
    )
    logger.enable("ogsbot")
    try:
        attempts: list[Callable[[], OGSClient]] = [
            lambda: OGSClient(CLIENT_ID, CLIENT_SECRET, name, password + "x", server=world.url),
            lambda: OGSClient(api_key=key + "x", server=world.url),
        ]
        for attempt in attempts:
            with pytest.raises(OGSAuthError) as caught:
                attempt()
            texts += [str(caught.value), repr(caught.value), repr(caught.value.args)]

        ogs = login(world, clients, name, password)
        robot = OGSClient(api_key=key, server=world.url)
        clients.append(robot)
        challenge_id, game_id = ogs.create_challenge(
            bot_name, time_control="fischer", width=9, height=9, challenger_color="black"
        )
        robot.accept_challenge(challenge_id)

        def broken(event: str, data: Any) -> None:
            raise RuntimeError(f"callback bug on {event}")

        ogs.socket_connect(broken)
        robot.socket_connect(broken)
        assert ogs.sock is not None and robot.sock is not None
        game = ogs.sock.game_connect(game_id, broken)
        robot_game = robot.sock.game_connect(game_id, broken)
        game.move("E5")
        robot_game.wait_for(lambda g: g.move_number == 1, 5)
        with pytest.raises(OGSGameError) as refused:  # not alice's turn: the server says so
            game.move("D4")
        texts += [str(refused.value), repr(refused.value)]
        with pytest.raises(ValueError) as bad_move:
            game.move("Z99")
        texts.append(str(bad_move.value))

        # Tokens go stale and the socket drops: renewal and a fresh realtime login.
        world.call(accounts.expire_tokens)
        assert ogs.user_vitals()["username"] == name
        world.call(lambda: world.emu.drop_connections())
        wait(lambda: ogs.sock.connected is False, 3, "the drop")  # type: ignore[union-attr]
        wait(lambda: ogs.sock.connected is True, 5, "the reconnect")  # type: ignore[union-attr]
        robot_game.move("D4")
        game.wait_for(lambda g: g.move_number == 2, 5)
        ogs.sock.ping()
        texts += [
            repr(ogs.sock.host_info()),
            repr(robot.sock.host_info()),
            repr(ogs.api.login),
            repr(robot.api.login),
            repr(ogs.credentials),
        ]
        ogs.socket_disconnect()
        robot.socket_disconnect()
        ogs.close()
        robot.close()
    finally:
        logger.remove(sink)
        logger.disable("ogsbot")
        accounts.issue_tokens = issue_tokens  # type: ignore[method-assign]
        accounts.issue_jwt = issue_jwt  # type: ignore[method-assign]

    # The capture worked: it holds debug lines, the reconnect and the callbacks' tracebacks.
    everything = "\n".join(lines + texts)
    assert "GET /api/v1/me" in everything
    assert "reconnecting" in everything
    assert "callback bug on" in everything and "Traceback" in everything
    assert len(issued) >= 6  # two password logins, one renewal, two JWTs at least
    secrets = {"password": password, "client secret": CLIENT_SECRET, "API key": key}
    secrets.update({f"token {i}": token for i, token in enumerate(issued)})
    for what, secret in secrets.items():
        assert secret not in everything, f"the {what} leaked"


def test_realtime_games_are_game_objects_underneath(world: World, clients: list[OGSClient]) -> None:
    """SyncGame wraps the async Game: its state is readable, its actions are the seed's."""
    name, password = world.human()
    bot_name, key = world.bot()
    ogs = login(world, clients, name, password)
    challenge_id, game_id = ogs.create_challenge(
        bot_name, time_control="fischer", width=9, height=9, challenger_color="black"
    )
    robot = OGSClient(api_key=key, server=world.url)
    clients.append(robot)
    robot.accept_challenge(challenge_id)
    ogs.socket_connect(recorder())
    assert ogs.sock is not None
    game = ogs.sock.game_connect(game_id)
    assert isinstance(game.target, Game)
    assert game.game_id == game_id and game.my_color == "black"
    game.send_chat("hello", "main")
    wait(lambda: len(world.emu.games[game_id].chat) == 1, what="the chat line")
    assert world.emu.games[game_id].chat[0]["line"]["body"] == "hello"
    game.resign()
    game.wait_for(lambda g: g.finished and g.outcome != "", 5)  # the outcome comes second
    assert game.outcome == "Resignation"
    ogs.sock.game_disconnect(game_id)
    assert game_id not in ogs.sock.games
