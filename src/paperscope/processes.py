"""Worker processes of the stages that compute in parallel (`resolve`'s clustering, the
stored author pages): how many cores this process may use, and workers that end with
their parent."""

from __future__ import annotations

import os
import threading
import time

PARENT_CHECK_SECONDS = 1.0


def available_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def end_with_parent() -> None:
    """In a worker: end this process once its parent is gone. A stage killed outright
    (kill -9) cannot stop its pool, and a worker waits on a queue it holds both ends of."""
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)
