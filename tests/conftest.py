"""Fixtures shared by the tests of the synchronous client (see `world.py`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ogsbot.ogs.client import OGSClient
from world import World


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    w = World()
    yield w
    w.stop()


@pytest.fixture
def clients() -> Iterator[list[OGSClient]]:
    """OGSClients to close after the test even when it fails."""
    made: list[OGSClient] = []
    yield made
    for client in made:
        client.close()
