"""The pages kept in the page cache: a repeated search, trending list or paper page is not
computed again, and an upvote shows at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from accounts_helpers import accounts_client, form_token, sign_in
from sqlalchemy import event

from mailsink import MailServer
from notify.corpus import add_work
from paperscope.config import Settings
from paperscope.search.keyword import refresh_keyword_index
from paperscope.store import Store


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
    pages = ["/search?q=quokka&mode=keyword", "/trending", f"/paper/{work}"]
    for path in pages:
        with statements(store) as first:
            assert "Quokka habitats" in web.get(path).text
        with statements(store) as again:
            assert "Quokka habitats" in web.get(path).text
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
