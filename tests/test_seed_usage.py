"""ogsapi's usage text (`shared/seed/ogsapi-usage.txt`), run as a script writer runs it.

Each snippet runs verbatim in a real Python process against the emulator; only the import
(`ogsapi.client` -> `ogsbot.ogs.client`), a `server=` and the names the text leaves to the
reader (the game id, `logger.enable("ogsapi")` -> `"ogsbot"`) change. The glue between
snippets is marked `# glue:`. One line of the text cannot work in any library: its `Game`
class moves in `self.game`, which it never sets; the script sets it (marked `# fixed:`).
Each test asserts what the text promises the snippet does.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ogsbot.ogs.client import OGSClient, SyncGame
from ogsbot.sandbox.referee import GameSettings
from world import World, wait

USER, PASSWORD = "your_username", "your_password"
LISA = "Bone-A Lisa"  # the text's player, case and space included
LISA_PASSWORD = "lisa-password-0123456789"
LISA_MOVES = ["T19", "S19", "R19", "Q19", "P19", "O19"]


@pytest.fixture(scope="module")
def text_world(world: World) -> World:
    """The accounts and application the text names."""

    def setup() -> None:
        world.emu.accounts.client_id = "your_client_id"
        world.emu.accounts.client_secret = "your_client_secret"
        world.emu.add_human(USER, PASSWORD)
        world.emu.add_human(LISA, LISA_PASSWORD)

    world.call(setup)
    return world


@pytest.fixture
def game_with_lisa(text_world: World) -> Iterator[tuple[int, SyncGame]]:
    """A game of ours against Lisa (we are black, to move), who answers each move at once."""
    world = text_world

    def create() -> int:
        me, lisa = world.emu.accounts.by_name(USER), world.emu.accounts.by_name(LISA)
        assert me is not None and lisa is not None
        settings = GameSettings(width=19, height=19, rules="japanese", komi=6.5)
        return world.emu.create_game(me, lisa, settings).game_id

    game_id = world.call(create)
    lisa = OGSClient("your_client_id", "your_client_secret", LISA, LISA_PASSWORD, server=world.url)
    replies = iter(LISA_MOVES)
    holder: list[SyncGame] = []

    def answer(event: str, data: Any) -> None:
        if event in ("move", "gamedata") and holder and holder[0].my_turn:
            holder[0].move(next(replies))  # from a callback: sent, not waited for

    lisa.socket_connect(lambda event, data: None)
    assert lisa.sock is not None
    holder.append(lisa.sock.game_connect(game_id, answer))
    yield game_id, holder[0]
    lisa.close()


def run_script(script: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def results(path: Path) -> dict[str, Any]:
    """The script's `name value` lines, values read back with `ast.literal_eval`."""
    found: dict[str, Any] = {}
    for line in path.read_text().splitlines():
        name, value = line.split(" ", 1)
        found[name] = ast.literal_eval(value)
    return found


USAGE_SCRIPT = """
    import sys
    URL, GAME_ID, RESULTS = sys.argv[1], int(sys.argv[2]), sys.argv[3]  # glue: where, what
    def result(name, value):  # glue: what the test checks, apart from the handlers' prints
        with open(RESULTS, "a") as f:
            f.write(f"{name} {value!r}\\n")
    from typing import Callable  # glue: the text's class annotation uses it

    # ----- Connect to the REST API -----
    from ogsbot.ogs.client import OGSClient

    ogs = OGSClient('your_client_id', 'your_client_secret', 'your_username', 'your_password', server=URL)

    # ----- Connect to the Realtime API -----
    def ogs_error_handler(data: dict):
      print(f"OGS Error from API: {data}")

    def ogs_notification_handler(data: dict):
      print(f"OGS Notification from API: {data}")

    ogs.socket_connect(ogs_error_handler)
    game_id = GAME_ID  # glue: the text's 12345678
    game = ogs.sock.game_connect(game_id, ogs_notification_handler)
    result("first_game_phase", game.phase)

    # ----- Basic usage -----
    result("vitals", ogs.user_vitals())
    result("player", ogs.get_player('Bone-A Lisa'))
    result("challenge", ogs.create_challenge(player_username="Bone-A Lisa",
      ruleset="japanese",
      time_control="fischer", # (1)
      fisher_time_initial_time=300,
      fischer_time_increment=0,
      ranked=True,
      handicap=0,
      komi=6.5,
      width=19,
      height=19
    ))
    result("received", ogs.receive_challenges())

    # ----- Game class -----
    class Game:
      def __init__(self, game_id: int, ogs: Callable):
        self.game_id = game_id
        self.ogs = ogs
        # Connect to the game, passing the event handler
        self.connect(callback_handler=self.event_handler)

      def connect(self, callback_handler: Callable):
        self.game = self.ogs.sock.game_connect(self.game_id, callback_handler)  # fixed: self.game =

      def event_handler(self, event_name: str, data: dict):
        # Here we would do the processing of the events
        print(f"Got Event: {event_name} with data: {data}")

      def move(self, move: str):
        self.game.move(move)

      def pass_turn(self):
        self.game.pass_turn()

    game = Game(game_id, ogs)
    game.move('A1') # (1)
    game.game.wait_for(lambda g: g.my_turn, 10)  # glue: the opponent answers
    game.pass_turn()
    result("clock_player", game.game.clock.current_player)
    result("phase", game.game.phase)

    # ----- Socket level methods -----
    result("host_info", ogs.sock.host_info())
    ogs.sock.ping()
    import time  # glue: the pong takes a round trip
    deadline = time.monotonic() + 5
    while not ogs.sock.last_ping and time.monotonic() < deadline:
        time.sleep(0.01)
    result("last_ping", ogs.sock.last_ping)

    # ----- Disconnecting from the Realtime API -----
    ogs.disconnect_socket()
    result("sock", ogs.sock)
"""  # noqa: E501 (the text's lines, as written)


def test_the_usage_text_runs_as_written(
    text_world: World, game_with_lisa: tuple[int, SyncGame], tmp_path: Path
) -> None:
    world = text_world
    game_id, _ = game_with_lisa
    result = run_script(USAGE_SCRIPT, world.url, str(game_id), str(tmp_path / "results"))
    assert result.returncode == 0, result.stderr
    assert "failed" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    out = results(tmp_path / "results")

    # The one-argument handlers get the data: the socket's and the game's.
    assert "OGS Error from API: {" in result.stdout  # the socket's events (active_game, ...)
    assert "OGS Notification from API: {" in result.stdout  # the game's (gamedata, clock, ...)
    assert out["first_game_phase"] == "play"
    # user_vitals() "grabs the user's vital information".
    vitals = out["vitals"]
    assert vitals["username"] == USER and isinstance(vitals["id"], int)
    assert {"ratings", "ranking", "about"} <= set(vitals)
    # get_player: case-sensitive username.
    assert out["player"]["username"] == LISA
    # create_challenge: (challenge id, game id), as the text says, with what it asked for.
    challenge_id, challenge_game = out["challenge"]
    assert isinstance(challenge_id, int) and isinstance(challenge_game, int)
    record = world.emu.challenges[challenge_id]
    assert record.challenged is not None and record.challenged.username == LISA
    assert (record.rules, record.ranked, record.width, record.height) == ("japanese", True, 19, 19)
    assert record.handicap == 0 and record.komi is None  # ranked: automatic komi, as OGS does
    tc = record.time_control
    assert (tc.system, tc.initial_time, tc.time_increment) == ("fischer", 300, 0)
    assert isinstance(out["received"], list)
    # The class's two-argument handler gets events by name; its moves land.
    assert "Got Event: move with data: {" in result.stdout
    moves = world.emu.games[game_id].state.moves
    assert moves[0] == ("b", (0, 18)) and moves[2] == ("b", None)  # A1, Lisa, our pass
    assert out["phase"] == "play" and out["clock_player"] != 0
    # host_info() asks the server; ping() gets a pong.
    assert {"hostname", "clients", "uptime", "ggs-version"} <= set(out["host_info"])
    assert out["last_ping"] > 0
    # disconnect_socket() disconnects.
    assert out["sock"] is None
    wait(lambda: world.connections(USER) == 0, 5, "the script's socket to close")


LOGGING_SCRIPT = """
    import sys
    URL = sys.argv[1]
    client_id, client_secret, username, password = (
        "your_client_id", "your_client_secret", "your_username", "your_password")  # glue

    from ogsbot.ogs.client import OGSClient
    from loguru import logger

    logger.remove()
    logger.add(sys.stdout, level="INFO")
    logger.enable("ogsbot")  # the text's logger.enable("ogsapi")
    ogs = OGSClient(
        client_id=client_id,
        client_secret=client_secret,
        username=username,
        password=password,
        server=URL,
      )
    ogs.socket_connect(lambda data: None)  # glue: something that logs at INFO
    ogs.socket_disconnect()
"""


def test_the_logging_snippet_shows_info_lines_once(text_world: World) -> None:
    result = run_script(LOGGING_SCRIPT, text_world.url)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "ogsbot" in line]
    assert any("INFO" in line and "realtime connected" in line for line in lines), lines
    assert not any("DEBUG" in line for line in lines)
    assert sum("realtime connected" in line for line in lines) == 1, lines  # once


@pytest.mark.parametrize("level", ["DEBUG", "WARNING"])
def test_log_level_shows_that_level_once(text_world: World, level: str) -> None:
    """`log_level='DEBUG'` printed every line twice; 'WARNING' still printed DEBUG lines."""
    script = """
        import sys
        from ogsbot.ogs.client import OGSClient
        ogs = OGSClient('your_client_id', 'your_client_secret', 'your_username',
                        'your_password', server=sys.argv[1], log_level=sys.argv[2])
        ogs.user_vitals()
        ogs.socket_connect(lambda data: None)
        ogs.socket_disconnect()
        from loguru import logger  # glue: a line of the script's own still shows
        logger.warning("the script's own warning")
    """
    result = run_script(script, text_world.url, level)
    assert result.returncode == 0, result.stderr
    ours = [line for line in result.stderr.splitlines() if "ogsbot." in line]
    if level == "DEBUG":
        assert any("DEBUG" in line and "GET /api/v1/me" in line for line in ours), ours
        # Each happened once: printed once (two identical requests may log alike lines).
        assert sum("OAuth2 password login" in line for line in ours) == 1, ours
        assert sum("realtime connected" in line for line in ours) == 1, ours
    else:
        assert not any("DEBUG" in line or "INFO" in line for line in ours), ours
    assert result.stderr.count("the script's own warning") == 1


def test_the_text_handlers_never_fail_silently(
    text_world: World, game_with_lisa: tuple[int, SyncGame]
) -> None:
    """A handler that raises is reported with its name, logging on or off."""
    game_id, _ = game_with_lisa
    script = """
        import sys
        from ogsbot.ogs.client import OGSClient
        ogs = OGSClient('your_client_id', 'your_client_secret', 'your_username',
                        'your_password', server=sys.argv[1])
        def broken_handler(data: dict):
            raise KeyError("no such field")
        ogs.socket_connect(broken_handler)
        ogs.sock.game_connect(int(sys.argv[2]), broken_handler)
        ogs.socket_disconnect()
    """
    result = run_script(script, text_world.url, str(game_id))
    assert result.returncode == 0, result.stderr
    assert "callback broken_handler failed on event 'gamedata'" in result.stderr
    assert "KeyError: 'no such field'" in result.stderr
