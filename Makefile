# Two commands for a fresh machine: `make run` (set up, ingest corpus/, serve the chat UI on 127.0.0.1)
# and `make test` (set up with the test extras, lint, the test suite, the eval gate).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PA := $(VENV)/bin/policy-assistant
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test setup setup-test lint unit eval-gate browser-deps bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

# CPU torch first, so sentence-transformers never pulls a CUDA build.
$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[st,test]'
	touch $@

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

run: setup
	$(PA) ingest
	$(PA) serve

# Debian's chromium and CJK fonts for the browser test (Playwright's own download cannot work offline).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

lint: setup-test
	$(VENV)/bin/ruff check assistant tests bench ui.py
	$(VENV)/bin/mypy assistant ui.py

test: setup-test browser-deps lint
	$(PY) eval/check_gold.py --questions eval/questions.jsonl --seeds corpus
	$(PY) eval/check_gold.py --sets eval/sets.toml
	$(PY) -m pytest -q
	$(PA) eval --sets eval/sets.toml --split test --out eval/out --data-dir .data/eval

unit: setup-test
	$(PY) -m pytest -q -m "not integration and not browser"

bench: setup-test
	$(PY) bench/ingest.py
	$(PY) bench/retrieval.py
	$(PY) bench/answer.py

clean:
	rm -rf .data eval/out bench/out tests/artifacts
