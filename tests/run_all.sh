#!/usr/bin/env bash
# Every Cartwise test, in one run. `make test` calls this after installing, building and training;
# CI (.ci/run) calls `make test`. Each stage runs even if an earlier one failed; the exit code and the
# closing "N passed, N failed" line count them all.
set -uo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false HF_HUB_OFFLINE=1
BOT=.venv-bot/bin REC=.venv-rec/bin MODEL=models/rasa/cartwise.tar.gz
rm -rf results && mkdir -p results
failed_stages=()

stage() {
  local name=$1; shift
  echo; echo "=== $name"
  local start=$SECONDS
  if "$@"; then echo "=== $name: ok ($((SECONDS - start)) s)"
  else echo "=== $name: FAILED ($((SECONDS - start)) s)"; failed_stages+=("$name"); fi
}

stage "ruff (make lint)" $REC/ruff check --quiet .
stage "rasa data validate" $BOT/rasa data validate --fail-on-warnings --quiet
stage "config, recommender, deployment-file and held-out-set pytest" $REC/python -m pytest tests/cartwise tests/recommender tests/deploy tests/nlu_heldout -q -p no:cacheprovider --junitxml=results/junit-recommender.xml
stage "bot pytest (bot, launch, console, shop, actions, review, end-to-end, browser, faults)" $BOT/python -m pytest tests/bot tests/launch tests/console tests/shop tests/actions tests/review tests/e2e tests/faults -q -p no:cacheprovider --junitxml=results/junit-bot.xml
# A folder of stories: tests/test_stories.yml plus the review console's tests/reviewed_stories.yml, if any.
stories=$(mktemp -d); cp tests/test_stories.yml "$stories"/
if [[ -f tests/reviewed_stories.yml ]]; then cp tests/reviewed_stories.yml "$stories"/; fi
stage "rasa test core (test stories)" $BOT/rasa test core --model $MODEL --stories "$stories" \
  --fail-on-prediction-errors --out results/core --quiet
# Folds drawn from a fixed seed (tests/cross_validate.py says why); the README gives the spread over seeds.
stage "rasa test nlu --cross-validation (fold seed 0)" $BOT/python tests/cross_validate.py --seed 0 --folds 5 \
  --out results/nlu --quiet
stage "NLU intent F1 >= 0.90" $BOT/python tests/check_nlu_report.py results/nlu/intent_report.json 0.90
stage "held-out NLU as deployed (make nlu-heldout)" $BOT/python -m tests.nlu_heldout.evaluate --model $MODEL \
  --out results/nlu_heldout --check floor

cli_failed=0   # pytest stages are counted case by case from their JUnit files
for name in "${failed_stages[@]}"; do [[ $name == *pytest* ]] || cli_failed=$((cli_failed + 1)); done
$BOT/python tests/summary.py results/junit-recommender.xml results/junit-bot.xml --stages 6 --failed-stages $cli_failed
if ((${#failed_stages[@]})); then printf 'failed stage: %s\n' "${failed_stages[@]}"; exit 1; fi
