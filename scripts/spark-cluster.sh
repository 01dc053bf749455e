#!/usr/bin/env bash
# A Spark standalone cluster on loopback: one master and two workers, each its own process,
# from the pip-installed pyspark alone (its sbin/ has no start scripts, so spark-class runs
# the daemons). Ports are chosen free. State (pids, logs, the master URL) lives in $DIR.
#
#   scripts/spark-cluster.sh start [DIR]     prints the master URL (spark://127.0.0.1:PORT)
#   scripts/spark-cluster.sh stop [DIR]
#   scripts/spark-cluster.sh kill-worker N [DIR]   kills worker N (1 or 2) at once (kill -9)
#
# Environment: WORKER_CORES (1), WORKER_MEMORY (1g), PYTHON (the interpreter the executors
# run; default: the one on PATH). PYTHONPATH is passed on to the executors.
set -euo pipefail

command=${1:-}
DIR=${3:-${2:-var/spark-cluster}}
[ "$command" = "kill-worker" ] && DIR=${3:-var/spark-cluster}
PYTHON=${PYTHON:-$(command -v python3)}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_log() {  # file pattern seconds
    for _ in $(seq 1 $(( $3 * 10 ))); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timed out waiting for '$2' in $1" >&2
    tail -n 20 "$1" >&2 || true
    return 1
}

start() {
    SPARK_HOME=${SPARK_HOME:-$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')}
    export SPARK_HOME
    mkdir -p "$DIR"
    local port ui
    port=$(free_port)
    ui=$(free_port)
    export SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$PYTHON" SPARK_WORKER_DIR="$DIR/work"
    nohup "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
        --host 127.0.0.1 --port "$port" --webui-port "$ui" >"$DIR/master.log" 2>&1 &
    echo $! >"$DIR/master.pid"
    wait_for_log "$DIR/master.log" "I have been elected leader" 120
    echo "spark://127.0.0.1:$port" >"$DIR/master.url"
    for n in 1 2; do
        nohup "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
            "spark://127.0.0.1:$port" --host 127.0.0.1 --port "$(free_port)" \
            --webui-port "$(free_port)" --cores "${WORKER_CORES:-1}" \
            --memory "${WORKER_MEMORY:-1g}" --work-dir "$DIR/work-$n" \
            >"$DIR/worker-$n.log" 2>&1 &
        echo $! >"$DIR/worker-$n.pid"
    done
    for n in 1 2; do
        wait_for_log "$DIR/worker-$n.log" "Successfully registered with master" 120
    done
    cat "$DIR/master.url"
}

stop_pid() {
    local file=$1
    [ -f "$file" ] || return 0
    local pid
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

case "$command" in
    start) start ;;
    stop)
        stop_pid "$DIR/worker-1.pid"
        stop_pid "$DIR/worker-2.pid"
        stop_pid "$DIR/master.pid"
        ;;
    kill-worker)
        n=${2:?worker number}
        # The worker's executor is its child process: it goes first (its tasks are lost, and
        # Spark retries them on the other worker), then the worker itself.
        pkill -9 -P "$(cat "$DIR/worker-$n.pid")" 2>/dev/null || true
        kill -9 "$(cat "$DIR/worker-$n.pid")"
        ;;
    *) echo "usage: $0 start|stop [DIR] | kill-worker N [DIR]" >&2; exit 2 ;;
esac
