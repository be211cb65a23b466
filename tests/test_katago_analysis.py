"""Real KataGo through the analysis backend: whole games on the emulator, with KataGo on
this machine and through a real sshd. Skipped unless OGSBOT_KATAGO_ANALYSIS holds the
`katago analysis ...` command line `scripts/install-katago` prints (scripts/test installs
KataGo and sets it, unless OGSBOT_NO_KATAGO is set)."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ogsbot.bot.daemon import Daemon
from ogsbot.gtp.analysis_service import EndpointStatus
from ogsbot.sandbox.server import Emulator
from test_daemon import assert_same_record, bot_config, challenge, emu, finished, running
from test_daemon_analysis import whole_record

from support import until

if TYPE_CHECKING:
    from sshd import SSHServer

__all__ = ["emu"]
pytest_plugins = ["sshd"]  # its `sshd` fixture

KATAGO_ANALYSIS = os.environ.get("OGSBOT_KATAGO_ANALYSIS", "")

pytestmark = [
    pytest.mark.katago,
    pytest.mark.skipif(
        not KATAGO_ANALYSIS,
        reason="OGSBOT_KATAGO_ANALYSIS is not set (see scripts/install-katago)",
    ),
]

GAME_TIME = 300  # s a whole game may take on a CPU


# The installed analysis.cfg sizes KataGo's NN buffers for 9x9 (4x faster there), and KataGo
# never answers a query on a larger board: the size probe's 13x13 one would cost it a search
# thread, and through ssh leave a KataGo that no longer exits on EOF. Room for 19x19 here.
BUFFERS = ["-override-config", "maxBoardXSizeForNNBuffer=19,maxBoardYSizeForNNBuffer=19"]


def katago_engine(command: list[str], **keys: Any) -> dict[str, Any]:
    return {
        "kind": "katago-analysis",
        "name": "KataGo",
        "command": [*command, *BUFFERS],
        "max_visits": 2,
        "start_timeout": 600,
        "command_timeout": 120,
        **keys,
    }


async def play_one(
    emu: Emulator, tmp_path: Path, engine: dict[str, Any]
) -> list[tuple[EndpointStatus, int, int]]:
    """A whole 9x9 game against GNU Go, with its record the server's; how the endpoints
    did: (status, queries, restarts during the game)."""
    daemon = Daemon(bot_config(emu, tmp_path, engine=engine, game={"analysis_chat": True}))
    async with running(daemon):
        game_id = await challenge(emu, opponent="gnugo", rules="chinese")
        await until(lambda: game_id in daemon.games, 120, "the game to start")
        service = next(iter(daemon.manager.analysis._services.values()))
        probed = [e.restarts for e in service.endpoints]
        assert probed == [0] * len(probed)  # buffers for every size: the probe restarts none
        await until(finished(emu, game_id), GAME_TIME, "the game to end")
        await until(lambda: whole_record(tmp_path, game_id), 10, "its record")
        endpoints = [
            (status, e.queries, e.restarts - before)
            for status, e, before in zip(service.status(), service.endpoints, probed, strict=True)
        ]
    referee = emu.games[game_id]
    assert "Timeout" not in referee.outcome
    assert referee.state.move_number > 20
    records = (tmp_path / "sgf").glob(f"{game_id}-*.sgf")
    saved = next(p for p in records if not p.name.endswith("-incomplete.sgf"))
    assert_same_record(saved.read_text(), referee)
    analysis = [line for line in referee.chat if line["channel"] == "malkovich"]
    assert analysis, "the analysis chat from KataGo's answers"
    return endpoints


async def test_a_game_through_katagos_analysis_engine(emu: Emulator, tmp_path: Path) -> None:
    engine = katago_engine(shlex.split(KATAGO_ANALYSIS))
    [(_, queries, restarts)] = await play_one(emu, tmp_path, engine)
    assert restarts == 0 and queries > 10


async def test_a_game_through_katago_on_another_machine(
    emu: Emulator, tmp_path: Path, sshd: SSHServer
) -> None:
    remote = sshd.command(*shlex.split(KATAGO_ANALYSIS))
    [(status, queries, restarts)] = await play_one(emu, tmp_path, katago_engine(remote))
    assert status.name == "analysis@127.0.0.1" and restarts == 0 and queries > 10
