"""KataGo through GTPEngine: optional, for machines where scripts/install-katago has run.

Set OGSBOT_KATAGO to the command line the install script prints; without it these tests are
skipped. They run the same game test as GNU Go and exercise KataGo's own time and rules
commands.
"""

from __future__ import annotations

import os
import shlex

import pytest

from ogsbot.gtp.clock import time_commands
from ogsbot.gtp.engine import GTPEngine
from ogsbot.ogs.coords import RESIGN
from ogsbot.ogs.models import PlayerClock, TimeControl

from support import gnugo_argv, play_game

KATAGO = os.environ.get("OGSBOT_KATAGO", "")

pytestmark = [
    pytest.mark.katago,
    pytest.mark.skipif(not KATAGO, reason="OGSBOT_KATAGO is not set (see scripts/install-katago)"),
]


def katago() -> GTPEngine:
    return GTPEngine(shlex.split(KATAGO), start_timeout=600, timeout=120)


async def test_katago_against_gnugo() -> None:
    async with katago() as black, GTPEngine(gnugo_argv()) as white:
        moves = await play_game(black, white, size=9)
    assert moves[-1] is RESIGN or moves[-2:] == [None, None]


async def test_katago_time_and_rules_commands() -> None:
    async with katago() as engine:
        assert "fischer-capped" in engine.kata_time_systems
        await engine.batch(["boardsize 9", "clear_board", "kata-set-rules japanese"])
        assert "TERRITORY" in (await engine.send("kata-get-rules")).upper()
        tc = TimeControl.from_json(
            {"system": "fischer", "initial_time": 60, "time_increment": 5, "max_time": 120}
        )
        groups = time_commands(
            tc, PlayerClock(thinking_time=50), "B", kata_systems=engine.kata_time_systems
        )
        chosen = await engine.first_accepted(groups)
        assert chosen[0] == "kata-time_settings fischer-capped 60 5 120 -1"
        assert await engine.genmove("B", width=9) is not None
