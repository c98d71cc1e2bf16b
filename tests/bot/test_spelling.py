"""Typos read as training words, for the classifier only."""
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.spelling import corrected_text, correction, one_edit, respelled, word_counts

COUNTS = word_counts(["add the first one", "add the first one to my cart", "show more", "show me more please",
                      "I want chocolate biscuits", "the fist"])
KNOWN = frozenset({"ad", "chai", "more", "first"})


def test_one_edit_covers_deletion_swap_change_and_insertion():
    edits = one_edit("frist")
    assert {"first", "fris", "fxist", "frists", "fist"} <= edits and "frist" not in edits


def test_a_typo_becomes_the_most_frequent_training_word_one_edit_away():
    assert correction("frist", COUNTS, KNOWN) == "first"   # "fist" is one edit too, but rarer
    assert correction("Biscuts", COUNTS, KNOWN) == "biscuits"
    assert correction("choclate", COUNTS, KNOWN) == "chocolate"
    assert correction("mor", COUNTS, frozenset()) is None   # three letters: too many words one edit away


def test_training_words_real_words_short_words_and_numbers_are_read_as_written():
    assert correction("first", COUNTS, KNOWN) is None      # a training word
    assert correction("chai", COUNTS, KNOWN) is None       # the language model knows it whole
    assert correction("ad", COUNTS, frozenset()) is None   # too short
    assert correction("sav10", COUNTS, KNOWN) is None      # not a word: a code
    assert correction("kombucha", COUNTS, KNOWN) is None   # nothing one edit away
    assert correction("x" * 100_000, COUNTS, KNOWN) is None   # noise, and its edits would not fit in memory
    assert correction("firstfirstfirstfirstx", COUNTS, KNOWN) is None   # over 20 letters


def test_the_classifier_reads_the_corrections_and_the_text_stays_as_typed():
    message = Message(data={TEXT: "ad the frist one, pls"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    for token in message.get("text_tokens"):
        token.lemma = correction(token.text, COUNTS, KNOWN) or token.lemma
    assert corrected_text(message) == "ad the first one, pls" and message.get(TEXT) == "ad the frist one, pls"
    assert respelled("a bc d", [(2, 4, "xyz")]) == "a xyz d"
