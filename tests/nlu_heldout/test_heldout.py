"""The held-out set's shape and its separation from the training data, and the scoring rules."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.nlu.product_questions import compile_patterns
from tests.nlu_heldout.heldout import (
    FALLBACK,
    Example,
    Fallback,
    Goals,
    HeldoutFormatError,
    Point,
    choose_threshold,
    decide,
    load,
    parse_lines,
    score,
    sweep,
)

ROOT = Path(__file__).resolve().parents[2]


def _words(text: str) -> str:
    """A message as its lower-case words, entity annotations `[x](e)` reduced to `x` (one of only
    punctuation or emoji as itself)."""
    plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text.lower()).strip()
    return " ".join(re.findall(r"[a-z0-9']+", plain)) or plain


def _training_messages() -> list[str]:
    messages = []
    for path in sorted((ROOT / "data").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    messages.append(_words(line.strip()[2:]))
    return messages


@pytest.fixture(scope="module")
def parts() -> dict[str, list[Example]]:
    return {part: load(part) for part in ("validation", "test")}


def test_the_held_out_set_has_the_size_and_spread_issue_16_asks_for(parts):
    every = parts["validation"] + parts["test"]
    assert len(every) >= 600
    assert sum(not e.in_scope for e in every) >= 150
    assert sum(e.non_grocery for e in every) >= 100
    domain_intents = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    labelled = {i for e in every for i in e.intents}
    assert labelled <= domain_intents, labelled - domain_intents
    assert domain_intents <= labelled, f"intents with no held-out message: {domain_intents - labelled}"


def test_validation_and_test_parts_do_not_share_a_message(parts):
    validation = {e.text.lower() for e in parts["validation"]}
    assert not validation & {e.text.lower() for e in parts["test"]}


def test_no_held_out_message_is_a_training_example(parts):
    """The held-out set measures what the model was not shown: a training example that says the same
    words as a held-out message turns that message into a recall test, so it must not exist."""
    trained = set(_training_messages())
    shared = sorted({e.text for part in parts.values() for e in part if _words(e.text) in trained})
    assert not shared, f"in data/ and in tests/nlu_heldout/: {shared}"


def test_no_training_example_is_written_twice():
    """Rasa trains on one copy; a second only makes the data look bigger than it is (33 had crept in)."""
    twice = sorted(m for m, n in Counter(_training_messages()).items() if n > 1)
    assert not twice, f"written more than once in data/: {twice}"


def test_a_malformed_line_is_named_with_its_place():
    with pytest.raises(HeldoutFormatError, match="x.txt:3"):
        parse_lines(["## Situation: s", "greet | hi", "greet hi there"], "x.txt")
    with pytest.raises(HeldoutFormatError, match="x.txt:1"):
        parse_lines(["search_products #grocery | milk"], "x.txt")


def test_lines_carry_alternatives_tags_and_their_situation():
    [e] = parse_lines(["## Situation: shoes", "search_products/product_info #ng | size 9 boots?"])
    assert (e.intents, e.non_grocery, e.situation, e.in_scope) == (
        frozenset({"search_products", "product_info"}), True, "Situation: shoes", True)


def test_decide_follows_the_fallback_classifier():
    plain = Fallback(0.4, 0.05)
    assert decide([("greet", 0.9), ("thank", 0.05)], plain) == "greet"
    assert decide([("greet", 0.39), ("thank", 0.05)], plain) == FALLBACK     # under the threshold
    assert decide([("greet", 0.50), ("thank", 0.47)], plain) == FALLBACK     # ambiguous
    assert decide([], plain) == FALLBACK
    lenient = Fallback(0.4, 0.05, frozenset({"search_products"}), 0.3)
    assert decide([("search_products", 0.32), ("greet", 0.30)], lenient, "socks") == "search_products"
    assert decide([("search_products", 0.29), ("greet", 0.05)], lenient, "socks") == FALLBACK
    assert decide([("cancel_order", 0.35), ("greet", 0.05)], lenient, "stop it") == FALLBACK
    assert decide([("search_products", 0.32), ("greet", 0.30)], lenient, "???") == FALLBACK   # names nothing
    assert decide([("affirm", 0.9), ("greet", 0.05)], plain, ":)") == FALLBACK   # no "yes" without a word
    near = Fallback(0.4, 0.05, near_example=0.6)
    assert decide([("show_cart", 0.3), ("greet", 0.05)], near, "basket?", closeness=0.62) == "show_cart"
    assert decide([("show_cart", 0.3), ("greet", 0.05)], near, "basket?", closeness=0.58) == FALLBACK
    assert decide([("out_of_scope", 0.3), ("greet", 0.05)], near, "weather?", closeness=0.9) == FALLBACK


def test_a_product_question_goes_to_search_when_search_is_the_likeliest_shopping_meaning():
    questions = Fallback(0.4, 0.05, product_questions=compile_patterns(product_question_patterns()))
    lawn = [("out_of_scope", 0.33), ("search_products", 0.30), ("ask_deals", 0.11)]
    assert decide(lawn, questions, "do you sell lawn mowers?") == "search_products"
    assert decide(lawn, questions, "lawn mowers, do you think they are loud?") == FALLBACK   # not a question
    assert decide(lawn, Fallback(0.4, 0.05), "do you sell lawn mowers?") == FALLBACK      # no patterns
    deals = [("ask_deals", 0.35), ("search_products", 0.30), ("out_of_scope", 0.2)]
    assert decide(deals, questions, "do you sell gift cards") == FALLBACK   # another shopping meaning is likelier
    data = [("out_of_scope", 0.7), ("search_products", 0.2)]
    assert decide(data, questions, "do you sell my data?") == "out_of_scope"
    assert decide(lawn, questions, "Where can I buy a kettle") == "search_products"


def test_a_wording_that_means_one_intent_decides_as_the_classifier_does():
    worded = Fallback(0.4, 0.05, intent_patterns={"return_order": compile_patterns([r"\barrived broken\b"])})
    eggs = [("search_products", 0.53), ("return_order", 0.01)]
    assert decide(eggs, worded, "my eggs arrived broken") == "return_order"
    assert decide(eggs, worded, "eggs") == "search_products"


def test_fallback_counts_against_in_scope_and_for_out_of_scope():
    examples = parse_lines(["greet | hi", "search_products #ng | boots", "search_products | milk",
                            "out_of_scope | weather?", "out_of_scope | joke"])
    report = score(examples, ["greet", FALLBACK, "search_products", FALLBACK, "search_products"])
    assert report.in_scope_accuracy == pytest.approx(2 / 3)
    assert report.false_rejection == pytest.approx(1 / 3)
    assert report.out_of_scope_rejection == pytest.approx(1 / 2)
    assert report.non_grocery_accuracy == 0.0
    assert report.recall["search_products"] == (0.5, 2)
    assert report.accuracy == pytest.approx(3 / 5)
    assert [m[2] for m in report.misses] == ["boots", "joke"]
    unmet = Goals().unmet(report)
    assert any("false rejection" in u for u in unmet) and any("search_products recall" in u for u in unmet)


def test_a_message_that_is_either_of_two_intents_counts_for_each_of_them():
    examples = parse_lines(["add_to_cart | put it in", "choose_product | the red one",
                            "add_to_cart/choose_product | I'll go for the big one"])
    report = score(examples, ["add_to_cart", FALLBACK, "choose_product"])
    assert report.recall == {"add_to_cart": (1.0, 2), "choose_product": (0.5, 2)}
    assert not any("/" in u for u in Goals().unmet(report))


def test_the_threshold_chosen_answers_most_while_declining_enough():
    points = [Point(0.2, 0.95, 0.70), Point(0.3, 0.93, 0.86), Point(0.4, 0.93, 0.90), Point(0.5, 0.93, 0.92),
              Point(0.6, 0.80, 0.97)]
    assert choose_threshold(points, 0.85).threshold == 0.4   # the middle of the best plateau that declines enough
    assert choose_threshold(points, 0.91).threshold == 0.5
    assert choose_threshold(points, 0.99).threshold == 0.6   # nothing declines enough: the one declining most


def test_the_sweep_tries_each_closeness_and_the_choice_can_fall_on_one():
    examples = parse_lines(["show_cart | basket?", "greet | hi", "out_of_scope | weather?"])
    rankings = [[("show_cart", 0.3), ("greet", 0.1)], [("greet", 0.9)], [("help", 0.35), ("greet", 0.1)]]
    points = sweep(examples, rankings, Fallback(0.4, 0.05), [0.2, 0.4], closeness=[0.7, 0.9, 0.5],
                   near_examples=[None, 0.6])
    assert [(p.near_example, p.threshold) for p in points] == [(None, 0.2), (None, 0.4), (0.6, 0.2), (0.6, 0.4)]
    chosen = choose_threshold(points, 1.0)   # "weather?" declined and "basket?" kept: only the closeness does both
    assert (chosen.near_example, chosen.threshold, chosen.in_scope_accepted) == (0.6, 0.4, 1.0)


def test_the_sweep_tries_each_lower_bar_for_a_search():
    examples = parse_lines(["search_products | an extension lead", "out_of_scope | qwerty", "greet | hi"])
    rankings = [[("search_products", 0.25), ("goodbye", 0.08)], [("search_products", 0.18), ("greet", 0.1)],
                [("greet", 0.9)]]
    lenient = Fallback(0.4, 0.05, frozenset({"search_products"}), 0.3)
    points = sweep(examples, rankings, lenient, [0.4], lenient_thresholds=[0.15, 0.2, 0.3])
    assert [(p.lenient_threshold, p.in_scope_accepted, p.out_of_scope_rejected) for p in points] == [
        (0.15, 1.0, 0.0), (0.2, 1.0, 1.0), (0.3, 0.5, 1.0)]
    assert choose_threshold(points, 1.0).lenient_threshold == 0.2   # the lead searched, the noise declined


def product_question_patterns() -> list[str]:
    """The deployed patterns, from config.yml."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    return next(c for c in pipeline if c["name"].endswith("FallbackClassifier"))["product_questions"]
