# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-deps test lint demo bench clean scale-check

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first: anything that pulls an unpinned torch would fetch CUDA.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

# The test helpers: every module of tests/ but the test_*.py files. Every conftest.py is a
# top-level module named `conftest`, so mypy takes the folders' ones one run at a time.
TEST_HELPERS = $(shell find tests -name '*.py' ! -name 'test_*.py' ! -path 'tests/*/conftest.py' | sort)

lint: install
	$(BIN)/ruff check --no-cache src tests bench
	$(BIN)/ruff format --no-cache --check src tests bench
	$(BIN)/mypy src
	$(BIN)/mypy bench
	$(BIN)/lint-imports
	$(BIN)/mypy $(TEST_HELPERS)
	for conftest in tests/*/conftest.py; do $(BIN)/mypy $$conftest || exit 1; done

test: install system-deps lint
	$(BIN)/pytest -n 2 --dist loadfile

# Checks with separate processes that `make test` leaves out: the batch jobs on a standalone
# Spark cluster (a master and two workers on loopback) with a worker killed mid-run.
scale-check: install system-deps
	$(BIN)/pytest -m scale tests/batch/test_spark_cluster.py

demo: install
	$(BIN)/paperscope demo --serve --port 8000

SHARED ?= ../shared/data

bench: install
	bash scripts/install-system-deps.sh --bench
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/score.py
	$(BIN)/python bench/impact.py
	$(BIN)/python bench/disambiguation.py --train $(SHARED)/aminer-na/dev
	$(BIN)/python bench/search_quality.py --csfcube $(SHARED)/csfcube --acm-cr $(SHARED)/acm-cr
	$(BIN)/python bench/search_speed.py
	$(BIN)/python bench/embed_speed.py --acm-cr $(SHARED)/acm-cr
	$(BIN)/python bench/web.py
	$(BIN)/python bench/spark.py --cluster
	$(BIN)/python bench/neighbourhood.py --shared $(SHARED)/..
	$(BIN)/python bench/experts.py --aan $(SHARED)/aan --acm-cr $(SHARED)/acm-cr --acm-n 200
	$(BIN)/python bench/explore_pages.py --shared $(SHARED)/..

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
