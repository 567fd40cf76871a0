# The two commands of the README:
#   make demo   generate a demo shop -> ingest -> build models and indexes -> serve the app
#   make test   lint (ruff, mypy) and run the whole test suite (browser tests included)
.PHONY: setup demo test lint bench

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/memberinsight demo

test:
	bash scripts/setup.sh --browser
	$(MAKE) lint
	.venv/bin/python -m pytest -q --timeout=1800

# ruff (style and likely bugs) and mypy (types across package borders) must both be clean
lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

bench:
	for b in bench/*.py; do .venv/bin/python $$b; done
