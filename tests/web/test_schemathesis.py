"""schemathesis over the app: no request it generates may get a 5xx (SQLite and PostgreSQL).

Two schemas are fuzzed, each operation in positive mode (requests the schema allows) and in
negative mode (requests it forbids: out-of-range ids, wrong types) for every API operation
and every page with a path parameter:

- `/openapi.json` as `create_app` serves it (the JSON API);
- the pages, feeds, exports and account forms (`include_in_schema=False` in the app),
  described by FastAPI's own generator from the same routes, plus the query parameters the
  pages read by hand and the fields their forms post. Requests come signed in, with a valid
  CSRF token, so the forms are exercised past the CSRF check.

In positive mode an id in the path is a stored row (or the range's ends), so the pages get
past "not found" and render their lists, graphs and profiles under fuzzed query parameters;
negative mode sends every other id (out of range, 64-bit overflows, text).

The app runs in process (schemathesis' ASGI transport) over a corpus of its own: the forms
change data (upvotes, library, subscriptions), which other tests must not see. Mail goes to
a real SMTP server on loopback. Every request counts; an unhandled exception counts as a
500. Examples per operation and mode: `PAPERSCOPE_SCHEMATHESIS_EXAMPLES` (default 10;
derandomized, so a run is repeatable). A summary of statuses is written to
`test-artifacts/schemathesis-<backend>.json`.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from web_corpus import WebCorpus, build_corpus

from mailsink import MailServer
from paperscope.accounts.clock import utcnow
from paperscope.accounts.keys import mac
from paperscope.accounts.users import start_session, user_for_email
from paperscope.untrusted import MAX_ID
from paperscope.web.app import create_app
from paperscope.web.csrf import CSRF_COOKIE
from paperscope.web.sessions import SESSION_COOKIE

EXAMPLES = int(os.environ.get("PAPERSCOPE_SCHEMATHESIS_EXAMPLES", "10"))
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
_names = itertools.count()

# What the pages read from the query string by hand, with a valid example of each (the
# explicit phase sends the examples; fuzzing sends anything).
QUERY_EXAMPLES = {
    "date": "2024-03-05",
    "q": "TinyML",
    "mode": "keyword",
    "category": "cs.LG",
    "since": "2021-01-01",
    "until": "2024-12-31",
    "has_code": "true",
    "author": "Haoyu Ren",
    "venue": "NeurIPS",
    "page": "1",
    "sort": "citations",
    "name": "Haoyu Ren",
    "person": "name:haoyu ren",
    "limit": "5",
    "tag": "gnn",
    "token": "not-a-token",
    "kind": "category",
    "value": "cs.LG",
    "refs_page": "1",
    "refs_per_page": "2",
    "cited_page": "1",
    "cited_per_page": "1",
    "cited_sort": "citations",
}
SEARCH = ("q", "mode", "category", "since", "until", "has_code", "author", "venue", "page")
AUTHOR = ("sort", "name", "person", "page")
PAPER_LISTS = ("refs_page", "refs_per_page", "cited_page", "cited_per_page", "cited_sort")
# The query parameters each page reads (a page not listed here gets all of them).
QUERY_OF = {
    "/": ("date",),
    "/trending": (),
    "/search": SEARCH,
    "/feeds/daily.{fmt}": ("date",),
    "/feeds/trending.{fmt}": (),
    "/feeds/search.{fmt}": SEARCH,
    "/feeds/author/{person_id}.{fmt}": (),
    "/feeds/author.{fmt}": ("name",),
    "/paper/{work_id}": PAPER_LISTS,
    "/paper/{work_id}.bib": (),
    "/paper/{work_id}.json": PAPER_LISTS,
    "/paper/{work_id}/neighbourhood": ("limit",),
    "/author/{person_id}": AUTHOR,
    "/author": AUTHOR,
    "/about": (),
    "/signin": (),
    "/signin/verify": ("token",),
    "/subscribe/confirm": ("token",),
    "/subscribe": ("kind", "value"),
    "/subscriptions": (),
    "/library": ("tag",),
    "/library/export.bib": ("tag",),
    "/unsubscribe/{token}": (),
    "/following": (),
    "/home": ("page",),
    "/admin": (),
}
# What the account forms post (their CSRF token is added to every request).
FORM_EXAMPLES = {
    "work_id": "1",
    "tags": "gnn, to read",
    "next": "/library",
    "email": "fuzz@example.org",
    "kind": "category",
    "value": "cs.LG",
    "period": "daily",
    "nothing_new": "note",
    "token": "not-a-token",
    "follow_id": "1",
    "action": "approve",  # the admin page's review forms
    "works": "1",  # a profile's proposed corrections
    "other_person": "2",
    "note": "not mine",
}
# Signing out would end the fuzzer's own session; /healthz has nothing to fuzz.
NOT_FUZZED = {"/signout", "/healthz"}


def _api_routes(app: FastAPI) -> list[APIRoute]:
    """Every APIRoute of the app (FastAPI 0.16x keeps included routers as contexts)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: the routes are the app's own list
        return [route for route in app.routes if isinstance(route, APIRoute)]
    return [
        context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]


def pages_schema(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI description of every route the app leaves out of `/openapi.json`."""
    hidden = []
    for route in _api_routes(app):
        if not route.include_in_schema and route.path not in NOT_FUZZED:
            shown = copy.copy(route)
            shown.include_in_schema = True
            hidden.append(shown)
    schema = get_openapi(title="paperscope pages", version="1", routes=hidden)

    def query(path: str) -> list[dict[str, Any]]:
        return [
            {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
            | {"example": QUERY_EXAMPLES[name]}
            for name in QUERY_OF.get(path, tuple(QUERY_EXAMPLES))
        ]

    # Ids as ASCII digit strings of any length (64-bit overflows included), as digits that
    # `str.isdigit` accepts but are not ASCII (superscripts, Arabic-Indic, fullwidth), and
    # as any text.
    digits = {"type": "string", "pattern": "^[0-9]{1,30}$"}
    unicode_digits = {"type": "string", "pattern": "^[0-9¹²³٠-٩０-９]{1,6}$"}
    some_id = {"anyOf": [digits, unicode_digits, {"type": "string"}]}
    properties = {name: {"type": "string"} for name in FORM_EXAMPLES}
    # Addresses well-formed, so the mail paths run (other tests post malformed ones).
    email = {"type": "string", "format": "email"}
    properties |= {"work_id": some_id, "value": some_id, "email": email}
    form = {"type": "object", "properties": properties}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            for name in re.findall(r"{(\w+)}", path):  # read by a dependency, not declared
                if name not in declared:
                    undeclared = {"name": name, "in": "path", "required": True}
                    operation.setdefault("parameters", []).append(
                        undeclared | {"schema": {"type": "string"}}
                    )
            if "{fmt}" in path:
                for parameter in operation.get("parameters", []):
                    if parameter["name"] == "fmt":
                        parameter["schema"] = {"type": "string", "enum": ["rss", "atom"]}
            if method == "get":
                operation["parameters"] = [*operation.get("parameters", []), *query(path)]
            else:
                content = {
                    "application/x-www-form-urlencoded": {"schema": form, "example": FORM_EXAMPLES}
                }
                operation["requestBody"] = {"required": True, "content": content}
    return schema


def aim_at_rows(schema: dict[str, Any], rows: dict[str, list[int]]) -> dict[str, Any]:
    """`schema` with each id path parameter (`work_id`, `person_id`) one of the stored rows
    or the range's ends, so that positive mode gets past "not found" and the pages render
    (lists, graphs, profiles) with their query parameters fuzzed; negative mode sends every
    other value (out of range, 64-bit overflows, text). The first row is the example."""
    for methods in schema["paths"].values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                ids = rows.get(parameter["name"])
                if parameter["in"] == "path" and ids:
                    parameter["schema"] = {"type": "integer", "enum": [*ids, 0, MAX_ID]}
                    parameter["example"] = ids[0]
    return schema


@dataclass
class Tally:
    requests: int = 0
    operations: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)

    def add(self, label: str, mode: str, case: Any, status: int, detail: str = "") -> None:
        self.requests += 1
        self.operations.add(label)
        self.statuses[f"{label} {status}"] += 1
        if status >= 500:
            where = f"{label} [{mode}] path={case.path_parameters} query={case.query}"
            self.server_errors.append(f"{status} {where} body={case.body!r:.200} {detail}")


@dataclass(frozen=True, slots=True)
class Fuzzed:
    app: FastAPI
    cookies: dict[str, str]
    csrf: str
    backend: str
    rows: dict[str, list[int]]
    """Stored ids by path parameter name (`work_id`, `person_id`)."""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    folder = tmp_path_factory.mktemp("schemathesis")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'web.db'}"
    else:
        server = request.getfixturevalue("pg_server")
        url = server.new_database(f"fuzz_{os.getpid()}_{next(_names)}")
    corpus: WebCorpus = build_corpus(url, folder)
    with MailServer() as mail:
        mailing = corpus.settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": mail.port, "smtp_security": "none"}
        )
        app = create_app(mailing, corpus.store)
        secret = app.state.web.secret
        with corpus.store.transaction() as connection:
            user = user_for_email(connection, "fuzzer@example.org", utcnow(), verified=True)
            session = start_session(connection, user.id, utcnow())
        seed = secrets.token_urlsafe(32)
        csrf = mac(secret, "csrf", f"{seed}|{session}")
        # the most cited old work first: its page has references and cited-by lists
        works = sorted(corpus.work.values(), key=lambda w: w != corpus.work["synthetic-old-1"])
        rows = {"work_id": works, "person_id": [corpus.haoyu, corpus.namesake]}
        cookies = {CSRF_COOKIE: seed, SESSION_COOKIE: session}
        yield Fuzzed(app, cookies, csrf, request.param, rows)
    corpus.store.close()


def _fuzz(schema: Any, fuzzed: Fuzzed, tally: Tally, *, negative: str) -> None:
    """Each operation in positive mode; in negative mode too, for "all" operations or for
    the GETs with a path parameter ("path")."""
    for result in schema.get_all_operations():
        operation = result.ok()
        modes = [GenerationMode.POSITIVE]
        in_path = operation.method.lower() == "get" and bool(operation.path_parameters)
        if negative == "all" or in_path:
            # Negative mode where it can break something: ids and names in the path. A form
            # field or a page's query parameter is text whatever is sent, so positive mode
            # already sends any text there (non-ASCII digits and 30-digit numbers included),
            # and schemathesis cannot make an urlencoded body of strings invalid at all.
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            # Unsatisfiable: nothing to break (no parameter to make invalid).
            with contextlib.suppress(Unsatisfiable):
                _fuzz_operation(operation, mode, fuzzed, tally)


def _fuzz_operation(operation: Any, mode: GenerationMode, fuzzed: Fuzzed, tally: Tally) -> None:
    label = operation.label
    post = operation.method.lower() == "post"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def send(case: Any) -> None:
        if post and isinstance(case.body, dict):
            case.body["csrf_token"] = fuzzed.csrf
        try:
            response = case.call(cookies=fuzzed.cookies, allow_redirects=False)
        except Exception as error:  # the app raised: the 500 a server would send
            tally.add(label, mode.value, case, 500, f"{type(error).__name__}: {error}"[:300])
            return
        tally.add(label, mode.value, case, response.status_code)

    send()


def _report(name: str, fuzzed: Fuzzed, tally: Tally) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    summary = {
        "operations": len(tally.operations),
        "requests": tally.requests,
        "examples_per_operation_and_mode": EXAMPLES,
        "server_errors": tally.server_errors,
        "statuses": dict(sorted(tally.statuses.items())),
    }
    path = ARTEFACTS / f"schemathesis-{name}-{fuzzed.backend}.json"
    path.write_text(json.dumps(summary, indent=1))


@pytest.mark.slow
def test_the_json_api_never_answers_5xx(fuzzed: Fuzzed) -> None:
    schema = schemathesis.openapi.from_dict(
        aim_at_rows(copy.deepcopy(fuzzed.app.openapi()), fuzzed.rows)
    )
    schema.app = fuzzed.app
    tally = Tally()
    _fuzz(schema, fuzzed, tally, negative="all")
    _report("api", fuzzed, tally)
    assert len(tally.operations) >= 7 and tally.requests >= 14 * EXAMPLES
    for label in (
        "/api/paper/{work_id}",
        "/api/paper/{work_id}/neighbourhood",
        "/api/author/{person_id}",
    ):
        assert tally.statuses[f"GET {label} 200"] > 0, label  # past "not found"
    assert tally.server_errors == []


@pytest.mark.slow
def test_pages_feeds_and_forms_never_answer_5xx(fuzzed: Fuzzed) -> None:
    schema = schemathesis.openapi.from_dict(aim_at_rows(pages_schema(fuzzed.app), fuzzed.rows))
    schema.app = fuzzed.app
    tally = Tally()
    _fuzz(schema, fuzzed, tally, negative="path")
    _report("pages", fuzzed, tally)
    assert len(tally.operations) >= 30 and tally.requests >= 30 * EXAMPLES
    for label in ("/paper/{work_id}", "/paper/{work_id}/neighbourhood", "/author/{person_id}"):
        assert tally.statuses[f"GET {label} 200"] > 0, label  # past "not found"
    assert tally.server_errors == []
