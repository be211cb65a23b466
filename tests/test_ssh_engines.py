"""Engines on another machine, run as `ssh host command` (#15 §3), against a real sshd on
127.0.0.1 (`sshd.py`): a GTP engine driven through ssh and gone when stopped, and the
analysis transport through ssh, started again when its remote process dies.

The remote engine is randomgo from this checkout, run by this venv's interpreter by absolute
paths: the remote side has its own environment (the user's login shell, no PATH of ours).
Each test gives it a unique `--log` file as a marker, by which its remote process is found
in /proc (the local ssh's command line holds the marker too, so it is told apart by argv[0]).
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ogsbot.gtp.analysis_process import AnalysisProcess
from ogsbot.gtp.engine import GTPEngine

from support import RANDOMGO, Referee, analysis_query, until

if TYPE_CHECKING:  # imported at run time by pytest, as a plugin (assertions rewritten)
    from sshd import SSHServer

pytest_plugins = ["sshd"]  # its `sshd` fixture

PYTHON = str(Path(sys.executable).absolute())  # the venv's, not the file it links to


def remote_randomgo(sshd: SSHServer, marker: Path, *options: str) -> list[str]:
    """The ssh command line running randomgo on the server, marked by its `--log` file."""
    return sshd.command(PYTHON, "-I", RANDOMGO, "--log", marker, *options)


def running_with(marker: Path) -> list[int]:
    """The live processes run by PYTHON with `marker` in their arguments: the remote
    randomgo (zombies waiting to be reaped do not count, and neither does the local ssh)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[0] == PYTHON.encode() and str(marker).encode() in argv:
            found.append(int(entry.name))
    return found


def test_a_command_runs_over_ssh_with_its_arguments_intact(sshd: SSHServer) -> None:
    """The remote shell gets the arguments back as they were: spaces, quotes, `$` and all."""
    arguments = ["a b", "it's", "$HOME", "*", 'say "hi"; exit 3']
    done = subprocess.run(
        sshd.command("printf", r"%s\n", *arguments),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == arguments


async def test_a_gtp_engine_plays_over_ssh_and_ends_with_its_stop(
    sshd: SSHServer, tmp_path: Path
) -> None:
    marker = tmp_path / "gtp.log"
    engine = GTPEngine(remote_randomgo(sshd, marker, "--seed", "3"), timeout=10)
    await engine.start()
    try:
        assert engine.name == await engine.send("name") == "randomgo"
        await engine.batch(["boardsize 9", "clear_board"])
        referee = Referee(9)
        for color in "BWB":
            move = await engine.genmove(color, width=9, legal=partial(referee.legal, color))
            assert isinstance(move, tuple), f"{color} passed or resigned on a near-empty board"
            referee.play(color, move)
        assert len(running_with(marker)) == 1
    finally:
        await engine.stop()
    assert not engine.running
    # The commands reached the remote randomgo, which wrote them down (after their ids),
    # down to the `quit` that ended it.
    received = [line.split(" ", 1)[1] for line in marker.read_text().splitlines()]
    assert received[-7:] == [
        "name", "boardsize 9", "clear_board", "genmove B", "genmove W", "genmove B", "quit"
    ]  # fmt: skip
    await until(lambda: not running_with(marker), 5, "the remote randomgo to end")


async def test_a_gtp_engine_killed_at_once_ends_its_remote_process(
    sshd: SSHServer, tmp_path: Path
) -> None:
    """`stop(now=True)` SIGKILLs the local ssh with no `quit`: sshd sees the connection
    close and closes the remote engine's stdin, and randomgo exits at that end of input."""
    marker = tmp_path / "gtp.log"
    engine = GTPEngine(remote_randomgo(sshd, marker), timeout=10)
    await engine.start()
    try:
        await engine.batch(["boardsize 9", "clear_board"])
        assert len(running_with(marker)) == 1
    finally:
        await engine.stop(now=True)
    await until(lambda: not running_with(marker), 5, "the remote randomgo to end")


async def test_the_analysis_transport_answers_over_ssh(sshd: SSHServer, tmp_path: Path) -> None:
    marker = tmp_path / "analysis.log"
    engine = AnalysisProcess(
        remote_randomgo(sshd, marker, "--analysis", "--seed", "4"), start_timeout=10
    )
    await engine.start()
    try:
        answer = await engine.query(analysis_query(maxVisits=9), timeout=10)
        assert answer["moveInfos"] and answer["rootInfo"]["visits"] == 9
        assert len(running_with(marker)) == 1
    finally:
        await engine.stop()
    assert not engine.running
    await until(lambda: not running_with(marker), 5, "the remote randomgo to end")


async def test_the_analysis_process_is_started_again_when_its_remote_end_dies(
    sshd: SSHServer, tmp_path: Path
) -> None:
    """The remote randomgo is killed on the server: ssh exits with it, the process is
    started again through a new ssh session, and a new query gets its answer."""
    marker = tmp_path / "analysis.log"
    engine = AnalysisProcess(remote_randomgo(sshd, marker, "--analysis"), start_timeout=10)
    await engine.start()
    try:
        assert "moveInfos" in await engine.query(analysis_query(), timeout=10)
        (first,) = running_with(marker)
        os.kill(first, 9)

        def started_again() -> bool:
            pids = running_with(marker)
            return engine.running and len(pids) == 1 and pids[0] != first

        await until(started_again, 10, "the analysis process to be running again")
        answer = await engine.query(analysis_query(maxVisits=5), timeout=10)
        assert answer["moveInfos"] and answer["rootInfo"]["visits"] == 5
    finally:
        await engine.stop()
    await until(lambda: not running_with(marker), 5, "the remote randomgo to end")
