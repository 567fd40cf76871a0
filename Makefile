# The two commands of the README:
#   make demo   generate a demo shop -> ingest -> build models and indexes -> serve the app
#   make test   lint (ruff, mypy, import-linter) and run the whole test suite (browser tests included; the 25
#               slowest tests are listed at the end, for the work on its speed)
# and for day-to-day work:
#   make test-quick   lint and the fast tests (about 2.5 minutes on 2 cores; `make test` stays the full suite)
.PHONY: setup demo test test-quick lint bench

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/memberinsight demo

test:
	bash scripts/setup.sh --browser --spark
	$(MAKE) lint
	.venv/bin/python -m pytest -q --timeout=1800 --durations=25

# `--quick` (tests/conftest.py) leaves out the tests marked slow or browser, those that need the built
# demo workspace (marked `built` automatically: building it takes 1-2 minutes) and the integration-heavy
# files and tests listed in QUICK_SKIP_FILES; assumes `make setup` ran once.
test-quick:
	$(MAKE) lint
	.venv/bin/python -m pytest -q --quick --timeout=600

# ruff (style and likely bugs), mypy (types across package borders) and import-linter (imports flow one way,
# contracts in pyproject.toml) must all be clean
lint:
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/lint-imports

bench:
	for b in bench/*.py; do .venv/bin/python $$b; done
