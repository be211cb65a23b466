"""A real Prometheus server (Debian's `prometheus`, which scripts/setup --test installs)
scrapes the daemon's /metrics on 127.0.0.1 and answers a query about the bot's moves."""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from pathlib import Path

import aiohttp
import pytest

from ogsbot.bot.daemon import Daemon
from ogsbot.sandbox.server import Emulator
from test_daemon import bot_config, emu, human_game, running

from support import randomgo_argv, until

__all__ = ["emu"]

PROMETHEUS = shutil.which("prometheus")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(PROMETHEUS is None, reason="prometheus is missing: scripts/setup --test")
async def test_a_prometheus_server_scrapes_the_bot(emu: Emulator, tmp_path: Path) -> None:
    assert PROMETHEUS is not None
    status = {"enabled": True, "port": 0}
    daemon = Daemon(bot_config(emu, tmp_path, engine={"command": randomgo_argv(1)}, status=status))
    async with running(daemon):
        server = daemon.status_server
        assert server is not None
        referee, human = await human_game(emu, daemon)
        emu.broadcast_game(referee, referee.move(human, (4, 4), time.time()))
        await until(lambda: referee.state.move_number == 2, 10, "the bot's move")
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: ogsbot\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{server.port}']}}]\n"
        )
        port = free_port()
        proc = await asyncio.create_subprocess_exec(
            PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            value = await query_until_found(port, 'ogsbot_moves_total{speed="live"}')
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)
    assert value == 1.0


async def query_until_found(port: int, query: str, timeout: float = 60) -> float:
    """The query's value once Prometheus has scraped it."""
    url = f"http://127.0.0.1:{port}/api/v1/query"
    async with aiohttp.ClientSession() as http, asyncio.timeout(timeout):
        while True:
            try:
                async with http.get(url, params={"query": query}) as reply:
                    data = await reply.json()
                results = data["data"]["result"]
                if results:
                    return float(results[0]["value"][1])
            except aiohttp.ClientConnectionError:
                pass  # not listening yet
            await asyncio.sleep(0.5)
