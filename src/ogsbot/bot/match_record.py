"""The matchmaking record: challenges sent and declines received, in a small JSON file beside
the SGFs, so a restart neither resets the daily cap and the cooldowns nor asks a bot again
for what it refused.

A decline for a passing reason (too many games, not accepting now, no code) holds for
`retry_declined_after` seconds; one for a setting of the game (board size, clock, ranked...)
holds for that game while the bot's advertised config is the one it declined with. The file
is read with pydantic; one that cannot be read is set aside (`.bad`) and a fresh record
started, with a warning: matchmaking then starts over rather than stops. Entries dated more
than a day ahead (a damaged file, a clock set back) are dropped: they would hold for ever.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

from loguru import logger
from pydantic import BaseModel, ConfigDict, ValidationError

DAY = 86400.0
# Codes that say nothing about the game proposed: the bot may take it another time.
PASSING_CODES = frozenset(
    {
        "",
        "not_accepting_new_challenges",
        "too_many_games_for_player",
        "too_many_blitz_games",
        "too_many_rapid_games",
        "too_many_live_games",
        "too_many_correspondence_games",
    }
)
KEPT_FOR = 30 * DAY  # a challenge sent, or a decline for a setting, is forgotten after this


class Sent(BaseModel):
    model_config = ConfigDict(frozen=True)

    opponent: int
    username: str
    at: float  # epoch seconds
    challenge: int


class Decline(BaseModel):
    model_config = ConfigDict(frozen=True)

    opponent: int
    username: str
    at: float
    code: str
    message: str
    game: str  # the proposed game's key (`game_key`)
    config: str  # the advertised config's fingerprint when it declined

    @property
    def passing(self) -> bool:
        return self.code in PASSING_CODES


class RecordFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sent: list[Sent] = []
    declines: list[Decline] = []


class MatchRecord:
    """The record, read once and written after each change (kept in memory only when
    `keep` is False: the daemon keeps no files)."""

    def __init__(self, path: Path, *, keep: bool = True) -> None:
        self.path = path
        self.keep = keep
        self.data = self._read() if keep else RecordFile()
        self._prune(time.time())

    def _read(self) -> RecordFile:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return RecordFile()
        except (OSError, ValueError) as exc:  # ValueError: not UTF-8
            return self._set_aside(f"unreadable: {exc}")
        try:
            return RecordFile.model_validate_json(text)
        except ValidationError as exc:
            return self._set_aside(f"not a record: {exc.error_count()} problem(s)")

    def _set_aside(self, why: str) -> RecordFile:
        bad = self.path.with_name(self.path.name + ".bad")
        with contextlib.suppress(OSError):
            os.replace(self.path, bad)
        logger.warning("matchmaking record {} {}: kept as {}, starting afresh", self.path, why, bad)
        return RecordFile()

    def save(self) -> None:
        """Write it whole and atomically: a stop mid-write leaves the last good file."""
        if not self.keep:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=self.path.name, dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(self.data.model_dump_json(indent=1))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except OSError as exc:
            logger.error("matchmaking record {} could not be written: {}", self.path, exc)

    def sent_today(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        return sum(1 for s in self.data.sent if now - s.at < DAY)

    def last_sent_to(self, opponent: int) -> float:
        return max((s.at for s in self.data.sent if s.opponent == opponent), default=0.0)

    def blocking(
        self, opponent: int, game: str, config: str, retry_after: float, now: float | None = None
    ) -> Decline | None:
        """The decline that keeps `opponent` from being asked `game` now, if any."""
        now = time.time() if now is None else now
        for decline in reversed(self.data.declines):
            if decline.opponent != opponent:
                continue
            if decline.passing:
                if now - decline.at < retry_after:
                    return decline
            elif decline.game == game and decline.config == config and now - decline.at < KEPT_FOR:
                return decline
        return None

    def add_sent(self, sent: Sent) -> None:
        self.data.sent.append(sent)
        self._prune(time.time())
        self.save()

    def add_decline(self, decline: Decline) -> None:
        self.data.declines.append(decline)
        self._prune(time.time())
        self.save()

    def _prune(self, now: float) -> None:
        """Keep what can still matter (a cooldown is at most KEPT_FOR), and nothing dated
        more than a day ahead."""
        self.data.sent = [s for s in self.data.sent if -DAY < now - s.at < KEPT_FOR]
        self.data.declines = [d for d in self.data.declines if -DAY < now - d.at < KEPT_FOR]
