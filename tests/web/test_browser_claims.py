"""A claim and a correction followed in Debian's Chromium (Playwright), two signed-in users
in two browser contexts: Jane claims her profile, an admin approves; Jane proposes a split
of a work that is not hers, the admin approves; the pipeline ingests the same file again
and re-clusters every authorship; the profile is still corrected, says so, and lists the
history. Screenshots are saved as test artefacts."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claims_helpers import FOLDING, janes, person_with, pipeline
from paperscope.accounts import claims, roles
from paperscope.accounts.clock import utcnow
from paperscope.accounts.users import start_session, user_for_email
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
NOT_HERS = "Coarse-grained force fields for protein folding"  # arXiv 1703.00003


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store, Settings]]:
    """The two Jane Does ingested and resolved (SQLite), served by uvicorn in a thread."""
    import uvicorn

    data_dir = tmp_path_factory.mktemp("browser-claims")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir / "data",
        embedding_model="hashing",
        identity_topics="none",
    )
    store = Store.open(f"sqlite:///{data_dir / 'claims.db'}")
    pipeline(store, settings, "ingest", "resolve")
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, store), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", store, settings
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed (make test installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def _tab(browser: Any, base: str, store: Store, email: str, admin: bool = False) -> Any:
    """A browser context signed in as `email` (its own cookies), and its one tab."""
    with store.transaction() as connection:
        user = user_for_email(connection, email, utcnow(), verified=True)
        if admin:
            roles.grant(connection, email, roles.ADMIN, utcnow())
        session = start_session(connection, user.id, utcnow())
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    context.add_cookies([{"name": "ps_session", "value": session, "url": base}])
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.errors = errors
    return tab


def _shot(tab: Any, name: str) -> None:
    tab.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_claim_correct_reingest_and_resolve(
    browser: Any, served: tuple[str, Store, Settings]
) -> None:
    base, store, settings = served
    person = person_with(store, FOLDING)
    jane = _tab(browser, base, store, "jane@example.org")
    admin = _tab(browser, base, store, "admin@example.org", admin=True)

    jane.goto(f"{base}/author/{person}")
    jane.get_by_role("button", name="This is me").click()
    jane.wait_for_load_state()
    assert "waiting for an admin" in jane.locator("section.claims").inner_text()

    admin.goto(f"{base}/admin")
    claim = admin.locator("li[data-claim]", has_text="jane@example.org")
    _shot(admin, "admin-pending-claim")
    claim.get_by_role("button", name="Approve").click()
    admin.wait_for_load_state()
    assert admin.locator("li[data-claim]").count() == 0

    jane.goto(f"{base}/author/{person}")
    panel = jane.locator("section.claims")
    assert "you own this profile" in panel.inner_text()
    panel.locator("details.propose summary").click()
    panel.locator("form.split label", has_text=NOT_HERS).locator("input").check()
    panel.locator("form.split input[name=note]").fill("Not my paper: another J. Doe")
    panel.locator("form.split").get_by_role("button", name="Propose").click()
    jane.wait_for_load_state()
    assert "Waiting for review" in jane.locator("section.claims").inner_text()
    assert janes(store)[person] == FOLDING  # nothing changes before review

    admin.goto(f"{base}/admin")
    proposal = admin.locator("li[data-proposal]", has_text="split")
    assert "Not my paper" in proposal.inner_text()
    proposal.get_by_role("button", name="Approve").click()
    admin.wait_for_load_state()
    assert admin.locator("li[data-proposal]").count() == 0
    assert "jane@example.org" in admin.locator("table.corrections").inner_text()

    # The same file ingested again, then every authorship re-clustered from scratch.
    pipeline(store, settings, "ingest", "resolve", full=True)
    with store.connect() as connection:
        mine = claims.claims_of(connection, _user_id(store, "jane@example.org"))
    assert [c.status for c in mine] == [claims.OWNER]
    owned = mine[0].person_id
    assert janes(store)[owned] == {"1501.00001", "1602.00002"}
    jane.goto(f"{base}/author/{owned}")
    panel = jane.locator("section.claims")
    text = panel.inner_text()
    assert "Corrected by its owner." in text and "you own this profile" in text
    history = panel.locator("ol.history li")
    assert history.count() == 1
    assert "split by its owner" in history.first.inner_text()
    assert "Not my paper: another J. Doe" in history.first.inner_text()
    assert NOT_HERS not in jane.locator("section.papers").inner_text()
    _shot(jane, "profile-corrected-by-owner")
    admin.goto(f"{base}/admin")
    runs = admin.locator("table.runs").inner_text()
    assert "resolve" in runs and "ingest" in runs
    assert not jane.errors and not admin.errors


def _user_id(store: Store, email: str) -> int:
    from paperscope.accounts.users import find_user

    with store.connect() as connection:
        user = find_user(connection, email)
    assert user is not None
    return user.id
