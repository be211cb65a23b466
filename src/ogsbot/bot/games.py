"""The games in play: one session per active game the server lists, and the records of games
that ended while the bot was away."""

from __future__ import annotations

import asyncio
from typing import Any

from loguru import logger

from ogsbot.bot.daemon_state import DaemonState, Running
from ogsbot.bot.session import GameSession, save_record
from ogsbot.ogs.models import ActiveGame, GameData


class GamesInPlay(DaemonState):
    """The daemon's part that starts, guards and ends game sessions."""

    def _on_active_game(self, event: str, data: Any) -> None:
        if self._ending:
            return  # stopping: the game resumes on the next start
        if isinstance(data, dict) and data.get("id") in self.games:
            return  # a game being played: every move brings one of these
        try:
            entry = ActiveGame.from_json(data)
        except ValueError as exc:
            logger.warning("an active_game push could not be read: {}", exc)
            return
        if entry.finished or entry.id in self.games or entry.id <= 0:
            return
        self._start_session(entry)

    def _start_session(self, entry: ActiveGame) -> None:
        self.reserved.pop(entry.id, None)  # the place its challenge held is the game's now
        my_id = self.my_id()
        opponent = entry.white.id if entry.black.id == my_id else entry.black.id

        async def play() -> None:
            game = await self.client.join(entry.id)
            session = GameSession(
                game, self.config, self.manager, sgf_dir=self._sgf_dir(), metrics=self.metrics
            )
            self.games[entry.id].session = session
            gd = game.gamedata
            if gd is not None:
                self.games[entry.id].speed = gd.speed
                logger.info(
                    "game {}: {} vs {}, {}x{} {} komi {:g}, {} {}",
                    entry.id,
                    gd.black.username,
                    gd.white.username,
                    gd.width,
                    gd.height,
                    gd.rules,
                    gd.komi,
                    gd.speed,
                    gd.time_control.system,
                )
            try:
                await session.run()
            finally:
                if session.sgf_path is not None:
                    self.records[entry.id] = session.sgf_path

        task = asyncio.create_task(self._guard(entry.id, play()), name=f"game-{entry.id}")
        self.games[entry.id] = Running(task, speed=entry.speed, opponent=opponent)

    async def _guard(self, game_id: int, coroutine: Any) -> None:
        """Run a game's session; whatever happens, the game leaves the table and logs why."""
        try:
            await coroutine
            self.finished.append(game_id)
        except asyncio.CancelledError:
            logger.info("game {}: session stopped (it resumes when the bot comes back)", game_id)
            raise
        except Exception:
            logger.exception(
                "game {}: the session failed; it is retried on the next active_game", game_id
            )
        finally:
            self.games.pop(game_id, None)
            self.client.leave(game_id)

    async def _complete_records(self) -> None:
        """A game cut off by a stop that ended while the bot was away never comes back as an
        active game: its `-incomplete.sgf` is replaced by the whole record from the server.
        Looked at once the games in play are known, then again while some are left (a game
        still in play elsewhere ends later; a stop soon after the start must not leave them)."""
        await self._settled.wait()
        await asyncio.sleep(self.record_check_delay)
        while True:
            if not await self._complete_records_once():
                return
            await asyncio.sleep(self.record_recheck)

    async def _complete_records_once(self) -> int:
        """Complete the records of games that ended; how many partial records are left."""
        folder = self._sgf_dir()
        if folder is None or not folder.is_dir():
            return 0
        left = 0
        for partial in sorted(folder.glob("*-incomplete.sgf")):
            game_id = partial.name.split("-", 1)[0]
            if not game_id.isdigit() or int(game_id) in self.games:
                continue  # in play: its session saves the record when it ends
            try:
                details = await self.client.call(self.client.rest.game, int(game_id))
                gamedata = GameData.from_json(details.get("gamedata"))
            except Exception as exc:  # one bad answer stops neither the others nor shutdown
                logger.warning("game {}: cannot complete its record: {}", game_id, exc)
                left += 1
                continue
            if not gamedata.finished:
                left += 1
                continue  # not pushed as active yet, or paused on the server's side
            try:
                whole = save_record(folder, gamedata)
            except OSError as exc:
                logger.error("game {}: could not save its record: {}", game_id, exc)
                continue
            self.records[gamedata.game_id] = whole
            logger.info("game {} ended while the bot was away: saved {}", game_id, whole)
        return left
