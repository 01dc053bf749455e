"""Feedback on the web, on SQLite and PostgreSQL: "Not interested" on daily, trending,
search and similar papers hides the work from that user's lists and JSON (not from anyone
else's), "More like this", the feedback page with undo, the digest's confirm page, the
personal feed with reasons, and nobody giving or seeing another user's feedback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from accounts_helpers import csrf_of
from fastapi.testclient import TestClient
from sqlalchemy import delete
from web_corpus import WebCorpus

from notify.corpus import add_work
from paperscope.accounts.clock import utcnow
from paperscope.accounts.users import start_session, user_for_email
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.accounts_schema import library_items, work_feedback
from paperscope.web.app import create_app

BASE = "http://paperscope.test"
OLD = date(2025, 1, 1)


def _client(corpus: WebCorpus, email: str | None) -> tuple[TestClient, int | None]:
    client = TestClient(create_app(corpus.settings, corpus.store), base_url=BASE)
    if email is None:
        return client, None
    with corpus.store.transaction() as connection:
        user = user_for_email(connection, email, utcnow(), verified=True)
        client.cookies.set("ps_session", start_session(connection, user.id, utcnow()))
    return client, user.id


@pytest.fixture
def clients(web_corpus: WebCorpus) -> Iterator[tuple[TestClient, TestClient, TestClient, int]]:
    """A reader, another user and a visitor; the users' feedback and library removed after."""
    reader, reader_id = _client(web_corpus, "reader@example.org")
    other, other_id = _client(web_corpus, "other@example.org")
    visitor, _ = _client(web_corpus, None)
    assert reader_id is not None
    try:
        yield reader, other, visitor, reader_id
    finally:
        with web_corpus.store.transaction() as connection:
            for table in (work_feedback, library_items):
                connection.execute(delete(table).where(table.c.user_id.in_([reader_id, other_id])))


def _ids(entries: list[dict[str, object]], key: str | None = None) -> list[int]:
    return [int((e[key] if key else e)["work_id"]) for e in entries]  # type: ignore[index]


def _similar(client: TestClient, work_id: int) -> list[int]:
    return [int(e["id"]) for e in client.get(f"/api/paper/{work_id}").json()["similar"]]


def _post(client: TestClient, path: str, work_id: int, page: str = "/", **extra: str) -> object:
    token = csrf_of(client.get(page).text)
    return client.post(
        path,
        data={"csrf_token": token, "work_id": str(work_id), **extra},
        follow_redirects=False,
    )


def test_not_interested_hides_from_every_list_of_that_user_only(
    clients: tuple[TestClient, TestClient, TestClient, int],
) -> None:
    reader, other, visitor, _ = clients
    daily = _ids(reader.get("/api/daily").json()["entries"])
    first = daily[0]
    page = reader.get("/").text
    assert page.count('class="not-interested"') == len(daily)
    assert 'class="not-interested"' not in visitor.get("/").text  # only for signed-in users
    response = _post(reader, "/feedback/dismiss", first, next="/")
    assert response.status_code == 303 and response.headers["location"] == "/"  # type: ignore[attr-defined]
    assert first not in _ids(reader.get("/api/daily").json()["entries"])
    assert f'data-work-id="{first}"' not in reader.get("/").text
    assert first in _ids(visitor.get("/api/daily").json()["entries"])
    assert first in _ids(other.get("/api/daily").json()["entries"])
    trending = _ids(reader.get("/api/trending").json()["entries"], "entry")
    assert first not in trending
    assert first in _ids(visitor.get("/api/trending").json()["entries"], "entry")

    query = {"q": "TinyML", "mode": "keyword"}
    found = _ids(reader.get("/api/search", params=query).json()["results"], "entry")
    _post(reader, "/feedback/dismiss", found[0], page="/search?q=TinyML&mode=keyword")
    again = _ids(reader.get("/api/search", params=query).json()["results"], "entry")
    assert again == [i for i in found if i != found[0]]
    assert f'data-work-id="{found[0]}"' not in reader.get("/search", params=query).text

    similar = _similar(reader, found[1])
    assert similar
    _post(reader, "/feedback/dismiss", similar[0], page=f"/paper/{found[1]}")
    assert similar[0] not in _similar(reader, found[1])
    assert similar[0] in _similar(visitor, found[1])
    shown = reader.get(f"/paper/{found[1]}").text.split('<section class="similar">')[1]
    assert f'data-work-id="{similar[0]}"' not in shown.split("</section>")[0]

    mine = reader.get("/api/feedback").json()
    assert set(_ids(mine["dismissed"], "work")) == {first, found[0], similar[0]}
    assert other.get("/api/feedback").json() == {"dismissed": [], "more": []}
    # Undo on the feedback page brings the work back.
    feedback_page = reader.get("/feedback").text
    assert feedback_page.count('class="undo"') == 3
    _post(reader, "/feedback/undo", first, page="/feedback")
    assert first in _ids(reader.get("/api/daily").json()["entries"])


def test_more_like_this_and_the_personal_feed_say_why(settings: Settings, store: Store) -> None:
    for n in range(30):  # older than the feed's window: the sampled negatives
        add_work(store, f"Galaxy survey {n}", "Telescopes see galaxies.", published=OLD)
    liked = add_work(store, "Amino acid folding", "Protein sequences fold into structure.")
    folding = add_work(store, "Predicting protein folding", "Amino acid sequences fold.")
    galaxy = add_work(store, "Galaxy clusters", "Telescopes see distant galaxies.")
    app_settings = settings.model_copy(update={"embedding_model": "hashing"})
    reader = TestClient(create_app(app_settings, store), base_url=BASE)
    with store.transaction() as connection:
        user = user_for_email(connection, "reader@example.org", utcnow(), verified=True)
        reader.cookies.set("ps_session", start_session(connection, user.id, utcnow()))
    assert reader.get("/api/for-you").json()["entries"] == []  # nothing to learn from yet
    token = csrf_of(reader.get("/").text)
    changed = reader.post("/api/feedback/more", data={"csrf_token": token, "work_id": liked})
    assert changed.json() == {"work_id": liked, "kind": "more", "changed": True}
    assert _ids(reader.get("/api/feedback").json()["more"], "work") == [liked]
    feed = reader.get("/api/for-you").json()
    assert feed["candidates"] == 3
    assert [item["work"]["work_id"] for item in feed["entries"]] == [folding]
    reason = feed["entries"][0]["reason"]
    assert "closest to your asked more like “Amino acid folding”" in reason
    page = reader.get("/for-you").text
    assert "why: for you: " in page and 'class="more-like-this"' in page
    assert f'data-work-id="{galaxy}"' not in page


def test_digest_link_confirms_before_it_dismisses(
    web_corpus: WebCorpus, clients: tuple[TestClient, TestClient, TestClient, int]
) -> None:
    reader, _, visitor, _ = clients
    work = next(iter(web_corpus.work.values()))
    page = reader.get(f"/not-interested/{work}")
    assert page.status_code == 200 and 'action="/feedback/dismiss"' in page.text
    assert reader.get("/api/feedback").json()["dismissed"] == []  # a GET changes nothing
    token = csrf_of(page.text)
    done = reader.post(
        "/feedback/dismiss",
        data={"csrf_token": token, "work_id": str(work), "next": "/feedback"},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/feedback"
    assert _ids(reader.get("/api/feedback").json()["dismissed"], "work") == [work]
    assert "already marked it not interested" in reader.get(f"/not-interested/{work}").text
    stranger = visitor.get(f"/not-interested/{work}", follow_redirects=False)
    assert stranger.status_code == 303 and stranger.headers["location"] == "/signin"
    assert reader.get("/not-interested/424242").status_code == 404


def test_feedback_needs_a_signed_in_user_and_a_csrf_token(
    web_corpus: WebCorpus, clients: tuple[TestClient, TestClient, TestClient, int]
) -> None:
    reader, other, visitor, _ = clients
    work = next(iter(web_corpus.work.values()))
    token = csrf_of(visitor.get("/").text)
    for path in ("/feedback/dismiss", "/api/feedback/dismiss"):
        response = visitor.post(path, data={"csrf_token": token, "work_id": str(work)})
        assert response.status_code == 401
    assert visitor.get("/api/feedback").status_code == 401
    assert visitor.get("/api/for-you").status_code == 401
    assert visitor.get("/feedback", follow_redirects=False).headers["location"] == "/signin"
    assert visitor.get("/for-you", follow_redirects=False).headers["location"] == "/signin"
    missing = reader.post("/feedback/dismiss", data={"work_id": str(work)})
    assert missing.status_code == 403
    # Another browser's token is refused: a form forged for the reader's session fails.
    forged = reader.post("/feedback/dismiss", data={"csrf_token": token, "work_id": str(work)})
    assert forged.status_code == 403
    assert reader.get("/api/feedback").json()["dismissed"] == []
    assert _post(reader, "/feedback/hate", work).status_code == 404  # type: ignore[attr-defined]
    assert _post(reader, "/feedback/dismiss", 424242).status_code == 404  # type: ignore[attr-defined]
    # The other user's undo cannot remove the reader's feedback.
    _post(reader, "/feedback/dismiss", work)
    _post(other, "/feedback/undo", work)
    assert _ids(reader.get("/api/feedback").json()["dismissed"], "work") == [work]


def test_openapi_lists_the_feedback_api(web_client: TestClient) -> None:
    paths = web_client.get("/openapi.json").json()["paths"]
    assert {"/api/feedback", "/api/for-you"} <= set(paths)
    assert "post" in paths["/api/feedback/{action}"]
