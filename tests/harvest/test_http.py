"""The polite HTTP layer: rate limits, retries, Retry-After, give-up messages."""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest
from harvest_fakes import FakeClock, Replay, json_response, text_response

from paperscope.harvest.base import check_json
from paperscope.harvest.http import HarvestError, PoliteClient, RequestSpec, user_agent

ARXIV = "https://export.arxiv.org/api/query"
OPENALEX = "https://api.openalex.org/works"


def _client(replay: Replay, clock: FakeClock) -> PoliteClient:
    return PoliteClient(user_agent("me@example.org"), replay.transport(), clock)


def _accept(body: bytes) -> None:
    pass


def _always(request: httpx.Request) -> bool:
    return True


def test_requests_to_one_host_are_spaced_by_its_interval(replay: Replay, clock: FakeClock) -> None:
    replay.add(_always, text_response("<feed/>"))
    with _client(replay, clock) as client:
        for start in range(3):
            client.fetch(RequestSpec("GET", ARXIV, (("start", str(start)),)), _accept)
        client.fetch(RequestSpec("GET", OPENALEX), _accept)  # another host: no wait
    assert clock.sleeps == [3.0, 3.0]
    gaps = [later - earlier for earlier, later in zip(replay.times, replay.times[1:], strict=False)]
    assert gaps[:2] == [3.0, 3.0] and gaps[2] == 0.0


def test_user_agent_names_paperscope_and_the_contact(replay: Replay, clock: FakeClock) -> None:
    replay.add(_always, text_response("ok"))
    with _client(replay, clock) as client:
        client.fetch(RequestSpec("GET", OPENALEX), _accept)
    agent = replay.log[0].headers["user-agent"]
    assert agent.startswith("paperscope/") and "mailto:me@example.org" in agent


def test_retry_after_in_seconds_is_honoured(replay: Replay, clock: FakeClock) -> None:
    replay.add(_always, text_response("", 429, **{"Retry-After": "7"}), text_response("ok"))
    with _client(replay, clock) as client:
        response = client.fetch(RequestSpec("GET", OPENALEX), _accept)
    assert response.text == "ok"
    assert clock.sleeps == [7.0]
    assert replay.times[1] - replay.times[0] == 7.0


def test_retry_after_as_an_http_date_is_honoured(replay: Replay, clock: FakeClock) -> None:
    when = formatdate(clock.now() + 20, usegmt=True)
    replay.add(_always, text_response("", 503, **{"Retry-After": when}), text_response("ok"))
    with _client(replay, clock) as client:
        client.fetch(RequestSpec("GET", OPENALEX), _accept)
    assert clock.sleeps == [pytest.approx(20.0, abs=1.0)]


def test_server_errors_back_off_exponentially_then_succeed(
    replay: Replay, clock: FakeClock
) -> None:
    replay.add(_always, text_response("", 502), text_response("", 500), text_response("ok"))
    with _client(replay, clock) as client:
        assert client.fetch(RequestSpec("GET", OPENALEX), _accept).text == "ok"
        assert client.requests == 3
    assert clock.sleeps == [2.0, 4.0]


def test_a_permanent_500_gives_up_after_max_tries_naming_the_url(
    replay: Replay, clock: FakeClock
) -> None:
    replay.add(_always, text_response("down", 500))
    spec = RequestSpec("GET", OPENALEX, (("filter", "x"), ("api_key", "secret")))
    with _client(replay, clock) as client, pytest.raises(HarvestError) as raised:
        client.fetch(spec, _accept)
    message = str(raised.value)
    assert "https://api.openalex.org/works?filter=x" in message
    assert "after 5 tries" in message and "HTTP 500" in message
    assert "secret" not in message  # API keys are masked
    assert len(replay.log) == 5
    assert clock.sleeps == [2.0, 4.0, 8.0, 16.0]


def test_timeouts_and_cut_connections_are_retried(replay: Replay, clock: FakeClock) -> None:
    replay.add(
        _always,
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
        text_response("ok"),
    )
    with _client(replay, clock) as client:
        assert client.fetch(RequestSpec("GET", OPENALEX), _accept).text == "ok"
    assert len(replay.log) == 3


def test_a_truncated_body_is_fetched_again(replay: Replay, clock: FakeClock) -> None:
    replay.add(_always, text_response('{"meta": {"count": 1}, "resul'), json_response({"a": 1}))
    with _client(replay, clock) as client:
        response = client.fetch(RequestSpec("GET", OPENALEX), check_json)
    assert response.json() == {"a": 1}
    assert len(replay.log) == 2


def test_a_client_error_fails_at_once(replay: Replay, clock: FakeClock) -> None:
    replay.add(_always, json_response({"error": "Paper not found"}, 404))
    spec = RequestSpec("GET", "https://api.semanticscholar.org/graph/v1/paper/nope")
    with _client(replay, clock) as client, pytest.raises(HarvestError, match="HTTP 404"):
        client.fetch(spec, _accept)
    assert len(replay.log) == 1


def test_a_429_storm_is_waited_out_politely_then_given_up(replay: Replay, clock: FakeClock) -> None:
    storm = [text_response("slow down", 429, **{"Retry-After": "30"})] * 3
    replay.add(_always, *storm, text_response("", 429), text_response("ok"))
    with _client(replay, clock) as client:
        assert client.fetch(RequestSpec("GET", ARXIV), _accept).text == "ok"
    # Retry-After is obeyed where given; without it the backoff goes on doubling.
    assert clock.sleeps == [30.0, 30.0, 30.0, 16.0]
    assert len(replay.log) == 5

    endless = Replay(clock=clock)
    endless.add(_always, text_response("slow down", 429, **{"Retry-After": "60"}))
    with (
        PoliteClient(user_agent(None), endless.transport(), clock) as client,
        pytest.raises(HarvestError, match="after 5 tries"),
    ):
        client.fetch(RequestSpec("GET", ARXIV), _accept)
    assert len(endless.log) == 5
