"""GTP framing, timeouts and process handling, against a scripted peer and GNU Go."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from ogsbot.gtp.engine import MAX_STDERR_LINE, GTPEngine, GTPReply, clean_command
from ogsbot.gtp.errors import (
    EngineDied,
    EngineNotRunning,
    EngineTimeout,
    GTPError,
    GTPProtocolError,
)

from support import gnugo_argv

SCRIPTED = Path(__file__).parent / "data" / "scripted_engine.py"


def scripted(script: dict[str, Any], **kwargs: Any) -> GTPEngine:
    return GTPEngine([sys.executable, str(SCRIPTED), json.dumps(script)], **kwargs)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it must be reaped, which /proc tells.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:  # gone between the two looks: ENOENT, or ESRCH mid-read
        return False


async def test_handshake_learns_identity_and_commands() -> None:
    async with GTPEngine(gnugo_argv()) as engine:
        assert (engine.name, engine.version, engine.protocol_version) == ("GNU Go", "3.8", "2")
        assert "genmove" in engine.commands and "final_status_list" in engine.commands
        assert not engine.knows("kgs-time_settings")  # GNU Go lacks it
        assert engine.knows("play")


async def test_empty_and_multiline_replies() -> None:
    async with GTPEngine(gnugo_argv()) as engine:
        assert await engine.send("boardsize 9") == ""  # GNU Go sends '=1 ' with a space
        await engine.send("play B E5")
        board = await engine.send("showboard")
        lines = board.splitlines()
        assert lines[0].split() == list("ABCDEFGHJ")
        assert len(lines) == 11 and "X" in lines[5]


async def test_refusal_raises_gtp_error_with_command_and_message() -> None:
    async with GTPEngine(gnugo_argv()) as engine:
        with pytest.raises(GTPError) as caught:
            await engine.send("play B Z99")
        assert caught.value.command == "play B Z99"
        assert caught.value.message == "invalid color or coordinate"
        reply = await engine.command("boardsize 42", check=False)
        assert reply == GTPReply("boardsize 42", False, "unacceptable size")
        assert await engine.send("name") == "GNU Go"  # still in step after refusals


async def test_pipelined_batch_matches_replies_by_id() -> None:
    async with GTPEngine(gnugo_argv()) as engine:
        moves = [
            f"play {'BW'[i % 2]} {col}{row}"
            for i, (col, row) in enumerate((c, r) for c in "ABCDEFGHJ" for r in range(1, 10))
        ][:40]
        replies = await engine.batch(["boardsize 9", "clear_board", *moves, "showboard"])
        assert len(replies) == 43 and all(r.ok for r in replies)
        assert [r.command for r in replies[2:-1]] == moves
        with pytest.raises(GTPError, match="illegal move"):
            await engine.batch(["play B A1", "play W A1", "name"])
        assert await engine.send("version") == "3.8"


async def test_crlf_control_characters_and_missing_ids() -> None:
    script = {
        "name": "={id} scripted\x07\r\n\r\n",
        "version": "= 1.0\r\n\r\n",  # no id: matched to the oldest command waiting
        "showboard": "={id} line one\r\n\tline two\x00\r\n  \r\n",
    }
    async with scripted(script) as engine:
        assert engine.name == "scripted" and engine.version == "1.0"
        assert await engine.send("showboard") == "line one\n line two"


async def test_commands_are_cleaned_before_sending() -> None:
    assert clean_command("genmove\tB  # the bot's move") == "genmove B"
    assert clean_command("na\x07me") == "name"
    for bad in ("", "   ", "# only a comment", "play B D4\nquit"):
        with pytest.raises(ValueError):
            clean_command(bad)


async def test_output_that_is_not_gtp_is_a_protocol_error() -> None:
    async with scripted({"genmove": "I think D4 is nice\n\n"}) as engine:
        with pytest.raises(GTPProtocolError) as caught:
            await engine.send("genmove B")
        assert caught.value.line == "I think D4 is nice"
        assert caught.value.command == "genmove B"
        with pytest.raises(EngineNotRunning, match="restart"):
            await engine.send("name")
        await engine.restart()
        assert await engine.send("name") == ""


async def test_reply_to_an_unknown_id_is_a_protocol_error() -> None:
    async with scripted({"genmove": "=999 D4\n\n"}) as engine:
        with pytest.raises(GTPProtocolError):
            await engine.send("genmove B")


async def test_timeout_kills_the_engine() -> None:
    async with scripted({"genmove": None}, timeout=0.5) as engine:
        pid = engine.pid
        assert pid is not None
        with pytest.raises(EngineTimeout) as caught:
            await engine.send("genmove B")
        assert caught.value.command == "genmove B" and caught.value.timeout == 0.5
        for _ in range(50):
            if not alive(pid):
                break
            await asyncio.sleep(0.05)
        assert not alive(pid)
        await engine.restart()
        assert engine.pid != pid and await engine.send("name") == ""


async def test_death_reports_exit_code_and_stderr() -> None:
    argv = [
        sys.executable,
        "-c",
        "import sys\nfor i in range(30): print('complaint', i, file=sys.stderr)\n"
        "sys.stdin.readline(); sys.stdout.write('= 2\\n\\n'); sys.stdout.flush()\n"
        "sys.stdin.readline(); sys.exit(7)",
    ]
    engine = GTPEngine(argv, stderr_tail=5)
    with pytest.raises(EngineDied) as caught:
        await engine.start()
    assert caught.value.returncode == 7
    assert caught.value.stderr_tail == [f"complaint {i}" for i in range(25, 30)]
    assert "complaint 29" in str(caught.value)
    assert engine.pid is None  # a failed start leaves nothing behind


async def test_missing_binary_is_a_clear_error() -> None:
    with pytest.raises(EngineNotRunning, match="no-such-engine"):
        await GTPEngine(["/nonexistent/no-such-engine"]).start()
    with pytest.raises(EngineNotRunning, match="start"):
        await GTPEngine(gnugo_argv()).send("name")
    with pytest.raises(ValueError):
        GTPEngine([])


async def test_stop_escalates_to_sigterm_and_sigkill() -> None:
    stubborn = scripted({"_ignore_sigterm": True, "_stay_after_quit": True}, quit_grace=0.3)
    await stubborn.start()
    pid = stubborn.pid
    assert pid is not None
    await stubborn.stop()
    assert not alive(pid) and not stubborn.running


async def test_a_cancelled_stop_still_kills_the_process() -> None:
    """A forced shutdown cancels stop() while it waits out the grace period: the process
    must not outlive the engine object (it would be an orphan of the daemon)."""
    stubborn = scripted({"_ignore_sigterm": True, "_stay_after_quit": True}, quit_grace=5)
    await stubborn.start()
    pid = stubborn.pid
    assert pid is not None
    stopping = asyncio.create_task(stubborn.stop())
    await asyncio.sleep(0.3)
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert not stubborn.running
    for _ in range(100):
        if not alive(pid):
            break
        await asyncio.sleep(0.02)
    assert not alive(pid)


async def test_stop_now_kills_without_quit_or_grace() -> None:
    """`stop(now=True)`, for a bot that quits now: an engine hung in genmove that ignores
    SIGTERM is killed at once, not given `quit_grace` for `quit` and again for SIGTERM."""
    hung = scripted({"genmove": None, "_ignore_sigterm": True}, quit_grace=60)
    await hung.start()
    pid = hung.pid
    assert pid is not None
    thinking = asyncio.create_task(hung.send("genmove B"))
    await asyncio.sleep(0.1)
    thinking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await thinking
    await asyncio.wait_for(hung.stop(now=True), 10)
    assert not hung.running and hung.pid is None
    assert not alive(pid)  # reaped too, not left a zombie


async def test_stderr_is_offered_line_by_line() -> None:
    lines: list[str] = []
    argv = [
        sys.executable,
        "-c",
        "import sys\nsys.stderr.write('x' * 300000 + '\\nlast words\\n'); sys.stderr.flush()\n"
        "for raw in sys.stdin:\n"
        "    i = raw.split()[0]; sys.stdout.write(f'={i} \\n\\n'); sys.stdout.flush()\n"
        "    if 'quit' in raw: break",
    ]
    async with GTPEngine(argv, on_stderr=lines.append) as engine:
        await engine.send("name")
        for _ in range(50):
            if "last words" in lines:
                break
            await asyncio.sleep(0.02)
    # A runaway line arrives once, cut to the bound (never whole, never in pieces that
    # each pass for a line); the next line is whole.
    assert lines == ["x" * MAX_STDERR_LINE, "last words"]


async def test_stderr_callback_errors_do_not_stop_the_engine() -> None:
    def explode(line: str) -> None:
        raise RuntimeError("callback bug")

    argv = [
        sys.executable,
        "-c",
        "import sys\nfor raw in sys.stdin:\n    print('note', file=sys.stderr, flush=True)\n"
        "    i = raw.split()[0]; sys.stdout.write(f'={i} ok\\n\\n'); sys.stdout.flush()\n"
        "    if 'quit' in raw: break",
    ]
    async with GTPEngine(argv, on_stderr=explode) as engine:
        assert [await engine.send("name") for _ in range(3)] == ["ok"] * 3


async def test_first_accepted_falls_back_on_refusal() -> None:
    async with GTPEngine(gnugo_argv()) as engine:
        groups = [("kgs-time_settings byoyomi 60 10 3",), ("time_settings 90 10 1",)]
        # Trusting list_commands, GNU Go is never asked for what it does not list.
        assert await engine.first_accepted(groups) == groups[1]
        # Not trusting it, the '?' reply to kgs-time_settings is the signal to fall back.
        assert await engine.first_accepted(groups, trust_list_commands=False) == groups[1]
        with pytest.raises(GTPError, match="unknown command"):
            await engine.first_accepted([("kgs-foo",)], trust_list_commands=False)
        with pytest.raises(GTPError, match="knows none"):
            await engine.first_accepted([("kgs-foo",)])
