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

.PHONY: run test install spacy train check validate browser haproxy cluster staff staff-account clean help

help:
	@echo "make run    start the action server, the Rasa server and the widget page"
	@echo "make test   run every test (data checks, actions, REST end to end, browser, evaluation gate)"
	@echo "make train  retrain when the training data changed;  make spacy  rebuild the spaCy pipeline"
	@echo "make cluster  several Rasa replicas on PostgreSQL and Redis behind HAProxy (docs/deploy.md)"

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

# CLUSTER_REPLICAS (2) replicas behind HAProxy on CLUSTER_PORT (8080), widget page on
# CLUSTER_WIDGET_PORT (8081); TRACKER_DB_URL (PostgreSQL) and LOCK_STORE_URL (Redis): docs/deploy.md.
cluster: $(MODEL) haproxy
	$(PY) -m serving.cluster

haproxy:
	bash scripts/install-haproxy.sh

# The staff review page (docs/staff.md); create an account first with `make staff-account`
# (asks for everything), or ARGS='create --username NAME --role reviewer' (also set-password,
# disable, enable, list), inside .venv so the packages it needs are there.
staff: $(STAMP)
	$(PY) -m staff.app

staff-account: $(STAMP)
	$(PY) -m staff.accounts $(or $(ARGS),create)

browser: $(STAMP)
	bash scripts/install-chromium.sh

validate: $(STAMP)
	$(RASA) data validate --fail-on-warnings

test: $(MODEL) browser haproxy
	$(RASA) data validate --fail-on-warnings
	$(PY) -m pytest tests
	$(RASA) test core --stories tests/stories --fail-on-prediction-errors --out results/core --model $(MODEL)
	$(PY) -m evaluation.heldout --gate --json results/heldout.json

clean:
	rm -rf build results test-artifacts .rasa $(MODEL)

# --- Trainer tools (issue 5; the guide is docs/trainers.md) ------------------------------------
# Add an FAQ entry or a knowledge-base entry, check, evaluate against the published model, publish,
# and work through the inbox of the staff review page. Every tool refuses bad input without
# changing any file. Examples:
#   make faq-add                          (asks for everything)   make faq-add FROM=var/faq-drafts/housing.yml
#   make kb-add KIND=destination          (asks for the rest)     make kb-add FROM=entry.yml
#   make inbox                            (lists pending items)   make inbox ARGS='accept 12 --intent ask_fee'
.PHONY: faq-add kb-add evaluate publish inbox

faq-add: $(STAMP)
	$(PY) -m trainer.faq add $(if $(FROM),--from $(FROM)) $(ARGS)

kb-add: $(STAMP)
	$(PY) -m trainer.knowledge add $(if $(FROM),--from $(FROM)) $(if $(KIND),--kind $(KIND)) $(ARGS)
	@$(MAKE) --no-print-directory spacy

check: $(STAMP)
	@$(PY) -m trainer.check
	@$(PY) -m trainer.validate

evaluate: $(MODEL)
	$(PY) -m trainer.evaluate

publish: $(MODEL)
	$(PY) -m trainer.publish $(ARGS)

inbox: $(STAMP)
	$(PY) -m trainer.inbox $(or $(ARGS),list)
