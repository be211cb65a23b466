"""OGS's REST API on one `requests.Session`: logins, every endpoint, retries and backoff.

Two logins: a bot API key (sent as OGS's bot bridge sends it, `apikey` and `bot_id` in the
request, no Authorization header) or an OAuth2 password grant whose token is renewed with the
refresh token before it expires and again on a 401. Connection errors, 429 (honouring
Retry-After) and 5xx are retried with exponential backoff and jitter, a bounded number of
times; other 4xx are not, nor is a POST whose answer timed out (the server may have acted on
it). Every call has a timeout. Errors are typed (`ogsbot.ogs.errors`) and never carry a
secret. One `OGSRest` may be shared by threads: the token is renewed once for all of them.

Redirects are followed by hand, on the server's own origin only (same scheme, host and
port; at most `MAX_REDIRECTS`): a redirect elsewhere would carry the API key or the token
(a 307/308 re-sends the body) to another server, so it is refused with an error naming the
origin it pointed to. A plain `http://` server other than this machine gets a warning
(`insecure_server_warning`): the key would cross the network readable by anyone on the way.
"""

from __future__ import annotations

import email.utils
import json
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from loguru import logger

from ogsbot import __version__
from ogsbot.ogs.challenge import ChallengeRequest
from ogsbot.ogs.errors import (
    OGSAuthError,
    OGSConnectionError,
    OGSLoginRequired,
    OGSNotFound,
    OGSRateLimited,
    OGSRequestError,
    OGSServerError,
    redact,
)

__all__ = [
    "BETA",
    "PRODUCTION",
    "APIKeyLogin",
    "ChallengeRequest",
    "Login",
    "OGSRest",
    "insecure_server_warning",
]

PRODUCTION = "https://online-go.com"
BETA = "https://beta.online-go.com"

TOKEN_PATH = "/oauth2/token/"
RENEW_MARGIN = 60.0  # seconds before expiry a token is renewed (at most half its lifetime)
MAX_PAGES = 1000  # a paged list longer than this is cut short (a server looping on `next`)
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MAX_REDIRECTS = 5  # same-origin redirects followed for one request
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def _origin_text(url: str) -> str:
    scheme, host, port = _origin(url)
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}" if port is not None else f"{scheme}://{host}"


def insecure_server_warning(server: str) -> str | None:
    """A warning when `server` is plain http:// and not this machine (localhost,
    127.0.0.1, ::1): the API key or token would cross the network unencrypted."""
    parts = urlsplit(server)
    if parts.scheme.lower() != "http" or (parts.hostname or "").lower() in _LOOPBACK_HOSTS:
        return None
    return (
        f"the server http://{parts.netloc} is plain http:// on another machine: the API key "
        "and every request travel unencrypted; use https:// (http:// is only for an emulator "
        "on localhost)"
    )


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


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed call is tried again."""

    attempts: int = 5  # in all, the first one included
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 300.0  # a longer Retry-After is not waited for: it is an error

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with jitter around it (0.5 to 1.5 times): attempt 1 waits
        about base_delay, each next one twice as long, never more than max_delay."""
        ceiling: float = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return min(self.max_delay, ceiling * rng.uniform(0.5, 1.5))


def _server_message(response: requests.Response) -> str:
    """The server's own explanation, from a JSON error body or the start of the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300]
    if isinstance(body, Mapping):
        if "error" in body and "error_description" in body:  # OAuth2 (RFC 6749 5.2)
            return f"{body['error']}: {body['error_description']}"[:300]
        for key in ("detail", "error", "message", "error_description"):
            if key in body:
                return str(body[key])[:300]
    return json.dumps(body)[:300]


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds: a number of seconds, or an HTTP date."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # unreadable: the backoff covers it
    return max(0.0, when.timestamp() - time.time())


def _without_query(text: str) -> str:
    """An exception text from `requests` without the query strings of the URLs it quotes
    (credentials travel there)."""
    return re.sub(r"(url: [^\s?]*)\?[^\s)]*", r"\1", text)


class OGSRest:
    """The REST half of an OGS client. Synchronous; the daemon runs it in threads."""

    def __init__(
        self,
        server: str = PRODUCTION,
        login: Login | None = None,
        *,
        timeout: float = 20.0,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"server must be an http(s) URL like {PRODUCTION}, not {server!r}")
        self.server = f"{parts.scheme}://{parts.netloc}"
        warning = insecure_server_warning(self.server)
        if warning is not None:
            logger.warning("{}", warning)
        self.login = login
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        agent = str(self.session.headers.get("User-Agent") or "")
        if not agent or agent.startswith("python-requests"):  # requests' own default
            self.session.headers["User-Agent"] = f"ogsbot/{__version__}"
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.bot_id: int | None = None
        self.credentials: object | None = None  # ogsapi's `api.credentials`: OGSClient's
        self._access_token: str | None = None
        self._refresh_token: str | None = None
        self._renew_at = 0.0  # time.monotonic() from which the access token is renewed
        self._auth_lock = threading.RLock()  # one login or renewal at a time
        self._used = threading.local()  # the access token this thread last sent

    # ----- secrets and auth -----------------------------------------------------------

    @property
    def access_token(self) -> str | None:
        """The OAuth2 access token now (a password login's; renewed before it expires)."""
        return self._access_token

    @property
    def refresh_token(self) -> str | None:
        return self._refresh_token

    @property
    def base_url(self) -> str:
        """ogsapi's name: the server with a trailing slash."""
        return self.server + "/"

    api_ver = "v1"  # ogsapi's name: the REST API's version in every path

    def secrets(self) -> list[str]:
        """Everything that must never be printed: used to clean messages and by tests."""
        found: list[str] = []
        if isinstance(self.login, APIKeyLogin):
            found.append(self.login.api_key)
        elif isinstance(self.login, PasswordLogin):
            found += [self.login.client_secret, self.login.password]
        found += [t for t in (self._access_token, self._refresh_token) if t]
        return found

    def close(self) -> None:
        """Release the connection pool."""
        self.session.close()

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

    # ----- the request loop ----------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        raw: bool = False,
    ) -> Any:
        """Call an endpoint (path under the server, e.g. `/api/v1/me`); JSON back, or bytes."""
        response = self.response(method, path, params=params, body=body)
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

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        authenticate: bool = True,
    ) -> requests.Response:
        url = self.server + path
        last: OGSRequestError | None = None
        for attempt in range(1, self.retry.attempts + 1):
            headers = self._auth_headers() if authenticate else {}
            started = time.monotonic()
            try:
                response = self._request_following(
                    method,
                    path,
                    url,
                    params=params,
                    json_body=json_body,
                    data=data,
                    headers=headers,
                )
            except requests.RequestException as exc:
                text = _without_query(f"{type(exc).__name__}: {exc}")
                last = OGSConnectionError(0, method, path, redact(text, self.secrets()))
                # Sent, but no answer: a POST may have been acted on (a challenge created or
                # accepted), so it is not sent again blind. Token requests are safe to repeat.
                resend = method in _IDEMPOTENT or not authenticate
                if isinstance(exc, requests.ReadTimeout) and not resend:
                    break
                wait = self.retry.delay(attempt, self._rng)
            else:
                status = response.status_code
                logger.debug(
                    "{} {} -> {} in {:.0f} ms",
                    method,
                    path,
                    status,
                    (time.monotonic() - started) * 1000,
                )
                if status < 400:
                    return response
                message = redact(_server_message(response), self.secrets())
                if status in (401, 403):
                    raise OGSAuthError(status, method, path, message)
                if status == 404:
                    raise OGSNotFound(status, method, path, message)
                if status == 429:
                    retry_after = _retry_after(response)
                    last = OGSRateLimited(status, method, path, message, retry_after)
                    wait = (
                        retry_after
                        if retry_after is not None
                        else self.retry.delay(attempt, self._rng)
                    )
                    if wait > self.retry.max_retry_after:
                        raise last
                elif status >= 500:
                    last = OGSServerError(status, method, path, message)
                    wait = self.retry.delay(attempt, self._rng)
                else:
                    raise OGSRequestError(status, method, path, message)
            if attempt < self.retry.attempts:
                logger.warning(
                    "{}; retrying in {:.1f} s ({}/{})", last, wait, attempt, self.retry.attempts - 1
                )
                self._sleep(wait)
        assert last is not None
        raise last

    def _request_following(
        self,
        method: str,
        path: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        json_body: Mapping[str, Any] | None,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str],
    ) -> requests.Response:
        """One request, following redirects on the server's own origin only; a redirect to
        another scheme, host or port raises `OGSRequestError` (the credentials stay here)."""
        home = _origin(self.server)
        for _ in range(MAX_REDIRECTS + 1):
            response = self.session.request(
                method,
                url,
                params=params or None,
                json=json_body,
                data=data,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
            location = response.headers.get("Location")
            if response.status_code not in _REDIRECTS or not location:
                return response
            status = response.status_code
            response.close()
            target = urljoin(response.url or url, location)
            if _origin(target) != home:
                raise OGSRequestError(
                    status,
                    method,
                    path,
                    f"the server redirected to another origin ({_origin_text(target)}); not "
                    f"followed, so that the credentials are not sent there (if that is the "
                    f"right server, give its URL as the server)",
                )
            logger.debug("{} {} -> {} redirect on the same server", method, path, status)
            if status == 303 or (status in (301, 302) and method != "HEAD"):
                method, json_body, data = "GET", None, None  # what browsers and requests do
            url, params = target, None  # the Location is the whole new URL
        raise OGSRequestError(
            response.status_code, method, path, f"more than {MAX_REDIRECTS} redirects"
        )

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
        result: dict[str, Any] = self.request("GET", "/api/v1/me/settings")
        return result

    def update_profile(self, player_id: int, **fields: Any) -> dict[str, Any]:
        """Change profile fields (username, first_name, last_name, country, website, about)."""
        body = {k: v for k, v in fields.items() if v is not None}
        result: dict[str, Any] = self.request("PUT", f"/api/v1/players/{player_id}", body=body)
        return result

    def ui_config(self) -> dict[str, Any]:
        """The site's config for this user: carries `user_jwt` for the realtime login."""
        result: dict[str, Any] = self.request("GET", "/api/v1/ui/config")
        return result

    def get_auth_data(self) -> dict[str, Any]:
        """The seed's name for `ui_config`: the site's config, with the realtime `user_jwt`."""
        return self.ui_config()

    def player(self, name_or_id: str | int) -> dict[str, Any]:
        """A player by id, or by exact username; `OGSNotFound` when there is none."""
        if isinstance(name_or_id, int):
            result: dict[str, Any] = self.request("GET", f"/api/v1/players/{name_or_id}")
            return result
        body = self.request("GET", "/api/v1/players", params={"username": name_or_id})
        for entry in body.get("results") or []:
            if entry.get("username") == name_or_id:
                return dict(entry)
        raise OGSNotFound(404, "GET", "/api/v1/players", f"no player named {name_or_id!r}")

    def player_games(self, player_id: int, page: int = 1, page_size: int = 10) -> dict[str, Any]:
        """One page of a player's games."""
        params = {"page": page, "page_size": page_size}
        result: dict[str, Any] = self.request(
            "GET", f"/api/v1/players/{player_id}/games", params=params
        )
        return result

    def my_games(self, page: int = 1, page_size: int = 10) -> dict[str, Any]:
        """One page of the logged-in account's games."""
        params = {"page": page, "page_size": page_size}
        result: dict[str, Any] = self.request("GET", "/api/v1/me/games", params=params)
        return result

    def friends(self, username: str | None = None) -> list[Any]:
        """All friends (all pages), optionally filtered by username."""
        return self._pages("/api/v1/me/friends", {"username": username} if username else None)

    def add_friend(self, player_id: int) -> dict[str, Any]:
        """Send a friend request."""
        result: dict[str, Any] = self.request(
            "POST", "/api/v1/me/friends", body={"player_id": player_id}
        )
        return result

    def remove_friend(self, player_id: int) -> dict[str, Any]:
        """Remove a friend."""
        body = {"delete": True, "player_id": player_id}
        result: dict[str, Any] = self.request("POST", "/api/v1/me/friends", body=body)
        return result

    def accept_friend_request(self, from_user: int) -> dict[str, Any]:
        """Accept a friend request (what gtp2ogs does for its bots)."""
        body = {"from_user": from_user}
        result: dict[str, Any] = self.request("POST", "/api/v1/me/friends/invitations", body=body)
        return result

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
        result: dict[str, Any] = self.request(
            "POST", f"/api/v1/challenges/{challenge_id}/accept", body={}
        )
        return result

    def cancel_challenge(self, challenge_id: int) -> dict[str, Any]:
        """Withdraw an open or direct challenge this account created."""
        result: dict[str, Any] = self.request("DELETE", f"/api/v1/challenges/{challenge_id}")
        return result

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
        result: dict[str, Any] = self.request("GET", f"/api/v1/me/challenges/{challenge_id}")
        return result

    def accept_challenge(self, challenge_id: int) -> dict[str, Any]:
        """Accept a challenge; the game starts and arrives as an `active_game` push."""
        result: dict[str, Any] = self.request(
            "POST", f"/api/v1/me/challenges/{challenge_id}/accept", body={}
        )
        return result

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
        result: dict[str, Any] = self.request(
            "POST", f"/api/v1/me/challenges/{challenge_id}", body=body
        )
        return result

    def delete_challenge(self, challenge_id: int) -> dict[str, Any]:
        """Withdraw a challenge this account sent (or decline one, as the site does)."""
        result: dict[str, Any] = self.request("DELETE", f"/api/v1/me/challenges/{challenge_id}")
        return result

    def game(self, game_id: int) -> dict[str, Any]:
        """A game's details; its `gamedata` member has the same shape as the realtime one."""
        result: dict[str, Any] = self.request("GET", f"/api/v1/games/{game_id}")
        return result

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
