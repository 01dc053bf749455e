"""kill -9 in the middle of `paperscope digest send`, then a rerun: each digest exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from corpus import add_work
from flows import subscribe

from mailsink import MailServer
from paperscope.accounts.clock import utcnow
from paperscope.config import Settings
from paperscope.store import Store

SUBSCRIBERS = 12


def _command(settings: Settings, database_url: str) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    env.update(
        PAPERSCOPE_DATABASE_URL=database_url,
        PAPERSCOPE_DATA_DIR=str(settings.data_dir),
        PAPERSCOPE_BASE_URL=settings.base_url,
        PAPERSCOPE_SMTP_HOST=settings.smtp_host,
        PAPERSCOPE_SMTP_PORT=str(settings.smtp_port),
        PAPERSCOPE_MAIL_FROM=settings.mail_from,
        PAPERSCOPE_EMBEDDING_MODEL="hashing",
        HF_HUB_OFFLINE="1",
    )
    command = [sys.executable, "-m", "paperscope", "digest", "send", "--backoff", "0"]
    return command, env


@pytest.mark.slow
def test_kill_9_mid_send_then_rerun_delivers_each_digest_exactly_once(
    database_url: str, mail_settings: Settings, mail_server: MailServer
) -> None:
    store = Store.open(database_url)
    earlier = utcnow() - timedelta(hours=1)
    addresses = [f"reader{n}@example.org" for n in range(SUBSCRIBERS)]
    for address in addresses:
        subscribe(store, mail_settings, mail_server, address, earlier)
    add_work(store, "New work for everyone", "Arrived after every confirmation.", upvotes=3)
    store.close()
    sink = mail_server.sink
    confirmations = len(sink.messages)
    sink.delay = 0.2  # the server records each message, then takes 0.2 s to answer 250

    command, env = _command(mail_settings, database_url)
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(sink.messages) - confirmations < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    delivered_before_kill = len(sink.messages) - confirmations
    assert 4 <= delivered_before_kill < SUBSCRIBERS, "the kill came too late to test anything"

    sink.delay = 0.0
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr

    digests = Counter(str(m["To"]) for m in sink.messages if m["List-Unsubscribe"])
    assert digests == Counter({address: 1 for address in addresses})
    ids = [m["Message-ID"] for m in sink.messages if m["List-Unsubscribe"]]
    assert len(set(ids)) == SUBSCRIBERS
