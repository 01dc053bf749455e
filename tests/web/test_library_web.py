"""The library on the web, on SQLite and PostgreSQL: a Zotero export uploaded (CSRF,
size-capped, untrusted), the report, tag folders with counts, search, notes, read state,
downloads in three formats that give back what was imported, and nobody touching another
user's library."""

from __future__ import annotations

import re

import pytest
from accounts_helpers import accounts_client, csrf_of, form_token, sign_in
from fastapi.testclient import TestClient

from accounts.library_helpers import LIBRARY, SAMPLES, kept, with_catalogue
from mailsink import MailServer
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.web.library import MAX_UPLOAD_BYTES

BERT = "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"


@pytest.fixture
def web(settings: Settings, store: Store) -> TestClient:
    return accounts_client(settings, with_catalogue(store))


def _upload(client: TestClient, name: str, data: bytes, **fields: str) -> object:
    token = fields.pop("csrf_token", None) or form_token(client, "/library")
    return client.post(
        "/library/import",
        files={"file": (name, data, "application/octet-stream")},
        data={"csrf_token": token, **fields},
    )


def _refs(html: str) -> dict[str, str]:
    """Item ref by title on a library page."""
    found = re.findall(
        r'data-item="([wu]\d+)"[^>]*>\s*<(?:a|span) class="title"[^>]*>([^<]+)<', html
    )
    return {title: ref for ref, title in found}


def test_import_report_folders_search_and_exports_round_trip(
    web: TestClient, mail_server: MailServer
) -> None:
    sign_in(web, mail_server, "alice@example.org")
    report = _upload(
        web,
        "My Library.bib",
        (LIBRARY / SAMPLES["bibtex"]).read_bytes(),
        tag="zotero",
        keyword_tags="1",
    )
    assert report.status_code == 200, report.text  # type: ignore[attr-defined]
    text = " ".join(report.text.split())  # type: ignore[attr-defined]
    for label, count in (
        ("Matched by DOI", 1),
        ("Matched by arXiv id", 1),
        ("Matched by title and year", 1),
        ("Not in the catalogue yet (kept)", 3),
        ("Unreadable", 0),
    ):
        assert f'<th scope="row">{label}</th><td>{count}</td>' in text, label
    page = web.get("/library").text
    assert page.count('class="library-item') == 6
    assert page.count('class="unmatched"') == 3
    assert re.search(r'href="/library\?tag=zotero"[^>]*>zotero</a> <span class="count">6<', page)
    assert re.search(r'>games</a> <span class="count">1<', page)
    assert 'Not in the catalogue yet</a> <span class="count">3<' in page
    assert web.get("/library", params={"state": "unmatched"}).text.count('class="library-item') == 3
    found = web.get("/library", params={"q": "devlin"}).text
    assert list(_refs(found)) == [BERT]
    assert web.get("/library", params={"tag": "games"}).text.count('class="library-item') == 1
    expected = kept("bibtex", (LIBRARY / SAMPLES["bibtex"]).read_bytes())
    for extension, name in (("bib", "bibtex"), ("ris", "ris"), ("json", "csl-json")):
        download = web.get(f"/library/export.{extension}")
        assert download.status_code == 200
        assert f'filename="library.{extension}"' in download.headers["content-disposition"]
        assert kept(name, download.content) == expected, name
    games = web.get("/library/export.ris", params={"tag": "games"}).text
    assert games.count("TY  - ") == 1
    assert web.get("/library/export.docx").status_code == 404


def test_uploads_are_checked_capped_and_never_a_server_error(
    web: TestClient, mail_server: MailServer, settings: Settings, store: Store
) -> None:
    anonymous = TestClient(web.app, base_url="http://paperscope.test")
    data = (LIBRARY / SAMPLES["ris"]).read_bytes()
    assert _upload(anonymous, "x.ris", data, csrf_token=form_token(anonymous)).status_code == 401  # type: ignore[attr-defined]
    sign_in(web, mail_server, "alice@example.org")
    assert _upload(web, "x.ris", data, csrf_token="forged").status_code == 403  # type: ignore[attr-defined]
    huge = _upload(web, "huge.bib", b"@misc{k, title={x}}\n" * (MAX_UPLOAD_BYTES // 20 + 10))
    assert huge.status_code == 413  # type: ignore[attr-defined]
    broken = _upload(
        web, "broken.json", (LIBRARY.parent / "csl-json" / "malformed.json").read_bytes()
    )
    assert broken.status_code == 200  # type: ignore[attr-defined]
    assert "Items that could not be read" in broken.text  # type: ignore[attr-defined]
    assert "item 2 (id no-title)</span>, field <code>title</code>: missing title" in broken.text  # type: ignore[attr-defined]
    for name, junk in (
        ("acl.txt", (LIBRARY.parent / "aan" / "acl-sample.txt").read_bytes()),
        ("random.bin", bytes(range(256)) * 40),
        ("empty.bib", b""),
    ):
        answer = _upload(web, name, junk)
        assert answer.status_code == 400, name  # type: ignore[attr-defined]
        assert "export your library as BibTeX, RIS or CSL-JSON" in answer.text  # type: ignore[attr-defined]
    utf16 = _upload(web, "endnote.ris", data.decode("utf-8").encode("utf-16"))
    assert utf16.status_code == 200  # type: ignore[attr-defined]
    assert "The file was not plain UTF-8: read as UTF-16-LE (with a BOM)." in utf16.text  # type: ignore[attr-defined]
    assert "Unreadable</th><td>0<" in utf16.text  # type: ignore[attr-defined]
    truncated = _upload(web, "cut.bib", data.replace(b"ER  - ", b"", 1)[:900] + b"\xff\xfe")
    assert truncated.status_code == 200  # type: ignore[attr-defined]
    hostile = (
        b'[{"type": "article", "title": "<script>alert(1)</script> & \\u0000", "DOI": "10.1234/x"}]'
    )
    assert _upload(web, "hostile.json", hostile).status_code == 200  # type: ignore[attr-defined]
    page = web.get("/library", params={"state": "unmatched"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in page and "<script>alert" not in page
    nothing = web.post("/library/import", data={"csrf_token": form_token(web, "/library")})
    assert nothing.status_code == 400


def test_notes_read_state_tags_and_nobody_edits_another_users_library(
    web: TestClient, mail_server: MailServer, settings: Settings, store: Store
) -> None:
    sign_in(web, mail_server, "alice@example.org")
    _upload(web, "lib.ris", (LIBRARY / SAMPLES["ris"]).read_bytes())
    page = web.get("/library").text
    token = csrf_of(page)
    refs = _refs(page)
    bert, go = (
        refs[BERT],
        refs["Mastering the game of Go with deep neural networks and tree search"],
    )
    assert bert.startswith("w") and go.startswith("u")
    note = "<script>alert('n')</script>\nsecond line"
    for path, data in (
        ("/library/note", {"item": go, "note": note}),
        ("/library/read", {"item": bert, "read": "1"}),
        ("/library/tags", {"item": go, "tags": "rl, to read"}),
    ):
        done = web.post(
            path,
            data={**data, "csrf_token": token, "next": "/library?state=all"},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == "/library?state=all", path
    page = web.get("/library").text
    assert "&lt;script&gt;alert(&#39;n&#39;)&lt;/script&gt;\nsecond line" in page
    assert "<script>alert('n')" not in page
    assert re.search(r'>Unread</a> <span class="count">5<', page)
    assert web.get("/library", params={"q": "second line"}).text.count('class="library-item') == 1
    assert web.get("/library", params={"tag": "to read"}).text.count('class="library-item') == 1
    too_long = web.post(
        "/library/note", data={"item": go, "note": "x" * 10_001, "csrf_token": token}
    )
    assert too_long.status_code == 400
    assert web.post("/library/read", data={"item": "x1", "csrf_token": token}).status_code == 400

    bob = accounts_client(settings, store)
    sign_in(bob, mail_server, "bob@example.org")
    bob_token = form_token(bob, "/library")
    for ref in (bert, go):
        for path, data in (
            ("/library/note", {"note": "mine"}),
            ("/library/read", {"read": "0"}),
            ("/library/tags", {"tags": "stolen"}),
        ):
            answer = bob.post(path, data={**data, "item": ref, "csrf_token": bob_token})
            assert answer.status_code == 404, (path, ref)
        bob.post("/library/remove", data={"item": ref, "csrf_token": bob_token})
    assert 'class="library-item' not in bob.get("/library").text
    assert bob.get("/library/export.json").text == "[\n]\n"
    after = web.get("/library").text
    assert after.count('class="library-item') == 6 and "second line" in after
    removed = web.post("/library/remove", data={"item": go, "csrf_token": token})
    assert removed.status_code == 200 and removed.url.path == "/library"
    assert web.get("/library").text.count('class="library-item') == 5


def test_every_library_form_needs_the_csrf_token(web: TestClient, mail_server: MailServer) -> None:
    before = form_token(web)
    sign_in(web, mail_server, "alice@example.org")
    for path, data in (
        ("/library/note", {"item": "w1", "note": "x"}),
        ("/library/read", {"item": "w1", "read": "1"}),
        ("/library/tags", {"item": "w1", "tags": "x"}),
        ("/library/remove", {"item": "u1"}),
        ("/library/import", {}),
    ):
        assert web.post(path, data=data).status_code == 403, path
        assert web.post(path, data={**data, "csrf_token": before}).status_code == 403, path
    anonymous = TestClient(web.app, base_url="http://paperscope.test")
    assert anonymous.get("/library/export.ris").status_code == 401
    assert anonymous.get("/library", follow_redirects=False).headers["location"] == "/signin"
