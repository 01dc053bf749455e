"""People search, experts and reviewers in a real browser (Debian's Chromium through
Playwright): find namesakes by name, rank experts for a topic, post the reviewer form (its
CSRF token included) and read the stated conflicts; screenshots as test artefacts."""

from __future__ import annotations

from typing import Any

import pytest
from test_browser import _shot, page, served  # the same server and browser fixtures
from web_corpus import WebCorpus

__all__ = ["page", "served"]

pytestmark = pytest.mark.browser


def test_people_experts_and_reviewers(page: Any, served: tuple[str, WebCorpus]) -> None:
    base, corpus = served
    page.goto(f"{base}/people")
    page.locator("form.search input[name=q]").fill("Haoyu Ren")
    page.locator("form.search button[type=submit]").click()
    page.wait_for_load_state()
    people = page.locator("ol.people li.person")
    assert people.count() == 2
    assert "different people" in page.locator("main").inner_text()
    _shot(page, "people")
    people.first.locator("a").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/author/{corpus.haoyu}")

    page.goto(f"{base}/experts")
    page.locator("form.experts textarea[name=q]").fill("TinyML federated meta-learning")
    page.locator("form.experts button[type=submit]").click()
    page.wait_for_load_state()
    experts = page.locator("section.expert")
    assert experts.count() >= 3
    top_two = experts.nth(0).inner_text() + experts.nth(1).inner_text()
    assert "Haoyu Ren" in top_two
    assert experts.first.locator("ol.evidence article.entry").count() >= 1
    assert "match" in experts.first.locator("ol.evidence").inner_text()
    assert page.get_by_text("How the ranking is computed").is_visible()
    _shot(page, "experts")

    page.goto(f"{base}/reviewers")
    page.locator("#rv-abstract").fill("TinyML federated meta-learning on microcontrollers")
    page.locator("#rv-authors").fill("Darko Anicic | Siemens")
    page.locator("input[name=as_of]").fill("2024")
    page.locator("form.reviewers button[type=submit]").click()
    page.wait_for_load_state()
    excluded = page.locator("ol.excluded").inner_text()
    assert "Haoyu Ren" in excluded and "co-author" in excluded
    assert "Alpha: the most upvoted paper of the day" in excluded  # the shared work
    assert "/reviewers" in page.url and "Darko" not in page.url  # posted, not in the address
    assert page.locator("section.expert").count() >= 3
    # the TinyML Haoyu Ren is left out; his namesake may be suggested
    assert page.locator(f'section.expert[data-person-key="person:{corpus.haoyu}"]').count() == 0
    _shot(page, "reviewers")
