"""How a REST call reaches OGS: one `requests.Session`, timeouts, retries, safe redirects.

Connection errors, 429 (honouring Retry-After) and 5xx are retried with exponential backoff
and jitter, a bounded number of times; other 4xx are not, nor is a POST whose answer timed
out (the server may have acted on it). Every call has a timeout. Errors are typed
(`ogsbot.ogs.errors`) and never carry a secret.

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
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict
from urllib.parse import urljoin, urlsplit

import requests
from loguru import logger

from ogsbot import __version__
from ogsbot.ogs.errors import (
    OGSAuthError,
    OGSConnectionError,
    OGSNotFound,
    OGSRateLimited,
    OGSRequestError,
    OGSServerError,
    redact,
)

__all__ = [
    "BETA",
    "MAX_REDIRECTS",
    "PRODUCTION",
    "RestTransport",
    "RetryPolicy",
    "TransportOptions",
    "insecure_server_warning",
]

PRODUCTION = "https://online-go.com"
BETA = "https://beta.online-go.com"

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


class TransportOptions(TypedDict, total=False):
    """How calls travel (`RestTransport`'s keyword arguments, which clients built on it pass
    on): the timeout of each, how failures are retried, the session and the clock."""

    timeout: float
    retry: RetryPolicy | None
    session: requests.Session | None
    sleep: Callable[[float], None]
    rng: random.Random | None


class RestTransport:
    """Calls to one server, retried and redirected safely; `AuthenticatedRest` logs them in."""

    def __init__(
        self,
        server: str = PRODUCTION,
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
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        agent = str(self.session.headers.get("User-Agent") or "")
        if not agent or agent.startswith("python-requests"):  # requests' own default
            self.session.headers["User-Agent"] = f"ogsbot/{__version__}"
        self._sleep = sleep
        self._rng = rng or random.Random()
        # Told the HTTP status of every failed try (0: no answer), e.g. to count them for
        # metrics; called in the thread that made the call.
        self.on_error: Callable[[int], None] | None = None

    def _tell_error(self, status: int) -> None:
        if self.on_error is not None:
            self.on_error(status)

    def secrets(self) -> list[str]:
        """What must never be printed (a login's secrets; none here)."""
        return []

    def close(self) -> None:
        """Release the connection pool."""
        self.session.close()

    def _auth_headers(self) -> dict[str, str]:
        """The headers that log a call in (none here; a login adds its own)."""
        return {}

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
        """One call, tried again after a connection error, a 429 or a 5xx, with backoff;
        the successful response back, or the last error raised."""
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
                self._tell_error(0)
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
                self._tell_error(status)
                last, wait = self._failure(response, method, path, attempt)
            if attempt < self.retry.attempts:
                logger.warning(
                    "{}; retrying in {:.1f} s ({}/{})", last, wait, attempt, self.retry.attempts - 1
                )
                self._sleep(wait)
        assert last is not None
        raise last

    def _failure(
        self, response: requests.Response, method: str, path: str, attempt: int
    ) -> tuple[OGSRequestError, float]:
        """The error of a failed answer and the wait before trying again, for a 429 or a
        5xx; any other status, or a Retry-After too long to wait for, raises it at once."""
        status = response.status_code
        message = redact(_server_message(response), self.secrets())
        if status in (401, 403):
            raise OGSAuthError(status, method, path, message)
        if status == 404:
            raise OGSNotFound(status, method, path, message)
        if status == 429:
            retry_after = _retry_after(response)
            limited = OGSRateLimited(status, method, path, message, retry_after)
            wait = retry_after if retry_after is not None else self.retry.delay(attempt, self._rng)
            if wait > self.retry.max_retry_after:
                raise limited
            return limited, wait
        if status >= 500:
            failed = OGSServerError(status, method, path, message)
            return failed, self.retry.delay(attempt, self._rng)
        raise OGSRequestError(status, method, path, message)

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
