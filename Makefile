# Côté Soin guichet — `make help` lists the targets.
-include .env
export

PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RASA_DATA := --data nlu --domain domain.yml --config config.yml

.DEFAULT_GOAL := help
.PHONY: help install run shell train validate test test-unit test-stories test-nlu test-e2e cross-validation eval bench bench-long bench-soak bench-scaled run-scaled actions lint clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml .python-version
	@command -v python$(PYTHON_VERSION) >/dev/null || { echo "Python $(PYTHON_VERSION) est requis (pyenv install $(PYTHON_VERSION))"; exit 1; }
	test -x $(BIN)/python || python$(PYTHON_VERSION) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/pip check
	touch $(STAMP)

install: $(STAMP) ## Create .venv (Python 3.10) and install everything

run: $(STAMP) ## Set up on first use (demo data, model) and start the assistant
	$(BIN)/cotesoin run

shell: $(STAMP) ## Talk to the assistant in the terminal (rasa shell)
	$(BIN)/cotesoin shell

actions: $(STAMP) ## Start the action server alone
	$(BIN)/python -m rasa_sdk --actions actions --port $${ACTION_PORT:-5055}

train: $(STAMP) ## Train the model if the training data changed
	$(BIN)/cotesoin train

validate: $(STAMP) ## Check the training data and domain (rasa data validate)
	$(BIN)/rasa data validate $(RASA_DATA) --fail-on-warnings

test-unit: $(STAMP) ## Unit tests: import, queries, normaliser, actions (no server)
	$(BIN)/pytest -m "not e2e"

test-stories: train ## Conversation tests (tests/test_stories.yml), prediction errors fail
	$(BIN)/python -m bot.rasa_cli test core --stories tests/test_stories.yml --model models \
		--fail-on-prediction-errors --out results/stories

test-nlu: train ## NLU evaluation: held-out file and ../shared/eval external set; fails under the thresholds
	$(BIN)/python scripts/eval_nlu.py

test-e2e: train ## End-to-end: both servers, real conversations over REST
	$(BIN)/pytest -m e2e

test: validate test-unit test-stories test-nlu test-e2e ## Everything CI runs

cross-validation: $(STAMP) ## 5-fold cross-validation on the training data (slow: about 5 trainings)
	$(BIN)/rasa test nlu --nlu nlu --config config.yml --domain domain.yml --cross-validation --folds 5 \
		--out results/cross-validation
	@echo "Résultats : results/cross-validation/"

eval: test-nlu cross-validation test-stories ## Held-out and external NLU figures, cross-validation and story tests, in results/

bench: train ## Benchmark against stock Rasa: 10 users over REST, latency, msg/s, memory, ratios (3 turns, medians)
	$(BIN)/python scripts/bench.py --repeat 3

bench-long: train ## Benchmark: latency of message k in one 600-message conversation, ours and stock
	$(BIN)/python scripts/bench.py --long 600 --no-load

bench-soak: train ## Benchmark: 20 000 messages through ours, memory sampled over time
	$(BIN)/python scripts/bench.py --only ours --messages 20000

bench-scaled: train ## Benchmark: 1 and 2 Rasa processes behind HAProxy (PostgreSQL, Redis: deploy/run-scaled)
	deploy/run-scaled --infra-only
	$(BIN)/python scripts/bench.py --scaled 1 2

run-scaled: train ## Several Rasa processes behind HAProxy, PostgreSQL and Redis (deploy/; apt-installs them)
	deploy/run-scaled

lint: $(STAMP) ## Static checks (ruff)
	$(BIN)/ruff check actions bot components knowledge scripts tests

clean: ## Remove trained models, results and local databases
	rm -rf models results var
