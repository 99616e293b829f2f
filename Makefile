# Leiden Study Assistant. `make run` starts everything; `make test` checks everything.
# Both work on a fresh machine: they create .venv (Python 3.10), install the pinned packages,
# build the spaCy pipeline and train the model when it is missing or its inputs changed.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed
SPACY := build/spacy_en_lumc/meta.json
MODEL := models/lumc.tar.gz
REQUIREMENTS := requirements/base.txt requirements/browser.txt requirements/staff.txt

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)
# The PostgreSQL and Redis servers the store tests use (overridable; CI sets them too).
export TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

TRAIN_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) \
                $(wildcard nlu_components/*.py) $(SPACY)

.PHONY: run test install spacy train check validate browser clean help

help:
	@echo "make run    start the action server, the Rasa server and the widget page"
	@echo "make test   run every test (data checks, actions, REST end to end, browser, held-out score)"
	@echo "make train  retrain when the training data changed;  make spacy  rebuild the spaCy pipeline"

install: $(STAMP)
$(STAMP): $(REQUIREMENTS) requirements/lock.txt scripts/find-python310.sh
	@python310=$$(scripts/find-python310.sh) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python310"; "$$python310" -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet $(addprefix -r ,$(REQUIREMENTS)) -c requirements/lock.txt
	@touch $@

spacy: $(SPACY)
$(SPACY): $(STAMP) $(wildcard knowledge/*.yml) $(wildcard spacy_pipeline/*.py) actions/knowledge_base.py
	$(PY) -m spacy_pipeline.build

train: $(MODEL)
$(MODEL): $(STAMP) $(TRAIN_INPUTS)
	@start=$$(date +%s); \
	$(RASA) train --fixed-model-name lumc --out models || exit 1; \
	touch $@; echo "Training took $$(( $$(date +%s) - start )) s."

run: $(MODEL)
	$(PY) -m serving.launcher

browser: $(STAMP)
	bash scripts/install-chromium.sh

validate: $(STAMP)
	$(RASA) data validate --fail-on-warnings

test: $(MODEL) browser
	$(RASA) data validate --fail-on-warnings
	$(PY) -m pytest tests
	$(RASA) test core --stories tests/stories --fail-on-prediction-errors --out results/core --model $(MODEL)
	$(PY) -m evaluation.heldout --quiet --json results/heldout.json

clean:
	rm -rf build results test-artifacts .rasa $(MODEL)
