"""randomgo's babble and orphan faults (the soak's endless replies and engines with
children) against the real GTPEngine: each is an engine failure, and nothing is left."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ogsbot.gtp.engine import GTPEngine
from ogsbot.gtp.errors import EngineError

from support import randomgo_argv


def orphans() -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                count += b"randomgo-orphan" in (entry / "cmdline").read_bytes()
            except OSError:
                continue
    return count


@pytest.mark.parametrize("kind", ["babble", "orphan"])
async def test_a_faulty_genmove_fails_the_engine_and_leaves_no_process(kind: str) -> None:
    engine = GTPEngine(randomgo_argv(1, "--misbehave", f"{kind}-at=1"), timeout=30)
    await engine.start()
    try:
        async with asyncio.timeout(20):  # far below the genmove timeout
            with pytest.raises(EngineError):
                await engine.send("genmove b")
    finally:
        await engine.stop()
    for _ in range(200):
        if orphans() == 0:
            break
        await asyncio.sleep(0.05)
    assert orphans() == 0
