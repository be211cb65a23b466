"""A game's SGF on disk: written as the game goes and whole at its end, never torn."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from loguru import Logger

from ogsbot.ogs.models import GameData
from ogsbot.ogs.sgf import game_sgf

RECORD_EVERY = 1.0  # s between two writes of a game's record while it is played


def sgf_filename(gamedata: GameData) -> str:
    """`<game id>-<black>-vs-<white>.sgf`, with names made safe for any file system."""

    def safe(name: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:40] or "unknown"

    return (
        f"{gamedata.game_id}-{safe(gamedata.black.username)}-vs-{safe(gamedata.white.username)}.sgf"
    )


def save_record(folder: Path, gamedata: GameData, *, incomplete: bool = False) -> Path:
    """Write the game's SGF in `folder`; a whole record replaces the partial one (named
    `-incomplete.sgf`) written as the game went.

    Crash-safe: the text goes to a temporary file that then replaces the record in one
    step, so a kill at any moment leaves the old record or the new one, never a torn or
    empty file. Text that cannot be UTF-8 (a lone surrogate) is replaced, not fatal."""
    folder.mkdir(parents=True, exist_ok=True)
    name = sgf_filename(gamedata)
    partial = folder / name.replace(".sgf", "-incomplete.sgf")
    path = partial if incomplete else folder / name
    data = game_sgf(gamedata).encode("utf-8", errors="replace")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if not incomplete:
        partial.unlink(missing_ok=True)
    return path


class GameRecord:
    """One game's record in `folder` (None: records are off), and when it was last written."""

    def __init__(self, folder: Path | None, log: Logger = logger) -> None:
        self.folder = folder
        self.path: Path | None = None
        self._log = log
        self._recorded: tuple[int, str] | None = None  # (moves, phase) in the record on disk
        self._recorded_at = -RECORD_EVERY

    def save(self, gd: GameData | None, *, incomplete: bool, quiet: bool = False) -> None:
        """Save the record; never raises (a record that cannot be written is logged)."""
        if self.folder is None or gd is None or (not gd.finished and not incomplete):
            return
        try:
            self.path = save_record(self.folder, gd, incomplete=incomplete)
        except OSError as exc:
            self._log.error("could not save the SGF: {}", exc)
            return
        except Exception:
            self._log.exception("could not write the SGF of this game's data")
            return
        self._recorded = (len(gd.moves), gd.phase)
        if not quiet:
            self._log.info("saved {}", self.path)

    def due(self, gd: GameData | None) -> bool:
        """Whether the record on disk is behind the game."""
        return not (
            gd is None
            or gd.finished
            or self.folder is None
            or self._recorded == (len(gd.moves), gd.phase)
        )

    def next_write(self) -> float:
        """When (monotonic) the record may be written again."""
        return self._recorded_at + RECORD_EVERY

    def keep_current(self, gd: GameData | None) -> None:
        """Keep `-incomplete.sgf` current, at most every `RECORD_EVERY` s: however the
        daemon stops (kill -9 included), the game has a record, which the next start
        completes from the server if the game ended meanwhile."""
        if not self.due(gd):
            return
        now = time.monotonic()
        if now - self._recorded_at < RECORD_EVERY:
            return
        self._recorded_at = now
        self.save(gd, incomplete=True, quiet=True)
