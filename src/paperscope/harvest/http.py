"""The polite HTTP layer every harvester shares.

Politeness: a minimum interval between two requests to the same host (arXiv asks for 3 s),
retries with exponential backoff on 429, 5xx, timeouts and broken connections, honouring
`Retry-After`, and a User-Agent that names paperscope and a contact address. The clock and
`sleep` are injectable so tests check the waits without waiting; the transport is injectable
so tests replay recorded responses through `httpx.MockTransport`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from paperscope import __version__
from paperscope.errors import PaperscopeError

# Hosts not listed here get DEFAULT_INTERVAL. arXiv's terms ask for one request per 3 s;
# S2 allows 1 request/s with a key (less without); OpenAlex allows 10/s.
HOST_INTERVALS: Mapping[str, float] = {
    "export.arxiv.org": 3.0,
    "oaipmh.arxiv.org": 3.0,
    "api.semanticscholar.org": 1.0,
    "api.openalex.org": 0.1,
    "huggingface.co": 0.5,
}
DEFAULT_INTERVAL = 1.0
_REDACTED_PARAMS = ("api_key",)


class HarvestError(PaperscopeError):
    """A request failed for good: a 4xx, or retries exhausted."""

    exit_code = 5


class IncompleteResponseError(ValueError):
    """A 200 response whose body is cut short or unreadable; worth asking again."""


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (wall clock: `Retry-After` may be an HTTP date)."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One request a harvester wants sent (before politeness and retries)."""

    method: str
    url: str
    params: tuple[tuple[str, str], ...] = ()
    json_body: Any = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_tries: int = 5
    backoff: float = 2.0
    """First wait after a failure, doubled on each further failure."""
    max_wait: float = 600.0
    timeout: float = 60.0


def user_agent(contact_email: str | None) -> str:
    contact = f" (mailto:{contact_email})" if contact_email else ""
    return f"paperscope/{__version__}{contact}"


def retry_after(response: httpx.Response, now: float) -> float | None:
    """Seconds to wait as `Retry-After` says (delta-seconds or an HTTP date), or None."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def redacted(url: httpx.URL) -> str:
    """The URL for messages and logs, with API keys masked."""
    params = [
        (key, "***" if key in _REDACTED_PARAMS else value)
        for key, value in url.params.multi_items()
    ]
    return str(url.copy_with(params=params)) if params else str(url)


@dataclass
class PoliteClient:
    user_agent: str
    transport: httpx.BaseTransport | None = None
    clock: Clock = field(default_factory=SystemClock)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    intervals: Mapping[str, float] = field(default_factory=lambda: HOST_INTERVALS)
    requests: int = 0
    _last: dict[str, float] = field(default_factory=dict)
    _client: httpx.Client | None = None

    def __enter__(self) -> PoliteClient:
        self._client = httpx.Client(
            transport=self.transport,
            headers={"User-Agent": self.user_agent},
            timeout=self.policy.timeout,
            follow_redirects=True,
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def fetch(self, spec: RequestSpec, check: Callable[[bytes], None]) -> httpx.Response:
        """Send `spec` until it succeeds and `check(body)` accepts the body, or give up."""
        if self._client is None:
            raise RuntimeError("PoliteClient used outside `with`")
        request = self._client.build_request(
            spec.method, spec.url, params=spec.params, json=spec.json_body, headers=spec.headers
        )
        problem = ""
        for attempt in range(1, self.policy.max_tries + 1):
            response, problem, delay = self._attempt(self._client, request, check, attempt)
            if response is not None:
                return response
            if attempt < self.policy.max_tries:
                self.clock.sleep(min(delay, self.policy.max_wait))
        tries = self.policy.max_tries
        raise HarvestError(f"{redacted(request.url)}: gave up after {tries} tries: {problem}")

    def _attempt(
        self,
        client: httpx.Client,
        request: httpx.Request,
        check: Callable[[bytes], None],
        attempt: int,
    ) -> tuple[httpx.Response | None, str, float]:
        """One try: (response, "", 0) on success, else (None, what went wrong, wait)."""
        backoff = self.policy.backoff * 2 ** (attempt - 1)
        self._wait_turn(request.url.host)
        self.requests += 1
        try:
            response = client.send(request)
        except httpx.TransportError as error:  # timeouts, resets, bodies cut mid-transfer
            return None, f"{type(error).__name__}: {error}", backoff
        status = response.status_code
        if status == 429 or status >= 500:
            waited = retry_after(response, self.clock.now())
            return None, f"HTTP {status}", backoff if waited is None else waited
        if status >= 400:
            snippet = response.text[:300].strip()
            raise HarvestError(f"{redacted(request.url)}: HTTP {status}: {snippet}")
        try:
            check(response.content)
        except IncompleteResponseError as error:
            return None, f"incomplete response: {error}", backoff
        return response, "", 0.0

    def _wait_turn(self, host: str) -> None:
        interval = self.intervals.get(host, DEFAULT_INTERVAL)
        last = self._last.get(host)
        if last is not None:
            wait = last + interval - self.clock.now()
            if wait > 0:
                self.clock.sleep(wait)
        self._last[host] = self.clock.now()
