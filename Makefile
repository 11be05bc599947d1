# The two commands a fresh machine needs: `make run` and `make test`. Both install first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run serve-command test lint typecheck pytest pytest-sqlite pytest-mysql mariadb redis nginx wrk migrate schema clean bench bench-profile test-cluster

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

migrate: install
	$(BIN)/python main.py migrate

# httptools with the request head limits and deadlines uvicorn lacks (web/protocol.py).
# tests/ops/test_serve_commands.py serves with exactly this line (`make -s serve-command`).
SERVE := $(BIN)/uvicorn main:app --host $(HOST) --port $(PORT) --loop asyncio \
	--http web.protocol:BoundedHttpToolsProtocol

run: install migrate graphiql-assets
	$(SERVE)

serve-command:
	@echo '$(SERVE)'

schema: install
	$(BIN)/python main.py export-schema > schema.graphql

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

mariadb:
	./scripts/ensure-mariadb.sh

redis:
	./scripts/ensure-redis.sh

# Debian's nginx for tests/ops/test_nginx.py (docker/nginx.conf in front of the service).
nginx:
	./scripts/ensure-nginx.sh

# The benchmark's load generator (Debian's wrk), installed when missing.
wrk:
	./scripts/ensure-wrk.sh

pytest-sqlite: install redis nginx
	TEST_DATABASE=sqlite $(BIN)/pytest -q

pytest-mysql: install mariadb redis
	TEST_DATABASE=mysql $(BIN)/pytest -q

pytest: pytest-sqlite pytest-mysql

# The Galera cluster tests (tests/cluster): 3 MariaDB nodes and HAProxy on loopback, started
# fresh (galera.sh installs galera-4, rsync, haproxy when missing) and stopped afterwards.
# A cluster that does not come up fails the run. About a minute, so `make test` includes it;
# the lock keeps two runs on one machine from sharing (and stopping) one cluster.
test-cluster: install
	flock /tmp/gpts-galera.lock bash -c \
	  '$(BIN)/pytest -m cluster tests/cluster -q; rc=$$?; bash tests/cluster/galera.sh stop; exit $$rc'

test: lint typecheck pytest clients-test test-cluster

# Seeds SQLite and a throwaway MariaDB database, serves the app with gunicorn, drives it,
# writes bench/results/latest.{md,json} (see docs/performance.md). BENCH_ARGS to narrow it;
# the load comes from wrk (`--loader python` for bench/load.py).
bench: install mariadb wrk
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Where one operation's CPU goes: py-spy (from PyPI) on a worker under load.
bench-profile: install mariadb
	$(BIN)/python -m pip install --quiet py-spy
	$(BIN)/python -m bench.profile $(BENCH_PROFILE_ARGS)

include clients/clients.mk

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
