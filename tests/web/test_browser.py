"""The pages in a real browser (Debian's Chromium driven by Playwright): open each page,
follow feed -> paper -> author, run a search, and save screenshots as test artefacts."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hostile_links import plant_hostile_links, write_hostile_sources
from web_corpus import WebCorpus, build_corpus

from paperscope.web.app import create_app
from stages import ingest

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _serve(corpus: WebCorpus) -> Iterator[str]:
    """The app over `corpus`, served by uvicorn in a thread; yields its base URL."""
    import uvicorn

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
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, WebCorpus]]:
    """The app over the hand-written corpus (SQLite), served by uvicorn in a thread."""
    data_dir = tmp_path_factory.mktemp("browser")
    corpus = build_corpus(f"sqlite:///{data_dir / 'web.db'}", data_dir)
    with _serve(corpus) as base:
        yield base, corpus
    corpus.store.close()


@pytest.fixture(scope="module")
def served_hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, WebCorpus]]:
    """The same, plus sources that send hostile links and an old database's hostile rows."""
    data_dir = tmp_path_factory.mktemp("browser-hostile")
    corpus = build_corpus(f"sqlite:///{data_dir / 'web.db'}", data_dir)
    for path in write_hostile_sources(data_dir):
        ingest(corpus.store, path)
    keys = ("synthetic-day-1", "synthetic-day-2", "synthetic-old-1")
    plant_hostile_links(corpus.store, [corpus.work[key] for key in keys])
    with _serve(corpus) as base:
        yield base, corpus
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
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on(
            "console",
            lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
        )
        yield tab
        browser.close()
    assert not errors, f"browser errors: {errors}"


def _shot(tab: Any, name: str) -> None:
    tab.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_feed_to_paper_to_author(page: Any, served: tuple[str, WebCorpus]) -> None:
    base, corpus = served
    page.goto(f"{base}/?date=2024-03-05")
    assert page.locator("h1").inner_text() == "Daily Papers"
    first = page.locator("article.entry").first
    assert "Alpha: the most upvoted paper of the day" in first.inner_text()
    assert "4 authors" in first.inner_text() and "▲ 50" in first.inner_text()
    assert page.get_by_text("Get trending papers in your email inbox!").is_visible()
    _shot(page, "daily")
    first.locator("h2.title a").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Alpha: the most upvoted paper of the day"
    assert page.locator("ul.code-links a").inner_text() == "https://github.com/example/alpha"
    _shot(page, "paper")
    page.locator("article.paper p.authors a", has_text="Haoyu Ren").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/author/{corpus.haoyu}")
    metrics = page.locator("dl.metrics").inner_text()
    assert "h-index" in metrics and "13" in metrics
    assert page.locator("section.chart-box svg rect").count() == 3
    assert page.get_by_text("Other people share this name.").is_visible()
    page.locator("#metric-h_index summary").click()
    assert page.get_by_text("The largest h such that h").is_visible()
    _shot(page, "author")


def test_search_trending_and_hostile_text(page: Any, served: tuple[str, WebCorpus]) -> None:
    base, corpus = served
    page.goto(f"{base}/search")
    page.locator("form.search input[name=q]").fill("TinyML")
    page.locator("form.search select[name=mode]").select_option("keyword")
    page.locator("form.search button[type=submit]").click()
    page.wait_for_load_state()
    assert "mode=keyword" in page.url
    assert page.locator("article.entry").count() >= 3
    assert "TinyReptile" in page.locator("main").inner_text()
    _shot(page, "search")
    page.goto(f"{base}/trending")
    assert page.locator("article.entry").count() >= 5
    _shot(page, "trending")
    page.goto(f"{base}/paper/{corpus.work['synthetic-day-4']}")
    heading = page.locator("h1").inner_text()
    assert heading.startswith("<script>alert('x')</script> Delta & <b>bold</b>")
    assert page.locator("main script").count() == 0
    _shot(page, "hostile")
    page.goto(f"{base}/nowhere")
    assert "There is no page at this address." in page.locator("main").inner_text()


def test_library_import_folders_notes_and_export(page: Any, served: tuple[str, WebCorpus]) -> None:
    """A Zotero RIS export imported through the form, the report, the tag folders, marking
    read, a note, and the RIS download that gives back every item."""
    from accounts.library_helpers import LIBRARY, kept
    from paperscope.accounts.clock import utcnow
    from paperscope.accounts.users import start_session, user_for_email
    from paperscope.ingest import ingest_paths

    base, corpus = served
    ingest_paths(corpus.store, [LIBRARY / "catalogue.bib"])
    with corpus.store.transaction() as connection:
        reader = user_for_email(connection, "reader@example.org", utcnow(), verified=True)
        session = start_session(connection, reader.id, utcnow())
    page.context.add_cookies([{"name": "ps_session", "value": session, "url": base}])
    try:
        page.goto(f"{base}/library")
        assert page.locator("h1").inner_text() == "Your library"
        page.locator("details.library-import summary").click()
        page.locator("input[name=file]").set_input_files(str(LIBRARY / "zotero.ris"))
        page.locator("details.library-import input[name=tag]").fill("zotero")
        page.locator("details.library-import button[type=submit]").click()
        page.wait_for_load_state()
        counts = page.locator("table.import-counts").inner_text()
        assert "Matched by DOI\t1" in counts and "Not in the catalogue yet (kept)\t3" in counts
        _shot(page, "library-import")
        page.get_by_role("link", name="Back to your library").click()
        page.wait_for_load_state()
        assert page.locator("li.library-item").count() == 6
        assert page.locator("span.unmatched").count() == 3
        page.locator("aside.folders a", has_text="games").click()
        page.wait_for_load_state()
        item = page.locator("li.library-item")
        assert item.count() == 1 and "Mastering the game of Go" in item.inner_text()
        item.get_by_role("button", name="Mark read").click()
        page.wait_for_load_state()
        assert page.locator("li.library-item.read").count() == 1
        page.locator("li.library-item details.edit summary").click()
        page.locator("li.library-item textarea[name=note]").fill("Policy + value networks.")
        page.locator("li.library-item").get_by_role("button", name="Save note").click()
        page.wait_for_load_state()
        assert page.locator("li.library-item p.note").inner_text() == "Policy + value networks."
        page.locator("aside.folders a", has_text="All").click()
        page.wait_for_load_state()
        assert "Unread" in page.locator("aside.folders").inner_text()
        _shot(page, "library")
        with page.expect_download() as download:
            page.locator("p.library-tools a", has_text="RIS").click()
        exported = Path(download.value.path()).read_bytes()
        assert kept("ris", exported) == kept("ris", (LIBRARY / "zotero.ris").read_bytes())
    finally:
        page.context.clear_cookies()


def test_follow_a_person_and_read_the_home_feed(page: Any, served: tuple[str, WebCorpus]) -> None:
    """Follow a person from their page, see their papers on the home feed with why each is
    there, then unfollow from the Following page."""
    from paperscope.accounts.clock import utcnow
    from paperscope.accounts.users import start_session, user_for_email

    base, corpus = served
    with corpus.store.transaction() as connection:
        follower = user_for_email(connection, "follower@example.org", utcnow(), verified=True)
        session = start_session(connection, follower.id, utcnow())
    page.context.add_cookies([{"name": "ps_session", "value": session, "url": base}])
    try:
        page.goto(f"{base}/author/{corpus.haoyu}")
        button = page.locator("form.follow-button button")
        assert button.inner_text() == "Follow"
        button.click()
        page.wait_for_load_state()
        assert page.url == f"{base}/author/{corpus.haoyu}"
        assert page.locator("form.follow-button button").inner_text() == "Unfollow"
        page.locator("header.site nav.account a", has_text="Home").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Your feed"
        entries = page.locator("div.home-entry")
        assert entries.count() == 5
        for n in range(entries.count()):
            why = entries.nth(n).locator("ul.why").inner_text()
            assert why.startswith("You follow the person Haoyu Ren: by Haoyu Ren")
        days = page.locator("div.home-entry article time").evaluate_all(
            "nodes => nodes.map(n => n.getAttribute('datetime'))"
        )
        assert days == sorted(days, reverse=True)
        _shot(page, "home-feed")
        page.locator("header.site nav.account a", has_text="Following").click()
        page.wait_for_load_state()
        assert "Haoyu Ren" in page.locator("ul.follows").inner_text()
        _shot(page, "following")
        page.locator("ul.follows").get_by_role("button", name="Unfollow").click()
        page.wait_for_load_state()
        assert page.locator("ul.follows li").count() == 0
        page.goto(f"{base}/home")
        assert "You follow nothing yet" in page.locator("main").inner_text()
    finally:
        page.context.clear_cookies()


# Every link the live DOM offers, as the browser resolved it (`a.href` is absolute).
# Resolved through URL() rather than `el.href`: an SVG <a> (the graphs) has an
# SVGAnimatedString there, not a string.
_DOM_LINKS = """() => Array.from(
    document.querySelectorAll('a[href], area[href], [src], form[action]')
).map(el => new URL(
    el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action'),
    document.baseURI
).href)"""


_TITLES = "h2.title a"


def test_no_anchor_runs_script_or_data(page: Any, served_hostile: tuple[str, WebCorpus]) -> None:
    base, corpus = served_hostile
    paths = [
        "/?date=2024-03-05",
        "/?date=2024-01-08",
        "/trending",
        "/search?q=links",
        f"/author/{corpus.haoyu}",
        *(f"/paper/{corpus.work[key]}" for key in ("synthetic-day-1", "synthetic-day-2")),
    ]
    for listing in ("/?date=2024-01-08", "/search?q=links", "/search?q=language"):
        page.goto(base + listing)
        paths += page.eval_on_selector_all(_TITLES, "els => els.map(e => e.getAttribute('href'))")
    checked = 0
    for path in paths:
        page.goto(base + path)
        links: list[str] = page.evaluate(_DOM_LINKS)
        assert links, path
        bad = [link for link in links if not link.lower().startswith(("http://", "https://"))]
        assert bad == [], (path, bad)
        checked += len(links)
    assert len(paths) >= 10 and checked > 100
    page.goto(f"{base}/paper/{corpus.work['synthetic-day-1']}")
    assert page.locator("ul.code-links a").inner_text() == "https://github.com/example/alpha"
    _shot(page, "hostile-links")


def test_paper_lists_and_neighbourhood_graph(page: Any, served: tuple[str, WebCorpus]) -> None:
    base, corpus = served
    old = corpus.work["synthetic-old-1"]  # cited by old-2, old-3, old-4 and day-1
    page.goto(f"{base}/paper/{old}?cited_per_page=2")
    cited = page.locator("section.cited-by")
    assert cited.locator("article.entry").count() == 2
    assert "page 1 of 2" in cited.inner_text()
    cited.locator("a[rel=next]").click()
    page.wait_for_load_state()
    assert "cited_page=2" in page.url and "cited_per_page=2" in page.url
    assert page.locator("section.cited-by article.entry").count() == 2
    page.locator("section.cited-by nav.sort a", has_text="most cited").click()
    page.wait_for_load_state()
    assert "cited_sort=citations" in page.url
    first = page.locator("section.cited-by article.entry h2.title").first.inner_text()
    assert first == "TinyReptile: TinyML with Federated Meta-Learning"  # 7 reported citations
    page.goto(f"{base}/paper/{corpus.work['synthetic-old-4']}")
    references = page.locator("section.references ol.reference-list li")
    assert references.count() == 3
    page.locator("section.explore a", has_text="See the works around this paper").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/paper/{corpus.work['synthetic-old-4']}/neighbourhood")
    graph = page.locator("figure.graph-box svg")
    assert graph.is_visible()
    nodes = graph.locator("a")
    assert nodes.count() >= 4
    assert page.locator("section.related li").count() == nodes.count() - 1
    _shot(page, "neighbourhood")
    body = page.request.get(page.url.replace("/paper/", "/api/paper/")).json()
    # click the node drawn farthest from any other (nothing overlaps it), as a reader would
    points = [(body["centre_x"], body["centre_y"]), *((n["x"], n["y"]) for n in body["neighbours"])]

    def room(node: dict[str, Any]) -> float:
        return min(
            (node["x"] - x) ** 2 + (node["y"] - y) ** 2
            for x, y in points
            if (x, y) != (node["x"], node["y"])
        )

    far = max(body["neighbours"], key=room)
    href = f"/paper/{far['work']['work_id']}"
    graph.locator(f'a[href="{href}"] circle').click()
    page.wait_for_load_state()
    assert page.url.endswith(href)
    assert page.locator("h1").inner_text() == far["work"]["title"]


def test_not_interested_hides_a_paper_and_undo_brings_it_back(
    page: Any, served: tuple[str, WebCorpus]
) -> None:
    """Click "Not interested" on Daily Papers: the paper leaves the list; the feedback page
    lists it and its Undo button puts it back."""
    from paperscope.accounts.clock import utcnow
    from paperscope.accounts.users import start_session, user_for_email

    base, corpus = served
    with corpus.store.transaction() as connection:
        reader = user_for_email(connection, "dismisser@example.org", utcnow(), verified=True)
        session = start_session(connection, reader.id, utcnow())
    page.context.add_cookies([{"name": "ps_session", "value": session, "url": base}])
    try:
        page.goto(f"{base}/")
        first = page.locator("article.entry").first
        work_id = first.get_attribute("data-work-id")
        title = first.locator("h2.title").inner_text()
        shown = page.locator("article.entry").count()
        first.get_by_role("button", name="Not interested").click()
        page.wait_for_load_state()
        assert page.url == f"{base}/"
        assert page.locator("article.entry").count() == shown - 1
        assert page.locator(f'article.entry[data-work-id="{work_id}"]').count() == 0
        _shot(page, "not-interested")
        page.goto(f"{base}/feedback")
        item = page.locator(f'ul.feedback-list li[data-work-id="{work_id}"]')
        assert title in item.inner_text()
        item.get_by_role("button", name="Undo").click()
        page.wait_for_load_state()
        assert page.locator("ul.feedback-list li").count() == 0
        page.goto(f"{base}/")
        assert page.locator(f'article.entry[data-work-id="{work_id}"]').count() == 1
    finally:
        page.context.clear_cookies()
