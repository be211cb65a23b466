"""OGS's REST API by name: every endpoint the library and the bot use, on a logged-in client.

`OGSRest` is the REST half of an OGS client: `rest_transport` carries its calls (timeouts,
retries and backoff, same-origin redirects), `rest_auth` logs them in (API key or OAuth2).
Every public name of those modules is importable from here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack
from urllib.parse import urlsplit

from loguru import logger

from ogsbot.ogs.challenge import ChallengeRequest
from ogsbot.ogs.errors import OGSLoginRequired, OGSNotFound, OGSRequestError
from ogsbot.ogs.rest_auth import (
    RENEW_MARGIN,
    TOKEN_PATH,
    APIKeyLogin,
    AuthenticatedRest,
    CallOptions,
    Login,
    PasswordLogin,
)
from ogsbot.ogs.rest_transport import (
    BETA,
    MAX_REDIRECTS,
    PRODUCTION,
    RetryPolicy,
    TransportOptions,
    insecure_server_warning,
)

__all__ = [
    "BETA",
    "MAX_PAGES",
    "MAX_REDIRECTS",
    "PRODUCTION",
    "RENEW_MARGIN",
    "TOKEN_PATH",
    "APIKeyLogin",
    "CallOptions",
    "ChallengeRequest",
    "Login",
    "OGSRest",
    "PasswordLogin",
    "RetryPolicy",
    "TransportOptions",
    "challenge_ids",
    "insecure_server_warning",
]

MAX_PAGES = 1000  # a paged list longer than this is cut short (a server looping on `next`)


class OGSRest(AuthenticatedRest):
    """The REST half of an OGS client. Synchronous; the daemon runs it in threads."""

    @property
    def base_url(self) -> str:
        """ogsapi's name: the server with a trailing slash."""
        return self.server + "/"

    api_ver = "v1"  # ogsapi's name: the REST API's version in every path

    def authenticate(self) -> None:
        """Log in now (a password login gets a fresh token; an API key is checked with
        `/me`). Every call logs in by itself when needed: this only makes it happen here."""
        login = self.login
        if isinstance(login, PasswordLogin):
            with self._auth_lock:
                self._password_login(login)
        elif isinstance(login, APIKeyLogin):
            self.me()
        else:
            raise OGSLoginRequired(
                "no login to authenticate: give an api_key, or client_id, client_secret, "
                "username and password"
            )

    def _object(self, method: str, path: str, **options: Unpack[CallOptions]) -> dict[str, Any]:
        """An endpoint whose answer is a JSON object."""
        result: dict[str, Any] = self.request(method, path, **options)
        return result

    def _pages(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every result of a paged list, following `next` links on this server only."""
        results: list[Any] = []
        for page in range(1, MAX_PAGES + 1):
            body = self.request("GET", path, params={**(params or {}), "page": page})
            if isinstance(body, list):
                return results + body
            results += list(body.get("results") or [])
            nxt = body.get("next")
            if not nxt or urlsplit(str(nxt)).netloc not in ("", urlsplit(self.server).netloc):
                return results
        logger.warning("{}: more than {} pages; the rest is left out", path, MAX_PAGES)
        return results

    # ----- endpoints -----------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """The logged-in account ("vitals"); also learns the bot id for API-key calls."""
        body: dict[str, Any] = self.request("GET", "/api/v1/me")
        if isinstance(self.login, APIKeyLogin) and "id" in body:
            self.bot_id = int(body["id"])
        return body

    def settings(self) -> dict[str, Any]:
        """The logged-in account's settings."""
        return self._object("GET", "/api/v1/me/settings")

    def update_profile(self, player_id: int, **fields: Any) -> dict[str, Any]:
        """Change profile fields (username, first_name, last_name, country, website, about)."""
        body = {k: v for k, v in fields.items() if v is not None}
        return self._object("PUT", f"/api/v1/players/{player_id}", body=body)

    def ui_config(self) -> dict[str, Any]:
        """The site's config for this user: carries `user_jwt` for the realtime login."""
        return self._object("GET", "/api/v1/ui/config")

    def get_auth_data(self) -> dict[str, Any]:
        """The seed's name for `ui_config`: the site's config, with the realtime `user_jwt`."""
        return self.ui_config()

    def player(self, name_or_id: str | int) -> dict[str, Any]:
        """A player by id, or by exact username; `OGSNotFound` when there is none."""
        if isinstance(name_or_id, int):
            return self._object("GET", f"/api/v1/players/{name_or_id}")
        body = self.request("GET", "/api/v1/players", params={"username": name_or_id})
        for entry in body.get("results") or []:
            if entry.get("username") == name_or_id:
                return dict(entry)
        raise OGSNotFound(404, "GET", "/api/v1/players", f"no player named {name_or_id!r}")

    def player_games(self, player_id: int, page: int = 1, page_size: int = 10) -> dict[str, Any]:
        """One page of a player's games."""
        params = {"page": page, "page_size": page_size}
        return self._object("GET", f"/api/v1/players/{player_id}/games", params=params)

    def my_games(self, page: int = 1, page_size: int = 10) -> dict[str, Any]:
        """One page of the logged-in account's games."""
        params = {"page": page, "page_size": page_size}
        return self._object("GET", "/api/v1/me/games", params=params)

    def friends(self, username: str | None = None) -> list[Any]:
        """All friends (all pages), optionally filtered by username."""
        return self._pages("/api/v1/me/friends", {"username": username} if username else None)

    def add_friend(self, player_id: int) -> dict[str, Any]:
        """Send a friend request."""
        return self._object("POST", "/api/v1/me/friends", body={"player_id": player_id})

    def remove_friend(self, player_id: int) -> dict[str, Any]:
        """Remove a friend."""
        body = {"delete": True, "player_id": player_id}
        return self._object("POST", "/api/v1/me/friends", body=body)

    def accept_friend_request(self, from_user: int) -> dict[str, Any]:
        """Accept a friend request (what gtp2ogs does for its bots)."""
        body = {"from_user": from_user}
        return self._object("POST", "/api/v1/me/friends/invitations", body=body)

    def active_games(self, player_id: int | None = None) -> list[dict[str, Any]]:
        """Games in progress: the logged-in account's, or another player's."""
        path = "/api/v1/ui/overview" if player_id is None else f"/api/v1/players/{player_id}/full"
        return list(self.request("GET", path).get("active_games") or [])

    def create_challenge(self, challenge: ChallengeRequest) -> tuple[int, int]:
        """Create an open or direct challenge; returns (challenge id, game id)."""
        if challenge.opponent is None:
            path = "/api/v1/challenges"
        else:
            opponent = challenge.opponent
            player_id = opponent if isinstance(opponent, int) else self.player(opponent)["id"]
            path = f"/api/v1/players/{player_id}/challenge"
        body = self.request("POST", path, body=challenge.to_json())
        return challenge_ids(body, path)

    def open_challenges(self) -> list[dict[str, Any]]:
        """The open challenges anyone may accept (all pages)."""
        return self._pages("/api/v1/challenges")

    def accept_open_challenge(self, challenge_id: int) -> dict[str, Any]:
        """Accept an open challenge (a human account's: OGS bots may not accept them)."""
        return self._object("POST", f"/api/v1/challenges/{challenge_id}/accept", body={})

    def cancel_challenge(self, challenge_id: int) -> dict[str, Any]:
        """Withdraw an open or direct challenge this account created."""
        return self._object("DELETE", f"/api/v1/challenges/{challenge_id}")

    def challenges(self) -> list[dict[str, Any]]:
        """Every challenge the account sent or received (all pages)."""
        return self._pages("/api/v1/me/challenges")

    def received_challenges(self, my_id: int) -> list[dict[str, Any]]:
        """Challenges from others to `my_id`."""
        return [c for c in self.challenges() if (c.get("challenger") or {}).get("id") != my_id]

    def sent_challenges(self, my_id: int) -> list[dict[str, Any]]:
        """Challenges `my_id` sent."""
        return [c for c in self.challenges() if (c.get("challenger") or {}).get("id") == my_id]

    def challenge(self, challenge_id: int) -> dict[str, Any]:
        """One challenge's details."""
        return self._object("GET", f"/api/v1/me/challenges/{challenge_id}")

    def accept_challenge(self, challenge_id: int) -> dict[str, Any]:
        """Accept a challenge; the game starts and arrives as an `active_game` push."""
        return self._object("POST", f"/api/v1/me/challenges/{challenge_id}/accept", body={})

    def decline_challenge(
        self,
        challenge_id: int,
        message: str = "",
        rejection_code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Decline, telling the challenger why (OGS shows the message and the code)."""
        body: dict[str, Any] = {"delete": True, "message": message}
        if rejection_code is not None:
            body["rejection_details"] = {
                "message": message,
                "rejection_code": rejection_code,
                "details": dict(details or {}),
            }
        return self._object("POST", f"/api/v1/me/challenges/{challenge_id}", body=body)

    def delete_challenge(self, challenge_id: int) -> dict[str, Any]:
        """Withdraw a challenge this account sent (or decline one, as the site does)."""
        return self._object("DELETE", f"/api/v1/me/challenges/{challenge_id}")

    def game(self, game_id: int) -> dict[str, Any]:
        """A game's details; its `gamedata` member has the same shape as the realtime one."""
        return self._object("GET", f"/api/v1/games/{game_id}")

    def game_reviews(self, game_id: int) -> list[Any]:
        """The reviews of a game (all pages)."""
        return self._pages(f"/api/v1/games/{game_id}/reviews")

    def game_png(self, game_id: int) -> bytes:
        """The game's board as a PNG image."""
        data: bytes = self.request("GET", f"/api/v1/games/{game_id}/png", raw=True)
        return data

    def game_sgf(self, game_id: int) -> str:
        """The game as SGF text."""
        data: bytes = self.request("GET", f"/api/v1/games/{game_id}/sgf", raw=True)
        return data.decode("utf-8", "replace")


def challenge_ids(body: Any, path: str = "/api/v1/challenges") -> tuple[int, int]:
    """(challenge id, game id) from a challenge's creation reply: OGS sends `game` as an id
    or as `{id, ...}` (the site reads both)."""
    try:
        game = body["game"]
        game_id = game["id"] if isinstance(game, Mapping) else game
        return int(body["challenge"]), int(game_id)
    except (KeyError, TypeError, ValueError):
        raise OGSRequestError(
            200, "POST", path, f"a challenge reply without challenge and game ids: {body!r:.200}"
        ) from None
