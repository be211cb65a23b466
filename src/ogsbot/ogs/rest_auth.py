"""OGS's two REST logins, added to every call: a bot's API key, or OAuth2 tokens kept fresh.

A bot API key is sent as OGS's bot bridge sends it, `apikey` and `bot_id` in the request
(no Authorization header). An OAuth2 password grant's token is renewed with the refresh
token before it expires and again on a 401. One client may be shared by threads: the token
is renewed once for all of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

import requests
from loguru import logger

from ogsbot.ogs.errors import OGSAuthError, OGSRequestError
from ogsbot.ogs.rest_transport import PRODUCTION, RestTransport, TransportOptions

__all__ = [
    "TOKEN_PATH",
    "APIKeyLogin",
    "AuthenticatedRest",
    "CallOptions",
    "Login",
    "PasswordLogin",
]

TOKEN_PATH = "/oauth2/token/"
RENEW_MARGIN = 60.0  # seconds before expiry a token is renewed (at most half its lifetime)


@dataclass(frozen=True)
class APIKeyLogin:
    """A bot account's API key (generated on the bot's OGS profile by its operator)."""

    api_key: str = field(repr=False)


@dataclass(frozen=True)
class PasswordLogin:
    """An OAuth2 application (client id and secret) and a user's name and password."""

    client_id: str
    client_secret: str = field(repr=False)
    username: str
    password: str = field(repr=False)


Login = APIKeyLogin | PasswordLogin


class CallOptions(TypedDict, total=False):
    """What a call as the account carries besides its method and path (`response`'s keyword
    arguments, which the calls built on it pass on)."""

    params: Mapping[str, Any] | None  # the query
    body: Mapping[str, Any] | None  # the JSON body


class AuthenticatedRest(RestTransport):
    """REST calls made as the login's account; `OGSRest` names OGS's endpoints on top."""

    def __init__(
        self,
        server: str = PRODUCTION,
        login: Login | None = None,
        **transport: Unpack[TransportOptions],
    ) -> None:
        super().__init__(server, **transport)
        self.login = login
        self.bot_id: int | None = None
        self.credentials: object | None = None  # ogsapi's `api.credentials`: OGSClient's
        self._access_token: str | None = None
        self._refresh_token: str | None = None
        self._renew_at = 0.0  # time.monotonic() from which the access token is renewed
        self._auth_lock = threading.RLock()  # one login or renewal at a time
        self._used = threading.local()  # the access token this thread last sent

    # ----- secrets and tokens ---------------------------------------------------------

    @property
    def access_token(self) -> str | None:
        """The OAuth2 access token now (a password login's; renewed before it expires)."""
        return self._access_token

    @property
    def refresh_token(self) -> str | None:
        return self._refresh_token

    def secrets(self) -> list[str]:
        """Everything that must never be printed: used to clean messages and by tests."""
        found: list[str] = []
        if isinstance(self.login, APIKeyLogin):
            found.append(self.login.api_key)
        elif isinstance(self.login, PasswordLogin):
            found += [self.login.client_secret, self.login.password]
        found += [t for t in (self._access_token, self._refresh_token) if t]
        return found

    def _token_request(self, data: dict[str, str]) -> None:
        """Ask the token endpoint for tokens; a refusal (RFC 6749 answers a bad password or
        refresh token with 400 invalid_grant) is an `OGSAuthError`."""
        started = time.monotonic()
        try:
            response = self._send("POST", TOKEN_PATH, data=data, authenticate=False)
        except OGSRequestError as exc:
            if type(exc) is OGSRequestError and 400 <= exc.status < 500:
                raise OGSAuthError(exc.status, exc.method, exc.path, exc.message) from None
            raise
        try:
            body = response.json()
            access = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 36000)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise OGSRequestError(
                response.status_code, "POST", TOKEN_PATH, "the answer has no access_token"
            ) from None
        self._access_token = access
        self._refresh_token = str(body.get("refresh_token") or "") or None
        self._renew_at = started + lifetime - min(RENEW_MARGIN, lifetime / 2)

    def _password_login(self, login: PasswordLogin) -> None:
        logger.debug("OAuth2 password login as {}", login.username)
        self._token_request(
            {
                "grant_type": "password",
                "client_id": login.client_id,
                "client_secret": login.client_secret,
                "username": login.username,
                "password": login.password,
            }
        )

    def _renew(self, login: PasswordLogin) -> None:
        """A fresh access token: by the refresh token if there is one, else by password."""
        if self._refresh_token:
            try:
                logger.debug("renewing the OAuth2 token")
                self._token_request(
                    {
                        "grant_type": "refresh_token",
                        "client_id": login.client_id,
                        "client_secret": login.client_secret,
                        "refresh_token": self._refresh_token,
                    }
                )
                return
            except OGSAuthError:
                logger.info("refresh token refused; logging in with the password again")
        self._password_login(login)

    def _auth_headers(self) -> dict[str, str]:
        login = self.login
        if not isinstance(login, PasswordLogin):
            return {}
        with self._auth_lock:
            if self._access_token is None:
                self._password_login(login)
            elif time.monotonic() >= self._renew_at:
                self._renew(login)
            token = self._access_token
        self._used.token = token
        return {"Authorization": f"Bearer {token}"}

    def _renew_refused(self, login: PasswordLogin) -> None:
        """The server refused the token this thread sent: renew it, unless another thread
        already has (then the retry uses the new one)."""
        refused = getattr(self._used, "token", None)
        with self._auth_lock:
            if self._access_token is None or self._access_token == refused:
                self._renew(login)

    def _api_key_fields(self) -> dict[str, Any]:
        if isinstance(self.login, APIKeyLogin):
            fields: dict[str, Any] = {"apikey": self.login.api_key}
            if self.bot_id is not None:
                fields["bot_id"] = self.bot_id
            return fields
        return {}

    # ----- calls as the account ------------------------------------------------------

    def request(
        self, method: str, path: str, *, raw: bool = False, **options: Unpack[CallOptions]
    ) -> Any:
        """Call an endpoint (path under the server, e.g. `/api/v1/me`); JSON back, or bytes."""
        response = self.response(method, path, **options)
        if raw:
            return response.content
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            return response.text

    def call_rest_endpoint(
        self,
        method: str,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> requests.Response:
        """The seed's generic call: `endpoint` under /api/v1 ("/me/games"), the response back.

        Unlike the seed, a failure raises a typed error instead of returning None.
        """
        if method.upper() not in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            raise ValueError(f"method {method!r} is not GET, POST, PUT, PATCH or DELETE")
        path = "/api/v1/" + endpoint.lstrip("/")
        return self.response(method, path, params=params, body=payload)

    def response(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> requests.Response:
        """Call an endpoint and return the successful response; errors raise.

        The login is added here: a bearer token, or the API key in the body (in the query
        for GET). A 401 under OAuth2 renews the token once and tries again; a 403 (not
        allowed) does not.
        """
        method = method.upper()
        params = dict(params or {})
        payload = dict(body) if body is not None else None
        key_fields = self._api_key_fields()
        if key_fields:
            if method == "GET":
                params.update(key_fields)
            else:
                payload = {**(payload or {}), **key_fields}
        try:
            response = self._send(method, path, params=params, json_body=payload)
        except OGSAuthError as exc:
            login = self.login
            if exc.status != 401 or exc.path == TOKEN_PATH or not isinstance(login, PasswordLogin):
                raise
            self._renew_refused(login)
            response = self._send(method, path, params=params, json_body=payload)
        return response
