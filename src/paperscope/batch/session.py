"""One SparkSession for the batch jobs: local mode, a standalone master, or spark-submit's."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from paperscope.errors import PaperscopeError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[2]"


class SparkUnavailable(PaperscopeError):
    """PySpark or a Java runtime is missing."""


def spark_available() -> str | None:
    """None when PySpark and Java 17+ are installed, else why not (for skips and errors)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: pip install 'paperscope[spark]'"
    import shutil

    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and os.path.isdir(java_home)):
        return "no Java runtime: scripts/install-system-deps.sh installs openjdk-17-jre-headless"
    return None


def get_session(
    master: str | None = None,
    *,
    app_name: str = "paperscope-batch",
    shuffle_partitions: int | None = None,
    config: dict[str, str] | None = None,
) -> SparkSession:
    """The active session, or a new one. `master=None` keeps what spark-submit configured
    (else `local[2]`); the driver binds to loopback unless told otherwise."""
    problem = spark_available()
    if problem:
        raise SparkUnavailable(problem)
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    # spark-submit starts the JVM first and hands this driver its gateway: its --master holds.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if master or not submitted:
        builder = builder.master(master or DEFAULT_MASTER)
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.host": os.environ.get("SPARK_DRIVER_HOST", "127.0.0.1"),
        "spark.driver.bindAddress": os.environ.get("SPARK_DRIVER_BIND", "127.0.0.1"),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # Lost executors (a killed worker) are retried, not fatal.
        "spark.task.maxFailures": "8",
        "spark.python.worker.reuse": "true",
    }
    if shuffle_partitions:
        settings["spark.sql.shuffle.partitions"] = str(shuffle_partitions)
    settings.update(config or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
