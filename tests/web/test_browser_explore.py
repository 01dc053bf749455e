"""The venue, category and author pages in Debian's Chromium (Playwright): follow a paper's
venue and category links, a venue's people, and the co-author graph's nodes (SVG links, no
JavaScript); save screenshots as test artefacts."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from explore_corpus import HOSTILE_VENUE, ExploreCorpus, build_explore

from paperscope.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ExploreCorpus]]:
    """The app over the explore corpus (SQLite), served by uvicorn in a thread."""
    import uvicorn

    data_dir = tmp_path_factory.mktemp("browser-explore")
    corpus = build_explore(f"sqlite:///{data_dir / 'explore.db'}", data_dir)
    port = _free_port()
    config = uvicorn.Config(
        create_app(corpus.settings, corpus.store), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", corpus
    server.should_exit = True
    thread.join(timeout=10)
    corpus.store.close()


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed (make test installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 1000})
        context.set_default_timeout(20_000)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
        tab.on(
            "console",
            lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
        )
        yield tab
        browser.close()
    assert not errors, f"browser errors: {errors}"


def _shot(tab: Any, name: str) -> None:
    tab.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_paper_to_venue_to_person_to_coauthor(page: Any, served: tuple[str, ExploreCorpus]) -> None:
    base, corpus = served
    page.goto(f"{base}/paper/{corpus.work['e6']}")
    page.locator("p.venue a.venue").click()
    page.wait_for_load_state()
    assert "/venue?name=" in page.url
    assert page.locator("h1").inner_text() == "Proceedings of the 2020 Conference on Tiny Widgets"
    assert page.locator("section.volume svg rect").count() == 5  # 2017-2021
    rows = page.locator("table.trends tbody th").all_inner_texts()
    assert rows == ["Graph", "Transformers"]
    first = page.locator("section.papers article.entry").first
    assert (
        "Folding Widgets with Kernels" in first.inner_text() and "9 citations" in first.inner_text()
    )
    _shot(page, "venue")
    page.locator("ol.people-list a", has_text="Ada Lovelace").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/author/{corpus.ada}")
    assert "First author" in page.locator("#positions").inner_text()
    assert page.locator("#coauthor-graph svg a").count() == 7
    assert page.locator("#topics svg rect").count() > 0
    _shot(page, "author-graph")
    page.locator("#coauthor-graph svg a", has_text="Grace Hopper").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/author/{corpus.grace}")
    assert page.locator("h1").inner_text() == "Grace Hopper"


def test_category_tag_pages_and_hostile_venue(page: Any, served: tuple[str, ExploreCorpus]) -> None:
    base, corpus = served
    page.goto(f"{base}/paper/{corpus.work['e4']}")
    page.locator("a.tag.category", has_text="stat.ML").click()
    page.wait_for_load_state()
    assert page.url.endswith("/category/stat.ML")
    assert page.locator("section.papers article.entry").count() == 2
    page.goto(f"{base}/category/LG")
    assert page.locator("h1").inner_text().startswith("cs.LG")
    assert "math.LG" in page.locator("section.scope-head .notice").inner_text()
    page.locator("section.people nav.sort a", has_text="citations here").click()
    page.wait_for_load_state()
    assert "people=citations" in page.url
    _shot(page, "category")
    page.goto(f"{base}/venue?name=" + HOSTILE_VENUE.replace("&", "%26").replace("'", "%27"))
    assert page.locator("h1").inner_text() == HOSTILE_VENUE
    assert page.locator("main script").count() == 0
    _shot(page, "venue-hostile")
