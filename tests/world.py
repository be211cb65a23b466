"""A world for tests of the synchronous client: the emulator on its own loop thread.

The facade blocks, so the emulator cannot share the test's thread: it runs on a background
loop, and the tests are plain functions, like the scripts the facade is for.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

from ogsbot.ogs.client import OGSClient
from ogsbot.sandbox.server import Emulator

T = TypeVar("T")
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
_names = itertools.count(1)


def wait(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(0.01)


class World:
    """The emulator on its own loop thread, and the accounts of one test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.emu = Emulator()
        self.url = self.run(self.emu.start())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def call(self, function: Callable[[], T]) -> T:
        async def wrapper() -> T:
            return function()

        return self.run(wrapper())

    def human(self) -> tuple[str, str]:
        n = next(_names)
        name, password = f"human{n}", f"pw-{n}-correct-horse-battery"
        self.call(lambda: self.emu.add_human(name, password))
        return name, password

    def bot(self) -> tuple[str, str]:
        n = next(_names)
        name, key = f"robot{n}", f"robot-{n}-api-key-0123456789abcdef"
        self.call(lambda: self.emu.add_bot(name, api_key=key))
        return name, key

    def connections(self, username: str) -> int:
        def count() -> int:
            return sum(
                1
                for c in self.emu.clients
                if c.account is not None and c.account.username == username
            )

        return self.call(count)

    def stop(self) -> None:
        self.run(self.emu.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def login(world: World, clients: list[OGSClient], name: str, password: str) -> OGSClient:
    ogs = OGSClient(CLIENT_ID, CLIENT_SECRET, name, password, server=world.url)
    clients.append(ogs)
    return ogs
