"""The batch jobs on a real Spark standalone cluster (a master and two workers on loopback,
separate processes, started by scripts/spark-cluster.sh), with one worker killed mid-run:
the lost tasks are retried on the other worker and the result is still the single-machine
result.

A scale check, not part of `make test` (which runs Spark in local mode): `make scale-check`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from paperscope.batch.compare import canonical, differences
from paperscope.batch.generate import generate
from paperscope.batch.local import run_local
from paperscope.batch.session import spark_available
from paperscope.batch.snapshot import discover

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "scripts" / "spark-cluster.sh"
pytestmark = [pytest.mark.slow, pytest.mark.scale]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHON"] = sys.executable
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    problem = spark_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    state = tmp_path_factory.mktemp("cluster")
    started = subprocess.run(
        ["bash", str(SCRIPT), "start", str(state)], env=_env(), capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip().splitlines()[-1]
    assert url.startswith("spark://127.0.0.1:")
    yield url, state
    subprocess.run(["bash", str(SCRIPT), "stop", str(state)], env=_env(), timeout=120)


def test_a_killed_worker_does_not_change_the_result(
    cluster: tuple[str, Path], tmp_path: Path
) -> None:
    url, state = cluster
    generate(tmp_path / "in", 200, files=6)
    inputs = [tmp_path / "in" / "openalex", tmp_path / "in" / "s2"]
    today = date(2026, 11, 1)
    run_local(
        discover(inputs), f"sqlite:///{tmp_path / 'l.sqlite'}", tmp_path / "local", today=today
    )
    command = [
        sys.executable, "-m", "paperscope.batch.jobs", "all", "--master", url,
        "--work", str(tmp_path / "spark"), "--today", today.isoformat(),
        *(arg for path in inputs for arg in ("--input", str(path))),
    ]  # fmt: skip
    job = subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE, text=True)
    assert job.stdout is not None
    lines = []
    killed = False
    for line in job.stdout:
        lines.append(line)
        if line.startswith("merge:") and not killed:
            # The references stage is starting on both workers: take one away.
            time.sleep(1.0)
            kill = ["bash", str(SCRIPT), "kill-worker", "1", str(state)]
            subprocess.run(kill, env=_env(), check=True)
            killed = True
    assert job.wait(timeout=1800) == 0, "".join(lines)
    assert killed
    assert differences(canonical(tmp_path / "local"), canonical(tmp_path / "spark")) == []
