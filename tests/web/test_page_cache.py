"""The pages kept in the page cache: a repeated search, trending list, paper or author page
is not computed again, the parts of author pages and Daily Papers that are the same for
every visitor are not rendered again, and an upvote shows at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from accounts_helpers import accounts_client, form_token, sign_in
from fastapi.testclient import TestClient
from jinja2 import UndefinedError
from sqlalchemy import event

from mailsink import MailServer
from notify.corpus import add_person, add_work
from paperscope.config import Settings
from paperscope.search.keyword import refresh_keyword_index
from paperscope.store import Store
from paperscope.web.app import create_app
from paperscope.web.rendering import fragment


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """The SQL statements run on `store` inside the block."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])  # (connection, cursor, statement, ...)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def test_repeated_pages_are_not_computed_again(settings: Settings, store: Store) -> None:
    work = add_work(store, "Quokka habitats of the west", "Where quokkas live.")
    refresh_keyword_index(store)
    web = accounts_client(settings, store)
    pages = {
        "/search?q=quokka&mode=keyword": "Quokka habitats",
        "/trending": "Quokka habitats",
        f"/paper/{work}": "Quokka habitats",
        "/people?q=Ada+Lovelace": "Ada Lovelace",  # the work's author
    }
    for path, shown in pages.items():
        with statements(store) as first:
            assert shown in web.get(path).text
        with statements(store) as again:
            assert shown in web.get(path).text
        assert first and not again, path


def test_an_upvote_moves_the_trending_list_at_once(
    settings: Settings, store: Store, mail_server: MailServer
) -> None:
    first = add_work(store, "First of two equal papers")
    second = add_work(store, "Second of two equal papers")
    web = accounts_client(settings, store)
    page = web.get("/trending").text  # cached: equal scores, the lower id first
    assert page.index("First of two") < page.index("Second of two")
    sign_in(web, mail_server, "voter@example.org")
    token = form_token(web, f"/paper/{first}")
    web.post("/upvote", data={"work_id": str(second), "csrf_token": token})
    page = web.get("/trending").text
    assert page.index("Second of two") < page.index("First of two")


@contextmanager
def templates_rendered(web: TestClient) -> Iterator[list[str]]:
    """The templates (pages and what they include) the app loads inside the block."""
    environment = web.app.state.web.templates.env  # type: ignore[attr-defined]
    seen: list[str] = []
    load = environment.get_template

    def recording(name: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(name))
        return load(name, *args, **kwargs)

    environment.get_template = recording
    try:
        yield seen
    finally:
        environment.get_template = load


def test_a_repeated_author_page_renders_only_what_depends_on_the_visitor(
    settings: Settings, store: Store, mail_server: MailServer
) -> None:
    """Its profile, charts and papers are cached rendered; the Follow button and the claims
    panel are not, so a visitor never sees another's state."""
    grace = add_person(store, "Grace Hopper")
    add_work(store, "Compilers for everyone", authors=(("Grace Hopper", grace),))
    web = accounts_client(settings, store)
    with statements(store) as first, templates_rendered(web) as first_templates:
        anonymous = web.get(f"/author/{grace}").text
    with statements(store) as again, templates_rendered(web) as again_templates:
        assert web.get(f"/author/{grace}").text == anonymous
    assert any("works" in statement for statement in first)
    assert not any("works" in statement for statement in again), again
    assert "_author_explore.html" in first_templates
    assert "_author_explore.html" not in again_templates, again_templates
    assert {"author.html", "_author_claims.html"} <= set(again_templates)
    sign_in(web, mail_server, "pat@example.org")
    signed_in = web.get(f"/author/{grace}").text
    assert "Compilers for everyone" in signed_in and "Sign in to follow" not in signed_in
    assert 'action="/follow"' in signed_in and "This is me" in signed_in


def test_daily_papers_are_rendered_once_for_visitors_and_per_user_when_signed_in(
    settings: Settings, store: Store, mail_server: MailServer
) -> None:
    add_work(store, "Wombat burrows", published=date(2026, 11, 20))
    add_work(store, "Numbat diets", published=date(2026, 11, 20))
    web = accounts_client(settings, store)
    for path in ("/?date=2026-11-20", "/"):
        with templates_rendered(web) as first:
            visitor = web.get(path).text
        with templates_rendered(web) as again:
            assert web.get(path).text == visitor
        assert "_daily_entries.html" in first and "_daily_entries.html" not in again, again
        assert "Wombat burrows" in visitor and "Not interested" not in visitor
    sign_in(web, mail_server, "pat@example.org")
    signed_in = web.get("/?date=2026-11-20").text
    assert signed_in.count("Not interested") == 2 and "Numbat diets" in signed_in


def test_a_part_rendered_for_every_visitor_cannot_ask_for_the_request(
    settings: Settings, store: Store
) -> None:
    app = create_app(settings, store)
    with pytest.raises(UndefinedError):
        fragment(app.state.web, "accounts/_follow_button.html", {"follow_kind": "person"})
