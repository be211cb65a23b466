"""The config file watched: saving it reloads the config, as SIGHUP and `ogsbot reload` do.

watchfiles (inotify under the hood) watches the file's folder, not the file: editors save by
writing a new file and renaming it over the old one, which a watch on the file itself would
lose after the first save. A burst of events (write, rename, chmod) is one reload.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import watchfiles
from loguru import logger

DEBOUNCE_MS = 500  # a save's events within this are one change


def watch_config(
    path: Path, reload: Callable[[], object], stop: asyncio.Event
) -> Coroutine[Any, Any, None]:
    """A coroutine that calls `reload` after each change of `path`, until `stop` is set."""
    target = os.path.abspath(path)

    def ours(change: watchfiles.Change, changed: str) -> bool:
        return os.path.abspath(changed) == target and change != watchfiles.Change.deleted

    async def watch() -> None:
        async for _ in watchfiles.awatch(
            os.path.dirname(target),
            watch_filter=ours,
            debounce=DEBOUNCE_MS,
            recursive=False,
            stop_event=stop,
        ):
            logger.info("{} changed: reloading it", path)
            reload()

    return watch()
