"""Background tasks that belong to no game.

`asyncio.create_task` copies the caller's context, and with it loguru's `contextualize`
(the `game <id>:` prefix of a session's log lines). An engine started ahead (a spare), the
idle reaper or a shared analysis process may be started from inside one game's session, but
serves others after it: their log lines must not name that game.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def detached_task(coroutine: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
    """A task run in a fresh context: none of the caller's context variables."""
    return asyncio.create_task(coroutine, name=name, context=contextvars.Context())
