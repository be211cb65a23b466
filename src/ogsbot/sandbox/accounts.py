"""The emulator's accounts and the credentials that open them.

Bots log in with an API key, humans with a password (OAuth2 password grant, renewed with a
refresh token) or with the JWT the site hands out in `/api/v1/ui/config`. Tokens are random
and short-lived, like OGS's, so clients have to renew them.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from ogsbot.ogs.models import rank_to_text

ACCESS_TOKEN_LIFETIME = 36000.0  # seconds; tests shorten it to exercise renewal


@dataclass
class Account:
    """A player on the emulated server."""

    id: int
    username: str
    ranking: float = 15.0
    professional: bool = False
    is_bot: bool = False
    api_key: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    country: str = "un"
    about: str = ""

    def player_json(self) -> dict[str, Any]:
        """The player object as OGS embeds it in notifications and game lists."""
        return {
            "id": self.id,
            "username": self.username,
            "country": self.country,
            "icon_url": "",
            "ratings": {
                "version": 5,
                "overall": {"rating": 1500.0, "deviation": 100.0, "volatility": 0.06},
            },
            "ranking": self.ranking,
            "rank": self.ranking,
            "professional": self.professional,
            "ui_class": "bot" if self.is_bot else "",
        }

    def me_json(self) -> dict[str, Any]:
        """What `/api/v1/me` returns: OGS's user vitals (ogsapi's `{'id', 'username',
        'ratings', 'ranking', 'about', ...}`), with a placeholder e-mail address."""
        return {
            **self.player_json(),
            "is_bot": self.is_bot,
            "rank_text": rank_to_text(self.ranking, self.professional),
            "anonymous": False,
            "supporter": False,
            "language": "en",
            "about": self.about,
            "icon": "",
            "email": f"{self.username}@example.invalid",
            "is_moderator": False,
            "is_superuser": False,
            "timezone": "UTC",
        }

    def to_state(self) -> dict[str, Any]:
        """Everything needed to restore the account after a restart."""
        return {
            "id": self.id,
            "username": self.username,
            "ranking": self.ranking,
            "professional": self.professional,
            "is_bot": self.is_bot,
            "api_key": self.api_key,
            "password": self.password,
            "country": self.country,
            "about": self.about,
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Account:
        return cls(**data)


@dataclass
class _Token:
    account_id: int
    expires: float


class Accounts:
    """All accounts, and the tokens that stand for them."""

    def __init__(self) -> None:
        self.by_id: dict[int, Account] = {}
        self._next_id = 1000
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, int] = {}
        self._jwt: dict[str, int] = {}
        self.client_id = "sandbox-client"
        self.client_secret = "sandbox-secret"
        self.token_lifetime = ACCESS_TOKEN_LIFETIME

    def add(
        self,
        username: str,
        *,
        is_bot: bool = False,
        api_key: str | None = None,
        password: str | None = None,
        ranking: float = 15.0,
        professional: bool = False,
        account_id: int | None = None,
    ) -> Account:
        """Create an account; usernames are unique (case-insensitively, as on OGS)."""
        if not username or len(username) > 60:
            raise ValueError(f"username must be 1..60 characters: {username!r}")
        if self.by_name(username) is not None:
            raise ValueError(f"username {username!r} is taken")
        if account_id is None:
            account_id = self._next_id
        self._next_id = max(self._next_id, account_id) + 1
        if is_bot and api_key is None:
            api_key = secrets.token_hex(20)
        account = Account(account_id, username, ranking, professional, is_bot, api_key, password)
        self.by_id[account_id] = account
        return account

    def by_name(self, username: str) -> Account | None:
        folded = username.casefold()
        return next((a for a in self.by_id.values() if a.username.casefold() == folded), None)

    def by_api_key(self, api_key: str) -> Account | None:
        if not api_key:
            return None
        return next(
            (
                a
                for a in self.by_id.values()
                if a.api_key and secrets.compare_digest(a.api_key, api_key)
            ),
            None,
        )

    def check_password(self, username: str, password: str) -> Account | None:
        account = self.by_name(username)
        if account is None or not account.password:
            return None
        return account if secrets.compare_digest(account.password, password) else None

    def issue_tokens(self, account: Account) -> dict[str, Any]:
        """An OAuth2 token response for `account`."""
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self._access[access] = _Token(account.id, time.monotonic() + self.token_lifetime)
        self._refresh[refresh] = account.id
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": self.token_lifetime,
            "token_type": "Bearer",
            "scope": "read write",
        }

    def refresh(self, refresh_token: str) -> dict[str, Any] | None:
        """New tokens for a refresh token, which is used up."""
        account_id = self._refresh.pop(refresh_token, None)
        if account_id is None or account_id not in self.by_id:
            return None
        return self.issue_tokens(self.by_id[account_id])

    def by_access_token(self, token: str) -> Account | None:
        entry = self._access.get(token)
        if entry is None:
            return None
        if entry.expires < time.monotonic():
            del self._access[token]
            return None
        return self.by_id.get(entry.account_id)

    def expire_tokens(self) -> None:
        """Make every access token stale at once (tests of renewal)."""
        for token in self._access.values():
            token.expires = 0.0

    def issue_jwt(self, account: Account) -> str:
        token = secrets.token_urlsafe(32)
        self._jwt[token] = account.id
        return token

    def by_jwt(self, token: str) -> Account | None:
        account_id = self._jwt.get(token)
        return self.by_id.get(account_id) if account_id is not None else None
