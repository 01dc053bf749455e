"""The author page says why its works were attributed to one person and how sure that is
(the confidence and note `resolve` stored), escaped; provisional people have no such part."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from web_corpus import HAOYU_CONFIDENCE, HAOYU_NOTE, WebCorpus

HEADING = "How these works were attributed"


def _identity_section(page: str) -> str:
    found = re.search(r'<div class="identity" id="identity" role="note">(.*?)</div>', page, re.S)
    assert found, "no identity section on the page"
    return found.group(1)


def test_author_page_shows_stored_confidence_and_note(
    web_client: TestClient, web_corpus: WebCorpus
) -> None:
    section = _identity_section(web_client.get(f"/author/{web_corpus.haoyu}").text)
    assert HEADING in section
    assert "Confidence <strong>0.87</strong>:" in section
    assert "the same person" in section  # the one-line meaning of the number
    assert f'<p class="note">{html.escape(HAOYU_NOTE)}</p>' in section


def test_author_api_carries_confidence_and_note(
    web_client: TestClient, web_corpus: WebCorpus
) -> None:
    person = web_client.get(f"/api/author/{web_corpus.haoyu}").json()["profile"]["person"]
    assert person["confidence"] == HAOYU_CONFIDENCE
    assert person["note"] == HAOYU_NOTE


def test_hostile_note_is_escaped(web_client: TestClient, web_corpus: WebCorpus) -> None:
    page = web_client.get(f"/author/{web_corpus.namesake}").text
    section = _identity_section(page)
    assert "<script>alert" not in page and "<b>co</b>" not in page
    assert (
        "Haoyu &lt;script&gt;alert(&#39;note&#39;)&lt;/script&gt; Ren &amp; &lt;b&gt;co" in section
    )
    assert "Confidence <strong>1.00</strong>" in section


def test_provisional_person_has_no_identity_section(web_client: TestClient) -> None:
    page = web_client.get("/author", params={"name": "Darko Anicic"}).text
    assert "Not resolved yet" in page  # the page is the provisional person's
    assert HEADING not in page and 'class="identity"' not in page
    body = web_client.get("/api/author", params={"name": "Darko Anicic"}).json()
    person = body["profile"]["person"]
    assert person["provisional"] and person["confidence"] is None and person["note"] is None
