"""Fakes for harvest tests: a clock that records sleeps, and a replaying HTTP transport."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

Reply = httpx.Response | Exception
Matcher = Callable[[httpx.Request], bool]


@dataclass
class FakeClock:
    """Time moves only when someone sleeps; every sleep is recorded."""

    time: float = 1_000_000.0
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds


@dataclass
class Replay:
    """A MockTransport handler: routes requests to queued replies, and logs every request.

    A route is a matcher and a list of replies served in order; the last reply repeats.
    An unmatched request fails the test (nothing may reach the network).
    """

    routes: list[tuple[Matcher, list[Reply]]] = field(default_factory=list)
    log: list[httpx.Request] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    clock: FakeClock | None = None

    def add(self, matcher: Matcher, *replies: Reply) -> None:
        self.routes.append((matcher, list(replies)))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.log.append(request)
        if self.clock is not None:
            self.times.append(self.clock.now())
        for matcher, replies in self.routes:
            if matcher(request):
                reply = replies.pop(0) if len(replies) > 1 else replies[0]
                if isinstance(reply, Exception):
                    raise reply
                return reply
        raise AssertionError(f"unexpected request {request.method} {request.url}")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def urls(self) -> list[str]:
        return [str(request.url) for request in self.log]


def params_match(path: str, **params: str) -> Matcher:
    """Matches a request to `path` whose query has (at least) `params`."""

    def matcher(request: httpx.Request) -> bool:
        if request.url.path != path:
            return False
        return all(request.url.params.get(key) == value for key, value in params.items())

    return matcher


def cassette_interactions(path: Path) -> Iterator[tuple[httpx.URL, int, str]]:
    """(request URL, status, body) of each interaction of a vcrpy cassette."""
    for interaction in yaml.safe_load(path.read_text("utf-8"))["interactions"]:
        response = interaction["response"]
        status = response.get("status", {}).get("code") or response.get("status_code")
        body = response["body"]["string"] if "body" in response else response["content"]
        yield httpx.URL(interaction["request"]["uri"]), int(status), body


def json_response(body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


def text_response(body: str | bytes, status: int = 200, **headers: str) -> httpx.Response:
    content = body.encode("utf-8") if isinstance(body, str) else body
    return httpx.Response(status, content=content, headers=headers)


def statuses(*codes: int) -> Iterable[httpx.Response]:
    return [httpx.Response(code, content=b"") for code in codes]
